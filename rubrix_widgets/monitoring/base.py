"""The monitor base: a transparent proxy around a model that logs a sample of its predictions.

Like Rubrix's ``BaseMonitor`` (a ``wrapt.ObjectProxy``), a monitor answers every
attribute, ``isinstance`` check, ``==`` and ``repr`` as the wrapped model does; only the
prediction methods the framework module overrides (``__call__``, ``pipe``, ``predict``)
do more. Its own state is ``dataset``, ``sample_rate``, ``agent``, ``tags`` and
``log_interval``; everything else is read from and written to the wrapped model.
"""

from __future__ import annotations

import datetime as dt
import logging
import numbers
import random
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import Any

from ..store import workspace as ws
from ._writer import LogBatch, RecordWriter

_LOGGER = logging.getLogger(__name__)

# attributes that belong to the monitor; any other name goes to the wrapped model
_OWN = frozenset({"dataset", "sample_rate", "agent", "tags", "log_interval"})


class ModelNotSupportedError(Exception):
    """Kept for Rubrix compatibility (``rubrix.monitoring.base.ModelNotSupportedError``)."""


class BaseMonitor:
    """A model wrapper that logs a random sample of its predictions to a dataset.

    Parameters
    ----------
    wrapped : object
        The model (spaCy ``Language``, transformers ``Pipeline``, flair ``SequenceTagger``).
    dataset : str
        The dataset the sampled predictions go to (created on the first write).
    sample_rate : float
        The share of predictions logged, in (0, 1]: each one is kept when
        ``random.uniform(0, 1) <= sample_rate`` (Python's ``random``, so ``random.seed``
        makes the sample repeatable).
    agent : str, optional
        The prediction agent, where the framework module uses it (flair).
    tags : dict, optional
        Dataset tags, where the framework module uses them (flair).
    log_interval : float
        Seconds to gather predictions before one write (0: write as soon as possible).
        Default 1.0.
    """

    # the monitor's own state (set in __init__; every other attribute is the model's)
    dataset: str
    sample_rate: float
    agent: str | None
    tags: dict[str, str] | None

    def __init__(
        self,
        wrapped: Any,
        *,
        dataset: str,
        sample_rate: float,
        agent: str | None = None,
        tags: dict[str, str] | None = None,
        log_interval: float = 1.0,
    ):
        object.__setattr__(self, "__wrapped__", wrapped)
        if not dataset:
            raise ValueError("Missing dataset: give the dataset name to log predictions to")
        ws.check_name(dataset)
        if (
            isinstance(sample_rate, bool)
            or not isinstance(sample_rate, numbers.Real)
            or not 0.0 < sample_rate <= 1.0
        ):
            raise ValueError(
                f"Wrong sample rate {sample_rate!r}. Set a value in (0, 1] range "
                "(the share of predictions logged)."
            )
        self.dataset = dataset
        self.sample_rate = float(sample_rate)
        self.agent = agent
        self.tags = tags
        object.__setattr__(self, "_self_writer", RecordWriter(_check_interval(log_interval)))

    # -- the monitor's own API (Rubrix names) -------------------------------------------
    @property
    def __model__(self) -> Any:
        """The monitored model."""
        return self.__wrapped__

    @property
    def log_interval(self) -> float:
        """Seconds gathered before a write."""
        return self._self_writer.log_interval

    def is_record_accepted(self) -> bool:
        """Draw whether one prediction is logged (True with probability ``sample_rate``)."""
        return random.uniform(0.0, 1.0) <= self.sample_rate

    def _prepare_log_data(self, *args: Any, **kwargs: Any) -> LogBatch:
        """Turn what ``log_async`` was given into records (runs in the writer thread)."""
        raise NotImplementedError

    def log_async(self, *args: Any, **kwargs: Any) -> Future:
        """Log in the background what ``_prepare_log_data(*args, **kwargs)`` makes.

        Returns
        -------
        concurrent.futures.Future
            Resolves to the write's ``BulkResponse`` (``failed`` counts predictions
            that could not become records; each is logged as an error).
        """
        return self._self_writer.submit(lambda: self._prepare_log_data(*args, **kwargs))

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until this monitor's sampled records are written; False on timeout."""
        return self._self_writer.flush(timeout)

    # -- proxy: behave as the wrapped model ------------------------------------------
    def __getattr__(self, name: str) -> Any:
        if name == "__wrapped__":  # during __init__, before it is set
            raise AttributeError(name)
        return getattr(self.__wrapped__, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "log_interval":
            self._self_writer.log_interval = _check_interval(value)
        elif name in _OWN or name.startswith("_self_"):
            object.__setattr__(self, name, value)
        else:
            setattr(self.__wrapped__, name, value)

    def __delattr__(self, name: str) -> None:
        if name in _OWN or name.startswith("_self_"):
            raise AttributeError(f"cannot delete the monitor's {name!r}")
        delattr(self.__wrapped__, name)

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        # isinstance(monitored, spacy.language.Language) stays True, as with wrapt
        return type(self.__wrapped__)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.__wrapped__(*args, **kwargs)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} of {self.__wrapped__!r} "
            f"logging {self.sample_rate:g} of predictions to {self.dataset!r}>"
        )

    def __str__(self) -> str:
        return str(self.__wrapped__)

    def __dir__(self) -> list[str]:
        return sorted(set(dir(self.__wrapped__)) | set(dir(type(self))) | _OWN)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, BaseMonitor):
            other = other.__wrapped__
        return self.__wrapped__ == other

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self.__wrapped__)

    def __bool__(self) -> bool:
        return bool(self.__wrapped__)

    def __len__(self) -> int:
        return len(self.__wrapped__)

    def __iter__(self):
        return iter(self.__wrapped__)

    def __contains__(self, item: object) -> bool:
        return item in self.__wrapped__

    def __getitem__(self, key: Any) -> Any:
        return self.__wrapped__[key]


