"""Run JupyterLab 4 / Notebook 7 offline and drive notebooks in them from Playwright.

A server runs in its own process group, on 127.0.0.1, with a random token and
Jupyter config/data/runtime dirs inside a temp folder, so nothing from the
user's ``~/.jupyter`` leaks in. Kernels are the test's own Python
(``sys.executable``, i.e. the venv with ``rubrix_widgets``), through a kernelspec
written into the isolated data dir. Widget front ends (``jupyterlab_widgets``,
anywidget) are still found in ``sys.prefix/share/jupyter/labextensions``, which
stays on the Jupyter path.

The kernel reports to the test through a JSON file written atomically (temp
file + rename): notebooks built by :func:`write_notebook` start with a prelude
cell defining ``report(**values)``, and the test polls with
:func:`wait_for_report`. Errors raised by any cell are reported too (key
``_error``), so a broken notebook fails the test at once instead of timing out.

Typical use (see ``test_smoke_browser.py``)::

    nb = open_notebook(page, server, ["report(ready=True)"], name="demo",
                       report_path=tmp_path / "report.json", workspace=workspace)
    assert wait_for_report(tmp_path / "report.json", "ready")["ready"] is True
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import nbformat

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "test-output" / "screenshots"
KERNEL_NAME = "rubrix-widgets-test"

App = Literal["lab", "notebook"]

DEFAULT_USER_SETTINGS: dict[str, dict[str, Any]] = {
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
}

_MISSING: Any = object()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _descendants(pid: int) -> list[Any]:
    """The live descendants of ``pid`` as psutil processes (kernels have their own groups)."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil comes with ipykernel
        return []
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def _kill(processes: Iterable[Any]) -> None:
    """SIGKILL what is still alive (psutil refuses a pid reused by another process)."""
    import psutil

    for process in processes:
        with contextlib.suppress(psutil.Error):
            process.kill()


