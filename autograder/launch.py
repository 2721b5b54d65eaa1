"""The student's kernel process as it is launched: command line, environment, scratch folder.

- Scratch folder: a fresh temporary folder per kernel, holding the kernel's connection file
  and ZMQ ipc sockets, the named pipes of its copies (``hidden/``, see
  ``autograder.deferred``), and ``work/``, its working folder, which looks like the release
  folder (links to its files: nnlib/, assets/) and holds matplotlib's font list, so the
  kernel need not rebuild it. The release folder is also on PYTHONPATH, so the kernel
  imports the chapter's *student* build of nnlib.
- Environment: small and explicit; nothing of the grader's own environment leaks in.
- Command line: the confinement's wrapper (bubblewrap, then prlimit: see
  ``autograder.confinement``), then this interpreter's ipykernel, with the grader's own
  code to run before any cell (``startup``: the guard, the freeze points, the setup cell's
  imports for a warm kernel: ``preimport_code``) as IPython's ``exec_lines``. A lean kernel
  (``Savings.lean_kernel``) starts with the imports of ipykernel's debugger (debugpy) and
  IPython's completer engine (jedi) made to fail, so neither loads: grading uses neither. The wrapper enters through the kernel manager
  (``GradingKernelManager.wrapper``), which also gives the connection file to a kernel with
  a user id of its own.
- A forked kernel (``Savings.fork_kernel``): the sandbox's first process is a *holder*
  that only waits, and ``locate`` has the template (``autograder.template``) fork the
  kernel into the holder's sandbox; the holder outlives the kernel as a keeper does.
- In the sandbox, the first process is a *keeper* that starts the kernel and outlives it:
  bubblewrap ends the sandbox, and every process in it, when its first process ends, and
  the copies of the kernel made for the hidden tests must outlive a kernel that dies. So
  the manager finds the kernel's own process (``locate``) and asks that one whether the
  kernel is alive; ``kill_kernel`` ends the kernel alone.
"""

from __future__ import annotations

import ast
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
from jupyter_client.manager import AsyncKernelManager
from nbformat import NotebookNode

from autograder.cells import is_code, is_locked, is_test
from autograder.confinement import KernelConfinement
from autograder.template import HOLDER, KernelTemplate, TemplateError

__all__ = ["GradingKernelManager", "kernel_manager", "kernel_env", "scratch_folder", "setup_modules",
           "preimport_code"]

# In the sandbox the kernel's parent is the keeper, not the grader that JPY_PARENT_PID names:
# ipykernel's parent poller is off, and bubblewrap's --die-with-parent does its job.
_SANDBOXED_KERNEL_OPTIONS = ["--IPKernelApp.parent_handle=1"]


# ipykernel_launcher, without the modules grading never uses (Savings.lean_kernel).
# As ipykernel_launcher, it takes the working folder off sys.path while ipykernel loads
# (IPython puts it back), so that the release on PYTHONPATH comes first.
_LEAN_KERNEL = ("import sys\n"
                "if sys.path[0] == '':\n"
                "    del sys.path[0]\n"
                "sys.modules['debugpy'] = sys.modules['jedi'] = None  # their imports fail: not loaded\n"
                "from ipykernel import kernelapp\n"
                "kernelapp.launch_new_instance()\n")

# The sandbox's first process (see the module docstring): it runs the kernel's command line
# (its arguments) in a child and waits, ignoring the interrupts meant for the kernel.
_KEEPER = (
    "import os, signal, sys\n"
    "kernel = os.fork()\n"
    "if kernel == 0:\n"
    "    try:\n"
    "        os.execv(sys.argv[1], sys.argv[1:])\n"
    "    finally:\n"
    "        os._exit(127)\n"
    "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
    "os.waitpid(kernel, 0)\n"
    "while True:\n"
    "    signal.pause()\n"
)


