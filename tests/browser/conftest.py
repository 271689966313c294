"""Real-browser fixtures: Debian's Chromium driven by Playwright, JupyterLab 4 and Notebook 7.

The other notebook hosts (Voila, marimo, Panel) and the checklist every host runs
live in ``hosts/`` (see ``hosts/conftest.py``); they reuse ``browser`` and the two
Jupyter servers below.

Every test in tests/browser is marked ``browser`` (``pytest -m "not browser"`` skips
them). Chromium and the two servers start once, on first use, and stop after the
last test of this folder (``scope="package"``: one of each per run, freed before
the rest of the suite runs). Each test gets a fresh browser context (``page``);
the kernels it started are shut down after it.

Fixtures
--------
browser          Playwright ``Browser`` (Chromium at /usr/bin/chromium, offline flags).
lab_server       :class:`JupyterServer` running ``jupyter lab``.
notebook_server  :class:`JupyterServer` running ``jupyter notebook`` (Notebook 7).
jupyter          parametrized: the test runs once per server (ids ``lab``, ``notebook``).
page             a new ``Page`` (1400x1000) in a new context; screenshot + logs on failure.
page_errors      ``page_errors()`` -> page errors and console errors, minus known noise.
report_path      ``tmp_path / "report.json"``, where the notebook's ``report()`` writes.
run_notebook     ``run_notebook(server, cells)``: write, open and run a notebook wired
                 to ``report_path`` and ``workspace``.
workspace        (tests/conftest.py) this test's workspace folder. The kernel is another
                 process: ``run_notebook`` passes it explicitly (``rb.init(workspace=...)``);
                 in the test process ``rb.load(...)`` reads the same folder.
"""

from __future__ import annotations

import importlib.util
import itertools
import time
from pathlib import Path

import pytest

from .jupyter_server import JupyterServer, open_notebook, screenshot

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 1000}
HERE = Path(__file__).resolve().parent

# Errors the front ends log on their own, with or without our widgets.
HARMLESS_PAGE_ERRORS = (
    # Notebook 7.6's shortcuts plugin on a settings change, on every page (not ours).
    "Cannot read properties of undefined (reading 'schema')",
)

_servers: list[JupyterServer] = []  # running servers, for kernel cleanup and failure logs
_outcomes_key = pytest.StashKey[dict]()
_errors_key = pytest.StashKey[list]()


# -- marker -------------------------------------------------------------------------------


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "browser: real-browser tests (Playwright + /usr/bin/chromium in JupyterLab, Notebook 7, "
        "Voila, marimo and Panel)",
    )


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects
def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(_outcomes_key, {})[report.when] = report
    return report


# -- browser and servers ------------------------------------------------------------------


@pytest.fixture(scope="package")
def browser_requirements():
    """Skip the whole browser suite, with a reason, when Chromium or Playwright is missing."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium); browser tests skipped")
    if importlib.util.find_spec("playwright") is None:
        pytest.skip("playwright (Python) is not installed; browser tests skipped")


@pytest.fixture(scope="package")
def browser(browser_requirements):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _server(app, tmp_path_factory):
    module = "jupyterlab" if app == "lab" else "notebook"
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed; browser tests skipped")
    base = tmp_path_factory.mktemp(f"jupyter-{app}")
    server = JupyterServer(app, root_dir=base / "root", base_dir=base).start()
    print(f"\njupyter {app} started in {server.startup_seconds:.1f} s (log {server.log_path})")
    _servers.append(server)
    try:
        yield server
    finally:
        _servers.remove(server)
        server.stop()


@pytest.fixture(scope="package")
def lab_server(browser_requirements, tmp_path_factory):
    yield from _server("lab", tmp_path_factory)


@pytest.fixture(scope="package")
def notebook_server(browser_requirements, tmp_path_factory):
    yield from _server("notebook", tmp_path_factory)


@pytest.fixture(params=["lab", "notebook"])
def jupyter(request) -> JupyterServer:
    """The test runs in JupyterLab and in Notebook 7."""
    return request.getfixturevalue(f"{request.param}_server")


# -- per test -----------------------------------------------------------------------------


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    request.node.stash[_errors_key] = errors
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on(
        "console",
        lambda msg: errors.append(f"console.error: {msg.text}") if msg.type == "error" else None,
    )
    started = time.monotonic()
    yield page
    outcome = request.node.stash.get(_outcomes_key, {}).get("call")
    if outcome is not None and outcome.failed:
        try:
            print(f"screenshot of the failure: {screenshot(page, f'FAILED-{request.node.name}')}")
        except Exception as exc:  # the page may be gone
            print(f"no failure screenshot: {exc}")
        print("browser errors:\n" + "\n".join(errors[-30:]))
        for server in _servers:
            print(f"--- jupyter {server.app} log ({server.log_path}) ---\n{server.log_tail()}")
    context.close()
    for server in _servers:
        server.shutdown_kernels()
    print(f"\n{request.node.name}: {time.monotonic() - started:.1f} s in the browser")


@pytest.fixture
def page_errors(page, request):
    """``page_errors()``: page errors and ``console.error`` lines so far, minus
    :data:`HARMLESS_PAGE_ERRORS`. End a test with ``assert not page_errors()``."""
    errors = request.node.stash[_errors_key]

    def current() -> list[str]:
        return [e for e in errors if not any(known in e for known in HARMLESS_PAGE_ERRORS)]

    return current


@pytest.fixture
def report_path(tmp_path) -> Path:
    return tmp_path / "report.json"


@pytest.fixture
def run_notebook(page, report_path, workspace, request):
    """``run_notebook(server, cells, run=True, timeout=60.0) -> Path``.

    Writes ``<server.root_dir>/<test name>-<n>.ipynb`` with the ``report()`` and
    ``rb.init(workspace=...)`` prelude cells, then ``cells``; opens it in ``page``
    and runs all cells (unless ``run=False``).
    """

    opened = itertools.count(1)

    def run(server: JupyterServer, cells, *, run: bool = True, timeout: float = 60.0) -> Path:
        return open_notebook(
            page,
            server,
            cells,
            name=f"{request.node.name}-{next(opened)}",
            report_path=report_path,
            workspace=workspace,
            run=run,
            timeout=timeout,
        )

    return run
