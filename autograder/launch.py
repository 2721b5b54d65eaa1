"""The student's kernel process as it is launched: command line, environment, scratch folder.

- Scratch folder: a fresh temporary folder per kernel, holding the kernel's connection file
  and ZMQ ipc sockets, and ``work/``, its working folder, which looks like the release folder
  (links to its files: nnlib/, assets/) and holds matplotlib's font list, so the kernel need
  not rebuild it. The release folder is also on PYTHONPATH, so the kernel imports the
  chapter's *student* build of nnlib.
- Environment: small and explicit; nothing of the grader's own environment leaks in.
- Command line: the confinement's wrapper (bubblewrap, then prlimit: see
  ``autograder.confinement``), then this interpreter's ipykernel. The wrapper enters through
  the kernel manager (``GradingKernelManager.wrapper``), which also gives the connection file
  to a kernel with a user id of its own.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager

from autograder.confinement import KernelConfinement

__all__ = ["GradingKernelManager", "kernel_manager", "kernel_env", "scratch_folder"]

# In its pid namespace the kernel's parent is bubblewrap's init (pid 1), which ipykernel's
# parent poller takes for "the grader has exited"; --die-with-parent does that job instead.
_SANDBOXED_KERNEL_OPTIONS = ["--IPKernelApp.parent_handle=1"]


class GradingKernelManager(AsyncKernelManager):
    """A kernel manager whose command line is ours, not a kernelspec's."""

    figures = False
    wrapper: list[str] = []
    sandboxed = False
    kernel_uid: int | None = None

    def write_connection_file(self, **kwargs: Any) -> None:
        super().write_connection_file(**kwargs)
        if self.kernel_uid is not None:  # written 0600 by root: the kernel must read it
            os.chown(self.connection_file, self.kernel_uid, self.kernel_uid)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        command = self.wrapper + _kernel_command(self.connection_file, self.figures) + list(extra_arguments or [])
        return command + (_SANDBOXED_KERNEL_OPTIONS if self.sandboxed else [])


def kernel_manager(scratch: Path, confinement: KernelConfinement, figures: bool) -> GradingKernelManager:
    """The manager of one kernel, talking to it over ipc sockets in ``scratch``.

    figures: draw matplotlib figures as PNG outputs (default: figures show as text).
    """
    km = GradingKernelManager(transport="ipc", ip=str(scratch / ".kernel"),
                              connection_file=str(scratch / ".kernel.json"))
    km.figures = figures
    km.sandboxed = confinement.sandboxed
    km.kernel_uid = confinement.kernel_uid
    km.wrapper = list(confinement.wrapper)
    if confinement.sandboxed:
        # A SIGINT to the process group would also reach bubblewrap, which stops the sandbox;
        # ipykernel takes the interrupt as a message on its control channel instead.
        km.kernel_spec.interrupt_mode = "message"
    return km


def _kernel_command(connection_file: str, figures: bool = False) -> list[str]:
    """The student's kernel process: this interpreter's ipykernel."""
    command = [
        sys.executable, "-m", "ipykernel_launcher", "-f", connection_file,
        # No history database in the grader's home folder.
        "--HistoryManager.hist_file=:memory:",
    ]
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
