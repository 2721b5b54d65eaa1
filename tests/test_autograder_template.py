"""Kernels forked from a template (autograder.template, Savings.fork_kernel): the same confinement
and the same interpreter as a kernel started as a new one, a fresh process per submission, and a
fall-back that loses nothing where forking does not work."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder.kernel import KernelRunner
from autograder.limits import Limits
from autograder.savings import Savings
from autograder.template import KernelTemplate, TemplateError, template_modules

pytestmark = pytest.mark.grading

REPO = Path(__file__).resolve().parent.parent

# What a kernel can see of itself and of the interpreter it runs in, as one JSON line.
PROBE = r'''
import json, os, random, re, resource, sys, tempfile
import numpy as np
def fds():
    for fd in os.listdir("/proc/self/fd"):
        try:  # the listing's own descriptor is gone by now
            yield int(fd), re.sub(r"\[\d+\]", "", os.readlink(f"/proc/self/fd/{fd}"))
        except FileNotFoundError:
            pass
status = {line.split(":")[0]: line.split(":", 1)[1].split() for line in open("/proc/self/status")}
print(json.dumps({
    "status": {key: status[key] for key in ("Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff", "CapAmb",
                                              "CapBnd", "NoNewPrivs", "Seccomp")},
    "namespaces": {name: os.readlink(f"/proc/self/ns/{name}") for name in ("pid", "net", "ipc", "uts", "mnt")},
    "pid": os.getpid(), "cwd": os.getcwd(), "path": sys.path, "env": dict(os.environ),
    "limits": [resource.getrlimit(number) for number in range(16)],
    "fds": sorted(fds()), "modules": sorted(sys.modules),
    "flags": list(sys.flags), "argv": sys.argv, "tmp": tempfile.gettempdir(),
    "numpy_random": float(np.random.rand()), "random": random.random(),
    "nnlib": sorted(module.__file__ for name, module in sys.modules.items() if name.split(".")[0] == "nnlib"),
}))
'''


def _setup_cell():
    cell = new_code_cell("import numpy as np\nimport matplotlib.pyplot as plt\nfrom nnlib.activations import relu")
    cell.metadata.update({"editable": False, "deletable": False,
                          "nbgrader": {"grade": False, "grade_id": "setup", "locked": True, "schema_version": 3,
                                       "solution": False}})
    return cell


def _probe(runner: KernelRunner, runtime: Path, fork: bool) -> dict:
    nb = new_notebook(cells=[_setup_cell(), new_code_cell(PROBE)])
    execution = runner.run(nb, runtime, Limits(), savings=Savings(fork_kernel=fork))
    assert execution.error is None, execution.error
    text = "".join(o.get("text", "") for o in nb.cells[1].outputs if o.output_type == "stream")
    assert text, nb.cells[1].outputs
    seen = json.loads(text)
    seen["forked"] = runner.forked
    seen["kernel_uid"] = execution.kernel_uid
    # The scratch folder's name is each kernel's own.
    return json.loads(re.sub(r"autograder-kernel-[\w-]+", "SCRATCH", json.dumps(seen)))


def _live_processes_of(uid: int, wait: float = 5.0) -> list[psutil.Process]:
    """Processes of ``uid`` still running (not zombies) after ``wait`` seconds at most."""
    give_up = time.monotonic() + wait
    while True:
        left = [p for p in psutil.process_iter(["uids", "status"])
                if p.info["uids"] and p.info["uids"].real == uid and p.info["status"] != psutil.STATUS_ZOMBIE]
        if not left or time.monotonic() > give_up:
            return left
        time.sleep(0.1)


def _forking_expected(runner: KernelRunner) -> bool:
    """Kernels are forked where the grader runs as root with the sandbox (as .ci/run does)."""
    return runner.confinement.sandbox.available and os.geteuid() == 0


def test_a_forked_kernel_runs_confined_and_set_up_as_a_kernel_started_as_a_new_interpreter(runtime):
    with KernelRunner() as runner:
        forked, second = _probe(runner, runtime, True), _probe(runner, runtime, True)
        started = _probe(runner, runtime, False)
    assert _forking_expected(runner), "this test needs root and bubblewrap (make test installs it)"
    assert forked["forked"] and second["forked"] and not started["forked"]
    for key in ("Groups", "CapInh", "CapPrm", "CapEff", "CapAmb", "NoNewPrivs", "Seccomp"):
        assert forked["status"][key] == started["status"][key], key
    for seen in (forked, started):  # each kernel a user id of its own, real, effective, saved and file system
        assert seen["kernel_uid"] and seen["status"]["Uid"] == seen["status"]["Gid"] == [str(seen["kernel_uid"])] * 4
    assert forked["status"]["CapEff"] == ["0000000000000000"] and forked["status"]["NoNewPrivs"] == ["1"]
    assert forked["status"]["CapBnd"] == ["0000000000000000"], "no capability can be gained back"
    own = {name: os.readlink(f"/proc/self/ns/{name}") for name in forked["namespaces"]}
    for name, namespace in forked["namespaces"].items():
        assert namespace != own[name], f"the forked kernel shares the grader's {name} namespace"
    assert forked["pid"] < 10, "its own pid namespace"
    for key in ("cwd", "path", "env", "limits", "modules", "flags", "argv", "tmp", "nnlib"):
        assert forked[key] == started[key], key
    assert forked["nnlib"] and all(path.startswith(str(runtime)) for path in forked["nnlib"]), \
        "the kernel imports the student's nnlib from the release, never the reference"

    # Its files and pipes (ZeroMQ's sockets and event descriptors vary with the client's timing):
    # the standard output and error the kernel captures, and nothing of the template's. Its
    # standard input is /dev/null, where jupyter_client gives a new interpreter a pipe it never writes.
    files = lambda seen: sorted(kind for fd, kind in seen["fds"]  # noqa: E731
                                if fd > 0 and not kind.startswith(("socket:", "anon_inode:")))
    assert files(forked) == files(started)
    assert [kind for fd, kind in forked["fds"] if fd == 0] == ["/dev/null"]
    assert not _live_processes_of(forked["kernel_uid"]), "the forked kernel, its sandbox and copies are gone"
    assert forked["numpy_random"] != second["numpy_random"], "numpy's global random state is seeded afresh"
    assert forked["random"] != second["random"]


def test_the_template_imports_the_libraries_but_never_nnlib(runtime):
    assert (runtime / "nnlib").is_dir()
    assert template_modules(("warnings", "numpy", "matplotlib.pyplot", "nnlib.layers", "nnlib"), runtime) == \
        ("warnings", "numpy", "matplotlib.pyplot")


def test_the_template_ends_with_its_runner_and_with_a_worker_that_is_killed(tmp_path, runtime):
    script = tmp_path / "worker.py"
    script.write_text(textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(REPO)!r})
        sys.path.insert(0, {str(REPO / 'tests')!r})
        from tests.test_autograder_template import _probe
        from autograder.kernel import KernelRunner
        from pathlib import Path
        runner = KernelRunner()
        _probe(runner, Path({str(runtime)!r}), True)
        print(runner.template.process.pid, flush=True)
        time.sleep(300)
    """))
    worker = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=REPO)
    try:
        template = int(worker.stdout.readline())
        assert psutil.Process(template).is_running()
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    give_up = time.monotonic() + 10
    while psutil.pid_exists(template) and psutil.Process(template).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < give_up, "the template outlived its worker"
        time.sleep(0.05)

    with KernelRunner() as runner:
        _probe(runner, runtime, True)
        template = runner.template.process.pid
    assert not psutil.pid_exists(template) or psutil.Process(template).status() == psutil.STATUS_ZOMBIE


