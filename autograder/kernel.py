"""Where a student's code runs: one fresh Jupyter kernel per submission, started then killed.

``KernelRunner.run`` is the only place in the grader that starts a kernel. The runner is
made once per process (the worker's) and kept: it holds the event loop, the machine's means
of confinement (``autograder.confinement``, probed once) and what it learnt while running
kernels. For each notebook it makes a scratch folder and a kernel manager
(``autograder.launch``), whose command line carries the confinement's wrapper (bubblewrap,
prlimit) and the grader's startup code (the guard, the freeze points of the hidden tests),
starts the kernel, puts it under its CPU quota, waits for it to answer, runs the cells
through ``autograder.client.GradingClient``, then the hidden regions in the copies the
kernel left (``autograder.deferred``), and kills it all.

- No student code runs after a hidden test: the notebook runs first with its hidden regions
  left out, each region later in the copy made where it stood (``autograder.freeze``).
  When the notebook stops early (a cell that ignores its interrupt, the time budget, a
  kernel that dies), the copies made before that point still run their regions, so the
  cells before it keep their points; only the kernel itself is ended first.

- The kernel is killed (SIGKILL to its process group, then whatever is left in its control
  group), never shut down politely: grading needs nothing from it afterwards, and a polite
  shutdown costs time. Its scratch folder is deleted afterwards.
- The kernel's own stdout and stderr (not the cells' output) go to a pipe whose last 4,000
  characters are kept (``Execution.kernel_log``).
- Where the kernel cannot start under a user id of its own (e.g. the Python environment is
  readable by its owner only), the notebook is run again without one (so without the
  process limit); once that works, the process's later kernels run without one too.
- Reusing a kernel between submissions would let one student's code change another's
  results, so only the imports of the *worker* are reused, never the kernel.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import copy
import os
import shutil
import signal
import threading
import time
from pathlib import Path
from queue import Empty
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from nbformat import NotebookNode

from autograder.client import GradingClient
from autograder.confinement import Confinement, KernelConfinement
from autograder.deferred import HiddenPipes, run_hidden_regions
from autograder.execution import Execution
from autograder.freeze import setup_code
from autograder.guard import SNAPSHOT
from autograder.hidden import HiddenRegion, hidden_regions
from autograder.launch import GradingKernelManager, kernel_env, kernel_manager, scratch_folder
from autograder.limits import Limits
from autograder.sandbox import Sandbox

__all__ = ["KernelRunner"]


class KernelRunner:
    """Runs notebooks one after another, each in a fresh kernel; one per process.

    confinement: the means of confinement of this process (default: probed here).
    own_uids: whether kernels run under a user id of their own here: None until a kernel
    has tried, True once one started with it, False after one could not start with it.
    """

    def __init__(self, confinement: Confinement | None = None) -> None:
        self.confinement = confinement if confinement is not None else Confinement(Sandbox.probe())
        self.own_uids: bool | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    def close(self) -> None:
        if self.loop is not None:
            self.loop.close()
            self.loop = None

    def __enter__(self) -> KernelRunner:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def run(self, nb: NotebookNode, runtime: Path, limits: Limits = Limits(), figures: bool = False) -> Execution:
        """Execute ``nb`` (modified in place) in a new kernel that imports from ``runtime``.

        figures: draw matplotlib figures as PNG outputs (default: figures show as text).
        """
        runtime = Path(runtime).resolve()
        cells = copy.deepcopy(nb.cells)
        execution = self._run_once(nb, runtime, limits, figures)
        if execution.kernel_uid is None or self.own_uids is not None:
            return execution
        if not execution.error:
            self.own_uids = True
            return execution
        # The kernel could not start under a user id of its own: if it starts without, go on
        # that way, without the process limit.
        self.own_uids = False
        nb.cells = cells
        retry = self._run_once(nb, runtime, limits, figures)
        if retry.error:
            self.own_uids = None  # not the user id's fault: try it again next time
        return retry

    def _run_once(self, nb: NotebookNode, runtime: Path, limits: Limits, figures: bool) -> Execution:
        scratch = scratch_folder(runtime)
        try:
            return self._run_to_completion(self._run(nb, runtime, limits, scratch, figures))
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _run_to_completion(self, coroutine: Any) -> Any:
        """Run ``coroutine`` to its end on this runner's event loop (kept between submissions).

        Where this thread already runs a loop (called from a Jupyter kernel, or under
        Playwright's sync API), a loop cannot be nested: run it on a helper thread instead.
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no loop running here: the usual case
            if self.loop is None or self.loop.is_closed():
                self.loop = asyncio.new_event_loop()
            return self.loop.run_until_complete(coroutine)
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, coroutine).result()

    async def _run(self, nb: NotebookNode, runtime: Path, limits: Limits, scratch: Path, figures: bool) -> Execution:
        started = time.monotonic()
        regions = hidden_regions(nb)
        pipes = HiddenPipes(scratch / "hidden", len(regions))
        # The keeper and one process per hidden region (a reserve, then a copy) are the grader's.
        confinement = self.confinement.kernel(limits, runtime, scratch, own_uid=self.own_uids is not False,
                                              grader_processes=len(regions) + 1)
        execution = Execution(notebook=nb, sandboxed=confinement.sandboxed, process_limit=confinement.process_limit,
                              kernel_uid=confinement.kernel_uid, disk_limit=bool(confinement.disk))
        startup = ([SNAPSHOT] if limits.guard_tests else []) + ([setup_code(pipes.folder, len(regions))]
                                                                 if regions else [])
        km = kernel_manager(scratch, confinement, figures, startup)
        deadline = started + limits.notebook_timeout if limits.notebook_timeout else None
        client = GradingClient(km, limits, deadline, execution, regions)
        log = _LogTail()
        try:
            if await _start(km, runtime, scratch / "work", log, execution):
                await self._session(km, client, confinement, scratch, regions, pipes)
        finally:
            execution.kernel_log = log.text()
            log.close()
        execution.seconds = time.monotonic() - started
        return execution

    async def _session(self, km: GradingKernelManager, client: GradingClient, confinement: KernelConfinement,
                       scratch: Path, regions: list[HiddenRegion], pipes: HiddenPipes) -> None:
        """From a started kernel to a killed one: CPU quota, first answer, the cells, the hidden regions."""
        pgid = getattr(km.provisioner, "pgid", None)
        process = getattr(km.provisioner, "process", None)
        group = self.confinement.cpu_quota(getattr(process, "pid", None), client.limits.cpus)
        client.execution.cpu_limit = group is not None
        limits = client.limits
        try:
            client.kc = km.client()
            client.kc.start_channels()
            try:
                await _wait_for_ready(client.kc, km, limits.startup_timeout)
            except RuntimeError as exc:
                client.execution.error = f"the kernel did not start: {exc}"
                return
            confinement.seal(scratch)
            client.kc.allow_stdin = False
            await client.run_cells()
            if regions:
                if client.execution.stop_reason in ("timeout", "budget"):
                    km.kill_kernel()  # stuck or out of time: its copies still hold the earlier cells' state
                budget = time.monotonic() + limits.notebook_timeout if limits.notebook_timeout else None
                await asyncio.to_thread(run_hidden_regions, pipes, regions, client.execution,
                                        limits.cell_timeout, budget)
        finally:
            await _kill(km, client, pgid)
            if group is not None:
                group.remove()


async def _start(km: GradingKernelManager, runtime: Path, work: Path, log: _LogTail, execution: Execution) -> bool:
    """Start the kernel in ``work``, its own output going to ``log``; False (with the error
    in ``execution``) if it could not be started."""
    try:
        await km.start_kernel(env=kernel_env(runtime, work), cwd=str(work),
                              stdout=log.write_end, stderr=log.write_end)
    except (RuntimeError, OSError) as exc:
        execution.error = f"the kernel could not be started: {exc}"
        return False
    finally:
        log.started()
    await asyncio.to_thread(km.locate)
    return True


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


async def _kill(km: AsyncKernelManager, client: GradingClient, pgid: int | None) -> None:
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
