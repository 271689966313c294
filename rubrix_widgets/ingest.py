"""Records and DataFrames in, checked Arrow tables out: the bulk write path.

Every column is first converted and checked column-wise with Arrow
(milliseconds for a million rows). If that fast path meets anything it
cannot vouch for (a wrong type, a score out of range, a numpy scalar
pyarrow refuses), the column is redone row by row with the rule functions
of :mod:`rubrix_widgets.validation`, which either normalise the odd values or
raise the precise error naming the row and field. So both paths accept
exactly the same input, and errors read the same.

This module builds the fields every task has (id, metadata, status, agents, event
timestamp); each task's own columns are built by its part of the builder:
:mod:`.ingest_text`, :mod:`.ingest_tokens` and :mod:`.ingest_text2text`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import validation
from ._arrow import no_gc
from .ingest_columns import (
    Fallback,
    has_lists,
    has_surrogate,
    json_column,
    timestamps_storable,
    uuid4s,
)
from .ingest_text import TextClassificationColumns
from .ingest_text2text import Text2TextColumns
from .ingest_tokens import TokenColumns
from .tasks import (
    BOOKKEEPING,
    TEXT2TEXT,
    TEXT_CLASSIFICATION,
    TOKEN_CLASSIFICATION,
    spec,
)
from .vector_columns import null_column, vectors_array

_FRAME_ONLY = {TEXT_CLASSIFICATION: {"text"}, TOKEN_CLASSIFICATION: {"tags"}}
_IGNORED = {"metrics", "search_keywords", "last_updated"}


def batch_schema(task: str) -> pa.Schema:
    return pa.schema([f for f in spec(task).schema if f.name not in BOOKKEEPING])


# -- entry points ------------------------------------------------------------------------
def table_from_frame(df: pd.DataFrame, task: str, fast: bool = True) -> pa.Table:
    """Check a DataFrame with the record rules and build its Arrow table."""
    task_spec = spec(task)
    known = set(task_spec.record_fields) | _FRAME_ONLY.get(task, set()) | _IGNORED
    unknown = [str(c) for c in df.columns if c not in known]
    if unknown:
        validation.warn_user(
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
class _Builder(TextClassificationColumns, TokenColumns, Text2TextColumns):
    """One batch's Arrow columns: the fields every task has here, each task's in its mixin."""

    def __init__(self, columns: dict[str, pd.Series], n: int, task: str, ids, fast: bool):
        self.columns, self.n, self.task, self.ids, self.fast = columns, n, task, ids, fast
        self.out: dict[str, pa.Array] = {}

    # helpers
    def given(self, name: str) -> pd.Series | None:
        column = self.columns.get(name)
        if column is None or (
            column.dtype == object and column.isna().all() and not has_lists(column)
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
                Fallback,
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
                if has_surrogate(value):
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
                "prediction_agent", lambda v: validation.check_agent(v, "prediction_agent")
            )
            {
                TEXT_CLASSIFICATION: self.text_classification,
                TOKEN_CLASSIFICATION: self.tokens,
                TEXT2TEXT: self.text2text,
            }[self.task]()
            self.build_status_and_annotator()
            self.drop_prediction_agents()
            self.out["vectors"] = self.build_vectors()
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
                return uuid4s(self.n), pa.nulls(self.n, pa.int64())
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
                    raise Fallback
                return pc.cast(array, pa.string()), pa.nulls(self.n, pa.int64())
            raise Fallback

        def slow():
            values = self.rows("id", validation.check_id)
            missing = [i for i, v in enumerate(values) if v is None]
            fresh = uuid4s(len(missing)).to_pylist()
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
        values = self.rows("metadata", validation.check_record_metadata)
        return pa.array([validation.dumps(v) if v else None for v in values], pa.large_string())

    def fast_timestamps(self) -> pa.Array:
        column = self.given("event_timestamp")
        kind = pa.timestamp("us")
        if column is None:
            return pa.nulls(self.n, kind)
        if not pd.api.types.is_datetime64_any_dtype(column.dtype):
            raise Fallback
        if getattr(column.dt, "tz", None) is not None:
            column = column.dt.tz_convert("UTC").dt.tz_localize(None)
        array = pc.cast(pa.array(column, from_pandas=True), kind)
        if not timestamps_storable(array):
            raise Fallback  # the row by row rule names the row and the allowed range
        return array

    def slow_timestamps(self) -> pa.Array:
        values = self.rows("event_timestamp", validation.check_event_timestamp)
        return pa.array(values, pa.timestamp("us"))

    def build_status_and_annotator(self) -> None:
        has_annotation = pc.is_valid(self.out["annotation"])
        derived = pc.if_else(has_annotation, "Validated", "Default")
        column = self.given("status")

        def fast():
            if column is None:
                return pc.cast(derived, pa.string())
            given = pa.array(column, type=pa.string(), from_pandas=True)
            if not pc.all(pc.is_in(given.drop_null(), pa.array(validation.STATUSES))).as_py():
                raise Fallback
            return pc.coalesce(given, derived)

        flags = has_annotation.to_pylist()
        self.out["status"] = self.attempt(
            fast, lambda: pa.array(self.rows("status", validation.check_status, flags), pa.string())
        )
        agents = self.strings(
            "annotation_agent", lambda v: validation.check_agent(v, "annotation_agent")
        )
        dropped = pc.sum(pc.and_(pc.is_valid(agents), pc.invert(has_annotation))).as_py() or 0
        if dropped:
            validation.warn_user(
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
            validation.warn_user(
                f"prediction_agent is dropped on {dropped} records without a prediction"
            )
            none = pa.scalar(None, pa.string())
            self.out["prediction_agent"] = pc.if_else(has_prediction, agents, none)

    def build_vectors(self) -> pa.Array:
        """Named vectors; one dimension per name within the batch (the store checks the
        dataset's)."""
        column = self.columns.get("vectors")
        if column is None:
            return null_column(self.n)
        return vectors_array(column.tolist(), self.where)

    def where(self, row: int) -> str:
        ident: Any = None if self.ids is None else self.ids.iloc[row]
        if hasattr(ident, "item"):
            ident = ident.item()
        return f"row {row}" + (f" (id={ident!r})" if not validation.is_missing(ident) else "") + " "