class GradingKernelManager(AsyncKernelManager):
    """A kernel manager whose command line is ours, not a kernelspec's.

    kernel_process: the kernel's own process once ``locate`` found it (in the sandbox, the
    keeper's child; elsewhere, the process the manager started).
    """

    figures = False
    lean = False
    wrapper: list[str] = []
    startup: list[str] = []
    sandboxed = False
    kernel_uid: int | None = None
    kernel_process: psutil.Process | None = None
    template: KernelTemplate | None = None  # fork the kernel from it (sandboxed only)
    kernel_argv: list[str] = []
    log_fd = -1

    def write_connection_file(self, **kwargs: Any) -> None:
        super().write_connection_file(**kwargs)
        if self.kernel_uid is not None:  # written 0600 by root: the kernel must read it
            os.chown(self.connection_file, self.kernel_uid, self.kernel_uid)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        command = _kernel_command(self.connection_file, self.figures, self.startup, self.lean)
        command += list(extra_arguments or [])
        if self.template is not None:
            # The sandbox holds a holder; the kernel is forked into it by ``locate``.
            self.kernel_argv = command + _SANDBOXED_KERNEL_OPTIONS
            return self.wrapper + [sys.executable, "-I", "-S", "-c", HOLDER]
        if self.sandboxed:
            command = [sys.executable, "-I", "-S", "-c", _KEEPER] + command + _SANDBOXED_KERNEL_OPTIONS
        return self.wrapper + command

    def locate(self, wait: float = 5.0) -> None:
        """Find the kernel's own process (``kernel_process``), waiting up to ``wait`` seconds
        for the keeper to start it; with a template, fork the kernel into the sandbox once its
        holder is there (``autograder.template.TemplateError`` where it cannot)."""
        started = getattr(self.provisioner, "process", None)
        if started is None:
            return
        try:
            root = psutil.Process(started.pid)
            if not self.sandboxed:
                self.kernel_process = root
                return
            give_up = time.monotonic() + wait
            while time.monotonic() < give_up and started.poll() is None:
                for keeper in root.children(recursive=True):
                    if self.template is not None and keeper.cmdline()[1:5] == ["-I", "-S", "-c", HOLDER]:
                        self.kernel_process = psutil.Process(self.template.fork(keeper.pid, self.kernel_argv,
                                                                                self.log_fd))
                        return
                    if keeper.cmdline()[1:5] == ["-I", "-S", "-c", _KEEPER]:
                        kernels = [p for p in keeper.children() if self.connection_file in p.cmdline()]
                        if kernels:
                            self.kernel_process = kernels[0]
                            return
                time.sleep(0.005)
        except psutil.Error:
            pass
        if self.template is not None and self.kernel_process is None:
            raise TemplateError(f"no holder to fork the kernel into appeared within {wait:g} s")

    async def _async_is_alive(self) -> bool:
        """Is the kernel's own process still running (not only the sandbox around it)?"""
        if self.kernel_process is None:
            return await super()._async_is_alive()
        try:
            return self.kernel_process.is_running() and self.kernel_process.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    is_alive = _async_is_alive

    def kill_kernel(self) -> None:
        """End the kernel's own process, and nothing else (its copies live on)."""
        try:
            if self.kernel_process is not None:
                self.kernel_process.kill()
        except psutil.Error:
            pass


def kernel_manager(scratch: Path, confinement: KernelConfinement, figures: bool,
                   startup: list[str] = (), lean: bool = False,
                   template: KernelTemplate | None = None) -> GradingKernelManager:
    """The manager of one kernel, talking to it over ipc sockets in ``scratch``.

    figures: draw matplotlib figures as PNG outputs (default: figures show as text).
    startup: code the kernel runs before it answers (IPython's exec_lines), in order.
    lean: without debugpy and jedi (``Savings.lean_kernel``).
    template: fork the (lean, sandboxed) kernel from this template (``Savings.fork_kernel``).
    """
    km = GradingKernelManager(transport="ipc", ip=str(scratch / ".kernel"),
                              connection_file=str(scratch / ".kernel.json"))
    km.figures = figures
    km.lean = lean
    km.startup = list(startup)
    km.sandboxed = confinement.sandboxed
    km.kernel_uid = confinement.kernel_uid
    km.wrapper = list(confinement.wrapper)
    km.template = template if confinement.sandboxed and lean else None
    if confinement.sandboxed:
        # A SIGINT to the process group would also reach bubblewrap, which stops the sandbox;
        # ipykernel takes the interrupt as a message on its control channel instead.
        km.kernel_spec.interrupt_mode = "message"
    return km


