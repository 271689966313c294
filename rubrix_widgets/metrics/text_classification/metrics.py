"""Metrics for text classification datasets (Rubrix's ``rb.metrics.text_classification``).

F1 and the confusion matrix compare each record's prediction with its
annotation, so **only records that have both count**: records nobody
annotated, or without a prediction, are left out (narrow further with a
query, e.g. ``query="status:Validated"``). Per-label numbers are those of
scikit-learn's ``precision_recall_fscore_support`` (0 where a ratio would
divide by zero); micro averages pool all decisions, macro averages are the
unweighted mean over labels. As in Rubrix, :func:`f1` on a token
classification dataset gives its entity-level F1 (both are Rubrix's metric ``F1``).
"""

from __future__ import annotations

import pyarrow as pa

from ...tasks import TEXT_CLASSIFICATION
from .. import _columns as cols
from .. import _plots
from .._dataset import Annotations, ComputeFor, Predictions, parse_compute_for, rows, summary
from .._scores import confusion
from ..summary import MetricSummary

__all__ = [
    "Annotations",
    "ComputeFor",
    "Predictions",
    "confusion_matrix",
    "f1",
    "f1_multilabel",
    "label_distribution",
]
METRICS = ("confusion_matrix", "f1", "f1_multilabel", "label_distribution")


def f1(name: str, query: str | None = None) -> MetricSummary:
    """Precision, recall and F1 of single-label predictions, per label and averaged.

    The predicted label of a record is its top-scoring one; it is compared with
    the annotated label. Only records with both an annotation and a prediction
    count. A multi-label dataset is refused (use :func:`f1_multilabel`).

    Parameters
    ----------
    name
        The dataset name (text classification; a token classification dataset gives
        its entity-level F1, as in Rubrix).
    query
        A search in the Rubrix query language; all records when None.

    Returns
    -------
    MetricSummary
        ``data`` is Rubrix's flat dict: ``precision_macro``, ``recall_macro``,
        ``f1_macro``, the same ``_micro``, then ``<label>_precision``,
        ``<label>_recall``, ``<label>_f1`` and ``<label>_support`` for each label
        (sorted). Empty when no record has both an annotation and a prediction.

    Examples
    --------
    >>> from rubrix_widgets.metrics.text_classification import f1
    >>> summary = f1(name="reviews", query="status:Validated")
    >>> summary.data["f1_macro"]
    0.71
    >>> summary.visualize()  # averages and per-label bars
    """
    return summary(name, query, "text_classification.f1", "F1", _plots.f1_flat, "F1 (single-label)")


def f1_multilabel(name: str, query: str | None = None) -> MetricSummary:
    """Precision, recall and F1 of multi-label predictions, per label and averaged.

    A record is predicted as every label scoring more than 0.5 (as the
    ``predicted_as`` search field), and these sets are compared with the
    annotated sets, as scikit-learn does with binarized labels. Only records with
    both an annotation and a prediction count. As in Rubrix, single-label records
    count too (predicted as their top label): on a single-label dataset the numbers
    are those of :func:`f1`.

    Parameters
    ----------
    name
        The dataset name (text classification).
    query
        A search in the Rubrix query language; all records when None.

    Returns
    -------
    MetricSummary
        ``data`` has the keys of :func:`f1`.

    Examples
    --------
    >>> from rubrix_widgets.metrics.text_classification import f1_multilabel
    >>> f1_multilabel(name="topics").data["f1_micro"]
    0.64
    """
    return summary(
        name,
        query,
        "text_classification.f1_multilabel",
        "MultiLabelF1",
        _plots.f1_flat,
        "F1 (multi-label)",
    )


def confusion_matrix(name: str, query: str | None = None) -> MetricSummary:
    """How often each annotated label was predicted as each label (single-label records).

    Not a Rubrix 0.18 metric. Only records with both an annotation and a prediction
    count; the predicted label is the top-scoring one.

    Parameters
    ----------
    name
        The dataset name (a single-label text classification dataset).
    query
        A search in the Rubrix query language; all records when None.

    Returns
    -------
    MetricSummary
        ``data`` is ``{"labels": [...], "matrix": [[...], ...]}``: labels sorted,
        ``matrix[i][j]`` the number of records annotated ``labels[i]`` and
        predicted ``labels[j]`` (the layout of scikit-learn's
        ``confusion_matrix``). ``.visualize()`` draws it as a heatmap.

    Examples
    --------
    >>> from rubrix_widgets.metrics.text_classification import confusion_matrix
    >>> confusion_matrix(name="reviews").data
    {'labels': ['fresh', 'plot', 'rotten'], 'matrix': [[410, 12, 88], [9, 301, 14], ...]}
    """
    table = _rows(name, query, "confusion_matrix")
    if len(table) and cols.multi_label_rows(table).all():
        raise ValueError(
            f"confusion_matrix: dataset {name!r} holds multi-label records; a confusion "
            "matrix needs one label per record (use text_classification.f1_multilabel)"
        )
    labels, matrix = confusion(table)
    return MetricSummary(
        {"labels": labels, "matrix": matrix.tolist()},
        lambda d, title: _plots.heatmap(d["labels"], d["matrix"], title),
        metric="Confusion matrix",
        dataset=name,
        query=query,
        records=int(matrix.sum()),
    )


def label_distribution(
    name: str,
    query: str | None = None,
    compute_for: str | ComputeFor = Predictions,
) -> MetricSummary:
    """How many records are predicted as (or annotated as) each label.

    Not a Rubrix 0.18 function (its metric ids ``predicted_as`` / ``annotated_as``,
    see :func:`rubrix_widgets.metrics.by_id`, count the same). Predicted labels are
    those of the ``predicted_as`` search field: the top label, or every label scoring
    more than 0.5 in multi-label records.

    Parameters
    ----------
    name
        The dataset name.
    query
        A search in the Rubrix query language; all records when None.
    compute_for
        ``Predictions`` (default) or ``Annotations``, or their names as str.

    Returns
    -------
    MetricSummary
        ``data`` maps each label to its number of records, most frequent first.

    Examples
    --------
    >>> from rubrix_widgets.metrics.text_classification import Annotations, label_distribution
    >>> label_distribution(name="reviews", compute_for=Annotations).data
    {'fresh': 510, 'rotten': 497, 'plot': 324}
    """
    which = parse_compute_for(compute_for)
    table = _rows(name, query, "label_distribution")
    return MetricSummary(
        cols.label_counts(table, which.column),
        lambda d, title: _plots.bar(d, title, "label", "records"),
        metric=f"{which.adjective.capitalize()} labels",
        dataset=name,
        query=query,
        records=len(table),
    )


def _rows(name: str, query: str | None, metric: str) -> pa.Table:
    return rows(name, query, f"text_classification.{metric}", TEXT_CLASSIFICATION)[1]
