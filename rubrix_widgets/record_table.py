"""Records <-> Arrow tables <-> the pandas frames that ``rb.load`` returns.

This is the bulk path: no pydantic model per record. DataFrame rows are
checked with the same rule functions the record models use
(:mod:`rubrix_widgets.rules`); record objects are already checked.

Building millions of small Python objects triggers the cyclic garbage
collector over and over (5x slower), so bulk conversions pause it.
"""

from __future__ import annotations

import contextlib
import gc
import json
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from . import rules
from .records import TokenAttributions
from .tasks import TEXT2TEXT, TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION, spec

BOOKKEEPING = ("_seq", "last_updated")


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def batch_schema(task: str) -> pa.Schema:
    """The stored schema without the store's bookkeeping columns."""
    schema = spec(task).schema
    return pa.schema([f for f in schema if f.name not in BOOKKEEPING])


# -- records -> columns ------------------------------------------------------------
def _id_columns(ids: Sequence[Any]) -> tuple[list[str], list[int | None]]:
    as_str, as_int = [], []
    for value in ids:
        if value is None:
            value = str(uuid.uuid4())
        if isinstance(value, int):
            as_str.append(str(value))
            as_int.append(value)
        else:
            as_str.append(value)
            as_int.append(None)
    return as_str, as_int


def _split_inputs(inputs: dict[str, Any]) -> tuple[str | None, str | None]:
    """Store ``{"text": str}`` as the text alone; anything else as JSON."""
    if len(inputs) == 1:
        ((key, value),) = inputs.items()
        if key == "text" and isinstance(value, str):
            return value, None
    single = next(iter(inputs.values())) if len(inputs) == 1 else None
    return (single if isinstance(single, str) else None), rules.dumps(inputs)


def _explanation_json(explanation: dict[str, list[Any]] | None) -> str | None:
    if not explanation:
        return None
    return rules.dumps(
        {
            key: [
                (a.model_dump() if isinstance(a, TokenAttributions) else
                 TokenAttributions.model_validate(a).model_dump())
                for a in values
            ]
            for key, values in explanation.items()
        }
    )


