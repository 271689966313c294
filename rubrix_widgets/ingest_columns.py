"""Column-wise encoders and checks the write path (:mod:`rubrix_widgets.ingest`) builds
stored tables with: metadata as one JSON column, label and score checks over whole
columns, ids, inputs and explanations in their stored form.

A check that cannot vouch for a column raises :class:`Fallback`: the builder then redoes
that column row by row with the rules of :mod:`rubrix_widgets.validation`.
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

from . import validation


class Fallback(Exception):
    """The fast path cannot vouch for a column: redo it row by row."""


class ColumnsBuilder:
    """What the task mixins use of the batch builder (:class:`ingest._Builder` provides it).

    Declared here so each task's mixin is type-checked on its own against the builder's
    state and helpers, without importing the builder (which imports the mixins).
    """

    columns: dict[str, pd.Series]
    n: int
    out: dict[str, pa.Array]

    def given(self, name: str) -> pd.Series | None:
        raise NotImplementedError

    def rows(self, name: str, check: Callable[..., Any], *extra: Sequence[Any]) -> list[Any]:
        raise NotImplementedError

    def row_error(self, row: int, exc: Exception) -> ValueError:
        raise NotImplementedError

    def attempt(self, fast: Callable[[], Any], slow: Callable[[], Any]) -> Any:
        raise NotImplementedError

    def strings(
        self, name: str, check: Callable[[Any], str | None], large: bool = False
    ) -> pa.Array:
        raise NotImplementedError

    def where(self, row: int) -> str:
        raise NotImplementedError


_BAD_LABEL = r"^\s*$|[\x00\x1f]"


_JSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY


def has_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(has_surrogate(k) or has_surrogate(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_surrogate(v) for v in value)
    return False


def json_column(values) -> pa.Array:
    """Metadata dicts -> a column of JSON text, without empty values; {} and None become null.

    Values that are None (or NaN), ``[]`` or ``{}`` are dropped, as Rubrix's server did
    (:func:`validation.drop_empty_values`): the whole buffer is searched once for ``:null``,
    ``:[]`` and ``:{}``, and only the rows holding one are decoded and cleaned (a string
    holding those characters costs a needless check, never a wrong result).

    Each encoded value is copied into one growing buffer and dropped at once,
    so its memory is reused for the next: keeping a million small bytes
    objects alive costs a page fault each, which on some VMs is most of the
    time spent. Raises Fallback on anything but plain dicts with str keys.
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
            raise Fallback
        offsets[i + 1] = len(data)
    if data.find(b'"":') >= 0:  # an empty key, or one ending in a quote: the rules decide
        raise Fallback
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
        cleaned = validation.drop_empty_values(orjson.loads(data[start:end]))
        text = orjson.dumps(cleaned) if cleaned else b""
        valid[row] = bool(cleaned)
        out += text
        growth[row] = len(text) - (end - start)
        done = row + 1
    out += data[int(offsets[done]) :]
    return out, offsets + np.concatenate([[0], np.cumsum(growth)])


def has_lists(column: pd.Series) -> bool:
    return any(isinstance(v, list | tuple | dict | np.ndarray) for v in column.head(1))


def missing_list(value: Any) -> bool:
    return value is None or (
        not isinstance(value, list | tuple | np.ndarray) and validation.is_missing(value)
    )


def missing_or_empty(value: Any) -> bool:
    return missing_list(value) or (isinstance(value, list | tuple | np.ndarray) and not len(value))


def inputs_are_text(inputs: pd.Series, texts: pd.Series) -> bool:
    return all(
        type(d) is dict and len(d) == 1 and d.get("text") == t
        for d, t in zip(inputs, texts, strict=True)
    )


def check_labels(labels: pa.Array) -> None:
    if labels.null_count:
        raise Fallback
    distinct = pc.unique(labels)  # a few labels repeated a million times: check each once
    if pc.any(pc.match_substring_regex(distinct, _BAD_LABEL)).as_py():
        raise Fallback


def all_in_unit_interval(scores: pa.Array) -> bool:
    values = scores.to_numpy(zero_copy_only=False)
    return bool(np.all((values >= 0.0) & (values <= 1.0)))  # False for NaN too


def duplicates_within_rows(lists: pa.Array, labels: pa.Array) -> bool:
    if len(labels) == 0:
        return False
    rows = pc.list_parent_indices(lists).to_numpy()
    codes = pc.dictionary_encode(labels).indices.to_numpy().astype(np.int64)
    keys = np.sort(rows * (int(codes.max()) + 1) + codes)
    return bool(np.any(keys[1:] == keys[:-1]))


def wrap_in_lists(labels: pa.Array) -> pa.Array:
    valid = pc.is_valid(labels).to_numpy(zero_copy_only=False)
    offsets = np.concatenate([[0], np.cumsum(valid)]).astype(np.int32)
    mask = pa.array(~valid)
    return pa.ListArray.from_arrays(pa.array(offsets), labels.drop_null(), mask=mask)


def empty_as_null(lists: pa.Array) -> pa.Array:
    empty = pc.equal(pc.list_value_length(lists), 0)
    if not pc.any(empty).as_py():
        return lists
    return pc.if_else(empty, pa.scalar(None, lists.type), lists)


def sorted_by_score(lists: pa.Array, field: str) -> pa.Array:
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


def uuid4s(n: int) -> pa.Array:
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


def has_bool_scores(column: pd.Series, lists: pa.ListArray, scores: pa.Array) -> bool:
    """Whether a prediction cell pairs a label with a bool, which Arrow took for 1.0 or 0.0.

    Only the cells with a score of exactly 0 or 1 are looked at, one by one.
    """
    exact = pc.or_(pc.equal(scores, 0.0), pc.equal(scores, 1.0))
    if not pc.any(exact).as_py():
        return False
    rows = np.unique(pc.list_parent_indices(lists).to_numpy()[exact.to_numpy(zero_copy_only=False)])
    for cell in column.iloc[rows].tolist():
        for item in cell if isinstance(cell, list | tuple) else ():
            if isinstance(item, tuple | list) and len(item) == 2:
                score = item[1]
            elif isinstance(item, dict):
                score = item.get("score")
            else:
                continue
            if score is True or score is False:
                return True
    return False


_STORABLE = (validation.EARLIEST, validation.LATEST)


def timestamps_storable(array: pa.Array) -> bool:
    """Whether every (naive UTC) timestamp is within the years 1-9999 (see
    :func:`validation.check_event_timestamp`, which names the ones that are not)."""
    # compared as microseconds: a timestamp outside the range has no Python datetime
    micros = pc.cast(array, pa.int64())
    low, high = (pa.scalar(b, pa.timestamp("us")).cast(pa.int64()) for b in _STORABLE)
    inside = pc.and_(pc.greater_equal(micros, low), pc.less_equal(micros, high))
    return pc.all(inside).as_py() is not False


def split_inputs(inputs: dict[str, Any]) -> tuple[str | None, str | None]:
    """Store ``{"text": str}`` as the text alone; anything else as JSON (plus its single text)."""
    if len(inputs) == 1:
        ((key, value),) = inputs.items()
        if key == "text" and isinstance(value, str):
            return value, None
        return (value if isinstance(value, str) else None), validation.dumps(inputs)
    return None, validation.dumps(inputs)


def explanation_json(explanation: dict[str, list[Any]] | None) -> str | None:
    if not explanation:
        return None
    from .records import TokenAttributions

    return validation.dumps(
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
