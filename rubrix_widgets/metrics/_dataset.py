"""Reading the rows a metric computes on, with the checks every metric shares."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from enum import Enum
from typing import Any

import pyarrow as pa

from ..record_query import matching_table
from ..store import workspace as ws
from ..tasks import TEXT2TEXT, TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION
from . import _by_id
from .summary import MetricSummary

# which metric modules apply to each task
MODULES = {
    TEXT_CLASSIFICATION: ("commons", "text_classification"),
    TOKEN_CLASSIFICATION: ("commons", "token_classification"),
    TEXT2TEXT: ("commons",),
}


def task_of(name: str) -> str:
    """The task of dataset ``name`` (NotFoundError when there is none)."""
    return ws.existing(name).manifest().task


def rows(
    name: str, query: str | None, metric: str, tasks: str | tuple[str, ...] | None = None
) -> tuple[str, pa.Table]:
    """The task of dataset ``name`` and its stored rows matching ``query`` (all when None).

    ``tasks`` are the tasks the metric works on; a dataset of another task raises a
    ValueError that names the dataset's task and the metrics that apply to it.
    Unknown datasets raise NotFoundError, bad queries QuerySyntaxError.
    """
    if query is not None and not isinstance(query, str):
        raise TypeError(f"query must be a str or None, not {type(query).__name__}")
    dataset_task = task_of(name)
    tasks = (tasks,) if isinstance(tasks, str) else tasks
    if tasks is not None and dataset_task not in tasks:
        raise ValueError(
            f"{metric} needs a {' or '.join(tasks)} dataset, but dataset {name!r} is a "
            f"{dataset_task} dataset; metrics for {dataset_task} datasets: "
            f"{applicable(dataset_task)}"
        )
    return matching_table(name, query)


def applicable(task: str) -> str:
    """The metric functions that apply to a task, as ``module.function`` names."""
    names = []
    for module in MODULES[task]:
        found = importlib.import_module(f"{__package__}.{module}")
        names += [f"{module}.{function}" for function in found.METRICS]
    return ", ".join(names)


def summary(
    name: str,
    query: str | None,
    function: str,
    metric_id: str,
    draw: Callable[[Any, str], Any],
    title: str,
    *,
    interval: float | None = None,
    size: int | None = None,
) -> MetricSummary:
    """Rubrix's metric ``metric_id`` as the ``rb.metrics`` function ``function`` gives it:
    computed on the matching records, with its chart."""
    tasks = tuple(task for task, ids in _by_id.IDS.items() if metric_id in ids)
    task, table = rows(name, query, function, tasks)
    data, records = _by_id.compute(name, task, table, metric_id, interval=interval, size=size)
    return MetricSummary(data, draw, metric=title, dataset=name, query=query, records=records)


def positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, not {value!r}")
    return value


def positive_number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"{name} must be a positive number, not {value!r}")
    if value == float("inf"):
        raise ValueError(f"{name} must be a finite number, not {value!r}")
    return value


class ComputeFor(Enum):
    """Whether a metric counts the annotations or the predictions."""

    ANNOTATIONS = "annotations"
    PREDICTIONS = "predictions"

    @classmethod
    def _missing_(cls, value):
        if isinstance(value, str) and value.strip().lower() in cls._value2member_map_:
            return cls(value.strip().lower())
        allowed = ", ".join(repr(v) for v in cls._value2member_map_)
        raise ValueError(
            f"compute_for {value!r} is not one of {allowed} "
            "(or rb.metrics.token_classification.Annotations / Predictions)"
        )

    @property
    def column(self) -> str:
        return "annotation" if self is ComputeFor.ANNOTATIONS else "prediction"

    @property
    def adjective(self) -> str:
        return "annotated" if self is ComputeFor.ANNOTATIONS else "predicted"


Annotations = ComputeFor.ANNOTATIONS
Predictions = ComputeFor.PREDICTIONS


def parse_compute_for(value: str | ComputeFor | None) -> ComputeFor:
    """``Annotations``, ``Predictions`` or their names (any case); as in Rubrix, an empty
    value (None, ``""``) means predictions."""
    return Predictions if not value else ComputeFor(value)
