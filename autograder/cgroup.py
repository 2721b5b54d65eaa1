"""A CPU quota over one kernel's whole process tree, where the machine lets us set one.

Without it, a notebook that starts many busy processes takes CPU from the other workers'
kernels for as long as its budget lasts. A control group with a CPU quota caps the kernel's
whole process tree at ``cpus`` cores, however many processes it runs.

Control groups are set up by writing to ``/sys/fs/cgroup``, which needs root (or a delegated
subtree) and a writable cgroup file system; many containers and most laptops give neither.
So this is opportunistic: ``KernelCgroup.create`` returns None when it cannot make the group,
and the grader goes on without the quota (the summary says so). Both layouts are handled:

- cgroup v1: a group in the ``cpu`` hierarchy, with ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us``;
- cgroup v2: a child of the grader's own group, with ``cpu.max`` (needs the ``cpu`` controller
  enabled for the children of that group).
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

__all__ = ["KernelCgroup"]

ROOT = Path("/sys/fs/cgroup")
PERIOD_US = 100_000


class KernelCgroup:
    """One control group per kernel: ``create``, ``add_tree(pid)``, then ``remove``."""

    def __init__(self, path: Path, procs: Path) -> None:
        self.path = path
        self.procs = procs

    @classmethod
    def create(cls, name: str, cpus: float) -> KernelCgroup | None:
        """A new group limited to ``cpus`` cores, or None where none can be made here."""
        quota = str(max(1000, int(cpus * PERIOD_US)))
        v1 = ROOT / "cpu"
        if (v1 / "cpu.cfs_quota_us").is_file():
            return cls._make(v1 / name, {"cpu.cfs_period_us": str(PERIOD_US), "cpu.cfs_quota_us": quota})
        own = _own_v2_group()
        if own is not None and "cpu" in _read(own / "cgroup.subtree_control").split():
            return cls._make(own / name, {"cpu.max": f"{quota} {PERIOD_US}"})
        return None

    @classmethod
    def _make(cls, path: Path, settings: dict[str, str]) -> KernelCgroup | None:
        try:
            path.mkdir()
        except OSError:
            return None
        group = cls(path, path / "cgroup.procs")
        try:
            for name, value in settings.items():
                (path / name).write_text(value)
        except OSError:
            group.remove()
            return None
        return group

    def add_tree(self, pid: int) -> bool:
        """Move ``pid`` and all its descendants into the group (what they start later follows)."""
        for member in [pid, *_descendants(pid)]:
            try:
                self.procs.write_text(str(member))
            except ProcessLookupError:
                continue  # it exited meanwhile
            except OSError:
                return False
        return True

    def members(self) -> list[int]:
        return [int(line) for line in _read(self.procs).split()]

    def remove(self, wait: float = 10.0) -> None:
        """Kill whatever is still in the group, then delete it. The kernel has been killed by
        then; this also catches a process that left its process group (and, without the
        sandbox, its pid namespace), since it cannot leave the group."""
        give_up = time.monotonic() + wait
        while True:
            for pid in self.members():
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                if time.monotonic() > give_up:
                    return
                time.sleep(0.05)


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _own_v2_group() -> Path | None:
    """The grader's own cgroup v2 folder, if the unified hierarchy is mounted at /sys/fs/cgroup."""
    if not (ROOT / "cgroup.controllers").is_file():
        return None
    for line in _read(Path("/proc/self/cgroup")).splitlines():
        if line.startswith("0::"):
            return ROOT / line[3:].strip().lstrip("/")
    return None


def _descendants(pid: int) -> list[int]:
    """Every process started by ``pid``, through ``/proc/<pid>/task/<tid>/children``."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in (Path("/proc") / str(parent) / "task").glob("*"):
            for child in _read(task / "children").split():
                found.append(int(child))
                todo.append(int(child))
    return found