def test_a_kernel_the_template_cannot_fork_starts_as_a_new_interpreter(runtime, monkeypatch):
    def refuse(self, holder, argv, log_fd):
        raise TemplateError("error: PermissionError(1, 'Operation not permitted')")

    monkeypatch.setattr(KernelTemplate, "fork", refuse)
    with KernelRunner() as runner:
        seen = _probe(runner, runtime, True)
        assert runner.forking is False and not seen["forked"]
        _probe(runner, runtime, True)  # later kernels are not forked at all
        assert runner.template is None or not runner.forked


def test_a_forked_kernel_that_never_answers_has_its_notebook_run_again_as_a_new_interpreter(runtime, monkeypatch):
    """The first forked kernel of a worker is on trial: if it does not answer, the notebook is
    run again in a kernel started as a new interpreter, and no later kernel is forked."""
    def dead_kernel(self, holder, argv, log_fd):
        process = subprocess.Popen(["true"])
        process.wait()
        return process.pid

    monkeypatch.setattr(KernelTemplate, "fork", dead_kernel)
    with KernelRunner() as runner:
        nb = new_notebook(cells=[_setup_cell(), new_code_cell("print('ran')")])
        execution = runner.run(nb, runtime, Limits(startup_timeout=20), savings=Savings(warm_kernel=False))
        assert _forking_expected(runner)
        assert execution.error is None and runner.forking is False and not runner.forked
        assert nb.cells[1].outputs[0]["text"] == "ran\n"


def test_a_sandbox_whose_holder_never_appears_gets_a_kernel_started_as_a_new_interpreter(runtime, monkeypatch):
    """``locate`` looks for the holder by its command line: where it never finds one (here,
    because the sandbox runs another program), the kernel still starts, unforked, even after
    forked kernels have worked, and forking stops."""
    import autograder.launch

    monkeypatch.setattr(autograder.launch, "HOLDER", "not the holder's program")
    with KernelRunner() as runner:
        runner.forking = runner.own_uids = True  # past both trials
        nb = new_notebook(cells=[_setup_cell(), new_code_cell("print('ran')")])
        execution = runner.run(nb, runtime, Limits(startup_timeout=10), savings=Savings(warm_kernel=False))
        assert _forking_expected(runner)
        assert execution.error is None and runner.forking is False and not runner.forked
        assert nb.cells[1].outputs[0]["text"] == "ran\n"
