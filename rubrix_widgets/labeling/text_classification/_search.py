"""The dataset side of rules: one consistent view, one search per rule, counts without rows.

Every function takes a :class:`~rubrix_widgets.store.dataset_store.DatasetView`, an
immutable snapshot of records and index, so the searches of one ``WeakLabels`` or one
``rule_metrics`` call all see the same version of the dataset.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ...search import keyword_queries as kq
from ...search.keyword_queries import every  # noqa: F401  (rules combine queries with it)
from ...search.search_index import run_search
from ...store import workspace as ws
from ...store.dataset_store import DatasetView
from ...tasks import TEXT_CLASSIFICATION


def text_view(name: str) -> DatasetView:
    """A view of text classification dataset ``name`` (NotFoundError if it does not exist)."""
    if not isinstance(name, str):
        raise TypeError(f"the dataset name must be a str, not {type(name).__name__}")
    view = ws.existing(name).view()
    if view.task != TEXT_CLASSIFICATION:
        raise ValueError(
            f"dataset {name!r} holds {view.task} records; rules and weak labels work on "
            f"{TEXT_CLASSIFICATION} datasets"
        )
    return view


def compiled(view: DatasetView, query: str) -> kq.Query:
    """The tantivy query of ``query`` (QuerySyntaxError naming the problem)."""
    # The parser's warnings (lowercase and/or) were given when the Rule was made.
    query_, _ = view.index.compile(query)
    return query_


def matching_seqs(view: DatasetView, query: kq.Query, text: str = "") -> np.ndarray:
    """Seqs of every record matching ``query``, ascending: one search, no rows read."""
    seqs, _ = run_search(view.searcher, query, None, count=False, query_text=text)
    return seqs


def count(view: DatasetView, query: kq.Query, text: str = "") -> int:
    """How many records match ``query``: the searcher's count, no hits collected."""
    return kq.count(view.searcher, query, text)


def annotated(view: DatasetView) -> kq.Query:
    """Records with at least one annotated label (``_exists_:annotated_as``)."""
    return kq.has(view.schema, "annotated_as")


def annotated_as(view: DatasetView, label: str) -> kq.Query:
    """Records annotated with ``label`` (exact, like ``annotated_as:label`` but unescaped)."""
    return kq.term(view.schema, "annotated_as", label)


def ids_query(view: DatasetView, ids: Iterable) -> kq.Query:
    """Records with one of these ids."""
    return kq.ids_query(view.schema, ids)


def positions_in(record_seqs: np.ndarray, seqs: np.ndarray) -> np.ndarray:
    """Where each of ``seqs`` sits in the ascending ``record_seqs``; seqs not there are dropped."""
    where = np.searchsorted(record_seqs, seqs)
    inside = where < len(record_seqs)
    where = where[inside]
    return where[record_seqs[where] == seqs[inside]]
