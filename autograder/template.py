"""The kernel template: a process that imports the kernel's libraries once, and forks each kernel.

Starting a kernel means starting Python, importing ipykernel and the setup cell's libraries
(numpy, matplotlib): about 0.6 s of CPU (measured), the largest cost of grading a
notebook. A ``KernelTemplate`` (``Savings.fork_kernel``) pays it once per worker: a fresh
interpreter (never a fork of the grader, which holds hidden tests) imports ipykernel without
its debugger and completer engine, and the setup cell's modules that do not come from the
release (``template_modules``: numpy, matplotlib). Never nnlib: the template must not import
the reference nnlib, and the student's build, imported where no kernel runs yet, would choose
otherwise (its progress bars pick tqdm's console flavour, which writes to stderr, where a
kernel picks the notebook's). Each kernel imports it, as before, from the release. Then the
template waits for requests on a socket.

Each kernel is still a new process, forked for one submission and never reused. The
sandbox is built as before (bubblewrap, setpriv, prlimit: ``autograder.confinement``), but
its first process is a *holder* that only waits (``HOLDER``). For each request the template
forks a child that takes on the holder's confinement, read from ``/proc``: its namespaces
(pid, network, IPC, host name, and the mount namespace last, which also gives it the
sandbox's root), working folder, resource limits, environment, supplementary groups, and
user and group ids, with no capability left (bounding, inheritable, permitted, effective)
and ``no_new_privs``. Its own child is the kernel, a member of the sandbox's pid namespace,
so the kernel dies with the sandbox, as before (once its parent has left, the template, a
child subreaper, collects it). The kernel's standard output and error are the log pipe the
grader sent along (``SCM_RIGHTS``); every other descriptor the template held is closed;
``sys.path`` is that of ``python -c`` with the holder's PYTHONPATH; numpy's global random
state, if the template made one, is seeded afresh (Python's ``random`` reseeds itself after
a fork); then it runs the kernel's own command line.

What still differs from a kernel started as a new interpreter, none of it seen by grading:
its standard input is /dev/null (jupyter_client gives a new one a pipe it never writes);
its parent is outside its pid namespace (``os.getppid()`` is 0); its command line in ``/proc``
is the template's; its bounding set is empty;
and matplotlib's configuration folder, read once at import, is the template's, which the
kernel cannot see.

Only where the grader runs as root and the kernel has a user id of its own: the template
then has the privileges to enter the namespaces. Elsewhere, or where a fork fails, the
kernel starts as a new interpreter (``KernelRunner`` falls back, and says nothing: the
grade is the same).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["HOLDER", "KernelTemplate", "TemplateError", "template_modules"]

# The sandbox's first process when the kernel is forked from the template: it only waits,
# ignoring the interrupts meant for the kernel.
HOLDER = ("import signal\n"
          "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
          "while True:\n"
          "    signal.pause()\n")

# The template's program (``python -c``; argv[1]: the modules to import, JSON). It talks to
# the grader on the descriptor argv[2], a SOCK_SEQPACKET socket: a request is JSON ({"holder": pid,
# "argv": the kernel's command line}) with the log pipe's write end attached; the answer is
# the kernel's process id, or "error: ...".
_PROGRAM = r'''
import ctypes, json, os, resource, socket, sys

sys.modules["debugpy"] = sys.modules["jedi"] = None  # as the lean kernel: not loaded
from ipykernel import kernelapp  # noqa: F401 - imported once, here
for name in json.loads(sys.argv[1]):
    try:
        __import__(name)
    except Exception:
        pass
BASE_PATH = [entry for entry in sys.path if entry != ""]
LIBC = ctypes.CDLL(None, use_errno=True)
NAMESPACES = (("ipc", 0x08000000), ("uts", 0x04000000), ("net", 0x40000000), ("pid", 0x20000000),
              ("mnt", 0x00020000))  # the mount namespace last: it also changes the root
PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 1, 24, 36, 38


def check(result, what):
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def drop_capabilities():
    """Every capability left after the change of user (permitted, effective, inheritable: a
    v3 capset of zeros); the bounding set was emptied before it."""

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    check(LIBC.capset(ctypes.byref(Header(0x20080522, 0)), ctypes.byref((ctypes.c_uint32 * 6)())), "capset")


def empty_bounding_set():
    """No capability can ever be gained again (this needs CAP_SETPCAP: before the change of user)."""
    last = int(open("/proc/sys/kernel/cap_last_cap").read())
    for cap in range(last + 1):
        check(LIBC.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), "PR_CAPBSET_DROP")


def holder_confinement(holder):
    """What the holder runs under, read from the host's /proc before entering anything."""
    proc = f"/proc/{holder}"
    with open(f"{proc}/environ", "rb") as handle:
        env = dict(item.split("=", 1) for item in handle.read().decode().split("\0") if "=" in item)
    status = {}
    with open(f"{proc}/status") as handle:
        for line in handle:
            key, _, value = line.partition(":")
            status[key] = value.split()
    if os.stat(f"{proc}/ns/user").st_ino != os.stat("/proc/self/ns/user").st_ino:
        raise OSError("the holder is in a user namespace of its own")
    namespaces = [(os.open(f"{proc}/ns/{name}", os.O_RDONLY), flag) for name, flag in NAMESPACES]
    return {"env": env, "cwd": os.readlink(f"{proc}/cwd"), "namespaces": namespaces,
            "uids": [int(v) for v in status["Uid"][:3]], "gids": [int(v) for v in status["Gid"][:3]],
            "groups": [int(v) for v in status.get("Groups", [])],
            "limits": read_limits(f"{proc}/limits")}


