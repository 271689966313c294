"""``Home``: Rubrix's home page in ONE widget, the list of datasets and the dataset page
it opens, with the way back (``rb.home()``, or ``rb.show()`` with no name).

    >>> home = rb.home()
    >>> home.open_dataset("news")      # that dataset's page, in place, with "Back to datasets"
    >>> home.annotate(ids=[17], annotation="Sports")   # every DatasetPage method, once open
    >>> home.back()                    # the (refreshed) list again
    >>> home.delete("old-news")
    >>> home.switch_workspace("my-team")

One widget, so it renders wherever anywidgets render (marimo and Panel do not follow
a container swapping its children), and opening a dataset only changes state: no
widget is created inside a message handler (marimo registers a new widget's code only
while a cell runs). ``dataset_name == ""`` is the list; the front end (``home.js``)
shows the list view then, and otherwise the page view and a "Back to datasets" button.
The list's search box and sort are ``list_query`` and ``list_sort`` (the page's are
``query`` and ``sort``). While the list is shown, the page's methods raise "no dataset
is open; open one with home.open_dataset(name)".
"""

from __future__ import annotations

from typing import Any, ClassVar

import traitlets

from ..page_state.dataset_listing import DEFAULT_SORT, DatasetListing, check_list_sort
from ..page_state.dataset_session import DatasetSession
from ..page_state.filters import check_filters
from ..search.sorting import check_sort
from .dataset_list import LIST_KERNEL_OWNED, ListActions
from .dataset_page import MAX_PAGE_SIZE, MODES, PAGE_KERNEL_OWNED, PAGE_WRITABLE, DatasetPage
from .front_end import bundle
from .protocol import WidgetProtocol, action

#: a page's state when a dataset is opened (then the options given to open_dataset)
PAGE_DEFAULTS: dict[str, Any] = {
    "query": "",
    "filters": {},
    "sort": [],
    "page": 0,
    "page_size": 20,
    "mode": "explore",
}


