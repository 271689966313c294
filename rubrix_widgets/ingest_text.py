"""The text classification part of the write path: inputs, labels, scores, explanations.

:class:`TextClassificationColumns` is the builder's (:class:`ingest._Builder`) part for
text classification batches; it uses the builder's ``given``, ``rows``, ``attempt`` and
``out``. Each column is checked column-wise with Arrow first, and redone row by row with
:mod:`rubrix_widgets.validation` when that fast path cannot vouch for it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import validation
from .ingest_columns import (
    ColumnsBuilder,
    Fallback,
    all_in_unit_interval,
    check_labels,
    duplicates_within_rows,
    empty_as_null,
    explanation_json,
    has_bool_scores,
    inputs_are_text,
    sorted_by_score,
    split_inputs,
    wrap_in_lists,
)
from .tasks import LABEL_SCORE


class TextClassificationColumns(ColumnsBuilder):
    """Builds ``multi_label``, ``text``/``inputs``, ``annotation``, ``prediction`` and
    ``explanation`` of a text classification batch."""

    def text_classification(self) -> None:
        multi_column = self.given("multi_label")
        if multi_column is None:
            self.multi = np.zeros(self.n, dtype=np.bool_)
        elif pd.api.types.is_bool_dtype(multi_column.dtype):
            self.multi = multi_column.to_numpy(dtype=bool)
        else:  # as the record model reads it: "maybe" is refused, naming the row
            self.multi = np.array(self.rows("multi_label", validation.check_multi_label), np.bool_)
        self.out["multi_label"] = pa.array(self.multi, pa.bool_())
        self.out["text"], self.out["inputs"], inputs = self.attempt(
            self.fast_inputs, self.slow_inputs
        )
        self.out["annotation"] = self.attempt(self.fast_annotation, self.slow_annotation)
        self.out["prediction"] = self.attempt(self.fast_prediction, self.slow_prediction)
        self.out["explanation"] = self.explanations(inputs)

    def fast_inputs(self):
        texts, inputs = self.given("text"), self.given("inputs")
        if texts is None and inputs is not None:  # record objects carry inputs only
            values = inputs.tolist()
            if not all(type(d) is dict and len(d) == 1 and "text" in d for d in values):
                raise Fallback
            texts = [d["text"] for d in values]
        elif texts is None or (inputs is not None and not inputs_are_text(inputs, texts)):
            raise Fallback
        array = pa.array(texts)  # inferred, not cast: bytes or numbers must not pass for str
        if array.type not in (pa.string(), pa.large_string()) or array.null_count:
            raise Fallback
        return array.cast(pa.large_string()), pa.nulls(self.n, pa.large_string()), None

    def slow_inputs(self):
        texts, inputs = self.columns.get("text"), self.columns.get("inputs")
        if inputs is not None and texts is not None:
            values = self.rows("inputs", validation.check_inputs, texts.tolist())
        elif inputs is not None:
            values = self.rows("inputs", validation.check_inputs)
        else:
            values = self.rows("text", validation.check_inputs)
        split = [split_inputs(v) for v in values]
        return (
            pa.array([t for t, _ in split], pa.large_string()),
            pa.array([j for _, j in split], pa.large_string()),
            values,
        )

    def fast_annotation(self) -> pa.Array:
        column = self.given("annotation")
        kind = pa.list_(pa.string())
        if column is None:
            return pa.nulls(self.n, kind)
        if self.multi.any():
            if not self.multi.all():
                raise Fallback
            lists = pa.array(column, type=kind, from_pandas=True)
            lists = pc.if_else(pc.is_null(lists), pa.scalar(None, kind), lists)
            check_labels(pc.list_flatten(lists))
            if duplicates_within_rows(lists, pc.list_flatten(lists)):
                raise Fallback
            return lists
        if pd.api.types.is_integer_dtype(column.dtype):  # class ids: "1", as records make them
            labels = pc.cast(pa.array(column, from_pandas=True), pa.string())
        else:
            labels = pa.array(column, type=pa.string(), from_pandas=True)
        check_labels(labels.drop_null())
        return wrap_in_lists(labels)

    def slow_annotation(self) -> pa.Array:
        values = self.rows("annotation", validation.check_text_annotation, self.multi.tolist())
        return pa.array(
            [None if v is None else [v] if isinstance(v, str) else v for v in values],
            pa.list_(pa.string()),
        )

    def fast_prediction(self) -> pa.Array:
        column = self.given("prediction")
        kind = pa.list_(LABEL_SCORE)
        if column is None:
            return pa.nulls(self.n, kind)
        lists = pa.array(column, type=kind, from_pandas=True)
        flat = pc.list_flatten(lists)
        labels, scores = flat.field("label"), flat.field("score")
        check_labels(labels)
        if scores.null_count or not all_in_unit_interval(scores):
            raise Fallback
        if has_bool_scores(column, lists, scores):
            raise Fallback  # Arrow read True as 1.0; the rules refuse a bool score
        if duplicates_within_rows(lists, labels):
            raise Fallback
        rows = pc.list_parent_indices(lists).to_numpy()
        sums = np.bincount(rows, weights=scores.to_numpy(), minlength=self.n)
        if (sums[~self.multi] > 1.0 + validation.SCORE_SUM_TOLERANCE).any():
            raise Fallback
        return sorted_by_score(empty_as_null(lists), "score")

    def slow_prediction(self) -> pa.Array:
        values = self.rows("prediction", validation.check_text_prediction, self.multi.tolist())
        return pa.array(values, pa.list_(LABEL_SCORE))

    def explanations(self, inputs: list | None) -> pa.Array:
        if self.given("explanation") is None:
            return pa.nulls(self.n, pa.large_string())
        if inputs is None:
            inputs = [{"text": None}] * self.n
        from .records import checked_explanation  # as the record model checks it

        values = self.rows("explanation", checked_explanation, inputs)
        return pa.array([explanation_json(v) for v in values], pa.large_string())
