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
  results, so only the imports of the *worker* are reused, never the kernel; a forked kernel
  (``Savings.fork_kernel``, ``autograder.template``) is a new process forked from a template
  that imported the libraries once and never ran student code. The first forked kernel of a
  runner is on trial: if it cannot be forked or does not answer, the notebook runs again in
  a kernel started as a new interpreter, and so do the later ones. A warm kernel
  (``Savings.warm_kernel``) is started for the next notebook while the current one runs,
  and serves that notebook only; one started for another kind of notebook (other limits,
  another chapter) is discarded unused.
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
from dataclasses import dataclass, replace
from pathlib import Path
from queue import Empty
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from nbformat import NotebookNode

from autograder.cgroup import KernelCgroup
from autograder.client import GradingClient
from autograder.confinement import Confinement, KernelConfinement
from autograder.deferred import HiddenPipes, run_hidden_regions
from autograder.execution import Execution
from autograder.freeze import setup_code
from autograder.guard import SNAPSHOT
from autograder.hidden import HiddenRegion, hidden_regions
from autograder.launch import (GradingKernelManager, kernel_env, kernel_manager, preimport_code, scratch_folder,
                               setup_modules)
from autograder.limits import Limits
from autograder.sandbox import Sandbox
from autograder.savings import Savings
from autograder.template import KernelTemplate, TemplateError, template_modules

__all__ = ["KernelRunner"]


@dataclass(frozen=True)
class _Plan:
    """What a kernel is started for: two notebooks with the same plan can use the same kind of
    kernel (so a warm kernel started for one serves the next).

    hidden: the number of hidden regions (one reserve process and two named pipes each).
    modules: what the kernel imports before it answers (the setup cell's; warm kernels only).
    forked: fork the kernel from a template (``Savings.fork_kernel``), where it can be.
    libraries: what that template imports besides ipykernel (the setup cell's modules that
    do not come from the release).
    """

    runtime: Path
    limits: Limits
    figures: bool
    hidden: int
    lean: bool
    modules: tuple[str, ...]
    forked: bool = False
    libraries: tuple[str, ...] = ()


@dataclass
class _Kernel:
    """A started kernel: its scratch folder, confinement, manager, log, CPU quota; ``error``
    where it could not be started."""

    plan: _Plan
    scratch: Path
    pipes: HiddenPipes
    confinement: KernelConfinement
    km: GradingKernelManager
    log: _LogTail
    group: KernelCgroup | None = None
    error: str | None = None
    forked: bool = False


