"""The host matrix: one server per host, one app per host, the same checks in each.

Hosts (``HOSTS``): Voila, ``marimo run``, ``marimo edit`` and Panel each run the
app under ``apps/`` (reviews page, home list, NER page, Text2Text page); JupyterLab 4
and Notebook 7 run the same cells as a notebook on the package's Jupyter servers.
The ``host`` fixture is package-scoped and parametrized, so pytest runs every check
of one host before starting the next host's server: one server at a time, each
started on first use and stopped when its checks are done.

Each host has its own workspace with the datasets of ``host_data.py`` logged once
from the real-data fixtures; ``host_workspace`` points this process's
``rb.load`` at it, so a test checks on disk what a click saved.

To add a host: an app under ``apps/``, a ``HostServer`` factory in
``servers.py``, and one entry in ``HOSTS`` (``_start_host``).

Fixtures
--------
host            :class:`Host` (parametrized by host name, package scope).
host_workspace  this test's ``rb.load`` reads the host's workspace.
open_app        ``open_app(theme="light") -> Page``: a new page on the host's app,
                off-host requests aborted and recorded (``page.off_host``).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from rubrix_widgets.panel_offline import front_end_folder

from ..conftest import VIEWPORT
from ..jupyter_server import JupyterServer, open_notebook, screenshot
from . import servers
from .apps import voila_cells
from .host_data import log_host_datasets

HOSTS = ["voila", "marimo-run", "marimo-edit", "panel", "lab", "notebook"]

# Requests a host's own page makes to the internet, none of them for our widget; the
# browser aborts them and the page must still work. Anything else off 127.0.0.1 fails.
HOST_CHROME_REQUESTS = {
    # Voila's template links Font Awesome from jsdelivr (icons of its own chrome).
    "voila": ("https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@",),
}

# Console errors a host logs with or without our widgets.
HOST_NOISE = (
    "Cannot read properties of undefined (reading 'schema')",  # Notebook 7.6 (see ../conftest)
    "Failed to load resource: net::ERR_FAILED",  # an aborted off-host request (recorded)
    # Voila 0.5's front end (JupyterLab 4.2) loading Panel's lab extension
    # (@pyviz/jupyterlab_pyviz, installed with panel), which needs a newer JupyterLab.
    "Shared module @jupyterlab/docmanager doesn't exist in shared scope default",
    # ... and Notebook 7's lab extension, which needs a newer @jupyterlab/docregistry.
    "/voila/labextensions/@jupyter-notebook/lab-extension/",
)


@dataclasses.dataclass
class Host:
    """A running host: its name, how to open its app, its workspace, its server log."""

    name: str
    workspace: Path  # RUBRIX_WIDGETS_HOME of its kernels
    open: Callable[..., None]  # open(page, theme) -> loads the app in page
    log_tail: Callable[[], str]
    startup_seconds: float
    after_test: Callable[[], None] = lambda: None  # e.g. free the test's kernels


def _log_data(home: Path, request) -> None:
    """Log the host datasets into ``home`` (this process's env points there meanwhile)."""
    data = [
        request.getfixturevalue(name)
        for name in ("rotten_tomatoes", "ner_sentences", "chatterbot_pairs", "health_tweets")
    ]
    from rubrix_widgets.store import workspace as ws

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RUBRIX_WIDGETS_HOME", str(home))
        mp.delenv("RUBRIX_WORKSPACE", raising=False)
        ws.set_workspace(None)
        try:
            log_host_datasets(*data)
        finally:
            ws.set_workspace(None)


def _start_host(name: str, base: Path, home: Path, request) -> tuple[Host, Callable[[], None]]:
    env = {"RUBRIX_WIDGETS_HOME": str(home)}
    if name in ("lab", "notebook"):
        server: JupyterServer = request.getfixturevalue(f"{name}_server")
        cells = [
            f"import os\nos.environ['RUBRIX_WIDGETS_HOME'] = {str(home)!r}",
            *voila_cells.CELLS,
        ]

        def open_jupyter(page, theme: str) -> None:
            jupyter_theme(server, theme)
            open_notebook(page, server, cells, name=f"host-matrix-{name}")

        def after_test() -> None:
            server.shutdown_kernels()
            jupyter_theme(server, "light")  # the package's other Lab/Notebook tests expect it

        host = Host(name, home, open_jupyter, server.log_tail, 0.0, after_test)
        return host, after_test
    if name == "voila":
        from ..jupyter_server import write_notebook

        notebook = write_notebook(base / "app" / "host_matrix.ipynb", voila_cells.CELLS)
        notebook_json = notebook.read_text().replace('"rubrix-widgets-test"', '"python3"')
        notebook.write_text(notebook_json)
        server = servers.voila(notebook, base / "server", env)
    elif name.startswith("marimo"):
        server = servers.marimo(
            name.split("-", 1)[1], servers.APPS / "marimo_app.py", base / "server", env
        )
    elif name == "panel":
        npm = front_end_folder(base / "npm")
        server = servers.panel(servers.APPS / "panel_app.py", base / "server", env, npm)
    else:  # pragma: no cover - a typo in HOSTS
        raise ValueError(f"unknown host {name!r}; known: {', '.join(HOSTS)}")
    server.start()
    print(f"\n{name} started in {server.startup_seconds:.1f} s (log {server.log_path})")

    def open_page(page, theme: str) -> None:
        # Voila and Panel pick the theme from the URL; marimo follows prefers-color-scheme.
        query = f"theme={theme}" if name in ("voila", "panel") else ""
        page.goto(server.url(query), wait_until="domcontentloaded", timeout=90_000)

    host = Host(name, home, open_page, server.log_tail, server.startup_seconds or 0.0)
    return host, server.stop


JUPYTER_THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}


