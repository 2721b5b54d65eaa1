"""Where a student's code runs: one fresh Jupyter kernel per submission.

``run_notebook`` is the only function in the grader that starts a kernel. Everything about
the student's process is decided here: its command line, environment, working folder,
transport, time limits, and how it is stopped. (The sandbox and resource limits of the
hardening work plug in here: ``_kernel_command`` and ``Limits``.)

- The kernel imports the chapter's *student* build of nnlib: its working folder is a fresh
  scratch folder holding links to the release folder's files (nnlib/, assets/), and the
  release folder is also on PYTHONPATH. The scratch folder is deleted afterwards.
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
import concurrent.futures
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode

__all__ = ["Limits", "Execution", "run_notebook"]


@dataclass(frozen=True)
class Limits:
    """What one submission may use.

    cell_timeout: seconds one cell may run before it is interrupted.
    interrupt_grace: seconds an interrupted cell gets to stop before the kernel is killed.
    notebook_timeout: seconds for the whole notebook (kernel start included); None: no cap.
    startup_timeout: seconds for the kernel to start and answer.
    """

    cell_timeout: float = 30.0
    interrupt_grace: float = 5.0
    notebook_timeout: float | None = None
    startup_timeout: float = 60.0


@dataclass
class Execution:
    """What happened when a notebook ran.

    notebook: the notebook with outputs. executed: indices of the code cells the kernel
    answered. interrupted: cells stopped by the per-cell timeout. stopped_at / stop_reason:
    the cell at which the run ended early and why ("timeout", "died", "budget"), else None.
    error: the kernel could not be started (then nothing ran).
    """

    notebook: NotebookNode
    executed: set[int] = field(default_factory=set)
    interrupted: list[int] = field(default_factory=list)
    stopped_at: int | None = None
    stop_reason: str | None = None
    error: str | None = None
    kernel_log: str = ""
    seconds: float = 0.0


class _KernelManager(AsyncKernelManager):
    """A kernel manager whose command line is ours, not a kernelspec's."""

    figures = False

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        return _kernel_command(self.connection_file, self.figures) + list(extra_arguments or [])


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


def _kernel_env(runtime: Path, scratch: Path) -> dict[str, str]:
    """A small, explicit environment: nothing of the grader's own environment leaks in."""
    keep = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TZ",
            "MPLCONFIGDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "IPYTHONDIR", "SYSTEMROOT")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    env.update({
        "PYTHONPATH": str(runtime),
        "TMPDIR": str(scratch),
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
    """A fresh working folder that looks like the release folder (links to its files)."""
    scratch = Path(tempfile.mkdtemp(prefix="autograder-kernel-"))
    for entry in runtime.iterdir():
        if entry.suffix != ".ipynb":
            (scratch / entry.name).symlink_to(entry)
    return scratch


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

    def _cell_timeout(self, cell: NotebookNode) -> int:
        timeout = self.limits.cell_timeout
        if self.deadline is not None:
            timeout = min(timeout, max(1.0, self.deadline - time.monotonic()))
        return max(1, int(round(timeout)))

    def _on_cell_executed(self, cell: NotebookNode, cell_index: int, execute_reply: dict) -> None:
        self.executed_indices.add(cell_index)

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


async def _run(nb: NotebookNode, runtime: Path, limits: Limits, scratch: Path, log_path: Path,
               figures: bool) -> Execution:
    started = time.monotonic()
    deadline = started + limits.notebook_timeout if limits.notebook_timeout else None
    km = _KernelManager(transport="ipc", ip=str(scratch / ".kernel"), connection_file=str(scratch / ".kernel.json"))
    km.figures = figures
    client = _GradingClient(nb, km, limits, deadline)
    execution = Execution(notebook=nb)
    with open(log_path, "wb") as log:
        try:
            await km.start_kernel(env=_kernel_env(runtime, scratch), cwd=str(scratch), stdout=log, stderr=log)
        except (RuntimeError, OSError) as exc:
            execution.error = f"the kernel could not be started: {exc}"
            return execution
        pgid = getattr(km.provisioner, "pgid", None)
        try:
            client.kc = km.client()
            client.kc.start_channels()
            try:
                await _wait_for_ready(client.kc, km, limits.startup_timeout)
            except RuntimeError as exc:
                execution.error = f"the kernel did not start: {exc}"
                return execution
            client.kc.allow_stdin = False
            await _run_cells(client, execution)
        finally:
            await _kill(km, client, pgid)
    execution.executed = set(client.executed_indices)
    execution.interrupted = list(client.interrupted_indices)
    execution.seconds = time.monotonic() - started
    return execution


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


async def _run_cells(client: _GradingClient, execution: Execution) -> None:
    for index, cell in enumerate(client.nb.cells):
        if cell.cell_type != "code":
            continue
        client.current_index = index
        try:
            await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
        except DeadKernelError:
            execution.stopped_at, execution.stop_reason = index, "died"
            return
        except CellTimeoutError:
            execution.stopped_at = index
            execution.stop_reason = "budget" if client.over_budget else "timeout"
            return
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
    runtime = Path(runtime).resolve()
    scratch = _scratch_folder(runtime)
    log_path = scratch / ".kernel.log"
    try:
        execution = _run_to_completion(_run(nb, runtime, limits, scratch, log_path, figures))
        try:
            execution.kernel_log = log_path.read_text(errors="replace")[-4000:]
        except OSError:
            pass
        return execution
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