class KernelRunner:
    """Runs notebooks one after another, each in a fresh kernel; one per process.

    confinement: the means of confinement of this process (default: probed here).
    own_uids: whether kernels run under a user id of their own here: None until a kernel
    has tried, True once one started with it, False after one could not start with it.
    warm: the kernel started for the next notebook, if any (``Savings.warm_kernel``).
    template: the kernel template of the last forked kernel's kind (``Savings.fork_kernel``).
    forking: whether forked kernels work here: None until one has tried, True once one
    answered, False after one could not be forked or did not answer (later kernels then
    start as new interpreters). forked: the last notebook's kernel was forked.
    """

    def __init__(self, confinement: Confinement | None = None) -> None:
        self.confinement = confinement if confinement is not None else Confinement(Sandbox.probe())
        self.own_uids: bool | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.warm: _Kernel | None = None
        self.template: KernelTemplate | None = None
        self.forking: bool | None = None
        self.forked = False

    def close(self) -> None:
        if self.loop is not None and not self.loop.is_closed():
            if self.warm is not None:
                self.loop.run_until_complete(_discard(self.warm))
                self.warm = None
            self.loop.close()
        self.loop = None
        if self.template is not None:
            self.template.close()
            self.template = None

    def __enter__(self) -> KernelRunner:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def run(self, nb: NotebookNode, runtime: Path, limits: Limits = Limits(), figures: bool = False,
            skip: frozenset[int] = frozenset(), savings: Savings = Savings()) -> Execution:
        """Execute ``nb`` (modified in place) in a new kernel that imports from ``runtime``.

        figures: draw matplotlib figures as PNG outputs (default: figures show as text).
        skip: indices of cells not to run (teaching cells, see ``autograder.teaching``).
        savings: ``warm_kernel`` starts the next notebook's kernel while this one runs, and
        ``lean_kernel`` leaves the debugger and jedi out of the kernel.
        """
        regions = hidden_regions(nb)
        runtime = Path(runtime).resolve()
        modules = setup_modules(nb)
        forked = savings.fork_kernel and savings.lean_kernel
        plan = _Plan(runtime, limits, figures, len(regions), savings.lean_kernel,
                     modules if savings.warm_kernel else (), forked,
                     template_modules(modules, runtime) if forked else ())
        cells = copy.deepcopy(nb.cells)
        execution = self._run_to_completion(lambda warm: self._run(nb, plan, regions, skip, warm and savings.warm_kernel))
        if self.forked and self.forking is None:
            self.forking = not execution.error
            if execution.error:
                # The first forked kernel did not answer: start this notebook's, and the later
                # ones, as new interpreters.
                nb.cells = copy.deepcopy(cells)
                plan = replace(plan, forked=False)
                execution = self._run_to_completion(lambda warm: self._run(nb, plan, regions, skip, False))
        if execution.kernel_uid is None or self.own_uids is not None:
            return execution
        if not execution.error:
            self.own_uids = True
            return execution
        # The kernel could not start under a user id of its own: if it starts without, go on
        # that way, without the process limit.
        self.own_uids = False
        nb.cells = cells
        retry = self._run_to_completion(lambda warm: self._run(nb, plan, regions, skip, False))
        if retry.error:
            self.own_uids = None  # not the user id's fault: try it again next time
        return retry

    def _run_to_completion(self, coroutine: Any) -> Any:
        """Run ``coroutine(warm)`` to its end on this runner's event loop (kept between
        submissions; ``warm``: a kernel may be started for the next notebook on it).

        Where this thread already runs a loop (called from a Jupyter kernel, or under
        Playwright's sync API), a loop cannot be nested: run it on a helper thread instead,
        on a loop of its own that ends with it (so no kernel is kept warm on it).
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no loop running here: the usual case
            if self.loop is None or self.loop.is_closed():
                self.loop = asyncio.new_event_loop()
            return self.loop.run_until_complete(coroutine(True))
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, coroutine(False)).result()

    async def _launch(self, plan: _Plan) -> _Kernel:
        """Start a kernel for ``plan`` (it starts up on its own; nothing waits for it here)."""
        scratch = scratch_folder(plan.runtime)
        pipes = HiddenPipes(scratch / "hidden", plan.hidden)
        # The keeper and one process per hidden region (a reserve, then a copy) are the grader's.
        confinement = self.confinement.kernel(plan.limits, plan.runtime, scratch, own_uid=self.own_uids is not False,
                                              grader_processes=plan.hidden + 1)
        startup = [SNAPSHOT] if plan.limits.guard_tests else []
        if plan.hidden:
            startup.append(setup_code(pipes.folder, plan.hidden))
        if plan.modules:
            startup.append(preimport_code(plan.modules))
        template = self._template(plan) if confinement.kernel_uid is not None else None
        km = kernel_manager(scratch, confinement, plan.figures, startup, lean=plan.lean, template=template)
        kernel = _Kernel(plan, scratch, pipes, confinement, km, _LogTail(), forked=km.template is not None)
        kernel.error = await _start(km, plan.runtime, scratch / "work", kernel.log)
        if kernel.error is not None and kernel.forked:
            # The template could not fork it: from now on, kernels start as new interpreters.
            self.forking = False
            await _discard(kernel)
            return await self._launch(plan)
        if kernel.error is None:
            process = getattr(km.provisioner, "process", None)
            kernel.group = self.confinement.cpu_quota(getattr(process, "pid", None), plan.limits.cpus)
            if kernel.group is not None and kernel.forked and km.kernel_process is not None:
                kernel.group.add_tree(km.kernel_process.pid)
        return kernel

    def _template(self, plan: _Plan) -> KernelTemplate | None:
        """The kernel template for ``plan``, started here if the last one was of another kind;
        None where kernels are not forked (see ``forking``)."""
        if not (plan.forked and plan.lean and self.forking is not False):
            return None
        template = self.template
        if template is not None and (template.modules != plan.libraries or template.process.poll() is not None):
            template.close()
            self.template = None
        if self.template is None:
            try:
                self.template = KernelTemplate(plan.libraries, kernel_env(plan.runtime, plan.runtime))
            except (TemplateError, OSError):
                self.forking = False
                return None
        return self.template

    async def _run(self, nb: NotebookNode, plan: _Plan, regions: list[HiddenRegion], skip: frozenset[int],
                   warm: bool) -> Execution:
        kernel, self.warm = self.warm, None
        if kernel is not None and (kernel.plan != plan or kernel.error):
            await _discard(kernel)
            kernel = None
        if kernel is None:
            kernel = await self._launch(plan)
        self.forked = kernel.forked
        started = time.monotonic()
        limits = plan.limits
        confinement = kernel.confinement
        execution = Execution(notebook=nb, sandboxed=confinement.sandboxed, process_limit=confinement.process_limit,
                              kernel_uid=confinement.kernel_uid, disk_limit=bool(confinement.disk),
                              cpu_limit=kernel.group is not None, error=kernel.error)
        deadline = started + limits.notebook_timeout if limits.notebook_timeout else None
        client = GradingClient(kernel.km, limits, deadline, execution, regions, skip)
        try:
            if kernel.error is None:
                await self._session(kernel, client, regions, warm)
        finally:
            execution.kernel_log = await _discard(kernel, client)
        execution.seconds = time.monotonic() - started
        return execution

    async def _session(self, kernel: _Kernel, client: GradingClient, regions: list[HiddenRegion], warm: bool) -> None:
        """From a started kernel to the end of its hidden regions: first answer, the cells, the
        regions; once it answered, the next notebook's kernel starts (``warm``)."""
        km, limits = kernel.km, client.limits
        client.kc = km.client()
        client.kc.start_channels()
        try:
            await _wait_for_ready(client.kc, km, limits.startup_timeout)
        except RuntimeError as exc:
            client.execution.error = f"the kernel did not start: {exc}"
            return
        kernel.confinement.seal(kernel.scratch)
        client.kc.allow_stdin = False
        if warm:
            self.warm = await self._launch(kernel.plan)
        await client.run_cells()
        if regions:
            if client.execution.stop_reason in ("timeout", "budget"):
                km.kill_kernel()  # stuck or out of time: its copies still hold the earlier cells' state
            budget = time.monotonic() + limits.notebook_timeout if limits.notebook_timeout else None
            await asyncio.to_thread(run_hidden_regions, kernel.pipes, regions, client.execution,
                                    limits.cell_timeout, budget)


