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

    Parameters
    ----------
    **options
        ``query`` (the list's search box) and ``sort`` (``["records", "desc"]``).

    Returns
    -------
    Home
        One widget: the list, or the page of the dataset opened from it.

    Examples
    --------
    >>> _ = rb.log([rb.TextClassificationRecord(text="Rain all week")], "news", verbose=False)
    >>> _ = rb.log([rb.TextClassificationRecord(text="Cup final")], "sports", verbose=False)
    >>> home = rb.home(sort=["name", "asc"])
    >>> home.names
    ['news', 'sports']
    >>> home.open_dataset("news").total      # as clicking its name
    1
    >>> home.back()                          # as clicking "Back to datasets"
    ['news', 'sports']
    """
    from .widgets.home_page import Home

    return Home(**options)


__all__ = ["home"]
