"""``rb.home``: Rubrix's home page (the dataset list and the page it opens) in the cell."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the widget stack (ipywidgets, anywidget) loads on first home()
    from .widgets.home_page import Home


def home(**options: Any) -> Home:
    """The datasets of the workspace, inline, in one widget: search, sort, open a
    dataset's page in place (with "Back to datasets"), delete (after a confirmation in
    the widget), and switch workspace (the list's header shows the current one; picking
    another, or typing a new name, is ``rb.set_workspace(name)``; ``rb.set_workspace`` in
    a cell updates the list).

    ``options``: ``query`` (the search box) and ``sort`` (``["records", "desc"]``).

    >>> home = rb.home()
    >>> home.switch_workspace("my-team")   # as picking it in the list
    >>> home.open_dataset("news")          # as clicking its name; home.back() returns
    """
    from .widgets.home_page import Home

    return Home(**options)


__all__ = ["home"]
