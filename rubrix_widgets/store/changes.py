"""Record changes made in this process, per dataset folder: what listeners wake on.

Every write goes through :meth:`DatasetStore.write` (``rb.log``, widget clicks, undo), and
``rb.delete`` removes the folder; both call :func:`changed` once the change is committed.
Watchers are called synchronously, after the dataset's lock is released, so a watcher may
read the dataset; one that raises is logged and skipped, because a write never fails
because of a watcher. Writes by other processes are not seen here (a listener polls for
those).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable
from pathlib import Path

_log = logging.getLogger(__name__)

_watchers: dict[str, list[Callable[[], None]]] = {}


def _key(folder: str | os.PathLike) -> str:
    return os.path.normcase(os.path.abspath(folder))


def watch(folder: str | os.PathLike, callback: Callable[[], None]) -> None:
    """Call ``callback()`` after each committed change of the dataset in ``folder``."""
    _watchers.setdefault(_key(folder), []).append(callback)


def unwatch(folder: str | os.PathLike, callback: Callable[[], None]) -> None:
    key = _key(folder)
    callbacks = _watchers.get(key, [])
    with contextlib.suppress(ValueError):
        callbacks.remove(callback)
    if not callbacks:
        _watchers.pop(key, None)


def changed(folder: str | os.PathLike | Path) -> None:
    for callback in list(_watchers.get(_key(folder), ())):
        try:
            callback()
        except Exception:
            _log.exception("dataset change watcher failed")
