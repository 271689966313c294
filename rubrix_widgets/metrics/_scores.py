"""Precision, recall and F1 of predictions against annotations, and the confusion matrix.

Only records that have both an annotation and a prediction count: a record
nobody annotated says nothing about the model, and one without a prediction
says nothing about the annotation. Per label, the numbers are those of
scikit-learn's ``precision_recall_fscore_support`` (a ratio with a zero
denominator is 0); micro averages pool every decision, macro averages are
the unweighted mean over labels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import _columns as cols


@dataclass(frozen=True)
class F1Table:
    """Per-label counts of an F1 computation: labels in sorted order, with their true
    positives, how often each was predicted, and its support (how often annotated)."""

    labels: list[str]
    true_positives: np.ndarray
    predicted: np.ndarray
    support: np.ndarray
    records: int

    def per_label(self) -> dict[str, dict[str, float | int]]:
        tp, pred, gold = self.true_positives, self.predicted, self.support
        precision, recall = _ratio(tp, pred), _ratio(tp, gold)
        f1 = _ratio(2 * tp, pred + gold)
        return {
            label: {
                "precision": float(p),
                "recall": float(r),
                "f1": float(f),
                "support": int(s),
            }
            for label, p, r, f, s in zip(self.labels, precision, recall, f1, gold, strict=True)
        }

    def micro(self) -> dict[str, float]:
        tp, pred, gold = (int(a.sum()) for a in (self.true_positives, self.predicted, self.support))
        return {
            "precision": tp / pred if pred else 0.0,
            "recall": tp / gold if gold else 0.0,
            "f1": 2 * tp / (pred + gold) if pred + gold else 0.0,
        }

    def macro(self) -> dict[str, float]:
        rows = self.per_label().values()
        return {
            key: float(np.mean([row[key] for row in rows])) if rows else 0.0
            for key in ("precision", "recall", "f1")
        }

    def to_json(self) -> dict:
        """``{"records", "micro", "macro", "per_label"}``: plain, JSON-safe data."""
        return {
            "records": self.records,
            "micro": self.micro(),
            "macro": self.macro(),
            "per_label": self.per_label(),
        }

    def to_argilla(self) -> dict[str, float | int]:
        """The flat dict of Argilla's F1 metrics: averages, then ``<label>_<measure>``."""
        out: dict[str, float | int] = {}
        for average, values in (("macro", self.macro()), ("micro", self.micro())):
            out.update({f"{key}_{average}": value for key, value in values.items()})
        for label, values in self.per_label().items():
            out.update({f"{label}_{key}": value for key, value in values.items()})
        return out


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    out = np.zeros(len(numerator), dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def _codes(*arrays: pa.Array) -> tuple[list[str], list[np.ndarray]]:
    """Sorted labels of all arrays, and each array as positions in that list."""
    every = pa.concat_arrays([a.cast(pa.string()) for a in arrays])
    labels = sorted(pc.unique(every).drop_null().to_pylist())
    value_set = pa.array(labels, pa.string())
    return labels, [
        pc.index_in(a.cast(pa.string()), value_set=value_set).to_numpy().astype(np.int64)
        for a in arrays
    ]


def _both(table: pa.Table) -> np.ndarray:
    """Rows that have an annotation and a prediction."""
    annotated = pc.is_valid(table.column("annotation"))
    predicted = pc.is_valid(table.column("prediction"))
    return np.asarray(pc.and_(annotated, predicted).to_numpy(zero_copy_only=False), dtype=bool)


# -- text classification --------------------------------------------------------------
def single_label_pairs(table: pa.Table) -> tuple[pa.Array, pa.Array]:
    """(annotated label, top predicted label) of the single-label records having both."""
    annotated, predicted = cols.annotated_labels(table), cols.predicted_labels(table)
    single = ~cols.multi_label_rows(table)
    # one label each for single-label rows: the first annotated label, the top prediction
    gold_first = np.full(len(table), -1, dtype=np.int64)
    if len(annotated.rows):
        at = np.flatnonzero(np.r_[True, annotated.rows[1:] != annotated.rows[:-1]])
        gold_first[annotated.rows[at]] = at
    pred_at = np.full(len(table), -1, dtype=np.int64)
    pred_at[predicted.rows[::-1]] = np.arange(len(predicted.rows))[::-1]
    rows = np.flatnonzero(single & _both(table) & (gold_first >= 0) & (pred_at >= 0))
    return (
        annotated.labels.take(pa.array(gold_first[rows])),
        predicted.labels.take(pa.array(pred_at[rows])),
    )


def confusion(table: pa.Table) -> tuple[list[str], np.ndarray]:
    """Labels and the matrix of counts, rows = annotated label, columns = predicted label
    (as scikit-learn's ``confusion_matrix``), over single-label records with both."""
    gold, pred = single_label_pairs(table)
    if not len(gold):
        return [], np.zeros((0, 0), dtype=np.int64)
    labels, (g, p) = _codes(gold, pred)
    size = len(labels)
    matrix = np.bincount(g * size + p, minlength=size * size).reshape(size, size)
    return labels, matrix


def single_label_f1(table: pa.Table) -> F1Table | None:
    """F1 of the top prediction against the annotation; None when no record has both."""
    labels, matrix = confusion(table)
    if not labels:
        return None
    return F1Table(
        labels, np.diag(matrix).copy(), matrix.sum(axis=0), matrix.sum(axis=1), int(matrix.sum())
    )


def multi_label_f1(table: pa.Table, single_label_too: bool = False) -> F1Table | None:
    """F1 of the labels predicted with a score above 0.5 against the annotated set, over
    multi-label records having both; None when there are none.

    ``single_label_too``: single-label records count as well, each predicted as its top
    label (Rubrix's ``f1_multilabel`` accepts single-label datasets so).
    """
    multi = cols.multi_label_rows(table)
    both = _both(table) & (multi | single_label_too)
    if not both.any():
        return None
    annotated, predicted = cols.annotated_labels(table), cols.predicted_labels(table)
    gold_keep, pred_keep = both[annotated.rows], both[predicted.rows]
    gold_rows, pred_rows = annotated.rows[gold_keep], predicted.rows[pred_keep]
    gold_labels = annotated.labels.filter(pa.array(gold_keep))
    pred_labels = predicted.labels.filter(pa.array(pred_keep))
    labels, (g, p) = _codes(gold_labels, pred_labels)
    size = max(len(labels), 1)
    gold_keys, pred_keys = np.unique(gold_rows * size + g), np.unique(pred_rows * size + p)
    hits = np.intersect1d(gold_keys, pred_keys, assume_unique=True)
    return F1Table(
        labels,
        np.bincount(hits % size, minlength=len(labels)),
        np.bincount(pred_keys % size, minlength=len(labels)),
        np.bincount(gold_keys % size, minlength=len(labels)),
        int(both.sum()),
    )


# -- token classification -------------------------------------------------------------
def span_f1(table: pa.Table) -> F1Table | None:
    """Entity-level F1 (CoNLL 2003): a predicted entity is right only when an annotated one
    has the same label, start and end in the same record. Over records having both (an
    empty annotation counts: it says the record has no entities)."""
    both = _both(table)
    if not both.any():
        return None
    gold, pred = cols.spans(table, "annotation"), cols.spans(table, "prediction")
    gold, pred = gold.take(both[gold.rows]), pred.take(both[pred.rows])
    labels, (g, p) = _codes(gold.labels, pred.labels)
    marks = pa.table(
        {
            "row": np.concatenate([gold.rows, pred.rows]),
            "label": np.concatenate([g, p]),
            "start": np.concatenate([gold.starts, pred.starts]),
            "end": np.concatenate([gold.ends, pred.ends]),
            "gold": np.r_[np.ones(len(gold), np.int8), np.zeros(len(pred), np.int8)],
            "pred": np.r_[np.zeros(len(gold), np.int8), np.ones(len(pred), np.int8)],
        }
    )
    # one entry per distinct (record, label, start, end): a span given twice counts once
    found = marks.group_by(["row", "label", "start", "end"]).aggregate(
        [("gold", "max"), ("pred", "max")]
    )
    label = found.column("label").to_numpy()
    in_gold = found.column("gold_max").to_numpy().astype(np.int64)
    in_pred = found.column("pred_max").to_numpy().astype(np.int64)
    size = len(labels)
    return F1Table(
        labels,
        np.bincount(label, weights=in_gold * in_pred, minlength=size).astype(np.int64),
        np.bincount(label, weights=in_pred, minlength=size).astype(np.int64),
        np.bincount(label, weights=in_gold, minlength=size).astype(np.int64),
        int(both.sum()),
    )


def rubrix_span_f1(table: pa.Table) -> dict[str, float | int]:
    """Rubrix's entity-level F1 dict (its server's ``F1`` metric for token classification).

    Every matching record counts: its predicted entities if it has a prediction, its
    annotated ones if it has an annotation. Per *annotated* label (in order of first
    appearance), precision, recall and F1 of the exact (record, label, start, end) spans;
    entities of labels never annotated are left out. Macro precision and recall are the
    means over those labels and macro F1 their harmonic mean; micro ones pool the spans.
    A ratio with a zero denominator is the int 0, as Rubrix's server gave it.
    """
    gold, pred = cols.spans(table, "annotation"), cols.spans(table, "prediction")
    labels = list(dict.fromkeys(gold.labels.to_pylist()))  # in order of first appearance
    annotated, predicted = _distinct_spans(gold, labels), _distinct_spans(pred, labels)
    correct = annotated.join(predicted, keys=list(annotated.column_names), join_type="inner")
    n_annotated, n_predicted, n_correct = (
        np.bincount(t.column("label").to_numpy(), minlength=len(labels)).tolist()
        for t in (annotated, predicted, correct)
    )
    out: dict[str, float | int] = {}
    per_label: dict[str, float | int] = {}
    precision_macro: float | int = 0
    recall_macro: float | int = 0
    for i, label in enumerate(labels):  # label by label, in Rubrix's order of arithmetic
        precision = _safe_divide(n_correct[i], n_predicted[i])
        recall = _safe_divide(n_correct[i], n_annotated[i])
        per_label[f"{label}_precision"] = precision
        per_label[f"{label}_recall"] = recall
        per_label[f"{label}_f1"] = _safe_divide(2 * precision * recall, precision + recall)
        precision_macro += precision / len(labels)
        recall_macro += recall / len(labels)
    out["precision_macro"] = precision_macro
    out["recall_macro"] = recall_macro
    out["f1_macro"] = _safe_divide(
        2 * precision_macro * recall_macro, precision_macro + recall_macro
    )
    precision_micro = _safe_divide(sum(n_correct), sum(n_predicted))
    recall_micro = _safe_divide(sum(n_correct), sum(n_annotated))
    out["precision_micro"] = precision_micro
    out["recall_micro"] = recall_micro
    out["f1_micro"] = _safe_divide(
        2 * precision_micro * recall_micro, precision_micro + recall_micro
    )
    return out | per_label


def _distinct_spans(found: cols.Spans, labels: list[str]) -> pa.Table:
    """Distinct (label position in ``labels``, record, start, end) of the spans whose label
    is in ``labels``."""
    code = pc.index_in(found.labels.cast(pa.string()), value_set=pa.array(labels, pa.string()))
    keep = pc.is_valid(code).to_numpy(zero_copy_only=False)
    spans = pa.table(
        {
            "label": code.filter(pa.array(keep)).cast(pa.int64()),
            "row": found.rows[keep],
            "start": found.starts[keep],
            "end": found.ends[keep],
        }
    )
    return spans.group_by(["label", "row", "start", "end"]).aggregate([])


def _safe_divide(numerator: float, denominator: float) -> float | int:
    """Rubrix's division: 0 (an int) when the denominator is 0."""
    try:
        return numerator / denominator
    except ZeroDivisionError:
        return 0
