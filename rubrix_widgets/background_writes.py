"""Writes still in flight in the background, and waiting for them to land.

``rb.log(..., background=True)`` and ``rb.log_async`` run on one writer thread, in call
order (Rubrix ran them on an event loop in a thread); every other write of this process
first waits for the ones already queued, so ``rb.log(a, background=True); rb.log(b)``
stores b after a. ``rb.monitor`` gathers its sampled predictions on threads of its own;
reads let them land first (:func:`settle_monitors`).
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when first used: a process that only reads never pays for it
    import concurrent.futures

_log = logging.getLogger(__name__)
_writer: concurrent.futures.ThreadPoolExecutor | None = None
_queued: list[concurrent.futures.Future] = []
_queue_guard = threading.Lock()
_in_writer = threading.local()


def submit(
    function: Callable[..., Any], *args: Any, announce: bool = False
) -> concurrent.futures.Future:
    """Run ``function(*args)`` on the writer thread, after the writes queued before it.
    ``announce``: log an error nobody asks the future for (as Rubrix did)."""
    global _writer
    import concurrent.futures

    def run():
        _in_writer.active = True
        try:
            return function(*args)
        except Exception as exc:
            if announce:
                _log.error("background rb.log to %r failed: %s", args[1], exc)
            raise

    with _queue_guard:
        if _writer is None:
            _writer = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="rb.log")
        future = _writer.submit(run)
        _queued.append(future)
    future.add_done_callback(_forget)
    return future


def _forget(future: concurrent.futures.Future) -> None:
    with _queue_guard:
        if future in _queued:
            _queued.remove(future)


def wait_for_background() -> None:
    """Let queued background writes finish first (not from the writer thread itself: a
    listener woken by a background write may write too)."""
    if getattr(_in_writer, "active", False):
        return
    with _queue_guard:
        pending = list(_queued)
    if pending:
        import concurrent.futures

        concurrent.futures.wait(pending)


def settle_monitors() -> None:
    """``rb.monitor`` writes its sampled predictions from a background thread; a read (or a
    switch of workspace) lets them land first, so a notebook run top to bottom sees what the
    model just predicted, in the workspace it predicted in."""
    writer = sys.modules.get("rubrix_widgets.monitoring._writer")
    if writer is not None:
        writer.flush_all()
