"""Soft, named checks for the host matrix, and the small page helpers they share.

A :class:`Checklist` runs every step of a group even when an earlier one fails,
then fails the test once, naming what passed and what failed in this host. Each
group's outcome is also written to ``test-output/host-matrix/<host>-<group>.json``
(what the README's matrix is made from).
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import rubrix_widgets as rb

from ..jupyter_server import REPO_ROOT, screenshot

expect = pytest.importorskip("playwright.sync_api").expect

RESULTS = REPO_ROOT / "test-output" / "host-matrix"


class Checklist:
    """Named steps of one check group in one host; :meth:`verify` fails if any failed.

    Examples
    --------
    >>> checks = Checklist("panel", "page")  # doctest: +SKIP
    >>> with checks.step("search"):  # doctest: +SKIP
    ...     expect(root.locator(".rw-total")).to_have_text("3 records")
    >>> checks.verify()  # doctest: +SKIP
    """

    def __init__(self, host: str, group: str, page: Any = None) -> None:
        self.host = host
        self.group = group
        self.page = page  # a failed step leaves a screenshot of it
        self.results: dict[str, str] = {}

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Run one check; an exception marks it failed (first line kept) and is swallowed."""
        try:
            yield
        except Exception as exc:  # any failure of this step, the next steps still run
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
            self.results[name] = f"FAIL: {type(exc).__name__}: {first[:600]}"
            if self.page is not None:
                with contextlib.suppress(Exception):
                    screenshot(self.page, f"FAILED-host-{self.host}-{self.group}-{name[:40]}")
        else:
            self.results[name] = "pass"

    def verify(self) -> None:
        """Write the results file, then fail listing every failed step (if any)."""
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"{self.host}-{self.group}.json"
        path.write_text(json.dumps(self.results, indent=1))
        failed = {k: v for k, v in self.results.items() if v != "pass"}
        lines = [f"  {k}: {v}" for k, v in self.results.items()]
        assert not failed, f"{self.host} / {self.group}: {len(failed)} failed\n" + "\n".join(lines)


def widget(page: Any, name: str) -> Any:
    """The dataset page (``.rw-root``) whose title is ``name`` (open shadow roots pierced)."""
    title = page.locator("h2", has_text=re.compile(rf"^\s*{re.escape(name)}\s*$"))
    return page.locator(".rw-root").filter(has=title)


def card(root: Any, record_id: int) -> Any:
    return root.get_by_role("article", name=f"Record {record_id}")


def stored(dataset: str, record_id: int) -> tuple[Any, str]:
    """(annotation, status) of a record, read from disk by this process."""
    row = rb.load(dataset, ids=[record_id]).iloc[0]
    return row.annotation, row.status


def eventually(check: Callable[[], Any], what: str, timeout: float = 10.0) -> Any:
    """Poll ``check()`` until it is truthy (e.g. a write reaching the disk); its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still {value!r} after {timeout:.0f} s")
        time.sleep(0.1)


def eventually_equal(read: Callable[[], Any], expected: Any, what: str, timeout: float = 10.0):
    """Poll ``read()`` until it equals ``expected``; a failure shows the last value read."""
    seen: list[Any] = []

    def check() -> bool:
        seen[:] = [read()]
        return seen[0] == expected

    try:
        eventually(check, what, timeout)
    except AssertionError:
        raise AssertionError(
            f"{what}: {seen[0]!r} after {timeout:.0f} s, expected {expected!r}"
        ) from None


# The element that has the keyboard, through shadow roots: [tag.class, ...] outermost first.
DEEP_FOCUS_JS = """() => {
    const chain = [];
    let el = document.activeElement;
    while (el) {
        chain.push(el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
            ? '.' + el.className.trim().split(/\\s+/).join('.') : ''));
        el = el.shadowRoot ? el.shadowRoot.activeElement : null;
    }
    return chain;
}"""

# What a host's own keyboard shortcuts would change: None where the host has none.
# Jupyter: each cell's type (1 = heading/markdown), the mode (Enter = edit), the active cell.
_JUPYTER_DOCUMENT_JS = """() => { const nb = window.jupyterapp.shell.currentWidget.content;
    return [nb.widgets.map(c => c.model.type), nb.mode, nb.activeCellIndex]; }"""
HOST_DOCUMENT_JS = {
    "lab": _JUPYTER_DOCUMENT_JS,
    "notebook": _JUPYTER_DOCUMENT_JS,
    # marimo edit: its cells, and whether a cell editor took the keyboard (Enter = edit).
    "marimo-edit": """() => [document.querySelectorAll('[data-cell-id]').length,
        Boolean(document.activeElement && document.activeElement.closest('.cm-editor'))]""",
}


def host_document(page: Any, host: str) -> Any:
    script = HOST_DOCUMENT_JS.get(host)
    return None if script is None else page.evaluate(script)


def relative_luminance(css_color: str) -> float:
    """0 (black) .. 1 (white) for an ``rgb()``/``rgba()`` CSS color."""
    numbers = [float(n) for n in re.findall(r"[\d.]+", css_color)[:3]]
    r, g, b = (n / 255 for n in numbers)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b
