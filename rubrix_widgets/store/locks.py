"""Locks that keep writers apart across threads and processes.

One lock file per folder (``.lock``). Writers hold it exclusively for the
whole write; readers hold it shared only while they take a consistent view
(manifest + index searcher), then let go and compute without it.

``flock`` locks belong to an open file, not to a thread, so inside one
process a re-entrant thread lock per folder comes first and only its
outermost holder touches the file lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from .._fs import storage_errors
from ..errors import StorageError

DEFAULT_TIMEOUT_S = 600.0
_LOCK_NAME = ".lock"


class _FolderLock:
    def __init__(self, folder: Path):
        self.folder = folder
        self.thread_lock = threading.RLock()
        self.depth = 0
        self.mode: int | None = None  # fcntl.LOCK_SH or LOCK_EX while held
        self.fd: int | None = None

    def _open(self) -> int:
        if self.fd is None:
            with storage_errors(self.folder):
                self.fd = os.open(self.folder / _LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        return self.fd

    def _flock(self, mode: int, timeout: float) -> None:
        fd = self._open()
        deadline = time.monotonic() + timeout
        delay = 0.001
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StorageError(
                        f"{self.folder} has been locked by another process for over "
                        f"{timeout:.0f} s; if no other notebook is writing to it, "
                        "restart the kernel that holds it"
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.05)

    @contextlib.contextmanager
    def hold(self, exclusive: bool, timeout: float) -> Iterator[None]:
        wanted = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        if not self.thread_lock.acquire(timeout=timeout):
            raise StorageError(f"{self.folder} is busy in another thread of this process")
        previous = self.mode
        try:
            if self.depth == 0 or (exclusive and previous != fcntl.LOCK_EX):
                self._flock(wanted, timeout)
                self.mode = wanted
            self.depth += 1
            try:
                yield
            finally:
                self.depth -= 1
                if self.depth == 0:
                    fcntl.flock(self.fd, fcntl.LOCK_UN)  # type: ignore[arg-type]
                    self.mode = None
                elif previous is not None and previous != self.mode:
                    fcntl.flock(self.fd, previous)  # type: ignore[arg-type]
                    self.mode = previous
        finally:
            self.thread_lock.release()

    def close(self) -> None:
        if self.fd is not None and self.depth == 0:
            os.close(self.fd)
            self.fd = None


_registry: dict[Path, _FolderLock] = {}
_registry_guard = threading.Lock()


def _lock_for(folder: Path) -> _FolderLock:
    key = folder.resolve()
    with _registry_guard:
        lock = _registry.get(key)
        if lock is None:
            lock = _registry[key] = _FolderLock(key)
        return lock


@contextlib.contextmanager
def exclusive(folder: Path, timeout: float = DEFAULT_TIMEOUT_S) -> Iterator[None]:
    """Hold the folder's lock for writing (one writer in all processes)."""
    with _lock_for(folder).hold(True, timeout):
        yield


@contextlib.contextmanager
def shared(folder: Path, timeout: float = DEFAULT_TIMEOUT_S) -> Iterator[None]:
    """Hold the folder's lock for reading (no writer meanwhile)."""
    with _lock_for(folder).hold(False, timeout):
        yield


def forget(folder: Path) -> None:
    """Close the lock file of a folder that is being deleted."""
    key = folder.resolve()
    with _registry_guard:
        lock = _registry.pop(key, None)
    if lock is not None:
        with lock.thread_lock:
            lock.close()
