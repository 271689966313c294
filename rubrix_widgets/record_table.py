"""Stored Arrow tables -> the pandas frames ``rb.load`` returns, and record objects.

This is the bulk read path: columns are converted as whole arrays, with no
pydantic model per record; models are built only when asked (``.records``).
Building millions of small Python objects triggers the cyclic garbage
collector over and over, so bulk conversions pause it.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import rules
from .tasks import TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION, spec

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


# -- Arrow -> frame ------------------------------------------------------------------
def pylist(values: pa.Array) -> list[Any]:
    """``to_pylist``, sharing one str object per distinct string.

    Labels and agents repeat a lot; building each distinct string once (and
    not a million copies) halves the time and the memory.
    """
    if (
        len(values) > 1000
        and values.null_count == 0
        and (pa.types.is_string(values.type) or pa.types.is_large_string(values.type))
    ):
        encoded = pc.dictionary_encode(values)
        if len(encoded.dictionary) * 4 < len(values):
            return list(
                map(encoded.dictionary.to_pylist().__getitem__, encoded.indices.to_numpy().tolist())
            )
    return values.to_pylist()


def nested_tuples(array: pa.ChunkedArray | pa.Array, fields: Sequence[str]) -> list[Any]:
    """list<struct> -> [[tuple, ...] | None]: column-wise, not row by row."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    flat = array.flatten()  # the values of this (possibly sliced) array only
    items = list(zip(*(pylist(flat.field(name)) for name in fields), strict=True))
    offsets = array.offsets.to_numpy()
    offsets = (offsets - offsets[0]).tolist()
    valid = array.is_valid().to_numpy(zero_copy_only=False).tolist()
    return [
        items[start:end] if ok else None
        for start, end, ok in zip(offsets[:-1], offsets[1:], valid, strict=True)
    ]


def _spans(array: pa.ChunkedArray | pa.Array, scored: bool) -> list[Any]:
    rows = nested_tuples(
        array, ("label", "start", "end", "score") if scored else ("label", "start", "end")
    )
    if not scored:
        return rows
    return [
        None if spans is None else [s if s[3] is not None else s[:3] for s in spans]
        for spans in rows
    ]


def _strings(array: pa.ChunkedArray) -> list[Any]:
    return pylist(array.combine_chunks()) if array.null_count == 0 else array.to_pylist()


def _lists(array: pa.ChunkedArray | pa.Array) -> list[Any]:
    return array.to_pylist()


def _json_column(array: pa.ChunkedArray, empty: Callable[[], Any] | None) -> list[Any]:
    loads = orjson.loads
    if empty is None:
        return [None if v is None else loads(v) for v in array.to_pylist()]
    return [empty() if v is None else loads(v) for v in array.to_pylist()]


def _ids(table: pa.Table) -> pd.Series | list[Any]:
    ints = table.column("id_int")
    if ints.null_count == 0 and len(table):
        return pd.Series(ints.to_numpy(), dtype="int64")
    if ints.null_count == len(table):
        return table.column("id").to_pylist()
    return [
        s if i is None else i
        for s, i in zip(table.column("id").to_pylist(), ints.to_pylist(), strict=True)
    ]


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
            "prediction_agent": _strings(table.column("prediction_agent")),
            "annotation_agent": _strings(table.column("annotation_agent")),
            "metadata": _json_column(table.column("metadata"), dict),
            "status": _strings(table.column("status")),
            "event_timestamp": table.column("event_timestamp").to_pandas(),
        }
        if task == TEXT_CLASSIFICATION:
            texts = table.column("text").to_pylist()
            inputs_json = table.column("inputs")
            if inputs_json.null_count == len(table):
                cols["inputs"] = [{"text": t} for t in texts]
            else:
                cols["inputs"] = [
                    {"text": t} if j is None else orjson.loads(j)
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
            cols["prediction"] = nested_tuples(table.column("prediction"), ("label", "score"))
            cols["explanation"] = _explanations(table.column("explanation"))
        elif task == TOKEN_CLASSIFICATION:
            cols["text"] = table.column("text").to_pylist()
            cols["tokens"] = _lists(table.column("tokens"))
            cols["prediction"] = _spans(table.column("prediction"), scored=True)
            cols["annotation"] = _spans(table.column("annotation"), scored=False)
        else:
            cols["text"] = table.column("text").to_pylist()
            cols["prediction"] = nested_tuples(table.column("prediction"), ("text", "score"))
            cols["annotation"] = table.column("annotation").to_pylist()
        data = {
            name_: (
                cols[name_]
                if name_ in ("multi_label", "event_timestamp")
                else _objects(cols[name_])
            )
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

    def prepare_for_training(
        self,
        framework: str = "transformers",
        lang: Any = None,
        train_size: float | None = None,
        test_size: float | None = None,
        seed: int | None = None,
    ):
        """The annotated rows as training data, as ``DatasetFor<task>.prepare_for_training``.

        Reads the frame's columns directly (no record objects are built). See
        ``rb.DatasetForTextClassification.prepare_for_training`` and
        ``rb.DatasetForTokenClassification.prepare_for_training`` for the formats.

        >>> rb.load("reviews", query="status:Validated").prepare_for_training(
        ...     train_size=0.8, seed=42)
        DatasetDict({train: Dataset(...), test: Dataset(...)})
        """
        from .training import prepare_for_training

        task = self.attrs.get("task")
        if task is None:
            raise ValueError(
                "this frame does not say which task its records belong to; use "
                "rb.DatasetForTextClassification.from_pandas(frame).prepare_for_training()"
            )
        return prepare_for_training(self, task, framework, lang, train_size, test_size, seed)


def records_from_frame(df: pd.DataFrame, task: str | None) -> list[Any]:
    if task is None:
        raise ValueError("this frame does not say which task its records belong to")
    record_class = spec(task).record_class
    fields = [f for f in record_class.model_fields if f in df.columns]
    if task == TEXT_CLASSIFICATION and "inputs" not in df.columns and "text" in df.columns:
        fields.append("text")
    if task == TOKEN_CLASSIFICATION and "tags" in df.columns:
        fields.append("tags")
    out = []
    for row, values in enumerate(zip(*(df[f].tolist() for f in fields), strict=True)):
        data = {f: (None if _scalar_missing(v) else v) for f, v in zip(fields, values, strict=True)}
        try:
            out.append(record_class(**data))
        except ValueError as exc:
            ident = data.get("id")
            which = f"row {row}" + (f" (id={ident!r})" if ident is not None else "")
            raise ValueError(f"{which}: {exc}") from None
    return out


def _scalar_missing(value: Any) -> bool:
    return not isinstance(value, list | tuple | dict | str) and rules.is_missing(value)


def _explanations(column: pa.ChunkedArray) -> list:
    """Stored explanation JSON -> {input: [TokenAttributions]} per row (None when absent)."""
    if column.null_count == len(column):
        return [None] * len(column)
    from .records import TokenAttributions  # pydantic only when there is something to build

    return [
        None
        if e is None
        else {k: [TokenAttributions.model_construct(**a) for a in v] for k, v in e.items()}
        for e in _json_column(column, None)
    ]
