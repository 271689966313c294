"""Telling an open page that its dataset was changed by another writer in this kernel.

Writes made in this process (``rb.log``, ``rb.delete_records``, another page, a listener)
are announced on the store's change channel (``store.changes``), inside the writer's call.
The follower passes them on to the page once the kernel is idle (at once when no event
loop runs: scripts, tests), once for several changes in a row. The page only tells its
front end, which asks for a refresh if it shows the page (see ``DatasetPage.sync``): a page
nobody shows any more (its cell was run again) costs a message, not a recount. Writes by
other processes are found by the front end asking every few seconds.

The follower holds the page weakly, so it does not keep a dropped page alive.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from pathlib import Path

from ..store import changes
from .kernel_loop import running_loop


class StoreFollower:
    """Call ``on_change()`` after another writer in this process changes the dataset in
    ``folder``; the page's own writes (while ``own_write()`` is true) are not passed on.
    ``close()`` stops it."""

    def __init__(self, folder: Path, on_change: Callable[[], None], own_write: Callable[[], bool]):
        self.folder = folder
        self._callback = weakref.WeakMethod(on_change)  # a bound method of the page
        self._own_write = own_write
        self._pending: asyncio.Handle | None = None
        changes.watch(folder, self._changed)

    def _changed(self) -> None:
        if self._own_write():  # told inside the writer's call: the page is writing
            return
        loop = running_loop()
        if loop is None:
            self._notify()
        elif self._pending is None:
            self._pending = loop.call_soon(self._notify)

    def _notify(self) -> None:
        self._pending = None
        callback = self._callback()
        if callback is None:
            self.close()
            return
        callback()

    def close(self) -> None:
        changes.unwatch(self.folder, self._changed)
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
