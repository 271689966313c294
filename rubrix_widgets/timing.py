"""Stage timings, logged at DEBUG level on the ``rubrix_widgets.timing`` logger.

    import logging; logging.basicConfig(); logging.getLogger("rubrix_widgets").setLevel("DEBUG")

shows where a call spends its time (ingest, write, index, commit...). Each module logs
its own messages on its own logger (``logging.getLogger(__name__)``); this one only times.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator

_log = logging.getLogger(__name__)


@contextlib.contextmanager
def timed(stage: str, **details: object) -> Iterator[None]:
    """Log how long the ``with`` block took (only when DEBUG is enabled: else free).

    >>> with timed("index: commit", rows=10):
    ...     writer.commit()
    """
    if not _log.isEnabledFor(logging.DEBUG):
        yield
        return
    start = time.perf_counter()
    try:
        yield
    finally:
        extra = " ".join(f"{k}={v}" for k, v in details.items())
        _log.debug("%s took %.3f s %s", stage, time.perf_counter() - start, extra)
