"""The stored ``vectors`` column: build it from records, check it, read it back.

A record's vectors are a dict name -> values (Argilla 1.x: ``vectors={"mini-lm":
[0.1, ...]}``). They are stored as one Arrow map column ``name -> list<float32>``
(``tasks.VECTORS``), so reading one named vector for many rows is a single
``map_lookup`` and a reshape, never a loop over Python objects.

A vector name keeps one dimension per dataset (the manifest records it); the
checks here name the record, the vector and the dimension expected.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .tasks import VECTORS

VECTORS_TYPE: pa.MapType = VECTORS.type
FLOATS = pa.list_(pa.float32())
MAX_NAME_LENGTH = 100


def check_name(name: Any) -> str:
    """A vector name: a non-empty str of at most 100 characters, without ``:`` or spaces.

    Names appear in queries (``vectors.<name>:*``), hence the characters left out.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"a vector name must be a non-empty str, not {name!r}")
    if len(name) > MAX_NAME_LENGTH or any(c in name for c in ': \t\n"\\()'):
        raise ValueError(
            f"vector name {name!r} is not allowed: use at most {MAX_NAME_LENGTH} characters "
            "without spaces, quotes, backslashes, parentheses or ':' (e.g. 'mini-lm')"
        )
    return name


def check_values(name: str, values: Any) -> np.ndarray:
    """One vector as float32: a non-empty 1-D sequence of finite numbers."""
    if isinstance(values, str | bytes | Mapping) or values is None:
        raise ValueError(
            f"vector {name!r} must be a list or 1-D array of numbers, not {type(values).__name__}"
        )
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"vector {name!r} must hold numbers only") from None
    if array.ndim != 1 or array.size == 0:
        raise ValueError(
            f"vector {name!r} must be a non-empty 1-D list of numbers, not of shape {array.shape}"
        )
    if not np.isfinite(array).all():
        bad = int(np.flatnonzero(~np.isfinite(array))[0])
        raise ValueError(
            f"vector {name!r} holds {float(array[bad])!r} at position {bad}: values must be finite "
            "(no NaN or inf)"
        )
    if np.abs(array).max() > np.finfo(np.float32).max:
        raise ValueError(f"vector {name!r} holds a value too large for float32")
    return array.astype(np.float32)


def check_vectors(vectors: Any) -> dict[str, np.ndarray] | None:
    """A record's ``vectors``: None (or empty) or a dict name -> float32 array."""
    if vectors is None or (isinstance(vectors, float) and math.isnan(vectors)):
        return None
    if not isinstance(vectors, Mapping):
        raise ValueError(
            "vectors must be a dict of name -> list of numbers, e.g. "
            f"{{'mini-lm': [0.1, 0.2]}}, not {type(vectors).__name__}"
        )
    if not vectors:
        return None
    return {check_name(k): check_values(k, v) for k, v in vectors.items()}


def vectors_array(
    values: Sequence[Any], where: Callable[[int], str], dims: Mapping[str, int] | None = None
) -> pa.Array:
    """The stored column for one batch's ``vectors`` values (dicts or None).

    ``dims`` are the dimensions the dataset already has per vector name; inside the
    batch, the first record with a name sets its dimension for the others. A
    mismatch raises ValueError naming the record (``where(row)``), the vector and
    the dimension expected.
    """
    known = dict(dims or {})
    offsets = [0]
    keys: list[str] = []
    arrays: list[np.ndarray] = []
    valid = np.ones(len(values), dtype=bool)
    for row, given in enumerate(values):
        try:
            checked = check_vectors(given)
        except ValueError as exc:
            raise ValueError(f"{where(row).rstrip()}: {exc}") from None
        if checked is None:
            valid[row] = False
        else:
            for name, array in checked.items():
                expected = known.setdefault(name, len(array))
                if len(array) != expected:
                    raise ValueError(
                        f"{where(row).rstrip()}: vector {name!r} has {len(array)} dimensions; "
                        f"this dataset's {name!r} vectors have {expected}"
                    )
                keys.append(name)
                arrays.append(array)
        offsets.append(len(keys))
    return _map_array(offsets, keys, arrays, valid)


