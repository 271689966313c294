"""Rubrix's ``metadata`` metric: per metadata field, value counts or statistics.

Rubrix's server indexed each record's metadata flattened (``{"a": {"b": 1}}`` is field
``a.b``), strings cut to their last 128 characters, and typed each field by its first
value (Elasticsearch dynamic mapping): strings, ints and booleans are counted per value
(records per value, most frequent first), floats and dates get Elasticsearch's
``extended_stats`` under ``"rubrix:stats"``. Every field of the dataset is listed, also
those no matching record has (with empty counts or a zero count).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from . import _columns as cols
from ._aggregations import distinct_pairs, terms_size

_KEEP_CHARACTERS = 128  # Rubrix kept the last 128 characters of a metadata string


def metadata_metric(dataset: pa.Table, matching: pa.Table, size: int | None) -> dict[str, Any]:
    """``{field: {value: records}}`` or ``{field: {"rubrix:stats": {...}}}``.

    ``dataset``: all the dataset's rows (they decide the fields and their types);
    ``matching``: the rows of the search.
    """
    kinds = _field_kinds(_flat(dataset.column("metadata")))
    found = _flat(matching.column("metadata"))
    out: dict[str, Any] = {}
    for field in sorted(kinds):
        column = found.column(field) if field in found.column_names else None
        kind = kinds[field]
        if kind in ("float", "date"):
            out[field] = {"rubrix:stats": _extended_stats(_numbers(column, kind))}
        else:
            out[field] = _value_counts(column, kind, size)
    return out


def _flat(column: pa.ChunkedArray) -> pa.Table:
    """The metadata JSON of each row as a table with one (flattened) column per field."""
    texts = pc.fill_null(cols.array(column), "{}").cast(pa.string())
    if not len(texts):
        return pa.table({})
    lines = pa.ListArray.from_arrays(pa.array([0, len(texts)], pa.int32()), texts)
    data = pc.binary_join(lines, "\n")[0].as_buffer()
    try:
        table = pj.read_json(pa.BufferReader(data))
    except pa.ArrowInvalid:  # a field with values of several types: parse record by record
        table = pa.Table.from_pylist([_flatten(orjson.loads(t)) for t in texts.to_pylist()])
    while any(pa.types.is_struct(f.type) for f in table.schema):
        table = table.flatten()
    return table


def _flatten(value: dict, prefix: str = "") -> dict:
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict):
            out |= _flatten(item, f"{name}.")
        else:  # several types in one field: compare them as text
            out[name] = None if item is None else _text(item)
    return out


def _text(value: Any) -> Any:
    if isinstance(value, list):
        return [_text(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _field_kinds(table: pa.Table) -> dict[str, str]:
    """Each field's Elasticsearch type: keyword, long, boolean, float or date."""
    kinds = {}
    for field in table.schema:
        kind = field.type.value_type if pa.types.is_list(field.type) else field.type
        if pa.types.is_null(kind):
            continue  # only empty values: Rubrix dropped them, so no field
        if pa.types.is_boolean(kind):
            kinds[field.name] = "boolean"
        elif pa.types.is_integer(kind):
            kinds[field.name] = "long"
        elif pa.types.is_floating(kind):
            kinds[field.name] = "float"
        elif pa.types.is_timestamp(kind) or pa.types.is_date(kind):
            kinds[field.name] = "date"
        else:
            kinds[field.name] = "keyword"
    return kinds


def _per_record(column: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """(row, value) of every value: list values give one pair per element."""
    values = cols.array(column)
    if pa.types.is_list(values.type):
        rows = pc.list_parent_indices(values).to_numpy().astype(np.int64)
        values = pc.list_flatten(values)
    else:
        rows = np.arange(len(values), dtype=np.int64)
    keep = pc.is_valid(values).to_numpy(zero_copy_only=False)
    return rows[keep], values.filter(pa.array(keep))


def _value_counts(column: pa.ChunkedArray | None, kind: str, size: int | None) -> dict:
    """Records per value, most frequent first, ties by value (numbers by number)."""
    if column is None:
        return {}
    rows, values = _per_record(column)
    if kind == "keyword":
        values = pc.utf8_slice_codeunits(values.cast(pa.string()), -_KEEP_CHARACTERS)
    elif kind == "long":
        values = values.cast(pa.int64())
    _, distinct = distinct_pairs(rows, values)
    found = cols.counts(distinct, limit=terms_size(size))
    if kind == "boolean":
        return {"true" if key else "false": count for key, count in found.items()}
    return {str(key) if kind == "long" else key: count for key, count in found.items()}


def _numbers(column: pa.ChunkedArray | None, kind: str) -> np.ndarray:
    if column is None:
        return np.zeros(0)
    _, values = _per_record(column)
    if kind == "date":  # Elasticsearch keeps dates as epoch milliseconds
        return values.cast(pa.timestamp("ms")).cast(pa.int64()).to_numpy().astype(np.float64)
    return values.cast(pa.float32()).to_numpy().astype(np.float64)  # an ES float is 32-bit


def _extended_stats(values: np.ndarray) -> dict[str, Any]:
    """Elasticsearch's ``extended_stats`` (two standard deviations for the bounds)."""
    count = len(values)
    if not count:
        sides = ("upper", "lower")
        bounds = dict.fromkeys(
            [*sides, *(f"{s}_{kind}" for kind in ("population", "sampling") for s in sides)]
        )
        return {
            "count": 0,
            **dict.fromkeys(("min", "max", "avg")),
            "sum": 0.0,
            **dict.fromkeys(("sum_of_squares", "variance", "variance_population")),
            **dict.fromkeys(("variance_sampling", "std_deviation", "std_deviation_population")),
            "std_deviation_sampling": None,
            "std_deviation_bounds": bounds,
        }
    total, squares = float(values.sum()), float((values * values).sum())
    avg = total / count
    variance = max(squares / count - avg * avg, 0.0)
    # one value has no sample variance (ES's 0 / 0): None, which JSON can carry
    sampling = max((squares - total * total / count) / (count - 1), 0.0) if count > 1 else None
    std = math.sqrt(variance)
    std_sampling = None if sampling is None else math.sqrt(sampling)
    return {
        "count": count,
        "min": float(values.min()),
        "max": float(values.max()),
        "avg": avg,
        "sum": total,
        "sum_of_squares": squares,
        "variance": variance,
        "variance_population": variance,
        "variance_sampling": sampling,
        "std_deviation": std,
        "std_deviation_population": std,
        "std_deviation_sampling": std_sampling,
        "std_deviation_bounds": {
            "upper": avg + 2 * std,
            "lower": avg - 2 * std,
            "upper_population": avg + 2 * std,
            "lower_population": avg - 2 * std,
            "upper_sampling": None if std_sampling is None else avg + 2 * std_sampling,
            "lower_sampling": None if std_sampling is None else avg - 2 * std_sampling,
        },
    }
