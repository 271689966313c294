"""Records and DataFrames in, checked Arrow tables out: the bulk write path.

Every column is first converted and checked column-wise with Arrow
(milliseconds for a million rows). If that fast path meets anything it
cannot vouch for (a wrong type, a score out of range, a numpy scalar
pyarrow refuses), the column is redone row by row with the rule functions
of :mod:`rubrix_widgets.rules`, which either normalise the odd values or
raise the precise error naming the row and field. So both paths accept
exactly the same input, and errors read the same.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import rules
from .record_table import BOOKKEEPING, no_gc
from .tasks import (
    LABEL_SCORE,
    SCORED_SPAN,
    SPAN,
    TEXT2TEXT,
    TEXT_CLASSIFICATION,
    TEXT_SCORE,
    TOKEN_CLASSIFICATION,
    spec,
)

_FRAME_ONLY = {TEXT_CLASSIFICATION: {"text"}, TOKEN_CLASSIFICATION: {"tags"}}
_IGNORED = {"metrics", "search_keywords", "last_updated"}
_BAD_LABEL = r"^\s*$|[\x00\x1f]"
_JSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY


class _Fallback(Exception):
    """The fast path cannot vouch for a column: redo it row by row."""


def batch_schema(task: str) -> pa.Schema:
    return pa.schema([f for f in spec(task).schema if f.name not in BOOKKEEPING])


# -- entry points ------------------------------------------------------------------------
def table_from_frame(df: pd.DataFrame, task: str, fast: bool = True) -> pa.Table:
    """Check a DataFrame with the record rules and build its Arrow table."""
    task_spec = spec(task)
    known = set(task_spec.record_fields) | _FRAME_ONLY.get(task, set()) | _IGNORED
    unknown = [str(c) for c in df.columns if c not in known]
    if unknown:
        rules.warn_user(
            f"columns {unknown} are not {task} record fields and are ignored; known fields are "
            f"{list(task_spec.record_fields)}. To keep them, put them in a 'metadata' column "
            "of dicts"
        )
    if df.columns.duplicated().any():
        raise ValueError(
            f"the DataFrame has duplicate columns: {list(df.columns[df.columns.duplicated()])}"
        )
    columns = {name: df[name].reset_index(drop=True) for name in df.columns if name in known}
    ids = columns.get("id")
    return _Builder(columns, len(df), task, ids, fast).table()


def table_from_records(records: Sequence[Any], task: str) -> pa.Table:
    """Arrow table of record objects (already checked by their model), in order."""
    with no_gc():
        fields = [r.__dict__ for r in records]  # a pydantic getattr costs 5x a dict lookup
        columns = {
            name: pd.Series([f[name] for f in fields], dtype=object)
            for name in spec(task).record_fields
        }
    return _Builder(columns, len(records), task, columns["id"], fast=True).table()


# -- the builder ---------------------------------------------------------------------------
class _Builder:
    def __init__(self, columns: dict[str, pd.Series], n: int, task: str, ids, fast: bool):
        self.columns, self.n, self.task, self.ids, self.fast = columns, n, task, ids, fast
        self.out: dict[str, pa.Array] = {}

    # helpers
    def given(self, name: str) -> pd.Series | None:
        column = self.columns.get(name)
        if column is None or (
            column.dtype == object and column.isna().all() and not _has_lists(column)
        ):
            return None
        return column

    def rows(self, name: str, check: Callable[..., Any], *extra: Sequence[Any]) -> list[Any]:
        """Run a rule on every row; a failure names the row (and its id)."""
        column = self.columns.get(name)
        values = [None] * self.n if column is None else column.tolist()
        out = []
        for row, args in enumerate(zip(values, *extra, strict=True)):
            try:
                out.append(check(*args))
            except ValueError as exc:
                raise self.row_error(row, exc) from None
        return out

    def row_error(self, row: int, exc: Exception) -> ValueError:
        return ValueError(f"{self.where(row).rstrip()}: {exc}")

    def attempt(self, fast: Callable[[], Any], slow: Callable[[], Any]) -> Any:
        if self.fast:
            try:
                return fast()
            except (
                _Fallback,
                pa.ArrowInvalid,
                pa.ArrowTypeError,
                pa.ArrowNotImplementedError,  # e.g. a str where a list belongs
                TypeError,
                ValueError,
                OverflowError,
            ):
                pass
        return slow()

    # columns
    def table(self) -> pa.Table:
        try:
            return self._table()
        except UnicodeEncodeError as exc:
            raise self.unstorable_text(exc) from None

    def unstorable_text(self, exc: UnicodeEncodeError) -> ValueError:
        """Name the row and field whose text UTF-8 cannot store (a lone surrogate)."""
        for name, column in self.columns.items():
            for row, value in enumerate(column.tolist()):
                if _has_surrogate(value):
                    return self.row_error(
                        row,
                        ValueError(
                            f"{name}: the text holds a lone surrogate ({exc.object[exc.start]!r}), "
                            "which UTF-8 cannot store; decode the source with "
                            "errors='replace' or remove it"
                        ),
                    )
        return ValueError(f"a text cannot be stored as UTF-8: {exc}")

    def _table(self) -> pa.Table:
        with no_gc():
            self.build_ids()
            self.out["metadata"] = self.attempt(self.fast_metadata, self.slow_metadata)
            self.out["event_timestamp"] = self.attempt(self.fast_timestamps, self.slow_timestamps)
            self.out["prediction_agent"] = self.strings(
                "prediction_agent", lambda v: rules.check_agent(v, "prediction_agent")
            )
            {
                TEXT_CLASSIFICATION: self.text_classification,
                TOKEN_CLASSIFICATION: self.tokens,
                TEXT2TEXT: self.text2text,
            }[self.task]()
            self.build_status_and_annotator()
            self.drop_prediction_agents()
        schema = batch_schema(self.task)
        return pa.Table.from_arrays([self.out[f.name] for f in schema], schema=schema)

    def strings(
        self, name: str, check: Callable[[Any], str | None], large: bool = False
    ) -> pa.Array:
        kind = pa.large_string() if large else pa.string()
        column = self.given(name)
        if column is None:
            return pa.nulls(self.n, kind)
        return self.attempt(
            lambda: pa.array(column, type=kind, from_pandas=True),
            lambda: pa.array(self.rows(name, check), type=kind),
        )

    def build_ids(self) -> None:
        def fast():
            column = self.given("id")
            if column is None:
                return _uuid4s(self.n), pa.nulls(self.n, pa.int64())
            if pd.api.types.is_integer_dtype(column.dtype) and not pd.api.types.is_bool_dtype(
                column.dtype
            ):
                ints = pa.array(column, type=pa.int64())
                return pc.cast(ints, pa.string()), ints
            array = pa.array(column, from_pandas=True)
            if pa.types.is_integer(array.type) and array.null_count == 0:
                return pc.cast(array, pa.string()), pc.cast(array, pa.int64())
            if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
                if array.null_count or pc.any(pc.match_substring_regex(array, r"^\s*$")).as_py():
                    raise _Fallback
                return pc.cast(array, pa.string()), pa.nulls(self.n, pa.int64())
            raise _Fallback

        def slow():
            values = self.rows("id", rules.check_id)
            missing = [i for i, v in enumerate(values) if v is None]
            fresh = _uuid4s(len(missing)).to_pylist()
            for i, value in zip(missing, fresh, strict=True):
                values[i] = value
            as_int = [v if isinstance(v, int) else None for v in values]
            return pa.array([str(v) for v in values], pa.string()), pa.array(as_int, pa.int64())

        self.out["id"], self.out["id_int"] = self.attempt(fast, slow)

    def fast_metadata(self) -> pa.Array:
        column = self.given("metadata")
        if column is None:
            return pa.nulls(self.n, pa.large_string())
        return json_column(column)

    def slow_metadata(self) -> pa.Array:
        values = self.rows("metadata", rules.check_record_metadata)
        return pa.array([rules.dumps(v) if v else None for v in values], pa.large_string())

    def fast_timestamps(self) -> pa.Array:
        column = self.given("event_timestamp")
        kind = pa.timestamp("us")
        if column is None:
            return pa.nulls(self.n, kind)
        if not pd.api.types.is_datetime64_any_dtype(column.dtype):
            raise _Fallback
        if getattr(column.dt, "tz", None) is not None:
            column = column.dt.tz_convert("UTC").dt.tz_localize(None)
        return pc.cast(pa.array(column, from_pandas=True), kind)

    def slow_timestamps(self) -> pa.Array:
        values = self.rows("event_timestamp", rules.check_event_timestamp)
        return pa.array([_naive_utc(v) for v in values], pa.timestamp("us"))

    def build_status_and_annotator(self) -> None:
        has_annotation = pc.is_valid(self.out["annotation"])
        derived = pc.if_else(has_annotation, "Validated", "Default")
        column = self.given("status")

        def fast():
            if column is None:
                return pc.cast(derived, pa.string())
            given = pa.array(column, type=pa.string(), from_pandas=True)
            if not pc.all(pc.is_in(given.drop_null(), pa.array(rules.STATUSES))).as_py():
                raise _Fallback
            return pc.coalesce(given, derived)

        flags = has_annotation.to_pylist()
        self.out["status"] = self.attempt(
            fast, lambda: pa.array(self.rows("status", rules.check_status, flags), pa.string())
        )
        agents = self.strings(
            "annotation_agent", lambda v: rules.check_agent(v, "annotation_agent")
        )
        dropped = pc.sum(pc.and_(pc.is_valid(agents), pc.invert(has_annotation))).as_py() or 0
        if dropped:
            rules.warn_user(
                f"annotation_agent is dropped on {dropped} records without an annotation"
            )
            agents = pc.if_else(has_annotation, agents, pa.scalar(None, pa.string()))
        self.out["annotation_agent"] = agents

    def drop_prediction_agents(self) -> None:
        """An agent without a prediction is not stored (Rubrix warned and did not log it)."""
        agents = self.out["prediction_agent"]
        has_prediction = pc.is_valid(self.out["prediction"])
        dropped = pc.sum(pc.and_(pc.is_valid(agents), pc.invert(has_prediction))).as_py() or 0
        if dropped:
            rules.warn_user(
                f"prediction_agent is dropped on {dropped} records without a prediction"
            )
            none = pa.scalar(None, pa.string())
            self.out["prediction_agent"] = pc.if_else(has_prediction, agents, none)

    # -- text classification -----------------------------------------------------------------
    def text_classification(self) -> None:
        multi_column = self.given("multi_label")
        self.multi = (
            np.zeros(self.n, dtype=bool)
            if multi_column is None
            else np.array([bool(v) and not rules.is_missing(v) for v in multi_column], dtype=bool)
        )
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
                raise _Fallback
            texts = [d["text"] for d in values]
        elif texts is None or (inputs is not None and not _inputs_are_text(inputs, texts)):
            raise _Fallback
        array = pa.array(texts)  # inferred, not cast: bytes or numbers must not pass for str
        if array.type not in (pa.string(), pa.large_string()) or array.null_count:
            raise _Fallback
        return array.cast(pa.large_string()), pa.nulls(self.n, pa.large_string()), None

    def slow_inputs(self):
        texts, inputs = self.columns.get("text"), self.columns.get("inputs")
        if inputs is not None and texts is not None:
            values = self.rows("inputs", rules.check_inputs, texts.tolist())
        elif inputs is not None:
            values = self.rows("inputs", rules.check_inputs)
        else:
            values = self.rows("text", rules.check_inputs)
        split = [_split_inputs(v) for v in values]
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
                raise _Fallback
            lists = pa.array(column, type=kind, from_pandas=True)
            lists = pc.if_else(pc.is_null(lists), pa.scalar(None, kind), lists)
            _check_labels(pc.list_flatten(lists))
            if _duplicates_within_rows(lists, pc.list_flatten(lists)):
                raise _Fallback
            return lists
        if pd.api.types.is_integer_dtype(column.dtype):  # class ids: "1", as records make them
            labels = pc.cast(pa.array(column, from_pandas=True), pa.string())
        else:
            labels = pa.array(column, type=pa.string(), from_pandas=True)
        _check_labels(labels.drop_null())
        return _wrap_in_lists(labels)

    def slow_annotation(self) -> pa.Array:
        values = self.rows("annotation", rules.check_text_annotation, self.multi.tolist())
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
        _check_labels(labels)
        if scores.null_count or not _all_in_unit_interval(scores):
            raise _Fallback
        if _duplicates_within_rows(lists, labels):
            raise _Fallback
        rows = pc.list_parent_indices(lists).to_numpy()
        sums = np.bincount(rows, weights=scores.to_numpy(), minlength=self.n)
        if (sums[~self.multi] > 1.0 + rules.SCORE_SUM_TOLERANCE).any():
            raise _Fallback
        return _sorted_by_score(_empty_as_null(lists), "score")

    def slow_prediction(self) -> pa.Array:
        values = self.rows("prediction", rules.check_text_prediction, self.multi.tolist())
        return pa.array(values, pa.list_(LABEL_SCORE))

    def explanations(self, inputs: list | None) -> pa.Array:
        if self.given("explanation") is None:
            return pa.nulls(self.n, pa.large_string())
        if inputs is None:
            inputs = [{"text": None}] * self.n
        values = self.rows("explanation", rules.check_explanation, inputs)
        return pa.array([_explanation_json(v) for v in values], pa.large_string())

    # -- token classification ---------------------------------------------------------------
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
            raise _Fallback
        # inferred, not cast: bytes must not pass for str
        tokens, texts = pa.array(tokens.tolist()), pa.array(text.tolist())
        if tokens.type != pa.list_(pa.string()) or texts.type != pa.string():
            raise _Fallback
        texts = texts.cast(pa.large_string())
        flat = tokens.flatten()
        if tokens.null_count or texts.null_count or flat.null_count or len(flat) == 0:
            raise _Fallback
        counts = pc.list_value_length(tokens).to_numpy()
        lengths = pc.utf8_length(flat).to_numpy().astype(np.int64)
        if counts.min() == 0 or lengths.min() == 0:
            raise _Fallback
        # a token starting with whitespace could be found one place early by the row check
        if pc.any(pc.match_substring_regex(flat, r"^\s")).as_py():
            raise _Fallback
        joined = pc.cast(pc.binary_join(tokens, " "), pa.large_string())
        if not pc.all(pc.equal(joined, texts)).as_py():
            raise _Fallback
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
            raise _Fallback
        # Arrow truncates 0.5 to 0 on the way to int32: read the offsets as floats too
        as_floats = pa.array(values, _float_offsets(span_type)).flatten()
        for field, ints in (("start", starts), ("end", ends)):
            if not pc.all(pc.equal(as_floats.field(field), pc.cast(ints, pa.float64()))).as_py():
                raise _Fallback
        _check_labels(items.field("label"))
        if name == "prediction":
            spans = _with_scores(spans)
            if not _all_in_unit_interval(spans.flatten().field("score")):
                raise _Fallback
        if not boundaries.hold(pc.list_parent_indices(spans).to_numpy(), starts, ends):
            raise _Fallback
        return spans

    def slow_tokens(self) -> dict[str, pa.Array]:
        texts, tokens, offsets = [], [], []
        text_values = self.columns["text"].tolist() if "text" in self.columns else [None] * self.n
        token_values = (
            self.columns["tokens"].tolist() if "tokens" in self.columns else [None] * self.n
        )
        for row, (text, toks) in enumerate(zip(text_values, token_values, strict=True)):
            try:
                text, toks, offs = rules.check_text_and_tokens(text, toks)
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
                if _missing_list(tags) or len(tags) == 0 or not _missing_or_empty(spans):
                    continue
                try:
                    annotations[row] = rules.tags_to_spans(list(tags), offsets[row])
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

        def check(value, text, token_offsets, row):
            found: list[tuple[tuple, tuple]] = []
            spans = rules.check_spans(value, text, token_offsets, name, name == "prediction", found)
            corrections.extend((self.where(row), before, after) for before, after in found)
            return spans

        spans = self.rows(name, check, texts, offsets, range(self.n))
        if corrections:
            rules.warn_user(rules.describe_corrections(name, corrections))
        return spans

    def where(self, row: int) -> str:
        ident = None if self.ids is None else self.ids.iloc[row]
        if hasattr(ident, "item"):
            ident = ident.item()
        return f"row {row}" + (f" (id={ident!r})" if not rules.is_missing(ident) else "") + " "

    # -- text2text -----------------------------------------------------------------------------
    def text2text(self) -> None:
        def fast_text():
            column = self.given("text")
            if column is None:
                raise _Fallback
            array = pa.array(column.tolist())  # inferred, not cast: bytes must not pass for str
            if array.type not in (pa.string(), pa.large_string()) or array.null_count:
                raise _Fallback
            return array.cast(pa.large_string())

        def slow_text():
            values = self.rows("text", lambda v: rules.check_text(v, allow_empty=True))
            return pa.array(values, pa.large_string())

        self.out["text"] = self.attempt(fast_text, slow_text)
        self.out["annotation"] = self.strings(
            "annotation", rules.check_text2text_annotation, large=True
        )

        def fast_prediction():
            column = self.given("prediction")
            if column is None:
                return pa.nulls(self.n, pa.list_(TEXT_SCORE))
            lists = pa.array(column, type=pa.list_(TEXT_SCORE), from_pandas=True)
            scores = pc.list_flatten(lists).field("score")
            if scores.null_count or not _all_in_unit_interval(scores):
                raise _Fallback
            return _sorted_by_score(_empty_as_null(lists), "score")

        self.out["prediction"] = self.attempt(
            fast_prediction,
            lambda: pa.array(
                self.rows("prediction", rules.check_text2text_prediction), pa.list_(TEXT_SCORE)
            ),
        )


# -- helpers ----------------------------------------------------------------------------------


def _has_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_surrogate(v) for v in value)
    return False


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


def json_column(values) -> pa.Array:
    """Metadata dicts -> a column of JSON text, without empty values; {} and None become null.

    Values that are None (or NaN), ``[]`` or ``{}`` are dropped, as Rubrix's server did
    (:func:`rules.drop_empty_values`): the whole buffer is searched once for ``:null``,
    ``:[]`` and ``:{}``, and only the rows holding one are decoded and cleaned (a string
    holding those characters costs a needless check, never a wrong result).

    Each encoded value is copied into one growing buffer and dropped at once,
    so its memory is reused for the next: keeping a million small bytes
    objects alive costs a page fault each, which on some VMs is most of the
    time spent. Raises _Fallback on anything but plain dicts with str keys.
    """
    dumps, options = orjson.dumps, _JSON_OPTIONS
    data = bytearray()
    extend = data.extend
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    valid = np.ones(len(values), dtype=bool)
    for i, value in enumerate(values):
        if value is None or value == {}:
            valid[i] = False
        elif type(value) is dict:
            extend(dumps(value, option=options))
        else:
            raise _Fallback
        offsets[i + 1] = len(data)
    if data.find(b'"":') >= 0:  # an empty key, or one ending in a quote: the rules decide
        raise _Fallback
    if _EMPTY_JSON_VALUE.search(data):
        data, offsets = _without_empty_values(data, offsets, valid)
    validity = None if valid.all() else pa.array(valid).buffers()[1]
    return pa.LargeStringArray.from_buffers(
        len(values),
        pa.py_buffer(offsets),
        pa.py_buffer(data),
        validity,
        null_count=int((~valid).sum()),
    )


_EMPTY_JSON_VALUE = re.compile(rb":(?:null|\[\]|\{\})")


def _without_empty_values(
    data: bytearray, offsets: np.ndarray, valid: np.ndarray
) -> tuple[bytearray, np.ndarray]:
    """Re-encode the rows whose JSON shows an empty value, without those values.

    Rows left with nothing are marked invalid in ``valid`` (null metadata).
    """
    hits = [m.start() for m in _EMPTY_JSON_VALUE.finditer(data)]
    rows = np.unique(np.searchsorted(offsets, hits, side="right") - 1).tolist()
    out, growth = bytearray(), np.zeros(len(valid), dtype=np.int64)
    done = 0  # the rows before this one are copied as they are
    for row in rows:
        start, end = int(offsets[row]), int(offsets[row + 1])
        out += data[int(offsets[done]) : start]
        cleaned = rules.drop_empty_values(orjson.loads(data[start:end]))
        text = orjson.dumps(cleaned) if cleaned else b""
        valid[row] = bool(cleaned)
        out += text
        growth[row] = len(text) - (end - start)
        done = row + 1
    out += data[int(offsets[done]) :]
    return out, offsets + np.concatenate([[0], np.cumsum(growth)])


def _has_lists(column: pd.Series) -> bool:
    return any(isinstance(v, list | tuple | dict | np.ndarray) for v in column.head(1))


def _missing_list(value: Any) -> bool:
    return value is None or (
        not isinstance(value, list | tuple | np.ndarray) and rules.is_missing(value)
    )


def _missing_or_empty(value: Any) -> bool:
    return _missing_list(value) or (isinstance(value, list | tuple | np.ndarray) and not len(value))


def _inputs_are_text(inputs: pd.Series, texts: pd.Series) -> bool:
    return all(
        type(d) is dict and len(d) == 1 and d.get("text") == t
        for d, t in zip(inputs, texts, strict=True)
    )


def _check_labels(labels: pa.Array) -> None:
    if labels.null_count:
        raise _Fallback
    distinct = pc.unique(labels)  # a few labels repeated a million times: check each once
    if pc.any(pc.match_substring_regex(distinct, _BAD_LABEL)).as_py():
        raise _Fallback


def _all_in_unit_interval(scores: pa.Array) -> bool:
    values = scores.to_numpy(zero_copy_only=False)
    return bool(np.all((values >= 0.0) & (values <= 1.0)))  # False for NaN too


def _duplicates_within_rows(lists: pa.Array, labels: pa.Array) -> bool:
    if len(labels) == 0:
        return False
    rows = pc.list_parent_indices(lists).to_numpy()
    codes = pc.dictionary_encode(labels).indices.to_numpy().astype(np.int64)
    keys = np.sort(rows * (int(codes.max()) + 1) + codes)
    return bool(np.any(keys[1:] == keys[:-1]))


def _wrap_in_lists(labels: pa.Array) -> pa.Array:
    valid = pc.is_valid(labels).to_numpy(zero_copy_only=False)
    offsets = np.concatenate([[0], np.cumsum(valid)]).astype(np.int32)
    mask = pa.array(~valid)
    return pa.ListArray.from_arrays(pa.array(offsets), labels.drop_null(), mask=mask)


def _empty_as_null(lists: pa.Array) -> pa.Array:
    empty = pc.equal(pc.list_value_length(lists), 0)
    if not pc.any(empty).as_py():
        return lists
    return pc.if_else(empty, pa.scalar(None, lists.type), lists)


def _sorted_by_score(lists: pa.Array, field: str) -> pa.Array:
    """Items of each list sorted by score, highest first (stable for ties)."""
    if isinstance(lists, pa.ChunkedArray):
        lists = lists.combine_chunks()
    flat = lists.values
    start = lists.offsets[0].as_py()
    stop = lists.offsets[-1].as_py()
    flat = flat.slice(start, stop - start)
    if len(flat) == 0:
        return lists
    scores = flat.field(field).to_numpy(zero_copy_only=False)
    owners = np.repeat(np.arange(len(lists)), np.diff(lists.offsets.to_numpy()))
    same_row = owners[1:] == owners[:-1]
    if not np.any(same_row & (scores[1:] > scores[:-1])):
        return lists  # already sorted, as model outputs usually are
    order = np.lexsort((-scores, owners))
    offsets = pc.subtract(lists.offsets, start)
    return pa.ListArray.from_arrays(offsets, flat.take(pa.array(order)), mask=pc.is_null(lists))


def _uuid4s(n: int) -> pa.Array:
    """n random uuid4 strings, built column-wise."""
    raw = np.frombuffer(os.urandom(16 * n), dtype=np.uint8).reshape(n, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexdigits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    chars = np.empty((n, 32), dtype=np.uint8)
    chars[:, 0::2] = hexdigits[raw >> 4]
    chars[:, 1::2] = hexdigits[raw & 0x0F]
    dash = np.full((n, 1), ord("-"), dtype=np.uint8)
    parts = [
        chars[:, :8],
        dash,
        chars[:, 8:12],
        dash,
        chars[:, 12:16],
        dash,
        chars[:, 16:20],
        dash,
        chars[:, 20:],
    ]
    text = np.ascontiguousarray(np.hstack(parts)).view("S36").ravel()
    return pc.cast(pa.array(text, pa.binary(36)), pa.string())


def _naive_utc(moment):
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(__import__("datetime").timezone.utc).replace(tzinfo=None)


def _split_inputs(inputs: dict[str, Any]) -> tuple[str | None, str | None]:
    """Store ``{"text": str}`` as the text alone; anything else as JSON (plus its single text)."""
    if len(inputs) == 1:
        ((key, value),) = inputs.items()
        if key == "text" and isinstance(value, str):
            return value, None
        return (value if isinstance(value, str) else None), rules.dumps(inputs)
    return None, rules.dumps(inputs)


def _explanation_json(explanation: dict[str, list[Any]] | None) -> str | None:
    if not explanation:
        return None
    from .records import TokenAttributions

    return rules.dumps(
        {
            key: [
                (
                    a if isinstance(a, TokenAttributions) else TokenAttributions.model_validate(a)
                ).model_dump()
                for a in values
            ]
            for key, values in explanation.items()
        }
    )
