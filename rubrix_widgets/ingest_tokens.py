"""The token classification part of the write path: text, tokens and entity spans.

The usual frame (text == " ".join(tokens)) is checked column-wise: token offsets are
cumulative lengths and every span check is an array comparison. Anything else goes row by
row through :mod:`rubrix_widgets.validation`, which gives the same result or names the row and
field at fault. :class:`TokenColumns` is the builder's (:class:`ingest._Builder`) part that
does this; it uses the builder's ``given``, ``rows``, ``attempt``, ``row_error`` and
``where``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import token_validation, validation
from .ingest_columns import (
    ColumnsBuilder,
    Fallback,
    all_in_unit_interval,
    check_labels,
    missing_list,
    missing_or_empty,
)
from .tasks import SCORED_SPAN, SPAN, TOKEN_CLASSIFICATION, spec


class TokenColumns(ColumnsBuilder):
    """Builds ``text``, ``tokens``, ``annotation`` and ``prediction`` of a token batch."""

    def tokens(self) -> None:
        self.out.update(self.attempt(self.fast_tokens, self.slow_tokens))

    def fast_tokens(self) -> dict[str, pa.Array]:
        """The usual frame, text == " ".join(tokens), checked column-wise.

        Token offsets are then cumulative lengths, and every span check is an
        array comparison. Anything else (no tokens, tags, text that is not the
        joined tokens, a span that fails a check) goes the per-row way, which
        gives the same result or names the row and field at fault.
        """
        text, tokens = self.given("text"), self.given("tokens")
        if text is None or tokens is None or "tags" in self.columns:
            raise Fallback
        # inferred, not cast: bytes must not pass for str
        tokens, texts = pa.array(tokens.tolist()), pa.array(text.tolist())
        if tokens.type != pa.list_(pa.string()) or texts.type != pa.string():
            raise Fallback
        texts = texts.cast(pa.large_string())
        flat = tokens.flatten()
        if tokens.null_count or texts.null_count or flat.null_count or len(flat) == 0:
            raise Fallback
        counts = pc.list_value_length(tokens).to_numpy()
        lengths = pc.utf8_length(flat).to_numpy().astype(np.int64)
        if counts.min() == 0 or lengths.min() == 0:
            raise Fallback
        # a token starting with whitespace could be found one place early by the row check
        if pc.any(pc.match_substring_regex(flat, r"^\s")).as_py():
            raise Fallback
        joined = pc.cast(pc.binary_join(tokens, " "), pa.large_string())
        if not pc.all(pc.equal(joined, texts)).as_py():
            raise Fallback
        before = np.cumsum(lengths + 1) - (lengths + 1)  # over all rows' tokens
        firsts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        starts = before - np.repeat(before[firsts], counts)
        boundaries = _TokenBoundaries(
            np.repeat(np.arange(self.n), counts), starts, starts + lengths, pc.utf8_length(texts)
        )
        return {
            "text": texts,
            "tokens": tokens,
            "annotation": self.fast_spans("annotation", boundaries),
            "prediction": self.fast_spans("prediction", boundaries),
        }

    def fast_spans(self, name: str, boundaries: _TokenBoundaries) -> pa.Array:
        kind = pa.list_(SCORED_SPAN if name == "prediction" else SPAN)
        column = self.given(name)
        if column is None:
            return pa.nulls(self.n, kind)
        values = column.tolist()
        span_type = kind.value_type
        try:
            spans = pa.array(values, kind)
        except pa.ArrowInvalid:
            if name != "prediction":
                raise
            span_type = SPAN  # predictions given as (label, start, end), with no scores
            spans = pa.array(values, pa.list_(SPAN))
        items = spans.flatten()
        if len(items) == 0:
            return spans if spans.type == kind else pa.array(values, kind)
        starts, ends = items.field("start"), items.field("end")
        if starts.null_count or ends.null_count:
            raise Fallback
        # Arrow truncates 0.5 to 0 on the way to int32: read the offsets as floats too
        as_floats = pa.array(values, _float_offsets(span_type)).flatten()
        for field, ints in (("start", starts), ("end", ends)):
            if not pc.all(pc.equal(as_floats.field(field), pc.cast(ints, pa.float64()))).as_py():
                raise Fallback
        check_labels(items.field("label"))
        if name == "prediction":
            spans = _with_scores(spans)
            if not all_in_unit_interval(spans.flatten().field("score")):
                raise Fallback
        if not boundaries.hold(pc.list_parent_indices(spans).to_numpy(), starts, ends):
            raise Fallback
        return spans

    def slow_tokens(self) -> dict[str, pa.Array]:
        texts, tokens, offsets = [], [], []
        text_values = self.columns["text"].tolist() if "text" in self.columns else [None] * self.n
        token_values = (
            self.columns["tokens"].tolist() if "tokens" in self.columns else [None] * self.n
        )
        for row, (text, toks) in enumerate(zip(text_values, token_values, strict=True)):
            try:
                text, toks, offs = token_validation.check_text_and_tokens(text, toks)
            except ValueError as exc:
                raise self.row_error(row, exc) from None
            texts.append(text)
            tokens.append(toks)
            offsets.append(offs)
        annotations = self.columns.get("annotation")
        annotations = [None] * self.n if annotations is None else annotations.tolist()
        if "tags" in self.columns:
            tag_lists = self.columns["tags"].tolist()
            for row, (spans, tags) in enumerate(zip(annotations, tag_lists, strict=True)):
                # as in Rubrix: tags fill a missing or empty annotation; empty tags are none
                if missing_list(tags) or len(tags) == 0 or not missing_or_empty(spans):
                    continue
                try:
                    annotations[row] = token_validation.tags_to_spans(list(tags), offsets[row])
                except ValueError as exc:
                    raise self.row_error(row, exc) from None
        self.columns["annotation"] = pd.Series(annotations, dtype=object)
        annotation = self.spans_by_row("annotation", texts, offsets)
        prediction = self.spans_by_row("prediction", texts, offsets)
        schema = spec(TOKEN_CLASSIFICATION).schema
        return {
            "text": pa.array(texts, pa.large_string()),
            "tokens": pa.array(tokens, schema.field("tokens").type),
            "annotation": pa.array(annotation, schema.field("annotation").type),
            "prediction": pa.array(prediction, schema.field("prediction").type),
        }

    def spans_by_row(self, name: str, texts: list[str], offsets: list) -> list[Any]:
        """Every row's spans checked (and, like Rubrix, corrected) against its tokens."""
        corrections: list[tuple[str, tuple, tuple]] = []

        def check(
            value: Any, text: str, token_offsets: list[tuple[int, int]], row: int
        ) -> list[tuple] | None:
            found: list[tuple[tuple, tuple]] = []
            spans = token_validation.check_spans(
                value, text, token_offsets, name, name == "prediction", found
            )
            corrections.extend((self.where(row), before, after) for before, after in found)
            return spans

        spans = self.rows(name, check, texts, offsets, range(self.n))
        if corrections:
            validation.warn_user(token_validation.describe_corrections(name, corrections))
        return spans


