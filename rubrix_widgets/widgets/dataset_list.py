"""Rubrix's home page, inline: the list of datasets, and the dataset page it opens.

    >>> home = rb.home()          # or rb.show() with no name
    >>> home.open("news")         # that dataset's page, with "Back to datasets"
    >>> home.back()
    >>> home.delete("old-news")
    >>> home.switch_workspace("my-team")   # rb.set_workspace("my-team"), and its datasets

The kernel owns the data: the browser gets the rows of ``rb.datasets()`` as
JSON (counts and annotated percentages computed here), the current workspace
and the named ones, filters and sorts that short list itself, and sends
intents back (``{"type": "action", ...}`` messages, answered with an ``ack``,
as on the dataset page). Every method takes the same path as the click. Open
lists refresh when this kernel logs, deletes, copies or configures a dataset,
or changes workspace (``store.workspace.subscribe``).

An open or delete intent names the workspace the list showed: if the workspace
changed since (``rb.set_workspace`` in a cell), it is refused rather than applied
to a same-named dataset of another workspace. A dataset page opened here keeps
its own workspace's dataset whatever the list shows later.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets
import pandas as pd
import traitlets
from anywidget import AnyWidget

from .. import client
from ..errors import InvalidNameError, RubrixWidgetsError
from ..store import workspace as ws
from ..timing import logger
from .dataset_page import DatasetPage
from .front_end import front_end

COLUMNS = ("name", "tags", "task", "records", "annotated", "created_at", "updated_at")
DIRECTIONS = ("asc", "desc")
DEFAULT_SORT = ["updated_at", "desc"]


def _iso(value: Any) -> str:
    if value is None or pd.isna(value):
        return ""
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp.isoformat(timespec="seconds") + "Z"


def dataset_rows() -> list[dict[str, Any]]:
    """``rb.datasets()`` as the JSON rows the list shows."""
    frame = client.datasets()
    rows = []
    for row in frame.itertuples(index=False):
        records, annotated = int(row.records), int(row.annotated)
        rows.append(
            {
                "name": row.name,
                "task": row.task,
                "tags": {str(k): str(v) for k, v in (row.tags or {}).items()},
                "records": records,
                "annotated": annotated,
                "annotated_percent": round(100.0 * annotated / records, 1) if records else 0.0,
                "created_at": _iso(row.created_at),
                "updated_at": _iso(row.updated_at),
            }
        )
    return rows


def workspace_name_problem(name: object) -> str | None:
    """Why ``name``, typed as a workspace name, cannot be one (the whole sentence), or None."""
    if isinstance(name, str) and not name.strip():
        return "type a workspace name, or pick a workspace in the list"
    problem = ws.workspace_problem(name)
    if problem is None:
        return None
    shown = repr(name)
    if len(shown) > 80:
        shown = shown[:60] + f"... ({len(shown)} characters)"
    return (
        f"workspace name {shown} is not allowed: it {problem}; a workspace name has letters, "
        f"digits, - and _, starts with a letter or digit and has at most {ws.MAX_NAME_LENGTH} "
        "characters"
    )


class DatasetList(AnyWidget):
    """The datasets of the workspace: search, sort, open, delete (with confirmation),
    switch workspace."""

    query = traitlets.Unicode("").tag(sync=True)
    sort = traitlets.List(list(DEFAULT_SORT)).tag(sync=True)
    # --- what the kernel computes -------------------------------------------------------
    workspace = traitlets.Unicode("").tag(sync=True)  # its name (a folder workspace: the path)
    _workspace_folder = traitlets.Unicode("").tag(sync=True)
    _workspaces = traitlets.List().tag(sync=True)  # the named workspaces (ws.list_workspaces)
    _datasets = traitlets.List().tag(sync=True)

    def __init__(self, on_open: Callable[[str], Any] | None = None, **kwargs: Any):
        unknown = set(kwargs) - {"query", "sort"}
        if unknown:
            raise TypeError(
                f"DatasetList got unexpected arguments {sorted(unknown)}; it takes on_open, "
                "query, sort"
            )
        self._esm = front_end("dataset_list.js")
        self._css = front_end("dataset_list.css")
        self._on_open = on_open
        super().__init__(**kwargs)
        self.on_msg(self._on_message)
        self.refresh()
        ws.subscribe(self._on_workspace_change)  # weakly: a closed list is not kept alive

    @traitlets.validate("sort")
    def _valid_sort(self, proposal):
        value = proposal["value"]
        if (
            not isinstance(value, list | tuple)
            or len(value) != 2
            or value[0] not in COLUMNS
            or value[1] not in DIRECTIONS
        ):
            raise traitlets.TraitError(
                f"sort {value!r} must be [column, direction] with column in {list(COLUMNS)} "
                f"and direction 'asc' or 'desc'"
            )
        return list(value)

    # --- data ------------------------------------------------------------------------------
    def refresh(self) -> list[str]:
        """Re-read the workspace; returns the dataset names."""
        with self.hold_sync():
            self.workspace = ws.workspace_name()
            self._workspace_folder = str(ws.root())
            self._workspaces = ws.list_workspaces()
            self._datasets = dataset_rows()
        return self.names

    @property
    def names(self) -> list[str]:
        return [row["name"] for row in self._datasets]

    def _on_workspace_change(self, _name: str | None) -> None:
        if self.comm is None:  # closed: stop listening
            ws.unsubscribe(self._on_workspace_change)
            return
        self.refresh()

    def close(self) -> None:
        ws.unsubscribe(self._on_workspace_change)
        super().close()

    # --- actions: the same path for clicks and Python calls ---------------------------------
    def open(self, name: str | None = None) -> Any:
        """Open dataset ``name`` (in the :class:`Home` that holds this list).

        (``open()`` with no name is ipywidgets' own: it opens the widget's comm.)"""
        if name is None:
            return super().open()
        ws.existing(name)  # a clear NotFoundError / ValueError naming it
        if self._on_open is None:
            raise RubrixWidgetsError(
                f"this dataset list is not inside a home page; use rb.show({name!r}) to open it"
            )
        return self._on_open(name)

    def delete(self, name: str) -> list[str]:
        """Delete dataset ``name`` (``rb.delete``); returns the remaining names."""
        ws.existing(name)  # rb.delete of a missing dataset does nothing (Rubrix): say so here
        client.delete(name)  # notifies: every open list refreshes
        if name in self.names:  # the notification did not reach us (e.g. closed comm)
            self.refresh()
        return self.names

    def switch_workspace(self, name: str) -> list[str]:
        """Show the datasets of workspace ``name``: ``rb.set_workspace(name)`` (this kernel's
        workspace changes; a new name starts an empty workspace). Returns its dataset names.

        >>> home.list.switch_workspace("my-team")
        ['news', 'reviews']
        """
        problem = workspace_name_problem(name)
        if problem is not None:
            raise InvalidNameError(problem)
        ws.set_workspace(name)  # notifies: every open list refreshes
        if self.workspace != name:  # the notification did not reach us (e.g. closed comm)
            self.refresh()
        return self.names

    # --- messages from the browser ------------------------------------------------------------
    def _on_message(self, _widget, content: dict, _buffers) -> None:
        if not isinstance(content, dict) or content.get("type") != "action":
            return
        request = content.get("request")
        try:
            result = self._dispatch(content)
            self.send({"type": "ack", "request": request, "ok": True, "changed": result})
        except (ValueError, RubrixWidgetsError) as exc:
            self.send({"type": "ack", "request": request, "ok": False, "error": str(exc)})
        except Exception as exc:  # the browser must always get an answer
            logger.exception("dataset list: action %r failed", content.get("action"))
            self.send(
                {
                    "type": "ack",
                    "request": request,
                    "ok": False,
                    "error": f"{type(exc).__name__}: {exc}",
                }
            )

    def _dispatch(self, content: dict) -> Any:
        action = content.get("action")
        if action in ("open", "delete"):
            name = content.get("name")
            if not isinstance(name, str) or not name:
                raise ValueError(f"{action} needs 'name', a dataset name, not {name!r}")
            ws.check_name(name)  # a bad name is refused as such, whatever the workspace
            self._check_shown_workspace(action, content.get("workspace"))
            if action == "open":
                self.open(name)
                return name
            return self.delete(name)
        if action == "refresh":
            return self.refresh()
        if action == "switch_workspace":
            return self.switch_workspace(content.get("workspace"))
        if action == "check_workspace":
            name = content.get("workspace")
            problem = workspace_name_problem(name)
            return {"problem": problem, "new": problem is None and name not in self._workspaces}
        raise ValueError(
            f"unknown action {action!r}; expected open, delete, refresh, switch_workspace or "
            "check_workspace"
        )

    def _check_shown_workspace(self, action: str, shown: object) -> None:
        """The list the click was made on showed workspace ``shown``: refuse the click if
        the workspace changed since (a same-named dataset elsewhere is another dataset)."""
        if not isinstance(shown, str):
            raise ValueError(
                f"{action} needs 'workspace', the workspace the list showed, not {shown!r}"
            )
        current = ws.workspace_name()
        if shown != current:
            self.refresh()
            raise ValueError(
                f"the list showed workspace {shown!r}, but the workspace is now {current!r} "
                f"(switched since): nothing was done. The list now shows {current!r}"
            )


class Home(ipywidgets.VBox):
    """Rubrix's home page: the dataset list; a dataset's page once one is opened.

    ``children`` is ``[list]`` or ``[back_button, page]``.
    """

    def __init__(self, **kwargs: Any):
        self.list = DatasetList(on_open=self.open, **kwargs)
        self.back_button = ipywidgets.Button(
            description="Back to datasets",
            icon="arrow-left",
            tooltip="Back to the list of datasets",
            layout=ipywidgets.Layout(width="auto", align_self="flex-start", margin="0 0 6px 0"),
        )
        self.back_button.on_click(lambda _button: self.back())
        self.page: DatasetPage | None = None
        super().__init__(children=[self.list])
        self.add_class("rw-home-box")

    @property
    def opened(self) -> str | None:
        """The name of the dataset whose page is shown, or None on the list."""
        return self.page.dataset_name if self.page is not None else None

    def open(self, name: str | None = None, **page_options: Any) -> DatasetPage | None:
        """Show dataset ``name``'s page (``DatasetPage(name, **page_options)``).

        (``open()`` with no name is ipywidgets' own: it opens the widget's comm.)"""
        if name is None:
            return super().open()
        page = DatasetPage(name, **page_options)  # raises before anything changes
        previous, self.page = self.page, page
        self.children = [self.back_button, page]
        if previous is not None:
            previous.close()
        return page

    def back(self) -> list[str]:
        """Back to the (refreshed) dataset list; returns its names."""
        previous, self.page = self.page, None
        names = self.list.refresh()  # the page may have changed counts
        self.children = [self.list]
        if previous is not None:
            previous.close()
        return names

    def delete(self, name: str) -> list[str]:
        """Delete dataset ``name``; returns the remaining names. Its open page closes."""
        names = self.list.delete(name)
        if self.opened == name:
            self.back()
        return names

    def refresh(self) -> list[str]:
        """Re-read the workspace (datasets written by other processes, for instance)."""
        return self.list.refresh()

    def switch_workspace(self, name: str) -> list[str]:
        """Show workspace ``name``'s datasets (``rb.set_workspace(name)``); an open dataset
        page stays open, on its own workspace's dataset."""
        return self.list.switch_workspace(name)

    def close(self) -> None:
        page = getattr(self, "page", None)
        if page is not None:
            page.close()
            self.page = None
        for part in (getattr(self, "list", None), getattr(self, "back_button", None)):
            if part is not None:
                part.close()
        super().close()


__all__ = ["DatasetList", "Home", "dataset_rows"]
