"""``DatasetList``: the list of datasets, inline (``Home``, in ``home_page.py``, is the
list and the dataset page it opens in one widget; both share this module's actions).

    >>> datasets = DatasetList()
    >>> datasets.delete("old-news")
    >>> datasets.switch_workspace("my-team")   # rb.set_workspace("my-team"), and its datasets

The kernel owns the data (``page_state/dataset_listing.py``): the browser gets the rows
of ``rb.datasets()`` as JSON, the current workspace and the named ones, filters and sorts
that short list itself, and sends intents back (``protocol.py``: replies carry a
``result``, as a message and in the ``_acks`` trait). Every method takes the same path
as the click. Open lists refresh when this kernel logs, deletes, copies or configures a
dataset, or changes workspace. ``workspace`` and the rows are read-only: call
``switch_workspace`` or ``refresh``.

An open or delete intent names the workspace the list showed: if the workspace
changed since (``rb.set_workspace`` in a cell), it is refused rather than applied
to a same-named dataset of another workspace.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

import traitlets
from anywidget import AnyWidget

from ..errors import RubrixWidgetsError
from ..page_state.dataset_listing import (
    DEFAULT_SORT,
    DatasetListing,
    check_list_sort,
    dataset_rows,
)
from ..store import workspace as ws
from .front_end import bundle
from .protocol import WidgetProtocol, action

LIST_KERNEL_OWNED = {
    "workspace": "call switch_workspace(name) instead",
    "_workspace_folder": "call switch_workspace(name) instead",
    "_workspaces": "call refresh() instead",
    "_datasets": "call refresh() instead",
}


class ListActions(WidgetProtocol):
    """The list's intents, for a widget holding a :class:`DatasetListing` as ``_listing``
    and methods ``open_dataset``, ``delete``, ``refresh`` and ``switch_workspace``."""

    _listing: DatasetListing

    if TYPE_CHECKING:  # what the widget class provides (DatasetList, Home)

        def open_dataset(self, name: str) -> Any: ...

        def delete(self, name: str) -> list[str]: ...

        def refresh(self) -> list[str]: ...

        def switch_workspace(self, name: str) -> list[str]: ...

    @action("open", result="string")
    def _on_open(self, *, name, workspace) -> str:
        self.open_dataset(self._listing.check_click("open", name, workspace))
        return name

    @action("delete", result="string[]")
    def _on_delete(self, *, name, workspace) -> list[str]:
        return self.delete(self._listing.check_click("delete", name, workspace))

    @action("refresh", result="string[]")
    def _on_refresh(self) -> list[str]:
        return self.refresh()

    @action("switch_workspace", result="string[]")
    def _on_switch_workspace(self, *, workspace) -> list[str]:
        return self.switch_workspace(workspace)

    @action("check_workspace", result="WorkspaceCheck")
    def _on_check_workspace(self, *, workspace) -> dict:
        return self._listing.check_workspace(workspace)

    @property
    def names(self) -> list[str]:
        """The names of the datasets listed.

        Examples
        --------
        >>> _ = rb.log([rb.TextClassificationRecord(text="Rain all week")], "news", verbose=False)
        >>> _ = rb.log([rb.TextClassificationRecord(text="Cup final")], "sports", verbose=False)
        >>> rb.home().names
        ['news', 'sports']
        """
        return list(self._listing.names)

    def _alive(self) -> bool:
        return self.comm is not None


class DatasetList(ListActions, AnyWidget):
    """The datasets of the workspace: search, sort, open, delete (with confirmation),
    switch workspace."""

    _esm = bundle("dataset_list.js")  # front_end.py: hot-reloaded (ANYWIDGET_HMR)
    _css = bundle("dataset_list.css")
    _browser_writable: ClassVar[frozenset[str]] = frozenset({"query", "sort"})
    _kernel_owned: ClassVar[dict[str, str]] = {**WidgetProtocol._kernel_owned, **LIST_KERNEL_OWNED}

    query = traitlets.Unicode("").tag(sync=True)
    sort = traitlets.List(list(DEFAULT_SORT)).tag(sync=True)
    # --- what the kernel computes -------------------------------------------------------
    workspace = traitlets.Unicode("").tag(sync=True)  # its name (a folder workspace: the path)
    _workspace_folder = traitlets.Unicode("").tag(sync=True)
    # the named workspaces (ws.list_workspaces)
    _workspaces: traitlets.List[str] = traitlets.List().tag(sync=True)
    _datasets: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True)

    def __init__(self, on_open: Callable[[str], Any] | None = None, **kwargs: Any):
        unknown = set(kwargs) - {"query", "sort"}
        if unknown:
            raise TypeError(
                f"DatasetList got unexpected arguments {sorted(unknown)}; it takes on_open, "
                "query, sort"
            )
        self._on_open_dataset = on_open
        super().__init__(**kwargs)
        self._listen()
        self._listing = DatasetListing(self._publish, self._alive)

    @traitlets.validate("sort")
    def _valid_sort(self, proposal):
        try:
            return check_list_sort(proposal["value"])
        except ValueError as exc:
            raise traitlets.TraitError(str(exc)) from None

    def refresh(self) -> list[str]:
        """Re-read the workspace (datasets written elsewhere appear).

        Returns
        -------
        list of str
            The names of the datasets listed.

        Examples
        --------
        >>> from rubrix_widgets.widgets import DatasetList
        >>> datasets = DatasetList()
        >>> _ = rb.log([rb.TextClassificationRecord(text="Rain all week")], "news", verbose=False)
        >>> datasets.refresh()
        ['news']
        """
        return self._listing.refresh()

    def open_dataset(self, name: str) -> Any:
        """Open dataset ``name`` with the ``on_open`` callback this list was made with.

        ``rb.home()`` is the list and the page in one widget: use it to open pages.

        Returns
        -------
        object
            What ``on_open`` returned.

        Raises
        ------
        RubrixWidgetsError
            When the list was made without ``on_open``.

        Examples
        --------
        >>> from rubrix_widgets.widgets import DatasetList
        >>> _ = rb.log([rb.TextClassificationRecord(text="Rain all week")], "news", verbose=False)
        >>> _ = rb.log([rb.TextClassificationRecord(text="Cup final")], "sports", verbose=False)
        >>> DatasetList(on_open=print).open_dataset("news")
        news
        """
        ws.existing(name)  # a clear NotFoundError / ValueError naming it
        if self._on_open_dataset is None:
            raise RubrixWidgetsError(
                f"this dataset list opens no pages; use rb.show({name!r}), or rb.home() for "
                "the list and the pages it opens"
            )
        return self._on_open_dataset(name)

    def delete(self, name: str) -> list[str]:
        """Delete dataset ``name`` (``rb.delete``).

        Returns
        -------
        list of str
            The names of the remaining datasets.

        Examples
        --------
        >>> from rubrix_widgets.widgets import DatasetList
        >>> _ = rb.log([rb.TextClassificationRecord(text="Rain all week")], "news", verbose=False)
        >>> _ = rb.log([rb.TextClassificationRecord(text="Cup final")], "sports", verbose=False)
        >>> DatasetList().delete("sports")
        ['news']
        """
        return self._listing.delete(name)

    def switch_workspace(self, name: str) -> list[str]:
        """Show the datasets of workspace ``name``: ``rb.set_workspace(name)``.

        This kernel's workspace changes; a new name starts an empty workspace.

        Returns
        -------
        list of str
            The names of that workspace's datasets.

        Examples
        --------
        >>> from rubrix_widgets.widgets import DatasetList
        >>> _ = rb.log([rb.TextClassificationRecord(text="Rain all week")], "news", verbose=False)
        >>> _ = rb.log([rb.TextClassificationRecord(text="Cup final")], "sports", verbose=False)
        >>> datasets = DatasetList()
        >>> first = datasets.workspace
        >>> datasets.switch_workspace("my-team")
        []
        >>> datasets.switch_workspace(first)
        ['news', 'sports']
        """
        return self._listing.switch_workspace(name)

    def close(self) -> None:
        """Close the widget; it stops following the workspace.

        Examples
        --------
        >>> from rubrix_widgets.widgets import DatasetList
        >>> datasets = DatasetList()
        >>> datasets.close()
        >>> datasets.comm is None
        True
        """
        listing = getattr(self, "_listing", None)
        if listing is not None:
            listing.close()
        super().close()


__all__ = ["DatasetList", "ListActions", "dataset_rows"]