def _map_array(
    offsets: list[int], keys: list[str], arrays: list[np.ndarray], valid: np.ndarray
) -> pa.Array:
    if not keys:
        return pa.nulls(len(valid), VECTORS_TYPE)
    flat = np.concatenate(arrays)
    lengths = np.fromiter((len(a) for a in arrays), dtype=np.int32, count=len(arrays))
    inner = np.zeros(len(arrays) + 1, dtype=np.int32)
    np.cumsum(lengths, out=inner[1:])
    items = pa.ListArray.from_arrays(pa.array(inner), pa.array(flat, pa.float32()))
    return pa.MapArray.from_arrays(
        pa.array(offsets, pa.int32()),
        pa.array(keys, pa.string()),
        items,
        mask=pa.array(~valid),
    ).cast(VECTORS_TYPE)


def dims_of(column: pa.Array | pa.ChunkedArray) -> dict[str, int]:
    """Each vector name in a stored column and its dimension (checked when built)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    if column.null_count == len(column):
        return {}
    # keys/items are the whole child arrays, also of a slice: keep the slice's range
    offsets = column.offsets
    first, last = offsets[0].as_py(), offsets[-1].as_py()
    names = column.keys.slice(first, last - first).to_numpy(zero_copy_only=False)
    lengths = pc.list_value_length(column.items.slice(first, last - first)).to_numpy(
        zero_copy_only=False
    )
    out: dict[str, int] = {}
    for name, length in zip(names.tolist(), lengths.tolist(), strict=True):
        out.setdefault(name, int(length))
    return out


def first_with_other_dim(
    column: pa.Array | pa.ChunkedArray, name: str, expected: int
) -> tuple[int, int] | None:
    """The first row whose vector ``name`` does not have ``expected`` values, and its count."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    found = pc.map_lookup(column, pa.scalar(name, pa.string()), "first")
    lengths = pc.list_value_length(found).to_numpy(zero_copy_only=False)
    other = np.flatnonzero(~np.isnan(lengths.astype(float)) & (lengths != expected))
    if not len(other):
        return None
    return int(other[0]), int(lengths[other[0]])


def vector_of(column: pa.Array | pa.ChunkedArray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Rows having vector ``name`` (positions in ``column``) and their values (n, d) float32."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    if len(column) == 0 or column.null_count == len(column):
        return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
    found = pc.map_lookup(column, pa.scalar(name, pa.string()), "first")
    has = pc.is_valid(found).to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(has)
    if not len(rows):
        return rows.astype(np.int64), np.zeros((0, 0), dtype=np.float32)
    picked = found.filter(pa.array(has))
    values = picked.flatten().to_numpy(zero_copy_only=False)
    return rows.astype(np.int64), values.reshape(len(rows), -1).astype(np.float32, copy=False)


def python_vectors(column: pa.Array | pa.ChunkedArray) -> list[dict[str, np.ndarray] | None]:
    """The column as ``rb.load`` gives it: per row None or a dict name -> float32 array."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    n = len(column)
    if column.null_count == n:
        return [None] * n
    offsets = column.offsets.to_numpy()
    keys = column.keys.to_pylist()
    items = column.items
    inner = items.offsets.to_numpy()
    flat = items.values.to_numpy(zero_copy_only=False)
    valid = column.is_valid().to_numpy(zero_copy_only=False)
    # offsets index the whole keys/items children (also for a sliced column)
    out: list[dict[str, np.ndarray] | None] = []
    for row in range(n):
        if not valid[row]:
            out.append(None)
            continue
        record: dict[str, np.ndarray] = {}
        for item in range(int(offsets[row]), int(offsets[row + 1])):
            record[keys[item]] = flat[int(inner[item]) : int(inner[item + 1])]
        out.append(record)
    return out


def changed_names(new: pa.Array, old: pa.Array | None) -> set[str]:
    """Vector names whose values differ between two aligned columns (``old`` None: all new)."""
    names = set(dims_of(new))
    if old is None:
        return names
    names |= set(dims_of(old))
    changed = set()
    for name in names:
        rows_new, values_new = vector_of(new, name)
        rows_old, values_old = vector_of(old, name)
        if (
            not np.array_equal(rows_new, rows_old)
            or values_new.shape != values_old.shape
            or not np.array_equal(values_new, values_old)
        ):
            changed.add(name)
    return changed


def null_column(n: int) -> pa.Array:
    return pa.nulls(n, VECTORS_TYPE)
