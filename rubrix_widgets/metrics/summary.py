"""MetricSummary: what every metric function returns, as in Rubrix / Argilla."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

Draw = Callable[[Any, str], Any]


class MetricSummary:
    """The result of a metric: its numbers (``data``) and a chart of them (``visualize()``).

    Parameters
    ----------
    data
        Plain Python data (dicts, lists, str, int, float), as Argilla's
        ``MetricSummary.data``.
    draw
        ``draw(data, title)`` returns a matplotlib Figure.
    metric, dataset, query, records
        What was computed, on which dataset and search, over how many records:
        shown in ``repr`` and in the chart's title.

    Examples
    --------
    >>> from rubrix_widgets.metrics.commons import records_status
    >>> summary = records_status(name="reviews")
    >>> summary.data
    {'Default': 120, 'Validated': 30}
    >>> summary.visualize()  # a matplotlib Figure (pip install rubrix_widgets[plot])
    """

    __slots__ = ("_draw", "data", "dataset", "metric", "query", "records")

    def __init__(
        self,
        data: Any,
        draw: Draw,
        *,
        metric: str = "metric",
        dataset: str | None = None,
        query: str | None = None,
        records: int | None = None,
    ):
        self.data = data
        self._draw = draw
        self.metric = metric
        self.dataset = dataset
        self.query = query
        self.records = records

    @classmethod
    def new_summary(cls, data: Any, visualization: Callable[[], Any]) -> MetricSummary:
        """Argilla's constructor: ``visualization()`` builds the chart.

        Examples
        --------
        >>> MetricSummary.new_summary({"a": 1}, visualization=lambda: None).data
        {'a': 1}
        """
        return cls(data, lambda _data, _title: visualization())

    @property
    def title(self) -> str:
        where = f" of {self.dataset!r}" if self.dataset else ""
        search = f", query {self.query!r}" if self.query else ""
        count = f" ({self.records:,} records)" if self.records is not None else ""
        return f"{self.metric}{where}{search}{count}"

    def visualize(self):
        """The chart of ``data``: a matplotlib Figure (shown when it ends a notebook cell).

        Without matplotlib, a warning says what to install and the result is None (as
        Rubrix's ``visualize()`` did without plotly), so a script goes on.

        Examples
        --------
        >>> figure = summary.visualize()
        >>> figure.savefig("f1.png")
        """
        try:
            return self._draw(self.data, self.title)  # each chart imports matplotlib first
        except ImportError as exc:
            if str(exc) != _plots_hint():
                raise
            warnings.warn(str(exc), UserWarning, stacklevel=2)
            return None

    def __repr__(self) -> str:
        parts = [f"metric={self.metric!r}"]
        if self.dataset is not None:
            parts.append(f"dataset={self.dataset!r}")
        if self.query:
            parts.append(f"query={self.query!r}")
        if self.records is not None:
            parts.append(f"records={self.records}")
        parts.append(f"data={_short(self.data)}")
        return f"MetricSummary({', '.join(parts)})"


def _short(value: Any, items: int = 6, depth: int = 0) -> str:
    """A repr that rounds floats and cuts long dicts and lists (``... +N more``)."""
    if isinstance(value, float):
        return f"{value:.4g}"
    if depth > 2:
        return "..." if isinstance(value, dict | list | tuple) else repr(value)
    if isinstance(value, dict):
        shown = [f"{k!r}: {_short(v, items, depth + 1)}" for k, v in list(value.items())[:items]]
        if len(value) > items:
            shown.append(f"... +{len(value) - items} more")
        return "{" + ", ".join(shown) + "}"
    if isinstance(value, list | tuple):
        shown = [_short(v, items, depth + 1) for v in value[:items]]
        if len(value) > items:
            shown.append(f"... +{len(value) - items} more")
        return "[" + ", ".join(shown) + "]"
    return repr(value)


def _plots_hint() -> str:
    from ._plots import INSTALL_HINT  # _plots imports no plotting library at import time

    return INSTALL_HINT
