"""Write a monitor's records with ``rb.log`` from a background thread.

A monitored model must not wait for the disk, so each monitor hands its sampled
predictions to its own writer thread (Rubrix also logged from a background thread).
Jobs gathered for ``log_interval`` seconds, or queued while a write is running, are
written together in one ``rb.log`` call (same dataset, tags and metadata), which keeps
up with a model called record by record. Nothing is lost at interpreter exit: an
``atexit`` hook waits for every writer (see :func:`flush_all`). The thread ends after
a few idle seconds and starts again on the next job, so a notebook that re-creates
monitors does not pile up threads.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

_LOGGER = logging.getLogger(__name__)

IDLE_EXIT_S = 5.0  # an idle writer thread ends after this; the next job starts a new one
EXIT_FLUSH_TIMEOUT_S = 120.0  # how long interpreter exit waits for pending records


@dataclass
class LogBatch:
    """What one job writes: records for one dataset, with its dataset-level info."""

    name: str
    records: list[Any]
    tags: dict[str, str] | None = None
    metadata: dict[str, Any] | None = None
    failed: int = 0  # predictions that could not become records (logged, skipped)


@dataclass
class _Job:
    prepare: Callable[[], LogBatch]
    future: Future = field(default_factory=Future)


_WRITERS: weakref.WeakSet[RecordWriter] = weakref.WeakSet()


class RecordWriter:
    """One monitor's background writer.

    Parameters
    ----------
    log_interval : float
        Seconds to collect jobs before writing them (0: write as soon as the thread
        is free; jobs queued during a write still go together into the next one).
        Every write has a fixed cost (an index commit), so gathering saves CPU.
    """

    def __init__(self, log_interval: float = 1.0):
        self.log_interval = log_interval
        self._queue: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pending = 0  # jobs submitted and not finished yet
        self._hurry = threading.Event()  # set by flush(): stop gathering, write now
        self._thread: threading.Thread | None = None
        _WRITERS.add(self)

    def submit(self, prepare: Callable[[], LogBatch]) -> Future:
        """Queue ``prepare`` (run in the writer thread) and return a Future of its
        :class:`~rubrix_widgets.records.BulkResponse`."""
        job = _Job(prepare)
        with self._lock:
            self._pending += 1
            self._queue.put(job)
            if self._thread is None or not self._thread.is_alive():
                # a writer thread that died with the process's fork is restarted here too
                self._thread = threading.Thread(
                    target=self._run, name="rubrix_widgets-monitor", daemon=True
                )
                self._thread.start()
        return job.future

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every job submitted so far is written (or failed, and logged).

        Returns False if ``timeout`` seconds passed first.
        """
        if self._pending:
            self._hurry.set()
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while self._pending:
                if self._thread is None or not self._thread.is_alive():
                    # no thread left to do it (interpreter shutting down): write here
                    self._lock.release()
                    try:
                        self._drain_inline()
                    finally:
                        self._lock.acquire()
                    continue
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._idle.wait(0.1 if remaining is None else min(remaining, 0.1))
        return True

    @property
    def pending(self) -> int:
        """Jobs queued or being written."""
        return self._pending

    # -- the writer thread ------------------------------------------------------------
    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=IDLE_EXIT_S)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            # gather by sleeping, not by waiting on the queue: a job queued meanwhile
            # then costs the model's thread no wake-up of this one
            if self._hurry.wait(self.log_interval):
                self._hurry.clear()
            jobs = [first]
            self._take_queued(jobs)
            self._write(jobs)

    def _take_queued(self, jobs: list[_Job]) -> None:
        while True:
            try:
                jobs.append(self._queue.get_nowait())
            except queue.Empty:
                return

    def _drain_inline(self) -> None:
        jobs: list[_Job] = []
        self._take_queued(jobs)
        if jobs:
            self._write(jobs)

    def _write(self, jobs: list[_Job]) -> None:
        prepared: list[tuple[_Job, LogBatch]] = []
        for job in jobs:
            try:
                prepared.append((job, job.prepare()))
            except Exception as exc:  # a monitor never breaks the model; say why instead
                _LOGGER.error("Cannot prepare monitored records: %s", exc, exc_info=exc)
                self._finish([job], exc)
        # consecutive jobs for the same dataset (and dataset info) share one write
        group: list[tuple[_Job, LogBatch]] = []
        for item in prepared:
            if group and not _same_target(group[0][1], item[1]):
                self._log(group)
                group = []
            group.append(item)
        if group:
            self._log(group)

    def _log(self, group: list[tuple[_Job, LogBatch]]) -> None:
        from ..client import log
        from ..records import BulkResponse

        first = group[0][1]
        records = [record for _, batch in group for record in batch.records]
        try:
            if records:
                log(
                    records,
                    name=first.name,
                    tags=first.tags,
                    metadata=first.metadata,
                    verbose=False,
                )
        except Exception as exc:
            _LOGGER.error(
                "Cannot log %d monitored records to dataset %r: %s",
                len(records),
                first.name,
                exc,
                exc_info=exc,
            )
            self._finish([job for job, _ in group], exc)
            return
        for job, batch in group:
            response = BulkResponse(
                dataset=batch.name, processed=len(batch.records), failed=batch.failed
            )
            self._finish([job], response)

    def _finish(self, jobs: list[_Job], outcome: Any) -> None:
        for job in jobs:
            if isinstance(outcome, BaseException):
                job.future.set_exception(outcome)
            else:
                job.future.set_result(outcome)
        with self._lock:
            self._pending -= len(jobs)
            self._idle.notify_all()


def _same_target(a: LogBatch, b: LogBatch) -> bool:
    return a.name == b.name and a.tags == b.tags and a.metadata == b.metadata


def flush_all(timeout: float | None = None) -> bool:
    """Wait until every monitor's sampled records are in their datasets.

    Parameters
    ----------
    timeout : float, optional
        Seconds to wait at most (for all monitors together); None waits as long as needed.

    Returns
    -------
    bool
        True when everything was written (records that failed are logged as errors),
        False when the timeout passed first.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    done = True
    for writer in list(_WRITERS):
        remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
        done = writer.flush(remaining) and done
    return done


def _flush_at_exit() -> None:
    if not flush_all(EXIT_FLUSH_TIMEOUT_S):
        left = sum(writer.pending for writer in list(_WRITERS))
        _LOGGER.warning(
            "%d batches of monitored records were not written after %.0f s at exit",
            left,
            EXIT_FLUSH_TIMEOUT_S,
        )


atexit.register(_flush_at_exit)
