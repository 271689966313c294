"""The widgets' front-end bundles (built from js/ into rubrix_widgets/static/)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from ..errors import RubrixWidgetsError
from ..timing import logger

STATIC = Path(__file__).resolve().parent.parent / "static"


def bundle_path(name: str) -> Path:
    path = STATIC / name
    if not path.exists():
        raise RubrixWidgetsError(
            f"the widget's front end ({path}) is not built: run `make setup` (or `cd js && "
            "npm install --no-audit --no-fund && npm run build`)"
        )
    return path


def front_end(name: str):
    """The bundle's text; with ``ANYWIDGET_HMR=1`` a watched file, so edits hot-reload."""
    path = bundle_path(name)
    if os.environ.get("ANYWIDGET_HMR") == "1":
        from anywidget._file_contents import FileContents

        if importlib.util.find_spec("watchfiles") is not None:
            return FileContents(path, start_thread=True)
        logger.warning("ANYWIDGET_HMR=1 needs watchfiles (pip install watchfiles): no hot reload")
    return path.read_text(encoding="utf-8")
