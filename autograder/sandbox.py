"""The bubblewrap sandbox of a student's kernel: probed once per process, one command line per kernel.

``Sandbox.probe()`` checks that bubblewrap can build a sandbox here (``bwrap --ro-bind / /
--unshare-net --unshare-pid true``; Linux only; ``AUTOGRADER_SANDBOX=off`` in the
environment turns it off) and whether it can size a tmpfs (``--size``, bubblewrap 0.7 and
later). ``Sandbox.command`` is the bubblewrap command line put before one kernel's own:

- read-only: the system's programs (``/usr``, ``/etc``, the ``/bin``/``/lib`` links), the
  Python environment the grader runs from, the release folder the kernel imports from;
- writable: the kernel's scratch folder (its sockets, until the kernel is up), and its
  working folder ``scratch/work``, which with a disk limit is a tmpfs of that size;
- nothing else of the machine (no /work, /root, /home, no other /tmp), no network, its own
  process numbering, no capabilities, and it dies with the grader.

Who the kernel is inside (a user id of its own, or a user namespace) is decided by
``autograder.confinement``; the command only carries it out.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Sandbox"]

# The system's top folders, read-only in the sandbox (a link stays a link).
_SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")


@dataclass(frozen=True)
class Sandbox:
    """What bubblewrap can do on this machine.

    bwrap: its path, or None where it cannot build a sandbox here. sized_tmpfs: it can make a
    tmpfs of a given size (``--size``), so the disk limit can be enforced.
    """

    bwrap: str | None = None
    sized_tmpfs: bool = False

    @property
    def available(self) -> bool:
        return self.bwrap is not None

    @classmethod
    def probe(cls) -> Sandbox:
        """Try bubblewrap here (a few milliseconds; do it once per process)."""
        if not sys.platform.startswith("linux") or os.environ.get("AUTOGRADER_SANDBOX", "") == "off":
            return cls()
        bwrap = shutil.which("bwrap")
        probe = [str(bwrap), "--ro-bind", "/", "/", "--unshare-net", "--unshare-pid", "true"]
        if not bwrap or not _succeeds(probe):
            return cls()
        return cls(bwrap, _succeeds(probe[:4] + ["--size", "1048576", "--tmpfs", "/tmp"] + probe[4:]))

    def command(self, runtime: Path, scratch: Path, kernel_uid: int | None = None,
                disk: int | None = None) -> list[str]:
        """bubblewrap's command line for one kernel, up to and including its final ``--``.

        runtime: the release folder, read-only. scratch: the kernel's scratch folder, writable.
        disk: the kernel's working folder (``scratch/work``) is a fresh tmpfs of this many bytes,
        holding links to the release's files and matplotlib's font list, instead of the host's
        folder; the scratch folder itself then only holds the kernel's sockets.
        kernel_uid: run as root, the kernel drops to this user id (util-linux's setpriv); run
        as another user, the sandbox gets a user namespace. Either way the kernel is not root
        inside, and the process limit counts only its own processes.
        """
        binds = _python_binds() + [(str(runtime), str(runtime))]
        command = [str(self.bwrap)] + _system_mounts()
        for holder in _holders({target for _, target in binds} | {str(scratch)}):
            command += ["--perms", "0755", "--dir", holder]
        for source, target in binds:
            command += ["--ro-bind", source, target]
        command += ["--bind", str(scratch), str(scratch)]
        if disk:
            command += _sized_work(scratch / "work", disk)
        command += [
            # The folders bubblewrap made to hold those (e.g. the parents of the release folder)
            # are read-only too: the scratch folder (its sockets, until the kernel is up) and the
            # working folder are the only places the kernel can write.
            "--remount-ro", "/tmp", "--remount-ro", "/",
            "--chdir", str(scratch / "work"),
            "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--die-with-parent", "--cap-drop", "ALL",
        ]
        return command + _user(kernel_uid) + ["--"]


def _succeeds(command: list[str]) -> bool:
    try:
        return subprocess.run(command, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _system_mounts() -> list[str]:
    """The system's folders read-only, fresh /dev and /proc, and a private /tmp.

    The private /tmp comes before every other bind: bubblewrap mounts in order, so whatever is
    bound after it (a Python environment or a release that lives under /tmp) stays visible on
    top of it.
    """
    command = []
    for top in _SYSTEM:
        path = Path(top)
        if path.is_symlink():
            command += ["--symlink", os.readlink(path), top]
        elif path.is_dir():
            command += ["--ro-bind", top, top]
    return command + ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]


def _python_binds() -> list[tuple[str, str]]:
    """(source, target) of the Python environment the grader runs from, outside the system's folders."""
    pythons = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), Path(sys.executable).resolve().parent.parent}
    binds = [(str(p), str(p)) for p in sorted(pythons)
             if not any(str(p).startswith(top + "/") for top in ("/usr", "/bin", "/lib", "/etc"))]
    if Path(sys.prefix) != Path(sys.prefix).resolve():
        binds.append((str(Path(sys.prefix).resolve()), sys.prefix))
    return binds


def _holders(targets: set[str]) -> list[str]:
    """The folders that hold the mounts, outermost first, to be made 0755.

    bubblewrap makes them with their host modes; a Python under /root (0700) would be out of
    reach of the kernel's own user id. They hold nothing but the mounts.
    """
    return sorted({str(parent) for target in targets for parent in Path(target).parents
                   if str(parent) not in ("/", "/tmp") and str(parent) not in targets
                   and not str(parent).startswith(("/usr", "/etc", "/proc", "/dev"))},
                  key=lambda p: p.count("/"))


def _sized_work(work: Path, disk: int) -> list[str]:
    """The working folder as a tmpfs of ``disk`` bytes, with the links and font list of the host's."""
    command = ["--perms", "01777", "--size", str(int(disk)), "--tmpfs", str(work)]
    for entry in sorted(work.iterdir()):
        if entry.is_symlink():
            command += ["--symlink", os.readlink(entry), str(entry)]
    command += ["--perms", "0777", "--dir", str(work / ".matplotlib")]
    for cache in sorted((work / ".matplotlib").glob("fontlist-*.json")):
        command += ["--ro-bind", str(cache), str(cache)]
    return command


def _user(kernel_uid: int | None) -> list[str]:
    """Who the kernel is inside: ``kernel_uid`` through setpriv, or a user namespace."""
    if kernel_uid is not None:
        # setpriv needs these two to change user; the change itself clears every capability.
        return ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--",
                shutil.which("setpriv") or "setpriv", f"--reuid={kernel_uid}", f"--regid={kernel_uid}",
                "--clear-groups", "--inh-caps=-all", "--no-new-privs"]
    return ["--unshare-user"] if os.geteuid() != 0 else []