def _check_interval(value: Any) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not 0.0 <= float(value) < float("inf")
    ):
        raise ValueError(
            f"log_interval {value!r} is not allowed: give the seconds to gather "
            "predictions before a write, a number >= 0"
        )
    return float(value)


def utc_now() -> dt.datetime:
    """Naive UTC, as Rubrix's ``datetime.utcnow()`` (without its deprecation warning)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def check_call_metadata(metadata: Any, where: str) -> Mapping | None:
    """Metadata given to a monitored call: None or a dict of JSON values (checked before
    the model runs, so a mistake is an error, not a silently dropped record)."""
    if metadata is None:
        return None
    if not isinstance(metadata, Mapping):
        raise ValueError(
            f"{where}: metadata={metadata!r} is not allowed: give a dict of "
            "JSON values for the logged record"
        )
    from .. import validation

    validation.check_metadata(metadata)
    return metadata


def per_input_metadata(metadata: Any, count: int, where: str) -> list[Any]:
    """One metadata dict per input: a dict applies to every input, a list gives one each."""
    if metadata is None:
        return [None] * count
    if isinstance(metadata, list | tuple):
        if len(metadata) != count:
            raise ValueError(
                f"{where}: metadata has {len(metadata)} items for {count} inputs; give one "
                "dict per input, or a single dict for all of them"
            )
        return [check_call_metadata(item, where) for item in metadata]
    return [check_call_metadata(metadata, where)] * count


def build_records(make: Callable[[Any], Any], items: list[Any], dataset: str) -> tuple[list, int]:
    """Records from ``make(item)``; an item that cannot become a record is logged and
    skipped, so one odd prediction does not lose the rest of the batch."""
    records, failed = [], 0
    for item in items:
        try:
            records.append(make(item))
        except Exception as exc:
            failed += 1
            _LOGGER.error("Cannot log a monitored prediction to %r: %s", dataset, exc)
    return records, failed
