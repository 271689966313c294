"""Rubrix's metric ids: what its server computed for each, on our stored rows.

Rubrix's client asked its server for a metric by id (``"F1"``, ``"text_length"``,
``"predicted_entity_density"``...), with an optional ``interval`` (histograms) and
``size`` (value counts), and got plain JSON back; ``rb.metrics`` functions and listeners
(``metrics=[...]``) both went through it. :func:`by_id` gives that JSON's data, computed
here column-wise with the server's defaults: a histogram's interval is 0.1 unless fixed
(``text_length``, ``token_length`` and ``*_mention_char_length`` use 1, ``score`` 0.001),
value counts return at most 1,000 values (5,000 when asked).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..record_query import matching_table
from ..store import workspace as ws
from ..tasks import TEXT2TEXT, TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION
from . import _aggregations as agg
from . import _columns as cols
from . import _mentions as mn
from ._metadata import metadata_metric
from ._scores import multi_label_f1, rubrix_span_f1, single_label_f1

COMMON_IDS = (
    "text_length",
    "error_distribution",
    "status_distribution",
    "words_cloud",
    "metadata",
    "predicted_by",
    "annotated_by",
    "score",
)
_PER_COLUMN = (
    "entity_density",
    "entity_labels",
    "entity_capitalness",
    "mention_token_length",
    "mention_char_length",
    "mentions_distribution",
    "entity_consistency",
    "tag_consistency",
)
# Each task's ids, in the order Rubrix's server listed them.
IDS = {
    TEXT_CLASSIFICATION: (
        *COMMON_IDS,
        "F1",
        "MultiLabelF1",
        "dataset_labels",
        "predicted_as",
        "annotated_as",
    ),
    TOKEN_CLASSIFICATION: (
        *COMMON_IDS,
        "dataset_labels",
        "F1",
        "predicted_as",
        "annotated_as",
        "tokens_length",
        "token_frequency",
        "token_length",
        "token_capitalness",
        *(f"predicted_{name}" for name in _PER_COLUMN),
        *(f"annotated_{name}" for name in _PER_COLUMN),
    ),
    TEXT2TEXT: COMMON_IDS,
}
_STATUSES = 4  # Rubrix's status_distribution asked for as many values as there are statuses
_DATASET_LABELS_RECORDS = 10_000  # dataset_labels read only the first 10,000 records
_CONSISTENCY_SIZE = 50  # entity_consistency's mentions when no size is asked for


def metric_ids(task: str | None = None) -> tuple[str, ...]:
    """Rubrix's metric ids for datasets of ``task``, or for any task when None.

    Parameters
    ----------
    task
        ``"TextClassification"``, ``"TokenClassification"``, ``"Text2Text"`` or None.

    Returns
    -------
    tuple of str
        The ids :func:`by_id` (and a listener's ``metrics=[...]``) accepts, in the order
        Rubrix's server listed them.

    Examples
    --------
    >>> from rubrix_widgets.metrics import metric_ids
    >>> metric_ids("Text2Text")
    ('text_length', 'error_distribution', 'status_distribution', 'words_cloud', ...)
    """
    if task is None:
        return tuple(dict.fromkeys(i for ids in IDS.values() for i in ids))
    if task not in IDS:
        raise ValueError(f"task {task!r} is not one of {', '.join(IDS)}")
    return IDS[task]


def by_id(
    dataset: str,
    metric_id: str,
    query: str | None = None,
    *,
    interval: float | None = None,
    size: int | None = None,
) -> dict[str, Any]:
    """The result of Rubrix's metric ``metric_id`` on the records of ``dataset`` matching
    ``query``: what Rubrix's listener put in ``ctx.metrics[metric_id]``.

    Parameters
    ----------
    dataset
        The dataset name.
    metric_id
        One of Rubrix's metric ids for the dataset's task (:func:`metric_ids`), e.g.
        ``"F1"``, ``"status_distribution"``, ``"text_length"``,
        ``"predicted_entity_labels"``.
    query
        A search in the Rubrix query language; all records when None.
    interval, size
        Rubrix's optional metric parameters: a histogram's bucket width, how many values
        a count returns. None gives the server's defaults (a listener passes none).

    Returns
    -------
    dict
        Plain JSON data as Rubrix's server sent it (string keys): for example
        ``{"Default": 12, "Validated": 30}`` for ``"status_distribution"``,
        ``{"11.0": 1, "12.0": 0, ...}`` for ``"text_length"``, the flat F1 dict for
        ``"F1"``.

    Raises
    ------
    ValueError
        ``metric_id`` is not a metric of the dataset's task (the message lists those
        that are), or a bad ``interval`` / ``size``.
    NotFoundError
        No dataset of that name.

    Examples
    --------
    >>> from rubrix_widgets.metrics import by_id
    >>> by_id("reviews", "status_distribution", query="predicted_as:fresh")
    {'Default': 120, 'Validated': 30}
    """
    if not isinstance(metric_id, str):
        raise ValueError(f"metric_id must be a str, not {metric_id!r}")
    if query is not None and not isinstance(query, str):
        raise TypeError(f"query must be a str or None, not {type(query).__name__}")
    _check_id(dataset, ws.existing(dataset).manifest().task, metric_id)
    interval, size = _interval(interval), _size(size)
    task, table = matching_table(dataset, query)
    data, _ = compute(dataset, task, table, metric_id, interval=interval, size=size)
    return data


def compute(
    dataset: str,
    task: str,
    table: pa.Table,
    metric_id: str,
    *,
    interval: float | None = None,
    size: int | None = None,
) -> tuple[Any, int]:
    """Metric ``metric_id`` of ``dataset``'s matching rows ``table``: (data, how many
    records it counted)."""
    _check_id(dataset, task, metric_id)
    interval, size = _interval(interval), _size(size)
    which, _, name = metric_id.partition("_")
    if which in ("predicted", "annotated") and name in _PER_COLUMN:
        column = "prediction" if which == "predicted" else "annotation"
        return _PER_COLUMN_METRICS[name](table, column, interval, size), len(table)
    if metric_id == "F1":
        return _f1(dataset, task, table)
    if metric_id == "MultiLabelF1":
        return _multi_label_f1(table)
    if metric_id == "metadata":
        return metadata_metric(matching_table(dataset)[1], table, size), len(table)
    return _METRICS[metric_id](task, table, interval, size), len(table)


def _check_id(dataset: str, task: str, metric_id: str) -> None:
    if metric_id not in IDS[task]:
        raise ValueError(
            f"no metric {metric_id!r} for dataset {dataset!r}, a {task} dataset; "
            f"Rubrix's metric ids for {task} datasets are: {', '.join(IDS[task])}"
        )


def _interval(value: object) -> float | None:
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ValueError(f"interval must be a positive number or None, not {value!r}")
    if not value > 0 or not math.isfinite(value):
        raise ValueError(f"interval must be a positive number or None, not {value!r}")
    return float(value)


def _size(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"size must be a positive int or None, not {value!r}")
    return value


# -- every task -------------------------------------------------------------------------
def _text_length(task: str, table: pa.Table, interval, size) -> dict[str, int]:
    # Rubrix's server measured text with Java's String.length(): UTF-16 code units
    lengths = agg.utf16_length(cols.all_texts(table, task).drop_null())
    return agg.histogram(lengths.to_numpy(zero_copy_only=False), 1)


def _error_distribution(task: str, table: pa.Table, interval, size) -> dict[str, int]:
    """Records whose prediction matches their annotation (ok), does not (ko), or that
    lack either (unknown)."""
    if task == TEXT_CLASSIFICATION:
        both, ok = _text_predicted_ok(table)
    elif task == TOKEN_CLASSIFICATION:
        both, ok = _spans_predicted_ok(table)
    else:  # Rubrix's Text2Text records had no prediction status
        both = ok = np.zeros(len(table), dtype=bool)
    right = int((both & ok).sum())
    found = {"ko": int(both.sum()) - right, "ok": right, "unknown": len(table) - int(both.sum())}
    # as a terms aggregation: most frequent first, ties by name, no empty bucket
    return {k: n for k, n in sorted(found.items(), key=lambda kv: (-kv[1], kv[0])) if n}


def _text_predicted_ok(table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """Rows with both, and rows whose predicted_as and annotated_as label sets are equal."""
    gold, pred = cols.annotated_labels(table), cols.predicted_labels(table)
    codes, labels = agg.encode(
        pa.concat_arrays([gold.labels.cast(pa.string()), pred.labels.cast(pa.string())])
    )
    size = max(len(labels), 1)
    gold_keys = np.unique(gold.rows * size + codes[: len(gold.rows)])
    pred_keys = np.unique(pred.rows * size + codes[len(gold.rows) :])
    common = np.intersect1d(gold_keys, pred_keys, assume_unique=True)
    n_gold, n_pred, n_common = (
        np.bincount(keys // size, minlength=len(table)) for keys in (gold_keys, pred_keys, common)
    )
    return _both(table), (n_gold == n_pred) & (n_common == n_gold)


def _spans_predicted_ok(table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """Rows with both, and rows whose predicted entities equal the annotated ones, in order
    and with their scores: an annotated entity scores 1.0, a predicted one without a score
    0.0 (Rubrix's client gave it that), so only predictions scored 1.0 can be ok."""
    both = _both(table)
    prediction, annotation = (
        cols.array(table.column("prediction")),
        cols.array(table.column("annotation")),
    )
    same_length = both & np.equal(
        pc.list_value_length(prediction).to_numpy(zero_copy_only=False),
        pc.list_value_length(annotation).to_numpy(zero_copy_only=False),
    )
    keep = pa.array(same_length)
    pred, gold = pc.list_flatten(prediction.filter(keep)), pc.list_flatten(annotation.filter(keep))
    owner = pc.list_parent_indices(prediction.filter(keep)).to_numpy().astype(np.int64)
    equal = np.ones(len(pred), dtype=bool)
    for field in ("label", "start", "end"):
        same = pc.equal(pc.struct_field(pred, field), pc.struct_field(gold, field))
        equal &= same.to_numpy(zero_copy_only=False)
    score = pc.fill_null(pc.struct_field(pred, "score"), 0.0)
    equal &= pc.equal(score, 1.0).to_numpy(zero_copy_only=False)
    wrong = np.bincount(owner[~equal], minlength=int(same_length.sum()))
    ok = np.zeros(len(table), dtype=bool)
    ok[np.flatnonzero(same_length)] = wrong == 0
    return both, ok


def _both(table: pa.Table) -> np.ndarray:
    valid = pc.and_(
        pc.is_valid(table.column("annotation")), pc.is_valid(table.column("prediction"))
    )
    return np.asarray(valid.to_numpy(zero_copy_only=False), dtype=bool)


def _status_distribution(task: str, table: pa.Table, interval, size) -> dict[str, int]:
    return agg.terms(table.column("status"), _STATUSES)


def _words_cloud(task: str, table: pa.Table, interval, size) -> dict[str, int]:
    """Records per word: lowercased runs of letters, without stop words."""
    texts = pc.utf8_lower(cols.all_texts(table, task))
    words = pc.split_pattern_regex(texts, r"\P{L}+")
    rows = pc.list_parent_indices(words).to_numpy().astype(np.int64)
    found = pc.list_flatten(words)
    keep = pc.and_(
        pc.greater(pc.utf8_length(found), 0),
        pc.invert(pc.is_in(found, value_set=pa.array(sorted(cols.STOPWORDS)))),
    ).to_numpy(zero_copy_only=False)
    _, distinct = agg.distinct_pairs(rows[keep], found.filter(pa.array(keep)))
    return agg.terms(distinct, size)


def _agent(column: str) -> Callable:
    values, agent = (
        ("prediction", "prediction_agent")
        if column == "predicted_by"
        else (
            "annotation",
            "annotation_agent",
        )
    )

    def count(task: str, table: pa.Table, interval, size) -> dict[str, int]:
        has = pc.is_valid(table.column(values))
        return agg.terms(cols.array(table.column(agent)).filter(has), size)

    return count


def _score(task: str, table: pa.Table, interval, size) -> dict[str, int]:
    """Records per prediction score bucket of 0.001 (a record with several scores counts
    once in each bucket they fall in)."""
    prediction = cols.array(table.column("prediction"))
    items = pc.list_flatten(prediction)
    rows = pc.list_parent_indices(prediction).to_numpy().astype(np.int64)
    # a score left out: 0.0 for an entity (Rubrix's client), 1.0 for a Text2Text sentence
    default = 0.0 if task == TOKEN_CLASSIFICATION else 1.0
    scores = pc.fill_null(pc.struct_field(items, "score"), default).to_numpy(zero_copy_only=False)
    if task == TEXT_CLASSIFICATION:  # single-label records: the top score only
        offsets = prediction.offsets.to_numpy()
        first = np.zeros(len(items), dtype=bool)
        starts = offsets[:-1][np.diff(offsets) > 0] - offsets[0]
        first[starts] = True
        keep = first | cols.multi_label_rows(table)[rows]
        rows, scores = rows[keep], scores[keep]
    return agg.histogram_per_record(rows, scores, 0.001)


# -- text and token classification ------------------------------------------------------
def _f1(dataset: str, task: str, table: pa.Table) -> tuple[dict, int]:
    if task == TOKEN_CLASSIFICATION:
        return rubrix_span_f1(table), len(table)
    multi = cols.multi_label_rows(table)
    if len(table) and multi.all():
        raise ValueError(
            f"F1: dataset {dataset!r} holds multi-label records; use "
            "text_classification.f1_multilabel (metric id 'MultiLabelF1')"
        )
    scores = single_label_f1(table)
    return ({} if scores is None else scores.to_argilla()), (scores.records if scores else 0)


def _multi_label_f1(table: pa.Table) -> tuple[dict, int]:
    scores = multi_label_f1(table, single_label_too=True)
    if scores is None or not scores.labels:
        return {}, 0 if scores is None else scores.records
    return scores.to_argilla(), scores.records


def _dataset_labels(task: str, table: pa.Table, interval, size) -> dict[str, list[str]]:
    table = table.slice(0, _DATASET_LABELS_RECORDS)
    if task == TEXT_CLASSIFICATION:
        found = [
            pc.list_flatten(cols.array(table.column("annotation"))),
            pc.struct_field(pc.list_flatten(cols.array(table.column("prediction"))), "label"),
        ]
    else:
        found = [cols.spans(table, "annotation").labels, cols.spans(table, "prediction").labels]
    labels = pc.unique(pa.concat_arrays([f.cast(pa.string()) for f in found])).drop_null()
    return {"labels": sorted(labels.to_pylist())}


def _labels_of(column: str) -> Callable:
    def count(task: str, table: pa.Table, interval, size) -> dict[str, int]:
        if task == TEXT_CLASSIFICATION:
            found = (
                cols.annotated_labels(table)
                if column == "annotation"
                else cols.predicted_labels(table)
            )
            rows, labels = found.rows, found.labels
        else:
            spans = cols.spans(table, column)
            rows, labels = spans.rows, spans.labels
        _, distinct = agg.distinct_pairs(rows, labels.cast(pa.string()))
        return agg.terms(distinct, size)

    return count


# -- token classification ---------------------------------------------------------------
def _tokens_length(task: str, table: pa.Table, interval, size) -> dict[str, int]:
    return agg.histogram(cols.token_counts(table), interval or agg.DEFAULT_HISTOGRAM_INTERVAL)


def _token_frequency(task: str, table: pa.Table, interval, size) -> dict[str, int]:
    return agg.terms(mn.tokens(table), size)


def _token_length(task: str, table: pa.Table, interval, size) -> dict[str, int]:
    return agg.histogram(pc.utf8_length(mn.tokens(table)).to_numpy(zero_copy_only=False), 1)


def _token_capitalness(task: str, table: pa.Table, interval, size) -> dict[str, int]:
    return agg.terms(cols.capitalness(mn.tokens(table)), size)


def _entity_density(table: pa.Table, column: str, interval, size) -> dict[str, int]:
    found = mn.mentions(table, column)
    interval = interval or agg.DEFAULT_HISTOGRAM_INTERVAL
    return agg.histogram(found.density, interval, float32=True)


def _entity_labels(table: pa.Table, column: str, interval, size) -> dict[str, int]:
    return agg.terms(mn.mentions(table, column).labels, size)


def _entity_capitalness(table: pa.Table, column: str, interval, size) -> dict[str, int]:
    return agg.terms(mn.mentions(table, column).capitalness, size)


def _mention_token_length(table: pa.Table, column: str, interval, size) -> dict[str, int]:
    lengths = mn.mentions(table, column).token_lengths
    return agg.histogram(lengths, interval or agg.DEFAULT_HISTOGRAM_INTERVAL)


def _mention_char_length(table: pa.Table, column: str, interval, size) -> dict[str, int]:
    return agg.histogram(mn.mentions(table, column).char_lengths, 1)


def _mentions_distribution(table: pa.Table, column: str, interval, size) -> dict:
    """``{label: {mention: count}}``: labels most frequent first, mentions likewise."""
    found = mn.mentions(table, column)
    out: dict[str, dict[str, int]] = {}
    pairs = pa.table({"label": found.labels.cast(pa.string()), "value": found.values})
    for label in agg.terms(found.labels, size):
        mine = pairs.filter(pc.equal(pairs.column("label"), label)).column("value")
        out[label] = agg.terms(mine, size)
    return out


def _consistency(of: Callable) -> Callable:
    def compute(table: pa.Table, column: str, interval, size) -> dict:
        values, labels = of(table, column)
        return _label_variety(values, labels, size or _CONSISTENCY_SIZE, int(max(interval or 2, 2)))

    return compute


def _label_variety(values: pa.Array, labels: pa.Array, size: int, threshold: int) -> dict:
    """Rubrix's entity consistency: of the ``size`` most frequent values, those given at
    least ``threshold`` different labels, the most varied first, each with its labels'
    counts (most frequent first)."""
    top = agg.terms(values, size)  # values over 128 characters were not indexed: left out
    if not top:
        return {"mentions": []}
    value_codes, distinct = agg.encode(values.cast(pa.large_string()))
    position = pc.index_in(distinct, value_set=pa.array(list(top), pa.large_string()))
    position = pc.fill_null(position, -1).to_numpy(zero_copy_only=False)[value_codes]
    label_codes, label_names = agg.encode(labels.cast(pa.string()))
    chosen = position >= 0
    keys = position[chosen] * len(label_names) + label_codes[chosen]
    keys, counts = np.unique(keys, return_counts=True)
    names = label_names.to_pylist()
    by_value: dict[int, list[tuple[str, int]]] = {}
    for key, count in zip(keys.tolist(), counts.tolist(), strict=True):
        by_value.setdefault(key // len(names), []).append((names[key % len(names)], count))
    mentions = list(top)
    varied = [i for i in range(len(mentions)) if len(by_value[i]) >= threshold]
    varied = agg.bucket_sort_desc(varied, lambda i: len(by_value[i]))
    found = []
    for i in varied:
        entities = sorted(by_value[i], key=lambda item: (-item[1], item[0]))
        entities = entities[: agg.DEFAULT_TERMS_SIZE]
        found.append(
            {"mention": mentions[i], "entities": [{"label": lb, "count": n} for lb, n in entities]}
        )
    found.sort(key=lambda m: len(m["entities"]), reverse=True)  # stable, as Rubrix's
    return {"mentions": found}


def _mention_pairs(table: pa.Table, column: str) -> tuple[pa.Array, pa.Array]:
    found = mn.mentions(table, column)
    return found.values, found.labels


_METRICS: dict[str, Callable] = {
    "text_length": _text_length,
    "error_distribution": _error_distribution,
    "status_distribution": _status_distribution,
    "words_cloud": _words_cloud,
    "predicted_by": _agent("predicted_by"),
    "annotated_by": _agent("annotated_by"),
    "score": _score,
    "dataset_labels": _dataset_labels,
    "predicted_as": _labels_of("prediction"),
    "annotated_as": _labels_of("annotation"),
    "tokens_length": _tokens_length,
    "token_frequency": _token_frequency,
    "token_length": _token_length,
    "token_capitalness": _token_capitalness,
}
_PER_COLUMN_METRICS: dict[str, Callable] = {
    "entity_density": _entity_density,
    "entity_labels": _entity_labels,
    "entity_capitalness": _entity_capitalness,
    "mention_token_length": _mention_token_length,
    "mention_char_length": _mention_char_length,
    "mentions_distribution": _mentions_distribution,
    "entity_consistency": _consistency(_mention_pairs),
    "tag_consistency": _consistency(mn.iob_tags),
}