def read_limits(path):
    """resource -> (soft, hard), from /proc/PID/limits, whose rows follow the resources'
    numbers (reading them with prlimit would need CAP_SYS_RESOURCE, which a container may lack)."""
    def value(text):
        return resource.RLIM_INFINITY if text == "unlimited" else int(text)
    limits = {}
    with open(path) as handle:
        rows = handle.read().splitlines()[1:]
    for number, row in enumerate(rows):
        soft, hard = row[26:].split()[:2]
        limits[number] = (value(soft), value(hard))
    return limits


def become_kernel(request, log, answer):
    """In the forked child: take on the holder's confinement, fork the kernel, report its pid."""
    confinement = holder_confinement(request["holder"])
    for fd, flag in confinement["namespaces"]:
        check(LIBC.setns(fd, flag), f"setns {flag:#x}")
        os.close(fd)
    os.chdir(confinement["cwd"])
    for limit, value in confinement["limits"].items():
        resource.setrlimit(limit, value)
    check(LIBC.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "PR_SET_NO_NEW_PRIVS")
    empty_bounding_set()
    os.setgroups(confinement["groups"])
    os.setresgid(*confinement["gids"])
    os.setresuid(*confinement["uids"])
    drop_capabilities()
    kernel = os.fork()  # setns put its children in the sandbox's pid namespace
    if kernel:
        os.write(answer, str(kernel).encode())
        return
    os.setsid()
    null = os.open("/dev/null", os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))
    os.environ.clear()
    os.environ.update(confinement["env"])
    pythonpath = [entry for entry in confinement["env"].get("PYTHONPATH", "").split(os.pathsep) if entry]
    sys.path[:] = ["", *pythonpath, *BASE_PATH]
    sys.argv[:] = ["-c", *request["argv"][3:]]
    import tempfile
    tempfile.tempdir = None
    if "numpy.random" in sys.modules:
        sys.modules["numpy.random"].seed()
    try:
        exec(request["argv"][2], {"__name__": "__main__"})
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def reap():
    """Collect the kernels that ended (orphaned by their parent, they are the template's)."""
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                return
        except ChildProcessError:
            return