class JupyterServer:
    """A JupyterLab (``app="lab"``) or Notebook 7 (``app="notebook"``) server.

    Parameters
    ----------
    app
        ``"lab"`` runs ``jupyter lab``, ``"notebook"`` runs ``jupyter notebook``.
    root_dir
        The folder the server serves (notebooks are written there).
    base_dir
        Where the isolated Jupyter dirs and ``server.log`` go; a new temp
        folder by default (removed on :meth:`stop`).
    startup_timeout
        Seconds to wait for ``GET /api/status`` to answer 200.
    extra_args
        More command-line arguments for the server.
    user_settings
        JupyterLab/Notebook user settings by plugin id; by default
        :data:`DEFAULT_USER_SETTINGS` (every cell rendered, no windowing, so
        locators find outputs that are scrolled out of view).

    Examples
    --------
    >>> with JupyterServer("lab", root_dir=tmp) as server:  # doctest: +SKIP
    ...     page.goto(server.url_for("demo.ipynb"))
    """

    def __init__(
        self,
        app: App = "lab",
        root_dir: str | os.PathLike[str] | None = None,
        *,
        base_dir: str | os.PathLike[str] | None = None,
        startup_timeout: float = 60.0,
        extra_args: Sequence[str] = (),
        user_settings: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        if app not in ("lab", "notebook"):
            raise ValueError(f"app {app!r} is not one of 'lab', 'notebook'")
        self.app: App = app
        self._own_base = base_dir is None
        self.base_dir = Path(base_dir or tempfile.mkdtemp(prefix=f"jupyter-{app}-"))
        self.root_dir = Path(root_dir) if root_dir is not None else self.base_dir / "root"
        self.startup_timeout = startup_timeout
        self.extra_args = list(extra_args)
        self.user_settings = DEFAULT_USER_SETTINGS if user_settings is None else user_settings
        self.token = secrets.token_hex(16)
        self.port = 0
        self.log_path = self.base_dir / "server.log"
        self.startup_seconds: float | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file: Any = None
        self._process_returncode: int | None = None

    # -- lifecycle ----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _prepare_dirs(self) -> dict[str, str]:
        dirs = {
            "JUPYTER_CONFIG_DIR": self.base_dir / "config",
            "JUPYTER_DATA_DIR": self.base_dir / "data",
            "JUPYTER_RUNTIME_DIR": self.base_dir / "runtime",
            "IPYTHONDIR": self.base_dir / "ipython",
        }
        for folder in (*dirs.values(), self.root_dir):
            folder.mkdir(parents=True, exist_ok=True)
        # No announcements/news toast covering the page (Lab and Notebook 7 both read this).
        labconfig = dirs["JUPYTER_CONFIG_DIR"] / "labconfig"
        labconfig.mkdir(exist_ok=True)
        (labconfig / "page_config.json").write_text(
            json.dumps(
                {
                    "disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True},
                    # No "build recommended" dialog, no `node yarn.js config` per Lab page load.
                    "buildCheck": False,
                    "buildAvailable": False,
                }
            )
        )
        # User settings, e.g. "@jupyterlab/notebook-extension:tracker" ->
        # config/lab/user-settings/@jupyterlab/notebook-extension/tracker.jupyterlab-settings
        user_settings = dirs["JUPYTER_CONFIG_DIR"] / "lab" / "user-settings"
        for plugin, values in self.user_settings.items():
            package, _, name = plugin.partition(":")
            target = user_settings / package / f"{name}.jupyterlab-settings"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(values))
        # The kernel is this very Python (the venv with rubrix_widgets installed).
        kernel_dir = dirs["JUPYTER_DATA_DIR"] / "kernels" / KERNEL_NAME
        kernel_dir.mkdir(parents=True, exist_ok=True)
        (kernel_dir / "kernel.json").write_text(
            json.dumps(
                {
                    "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                    "display_name": "Python 3 (rubrix_widgets tests)",
                    "language": "python",
                    "metadata": {"debugger": False},
                }
            )
        )
        return {key: str(value) for key, value in dirs.items()}

    def _command(self) -> list[str]:
        common = [
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--port-retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root_dir}",
            "--allow-root",
            "--ServerApp.terminals_enabled=False",  # no test needs one
        ]
        if self.app == "lab":
            app_args = [
                "--LabApp.expose_app_in_browser=True",
                "--LabApp.news_url=None",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            ]
        else:
            app_args = ["--JupyterNotebookApp.expose_app_in_browser=True"]
        return [sys.executable, "-m", "jupyter", self.app, *common, *app_args, *self.extra_args]

    def start(self) -> JupyterServer:
        """Start the server and wait until ``/api/status`` answers (raises on timeout)."""
        if self._process is not None:
            raise RuntimeError("this JupyterServer is already running")
        env = dict(os.environ)
        env.update(self._prepare_dirs())
        env.pop("JUPYTER_PATH", None)
        env.pop("JUPYTER_CONFIG_PATH", None)
        # A notebook that forgets rb.init(workspace=...) still stays out of ~.
        env["RUBRIX_WIDGETS_HOME"] = str(self.base_dir / "default-workspace")
        env["PYTHONUNBUFFERED"] = "1"
        env.pop("ANYWIDGET_HMR", None)
        started = time.monotonic()
        for attempt in range(3):
            self.port = _free_port()
            if self._launch(env, started + self.startup_timeout):
                break
            # Another process took the free port between our probe and the server's bind.
            in_use = "already in use" in self.log_tail(10)
            if not in_use or attempt == 2:
                log = self.log_tail()
                raise RuntimeError(
                    f"jupyter {self.app} exited with code {self._process_returncode} "
                    f"before answering; log {self.log_path}:\n{log}"
                )
        self.startup_seconds = time.monotonic() - started
        return self

    def _launch(self, env: dict[str, str], deadline: float) -> bool:
        """Run the server; True once it answers, False if it exited first."""
        self._log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self._process = subprocess.Popen(
            self._command(),
            cwd=self.root_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as a whole in stop()
        )
        while True:
            if self._process.poll() is not None:
                self._stop_process()
                return False
            try:
                self.api("/api/status", timeout=2)
                return True
            except (OSError, urllib.error.URLError):
                if time.monotonic() > deadline:
                    log = self.log_tail()
                    self.stop()
                    raise TimeoutError(
                        f"jupyter {self.app} did not answer /api/status within "
                        f"{self.startup_timeout:.0f} s; log {self.log_path}:\n{log}"
                    ) from None
                time.sleep(0.1)

    def stop(self) -> None:
        """Shut down kernels and the server; kill what remains (process group + kernels)."""
        self._stop_process()
        if self._own_base:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def _stop_process(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            children = _descendants(process.pid)
            if process.poll() is None:
                # A clean shutdown also shuts its kernels down.
                with contextlib.suppress(OSError, urllib.error.URLError):
                    self.api("/api/shutdown", method="POST", timeout=5)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(process.pid, signal.SIGTERM)
                    try:
                        process.wait(timeout=5)
                    except subprocess.TimeoutExpired:
                        with contextlib.suppress(ProcessLookupError, PermissionError):
                            os.killpg(process.pid, signal.SIGKILL)
                        process.wait(timeout=5)
            self._process_returncode = process.returncode
            # Kernels live in their own process groups: make sure none survives.
            _kill(children)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def __enter__(self) -> JupyterServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- REST ---------------------------------------------------------------------------

    def api(self, path: str, *, method: str = "GET", timeout: float = 10.0) -> Any:
        """Call the server's REST API with the token; returns the decoded JSON (or None)."""
        request = urllib.request.Request(
            f"{self.base_url}{path}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Close every session and its kernel (call between tests to free the 2 cores)."""
        with contextlib.suppress(OSError, urllib.error.URLError):
            for session in self.api("/api/sessions"):
                with contextlib.suppress(OSError, urllib.error.URLError):
                    self.api(f"/api/sessions/{session['id']}", method="DELETE")
            for kernel in self.api("/api/kernels"):
                with contextlib.suppress(OSError, urllib.error.URLError):
                    self.api(f"/api/kernels/{kernel['id']}", method="DELETE")

    # -- URLs and logs ------------------------------------------------------------------

    def url_for(self, notebook_path: str | os.PathLike[str]) -> str:
        """The URL that opens ``notebook_path`` (relative to ``root_dir``, or absolute in it).

        Lab: ``/lab/workspaces/<fresh>/tree/x.ipynb`` (a fresh workspace, so tabs
        from earlier tests are not restored). Notebook 7: ``/notebooks/x.ipynb``.
        The token is in the query string; the browser keeps the auth cookie after.
        """
        path = Path(notebook_path)
        if path.is_absolute():
            path = path.relative_to(self.root_dir)
        rel = path.as_posix()
        if self.app == "lab":
            return f"{self.base_url}/lab/workspaces/t{secrets.token_hex(4)}/tree/{rel}?token={self.token}"
        return f"{self.base_url}/notebooks/{rel}?token={self.token}"

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


# -- notebooks ----------------------------------------------------------------------------


def report_prelude(report_path: str | os.PathLike[str]) -> str:
    """Source of a cell defining ``report(**values)`` in the kernel.

    ``report`` merges ``values`` into the JSON file at ``report_path`` (temp file
    + ``os.replace``, so the test never reads half a file). Exceptions raised by
    later cells are reported as ``_error`` (with the cell source's first line).
    """
    return f"""\
import json as _json, os as _os, traceback as _tb
_REPORT_PATH = {str(Path(report_path))!r}

def report(**values):
    try:
        with open(_REPORT_PATH) as f:
            data = _json.load(f)
    except FileNotFoundError:
        data = {{}}
    data.update(values)
    tmp = _REPORT_PATH + ".tmp"
    with open(tmp, "w") as f:
        _json.dump(data, f, default=repr)
    _os.replace(tmp, _REPORT_PATH)

def _report_errors(result):
    err = result.error_before_exec or result.error_in_exec
    if err is not None:
        cell = (result.info.raw_cell or "").strip().splitlines()[:1]
        report(_error="".join(_tb.format_exception(err)), _error_cell=cell)

get_ipython().events.register("post_run_cell", _report_errors)"""


def workspace_prelude(workspace: str | os.PathLike[str]) -> str:
    """Source of a cell pointing the kernel's ``rubrix_widgets`` at ``workspace``."""
    return f"import rubrix_widgets as rb\nrb.init(workspace={str(Path(workspace))!r})"


def write_notebook(
    path: str | os.PathLike[str],
    cells: Sequence[str],
    *,
    report_path: str | os.PathLike[str] | None = None,
    workspace: str | os.PathLike[str] | None = None,
) -> Path:
    """Write a notebook of code cells (nbformat 4) using the test kernel; returns its path.

    With ``report_path`` a first cell defines ``report(**values)``; with
    ``workspace`` the next one runs ``import rubrix_widgets as rb;
    rb.init(workspace=...)``. Then come ``cells``, one code cell each.
    """
    sources = []
    if report_path is not None:
        sources.append(report_prelude(report_path))
    if workspace is not None:
        sources.append(workspace_prelude(workspace))
    sources.extend(cells)
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": KERNEL_NAME,
        "display_name": "Python 3 (rubrix_widgets tests)",
        "language": "python",
    }
    notebook.metadata["language_info"] = {"name": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


# -- browser side -------------------------------------------------------------------------

_KERNEL_READY_JS = """() => {
    const app = window.jupyterapp;
    const panel = app && app.shell && app.shell.currentWidget;
    const ctx = panel && panel.sessionContext;
    const kernel = ctx && ctx.session && ctx.session.kernel;
    return Boolean(panel && panel.context && panel.context.isReady && kernel
                   && kernel.connectionStatus === 'connected' && kernel.status === 'idle');
}"""


def wait_kernel_idle(page: Any, timeout: float = 60.0) -> None:
    """Wait until the open notebook is loaded and its kernel is connected and idle."""
    try:
        page.wait_for_function(_KERNEL_READY_JS, timeout=timeout * 1000, polling=100)
    except Exception as exc:
        state = page.evaluate(
            """() => { const a = window.jupyterapp; const w = a && a.shell.currentWidget;
                const k = w && w.sessionContext && w.sessionContext.session
                          && w.sessionContext.session.kernel;
                return {app: Boolean(a), widget: w ? w.constructor.name + ' ' + w.id : null,
                        kernel: k ? [k.name, k.status, k.connectionStatus] : null}; }"""
        )
        raise TimeoutError(f"notebook kernel not idle after {timeout:.0f} s: {state}") from exc


def run_all(page: Any, timeout: float = 60.0) -> None:
    """Wait for the kernel to be idle, then run every cell (JupyterLab and Notebook 7).

    Uses ``window.jupyterapp`` (both servers run with ``expose_app_in_browser``).
    Returns as soon as the cells are queued; wait for their effect with
    :func:`wait_for_report` or Playwright locators.
    """
    wait_kernel_idle(page, timeout)
    # Not awaited: the command's promise settles only when every cell has run.
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")


def open_notebook(
    page: Any,
    server: JupyterServer,
    cells: Sequence[str],
    *,
    name: str,
    report_path: str | os.PathLike[str] | None = None,
    workspace: str | os.PathLike[str] | None = None,
    run: bool = True,
    timeout: float = 60.0,
) -> Path:
    """Write ``<root_dir>/<name>.ipynb`` (see :func:`write_notebook`), open it, run all cells.

    ``name`` should be unique per test (e.g. the test's name): the file stays in
    the server's root dir. Returns the notebook path.
    """
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "notebook"
    path = write_notebook(
        server.root_dir / f"{safe}.ipynb", cells, report_path=report_path, workspace=workspace
    )
    page.goto(server.url_for(path), wait_until="domcontentloaded", timeout=timeout * 1000)
    if run:
        run_all(page, timeout)
    return path


def read_report(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The kernel's report so far (``{}`` before the first ``report()``)."""
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        return {}


def wait_for_report(
    path: str | os.PathLike[str],
    key: str,
    timeout: float = 60.0,
    *,
    equals: Any = _MISSING,
    interval: float = 0.05,
) -> dict[str, Any]:
    """Poll the kernel's report until ``key`` is in it (and ``== equals``, if given).

    Returns the whole report. Raises ``AssertionError`` at once if a cell
    raised (the report has ``_error``), or after ``timeout`` seconds with the
    report as it was.
    """
    deadline = time.monotonic() + timeout
    while True:
        data = read_report(path)
        if "_error" in data:
            raise AssertionError(
                f"a notebook cell raised {data.get('_error_cell')}:\n{data['_error']}"
            )
        if key in data and (equals is _MISSING or data[key] == equals):
            return data
        if time.monotonic() > deadline:
            wanted = key if equals is _MISSING else f"{key} == {equals!r}"
            raise AssertionError(f"no {wanted} in the kernel report after {timeout:.0f} s: {data}")
        time.sleep(interval)


def screenshot(page: Any, name: str, *, full_page: bool = False) -> Path:
    """Save a PNG of ``page`` as ``test-output/screenshots/<name>.png`` (CI's output folder)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "screenshot"
    path = SCREENSHOTS / f"{safe}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
