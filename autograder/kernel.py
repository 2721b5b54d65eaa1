"""Where a student's code runs: one fresh Jupyter kernel per submission.

``run_notebook`` is the only function in the grader that starts a kernel. Everything about
the student's process is decided here: its command line, environment, working folder,
transport, time limits, and how it is stopped. (The sandbox and resource limits of the
hardening work plug in here: ``_kernel_command`` and ``Limits``.)

- The kernel imports the chapter's *student* build of nnlib: its working folder
  (``<scratch>/work``; in the sandbox a tmpfs of ``Limits.disk`` bytes) holds links to the
  release folder's files (nnlib/, assets/), and the release folder is also on PYTHONPATH.
  The scratch folder, which also holds the kernel's connection file and sockets, is deleted
  afterwards.
- Cells run one by one (nbclient). A cell that runs longer than ``Limits.cell_timeout`` is
  interrupted (KeyboardInterrupt, like nbgrader) and the next cells still run; a cell that
  ignores the interrupt for ``Limits.interrupt_grace`` more seconds, or a notebook past its
  ``Limits.notebook_timeout``, stops the run, as does a kernel that dies.
- The kernel is killed (SIGKILL to its process group), never shut down politely: grading
  needs nothing from it afterwards, and a polite shutdown costs time.
- Reusing a kernel between submissions would let one student's code change another's
  results, so only the imports of the *worker* are reused, never the kernel.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import copy
import itertools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode

__all__ = ["Limits", "Execution", "run_notebook", "sandbox_available"]


@dataclass(frozen=True)
class Limits:
    """What one submission may use.

    cell_timeout: seconds one cell may run before it is interrupted.
    interrupt_grace: seconds an interrupted cell gets to stop before the kernel is killed.
    notebook_timeout: seconds for the whole notebook (kernel start included); None: no cap.
        The default, 5 minutes, is 50 times what a solved chapter takes to grade; it also
        bounds how long anything the notebook left running can slow the other workers.
    startup_timeout: seconds for the kernel to start and answer.
    memory: bytes of address space the kernel may map (RLIMIT_AS; numpy with one BLAS thread
        imports in ~0.4 GB of it); None: no limit. An allocation past it raises MemoryError
        in the student's cell, and the kernel lives on.
    output_bytes: characters of text output one cell may keep (prints, text and HTML
        displays); the rest is dropped, with a note in the cell.
    notebook_output_bytes: characters of output the whole notebook may keep, figures
        included (a chapter with every figure drawn keeps about 1.4 million); the rest is
        dropped likewise. Many cells that each print just under ``output_bytes`` stop here.
    processes: processes and threads the kernel may run at once, itself included
        (RLIMIT_NPROC, counted for a user id of its own; ipykernel with numpy and matplotlib
        runs about 10); None: no limit. Enforced only in the sandbox (see ``_isolation``):
        outside it the count would include the grader's own processes.
    file_size: bytes one file written by the kernel may reach (RLIMIT_FSIZE); None: no limit.
    disk: bytes the kernel may write in all: in the sandbox its working folder is a tmpfs of
        this size (held in memory, freed with the kernel); None: the working folder is on disk.
    cpus: cores the kernel and everything it starts may use together (a cgroup CPU quota,
        where the machine allows one: see ``autograder.cgroup``); None: no quota.
    sandbox: run the kernel in bubblewrap (None: when available, see ``sandbox_available``).
    guard_tests: before each test cell, undo what student code did to numpy, math, builtins
        and the setup cell's names (see ``autograder.guard``).
    """

    cell_timeout: float = 30.0
    interrupt_grace: float = 5.0
    notebook_timeout: float | None = 300.0
    startup_timeout: float = 60.0
    memory: int | None = 2 * 1024**3
    output_bytes: int = 100_000
    notebook_output_bytes: int = 5_000_000
    processes: int | None = 64
    file_size: int | None = 256 * 1024**2
    disk: int | None = 512 * 1024**2
    cpus: float | None = 1.0
    sandbox: bool | None = None
    guard_tests: bool = True


@dataclass
class Execution:
    """What happened when a notebook ran.

    notebook: the notebook with outputs. executed: indices of the code cells the kernel
    answered. interrupted: cells stopped by the per-cell timeout. stopped_at / stop_reason:
    the cell at which the run ended early and why ("timeout", "died", "budget"), else None.
    error: the kernel could not be started (then nothing ran).
    process_limit: the process limit was in force (the sandbox gave the kernel a user id of its
    own, or a user namespace). disk_limit: the working folder was a tmpfs of ``Limits.disk``.
    cpu_limit: the kernel's processes were under a CPU quota of ``Limits.cpus``.
    """

    notebook: NotebookNode
    executed: set[int] = field(default_factory=set)
    interrupted: list[int] = field(default_factory=list)
    stopped_at: int | None = None
    stop_reason: str | None = None
    error: str | None = None
    kernel_log: str = ""
    seconds: float = 0.0
    sandboxed: bool = False
    truncated: list[int] = field(default_factory=list)
    failed: set[int] = field(default_factory=set)
    tampered: list[int] = field(default_factory=list)
    process_limit: bool = False
    kernel_uid: int | None = None
    disk_limit: bool = False
    cpu_limit: bool = False


class _KernelManager(AsyncKernelManager):
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


_SANDBOX: bool | None = None
_SIZED_TMPFS = False  # bubblewrap's --size (0.7 and later): a tmpfs of a given size


def sandbox_available() -> bool:
    """Whether bubblewrap can build a sandbox here (checked once per process)."""
    global _SANDBOX, _SIZED_TMPFS
    if _SANDBOX is None:
        _SANDBOX = False
        if sys.platform.startswith("linux") and os.environ.get("AUTOGRADER_SANDBOX", "") != "off":
            bwrap = shutil.which("bwrap")
            if bwrap:
                probe = [bwrap, "--ro-bind", "/", "/", "--unshare-net", "--unshare-pid", "true"]
                _SANDBOX = _succeeds(probe)
                _SIZED_TMPFS = _SANDBOX and _succeeds(probe[:4] + ["--size", "1048576", "--tmpfs", "/tmp"] + probe[4:])
    return _SANDBOX


def _succeeds(command: list[str]) -> bool:
    try:
        return subprocess.run(command, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _sandbox_command(runtime: Path, scratch: Path, kernel_uid: int | None = None,
                     disk: int | None = None) -> list[str]:
    """bubblewrap: the system's programs and this Python read-only, the release read-only, the
    scratch folder writable, and nothing else of the machine (no /work, /root, /home, no other
    /tmp, no network, its own process numbering).

    disk: the kernel's working folder (``scratch/work``) is a fresh tmpfs of this many bytes,
    holding links to the release's files and matplotlib's font list, instead of the host's
    folder; the scratch folder itself then only holds the kernel's sockets (see ``_run``).

    kernel_uid: run as root, the kernel drops to this user id of its own (see ``_isolation``);
    run as another user, the sandbox gets a user namespace. Either way the kernel is not
    root inside, and the process limit counts only its own processes.
    """
    command = [shutil.which("bwrap") or "bwrap"]
    for top in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc"):
        path = Path(top)
        if path.is_symlink():
            command += ["--symlink", os.readlink(path), top]
        elif path.is_dir():
            command += ["--ro-bind", top, top]
    # The private /tmp comes first: bubblewrap mounts in order, so whatever is bound after it
    # (a Python environment or a release that lives under /tmp) stays visible on top of it.
    command += ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    pythons = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), Path(sys.executable).resolve().parent.parent}
    binds = [(str(p), str(p)) for p in sorted(pythons)
             if not any(str(p).startswith(top + "/") for top in ("/usr", "/bin", "/lib", "/etc"))]
    if Path(sys.prefix) != Path(sys.prefix).resolve():
        binds.append((str(Path(sys.prefix).resolve()), sys.prefix))
    binds.append((str(runtime), str(runtime)))
    # bubblewrap makes the folders that hold the mounts with their host modes; a Python under
    # /root (0700) would be out of reach of the kernel's own user id. Make them 0755 (they
    # hold nothing but the mounts).
    targets = {target for _, target in binds} | {str(scratch)}
    holders = sorted({str(parent) for target in targets for parent in Path(target).parents
                      if str(parent) not in ("/", "/tmp") and str(parent) not in targets
                      and not str(parent).startswith(("/usr", "/etc", "/proc", "/dev"))},
                     key=lambda p: p.count("/"))
    for holder in holders:
        command += ["--perms", "0755", "--dir", holder]
    for source, target in binds:
        command += ["--ro-bind", source, target]
    work = scratch / "work"
    command += ["--bind", str(scratch), str(scratch)]
    if disk:
        command += ["--perms", "01777", "--size", str(int(disk)), "--tmpfs", str(work)]
        for entry in sorted(work.iterdir()):
            if entry.is_symlink():
                command += ["--symlink", os.readlink(entry), str(entry)]
        command += ["--perms", "0777", "--dir", str(work / ".matplotlib")]
        for cache in sorted((work / ".matplotlib").glob("fontlist-*.json")):
            command += ["--ro-bind", str(cache), str(cache)]
    command += [
        # The folders bubblewrap made to hold those (e.g. the parents of the release folder)
        # are read-only too: the scratch folder (its sockets, until the kernel is up) and the
        # working folder are the only places the kernel can write.
        "--remount-ro", "/tmp", "--remount-ro", "/",
        "--chdir", str(work),
        "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
        "--die-with-parent", "--cap-drop", "ALL",
    ]
    if kernel_uid is not None:
        # setpriv needs these two to change user; the change itself clears every capability.
        command += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--",
                    shutil.which("setpriv") or "setpriv", f"--reuid={kernel_uid}", f"--regid={kernel_uid}",
                    "--clear-groups", "--inh-caps=-all", "--no-new-privs"]
    elif os.geteuid() != 0:
        command += ["--unshare-user"]
    return command + ["--"]


# In its pid namespace the kernel's parent is bubblewrap's init (pid 1), which ipykernel's
# parent poller takes for "the grader has exited"; --die-with-parent does that job instead.
_SANDBOXED_KERNEL_OPTIONS = ["--IPKernelApp.parent_handle=1"]

# User ids for sandboxed kernels started by root: one per kernel alive at a time (the grader's
# process id and a counter), far above the ids of real accounts.
_KERNEL_UID_BASE = 1_500_000_000
_KERNEL_UIDS = itertools.count()
_UID_DROP: bool | None = None  # None: not tried yet; False: failed here once, not used again


def _isolation(sandboxed: bool) -> tuple[int | None, bool]:
    """(the user id the kernel drops to, or None; whether the process limit is in force).

    RLIMIT_NPROC counts every process of a user id on the machine, and root ignores it. So
    the limit holds only where the kernel's processes are counted alone: run as root, the
    sandboxed kernel takes a user id of its own (util-linux's setpriv); run as another user,
    the sandbox's user namespace keeps its own count. Without the sandbox it is not set.
    """
    if not sandboxed:
        return None, False
    if os.geteuid() != 0:
        return None, True
    if _UID_DROP is False or not shutil.which("setpriv"):
        return None, False
    uid = _KERNEL_UID_BASE + (os.getpid() % (1 << 22)) * 16 + next(_KERNEL_UIDS) % 16
    return uid, True


def _limits_command(limits: Limits, process_limit: bool = False) -> list[str]:
    """Resource limits set by util-linux's prlimit just before the kernel starts."""
    prlimit = shutil.which("prlimit")
    if not prlimit or not sys.platform.startswith("linux"):
        return []
    options = ["--core=0"]
    if limits.memory:
        options.append(f"--as={int(limits.memory)}")
    if limits.file_size:
        options.append(f"--fsize={int(limits.file_size)}")
    if limits.processes and process_limit:
        options.append(f"--nproc={int(limits.processes)}")
    return [prlimit, *options, "--"]


def _give_to(folder: Path, uid: int) -> None:
    """Make ``folder`` and what it holds (not what its links point to) belong to ``uid``.

    The folder stays open to others for lookup (0711): bubblewrap, root without capabilities
    by then, must enter it to start the kernel there.
    """
    for path in [folder, *folder.rglob("*")]:
        os.lchown(path, uid, uid)
    folder.chmod(0o711)


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


def _kernel_env(runtime: Path, work: Path) -> dict[str, str]:
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


def _scratch_folder(runtime: Path) -> Path:
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


class _GradingClient(NotebookClient):
    """nbclient with the grader's timeout rule: interrupt once, then give up on the kernel."""

    def __init__(self, nb: NotebookNode, km: AsyncKernelManager, limits: Limits, deadline: float | None) -> None:
        super().__init__(
            nb, km=km, timeout=None, timeout_func=self._cell_timeout, allow_errors=True,
            interrupt_on_timeout=True, error_on_timeout=None, store_widget_state=False,
            record_timing=False, startup_timeout=int(limits.startup_timeout), shutdown_kernel="immediate",
            on_cell_executed=self._on_cell_executed,
        )
        self.limits = limits
        self.deadline = deadline
        self.current_index: int | None = None
        self.executed_indices: set[int] = set()
        self.interrupted_indices: list[int] = []
        self.over_budget = False
        self.output_sizes: dict[int, int] = {}
        self.total_output = 0
        self.truncated_indices: list[int] = []
        self.failed_indices: set[int] = set()

    def output(self, outs, msg, display_id, cell_index):
        """Keep at most ``limits.output_bytes`` of text per cell and ``limits.notebook_output_bytes``
        of output in all; say once per cell what was dropped. Errors are always kept (scoring needs
        them), cut short: their message to 1,000 characters, their traceback to its last 20
        lines of at most 500 characters, or to nothing once the notebook's budget is spent."""
        content = msg.get("content", {})
        if msg.get("msg_type") == "error":
            spent = self.total_output >= self.limits.notebook_output_bytes
            msg = {**msg, "content": {**content, "evalue": str(content.get("evalue", ""))[:200 if spent else 1000],
                                      "traceback": [] if spent else [str(line)[:500] for line in
                                                                     content.get("traceback", [])[-20:]]}}
            self.total_output += len(msg["content"]["evalue"]) + sum(map(len, msg["content"]["traceback"]))
            return super().output(outs, msg, display_id, cell_index)
        data = content.get("data", {})
        images = sum(len(str(v)) for k, v in data.items() if k.startswith("image/"))
        text = len(str(content.get("text", ""))) + sum(len(str(v)) for k, v in data.items() if not k.startswith("image/"))
        used = self.output_sizes.get(cell_index, 0)
        cell_room = self.limits.output_bytes - used  # text only: a figure may be larger than a print
        total_room = self.limits.notebook_output_bytes - self.total_output
        if text <= cell_room and text + images <= total_room:
            self.output_sizes[cell_index] = used + text
            self.total_output += text + images
            return super().output(outs, msg, display_id, cell_index)
        if cell_index in self.truncated_indices:
            return None
        self.truncated_indices.append(cell_index)
        room = min(cell_room, total_room)
        if msg.get("msg_type") == "stream" and room > 0:
            self.output_sizes[cell_index] = used + room
            self.total_output += room
            msg = {**msg, "content": {**content, "text": str(content.get("text", ""))[:room]}}
            super().output(outs, msg, display_id, cell_index)
        if text + images > total_room:
            why = f"the notebook printed more than {self.limits.notebook_output_bytes} characters in all"
        else:
            why = f"this cell printed more than {self.limits.output_bytes} characters"
        # nbclient reads the message type from the header: the note's must say "stream" too
        # (copied from a display_data message it would make nbclient look for image metadata).
        note = {"msg_type": "stream", "parent_header": msg["parent_header"],
                "header": {**msg.get("header", {}), "msg_type": "stream"},
                "content": {"name": "stdout", "text": f"\n[output truncated: {why}]\n"}}
        return super().output(outs, note, None, cell_index)

    def _cell_timeout(self, cell: NotebookNode) -> int:
        timeout = self.limits.cell_timeout
        if self.deadline is not None:
            timeout = min(timeout, max(1.0, self.deadline - time.monotonic()))
        return max(1, int(round(timeout)))

    def _on_cell_executed(self, cell: NotebookNode, cell_index: int, execute_reply: dict) -> None:
        self.executed_indices.add(cell_index)
        # The reply's status, not only the outputs: student code can hide a traceback.
        if (execute_reply or {}).get("content", {}).get("status") != "ok":
            self.failed_indices.add(cell_index)

    async def guard(self, code: str) -> bool:
        """Run grader code silently in the kernel; False if it failed or did not answer."""
        try:
            reply = await self.kc.execute(code, silent=True, store_history=False, allow_stdin=False,
                                          reply=True, timeout=max(5.0, self.limits.interrupt_grace))
        except (TimeoutError, RuntimeError):
            return False
        return reply.get("content", {}).get("status") == "ok"

    async def _async_handle_timeout(self, timeout: int, cell: NotebookNode | None = None) -> dict | None:
        index = self.current_index
        if self.deadline is not None and time.monotonic() >= self.deadline - 0.5:
            self.over_budget = True
            raise CellTimeoutError.error_from_timeout_and_cell("Notebook time budget used up", timeout, cell)
        self.interrupted_indices.append(index)
        await self.km.interrupt_kernel()
        # The kernel answers the interrupted request with a KeyboardInterrupt error; wait a
        # little for it, and treat a kernel that ignores the interrupt as stuck.
        give_up = time.monotonic() + self.limits.interrupt_grace
        while (left := give_up - time.monotonic()) > 0:
            try:
                msg = await self.kc.shell_channel.get_msg(timeout=left)
            except Empty:
                break
            if msg.get("msg_type") == "execute_reply":
                return msg
        raise CellTimeoutError.error_from_timeout_and_cell("Cell ignored the interrupt", timeout, cell)


class _LogTail:
    """The kernel's own stdout and stderr (not the cells' output): a pipe drained by a thread
    that keeps only the last ``size`` characters. No file: a student writing gigabytes to the
    raw file descriptors fills no disk, and no file size limit blocks the kernel."""

    def __init__(self, size: int = 4000) -> None:
        self.size = size
        self.read_end, self.write_end = os.pipe()
        self.chunks: collections.deque[bytes] = collections.deque()
        self.kept = 0
        self.thread = threading.Thread(target=self._drain, daemon=True, name="kernel-log")
        self.thread.start()

    def _drain(self) -> None:
        while chunk := os.read(self.read_end, 65536):
            self.chunks.append(chunk)
            self.kept += len(chunk)
            while self.kept - len(self.chunks[0]) >= self.size:
                self.kept -= len(self.chunks.popleft())

    def started(self) -> None:
        """The kernel holds the write end now; ours must go, or the reader never sees the end."""
        if self.write_end >= 0:
            os.close(self.write_end)
            self.write_end = -1

    def text(self, wait: float = 2.0) -> str:
        self.started()
        self.thread.join(timeout=wait)
        return b"".join(self.chunks).decode("utf-8", errors="replace")[-self.size:]

    def close(self) -> None:
        self.started()
        if not self.thread.is_alive():
            os.close(self.read_end)


async def _run(nb: NotebookNode, runtime: Path, limits: Limits, scratch: Path, figures: bool) -> Execution:
    started = time.monotonic()
    deadline = started + limits.notebook_timeout if limits.notebook_timeout else None
    km = _KernelManager(transport="ipc", ip=str(scratch / ".kernel"), connection_file=str(scratch / ".kernel.json"))
    km.figures = figures
    sandboxed = sandbox_available() if limits.sandbox is None else bool(limits.sandbox)
    km.sandboxed = sandboxed
    if sandboxed:
        # A SIGINT to the process group would also reach bubblewrap, which stops the sandbox;
        # ipykernel takes the interrupt as a message on its control channel instead.
        km.kernel_spec.interrupt_mode = "message"
    kernel_uid, process_limit = _isolation(sandboxed)
    disk = limits.disk if sandboxed and _SIZED_TMPFS else None
    work = scratch / "work"
    if kernel_uid is not None:
        km.kernel_uid = kernel_uid
        # The kernel creates its sockets in the scratch folder, which stays root's: writable
        # by others only until the kernel is ready (see below).
        scratch.chmod(0o733)
        if not disk:
            _give_to(work, kernel_uid)
    km.wrapper = (_sandbox_command(runtime, scratch, kernel_uid, disk) if sandboxed else []) + \
        _limits_command(limits, process_limit)
    client = _GradingClient(nb, km, limits, deadline)
    execution = Execution(notebook=nb, sandboxed=sandboxed, process_limit=bool(process_limit and limits.processes),
                          kernel_uid=kernel_uid, disk_limit=bool(disk))
    log = _LogTail()
    try:
        try:
            await km.start_kernel(env=_kernel_env(runtime, work), cwd=str(work),
                                  stdout=log.write_end, stderr=log.write_end)
        except (RuntimeError, OSError) as exc:
            execution.error = f"the kernel could not be started: {exc}"
            return execution
        finally:
            log.started()
        pgid = getattr(km.provisioner, "pgid", None)
        group = _cpu_quota(km, limits)
        execution.cpu_limit = group is not None
        try:
            client.kc = km.client()
            client.kc.start_channels()
            try:
                await _wait_for_ready(client.kc, km, limits.startup_timeout)
            except RuntimeError as exc:
                execution.error = f"the kernel did not start: {exc}"
                return execution
            if kernel_uid is not None:
                # The sockets exist: from now on the kernel can write only in its working
                # folder (a tmpfs of ``limits.disk``), not next to its sockets on the host.
                scratch.chmod(0o555)
            client.kc.allow_stdin = False
            await _run_cells(client, execution)
        finally:
            await _kill(km, client, pgid)
            if group is not None:
                group.remove()
    finally:
        execution.kernel_log = log.text()
        log.close()
    execution.executed = set(client.executed_indices)
    execution.interrupted = list(client.interrupted_indices)
    execution.truncated = list(client.truncated_indices)
    execution.failed = set(client.failed_indices)
    execution.seconds = time.monotonic() - started
    return execution


_CGROUPS = itertools.count()


def _cpu_quota(km: AsyncKernelManager, limits: Limits):
    """Put the just-started kernel (and whatever it starts later) under a CPU quota of
    ``limits.cpus`` cores; the group, or None where no quota can be set here."""
    from autograder.cgroup import KernelCgroup

    process = getattr(km.provisioner, "process", None)
    if not limits.cpus or process is None or not sys.platform.startswith("linux"):
        return None
    group = KernelCgroup.create(f"autograder-{os.getpid()}-{next(_CGROUPS)}", limits.cpus)
    if group is not None and not group.add_tree(process.pid):
        group.remove(wait=0)
        return None
    return group


async def _wait_for_ready(kc, km: AsyncKernelManager, timeout: float) -> None:
    """jupyter_client's wait_for_ready without its final 0.2 s of waiting for IOPub to go quiet
    (nbclient ignores IOPub messages that do not belong to the cell it runs)."""
    give_up = time.monotonic() + timeout
    while True:
        kc.kernel_info()
        try:
            msg = await kc.shell_channel.get_msg(timeout=1)
        except Empty:
            msg = None
        if msg is not None and msg["msg_type"] == "kernel_info_reply":
            try:  # IOPub is connected once it delivers the status messages of that request
                await kc.iopub_channel.get_msg(timeout=0.2)
                return
            except Empty:
                pass
        if not await km.is_alive():
            raise RuntimeError("the kernel died before answering")
        if time.monotonic() > give_up:
            raise RuntimeError(f"the kernel did not answer within {timeout:g} s")


def _nbgrader(cell: NotebookNode) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


async def _run_cells(client: _GradingClient, execution: Execution) -> None:
    from autograder.guard import AFTER_SETUP, BEFORE_TEST, SNAPSHOT

    guarding = client.limits.guard_tests and await client.guard(SNAPSHOT)
    setup_seen = False
    for index, cell in enumerate(client.nb.cells):
        if cell.cell_type != "code":
            continue
        client.current_index = index
        meta = _nbgrader(cell)
        is_test = bool(meta.get("grade")) and not meta.get("solution")
        if guarding and is_test and not await client.guard(BEFORE_TEST):
            execution.tampered.append(index)
        try:
            await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
        except DeadKernelError:
            execution.stopped_at, execution.stop_reason = index, "died"
            return
        except CellTimeoutError:
            execution.stopped_at = index
            execution.stop_reason = "budget" if client.over_budget else "timeout"
            return
        if guarding and not setup_seen and meta.get("locked") and not is_test and not meta.get("solution"):
            setup_seen = True
            await client.guard(AFTER_SETUP)
        if client.deadline is not None and time.monotonic() >= client.deadline:
            following = [i for i, c in enumerate(client.nb.cells) if i > index and c.cell_type == "code"]
            if following:
                execution.stopped_at, execution.stop_reason = following[0], "budget"
                return


async def _kill(km: AsyncKernelManager, client: NotebookClient, pgid: int | None) -> None:
    """Kill the kernel and everything it started, then release its sockets and files."""
    process = getattr(km.provisioner, "process", None)
    if pgid:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except OSError:
            pass
    if process is not None:
        try:
            process.kill()
            process.wait(timeout=10)
        except Exception:  # noqa: BLE001 - already gone
            pass
    if client.kc is not None:
        try:
            client.kc.stop_channels()
        except Exception:  # noqa: BLE001
            pass
        client.kc = None
    try:
        await km.cleanup_resources()
    except Exception:  # noqa: BLE001
        pass


_LOOP: asyncio.AbstractEventLoop | None = None


def _run_to_completion(coroutine: Any) -> Any:
    """Run ``coroutine`` to its end on this module's event loop (kept between submissions).

    Where this thread already runs a loop (called from a Jupyter kernel, or under
    Playwright's sync API), a loop cannot be nested: run it on a helper thread instead.
    """
    global _LOOP
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # no loop running here: the usual case
        if _LOOP is None or _LOOP.is_closed():
            _LOOP = asyncio.new_event_loop()
        return _LOOP.run_until_complete(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def run_notebook(nb: NotebookNode, runtime: Path, limits: Limits = Limits(), figures: bool = False) -> Execution:
    """Execute ``nb`` (modified in place) in a new kernel that imports from ``runtime``.

    figures: draw matplotlib figures as PNG outputs (default: figures show as text).
    """
    global _UID_DROP
    runtime = Path(runtime).resolve()
    cells = copy.deepcopy(nb.cells)
    execution = _run_once(nb, runtime, limits, figures)
    if execution.error and execution.kernel_uid is not None and _UID_DROP is None:
        # The kernel could not start under a user id of its own (e.g. the Python environment
        # is readable by its owner only): if it starts without, go on that way, without the
        # process limit.
        _UID_DROP = False
        nb.cells = cells
        retry = _run_once(nb, runtime, limits, figures)
        if retry.error:
            _UID_DROP = None
        return retry
    if execution.kernel_uid is not None and not execution.error:
        _UID_DROP = True
    return execution


def _run_once(nb: NotebookNode, runtime: Path, limits: Limits, figures: bool) -> Execution:
    scratch = _scratch_folder(runtime)
    try:
        return _run_to_completion(_run(nb, runtime, limits, scratch, figures))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
