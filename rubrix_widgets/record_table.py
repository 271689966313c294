"""Stored Arrow tables -> the pandas frames ``rb.load`` returns, and record objects.

This is the bulk read path: columns are converted as whole arrays, with no
pydantic model per record; models are built only when asked (``.records``).
Building millions of small Python objects triggers the cyclic garbage
collector over and over, so bulk conversions pause it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import validation
from ._arrow import nested_tuples, no_gc, object_series, pylist
from .tasks import (
    BOOKKEEPING,  # noqa: F401  (re-exported until page_state imports tasks')
    READ_ONLY_FIELDS,
    RUBRIX_FIELDS,
    TEXT_CLASSIFICATION,
    TOKEN_CLASSIFICATION,
    spec,
)
from .vector_columns import python_vectors

RUBRIX_COLUMNS = RUBRIX_FIELDS  # the columns of Rubrix's DatasetFor*.to_pandas()


def _spans(array: pa.ChunkedArray | pa.Array, scored: bool) -> list[Any]:
    """Stored spans as tuples; a predicted span stored without a score gets 0.0, as in Rubrix."""
    if not scored:
        return nested_tuples(array, ("label", "start", "end"))
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    if len(array) and array.values.field("score").null_count:
        items = array.values
        items = pa.StructArray.from_arrays(
            [items.field(k) for k in ("label", "start", "end")]
            + [items.field("score").fill_null(0.0)],
            names=["label", "start", "end", "score"],
        )
        array = pa.ListArray.from_arrays(array.offsets, items, mask=pc.is_null(array))
    return nested_tuples(array, ("label", "start", "end", "score"))


def _strings(array: pa.ChunkedArray) -> list[Any]:
    return pylist(array.combine_chunks()) if array.null_count == 0 else array.to_pylist()


def _lists(array: pa.ChunkedArray | pa.Array) -> list[Any]:
    return array.to_pylist()


def _json_column(array: pa.ChunkedArray, empty: Callable[[], Any] | None) -> list[Any]:
    loads = orjson.loads
    if empty is None:
        return [None if v is None else loads(v) for v in array.to_pylist()]
    return [empty() if v is None else loads(v) for v in array.to_pylist()]


def record_ids(table: pa.Table) -> pd.Series | list[Any]:
    ints = table.column("id_int")
    if ints.null_count == 0 and len(table):
        return pd.Series(ints.to_numpy(), dtype="int64")
    if ints.null_count == len(table):
        return table.column("id").to_pylist()
    return [
        s if i is None else i
        for s, i in zip(table.column("id").to_pylist(), ints.to_pylist(), strict=True)
    ]


def frame_from_table(
    table: pa.Table, task: str, name: str | None = None, vectors: bool = False
) -> RecordsFrame:
    """The ``rb.load`` frame of a stored table, in the task's column order.

    ``vectors``: add the ``vectors`` column (dicts name -> float32 array, None for a
    record without), after ``annotation_agent`` as in Argilla 1.x.
    """
    with no_gc():
        cols: dict[str, Any] = {
            "id": record_ids(table),
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
                # the record's text, as in Rubrix: inputs["text"] when it is the only input
                texts = [
                    t if j is None else (i.get("text") if len(i) == 1 else None)
                    for t, j, i in zip(texts, inputs_json.to_pylist(), cols["inputs"], strict=True)
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
        names = list(spec(task).load_columns)
        if vectors:
            cols["vectors"] = python_vectors(table.column("vectors"))
            names.insert(names.index("annotation_agent") + 1, "vectors")
        data = {
            name_: (
                cols[name_]
                if name_ in ("multi_label", "event_timestamp")
                else object_series(cols[name_])
            )
            for name_ in names
        }
        frame = RecordsFrame(data)
    frame.attrs["task"] = task
    if name is not None:
        frame.attrs["dataset"] = name
    return frame


class RecordsFrame(pd.DataFrame):
    """A pandas DataFrame of records, as ``rb.load`` returns it.

    It is a DataFrame in every way but one: iterating it gives its records, as
    iterating Rubrix's ``rb.load`` result did (``for record in rb.load(name):
    record.annotation``), where a DataFrame gives its column labels
    (``df.columns`` has them; pandas' own code still gets them).

    On top, as Rubrix's ``DatasetFor*``: ``.records`` builds the record objects
    (checked), ``.to_pandas()`` gives a plain DataFrame with Rubrix's columns,
    ``.to_datasets()`` and ``.prepare_for_training()`` give what the
    ``DatasetFor*`` of the same records gives, read column-wise.

    ``ds[0]`` stays pandas' column lookup; as no column is named 0, its
    KeyError says to use ``ds.records[0]`` or ``ds.iloc[0]``.
    """

    @property
    def _constructor(self):
        return RecordsFrame

    def __getitem__(self, key):
        if type(key) is not str:  # column names are str: only other keys can be Rubrix's
            _refuse_record_lookups(self, key)
        return super().__getitem__(key)

    def __iter__(self) -> Iterator[Any]:
        """The records, one by one (Rubrix's ``rb.load`` result iterated over its records).

        pandas itself iterates a DataFrame for its column labels (its formatting
        does, for one), so a call from inside pandas gets them, as does a frame
        that no longer says its task. Records are built a thousand rows at a
        time, as the loop asks for them.
        """
        task = self.attrs.get("task")
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if task not in RUBRIX_COLUMNS or caller.partition(".")[0] == "pandas":
            return iter(self.columns)
        return self._iter_records(task)

    def _iter_records(self, task: str) -> Iterator[Any]:
        for start in range(0, len(self), _ITER_CHUNK):
            yield from records_from_frame(self.iloc[start : start + _ITER_CHUNK], task, start)

    def _task(self, method: str) -> str:
        task = self.attrs.get("task")
        if task is None:
            raise ValueError(
                "this frame does not say which task its records belong to; use "
                f"rb.DatasetForTextClassification.from_pandas(frame).{method}() (or the class "
                "of its task)"
            )
        return task

    def to_pandas(self) -> pd.DataFrame:
        """A plain DataFrame with the columns of Rubrix's ``DatasetFor*.to_pandas()``, in order.

        Columns this frame lacks (``metrics``, ``search_keywords``) are None;
        columns added to it that are not record fields come last.
        """
        task = self.attrs.get("task")
        if task not in RUBRIX_COLUMNS:
            return pd.DataFrame(self)
        columns = RUBRIX_COLUMNS[task]
        data = {
            name: (
                self[name]
                if name in self.columns
                else pd.Series([None] * len(self), index=self.index, dtype=object)
            )
            for name in columns
        }
        if task == TOKEN_CLASSIFICATION:  # records keep tokens as a tuple, as Rubrix's do
            data["tokens"] = self["tokens"].map(
                lambda t: tuple(t) if isinstance(t, list | np.ndarray) else t
            )
        data.update({c: self[c] for c in self.columns if c not in data})
        frame = pd.DataFrame(data, index=self.index)
        frame.attrs["task"] = task
        return frame

    @property
    def records(self) -> list[Any]:
        """The rows as record objects (``rb.TextClassificationRecord``, ...), checked."""
        return records_from_frame(self, self.attrs.get("task"))

    def to_datasets(self):
        """The rows as a ``datasets.Dataset``, as ``DatasetFor<task>.to_datasets()`` gives it.

        Read column-wise, with the checks ``rb.log`` makes (an edited cell
        that is not a valid field value is a ValueError naming its row).

        >>> rb.load("reviews").to_datasets().features["prediction"]
        List({'label': Value('string'), 'score': Value('float64')})
        """
        from .hf_datasets import frame_to_datasets

        return frame_to_datasets(self, self._task("to_datasets"))

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

        task = self._task("prepare_for_training")
        return prepare_for_training(
            self,
            task,
            framework,
            lang,
            train_size,
            test_size,
            seed,
            export=lambda rows: self.iloc[rows].to_datasets(),
        )


_ITER_CHUNK = 1000


def _refuse_record_lookups(frame: pd.DataFrame, key: Any) -> None:
    """KeyErrors that say what Rubrix code meant by ``ds[0]`` or ``ds[record]``."""
    # ints are never rb.load column names: ds[0] / ds[-1] is Rubrix code asking for a record
    if (
        isinstance(key, int | np.integer)
        and not isinstance(key, bool | np.bool_)
        and key not in frame.columns
    ):
        raise KeyError(
            f"ds[{key}] looks up a column named {key} (rb.load returns a pandas DataFrame, "
            f"not a list of records); for that record use ds.records[{key}], for that row "
            f"ds.iloc[{key}]"
        )
    if _is_record(key):
        raise KeyError(
            f"ds[record] looks up a column named by a {type(key).__name__}: iterating a "
            "rb.load frame gives its records (as in Rubrix); for its column names iterate "
            "ds.columns"
        )


def _is_record(value: Any) -> bool:
    records = sys.modules.get(f"{__package__}.records")  # a record exists only if it is imported
    return records is not None and isinstance(value, tuple(records.RECORD_CLASSES.values()))


def records_from_frame(df: pd.DataFrame, task: str | None, first_row: int = 0) -> list[Any]:
    """The rows of ``df`` as record objects, checked; errors name the row (``first_row`` + k)."""
    if task is None:
        raise ValueError("this frame does not say which task its records belong to")
    from .records import RECORD_CLASSES  # pydantic only when records are asked for

    spec(task)  # an unknown task is a ValueError naming the known ones
    record_class = RECORD_CLASSES[task]
    fields = [f for f in (*record_class.model_fields, *READ_ONLY_FIELDS) if f in df.columns]
    if task == TEXT_CLASSIFICATION and "text" in df.columns:
        fields.append("text")  # a row with no inputs has its text here
    if task == TOKEN_CLASSIFICATION and "tags" in df.columns:
        fields.append("tags")
    out = []
    for row, values in enumerate(zip(*(df[f].tolist() for f in fields), strict=True)):
        data = {f: (None if _scalar_missing(v) else v) for f, v in zip(fields, values, strict=True)}
        try:
            out.append(record_class(**data))
        except ValueError as exc:
            ident = data.get("id")
            which = f"row {first_row + row}" + (f" (id={ident!r})" if ident is not None else "")
            raise ValueError(f"{which}: {exc}") from None
    return out


def _scalar_missing(value: Any) -> bool:
    return not isinstance(value, list | tuple | dict | str) and validation.is_missing(value)


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
