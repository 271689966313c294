"""One server process per notebook host (Voila, marimo, Panel), started the same way.

A :class:`HostServer` is a command line with a ``{port}`` placeholder, run in its
own process group on 127.0.0.1 with a private config/home folder, and ready when
``GET ready_path`` answers below 500. :func:`voila`, :func:`marimo` and
:func:`panel` build the command for each host. To add a host: write its app
under ``apps/``, a factory here that returns a ``HostServer``, and an entry in
``conftest.py``'s ``HOSTS``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from ..jupyter_server import _descendants, _free_port, _kill

APPS = Path(__file__).resolve().parent / "apps"


class HostServer:
    """A host's server: ``command`` (``{port}`` filled in) run until :meth:`stop`.

    Parameters
    ----------
    name
        The host's name in test ids and screenshots (``voila``, ``marimo-run``, ...).
    command
        Argument list; every ``{port}`` in it is replaced by a free port.
    base_dir
        Private folder: the server's cwd, its ``HOME``/``XDG_CONFIG_HOME`` and ``server.log``.
    env
        Extra environment (e.g. ``RUBRIX_WIDGETS_HOME``, the host workspace).
    path
        The page the browser opens (``url`` = base URL + ``path``).
    ready_path
        Polled until it answers with a status below 500.
    """

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        *,
        base_dir: Path,
        env: dict[str, str],
        path: str = "/",
        ready_path: str = "/",
        startup_timeout: float = 90.0,
    ) -> None:
        self.name = name
        self.command = list(command)
        self.base_dir = Path(base_dir)
        self.env = env
        self.path = path
        self.ready_path = ready_path
        self.startup_timeout = startup_timeout
        self.port = 0
        self.log_path = self.base_dir / "server.log"
        self.startup_seconds: float | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, query: str = "") -> str:
        """The app's page, with ``query`` (e.g. ``"theme=dark"``) appended."""
        if not query:
            return self.base_url + self.path
        return self.base_url + self.path + ("&" if "?" in self.path else "?") + query

    def start(self) -> HostServer:
        """Start the process and wait until ``ready_path`` answers (raises with the log)."""
        self.base_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env.update(
            HOME=str(self.base_dir / "home"),
            XDG_CONFIG_HOME=str(self.base_dir / "home" / ".config"),
            JUPYTER_CONFIG_DIR=str(self.base_dir / "jupyter-config"),
            JUPYTER_DATA_DIR=str(self.base_dir / "jupyter-data"),
            JUPYTER_RUNTIME_DIR=str(self.base_dir / "jupyter-runtime"),
            IPYTHONDIR=str(self.base_dir / "ipython"),
            PYTHONUNBUFFERED="1",
        )
        env.pop("ANYWIDGET_HMR", None)
        env.pop("JUPYTER_PATH", None)
        env.update(self.env)
        started = time.monotonic()
        self.port = _free_port()
        command = [part.replace("{port}", str(self.port)) for part in self.command]
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self._process = subprocess.Popen(
            command,
            cwd=self.base_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # one process group, killed as a whole in stop()
        )
        while True:
            if self._process.poll() is not None:
                code = self._process.returncode
                self.stop()
                raise RuntimeError(
                    f"{self.name} exited with code {code} before answering:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(self.base_url + self.ready_path, timeout=5):
                    break
            except urllib.error.HTTPError as exc:
                if exc.code < 500:
                    break
            except OSError:
                pass
            if time.monotonic() - started > self.startup_timeout:
                self.stop()
                raise TimeoutError(
                    f"{self.name} did not answer {self.ready_path} within "
                    f"{self.startup_timeout:.0f} s:\n{self.log_tail()}"
                )
            time.sleep(0.2)
        self.startup_seconds = time.monotonic() - started
        return self

    def stop(self) -> None:
        """SIGTERM the process group, SIGKILL what remains (kernels included)."""
        process, self._process = self._process, None
        if process is not None:
            children = _descendants(process.pid)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
            _kill(children)
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def voila(notebook: Path, base_dir: Path, env: dict[str, str]) -> HostServer:
    """``voila notebook.ipynb``: every page load runs the notebook in a new kernel.

    ``?theme=dark`` picks the dark theme per page (``allow_theme_override``).
    """
    token = secrets.token_hex(16)
    command = [
        sys.executable, "-m", "voila", str(notebook), "--no-browser", "--port={port}",
        "--Voila.ip=127.0.0.1", f"--token={token}", "--Voila.port_retries=0",
        "--VoilaConfiguration.allow_theme_override=YES",
    ]  # fmt: skip
    return HostServer(
        "voila", command, base_dir=base_dir, env=env,
        path=f"/?token={token}", ready_path=f"/voila/api/themes?token={token}",
    )  # fmt: skip


MARIMO_CONFIG = """\
# Written by tests/browser/hosts: a private marimo config for the test server.
[display]
theme = "system"        # follows the browser's prefers-color-scheme (Playwright emulates it)
[runtime]
auto_instantiate = true # `marimo edit` runs the cells on open, as `marimo run` does
[save]
autosave = "off"        # the app file in the repo is never rewritten
[completion]
activate_on_typing = false
"""


def marimo(mode: str, app: Path, base_dir: Path, env: dict[str, str]) -> HostServer:
    """``marimo run|edit app.py`` headless, without a token, with a private config.

    The theme is ``system``: the test picks light or dark with Playwright's
    ``color_scheme``.
    """
    config = base_dir / "home" / ".config" / "marimo" / "marimo.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(MARIMO_CONFIG)
    command = [
        sys.executable, "-m", "marimo", "-q", "-y", mode, str(app), "--headless",
        "--host=127.0.0.1", "--port={port}", "--no-token", "--no-sandbox",
    ]  # fmt: skip
    if mode == "edit":
        command.append("--skip-update-check")
    else:
        command.append("--session-ttl=2")  # a closed page's kernel goes at once (2 cores)
    return HostServer(f"marimo-{mode}", command, base_dir=base_dir, env=env, ready_path="/health")


def panel(app: Path, base_dir: Path, env: dict[str, str], static: Path) -> HostServer:
    """``panel serve app.py``; ``static`` is served at ``/npm`` (the widget front ends
    ipywidgets_bokeh would otherwise fetch from unpkg.com; see ``apps/panel_app.py``)."""
    name = app.stem
    command = [
        sys.executable, "-m", "panel", "serve", str(app), "--address=127.0.0.1",
        "--port={port}", "--allow-websocket-origin=127.0.0.1:{port}",
        f"--static-dirs=npm={static}",
    ]  # fmt: skip
    return HostServer("panel", command, base_dir=base_dir, env=env, path=f"/{name}")
