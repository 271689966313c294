"""Pages of search results in a chosen order (the page's sort menu).

Numeric fields the index keeps column-wise (score, dates, int ids) are
ordered by tantivy itself; anything else (string ids, metadata values) is
ordered here from the stored values of the matching records.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import orjson
import pyarrow.compute as pc
import tantivy

from .search_index import run_search


class SortableView(Protocol):
    """What sorting reads of a dataset view (a ``store.dataset_store.DatasetView``)."""

    searcher: tantivy.Searcher
    live: Any  # store.record_parts.LiveRows: .column(name) gives a stored column


INDEXED_ORDER = {
    "score": "score",
    "last_updated": "last_updated",
    "event_timestamp": "event_timestamp",
    "id": "id_num",
}
DIRECTIONS = ("asc", "desc")


def check_sort(sort) -> list[list[str]]:
    """``[[field, "asc"|"desc"]]`` (one level); ``[]`` is first-logged order."""
    if not sort:
        return []
    if (
        not isinstance(sort, list | tuple)
        or not sort
        or not all(isinstance(s, list | tuple) and len(s) == 2 for s in sort)
    ):
        raise ValueError(f"sort takes [[field, 'asc' or 'desc']], not {sort!r}")
    field, direction = sort[0]
    if direction not in DIRECTIONS:
        raise ValueError(f"sort direction {direction!r} is not 'asc' or 'desc'")
    if field not in INDEXED_ORDER and not (
        isinstance(field, str) and field.startswith("metadata.")
    ):
        raise ValueError(
            f"cannot sort by {field!r}; sort by score, id, last_updated, event_timestamp "
            "or metadata.<key>"
        )
    return [[field, direction]]


def sorted_page(
    view: SortableView, query: tantivy.Query, sort: list[list[str]], offset: int, limit: int
) -> tuple[np.ndarray, int]:
    """Seqs of one page of the matches of ``query`` in ``sort`` order, and the total."""
    if not sort:
        return run_search(view.searcher, query, limit, offset)
    field, direction = sort[0]
    descending = direction == "desc"
    if field in INDEXED_ORDER and (field != "id" or _ids_are_ints(view)):
        result = view.searcher.search(
            query,
            max(1, limit),
            count=True,
            order_by_field=INDEXED_ORDER[field],
            order=tantivy.Order.Desc if descending else tantivy.Order.Asc,
            offset=offset,
        )
        hits = result.hits if limit else []
        values = view.searcher.fast_field_values("_seq", [h[1] for h in hits]) if hits else []
        # tantivy's stub omits SearchResult.count
        return np.asarray(values, dtype=np.int64), int(result.count)  # type: ignore[attr-defined]
    seqs, total = run_search(view.searcher, query, None)
    keys = _sort_keys(view, field, seqs)
    order = sorted(range(len(seqs)), key=keys.__getitem__, reverse=descending)
    if descending:  # missing values last in both directions
        present = [i for i in order if keys[i][0] == 0]
        order = present + [i for i in order if keys[i][0] == 1]
    page = order[offset : offset + limit]
    return seqs[page] if page else np.zeros(0, dtype=np.int64), total


def _ids_are_ints(view: SortableView) -> bool:
    return view.live.column("id_int").null_count == 0


def _sort_keys(view: SortableView, field: str, seqs: np.ndarray) -> list[tuple]:
    """Comparable keys: (missing, kind, value), so mixed types never compare directly."""
    if field == "id":
        values = view.live.column("id").take(seqs).to_pylist()
        return [(0, 1, v) for v in values]
    key = field[len("metadata.") :]
    texts = pc.take(view.live.column("metadata"), seqs).to_pylist()
    out: list[tuple[int, int, float | str]] = []
    for text in texts:
        value = orjson.loads(text).get(key) if text else None
        if value is None:
            out.append((1, 0, 0))
        elif isinstance(value, bool | int | float):
            out.append((0, 0, float(value)))
        else:
            out.append((0, 1, str(value)))
    return out
