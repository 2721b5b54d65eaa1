"""Grading on a Dask cluster (issue 16, item 1): ``grade --scheduler`` on a real local cluster.

The test starts a ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1 (free
ports, each worker in a process group of its own), grades a mixed batch with them and with
``--jobs 2``, and kills a worker in the middle of another batch. Nothing is shared with the
workers but the network: they get the releases and notebooks from the caller.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from autograder.grading import grade
from autograder.limits import Limits
from autograder.release import release
from autograder.samples import load_mutations, solved, with_answers, write_submission
from fixtures import support

pytestmark = pytest.mark.grading

FIXTURES = support.FIXTURE_NOTEBOOKS
CH = "01_feedforward"
LIMITS = Limits(cell_timeout=4, interrupt_grace=2)
DASK = Path(sys.executable).parent / "dask"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    """A scheduler and workers on this machine, each in a process group of its own."""

    def __init__(self, root: Path, workers: int) -> None:
        self.root = root
        self.address = f"tcp://127.0.0.1:{_free_port()}"
        port = self.address.rsplit(":", 1)[1]
        self.scheduler = self._start([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", port,
                                      "--no-dashboard"], "scheduler")
        self.workers = [self._start([str(DASK), "worker", self.address, "--nworkers", "1", "--nthreads", "1",
                                     "--no-dashboard", "--local-directory", str(root / f"w{i}")], f"worker{i}")
                        for i in range(workers)]
        from distributed import Client

        with Client(self.address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=120)

    def _start(self, command: list[str], name: str) -> subprocess.Popen:
        log = open(self.root / f"{name}.log", "w")
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                cwd=self.root)

    def kill(self, process: subprocess.Popen) -> None:
        """Kill a process and all it started (a worker's nanny, the worker, its kernels)."""
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=30)

    def stop(self) -> None:
        for process in self.workers + [self.scheduler]:
            self.kill(process)


@pytest.fixture
def cluster(tmp_path):
    (tmp_path / "cluster").mkdir()
    running = Cluster(tmp_path / "cluster", 2)
    try:
        yield running
    finally:
        running.stop()


SLOW = "import time\ntime.sleep(1.5)\n"


def _batch(root: Path, copies: int = 0) -> None:
    """Solved, blank, partly wrong, a loop, a crash (and ``copies`` slow solved ones)."""
    folder = release([CH], root / "release", FIXTURES)[CH]
    blank = nbformat.read(folder / f"{CH}.ipynb", as_version=4)
    ok = solved(blank, support.source_notebook(FIXTURES, CH))
    wrong = load_mutations(CH, support.FIXTURE_MUTATIONS)
    subs = root / "submitted"
    write_submission(subs, "solved", CH, ok)
    write_submission(subs, "blank", CH, blank)
    write_submission(subs, "partly_wrong", CH, with_answers(ok, {"sigmoid": wrong["sigmoid"]["sign_flipped"]}))
    write_submission(subs, "loop", CH, with_answers(ok, {"relu": "while True:\n    pass\n"}))
    write_submission(subs, "crash", CH, with_answers(ok, {"softmax": "import os\nos._exit(1)\n"}))
    for number in range(copies):
        write_submission(subs, f"slow{number:02d}", CH, support.insert_after(ok, "test_sigmoid", SLOW))


def _wait_until_busy(cluster: Cluster, nanny: subprocess.Popen, out: Path, wait: float = 300) -> list:
    """Wait until two results are in and the worker under ``nanny`` is grading; its tasks."""
    import psutil
    from distributed import Client

    pids = {nanny.pid} | {p.pid for p in psutil.Process(nanny.pid).children(recursive=True)}
    give_up = time.monotonic() + wait
    with Client(cluster.address, timeout=60) as client:
        address = next(a for a, pid in client.run(os.getpid).items() if pid in pids)
        while time.monotonic() < give_up:
            tasks = client.processing().get(address, [])
            if tasks and len(list((out / "feedback").glob("*/*/*.html"))) >= 2:
                return tasks
            time.sleep(0.1)
    return []


