"""Telling an open page that its dataset was changed by another writer in this kernel.

Writes made in this process (``rb.log``, ``rb.delete_records``, another page, a listener)
are announced on the store's change channel (``store.changes``), inside the writer's call,
which may run on a background writer's thread (``rb.log(..., background=True)``). The
follower passes them on to the page on the kernel's event loop, in its thread (the loop
running when the follower was made; at once when none was: scripts, tests), once for
several changes in a row. The page only tells its
front end, which asks for a refresh if it shows the page (see ``DatasetPage.sync``): a page
nobody shows any more (its cell was run again) costs a message, not a recount. Writes by
other processes are found by the front end asking every few seconds.

The follower holds the page weakly, so it does not keep a dropped page alive.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from pathlib import Path

from ..store import changes
from .kernel_loop import call_on_loop, running_loop

_log = logging.getLogger(__name__)


class StoreFollower:
    """Call ``on_change()`` after another writer in this process changes the dataset in
    ``folder``; the page's own writes (while ``own_write()`` is true) are not passed on.
    ``close()`` stops it."""

    def __init__(self, folder: Path, on_change: Callable[[], None], own_write: Callable[[], bool]):
        self.folder = folder
        self._callback = weakref.WeakMethod(on_change)  # a bound method of the page
        self._own_write = own_write
        self._closed = False
        self._loop = running_loop()  # the kernel's: pages are made in its thread
        self._pending = False
        self._guard = threading.Lock()
        changes.watch(folder, self._changed)

    def _changed(self) -> None:
        if self._own_write():  # told inside the writer's call: the page is writing
            return
        if self._loop is None:
            self._notify()
            return
        with self._guard:
            if self._pending:
                return
            self._pending = True
        call_on_loop(self._loop, self._notify)

    def _notify(self) -> None:
        with self._guard:
            self._pending = False
        if self._closed:
            return
        callback = self._callback()
        if callback is None:
            self.close()
            return
        try:
            callback()
        except Exception:  # the page's host is gone (e.g. a Panel session that ended)
            _log.warning(
                "a page could not take a change to %s; it stops following it",
                self.folder,
                exc_info=True,
            )
            self.close()

    def close(self) -> None:
        self._closed = True
        changes.unwatch(self.folder, self._changed)
