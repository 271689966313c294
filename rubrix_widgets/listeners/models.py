"""What a listener's condition and action see of one run (Rubrix's ``rubrix.listeners.models``):
:class:`Search`, :class:`Metrics`, :class:`RBListenerContext`, and the error for a query
placeholder with no value."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from ..errors import RubrixWidgetsError

if TYPE_CHECKING:
    from .listener import RBDatasetListener


class MissingQueryParamError(RubrixWidgetsError, KeyError, ValueError):
    """A ``{placeholder}`` of the listener's query has no value in ``query_params``.

    A ``KeyError`` as in Rubrix (and a ``ValueError``, like this package's other bad
    arguments).
    """

    def __str__(self) -> str:  # the message, not KeyError's repr of it
        return str(self.args[0]) if self.args else ""


@dataclasses.dataclass
class Search:
    """What the listener's query matched in one run.

    Attributes
    ----------
    total : int
        The number of records matching the query.
    query_params : dict, optional
        A copy of the query parameters the query was formatted with.

    Examples
    --------
    >>> import threading
    >>> rb.log(
    ...     [
    ...         rb.TextClassificationRecord(text="Great movie!", annotation="pos"),
    ...         rb.TextClassificationRecord(text="Dull plot"),
    ...     ],
    ...     "reviews",
    ...     verbose=False,
    ... )
    BulkResponse(dataset='reviews', processed=2, failed=0)
    >>> runs, ran = [], threading.Event()
    >>> @rb.listener("reviews", query="status:Validated", metrics=["status_distribution"])
    ... def remember(records, ctx):
    ...     runs.append((records.text.tolist(), ctx))
    ...     ran.set()
    >>> remember.start()  # runs once now, then whenever the dataset changes
    >>> ran.wait(60)
    True
    >>> remember.stop()
    >>> texts, ctx = runs[0]
    >>> texts
    ['Great movie!']
    >>> ctx.search.total
    1
    """

    total: int
    query_params: dict[str, Any] | None = None


class Metrics(dict):
    """The metrics of one run, by metric id; also readable as attributes, as Rubrix's
    (``metrics.F1`` is ``metrics["F1"]``). Each value is the metric's data, with nested
    dicts readable as attributes too (``metrics.F1.f1_micro``).

    Examples
    --------
    >>> import threading
    >>> rb.log(
    ...     [
    ...         rb.TextClassificationRecord(text="Great movie!", annotation="pos"),
    ...         rb.TextClassificationRecord(text="Dull plot"),
    ...     ],
    ...     "reviews",
    ...     verbose=False,
    ... )
    BulkResponse(dataset='reviews', processed=2, failed=0)
    >>> runs, ran = [], threading.Event()
    >>> @rb.listener("reviews", query="status:Validated", metrics=["status_distribution"])
    ... def remember(records, ctx):
    ...     runs.append((records.text.tolist(), ctx))
    ...     ran.set()
    >>> remember.start()  # runs once now, then whenever the dataset changes
    >>> ran.wait(60)
    True
    >>> remember.stop()
    >>> texts, ctx = runs[0]
    >>> texts
    ['Great movie!']
    >>> ctx.metrics.status_distribution == ctx.metrics["status_distribution"]
    True
    >>> ctx.metrics.status_distribution  # computed on the query's records
    {'Validated': 1}
    """

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(
                f"no metric {name!r} in this run; the metrics are {sorted(map(str, self))}"
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None

    @classmethod
    def from_dict(cls, data: dict[Any, Any]) -> Metrics:
        """``data`` with its dicts, also inside lists, made attribute-readable."""
        return cls({key: _readable(value) for key, value in data.items()})


def _readable(value: Any) -> Any:
    if isinstance(value, dict):
        return Metrics.from_dict(value)
    if isinstance(value, list):
        return [_readable(item) for item in value]
    return value


@dataclasses.dataclass
class RBListenerContext:
    """What an action sees of the run that called it (Rubrix's fields, in its order).

    Attributes
    ----------
    listener : RBDatasetListener
        The listener (also ``ctx.__listener__``, where Rubrix kept it).
    search : Search
        The query's count for this run.
    metrics : Metrics
        The metrics asked for, by id (empty when none were).
    query_params : dict
        The listener's query parameters: changing them changes the next run's query.

    Examples
    --------
    >>> import threading
    >>> rb.log(
    ...     [
    ...         rb.TextClassificationRecord(text="Great movie!", annotation="pos"),
    ...         rb.TextClassificationRecord(text="Dull plot"),
    ...     ],
    ...     "reviews",
    ...     verbose=False,
    ... )
    BulkResponse(dataset='reviews', processed=2, failed=0)
    >>> runs, ran = [], threading.Event()
    >>> @rb.listener("reviews", query="status:Validated", metrics=["status_distribution"])
    ... def remember(records, ctx):
    ...     runs.append((records.text.tolist(), ctx))
    ...     ran.set()
    >>> remember.start()  # runs once now, then whenever the dataset changes
    >>> ran.wait(60)
    True
    >>> remember.stop()
    >>> texts, ctx = runs[0]
    >>> texts
    ['Great movie!']
    >>> ctx.query, ctx.search.total, ctx.query_params
    ('status:Validated', 1, {})
    """

    listener: RBDatasetListener = dataclasses.field(repr=False, compare=False)
    search: Search | None = None
    metrics: Metrics | None = None
    query_params: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        self.__listener__ = self.listener

    @property
    def dataset(self) -> str:
        """The listener's dataset."""
        return self.listener.dataset

    @property
    def query(self) -> str | None:
        """The listener's query, formatted with the current ``query_params``."""
        return self.listener.formatted_query
