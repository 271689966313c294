"""Rubrix's server answered metrics with Elasticsearch aggregations; these give the same
results, column-wise, in the shape its client received them (JSON: string keys).

- :func:`histogram`: ES ``histogram`` buckets, keyed by ``repr`` of the bucket start
  (``"11.0"``), empty buckets between the smallest and largest filled with 0.
- :func:`terms`: ES ``terms`` buckets: most frequent first, ties by key, ``size`` at most.
- :func:`bucket_sort_desc`: the order ES's ``bucket_sort`` pipeline gives (a Lucene heap,
  so ties come out in heap order, not input order).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import _columns as cols

# Rubrix's terms aggregations: 1,000 buckets unless a size is asked for, never more than 5,000.
DEFAULT_TERMS_SIZE = 1000
MAX_TERMS_SIZE = 5000
# Rubrix's histograms without a fixed interval use 0.1 when none is asked for.
DEFAULT_HISTOGRAM_INTERVAL = 0.1
# Keyword fields are mapped with ignore_above=128: longer values are not indexed, so no
# terms aggregation counts them.
KEYWORD_IGNORE_ABOVE = 128


def histogram(values: np.ndarray, interval: float, *, float32: bool = False) -> dict[str, int]:
    """ES histogram of ``values``: ``{"<start>": count}`` in increasing order.

    A value ``v`` falls in the bucket ``floor(v / interval) * interval`` (ES's own
    arithmetic, so ``3 / 0.1`` lands where ES puts it). ``float32``: the field is an
    ES ``float`` (density, score), whose stored values are 32-bit.
    """
    values = np.asarray(values, dtype=np.float32 if float32 else np.float64)
    return _filled(np.floor(values.astype(np.float64) / interval), interval)


def histogram_per_record(rows: np.ndarray, values: np.ndarray, interval: float) -> dict[str, int]:
    """ES histogram of a multi-valued ``float`` field (``values[i]`` belongs to record
    ``rows[i]``): a record counts once per bucket it has values in, as ES skips a value
    whose bucket is the one of the document's previous value."""
    values = np.asarray(values, dtype=np.float32).astype(np.float64)
    buckets = np.floor(values / interval)
    if len(buckets):
        pairs = np.unique(np.stack([np.asarray(rows, dtype=np.float64), buckets]), axis=1)
        buckets = pairs[1]
    return _filled(buckets, interval)


def _filled(buckets: np.ndarray, interval: float) -> dict[str, int]:
    """Counts of bucket numbers, every bucket from the first to the last (empty ones 0),
    keyed as ES keys them: ``bucket * interval``, a double, JSON-encoded by Python."""
    if not len(buckets):
        return {}
    found, counts = np.unique(buckets, return_counts=True)
    steps = np.arange(found[0], found[-1] + 1)
    filled = np.zeros(len(steps), dtype=np.int64)
    filled[(found - found[0]).astype(np.int64)] = counts
    return {repr(float(k)): int(n) for k, n in zip(steps * interval, filled.tolist(), strict=True)}


def terms(values: pa.Array, size: int | None = None, keyword: bool = True) -> dict:
    """ES terms buckets of ``values`` (nulls left out): ``size`` most frequent first, ties
    by key. ``keyword``: a keyword field, which does not index values over 128 characters."""
    values = cols.array(values).drop_null()
    if not len(values):
        return {}
    found = pc.value_counts(values)
    distinct, counts = found.field("values"), found.field("counts")
    if keyword and (pa.types.is_string(distinct.type) or pa.types.is_large_string(distinct.type)):
        short = pc.less_equal(utf16_length(distinct), KEYWORD_IGNORE_ABOVE)
        distinct, counts = distinct.filter(short), counts.filter(short)
    table = pa.table({"value": distinct, "count": counts})
    order = pc.sort_indices(table, sort_keys=[("count", "descending"), ("value", "ascending")])
    table = table.take(order.slice(0, terms_size(size)))
    return dict(
        zip(table.column("value").to_pylist(), table.column("count").to_pylist(), strict=True)
    )


def distinct_pairs(rows: np.ndarray, values: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """The distinct (row, value) pairs, as (rows, values): how a multi-valued field counts
    a document once per distinct value."""
    values = cols.array(values)
    if not len(values):
        return np.zeros(0, dtype=np.int64), values
    codes, dictionary = encode(values)
    keys = np.sort(np.asarray(rows, dtype=np.int64) * len(dictionary) + codes)
    keys = keys[np.r_[True, keys[1:] != keys[:-1]]]  # sorted distinct keys
    return keys // len(dictionary), dictionary.take(pa.array(keys % len(dictionary)))


def encode(values: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Each value as a position in the array of distinct values (no nulls expected)."""
    encoded = pc.dictionary_encode(cols.array(values))
    return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64), encoded.dictionary


def terms_size(size: int | None) -> int:
    """The buckets a terms aggregation returns for a requested size (None: Rubrix's default)."""
    return min(size or DEFAULT_TERMS_SIZE, MAX_TERMS_SIZE)


def utf16_length(texts: pa.Array) -> pa.Array:
    """Length of each string in UTF-16 code units, as Java (Elasticsearch, painless) counts:
    a character beyond the Basic Multilingual Plane (most emoji) counts twice."""
    texts = cols.array(texts)
    astral = pc.count_substring_regex(texts, r"[\x{10000}-\x{10FFFF}]")
    return pc.add(pc.utf8_length(texts), astral.cast(pa.int64()) if len(texts) else astral)


T = TypeVar("T")


def bucket_sort_desc(items: Sequence[T], value: Callable[[T], float]) -> list[T]:
    """``items`` by decreasing ``value``, as ES's ``bucket_sort`` pipeline orders buckets.

    ES pushes every bucket into a Lucene ``PriorityQueue`` and pops them, so buckets
    with equal values come out in the heap's order rather than their input order; this
    replays the same heap operations to give the same order.
    """

    def less(a: T, b: T) -> bool:  # the least element pops first, i.e. the smallest value
        return value(a) < value(b)

    heap: list = [None]  # 1-based, as Lucene's
    for item in items:  # add(): append, then up-heap
        heap.append(item)
        i = len(heap) - 1
        j = i >> 1
        while j > 0 and less(item, heap[j]):
            heap[i] = heap[j]
            i, j = j, j >> 1
        heap[i] = item
    popped = []
    while len(heap) > 1:  # pop(): take the top, move the last to the top, down-heap
        popped.append(heap[1])
        last = heap.pop()
        size = len(heap) - 1
        if not size:
            break
        i, node = 1, last
        j = 2
        if j + 1 <= size and less(heap[j + 1], heap[j]):
            j += 1
        while j <= size and less(heap[j], node):
            heap[i] = heap[j]
            i = j
            j = i << 1
            if j + 1 <= size and less(heap[j + 1], heap[j]):
                j += 1
        heap[i] = node
    return popped[::-1]  # ES puts each popped bucket first: the greatest value ends up first
