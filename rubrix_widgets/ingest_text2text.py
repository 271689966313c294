"""The Text2Text part of the write path: the text, its annotation and scored predictions.

:class:`Text2TextColumns` is the builder's (:class:`ingest._Builder`) part for Text2Text
batches; it uses the builder's ``given``, ``rows``, ``attempt``, ``strings`` and ``out``.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from . import validation
from .ingest_columns import (
    ColumnsBuilder,
    Fallback,
    all_in_unit_interval,
    empty_as_null,
    sorted_by_score,
)
from .tasks import TEXT_SCORE


class Text2TextColumns(ColumnsBuilder):
    """Builds ``text``, ``annotation`` and ``prediction`` of a Text2Text batch."""

    def text2text(self) -> None:
        def fast_text():
            column = self.given("text")
            if column is None:
                raise Fallback
            array = pa.array(column.tolist())  # inferred, not cast: bytes must not pass for str
            if array.type not in (pa.string(), pa.large_string()) or array.null_count:
                raise Fallback
            return array.cast(pa.large_string())

        def slow_text():
            values = self.rows("text", lambda v: validation.check_text(v, allow_empty=True))
            return pa.array(values, pa.large_string())

        self.out["text"] = self.attempt(fast_text, slow_text)
        self.out["annotation"] = self.strings(
            "annotation", validation.check_text2text_annotation, large=True
        )

        def fast_prediction():
            column = self.given("prediction")
            if column is None:
                return pa.nulls(self.n, pa.list_(TEXT_SCORE))
            lists = pa.array(column, type=pa.list_(TEXT_SCORE), from_pandas=True)
            flat = pc.list_flatten(lists)
            scores = flat.field("score")
            if flat.null_count or flat.field("text").null_count:  # [None] is no prediction
                raise Fallback
            if scores.null_count or not all_in_unit_interval(scores):
                raise Fallback
            return sorted_by_score(empty_as_null(lists), "score")

        self.out["prediction"] = self.attempt(
            fast_prediction,
            lambda: pa.array(
                self.rows("prediction", validation.check_text2text_prediction), pa.list_(TEXT_SCORE)
            ),
        )