def _with_scores(spans: pa.ListArray) -> pa.ListArray:
    """Prediction spans with a score each: a missing or None score is 0.0, as in Rubrix."""
    items = spans.values
    names = [f.name for f in items.type]
    if "score" in names and items.field("score").null_count == 0:
        return spans
    scores = items.field("score") if "score" in names else pa.nulls(len(items), pa.float64())
    scored = pa.StructArray.from_arrays(
        [items.field("label"), items.field("start"), items.field("end"), pc.fill_null(scores, 0.0)],
        fields=list(SCORED_SPAN),
    )
    mask = spans.is_null() if spans.null_count else None
    return pa.ListArray.from_arrays(spans.offsets, scored, mask=mask)


def _float_offsets(span: pa.StructType) -> pa.DataType:
    """The span type with float offsets, to see the values Arrow would truncate to int32."""
    return pa.list_(
        pa.struct([f.with_type(pa.float64()) if f.name in ("start", "end") else f for f in span])
    )


class _TokenBoundaries:
    """Where each row's tokens start and end, to check spans against, all rows at once."""

    def __init__(self, rows: np.ndarray, starts: np.ndarray, ends: np.ndarray, lengths):
        self.text_lengths = lengths.to_numpy().astype(np.int64)
        self.width = int(self.text_lengths.max()) + 2  # row * width + offset is unique
        self.starts = np.sort(rows * self.width + starts)
        self.ends = np.sort(rows * self.width + ends)

    def hold(self, rows: np.ndarray, starts: pa.Array, ends: pa.Array) -> bool:
        """Every span is 0 <= start < end <= len(text), on token boundaries of its row."""
        start, end = starts.to_numpy().astype(np.int64), ends.to_numpy().astype(np.int64)
        if not np.all((start >= 0) & (start < end) & (end <= self.text_lengths[rows])):
            return False
        return bool(
            _members(rows * self.width + start, self.starts)
            and _members(rows * self.width + end, self.ends)
        )


def _members(keys: np.ndarray, sorted_keys: np.ndarray) -> bool:
    at = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return bool(np.all(sorted_keys[at] == keys))
