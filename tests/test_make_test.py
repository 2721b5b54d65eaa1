"""``make test`` on a bare machine (issue 16, item 5): the Debian packages the tests need.

``make system-packages`` (the first thing ``make test`` does) is run with stand-ins for
``dpkg-query`` (which packages are installed), ``apt-get`` (which records how it was
called) and ``id`` (root or not) first on PATH, as on a machine without Chromium,
bubblewrap and PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from autograder.course import REPO_ROOT

PACKAGES = ["chromium", "bubblewrap", "postgresql"]


def _machine(tmp_path: Path, missing: list[str], uid: int) -> dict[str, str]:
    """An environment whose dpkg-query reports ``missing`` as not installed, run by ``uid``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    scripts = {
        "dpkg-query": f'for p in {" ".join(missing) or "none"}; do [ "$p" = "${{@: -1}}" ] && exit 1; done\n'
                      'printf "install ok installed"\n',
        "apt-get": f'echo "$*" >> {tmp_path / "apt.log"}\n',
        "id": f"echo {uid}\n",
    }
    for name, body in scripts.items():
        path = bin_dir / name
        path.write_text("#!/bin/bash\n" + body)
        path.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}


def _make(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "-s", "-C", str(REPO_ROOT), "system-packages"], env=env, capture_output=True,
                          text=True, timeout=60)


def test_as_root_the_missing_packages_are_installed_with_apt(tmp_path):
    run = _make(_machine(tmp_path, ["chromium", "postgresql"], uid=0))
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "apt.log").read_text().splitlines() == ["update -qq", "install -y -qq chromium postgresql"]


def test_as_another_user_it_stops_at_once_with_the_command_to_run(tmp_path):
    run = _make(_machine(tmp_path, PACKAGES, uid=1000))
    assert run.returncode != 0
    assert "sudo sh -c 'apt-get update && apt-get install -y chromium bubblewrap postgresql'" in run.stderr
    assert not (tmp_path / "apt.log").exists(), "nothing was installed"


@pytest.mark.parametrize("uid", [0, 1000])
def test_nothing_is_installed_where_everything_is_there(tmp_path, uid):
    run = _make(_machine(tmp_path, [], uid=uid))
    assert run.returncode == 0 and not run.stderr
    assert not (tmp_path / "apt.log").exists()


def test_make_test_and_ci_install_through_the_same_target():
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert "\ntest: system-packages install\n" in makefile
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    assert "make test" in ci and "apt-get" not in ci, "CI keeps no install logic of its own"