def _tables(out: Path) -> list[bytes]:
    return [(out / name).read_bytes() for name in ("grades.csv", "grades_detail.csv")]


def test_a_dask_cluster_gives_the_table_of_two_local_jobs(cluster, tmp_path):
    _batch(tmp_path)
    local = grade(tmp_path / "submitted", tmp_path / "local", jobs=2, source_dir=FIXTURES, progress=False,
                  limits=LIMITS)
    remote = grade(tmp_path / "submitted", tmp_path / "remote", scheduler=cluster.address, source_dir=FIXTURES,
                   progress=False, limits=LIMITS)
    assert _tables(tmp_path / "remote") == _tables(tmp_path / "local")
    statuses = {r.student: (r.score, r.status) for r in remote.results}
    assert statuses == {"solved": (5, "graded"), "blank": (0, "graded"), "partly_wrong": (3, "graded"),
                        "loop": (4, "timeout"), "crash": (3, "error")}
    assert all(r.worker and "127.0.0.1" in r.worker for r in remote.results), "each result names its worker"
    assert all(not r.worker for r in local.results)
    page = tmp_path / "remote" / "feedback" / "partly_wrong" / CH / f"{CH}.html"
    assert "Score: 3.0 / 5.0" in support.html_text(page), "the feedback came back from the worker"


def test_a_worker_killed_mid_batch_loses_no_grade_and_records_none_twice(cluster, tmp_path):
    from nbgrader.api import Gradebook, Grade

    _batch(tmp_path, copies=8)
    out = tmp_path / "remote"
    done = {}
    runner = threading.Thread(target=lambda: done.setdefault("run", grade(
        tmp_path / "submitted", out, scheduler=cluster.address, source_dir=FIXTURES, progress=False,
        limits=LIMITS)))
    runner.start()
    victim = cluster.workers[1]
    busy = _wait_until_busy(cluster, victim, out)
    assert busy, "the worker to kill was grading a submission, after results had arrived"
    cluster.kill(victim)  # mid-batch: results are arriving and submissions are still waiting
    runner.join(timeout=600)
    assert not runner.is_alive() and "run" in done
    run = done["run"]
    students = sorted(p.name for p in (tmp_path / "submitted").iterdir())
    assert sorted(r.student for r in run.results) == students
    assert all(r.status != "error" or r.student == "crash" for r in run.results), \
        [(r.student, r.detail) for r in run.results if r.status == "error"]
    assert {r.student: r.score for r in run.results if r.student.startswith("slow")} == \
        {f"slow{n:02d}": 5 for n in range(8)}
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}", "nncourse") as gb:
        assert len(gb.assignment_submissions(CH)) == len(students)
        assert gb.db.query(Grade).count() == 3 * len(students), "no grade recorded twice"
    local = tmp_path / "local"
    grade(tmp_path / "submitted", local, jobs=2, source_dir=FIXTURES, progress=False, limits=LIMITS)
    assert _tables(out) == _tables(local)


def test_the_summary_names_the_workers_without_bubblewrap(tmp_path):
    from autograder.grading import GradingRun
    from autograder.summary import summary_table
    from autograder.worker import Result

    results = [Result("ann", CH, "graded", "", {"t": 1.0}, {"t": 1.0}, sandboxed=False, worker="box2 (tcp://10.0.0.2:4001)"),
               Result("bob", CH, "graded", "", {"t": 1.0}, {"t": 1.0}, worker="box1 (tcp://10.0.0.1:4001)"),
               Result("cy", CH, "graded", "", {"t": 1.0}, {"t": 1.0}, sandboxed=False, worker="box3 (tcp://10.0.0.3:4001)")]
    table = summary_table(GradingRun(results, tmp_path, tmp_path / "g.csv", tmp_path / "d.csv"))
    warning = next(line for line in table.splitlines() if line.startswith("WARNING: no sandbox"))
    assert "on box2 (tcp://10.0.0.2:4001), box3 (tcp://10.0.0.3:4001)" in warning and "box1" not in warning
    assert "2 submission(s)" in warning
