"""Arrow and pandas helpers shared by every layer: no knowledge of records or datasets.

At the bottom of the package (it imports nothing from it), so the store, the search
index and the frames can all use them without depending on one another.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building millions of small objects."""
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


def object_series(values: Any) -> pd.Series:
    """``values`` as a pandas object Series, each item kept as it is (lists stay lists)."""
    if isinstance(values, pd.Series):
        return values
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return pd.Series(array, dtype=object, copy=False)
