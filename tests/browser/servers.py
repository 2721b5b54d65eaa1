"""Start and stop the Voilà and JupyterLab servers of the browser tests, and the Chromium
settings they use.

Measured on this kind of machine (see the project's widget-testing notes):
- Voilà runs the notebook while it streams the page; its cell timeout is infinite by default
  and about 1-4 % of runs stall on a kernel reply that already arrived, so we always pass
  ``--VoilaExecutor.timeout`` (the stall then costs that many seconds, not a hang).
- Every GET of ``/`` starts a kernel, so readiness is checked on ``/favicon.ico``.
- Kernels run in their own process session: stopping the server's process group does not
  reach them, so ``stop`` records the server's children first and kills survivors by PID.
- JupyterLab shows a "news" toast unless its notification settings say no, and is ready when
  ``/api/status`` answers.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[2]
VOILA = Path(sys.executable).with_name("voila")

# Debian's chromium, quiet and offline: tests cannot download Playwright's own browsers here.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def chromium_path() -> str | None:
    return shutil.which("chromium")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log_path: Path
    children: set[int] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def remember_children(self) -> None:
        """Note the PIDs of the server's descendants (its kernels), to kill leftovers later."""
        try:
            self.children |= {p.pid for p in psutil.Process(self.process.pid).children(True)}
        except psutil.NoSuchProcess:
            pass

    def kernels(self) -> list[psutil.Process]:
        """The server's running kernels (ipykernel processes among its descendants)."""
        found = []
        for process in psutil.Process(self.process.pid).children(recursive=True):
            try:
                if "ipykernel_launcher" in " ".join(process.cmdline()):
                    found.append(process)
            except psutil.NoSuchProcess:
                pass
        return found

    def stop(self) -> None:
        self.remember_children()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the server shuts its kernels down
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        for pid in self.children:
            try:
                psutil.Process(pid).kill()
            except psutil.NoSuchProcess:
                pass


def _private_dirs(workdir: Path) -> dict[str, str]:
    """Jupyter's runtime, config and IPython folders of one server, under ``workdir``."""
    folders = {"JUPYTER_RUNTIME_DIR": "runtime", "JUPYTER_CONFIG_DIR": "config", "IPYTHONDIR": "ipython"}
    for name in folders.values():
        (workdir / name).mkdir(parents=True, exist_ok=True)
    return {key: str(workdir / name) for key, name in folders.items()}


def _start(command: list[str], cwd: Path, env: dict[str, str], port: int, workdir: Path, ready_path: str,
           ready_timeout: float) -> Server:
    """Start a server and wait until ``ready_path`` answers."""
    log_path = workdir / "server.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(process, port, log_path)
    deadline = time.monotonic() + ready_timeout
    name = Path(command[0]).name
    while True:
        if process.poll() is not None:
            server.stop()
            raise RuntimeError(f"{name} exited with code {process.returncode}:\n{server.log()}")
        if _listening(server.url + ready_path):
            return server
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"{name} not ready after {ready_timeout} s:\n{server.log()}")
        time.sleep(0.2)


def start_voila(notebook: Path, workdir: Path, cell_timeout: int = 30,
                ready_timeout: float = 60, extra_args: Sequence[str] = ()) -> Server:
    """Serve ``notebook`` with Voilà on 127.0.0.1 and a free port; wait until it listens.

    extra_args: more of Voilà's command-line options (e.g. kernel culling).
    """
    port = free_port()
    env = {**os.environ, **_private_dirs(workdir),
           # nnlib from this checkout, even if it is not installed in the environment
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    command = [str(VOILA), str(notebook), "--no-browser", f"--port={port}",
               "--Voila.ip=127.0.0.1", "--Voila.port_retries=0", "--show_tracebacks=True",
               f"--VoilaExecutor.timeout={cell_timeout}", *extra_args]
    return _start(command, notebook.parent, env, port, workdir, "favicon.ico", ready_timeout)


def start_lab(root: Path, bin_dir: Path, workdir: Path, env: dict[str, str],
              ready_timeout: float = 90) -> Server:
    """JupyterLab of the Python environment in ``bin_dir``, on ``root``, 127.0.0.1 and a free
    port, without a token and without its news and update checks; wait until it answers.

    env: the server's environment (a student's: see tests/conftest.py's ``clean_env``).
    """
    port = free_port()
    settings = workdir / "lab-settings"
    notifications = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notifications.parent.mkdir(parents=True, exist_ok=True)
    notifications.write_text('{"fetchNews": "false", "checkForUpdates": false}')
    # Every cell in the page, not only those on screen (Lab 4 windowing), so a test can wait
    # for a widget far down a chapter without scrolling to it first.
    tracker = settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True, exist_ok=True)
    tracker.write_text('{"windowingMode": "none"}')
    command = [str(bin_dir / "jupyter"), "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
               "--ServerApp.port_retries=0", "--IdentityProvider.token=", "--ServerApp.password=",
               "--ServerApp.disable_check_xsrf=True", "--ServerApp.allow_root=True", "--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               f"--LabApp.workspaces_dir={workdir / 'workspaces'}", f"--LabApp.user_settings_dir={settings}"]
    return _start(command, root, {**env, "JUPYTER_RUNTIME_DIR": str(workdir / "runtime")}, port, workdir,
                  "api/status", ready_timeout)


def _listening(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=2)
    except urllib.error.HTTPError:
        return True  # any HTTP answer (e.g. 302 then 403) means the server is up
    except OSError:
        return False
    return True
