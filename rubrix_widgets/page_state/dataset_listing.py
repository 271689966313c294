"""The kernel side of the list of datasets, shared by ``DatasetList`` (the list alone)
and ``Home`` (the list and the page it opens, in one widget).

It reads the workspace (``rb.datasets()`` as JSON rows: counts and annotated
percentages computed here; the current workspace and the named ones) and hands the
values to its widget through ``publish``. It follows this kernel's changes of the
dataset list (``store.workspace.subscribe``: logs, deletes, copies, settings, another
workspace), on the kernel's event loop whatever thread made them, and checks a click
against the workspace the list showed when it was made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from .. import client
from ..errors import InvalidNameError
from ..store import workspace as ws
from .kernel_loop import call_on_loop, running_loop

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
    """``rb.datasets()`` as the JSON rows the list shows.

    >>> [row["name"] for row in dataset_rows()]
    ['news', 'reviews']
    """
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


def check_list_sort(value: object) -> list:
    """``[column, "asc"|"desc"]``, or a ValueError naming the allowed columns."""
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2
        or value[0] not in COLUMNS
        or value[1] not in DIRECTIONS
    ):
        raise ValueError(
            f"sort {value!r} must be [column, direction] with column in {list(COLUMNS)} "
            f"and direction 'asc' or 'desc'"
        )
    return list(value)


class DatasetListing:
    """The datasets of the current workspace, published as the list's traits
    (``workspace``, ``_workspace_folder``, ``_workspaces``, ``_datasets``).

    ``publish(**traits)`` sets them on the widget; ``alive()`` says whether the widget
    still has a front end (a closed one stops listening)."""

    def __init__(self, publish: Callable[..., None], alive: Callable[[], bool]):
        self._publish = publish
        self._alive = alive
        self._loop = running_loop()  # the kernel's: widgets are made in its thread
        self.names: list[str] = []
        self.workspaces: list[str] = []
        self.workspace = ""
        self.refresh()
        ws.subscribe(self._on_workspace_change)  # weakly: a dropped listing is not kept

    def refresh(self) -> list[str]:
        """Re-read the workspace; returns the dataset names."""
        rows = dataset_rows()
        self.workspace = ws.workspace_name()
        self.workspaces = ws.list_workspaces()
        self.names = [row["name"] for row in rows]
        self._publish(
            workspace=self.workspace,
            _workspace_folder=str(ws.root()),
            _workspaces=self.workspaces,
            _datasets=rows,
        )
        return self.names

    def _on_workspace_change(self, _name: str | None) -> None:
        if not self._alive():  # closed: stop listening
            self.close()
            return
        call_on_loop(self._loop, self._refresh_if_alive)

    def _refresh_if_alive(self) -> None:
        if self._alive():
            self.refresh()

    def close(self) -> None:
        ws.unsubscribe(self._on_workspace_change)

    # --- what the list's clicks and methods do ---------------------------------------------
    def delete(self, name: str) -> list[str]:
        """Delete dataset ``name`` (``rb.delete``); returns the remaining names."""
        ws.existing(name)  # rb.delete of a missing dataset does nothing (Rubrix): say so here
        client.delete(name)  # notifies: every open list refreshes
        if name in self.names:  # the notification did not reach us (e.g. no event loop yet)
            self.refresh()
        return self.names

    def switch_workspace(self, name: str) -> list[str]:
        """``rb.set_workspace(name)`` (a new name starts an empty workspace); its names."""
        problem = workspace_name_problem(name)
        if problem is not None:
            raise InvalidNameError(problem)
        ws.set_workspace(name)  # notifies: every open list refreshes
        if self.workspace != name:  # the notification did not reach us
            self.refresh()
        return self.names

    def check_workspace(self, name: object) -> dict[str, Any]:
        """What the workspace picker shows while a name is typed."""
        problem = workspace_name_problem(name)
        return {"problem": problem, "new": problem is None and name not in self.workspaces}

    def check_click(self, action: str, name: object, shown: object) -> str:
        """A click on dataset ``name`` in a list that showed workspace ``shown``: the name,
        or an error if it is not a dataset name or the workspace changed since (a
        same-named dataset elsewhere is another dataset)."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"{action} needs 'name', a dataset name, not {name!r}")
        ws.check_name(name)  # a bad name is refused as such, whatever the workspace
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
        return name