def jupyter_theme(server: JupyterServer, theme: str) -> None:
    """Set JupyterLab's / Notebook 7's theme (a user setting, kept on the server)."""
    import json
    import urllib.request

    body = json.dumps({"raw": json.dumps({"theme": JUPYTER_THEMES[theme]})}).encode()
    request = urllib.request.Request(
        f"{server.base_url}/lab/api/settings/@jupyterlab/apputils-extension:themes",
        data=body,
        method="PUT",
        headers={"Authorization": f"token {server.token}", "Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=10).close()


@pytest.fixture(scope="package", params=HOSTS)
def host(request, browser, tmp_path_factory):
    """One running host per parameter; its server stops after its last test."""
    name = request.param
    base = tmp_path_factory.mktemp(f"host-{name}")
    home = base / "workspace"
    started = time.monotonic()
    _log_data(home, request)
    print(f"\n{name}: datasets logged in {time.monotonic() - started:.1f} s")
    running, stop = _start_host(name, base, home, request)
    try:
        yield running
    finally:
        stop()


@pytest.fixture
def host_workspace(host, workspace, monkeypatch):
    """``rb.load`` in this test reads the host's workspace (after the per-test one)."""
    from rubrix_widgets.store import workspace as ws

    monkeypatch.setenv("RUBRIX_WIDGETS_HOME", str(host.workspace))
    ws.set_workspace(None)
    return host.workspace


@pytest.fixture
def open_app(browser, host, host_workspace, request):
    """``open_app(theme="light") -> Page``: the host's app in a new page.

    Requests that leave 127.0.0.1 are aborted and listed in ``page.off_host``;
    ``page.errors`` collects page errors and console errors. On failure: a
    screenshot, the browser errors and the server log's tail are printed.
    """
    contexts = []
    pages = []

    def open_(theme: str = "light"):
        context = browser.new_context(viewport=VIEWPORT, color_scheme=theme)
        context.set_default_timeout(10_000)  # a missing element fails fast
        contexts.append(context)
        page = context.new_page()
        page.off_host = []
        page.errors = []

        def route(route_):
            url = route_.request.url
            if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
                route_.continue_()
            else:
                page.off_host.append(url)
                route_.abort()

        context.route("**/*", route)

        def keep(error: str) -> None:
            if not any(noise in error for noise in HOST_NOISE):
                page.errors.append(error)

        def where(exc) -> str:  # the first frame of a page error's stack: whose code threw
            frames = [line.strip() for line in (exc.stack or "").splitlines()[1:2]]
            return " ".join(frames)

        page.on("pageerror", lambda exc: keep(f"pageerror: {exc} {where(exc)}"))
        page.on(
            "console",
            lambda m: (
                keep(f"console.error: {m.text} ({m.location.get('url', '')})")
                if m.type == "error"
                else None
            ),
        )
        pages.append(page)
        host.open(page, theme)
        return page

    yield open_
    outcome = getattr(request.node, "rep_call", None)
    failed = outcome is None or outcome.failed
    for page in pages:
        if failed:
            try:
                print(f"screenshot: {screenshot(page, f'FAILED-{request.node.name}')}")
            except Exception as exc:  # the page may be gone
                print(f"no failure screenshot: {exc}")
            print("browser errors:\n" + "\n".join(page.errors[-20:]))
    if failed:
        print(f"--- {host.name} server log ---\n{host.log_tail()}")
    for context in contexts:
        context.close()
    host.after_test()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report


def off_host_problems(host_name: str, page) -> list[str]:
    """Off-host requests other than the host's own known chrome (must be none)."""
    known = HOST_CHROME_REQUESTS.get(host_name, ())
    return [url for url in page.off_host if not url.startswith(known)]