def serve(channel):
    channel.send(b"ready")
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(channel, 1 << 20, 4)
        except OSError:
            return
        if not message:
            return
        reap()
        read_end, write_end = os.pipe()
        child = os.fork()
        if child == 0:
            try:
                channel.close()
                os.close(read_end)
                become_kernel(json.loads(message), fds[0], write_end)
            except BaseException as exc:  # noqa: BLE001 - reported to the grader
                import traceback
                where = traceback.extract_tb(exc.__traceback__)[-1]
                os.write(write_end, f"error: {exc!r} (line {where.lineno}: {where.line})".encode())
            finally:
                os._exit(0)
        os.close(write_end)
        for fd in fds:
            os.close(fd)
        answer = b""
        while chunk := os.read(read_end, 4096):
            answer += chunk
        os.close(read_end)
        os.waitpid(child, 0)
        channel.send(answer or b"error: the template's child ended without an answer")


LIBC.prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0)  # the grader's worker ended: end too
LIBC.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)  # the kernels, once their parent left, are ours to collect
serve(socket.socket(fileno=int(sys.argv[2])))
'''


class TemplateError(RuntimeError):
    """The template could not start, or could not fork a kernel."""


def template_modules(modules: tuple[str, ...], runtime: Path) -> tuple[str, ...]:
    """The setup modules the template imports: those that do not come from the release folder
    ``runtime`` (see the module docstring)."""
    def from_release(name: str) -> bool:
        top = name.split(".")[0]
        return (runtime / top).exists() or (runtime / f"{top}.py").exists()

    return tuple(name for name in modules if not from_release(name))


class KernelTemplate:
    """One template process (see the module docstring), for kernels that preimport ``modules``
    (``template_modules``).

    env: the environment it imports under (a kernel's, without PYTHONPATH, with a folder of its
    own for HOME, matplotlib's configuration and temporary files; each kernel then gets its
    holder's environment).
    """

    def __init__(self, modules: tuple[str, ...], env: dict[str, str], timeout: float = 60.0) -> None:
        self.modules = tuple(modules)
        self.folder = Path(tempfile.mkdtemp(prefix="autograder-template-"))
        channel, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.channel = channel
        try:
            env = {**env, "HOME": str(self.folder), "TMPDIR": str(self.folder),
                   "MPLCONFIGDIR": str(self.folder / ".matplotlib"), "IPYTHONDIR": str(self.folder / ".ipython"),
                   # ipykernel sets this for its kernels (if unset) before the setup cell imports
                   # matplotlib; the template imports it first, so it sets the same.
                   "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
            env.pop("PYTHONPATH", None)
            _copy_font_caches(self.folder / ".matplotlib")
            self.process = subprocess.Popen(
                [sys.executable, "-c", _PROGRAM, json.dumps(list(self.modules)), str(theirs.fileno())],
                cwd=self.folder, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, pass_fds=(theirs.fileno(),))
        finally:
            theirs.close()
        self.channel.settimeout(timeout)
        try:
            ready = self.channel.recv(64)
        except OSError as exc:
            self.close()
            raise TemplateError(f"the kernel template did not start: {exc}") from exc
        if ready != b"ready":
            self.close()
            raise TemplateError(f"the kernel template did not start (exit code {self.process.poll()})")

    def fork(self, holder: int, argv: list[str], log_fd: int) -> int:
        """Fork a kernel running ``argv`` (``python -c CODE ARGS...``) under the confinement of
        the sandbox whose first process is ``holder``; its output goes to ``log_fd``. Returns
        the kernel's process id (in the grader's pid namespace)."""
        try:
            socket.send_fds(self.channel, [json.dumps({"holder": holder, "argv": argv}).encode()], [log_fd])
            answer = self.channel.recv(4096).decode()
        except OSError as exc:
            raise TemplateError(f"the kernel template does not answer: {exc}") from exc
        if not answer.isdigit():
            raise TemplateError(answer or "the kernel template ended")
        return int(answer)

    def close(self) -> None:
        self.channel.close()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def _copy_font_caches(folder: Path) -> None:
    """matplotlib's font list, so that the template need not rebuild it."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import matplotlib

        for cache in Path(matplotlib.get_cachedir()).glob("fontlist-*.json"):
            shutil.copy(cache, folder / cache.name)
    except Exception:  # noqa: BLE001 - no matplotlib: nothing to copy
        pass
