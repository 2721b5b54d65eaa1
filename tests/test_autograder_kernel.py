"""The student's kernel (autograder.kernel) and the scoring rule (autograder.scoring), alone."""

from __future__ import annotations

import os

import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from autograder.limits import Limits
from autograder.savings import Savings
from autograder.scoring import only_warnings, score_test_cell

pytestmark = pytest.mark.grading


def _stdout(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def test_kernel_runs_in_a_scratch_folder_with_the_student_nnlib_and_a_clean_environment(runner, runtime, monkeypatch):
    monkeypatch.setenv("AUTOGRADER_TEST_SECRET", "not for students")
    nb = new_notebook(cells=[new_code_cell(
        "import os, nnlib.activations as a\n"
        "print(os.getpid())\n"
        "print(os.getcwd())\n"
        "print(a.__file__)\n"
        "print(os.environ.get('NBGRADER_EXECUTION'), os.environ.get('AUTOGRADER_TEST_SECRET'))\n")])
    execution = runner.run(nb, runtime)
    pid, cwd, nnlib_file, env = _stdout(nb.cells[0]).splitlines()
    assert execution.executed == {0} and execution.error is None
    assert nnlib_file.startswith(str(runtime)) or os.path.realpath(nnlib_file).startswith(str(runtime))
    assert not os.path.exists(cwd), "the scratch folder is removed afterwards"
    assert env == "autograde None"
    # The kernel (and the sandbox around it) is gone. Its pid is its own namespace's, so look
    # for any process that still names its scratch folder.
    import psutil

    left = []
    for process in psutil.process_iter(["cmdline"]):
        if any(cwd in part for part in process.info["cmdline"] or []):
            left.append(process)
    assert not left


# A child that spins on the CPU forever, left behind by the cell that started it.
SPINNER = "import os, time\nif os.fork() == 0:\n    while True:\n        pass\n"


def test_notebook_budget_stops_a_long_run_and_what_it_left_running(runner, runtime):
    cells = [new_code_cell(SPINNER)] + [new_code_cell("time.sleep(1)") for _ in range(10)]
    nb = new_notebook(cells=cells)
    execution = runner.run(nb, runtime, Limits(cell_timeout=30, notebook_timeout=4))
    assert execution.stop_reason == "budget"
    assert len(execution.executed) < len(cells)
    if execution.kernel_uid is not None:
        assert not _processes_of(execution.kernel_uid), "the spinning child dies with the kernel"


def test_only_python_warnings_count_as_harmless_stderr():
    assert only_warnings("/tmp/x.py:3: RuntimeWarning: overflow encountered in exp\n  return 1 / (1 + np.exp(-z))\n")
    assert only_warnings("a.py:1: DeprecationWarning: old\n  f()\nb.py:2: numpy.exceptions.ComplexWarning: cast\n")
    assert not only_warnings("debugging relu\n")
    assert not only_warnings("a.py:1: RuntimeWarning: overflow\nTraceback (most recent call last):\n")


def _test_cell(*outputs):
    cell = new_code_cell("assert True", metadata={"nbgrader": {
        "grade": True, "solution": False, "locked": True, "points": 2, "grade_id": "test_x", "schema_version": 3}})
    cell.outputs = list(outputs)
    return cell


def test_score_follows_nbgrader_except_for_warnings_and_cells_that_never_ran():
    warning = new_output("stream", name="stderr", text="x.py:1: RuntimeWarning: overflow encountered in exp\n")
    other = new_output("stream", name="stderr", text="something else\n")
    error = new_output("error", ename="AssertionError", evalue="wrong", traceback=[])
    assert score_test_cell(_test_cell(), executed=True) == 2
    assert score_test_cell(_test_cell(), executed=False) == 0  # nbgrader would give 2
    assert score_test_cell(_test_cell(warning), executed=True) == 2  # nbgrader would give 0
    assert score_test_cell(_test_cell(warning, error), executed=True) == 0
    assert score_test_cell(_test_cell(other), executed=True) == 0


def test_kernel_runner_works_where_an_event_loop_is_already_running(runner, runtime):
    """Called from a Jupyter kernel (or under Playwright's sync API) a loop already runs."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    nb = new_notebook(cells=[new_code_cell("print(6 * 7)")])

    async def inside_a_running_loop():
        return runner.run(nb, runtime)

    def on_a_fresh_thread():  # a thread of our own, whatever this one is running
        loop = asyncio.new_event_loop()
        try:
            return loop.run_until_complete(inside_a_running_loop())
        finally:
            loop.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        execution = pool.submit(on_a_fresh_thread).result()
    assert execution.executed == {0} and execution.error is None
    assert _stdout(nb.cells[0]).strip() == "42"


def test_sandbox_keeps_a_python_environment_under_tmp_visible(tmp_path):
    """bubblewrap mounts in order: the private /tmp must come before the Python binds, or a
    virtual environment living under /tmp (a CI clone, say) vanishes from the sandbox."""
    import sys
    from pathlib import Path

    from autograder.sandbox import Sandbox

    command = Sandbox(bwrap="bwrap").command(tmp_path / "release", tmp_path / "scratch")
    tmpfs = command.index("--tmpfs")
    prefix = str(Path(sys.prefix).resolve())
    binds = [i for i, arg in enumerate(command) if arg == prefix and command[i - 1] == "--ro-bind"]
    assert binds and all(i > tmpfs for i in binds)


FORK_UNTIL_REFUSED = '''import os, time
children = 0
try:
    for _ in range(1000):
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
        children += 1
finally:
    print(children)
'''


def test_sandboxed_kernel_runs_as_a_user_of_its_own_under_a_process_limit(runner, runtime):
    assert runner.confinement.sandbox.available, "bubblewrap must work here (.ci/run installs it)"
    nb = new_notebook(cells=[new_code_cell("import os\nprint(os.getuid(), os.geteuid())"),
                             new_code_cell(FORK_UNTIL_REFUSED),
                             new_code_cell("print('still here')")])
    execution = runner.run(nb, runtime, Limits(processes=40))
    assert execution.sandboxed and execution.process_limit and execution.error is None
    uid, euid = map(int, _stdout(nb.cells[0]).split())
    assert uid == euid and uid != 0 and (os.geteuid() != 0 or uid == execution.kernel_uid)
    children = int(_stdout(nb.cells[1]))
    assert 10 < children < 40, "the kernel's own threads count too"
    error = next(o for o in nb.cells[1].outputs if o.output_type == "error")
    assert error.ename == "BlockingIOError"
    assert _stdout(nb.cells[2]).strip() == "still here"
    if execution.kernel_uid is not None:
        assert not _processes_of(execution.kernel_uid), "the sleeping children die with the kernel"


def _processes_of(uid: int, wait: float = 5.0) -> list:
    """Live processes of ``uid``, after giving the dying ones ``wait`` seconds to go."""
    import time

    import psutil

    give_up = time.monotonic() + wait
    while True:
        left = []
        for process in psutil.process_iter(["uids", "status"]):
            try:
                if process.info["uids"] and process.info["uids"].real == uid and \
                        process.info["status"] != psutil.STATUS_ZOMBIE and process.is_running():
                    left.append(process)
            except psutil.Error:
                pass
        if not left or time.monotonic() > give_up:
            return left
        time.sleep(0.2)


def test_files_written_by_the_kernel_stop_at_the_file_size_limit(runner, runtime):
    nb = new_notebook(cells=[
        new_code_cell("open('big.bin', 'wb').write(b'x' * 3 * 2**20)"),
        # The raw stdout: ipykernel shows it in the cell, and its copy to the kernel's own
        # stdout goes to a pipe, not a file, so it neither fills a disk nor stops at the limit.
        new_code_cell("import os\nos.write(1, b'x' * 3 * 2**20)"),
        new_code_cell("open('small.bin', 'wb').write(b'x' * 2**19)\nprint(os.path.getsize('big.bin'))")])
    execution = runner.run(nb, runtime, Limits(file_size=2**20, cell_timeout=20))
    errors = [[o.evalue for o in cell.outputs if o.output_type == "error"] for cell in nb.cells]
    assert "File too large" in errors[0][0] and not errors[1] and not errors[2]
    assert execution.truncated == [1] and not execution.interrupted
    assert int(_stdout(nb.cells[2])) == 2**20
    assert len(execution.kernel_log) <= 4000


def test_output_is_capped_per_cell_and_for_the_whole_notebook_and_errors_are_cut_short(runner, runtime):
    cells = [new_code_cell("print('x' * 60_000)") for _ in range(8)]
    cells.append(new_code_cell("raise ValueError('y' * 10_000_000)"))
    # Displays bigger than the per-cell text limit: a figure is kept, HTML is cut with a note.
    cells.insert(0, new_code_cell("from IPython.display import display\n"
                                  "display({'image/png': 'A' * 150_000}, raw=True)\n"
                                  "display({'text/html': '<b>' * 50_000}, raw=True)"))
    nb = new_notebook(cells=cells)
    execution = runner.run(nb, runtime, Limits(output_bytes=100_000, notebook_output_bytes=400_000))
    assert execution.error is None and len(execution.executed) == len(cells)
    first = nb.cells[0].outputs
    assert first[0]["data"]["image/png"] == "A" * 150_000
    assert "[output truncated: this cell printed more than 100000 characters]" in _stdout(nb.cells[0])
    kept = [len(_stdout(cell)) for cell in nb.cells[1:-1]]
    assert kept[:4] == [60_001] * 4, "150k of the figure + 4 prints of 60k fit in 400k"
    assert all(size < 100 for size in kept[5:]), "then only the note"
    assert "more than 400000 characters in all" in _stdout(nb.cells[6])
    error = next(o for o in nb.cells[-1].outputs if o.output_type == "error")
    assert error.ename == "ValueError" and len(error.evalue) <= 1000
    assert len(error.traceback) <= 20 and all(len(line) <= 500 for line in error.traceback)
    assert sorted(execution.truncated) == [0, 5, 6, 7, 8]


def test_a_notebook_with_thousands_of_cells_is_not_graded(tmp_path):
    import json

    from autograder.upload import MAX_CELLS, InvalidSubmission, read_notebook

    path = tmp_path / "many.ipynb"
    cells = [{"cell_type": "code", "source": "1/0", "metadata": {}, "outputs": [], "execution_count": None}]
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells * (MAX_CELLS + 1)}))
    with pytest.raises(InvalidSubmission, match=f"{MAX_CELLS + 1} cells"):
        read_notebook(path)
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells * MAX_CELLS}))
    assert len(read_notebook(path).cells) == MAX_CELLS


def test_the_kernel_writes_at_most_its_disk_limit_and_never_next_to_its_sockets(runner, runtime):
    nb = new_notebook(cells=[new_code_cell(
        "import os\n"
        "written = 0\n"
        "try:\n"
        "    for i in range(64):\n"
        "        with open(f'part{i}.bin', 'wb') as handle:\n"
        "            handle.write(b'x' * 2**20)\n"
        "        written += 1\n"
        "finally:\n"
        "    print(written)\n"), new_code_cell(
        "sockets = os.path.dirname(os.getcwd())\n"
        "open(os.path.join(sockets, 'junk.bin'), 'wb').write(b'x')")])
    execution = runner.run(nb, runtime, Limits(disk=16 * 2**20))
    assert execution.disk_limit and execution.sandboxed
    assert 8 < int(_stdout(nb.cells[0])) < 16
    errors = [[o for o in cell.outputs if o.output_type == "error"] for cell in nb.cells]
    assert "No space left on device" in errors[0][0].evalue
    if execution.kernel_uid is not None:  # run as root: the socket folder is closed once the kernel is up
        assert errors[1] and errors[1][0].ename == "PermissionError"


# Three children spin for 2 s of wall time each; the parent reports the CPU they got in all.
SPIN_THREE = '''import os, time, resource
children = []
for _ in range(3):
    pid = os.fork()
    if pid == 0:
        end = time.monotonic() + 2.0
        while time.monotonic() < end:
            pass
        os._exit(0)
    children.append(pid)
started = time.monotonic()
for pid in children:
    os.waitpid(pid, 0)
wall = time.monotonic() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(usage.ru_utime + usage.ru_stime, wall)
'''


def _need_a_control_group() -> None:
    """Skip, saying why, where no control group can be made (the grader then runs without a
    CPU quota, and the summary's warning says so: test_autograder_hardening checks that line)."""
    from autograder.cgroup import KernelCgroup

    probe = KernelCgroup.create(f"autograder-probe-{os.getpid()}", 1.0)
    if probe is None:
        pytest.skip("no control group can be made here (it needs root and a writable /sys/fs/cgroup)")
    probe.remove()


def test_a_cpu_quota_caps_everything_the_kernel_starts_where_cgroups_allow(runner, runtime):
    from pathlib import Path

    _need_a_control_group()
    nb = new_notebook(cells=[new_code_cell(SPIN_THREE)])
    # A kernel an earlier test of this runner left warm holds a group of its own: only the
    # groups this run makes must be gone after it (and it keeps no kernel warm).
    groups = lambda: set(Path("/sys/fs/cgroup/cpu").glob(f"autograder-{os.getpid()}-*"))  # noqa: E731
    before = groups()
    execution = runner.run(nb, runtime, Limits(cpus=0.5), savings=Savings(warm_kernel=False))
    assert execution.error is None
    cpu, wall = map(float, _stdout(nb.cells[0]).split())
    assert execution.cpu_limit
    assert cpu / wall < 0.5 * 1.3, f"3 spinners got {cpu:.2f} s of CPU in {wall:.2f} s under a quota of 0.5 core"
    assert not groups() - before, "the group is removed"


def test_a_process_that_leaves_its_session_still_dies_with_the_kernel_where_cgroups_allow(runner, runtime):
    """Without the sandbox there is no pid namespace: a daemon started with setsid escapes the
    kill of the kernel's process group, but not the kernel's control group."""
    import psutil

    _need_a_control_group()
    nb = new_notebook(cells=[new_code_cell(
        "import subprocess\n"
        "daemon = subprocess.Popen(['sleep', '300'], start_new_session=True)\n"
        "print(daemon.pid)")])
    execution = runner.run(nb, runtime, Limits(sandbox=False))
    pid = int(_stdout(nb.cells[0]))

    def alive() -> bool:
        try:
            return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    assert execution.cpu_limit and not alive()
