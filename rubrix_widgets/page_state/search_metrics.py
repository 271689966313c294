"""The sidebar's "Model vs annotations" table: F1 of the predictions against the annotations,
per label (or entity), among the records matching the current search and filters.

    >>> numbers = SearchMetrics().numbers(view, compiled)
    >>> numbers["f1"]["micro"]
    {'precision': 0.81, 'recall': 0.81, 'f1': 0.81}

The numbers are ``summary_numbers(task, rows)["f1"]`` of ``rubrix_widgets.metrics`` for
the matching rows, computed without reading every match: only records with both an
annotation and a prediction count, and the search index marks exactly those
(``predicted:ok`` / ``predicted:ko``). Single-label text classification needs no
rows at all: three filtered term counts give every label's true positives, predictions
and support. Multi-label records and entity spans need set logic per record: their rows
(only those with both) are read and scored by the metrics package itself.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from ..metrics import F1Table, multi_label_f1, span_f1
from ..search import keyword_queries as kq
from ..search.search_index import run_search
from ..store.dataset_store import DatasetView
from ..store.record_parts import take_batches
from ..tasks import TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION

# Why the table is empty (the page words it).
NO_MATCHES = "no_matches"
NO_ANNOTATIONS = "no_annotations"
NO_PREDICTIONS = "no_predictions"
NO_OVERLAP = "no_overlap"  # annotated and predicted records, but never the same ones


class SearchMetrics:
    """F1 of the current search, kept until the search or the index changes (as facets are)."""

    def __init__(self) -> None:
        self._kept: tuple[kq.Query, tuple, dict] | None = None

    def numbers(self, view: DatasetView, compiled: kq.Query) -> dict:
        """``{"f1": ..., "empty": ...}`` for the records matching ``compiled``.

        ``f1`` is what ``summary_numbers`` gives for those rows (``None`` when no
        matching record has both an annotation and a prediction); ``empty`` says why it
        is ``None`` (``"no_matches"``, ``"no_annotations"``, ``"no_predictions"``,
        ``"no_overlap"``). Text2Text has no F1: ``{}``.

        >>> SearchMetrics().numbers(view, compiled)["f1"]["per_label"]["fresh"]
        {'precision': 0.8, 'recall': 0.77, 'f1': 0.78, 'support': 131}
        """
        version = (view.manifest.version, view.index.state and view.index.state["version"])
        kept = self._kept
        if kept is not None and kept[0] is compiled and kept[1] == version:
            return kept[2]
        out = search_f1(view, compiled)
        self._kept = (compiled, version, out)  # holding ``compiled`` keeps the identity valid
        return out


def search_f1(view: DatasetView, compiled: kq.Query) -> dict:
    """The sidebar's F1 numbers for the records matching ``compiled`` (see the module)."""
    if view.task not in (TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION):
        return {}
    schema, searcher = view.schema, view.searcher
    both = kq.every(
        compiled, kq.either(kq.term(schema, "predicted", "ok"), kq.term(schema, "predicted", "ko"))
    )
    multi = view.task == TEXT_CLASSIFICATION and kq.count(
        searcher, kq.every(compiled, kq.term(schema, "multi_label", "true"))
    )
    if view.task == TEXT_CLASSIFICATION and not multi:
        scores = _single_label_f1(view, compiled, both)
    else:
        seqs, _ = run_search(view.searcher, both, None, count=False)
        if view.task == TOKEN_CLASSIFICATION:
            scores = span_f1(_columns(view, seqs, ("annotation", "prediction")))
        else:
            rows = _columns(view, seqs, ("annotation", "prediction", "multi_label"))
            scores = multi_label_f1(rows)
    if scores is not None:
        return {"f1": scores.to_json(), "empty": None}
    return {"f1": None, "empty": _why_empty(view, compiled)}


def _single_label_f1(view: DatasetView, compiled: kq.Query, both: kq.Query) -> F1Table | None:
    """Every single-label record with both has one ``annotated_as`` and one ``predicted_as``
    term, and ``predicted:ok`` when they are equal: per label, the true positives are the
    ``annotated_as`` counts among the ok records, support and predictions the counts among
    all records with both."""
    support = kq.term_counts(view.searcher, "annotated_as", both)
    if not support:
        return None
    predicted = kq.term_counts(view.searcher, "predicted_as", both)
    right = kq.every(compiled, kq.term(view.schema, "predicted", "ok"))
    hits = kq.term_counts(view.searcher, "annotated_as", right)
    labels = sorted(set(support) | set(predicted))

    def column(found: dict[str, int]) -> np.ndarray:
        return np.array([found.get(label, 0) for label in labels], dtype=np.int64)

    return F1Table(labels, column(hits), column(predicted), column(support), sum(support.values()))


def _columns(view: DatasetView, seqs: np.ndarray, names: tuple[str, ...]) -> pa.Table:
    """Only these columns of the records at ``seqs``: the texts stay on disk (reading them
    too would more than double the time on 100,000 annotated matches)."""
    if not len(seqs):
        return view.live.schema.empty_table().select(list(names))
    batches, starts = view.live.batches
    return take_batches([b.select(list(names)) for b in batches], starts, view.live.position[seqs])


def _why_empty(view: DatasetView, compiled: kq.Query) -> str:
    schema, searcher = view.schema, view.searcher
    if not kq.count(searcher, compiled):
        return NO_MATCHES
    if not kq.count(searcher, kq.every(compiled, kq.has(schema, "annotated_as"))):
        return NO_ANNOTATIONS
    if not kq.count(searcher, kq.every(compiled, kq.has(schema, "predicted_as"))):
        return NO_PREDICTIONS
    return NO_OVERLAP
