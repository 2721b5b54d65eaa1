"""The pool of worker processes that grade submissions in parallel: ``WorkerPool``.

The workers are forked from the parent after it has imported nbgrader, nbclient and
nbconvert and built the feedback exporter, so each worker starts warm: the imports are paid
once in all, not per worker or per submission (when the parent runs several threads, e.g.
inside a test runner, a fork server that imports the grader once takes the parent's place).
Each worker keeps one ``KernelRunner`` and grades one submission at a time
(``autograder.worker.grade_submission``, one kernel each). A worker that dies takes only its
current submission with it (status ``error``); a new worker replaces it.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
import threading
import traceback
from collections import deque
from collections.abc import Iterator
from multiprocessing.connection import wait

from autograder.kernel import KernelRunner
from autograder.worker import Result, Task, grade_submission, zero_result

__all__ = ["WorkerPool"]


def _worker_main(conn) -> None:
    """Loop of a worker process: receive a task, send back its result; None stops it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # run finally blocks: kill the kernel
    runner = KernelRunner()  # this process's kernels: the sandbox probed once, the event loop kept
    try:
        while True:
            try:
                task = conn.recv()
            except EOFError:
                return
            if task is None:
                return
            try:
                result = grade_submission(task, runner)
            except Exception:  # noqa: BLE001 - a grader bug must not stop the batch
                result = zero_result(task, "error", "the grader failed on this submission: "
                                     + traceback.format_exc(limit=3).strip().splitlines()[-1])
            conn.send(result)
    finally:
        runner.close()  # the kernel kept warm for a next submission


class _Worker:
    def __init__(self, context) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child,), daemon=True)
        self.process.start()
        child.close()
        self.task: Task | None = None


class WorkerPool:
    """``jobs`` worker processes (fork) that grade tasks.

    ``start()`` forks the workers (do it before opening database connections or starting
    threads); ``run(tasks)`` yields results as they finish; ``close()`` stops the workers.
    """

    def __init__(self, jobs: int) -> None:
        self.jobs = max(1, int(jobs))
        # Forking copies the parent's imports for free, but is only safe while the parent runs
        # a single thread (the command line does); otherwise a fork server, which imports the
        # grader once and forks the workers from that clean process.
        if threading.active_count() == 1:
            self.context = multiprocessing.get_context("fork")
        else:
            self.context = multiprocessing.get_context("forkserver")
            self.context.set_forkserver_preload(["autograder.pool"])
        self.workers: list[_Worker] = []

    def __enter__(self) -> WorkerPool:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        while len(self.workers) < self.jobs:
            self.workers.append(_Worker(self.context))

    def run(self, tasks: list[Task]) -> Iterator[Result]:
        self.start()
        pending = deque(tasks)
        workers = self.workers
        for worker in workers:
            self._dispatch(worker, pending)
        while any(w.task is not None for w in workers):
            busy = [w for w in workers if w.task is not None]
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy])
            for worker in busy:
                died = worker.process.sentinel in ready
                if worker.conn in ready or (died and worker.conn.poll()):
                    try:
                        result = worker.conn.recv()
                    except (EOFError, OSError):
                        result = None
                    if result is not None:
                        worker.task = None
                        yield result
                        self._dispatch(worker, pending)
                        continue
                    died = True
                if died:
                    task, worker.task = worker.task, None
                    worker.process.join(timeout=1)
                    code = worker.process.exitcode
                    yield zero_result(task, "error", f"the grading process died while grading this submission "
                                               f"(exit code {code}); nothing of it was graded")
                    workers[workers.index(worker)] = replacement = _Worker(self.context)
                    self._dispatch(replacement, pending)

    def close(self) -> None:
        for worker in self.workers:
            try:
                worker.conn.send(None)
            except OSError:
                pass
        for worker in self.workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.terminate()
                worker.process.join(timeout=5)
        self.workers = []

    @staticmethod
    def _dispatch(worker: _Worker, pending: deque) -> None:
        if pending:
            worker.task = pending.popleft()
            worker.conn.send(worker.task)