def _finish(columns: dict[str, list[Any]], task: str) -> pa.Table:
    columns["id"], columns["id_int"] = _id_columns(columns.pop("id"))
    columns["metadata"] = [rules.dumps(m) if m else None for m in columns["metadata"]]
    if task == TEXT_CLASSIFICATION:
        split = [_split_inputs(inputs) for inputs in columns.pop("inputs")]
        columns["text"] = [t for t, _ in split]
        columns["inputs"] = [j for _, j in split]
        columns["annotation"] = [
            None if a is None else [a] if isinstance(a, str) else a for a in columns["annotation"]
        ]
        columns["explanation"] = [_explanation_json(e) for e in columns["explanation"]]
    if task == TOKEN_CLASSIFICATION:  # a span without a score is stored with a null score
        columns["prediction"] = [
            None if spans is None else [s if len(s) == 4 else (*s, None) for s in spans]
            for spans in columns["prediction"]
        ]
    schema = batch_schema(task)
    arrays = [pa.array(columns[f.name], type=f.type) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def table_from_records(records: Sequence[Any], task: str) -> pa.Table:
    """Arrow table of already-checked record objects, in order."""
    fields = spec(task).record_fields
    with no_gc():
        columns = {name: [getattr(r, name) for r in records] for name in fields}
        return _finish(columns, task)


# -- DataFrame -> columns ----------------------------------------------------------
_FRAME_ONLY_COLUMNS = {TEXT_CLASSIFICATION: {"text"}, TOKEN_CLASSIFICATION: {"tags"}}
_IGNORED_COLUMNS = {"metrics", "search_keywords", "last_updated"}


def _column(df: pd.DataFrame, name: str, n: int) -> list[Any]:
    if name not in df.columns:
        return [None] * n
    return df[name].tolist()


def _row_error(df: pd.DataFrame, row: int, exc: Exception) -> ValueError:
    ident = df["id"].iloc[row] if "id" in df.columns else None
    if hasattr(ident, "item"):
        ident = ident.item()
    which = f"row {row}" + (f" (id={ident!r})" if not rules.is_missing(ident) else "")
    return ValueError(f"{which}: {exc}")


def _check_rows(df: pd.DataFrame, check: Callable[..., Any], *columns: list[Any]) -> list[Any]:
    out = []
    for row, values in enumerate(zip(*columns, strict=True)):
        try:
            out.append(check(*values))
        except ValueError as exc:
            raise _row_error(df, row, exc) from None
    return out


def table_from_frame(df: pd.DataFrame, task: str) -> pa.Table:
    """Check a DataFrame row by row with the record rules and build its Arrow table.

    The frame may be one ``rb.load`` returned or a plain one with a ``text``
    column; columns the task does not know are ignored with a warning.
    """
    task_spec = spec(task)
    known = set(task_spec.record_fields) | _FRAME_ONLY_COLUMNS.get(task, set()) | _IGNORED_COLUMNS
    unknown = [str(c) for c in df.columns if c not in known]
    if unknown:
        warnings.warn(
            f"columns {unknown} are not {task} record fields and are ignored; "
            f"known fields are {list(task_spec.record_fields)}. To keep them, put them in "
            "a 'metadata' column of dicts",
            UserWarning,
            stacklevel=4,
        )
    if df.columns.duplicated().any():
        raise ValueError(f"the DataFrame has duplicate columns: {list(df.columns[df.columns.duplicated()])}")
    n = len(df)
    col = lambda name: _column(df, name, n)  # noqa: E731
    with no_gc():
        columns: dict[str, list[Any]] = {
            "id": _check_rows(df, rules.check_id, col("id")),
            "metadata": _check_rows(df, rules.check_metadata, col("metadata")),
            "prediction_agent": _check_rows(
                df, lambda v: rules.check_agent(v, "prediction_agent"), col("prediction_agent")
            ),
            "event_timestamp": _check_rows(df, rules.check_event_timestamp, col("event_timestamp")),
        }
        if task == TEXT_CLASSIFICATION:
            multi = [bool(v) if not rules.is_missing(v) else False for v in col("multi_label")]
            columns["multi_label"] = multi
            if "text" in df.columns and "inputs" in df.columns:
                columns["inputs"] = _check_rows(df, rules.check_inputs, col("inputs"), col("text"))
            else:
                source = col("inputs") if "inputs" in df.columns else col("text")
                columns["inputs"] = _check_rows(df, rules.check_inputs, source)
            columns["annotation"] = _check_rows(
                df, rules.check_text_annotation, col("annotation"), multi
            )
            columns["prediction"] = _check_rows(
                df, rules.check_text_prediction, col("prediction"), multi
            )
            columns["explanation"] = _check_rows(
                df, rules.check_explanation, col("explanation"), columns["inputs"]
            )
        elif task == TOKEN_CLASSIFICATION:
            _token_columns(df, columns, col)
        elif task == TEXT2TEXT:
            columns["text"] = _check_rows(df, rules.check_text, col("text"))
            columns["annotation"] = _check_rows(
                df, rules.check_text2text_annotation, col("annotation")
            )
            columns["prediction"] = _check_rows(
                df, rules.check_text2text_prediction, col("prediction")
            )
        has_annotation = [a is not None for a in columns["annotation"]]
        columns["status"] = _check_rows(df, rules.check_status, col("status"), has_annotation)
        columns["annotation_agent"] = _check_rows(
            df, _annotation_agent, col("annotation_agent"), has_annotation
        )
        dropped = sum(1 for a, v in zip(col("annotation_agent"), has_annotation, strict=True)
                      if not v and not rules.is_missing(a))
        if dropped:
            warnings.warn(
                f"annotation_agent is dropped on {dropped} rows without an annotation",
                UserWarning,
                stacklevel=4,
            )
        return _finish(columns, task)


def _annotation_agent(value: Any, has_annotation: bool) -> str | None:
    agent = rules.check_agent(value, "annotation_agent")
    return agent if has_annotation else None


def _token_columns(df: pd.DataFrame, columns: dict[str, list[Any]], col) -> None:
    texts, tokens_out, offsets_out = [], [], []
    for row, (text, tokens) in enumerate(zip(col("text"), col("tokens"), strict=True)):
        try:
            if hasattr(tokens, "tolist"):
                tokens = tokens.tolist()
            if rules.is_missing(text) if not isinstance(text, str) else False:
                text = None
            if tokens is not None and not isinstance(tokens, list | tuple):
                tokens = None if rules.is_missing(tokens) else tokens
            if text is None and tokens is None:
                raise ValueError("text: give the record's text (and, optionally, its tokens)")
            text = rules.check_text(" ".join(tokens) if text is None else text)
            tokens = rules.tokenize(text) if tokens is None else list(tokens)
            offsets = rules.token_offsets(text, tokens)
        except ValueError as exc:
            raise _row_error(df, row, exc) from None
        texts.append(text)
        tokens_out.append(tokens)
        offsets_out.append(offsets)
    annotations = col("annotation")
    if "tags" in df.columns:
        tags = col("tags")
        annotations = [
            rules.tags_to_spans(list(t), o) if a is None and t is not None else a
            for a, t, o in zip(annotations, tags, offsets_out, strict=True)
        ]
    columns["text"], columns["tokens"] = texts, tokens_out
    columns["annotation"] = _check_rows(
        df,
        lambda v, t, o: rules.check_spans(v, t, o, "annotation", allow_score=False),
        annotations, texts, offsets_out,
    )
    columns["prediction"] = _check_rows(
        df,
        lambda v, t, o: rules.check_spans(v, t, o, "prediction", allow_score=True),
        col("prediction"), texts, offsets_out,
    )


# -- Arrow -> frame ------------------------------------------------------------------
def _nested_tuples(array: pa.ChunkedArray | pa.Array, fields: Sequence[str]) -> list[Any]:
    """list<struct> -> [[tuple, ...] | None]: column-wise, not row by row."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    flat = array.flatten()
    parts = [flat.field(name).to_pylist() for name in fields]
    items = list(zip(*parts, strict=True))
    offsets = array.offsets.to_numpy().tolist()
    valid = array.is_valid().to_numpy(zero_copy_only=False).tolist()
    return [
        items[start:end] if ok else None
        for start, end, ok in zip(offsets[:-1], offsets[1:], valid, strict=True)
    ]


def _spans(array: pa.ChunkedArray | pa.Array, scored: bool) -> list[Any]:
    rows = _nested_tuples(array, ("label", "start", "end", "score") if scored else ("label", "start", "end"))
    if not scored:
        return rows
    return [
        None if spans is None else [s if s[3] is not None else s[:3] for s in spans]
        for spans in rows
    ]


def _lists(array: pa.ChunkedArray | pa.Array) -> list[Any]:
    return array.to_pylist()


def _json_column(array: pa.ChunkedArray, empty: Callable[[], Any] | None) -> list[Any]:
    loads = json.loads
    if empty is None:
        return [None if v is None else loads(v) for v in array.to_pylist()]
    return [empty() if v is None else loads(v) for v in array.to_pylist()]


def _ids(table: pa.Table) -> pd.Series | list[Any]:
    ints = table.column("id_int")
    if ints.null_count == 0 and len(table):
        return pd.Series(ints.to_numpy(), dtype="int64")
    if ints.null_count == len(table):
        return table.column("id").to_pylist()
    return [s if i is None else i for s, i in zip(table.column("id").to_pylist(), ints.to_pylist(), strict=True)]


def _objects(values: Any) -> pd.Series:
    if isinstance(values, pd.Series):
        return values
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return pd.Series(array, dtype=object, copy=False)


def frame_from_table(table: pa.Table, task: str, name: str | None = None) -> RecordsFrame:
    """The ``rb.load`` frame of a stored table, in the task's column order."""
    with no_gc():
        cols: dict[str, Any] = {
            "id": _ids(table),
            "prediction_agent": table.column("prediction_agent").to_pylist(),
            "annotation_agent": table.column("annotation_agent").to_pylist(),
            "metadata": _json_column(table.column("metadata"), dict),
            "status": table.column("status").to_pylist(),
            "event_timestamp": table.column("event_timestamp").to_pandas(),
        }
        if task == TEXT_CLASSIFICATION:
            texts = table.column("text").to_pylist()
            inputs_json = table.column("inputs")
            if inputs_json.null_count == len(table):
                cols["inputs"] = [{"text": t} for t in texts]
            else:
                cols["inputs"] = [
                    {"text": t} if j is None else json.loads(j)
                    for t, j in zip(texts, inputs_json.to_pylist(), strict=True)
                ]
            cols["text"] = texts
            multi = table.column("multi_label").to_numpy(zero_copy_only=False)
            cols["multi_label"] = pd.Series(multi, dtype=bool)
            annotations = _lists(table.column("annotation"))
            cols["annotation"] = [
                a if m or a is None else (a[0] if a else None)
                for a, m in zip(annotations, multi.tolist(), strict=True)
            ]
            cols["prediction"] = _nested_tuples(table.column("prediction"), ("label", "score"))
            cols["explanation"] = [
                None if e is None else {
                    k: [TokenAttributions.model_construct(**a) for a in v] for k, v in e.items()
                }
                for e in _json_column(table.column("explanation"), None)
            ]
        elif task == TOKEN_CLASSIFICATION:
            cols["text"] = table.column("text").to_pylist()
            cols["tokens"] = _lists(table.column("tokens"))
            cols["prediction"] = _spans(table.column("prediction"), scored=True)
            cols["annotation"] = _spans(table.column("annotation"), scored=False)
        else:
            cols["text"] = table.column("text").to_pylist()
            cols["prediction"] = _nested_tuples(table.column("prediction"), ("text", "score"))
            cols["annotation"] = table.column("annotation").to_pylist()
        data = {
            name_: (cols[name_] if name_ in ("multi_label", "event_timestamp") else _objects(cols[name_]))
            for name_ in spec(task).load_columns
        }
        frame = RecordsFrame(data)
    frame.attrs["task"] = task
    if name is not None:
        frame.attrs["dataset"] = name
    return frame


class RecordsFrame(pd.DataFrame):
    """A pandas DataFrame of records, as ``rb.load`` returns it.

    It is a DataFrame in every way; ``.records`` builds the record objects
    (checked) and ``.to_pandas()`` gives a plain DataFrame.
    """

    @property
    def _constructor(self):
        return RecordsFrame

    def to_pandas(self) -> pd.DataFrame:
        return pd.DataFrame(self)

    @property
    def records(self) -> list[Any]:
        task = self.attrs.get("task")
        return records_from_frame(self, task)


def records_from_frame(df: pd.DataFrame, task: str | None) -> list[Any]:
    if task is None:
        raise ValueError("this frame does not say which task its records belong to")
    record_class = spec(task).record_class
    fields = [f for f in record_class.model_fields if f in df.columns]
    out = []
    for row, values in enumerate(zip(*(df[f].tolist() for f in fields), strict=True)):
        data = {f: (None if _scalar_missing(v) else v) for f, v in zip(fields, values, strict=True)}
        try:
            out.append(record_class(**data))
        except ValueError as exc:
            raise _row_error(df, row, exc) from None
    return out


def _scalar_missing(value: Any) -> bool:
    return not isinstance(value, list | tuple | dict | str) and rules.is_missing(value)
