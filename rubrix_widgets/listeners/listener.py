"""``rb.listener``: run code when a dataset changes (Rubrix's listeners, without a server).

>>> @rb.listener(dataset="reviews", query="status:Validated AND metadata.batch:{batch}",
...              condition=lambda search: search.total >= 10, batch=0)
... def retrain(records, ctx):
...     model.fit(records.text, records.annotation)
...     ctx.query_params["batch"] += 1        # the next run looks at the next batch
>>> retrain.start()
>>> retrain.stop()

Rubrix polled its server every ``execution_interval_in_seconds``. Here the dataset lives in
this process, so a listener wakes on the dataset's own change events: each ``rb.log``, widget
click, undo or delete made in this kernel runs it once the kernel is idle again (changes made
while it is busy are coalesced into one run). Writes by other processes are noticed by
checking the dataset's version every ``execution_interval_in_seconds``. It also runs once
when started.

Each run, as in Rubrix: format the query with ``query_params``, compute the ``metrics``,
then, if there is a ``condition``, count the query's records and call ``condition(search)``
(``condition(search, metrics)`` when ``metrics`` are asked for); when it holds (or there
is no condition) call ``action(*args, records, ctx, **kwargs)``, where ``args`` and
``kwargs`` are those given to ``start()`` (first, so a method or a ``functools.partial``
works), ``records`` is what ``rb.load(dataset, query=...)`` returns and is left out with
``with_records=False``. Changes the action itself makes to the dataset do not wake the
listener again.

Inside a running kernel every run happens on the kernel's own thread, between cells, so
actions may use widgets and plots freely. In a plain script (no running event loop) the
listener runs in a daemon thread, as Rubrix's did.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import NotFoundError
from ..store import changes
from ..store import workspace as ws
from .models import Metrics, MissingQueryParamError, RBListenerContext, Search

log = logging.getLogger(__name__)


class RBDatasetListener:
    """A listener on one dataset, usually made by :func:`listener`. ``start()`` / ``stop()``.

    Parameters
    ----------
    dataset : str
        The dataset to listen to (it may not exist yet).
    action : callable
        ``action(*start_args, records, ctx, **start_kwargs)``; without ``records`` when
        ``query_records`` is False.
    metrics : list of str, optional
        Metric ids computed each run (see :func:`listener`).
    query : str, optional
        The query, with ``{name}`` placeholders filled from ``query_params``.
    query_params : dict, optional
        The placeholders' values; the action may change them (``ctx.query_params``).
    condition : callable, optional
        ``condition(search)``, or ``condition(search, metrics)`` when metrics are asked for.
    query_records : bool
        Whether the action gets the records.
    interval_in_seconds : float
        How often to look for changes made by other processes.

    The parameters are in the order of Rubrix's dataclass, so positional calls work too.
    """

    def __init__(
        self,
        dataset: str,
        action: Callable[..., Any],
        metrics: list[str] | None = None,
        query: str | None = None,
        query_params: dict[str, Any] | None = None,
        condition: Callable[..., bool] | None = None,
        query_records: bool = True,
        interval_in_seconds: float = 30,
    ):
        ws.check_name(dataset)
        if not callable(action):
            raise TypeError(f"a listener's action must be callable, not {type(action).__name__}")
        if condition is not None and not callable(condition):
            raise TypeError(
                f"condition must be a callable taking the search (and metrics), "
                f"not {type(condition).__name__}"
            )
        if query is not None and not isinstance(query, str):
            raise TypeError(f"query must be a str or None, not {type(query).__name__}")
        seconds = interval_in_seconds
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise TypeError("execution_interval_in_seconds must be a number of seconds")
        if not interval_in_seconds > 0:
            raise ValueError(
                f"execution_interval_in_seconds must be positive, not {interval_in_seconds!r}"
            )
        self.dataset = dataset
        self.action = action
        self.query = query
        self.metrics = list(metrics or [])
        self.condition = condition
        self.query_records = query_records
        self.interval_in_seconds = float(interval_in_seconds)
        if query_params is not None and not isinstance(query_params, dict):
            raise TypeError(f"query_params must be a dict, not {type(query_params).__name__}")
        # the caller's dict itself, as in Rubrix: the action's changes show through it
        self.query_params: dict[str, Any] = {} if query_params is None else query_params
        self.runs = 0  # how many times the action ran
        self.last_error: BaseException | None = None

        self._lock = threading.RLock()
        self._running = False
        self._action_thread: int | None = None  # the thread running the action, if one is
        self._seen_version: int | None = None
        self._args: tuple = ()
        self._kwargs: dict = {}
        # in a kernel: the loop, a pending run and the poll timer; in a script: a thread
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: asyncio.Handle | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()
        self._folder: Path | None = None
        self._check_query()

    # -- public ------------------------------------------------------------------------------
    @property
    def formatted_query(self) -> str | None:
        """The query with ``{placeholders}`` filled from ``query_params`` (a property, as in
        Rubrix)."""
        if self.query is None:
            return None
        try:
            return self.query.format(**self.query_params)
        except KeyError as error:
            raise MissingQueryParamError(
                f"the listener's query {self.query!r} has a placeholder {{{error.args[0]}}} "
                f"with no value; pass it as a keyword: rb.listener(..., {error.args[0]}=...)"
                f" (query params given: {sorted(self.query_params) or 'none'})"
            ) from None
        except (IndexError, ValueError) as error:
            raise ValueError(
                f"the listener's query {self.query!r} is not a valid template ({error}); "
                "placeholders are {name}, and literal braces are written {{ and }}"
            ) from None

    def is_running(self) -> bool:
        return self._running

    def start(self, *action_args: Any, **action_kwargs: Any) -> None:
        """Start listening. Extra arguments go to the action on every run, before the
        records and the context: ``action(*action_args, records, ctx, **action_kwargs)``.

        >>> class Trainer:
        ...     @rb.listener("reviews", condition=lambda search: search.total > 10)
        ...     def train(self, records, ctx): ...
        >>> trainer = Trainer()
        >>> trainer.train.start(trainer)      # the method gets its instance first
        """
        with self._lock:
            if self._running:
                raise ValueError("Listener is already running")
            self._check_query()
            if ws.store(self.dataset).exists():
                task = ws.existing(self.dataset).manifest().task
                for metric in self.metrics:
                    _check_metric(self.dataset, task, metric)  # an unknown one fails now
            self._args, self._kwargs = action_args, action_kwargs
            self._folder = folder = ws.store(self.dataset).folder
            self._running = True
            self._seen_version = None
            changes.watch(folder, self._on_change)
            try:
                self._loop = asyncio.get_running_loop()
            except RuntimeError:
                self._loop = None
        if self._loop is not None:
            self._schedule_run()
            self._timer = self._loop.call_later(self.interval_in_seconds, self._poll)
        else:
            self._wake.set()  # run once right away
            self._thread = threading.Thread(
                target=self._thread_main, name=f"rb.listener({self.dataset})", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        """Stop listening. A run in progress finishes; no other starts."""
        with self._lock:
            if not self._running:
                raise ValueError("Listener is not running")
            self._running = False
            if self._folder is not None:  # set by start, which set _running
                changes.unwatch(self._folder, self._on_change)
            for handle in (self._pending, self._timer):
                if handle is not None:
                    handle.cancel()
            self._pending = self._timer = None
            thread, self._thread = self._thread, None
        self._wake.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=max(5.0, self.interval_in_seconds))

    def __repr__(self) -> str:
        state = "running" if self._running else "stopped"
        return (
            f"<rb.listener on {self.dataset!r} query={self.query!r} {state}, "
            f"action ran {self.runs} times>"
        )

    # -- triggers ----------------------------------------------------------------------------
    def _on_change(self) -> None:
        """A committed change in this process (called by the writer, after its lock)."""
        if not self._running or self._action_thread == threading.get_ident():
            return  # the action's own writes do not wake the listener again
        if self._loop is not None:
            if self._loop.is_closed():
                return
            self._loop.call_soon_threadsafe(self._schedule_run)
        else:
            self._wake.set()

    def _schedule_run(self) -> None:
        if self._running and self._pending is None and self._loop is not None:
            self._pending = self._loop.call_soon(self._run_pending)

    def _run_pending(self) -> None:
        self._pending = None
        self._run()

    def _poll(self) -> None:
        """Every interval: run when another process changed the dataset."""
        if not self._running:
            return
        if self._version() != self._seen_version:
            self._run()
        if self._running and self._loop is not None:  # polled from the loop only
            self._timer = self._loop.call_later(self.interval_in_seconds, self._poll)

    def _thread_main(self) -> None:
        while True:
            woke = self._wake.wait(self.interval_in_seconds)
            self._wake.clear()
            if not self._running:
                return
            if woke or self._version() != self._seen_version:
                self._run()

    # -- one run -----------------------------------------------------------------------------
    def _version(self) -> int | None:
        try:
            return ws.existing(self.dataset).manifest().version
        except NotFoundError:
            return None

    def _run(self) -> None:
        with self._lock:
            if not self._running or self._action_thread is not None:
                return
            self._action_thread = threading.get_ident()
        try:
            self._seen_version = self._version()
            self._run_once()
        except Exception as error:
            self.last_error = error
            log.exception("rb.listener on %r: the run failed", self.dataset)
        finally:
            self._seen_version = self._version()  # the action's own writes are seen
            self._action_thread = None

    def _run_once(self) -> None:
        from .. import client, record_query

        if self._seen_version is None:
            log.warning("rb.listener: dataset %r does not exist (yet); waiting", self.dataset)
            return
        query = self.formatted_query
        ctx = RBListenerContext(
            listener=self, query_params=self.query_params, metrics=self._compute_metrics(query)
        )
        records = None
        if self.condition is not None or not self.query_records:
            total = record_query.matching_count(self.dataset, query)
        else:  # no condition: the records are loaded anyway, and counted with them
            records = client.load(self.dataset, query=query)
            total = len(records)
        ctx.search = Search(total=total, query_params=copy.deepcopy(self.query_params))
        if self.condition is not None:
            condition_args = [ctx.search] + ([ctx.metrics] if self.metrics else [])
            if not self.condition(*condition_args):
                return
        arguments = [ctx]
        if self.query_records:
            if records is None:
                records = client.load(self.dataset, query=query)
            arguments.insert(0, records)
        self.runs += 1
        self.action(*self._args, *arguments, **self._kwargs)

    def _compute_metrics(self, query: str | None) -> Metrics:
        if not self.metrics:
            return Metrics()
        task = ws.existing(self.dataset).manifest().task
        return Metrics.from_dict(
            {m: _metric_data(self.dataset, task, m, query) for m in self.metrics}
        )

    def _check_query(self) -> None:
        query = self.formatted_query  # a missing placeholder is an error now, not at a run
        if query is not None:
            from ..search.query_parser import parse_query

            parse_query(query)


def _metric_data(dataset: str, task: str, metric_id: str, query: str | None) -> Any:
    """The data of metric ``metric_id`` on the records of ``dataset`` matching ``query``:
    what Rubrix's server answered for one of its metric ids (``"F1"``,
    ``"status_distribution"``...), or the ``.data`` of the ``rb.metrics`` function of that
    name (``"records_status"``...)."""
    from .. import metrics

    if metric_id in metrics.metric_ids(task):
        return metrics.by_id(dataset, metric_id, query)
    return _metric_function(dataset, task, metric_id)(dataset, query=query).data


def _metric_function(dataset: str, task: str, name: str) -> Callable[..., Any]:
    """The ``rb.metrics`` function ``name`` for datasets of ``task``; ValueError naming
    every metric a listener accepts when there is none."""
    from .. import metrics
    from ..tasks import TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION

    modules = [metrics.commons]
    if task == TEXT_CLASSIFICATION:
        modules.append(metrics.text_classification)
    elif task == TOKEN_CLASSIFICATION:
        modules.append(metrics.token_classification)
    for module in modules:
        function = getattr(module, name, None)
        if name in getattr(module, "METRICS", ()) and callable(function):
            return function
    ours = sorted(n for module in modules for n in getattr(module, "METRICS", ()))
    raise ValueError(
        f"no metric {name!r} for dataset {dataset!r} ({task}); a listener takes Rubrix's "
        f"metric ids ({', '.join(metrics.metric_ids(task))}) or the names of rb.metrics "
        f"functions ({', '.join(ours)})"
    )


def _check_metric(dataset: str, task: str, metric_id: str) -> None:
    from .. import metrics

    if not isinstance(metric_id, str):
        raise TypeError(f"metric ids are str, not {metric_id!r}")
    if metric_id not in metrics.metric_ids(task):
        _metric_function(dataset, task, metric_id)


def listener(
    dataset: str,
    query: str | None = None,
    metrics: list[str] | None = None,
    condition: Callable[..., bool] | None = None,
    with_records: bool = True,
    execution_interval_in_seconds: float = 30,
    **query_params: Any,
) -> Callable[[Callable[..., Any]], RBDatasetListener]:
    """Decorate ``action(records, ctx)`` to run when ``dataset`` changes (see module doc);
    ``action(ctx)`` with ``with_records=False``.

    Parameters
    ----------
    dataset : the dataset name (it may not exist yet: the listener waits for it).
    query : a query, with ``{name}`` placeholders filled from ``query_params``; ``ctx.query``
        is the filled query and ``ctx.query_params`` the dict, which an action may change.
    metrics : metric ids, Rubrix's (``"F1"``, ``"status_distribution"``, ...) or the names
        of ``rb.metrics`` functions (``"records_status"``, ...), computed on the query's
        records each run; ``ctx.metrics[id]`` (or ``ctx.metrics.id``) is the metric's data,
        and the condition gets them as its second argument.
    condition : ``condition(search)`` or ``condition(search, metrics)``: run only when true.
    with_records : pass the matching records (``rb.load`` format) as the first argument.
    execution_interval_in_seconds : how often to look for changes by other processes.

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
    >>> @rb.listener(
    ...     "reviews",
    ...     query="status:Validated",
    ...     metrics=["status_distribution"],
    ...     condition=lambda search, metrics: search.total > 0,  # e.g. > 100 to train a model
    ... )
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
    >>> ctx.query, ctx.search.total
    ('status:Validated', 1)
    """

    def decorator(action: Callable[..., Any]) -> RBDatasetListener:
        return RBDatasetListener(
            dataset=dataset,
            action=action,
            metrics=metrics,
            query=query,
            query_params=query_params,
            condition=condition,
            query_records=with_records,
            interval_in_seconds=execution_interval_in_seconds,
        )

    return decorator
