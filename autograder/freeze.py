"""Code run in the kernel that keeps a copy of it at each hidden region, for the hidden tests to run in later.

No student code may run after a hidden test in a process whose output reaches the student:
student code that runs later could read the hidden source back from the kernel's memory
(IPython's history, ``linecache``, code objects and their constants, frames, the last
traceback) and print it in any encoding. So the student's notebook runs first with every
hidden region left out (``autograder.hidden``), and where a hidden region stood, the
kernel forks (``FREEZE``): the copy is the kernel exactly as it was at that point, and it
waits. Once the student's last cell has run, the grader hands each copy its hidden region
(``autograder.deferred``); the copy runs it and answers with its verdict, and nothing else
it prints or shows goes anywhere. The kernel itself never holds a line of hidden code.

``SETUP`` (run once, before any cell) defines ``__autograder_freeze(number, ends_cell)``,
the freeze point of hidden region ``number``, and keeps ``reserves`` idle processes: the
copies count towards the kernel's process limit, so each freeze point first ends one
reserve and takes its place (a fork bomb in the notebook cannot leave the hidden tests
without a copy; a cell where no copy can be made fails with ``BlockingIOError``).

A copy talks to the grader through two named pipes in ``folder``, both opened as soon as
it is made (so that its end, even before it answers, closes them): ``<number>.in`` brings
``"<nonce> <seconds> <length>\\n"`` and the hidden source; ``<number>.out`` takes one line of
JSON: ``{"nonce", "status": "ok" | "error", "ename", "evalue", "traceback", "stderr",
"value"}`` (``value``: the text of the cell's value when the region ends the cell, which
is nbgrader's partial credit). The copy runs the guard first (``autograder.guard``), then
the region, compiled under a file name that ``linecache`` does not know; it stops itself
after ``seconds`` (an alarm, then the CPU time limit). Copies and reserves ignore SIGINT:
an interrupt of the kernel's process group is for the kernel.
"""

from __future__ import annotations

__all__ = ["SETUP", "freeze_call", "setup_code"]

SETUP = r'''
def __autograder_freezer(folder, reserves):
    import ast, json, os, resource, signal, sys, traceback, warnings

    idle = []

    def fork():
        with warnings.catch_warnings():  # Python 3.12 warns about forking a process with threads
            warnings.simplefilter("ignore", DeprecationWarning)
            return os.fork()

    def rest():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        while True:
            signal.pause()

    for _ in range(reserves):
        try:
            pid = fork()
        except OSError:
            break
        if pid == 0:
            try:
                rest()
            finally:
                os._exit(0)
        idle.append(pid)

    class Bounded:
        """A text stream that keeps its first ``size`` characters."""

        def __init__(self, size):
            self.size, self.parts, self.kept = size, [], 0

        def write(self, text):
            text = str(text)
            if self.kept < self.size:
                self.parts.append(text[: self.size - self.kept])
                self.kept += len(self.parts[-1])
            return len(text)

        def flush(self):
            pass

        def isatty(self):
            return False

        def text(self):
            return "".join(self.parts)

    def read_exactly(fd, size):
        data = b""
        while len(data) < size:
            chunk = os.read(fd, size - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    def read_line(fd):
        data = b""
        while not data.endswith(b"\n"):
            data += read_exactly(fd, 1)
        return data.decode("ascii")

    def run(number, ends_cell):
        shell = get_ipython()
        errors = Bounded(65536)
        sys.stdout, sys.stderr = Bounded(0), errors
        shell.display_pub.publish = lambda *args, **kwargs: None
        shell.kernel.session.send = lambda *args, **kwargs: None
        # Both pipes open now: while this copy lives, the grader never reads an end of file.
        channel = os.open(os.path.join(folder, f"{number}.in"), os.O_RDWR)
        answer = os.open(os.path.join(folder, f"{number}.out"), os.O_RDWR)
        os.write(ready, b"1")
        os.close(ready)
        nonce, seconds, length = read_line(channel).split()
        source = read_exactly(channel, int(length)).decode("utf-8")
        os.close(channel)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        signal.alarm(max(1, int(seconds)))
        cpu = max(1, int(seconds)) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        result = {"nonce": nonce}
        try:
            before_test = shell.user_ns.get("__autograder_before_test")
            if before_test is not None:
                before_test(shell.user_ns, shell)
            tree = ast.parse(source)
            last = tree.body.pop() if ends_cell and tree.body and isinstance(tree.body[-1], ast.Expr) else None
            exec(compile(tree, "<hidden tests>", "exec"), shell.user_ns)
            if last is not None:
                value = eval(compile(ast.Expression(last.value), "<hidden tests>", "eval"), shell.user_ns)
                if value is not None:
                    result["value"] = str(shell.display_formatter.format(value)[0].get("text/plain", ""))[:200]
            result["status"] = "ok"
        except BaseException as exc:
            result["status"] = "error"
            result["ename"] = str(type(exc).__name__)[:200]
            try:
                result["evalue"] = str(exc)[:2000]
                result["traceback"] = [line[:500] for line in traceback.format_exception(exc)[-20:]]
            except BaseException:
                result.setdefault("evalue", "")
        result["stderr"] = errors.text()
        payload = (json.dumps(result) + "\n").encode("utf-8")
        while payload:
            payload = payload[os.write(answer, payload):]

    def freeze(number, ends_cell):
        nonlocal ready
        if idle:
            pid = idle.pop()
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except OSError:
                pass
        ready_read, ready = os.pipe()
        pid = fork()  # BlockingIOError at the process limit: this cell fails
        if pid:
            os.close(ready)
            import select
            select.select([ready_read], [], [], 10)  # the copy has opened its pipe
            os.close(ready_read)
            return
        try:
            os.close(ready_read)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            run(number, ends_cell)
        finally:
            os._exit(0)

    ready = -1
    return freeze

__autograder_freeze = __autograder_freezer({folder!r}, {reserves!r})
del __autograder_freezer
'''


def setup_code(folder: str, reserves: int) -> str:
    """``SETUP`` for a kernel whose named pipes are in ``folder``, keeping ``reserves`` processes."""
    return SETUP.replace("{folder!r}", repr(str(folder))).replace("{reserves!r}", repr(int(reserves)))


def freeze_call(number: int, ends_cell: bool) -> str:
    """The line of code that stands for hidden region ``number`` in a test cell."""
    return f"__autograder_freeze({int(number)}, {bool(ends_cell)})"
