"""Grading on the workers of a running Dask cluster: ``DaskPool``, with the ``run(tasks)`` of ``WorkerPool``.

``python -m autograder grade SUBMISSIONS --scheduler tcp://HOST:PORT`` sends each submission
to the workers of a Dask distributed cluster (``dask scheduler``, and ``dask worker`` on each
grading machine). A worker grades exactly as a local worker process does
(``autograder.worker.grade_submission``: the same sandbox, limits and statuses, one kernel
per submission, a kernel kept warm for the next one), and sends the ``Result`` back; the
process that called ``grade`` records it (the only writer of the gradebook and the files).

- No shared file system: each chapter's release (the student nnlib, the data) is packed once
  and scattered to every worker, which unpacks it once into a folder of its own named by the
  chapter's digest; each submission's notebook travels with its task, and the executed
  notebook and feedback page come back in the result.
- Submissions are handed out a few at a time (``in_flight`` per worker), so a term's batch
  never sits whole in the scheduler's memory.
- A worker that dies mid-batch: Dask gives its submissions to the other workers (a
  submission is recorded once, when its result arrives). One that kills every worker it
  meets (Dask gives up after ``distributed.scheduler.allowed-failures`` deaths) is recorded
  with status ``error``.
- Every worker must run the same grader: one whose ``grader_version`` differs is refused, by
  name, before anything is sent.
- Each result names its worker (``Result.worker``: host and address), so the summary's
  warnings name the machines without bubblewrap.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import tarfile
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from autograder.fingerprints import grader_version
from autograder.worker import Result, Task, grade_submission, zero_result

__all__ = ["DaskPool", "ClusterError"]

# Submissions handed to each worker ahead of its results.
_IN_FLIGHT = 2
_local = threading.local()


class ClusterError(RuntimeError):
    """The cluster cannot grade: no scheduler at the address, no worker, another grader version."""


class DaskPool:
    """The workers of the Dask cluster whose scheduler is at ``address``."""

    def __init__(self, address: str, in_flight: int = _IN_FLIGHT) -> None:
        self.address = address
        self.in_flight = in_flight
        self.client = None

    def __enter__(self) -> DaskPool:
        from distributed import Client

        try:
            self.client = Client(self.address, timeout=30, set_as_default=False)
        except OSError as exc:
            raise ClusterError(f"no Dask scheduler answers at {self.address}: {exc}") from None
        self.client.wait_for_workers(1, timeout=60)
        versions = self.client.run(grader_version)
        ours = grader_version()
        others = sorted(worker for worker, version in versions.items() if version != ours)
        if others:
            raise ClusterError(f"Dask workers running another version of the grader than this one ({ours}): "
                               f"{', '.join(others)}; install the same commit of the course there")
        return self

    def __exit__(self, *exc) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    def run(self, tasks: list[Task]) -> Iterator[Result]:
        from distributed import as_completed

        client = self.client
        releases = {}
        for task in tasks:
            digest = task.assignment.digest
            if digest not in releases:
                releases[digest] = client.scatter(_pack(Path(task.assignment.runtime)), broadcast=True, hash=False)
        waiting = list(reversed(tasks))
        by_key = {}

        def submit(task: Task):
            notebook = Path(task.notebook).read_bytes() if task.notebook else None
            future = client.submit(_grade_on_worker, task, notebook, releases[task.assignment.digest],
                                   pure=False, key=f"grade-{task.student}-{task.chapter}-{os.urandom(4).hex()}")
            by_key[future.key] = task
            return future

        width = max(1, self.in_flight * len(client.scheduler_info().get("workers", {})))
        running = as_completed([submit(waiting.pop()) for _ in range(min(width, len(waiting)))], loop=client.loop)
        for future in running:
            task = by_key.pop(future.key)
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - KilledWorker, or the grader failed there
                result = zero_result(task, "error", _failure(exc))
            future.release()
            yield result
            if waiting:
                running.add(submit(waiting.pop()))


def _failure(exc: BaseException) -> str:
    if type(exc).__name__ == "KilledWorker":
        return "every grading machine that took this submission died; nothing of it was graded"
    return f"the grader failed on this submission: {type(exc).__name__}: {exc}"[:300]


def _pack(folder: Path) -> bytes:
    """A release folder as the bytes of a gzipped tar."""
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:gz") as archive:
        archive.add(folder, arcname=".")
    return data.getvalue()


def _release_folder(digest: str, packed: bytes) -> Path:
    """This machine's copy of a release (unpacked once, in a folder named by its digest)."""
    root = Path(tempfile.gettempdir()) / "autograder-releases"
    folder = root / digest
    if not folder.is_dir():
        root.mkdir(mode=0o755, exist_ok=True)
        unpacking = Path(tempfile.mkdtemp(prefix=f"{digest}-", dir=root))
        with tarfile.open(fileobj=io.BytesIO(packed), mode="r:gz") as archive:
            archive.extractall(unpacking, filter="data")
        unpacking.chmod(0o755)
        try:
            unpacking.rename(folder)
        except OSError:  # another thread of this worker was first
            shutil.rmtree(unpacking, ignore_errors=True)
    return folder


def _runner():
    """This worker thread's kernel runner, kept from one submission to the next."""
    from autograder.kernel import KernelRunner

    if getattr(_local, "runner", None) is None:
        _local.runner = KernelRunner()
    return _local.runner


def _grade_on_worker(task: Task, notebook: bytes | None, packed: bytes) -> Result:
    """On a Dask worker: grade ``task`` with its notebook's bytes and its chapter's packed release."""
    from distributed import get_worker

    runtime = _release_folder(task.assignment.digest, packed)
    with tempfile.TemporaryDirectory(prefix="autograder-submission-") as tmp:
        path = None
        if notebook is not None:
            path = Path(tmp) / Path(task.notebook).name
            path.write_bytes(notebook)
        here = replace(task, notebook=str(path) if path else None,
                       assignment=replace(task.assignment, runtime=str(runtime)))
        result = grade_submission(here, _runner())
    result.worker = f"{socket.gethostname()} ({get_worker().address})"
    return result
