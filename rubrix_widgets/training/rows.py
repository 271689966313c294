"""Reading a records frame's cells for training: shared by every task."""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import validation


def column(frame: pd.DataFrame, name: str, default: Any = None) -> list[Any]:
    """Column ``name`` as a list, or ``default`` for every row when the frame lacks it."""
    return frame[name].tolist() if name in frame.columns else [default] * len(frame)


def missing(value: Any) -> bool:
    """A cell that holds nothing (None, NaN, NA); a list or dict, even empty, is a value."""
    return not isinstance(value, list | tuple | dict | str | np.ndarray) and validation.is_missing(
        value
    )


def where(row: int, ident: Any) -> str:
    """How an error names a row: ``row 3 (id='a')``."""
    return f"row {row}" + ("" if validation.is_missing(ident) else f" (id={ident!r})")


def fresh_ids(ids: list[Any]) -> list[Any]:
    """Record ids, with a fresh uuid4 for records that have none (as Argilla does)."""
    return [str(uuid.uuid4()) if validation.is_missing(i) else i for i in ids]


def as_text(value: str | list[str]) -> str:
    """An input as one text (a list input's texts joined by spaces)."""
    return value if isinstance(value, str) else " ".join(value)


def list_array(lengths: np.ndarray, flat: np.ndarray) -> pa.ListArray:
    """An Arrow list<int64> array of ``flat`` cut into rows of ``lengths``."""
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(flat, pa.int64()))