def _kernel_command(connection_file: str, figures: bool = False, startup: list[str] = (),
                    lean: bool = False) -> list[str]:
    """The student's kernel process: this interpreter's ipykernel."""
    launcher = ["-c", _LEAN_KERNEL] if lean else ["-m", "ipykernel_launcher"]
    command = [
        sys.executable, *launcher, "-f", connection_file,
        # No history database in the grader's home folder.
        "--HistoryManager.hist_file=:memory:",
    ] + [f"--IPKernelApp.exec_lines={code}" for code in startup]
    if not figures:
        # Figures are still created and closed after each cell as usual, but not drawn to
        # PNG: drawing is most of a chapter's run time and grading needs none of it.
        command.append("--InlineBackend.figure_formats=set()")
    return command


def kernel_env(runtime: Path, work: Path) -> dict[str, str]:
    """A small, explicit environment: nothing of the grader's own environment leaks in."""
    keep = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TZ",
            "MPLCONFIGDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "IPYTHONDIR", "SYSTEMROOT")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    env.update({
        "PYTHONPATH": str(runtime),
        "TMPDIR": str(work),
        # The grader's home folder is not the student's (and not visible in the sandbox).
        "HOME": str(work),
        "MPLCONFIGDIR": str(work / ".matplotlib"),
        "IPYTHONDIR": str(work / ".ipython"),
        # nbgrader sets this while autograding; notebooks may use it to skip slow demos.
        "NBGRADER_EXECUTION": "autograde",
        # One BLAS thread per kernel: workers already use every core.
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    return env


def scratch_folder(runtime: Path) -> Path:
    """A fresh scratch folder: the kernel's connection file and sockets, and ``work/``, its
    working folder, which looks like the release folder (links to its files)."""
    scratch = Path(tempfile.mkdtemp(prefix="autograder-kernel-"))
    work = scratch / "work"
    work.mkdir()
    for entry in runtime.iterdir():
        if entry.suffix != ".ipynb":
            (work / entry.name).symlink_to(entry)
    # matplotlib's font list, so the kernel need not rebuild it (it would in a new config folder)
    mpl = work / ".matplotlib"
    mpl.mkdir()
    for cache in _font_caches():
        shutil.copy(cache, mpl / cache.name)
    return scratch


def _font_caches() -> list[Path]:
    try:
        import matplotlib

        return sorted(Path(matplotlib.get_cachedir()).glob("fontlist-*.json"))
    except Exception:  # noqa: BLE001 - no matplotlib: nothing to copy
        return []


def setup_modules(nb: NotebookNode) -> tuple[str, ...]:
    """The modules the notebook's setup cell (its first read-only code cell) imports."""
    setup = next((cell for cell in nb.cells if is_code(cell) and is_locked(cell) and not is_test(cell)), None)
    if setup is None:
        return ()
    try:
        tree = ast.parse(setup.source)
    except SyntaxError:
        return ()
    modules: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules.append(node.module)
    return tuple(dict.fromkeys(modules))


def preimport_code(modules: tuple[str, ...]) -> str:
    """Startup code that imports ``modules`` (binding no name; one that fails is left to the
    setup cell, which shows its error)."""
    return ("def __autograder_preimport(names):\n"
            "    for name in names:\n"
            "        try:\n"
            "            __import__(name)\n"
            "        except Exception:\n"
            "            pass\n"
            f"__autograder_preimport({tuple(modules)!r})\n"
            "del __autograder_preimport\n")
