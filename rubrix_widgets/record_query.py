"""Which stored rows a load asks for: a query, ids, a limit, ``id_from``, or a snapshot.

:func:`matching_table` is what ``rb.load`` reads before pandas, and what metrics, rules
and exports compute on; :func:`matching_count` counts without reading rows.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import validation
from .background_writes import settle_monitors
from .errors import InputError
from .search import keyword_queries as kq
from .search.search_index import run_search
from .search.snapshot_search import search_table
from .store import workspace as ws
from .vectors import search as vector_search

DEFAULT_SIMILAR = 50  # records a vector search returns without a limit


def matching_table(
    name: str,
    query: str | None = None,
    ids: list[int | str] | None = None,
    limit: int | None = None,
    snapshot: int | str | None = None,
    *,
    id_from: int | str | None = None,
) -> tuple[str, pa.Table]:
    """The task and the stored Arrow rows :func:`load` would return, before pandas:
    what metrics, rules and exports compute on."""
    settle_monitors()
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, int | np.integer) or limit < 0
    ):
        raise InputError(f"limit must be a non-negative int, not {limit!r}")
    if id_from is not None:
        task, table = matching_table(name, query, ids, None, snapshot)
        return task, _after_id(table, id_from, limit)
    dataset = ws.existing(name)
    if snapshot is not None:
        _, table = dataset.snapshot_table(snapshot)
        task = dataset.manifest().task
        return task, search_table(table, task, query, ids, limit)
    view = dataset.view()
    if query is None and ids is None:
        table = view.table()
        return view.task, table if limit is None else table.slice(0, limit)
    compiled, messages = view.index.compile(query)
    for message in messages:
        warnings.warn(message, UserWarning, stacklevel=3)
    if ids is not None:
        compiled = kq.every(compiled, kq.ids_query(view.schema, ids))
    seqs, _ = run_search(view.searcher, compiled, limit, count=False, query_text=query or "")
    return view.task, view.live.rows(seqs)


def similar_table(
    name: str,
    vector: Any,
    query: str | None = None,
    ids: list[int | str] | None = None,
    limit: int | None = None,
    most_similar: bool = True,
) -> tuple[str, pa.Table, np.ndarray]:
    """The stored rows most (or least) similar to ``vector=(name, values)`` among those
    matching ``query`` / ``ids``, best first, with their cosine similarity."""
    settle_monitors()
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, int | np.integer) or limit < 0
    ):
        raise InputError(f"limit must be a non-negative int, not {limit!r}")
    if not isinstance(most_similar, bool):
        raise InputError(f"most_similar must be True or False, not {most_similar!r}")
    dataset = ws.existing(name)
    view = dataset.view()
    vector_name, values = vector_search.check_query(view.manifest, vector)
    candidates = None
    if query is not None or ids is not None:
        compiled, messages = view.index.compile(query)
        for message in messages:
            warnings.warn(message, UserWarning, stacklevel=3)
        if ids is not None:
            compiled = kq.every(compiled, kq.ids_query(view.schema, ids))
        candidates, _ = run_search(
            view.searcher, compiled, None, count=False, query_text=query or ""
        )
    k = DEFAULT_SIMILAR if limit is None else int(limit)
    seqs, sims = vector_search.nearest(
        dataset.folder, view, vector_name, values, k, candidates, most_similar
    )
    return view.task, view.live.rows(seqs), sims


def matching_count(name: str, query: str | None = None) -> int:
    """How many records of ``name`` match ``query`` (a count, no rows read)."""
    settle_monitors()
    view = ws.existing(name).view()
    if query is None:
        return view.manifest.records
    compiled, _ = view.index.compile(query)
    return run_search(view.searcher, compiled, 0, count=True, query_text=query)[1]


def _after_id(table: pa.Table, id_from: Any, limit: int | None) -> pa.Table:
    """The rows whose id comes after ``id_from``, in id order, at most ``limit``.

    Rubrix's server sorted by id and searched after ``id_from``; a falsy ``id_from`` (``""``,
    ``0``) was dropped by its client, which still returned id order. Ids compare as numbers
    when all of them (and ``id_from``) are ints, else by their text (the server's keyword
    order, which is also what its client fell back to for mixed ids).
    """
    id_int = table.column("id_int")
    numeric = id_int.null_count == 0
    if isinstance(id_from, bool):
        raise InputError(f"id_from must be a record id (int or str), not {id_from!r}")
    if id_from is not None and (not isinstance(id_from, str | int | np.integer) or id_from):
        try:
            bound = validation.check_id(id_from)  # a UUID becomes its str; a float is refused
        except ValueError as exc:
            raise InputError(f"id_from: {exc}") from None
        as_int = _as_int(bound)
        if numeric and as_int is not None:
            after = pc.greater(id_int, pa.scalar(as_int, pa.int64()))
        else:
            numeric = False
            after = pc.greater(table.column("id"), pa.scalar(str(bound), pa.string()))
        table = table.filter(after)
    key = "id_int" if numeric else "id"
    order = pc.sort_indices(table.select([key]), sort_keys=[(key, "ascending")])
    if limit is not None:
        order = order[:limit]
    return table.take(order)


def _as_int(value: int | str | None) -> int | None:
    """``value`` as an int64 if it is one (or its decimal text), else None."""
    if isinstance(value, str):
        try:
            number = int(value)
        except ValueError:
            return None
        if str(number) != value:
            return None
        value = number
    return value if value is not None and -(2**63) <= value < 2**63 else None
