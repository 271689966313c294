"""Stage timings, logged at DEBUG level on the ``rubrix_widgets`` logger.

    import logging; logging.basicConfig(); logging.getLogger("rubrix_widgets").setLevel("DEBUG")

shows where a call spends its time (ingest, write, index, commit...).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator

logger = logging.getLogger("rubrix_widgets")


@contextlib.contextmanager
def timed(stage: str, **details: object) -> Iterator[None]:
    if not logger.isEnabledFor(logging.DEBUG):
        yield
        return
    start = time.perf_counter()
    try:
        yield
    finally:
        extra = " ".join(f"{k}={v}" for k, v in details.items())
        logger.debug("%s took %.3f s %s", stage, time.perf_counter() - start, extra)