class Home(ListActions, DatasetPage):
    """The list of datasets of the workspace; a dataset's page once one is opened."""

    _esm = bundle("home.js")  # front_end.py: hot-reloaded (ANYWIDGET_HMR)
    _css = bundle("home.css")
    _browser_writable: ClassVar[frozenset[str]] = PAGE_WRITABLE | {"list_query", "list_sort"}
    _kernel_owned: ClassVar[dict[str, str]] = {
        **WidgetProtocol._kernel_owned,
        **PAGE_KERNEL_OWNED,
        **LIST_KERNEL_OWNED,
        "dataset_name": "call open_dataset(name) or back() instead",
    }

    list_query = traitlets.Unicode("").tag(sync=True)
    list_sort = traitlets.List(list(DEFAULT_SORT)).tag(sync=True)
    # --- what the kernel computes (the list) ----------------------------------------------
    workspace = traitlets.Unicode("").tag(sync=True)
    _workspace_folder = traitlets.Unicode("").tag(sync=True)
    _workspaces: traitlets.List[str] = traitlets.List().tag(sync=True)
    _datasets: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True)

    def __init__(self, query: str = "", sort: list | None = None, **kwargs: Any):
        if kwargs:
            raise TypeError(
                f"Home got unexpected arguments {sorted(kwargs)}; it takes query and sort "
                "(the list's search and sort; open_dataset takes the page's)"
            )
        state = {"list_query": query, "list_sort": list(DEFAULT_SORT) if sort is None else sort}
        self._start({}, **state)
        self._listing = DatasetListing(self._publish, self._alive)

    @traitlets.validate("list_sort")
    def _valid_list_sort(self, proposal):
        try:
            return check_list_sort(proposal["value"])
        except ValueError as exc:
            raise traitlets.TraitError(str(exc)) from None

    @property
    def opened(self) -> str | None:
        """The name of the dataset whose page is shown, or None on the list.

        Examples
        --------
        >>> _ = rb.log([rb.TextClassificationRecord(text="Rain all week")], "news", verbose=False)
        >>> _ = rb.log([rb.TextClassificationRecord(text="Cup final")], "sports", verbose=False)
        >>> home = rb.home()
        >>> home.opened is None
        True
        >>> home.open_dataset("news").opened
        'news'
        """
        return self.dataset_name or None

    def open_dataset(self, name: str, **page_options: Any) -> Home:
        """Show dataset ``name``'s page in place (with "Back to datasets").

        Parameters
        ----------
        name : str
            The dataset.
        **page_options
            ``query``, ``filters``, ``sort``, ``page``, ``page_size``, ``mode``, as ``rb.show``
            takes them.

        Returns
        -------
        Home
            This home page, now a page of that dataset.

        Examples
        --------
        >>> _ = rb.log([rb.TextClassificationRecord(text="Rain all week")], "news", verbose=False)
        >>> _ = rb.log([rb.TextClassificationRecord(text="Cup final")], "sports", verbose=False)
        >>> home = rb.home()
        >>> home.open_dataset("news", query="rain").total
        1
        >>> home.annotate(home.page_ids, "weather")   # every DatasetPage method, once open
        1
        """
        options = _checked_page_options(page_options)
        session = DatasetSession(name)  # a clear NotFoundError before anything changes
        self._close_dataset()
        state = {**PAGE_DEFAULTS, **options}
        with self.hold_sync():
            # The page's observers do nothing while no dataset is open: set the new state
            # first, then open (one refresh, of the new state).
            for key, value in state.items():
                setattr(self, key, value)
            self._open(session)
        return self

    def back(self) -> list[str]:
        """Back to the (refreshed) list of datasets.

        Returns
        -------
        list of str
            The names of the datasets listed.

        Examples
        --------
        >>> _ = rb.log([rb.TextClassificationRecord(text="Rain all week")], "news", verbose=False)
        >>> _ = rb.log([rb.TextClassificationRecord(text="Cup final")], "sports", verbose=False)
        >>> home = rb.home()
        >>> home.open_dataset("news").dataset_name
        'news'
        >>> home.back()
        ['news', 'sports']
        >>> home.opened is None
        True
        """
        self._close_dataset()
        with self.hold_sync():
            self._publish(
                dataset_name="",
                task="",
                total=0,
                metrics={},
                rules=[],
                _records=[],
                _facets={},
                _keywords=[],
                _mentions={},
                _labels=[],
                _progress={},
                _error="",
                _warnings=[],
                _epoch="",
                _rules_error="",
                _sortable=[],
                _schema_locked=False,
                _history={"can_undo": False, "can_redo": False},
                df=None,
            )
            return self.refresh()

    @action("back", result="string[]")
    def _on_back(self) -> list[str]:
        return self.back()

    # A page's refresh returns nothing; Home is the list too, and its refresh returns the
    # list's names as DatasetList.refresh does (the list's refresh intent replies with them).
    def refresh(self) -> list[str]:  # type: ignore[override]
        """Re-read the workspace and, with a dataset open, recompute its page.

        Datasets written by other processes, for instance, appear.

        Returns
        -------
        list of str
            The names of the datasets listed.

        Examples
        --------
        >>> _ = rb.log([rb.TextClassificationRecord(text="Rain all week")], "news", verbose=False)
        >>> home = rb.home()
        >>> _ = rb.log([rb.TextClassificationRecord(text="Cup final tonight")], "sports",
        ...            verbose=False)
        >>> home.refresh()
        ['news', 'sports']
        """
        names = self._listing.refresh()
        if self._is_open:
            DatasetPage.refresh(self)
        return names

    def delete(self, name: str) -> list[str]:
        """Delete dataset ``name`` (``rb.delete``); an open page of it goes back to the list.

        Returns
        -------
        list of str
            The names of the remaining datasets.

        Examples
        --------
        >>> _ = rb.log([rb.TextClassificationRecord(text="Rain all week")], "news", verbose=False)
        >>> _ = rb.log([rb.TextClassificationRecord(text="Cup final")], "sports", verbose=False)
        >>> home = rb.home()
        >>> home.open_dataset("sports").opened
        'sports'
        >>> home.delete("sports")
        ['news']
        >>> home.opened is None
        True
        """
        names = self._listing.delete(name)
        if self.opened == name:
            names = self.back()
        return names

    def switch_workspace(self, name: str) -> list[str]:
        """Show workspace ``name``'s datasets (``rb.set_workspace(name)``).

        An open dataset page stays open, on its own workspace's dataset; a new name starts an
        empty workspace.

        Returns
        -------
        list of str
            The names of that workspace's datasets.

        Examples
        --------
        >>> _ = rb.log([rb.TextClassificationRecord(text="Rain all week")], "news", verbose=False)
        >>> _ = rb.log([rb.TextClassificationRecord(text="Cup final")], "sports", verbose=False)
        >>> home = rb.home()
        >>> home.switch_workspace("my-team")
        []
        >>> _ = rb.log([rb.TextClassificationRecord(text="Team news")], "team", verbose=False)
        >>> home.refresh()
        ['team']
        """
        return self._listing.switch_workspace(name)

    def close(self) -> None:
        """Close the widget and whatever page it shows.

        Examples
        --------
        >>> _ = rb.log([rb.TextClassificationRecord(text="Rain all week")], "news", verbose=False)
        >>> _ = rb.log([rb.TextClassificationRecord(text="Cup final")], "sports", verbose=False)
        >>> home = rb.home()
        >>> home.open_dataset("news").close()
        >>> home.comm is None
        True
        """
        listing = getattr(self, "_listing", None)
        if listing is not None:
            listing.close()
        if getattr(self, "_session_now", None) is not None:
            self._close_dataset()
        super().close()


def _checked_page_options(options: dict[str, Any]) -> dict[str, Any]:
    """The page options of ``open_dataset``, checked before anything changes."""
    unknown = set(options) - set(PAGE_DEFAULTS)
    if unknown:
        raise TypeError(
            f"open_dataset got unexpected arguments {sorted(unknown)}; it takes name, "
            f"{', '.join(sorted(PAGE_DEFAULTS))}"
        )
    checked = dict(options)
    if "filters" in checked:
        checked["filters"] = check_filters(checked["filters"])
    if "sort" in checked:
        checked["sort"] = check_sort(checked["sort"])
    size = checked.get("page_size", 20)
    if not isinstance(size, int) or not 1 <= size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size {size!r} must be between 1 and {MAX_PAGE_SIZE}")
    if checked.get("mode", "explore") not in MODES:
        raise ValueError(f"mode {checked['mode']!r} is not one of {MODES}")
    page = checked.get("page", 0)
    if not isinstance(page, int) or page < 0:
        raise ValueError(f"page {page!r} must be 0 or more")
    if not isinstance(checked.get("query", ""), str):
        raise ValueError(f"query {checked['query']!r} must be a str")
    return checked


__all__ = ["Home"]
