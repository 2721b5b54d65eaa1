"""Confinement of one kernel: its sandbox, user id, resource limits, CPU quota.

``Confinement`` is made once per process (it holds the sandbox probe and the counters that
make each kernel's user id and control group its own); ``Confinement.kernel`` decides, for
one kernel, what it runs under (a ``KernelConfinement``), and ``cpu_quota`` puts the started
kernel into a control group of its own.

- Sandbox: bubblewrap (``autograder.sandbox``), where it works and ``Limits.sandbox`` allows.
- User id: RLIMIT_NPROC counts every process of a user id on the machine, and root ignores
  it. So the process limit holds only where the kernel's processes are counted alone: run
  as root, the sandboxed kernel takes a user id of its own (util-linux's setpriv; one per
  kernel alive at a time, from the grader's process id and a counter, far above the ids of
  real accounts); run as another user, the sandbox's user namespace keeps its own count.
  Without the sandbox the process limit is not set. A kernel with a user id of its own gets
  its working folder (``chown``); the scratch folder, which holds its sockets, stays root's,
  writable by others only until the kernel is up (``KernelConfinement.seal``).
- Resource limits: util-linux's ``prlimit`` sets the address space, file size and process
  limits just before the kernel starts (and no core files).
- CPU quota: a control group of its own (``autograder.cgroup``), where the machine allows one.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder.cgroup import KernelCgroup
from autograder.limits import Limits
from autograder.sandbox import Sandbox

__all__ = ["Confinement", "KernelConfinement"]

_KERNEL_UID_BASE = 1_500_000_000


@dataclass(frozen=True)
class KernelConfinement:
    """What one kernel runs under.

    sandboxed: in bubblewrap. kernel_uid: the user id it drops to (run as root), or None.
    process_limit: ``Limits.processes`` is in force (its processes are counted alone).
    disk: bytes of its tmpfs working folder, or None (a folder on disk, no limit).
    wrapper: the command line put before the kernel's own (bubblewrap, then prlimit).
    """

    sandboxed: bool
    kernel_uid: int | None
    process_limit: bool
    disk: int | None
    wrapper: tuple[str, ...]

    def seal(self, scratch: Path) -> None:
        """The kernel is up and its sockets exist: from now on it can write only in its working
        folder (a tmpfs of ``Limits.disk``), not next to its sockets on the host."""
        if self.kernel_uid is not None:
            scratch.chmod(0o555)


class Confinement:
    """The means of confinement of this process, for the kernels it starts one after another."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self._uids = itertools.count()
        self._groups = itertools.count()

    def kernel(self, limits: Limits, runtime: Path, scratch: Path, own_uid: bool = True,
               grader_processes: int = 0) -> KernelConfinement:
        """How the next kernel, with its scratch folder ``scratch``, is confined; gives its
        working folder to its user id where it has one.

        own_uid: False where a kernel could not start under a user id of its own here (the
        kernel then runs without one, and without the process limit).
        grader_processes: processes of the grader's own that run under the kernel's user id
        (the sandbox's keeper, the copies kept for the hidden tests): the process limit is
        raised by as many, so that the student's code still gets ``Limits.processes``.
        """
        sandboxed = self.sandbox.available if limits.sandbox is None else bool(limits.sandbox)
        kernel_uid, counted_alone = self._isolation(sandboxed, own_uid)
        disk = limits.disk if sandboxed and self.sandbox.sized_tmpfs else None
        process_limit = bool(counted_alone and limits.processes)
        if kernel_uid is not None:
            # The kernel creates its sockets in the scratch folder, which stays root's: writable
            # by others only until the kernel is ready (see ``KernelConfinement.seal``).
            scratch.chmod(0o733)
            if not disk:
                _give_to(scratch / "work", kernel_uid)
        wrapper = self.sandbox.command(runtime, scratch, kernel_uid, disk) if sandboxed else []
        return KernelConfinement(sandboxed, kernel_uid, process_limit, disk,
                                 tuple(wrapper + _limits_command(limits, process_limit, grader_processes)))

    def _isolation(self, sandboxed: bool, own_uid: bool) -> tuple[int | None, bool]:
        """(the user id the kernel drops to, or None; whether its processes are counted alone)."""
        if not sandboxed:
            return None, False
        if os.geteuid() != 0:
            return None, True
        if not own_uid or not shutil.which("setpriv"):
            return None, False
        return _KERNEL_UID_BASE + (os.getpid() % (1 << 22)) * 16 + next(self._uids) % 16, True

    def cpu_quota(self, pid: int | None, cpus: float | None) -> KernelCgroup | None:
        """Put the just-started kernel ``pid`` (and whatever it starts later) under a CPU quota of
        ``cpus`` cores; the group, or None where no quota can be set here."""
        if not cpus or pid is None or not sys.platform.startswith("linux"):
            return None
        group = KernelCgroup.create(f"autograder-{os.getpid()}-{next(self._groups)}", cpus)
        if group is not None and not group.add_tree(pid):
            group.remove(wait=0)
            return None
        return group


def _limits_command(limits: Limits, process_limit: bool, grader_processes: int = 0) -> list[str]:
    """Resource limits set by util-linux's prlimit just before the kernel starts."""
    prlimit = shutil.which("prlimit")
    if not prlimit or not sys.platform.startswith("linux"):
        return []
    options = ["--core=0"]
    if limits.memory:
        options.append(f"--as={int(limits.memory)}")
    if limits.file_size:
        options.append(f"--fsize={int(limits.file_size)}")
    if process_limit:
        options.append(f"--nproc={int(limits.processes) + int(grader_processes)}")
    return [prlimit, *options, "--"]


def _give_to(folder: Path, uid: int) -> None:
    """Make ``folder`` and what it holds (not what its links point to) belong to ``uid``.

    The folder stays open to others for lookup (0711): bubblewrap, root without capabilities
    by then, must enter it to start the kernel there.
    """
    for path in [folder, *folder.rglob("*")]:
        os.lchown(path, uid, uid)
    folder.chmod(0o711)