async def _start(km: GradingKernelManager, runtime: Path, work: Path, log: _LogTail) -> str | None:
    """Start the kernel in ``work``, its own output going to ``log``; why it could not be
    started, or None."""
    km.log_fd = log.write_end  # a forked kernel gets it from the template
    try:
        await km.start_kernel(env=kernel_env(runtime, work), cwd=str(work),
                              stdout=log.write_end, stderr=log.write_end)
        await asyncio.to_thread(km.locate)
    except (RuntimeError, OSError) as exc:  # TemplateError is a RuntimeError
        return f"the kernel could not be started: {exc}"
    finally:
        log.started()
    return None


async def _discard(kernel: _Kernel, client: GradingClient | None = None) -> str:
    """Kill the kernel and everything it started; release its sockets, files and group.
    Returns the end of the kernel's own log."""
    await _kill(kernel.km, client)
    if kernel.group is not None:
        kernel.group.remove()
    text = kernel.log.text()
    kernel.log.close()
    shutil.rmtree(kernel.scratch, ignore_errors=True)
    return text


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


async def _kill(km: AsyncKernelManager, client: GradingClient | None) -> None:
    """Kill the kernel and everything it started, then release its sockets and files."""
    process = getattr(km.provisioner, "process", None)
    pgid = getattr(km.provisioner, "pgid", None)
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
    if client is not None and client.kc is not None:
        try:
            client.kc.stop_channels()
        except Exception:  # noqa: BLE001
            pass
        client.kc = None
    try:
        await km.cleanup_resources()
    except Exception:  # noqa: BLE001
        pass
