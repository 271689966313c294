"""Running work when the kernel is idle again, without blocking the cell."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The kernel's event loop when it is running (ipykernel), else None (scripts, tests).

    Cells and comm messages run inside ipykernel's loop, so it is the running loop. (Asking
    the policy instead would create, and leak, a loop in a plain script.)
    """
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def soon(callback: Callable[[], None]) -> None:
    """Run ``callback`` once the kernel is idle again (after the cell has displayed the
    widget); right away when no event loop runs (scripts, tests)."""
    loop = running_loop()
    if loop is not None:
        loop.call_soon(callback)
    else:
        callback()


def call_on_loop(loop: asyncio.AbstractEventLoop | None, callback: Callable[[], None]) -> None:
    """Run ``callback`` on ``loop`` (the kernel's, captured in its thread): soon when called
    in that loop, thread-safely when called from another thread (a background writer: an
    update pushed from there may not render in some front ends, and ipywidgets is not
    thread-safe); right away when there is no loop (scripts, tests)."""
    if loop is None or loop.is_closed():
        callback()
    elif running_loop() is loop:
        loop.call_soon(callback)
    else:
        loop.call_soon_threadsafe(callback)
