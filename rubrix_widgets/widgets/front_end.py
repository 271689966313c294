"""The widgets' front-end bundles (built from js/ into rubrix_widgets/static/).

Each widget class sets ``_esm = bundle("home.js")``, anywidget's public API either way:
with ``ANYWIDGET_HMR=1`` the bundle's path, which anywidget reads and (with ``watchfiles``
installed) watches, so ``npm run watch`` edits reach open widgets; otherwise the bundle's
text. Why not always the path: anywidget 0.11 connects every instance to the class's
file-watching signal through a closure and never disconnects it, so with a path no
widget is ever freed (tests/test_dataset_list.py checks that closed ones are).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import RubrixWidgetsError

STATIC = Path(__file__).resolve().parent.parent / "static"


def bundle_path(name: str) -> Path:
    """The path of bundle ``name``; a clear error naming the build command if it is missing.

    >>> bundle_path("dataset_page.js").name
    'dataset_page.js'
    """
    path = STATIC / name
    if not path.exists():
        raise RubrixWidgetsError(
            f"the widget's front end ({path}) is not built: run `make setup` (or `cd js && "
            "npm install --no-audit --no-fund && npm run build`)"
        )
    return path


def bundle(name: str) -> str | Path:
    """What a widget class sets as ``_esm`` / ``_css``: the path under ``ANYWIDGET_HMR=1``
    (anywidget hot-reloads it), else the text (see the module's docstring).

    >>> DatasetPage._esm == bundle("dataset_page.js")
    True
    """
    path = bundle_path(name)
    if os.environ.get("ANYWIDGET_HMR") == "1":
        return path
    return path.read_text(encoding="utf-8")
