"""The records most (or least) similar to a vector: cosine similarity, best first.

Where the candidates are few (a query that keeps few records, or a small
dataset) the search is exact: numpy over the candidates' stored vectors. Else
the faiss index (``ann_index``) proposes candidates, restricted to the query's
records by a selector inside the graph search, and each candidate is re-ranked
against its record's stored vector, so similarities are exact and a stale index
entry (a vector changed since) cannot surface.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InputError
from ..timing import timed
from ..vector_columns import check_values, vector_of
from . import ann_index

EXACT_MAX = 20_000  # candidates up to this many are searched exactly (a few ms)
OVERFETCH = 4  # index candidates per result wanted, before re-ranking
MIN_EF = 128


def check_query(manifest, vector) -> tuple[str, np.ndarray]:
    """``vector=("name", values)`` as rb.load takes it: the name and the unit-length query."""
    if not isinstance(vector, tuple | list) or len(vector) != 2 or not isinstance(vector[0], str):
        raise InputError(
            "vector must be a tuple (vector name, values), e.g. vector=('mini-lm', [0.1, ...]), "
            f"not {type(vector).__name__}"
        )
    name, values = vector
    if name not in manifest.vectors:
        known = ", ".join(sorted(manifest.vectors)) or "none yet (log records with vectors=...)"
        raise InputError(
            f"dataset {manifest.name!r} has no vector named {name!r}; its vectors are: {known}"
        )
    try:
        query = check_values(name, values)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    if len(query) != manifest.vectors[name]:
        raise InputError(
            f"the query vector {name!r} has {len(query)} dimensions; this dataset's {name!r} "
            f"vectors have {manifest.vectors[name]}"
        )
    norm = float(np.linalg.norm(query))
    if norm == 0:
        raise InputError(f"the query vector {name!r} is all zeros: it has no direction")
    return name, (query / norm).astype(np.float32)


def nearest(
    folder: Path,
    view,
    name: str,
    query: np.ndarray,
    k: int,
    candidates: np.ndarray | None = None,
    most_similar: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Seqs of the ``k`` records most (or least) similar to ``query`` and their cosine
    similarity, best first. ``candidates``: only among these seqs (None: all records)."""
    if k <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    pool = view.live.size if candidates is None else len(candidates)
    with timed("vectors: search", name=name, pool=pool):
        if pool <= EXACT_MAX:
            seqs = None if candidates is None else np.sort(np.asarray(candidates, np.int64))
            return _exact(view, name, query, k, seqs, most_similar)
        return _approximate(folder, view, name, query, k, candidates, most_similar)


def _scored(view, name: str, query: np.ndarray, seqs: np.ndarray | None):
    table = view.live.table() if seqs is None else view.live.rows(seqs)
    rows, matrix = vector_of(table.column("vectors"), name)
    found = table.column("_seq").to_numpy()[rows]
    return found, ann_index.normalised(matrix) @ query if len(rows) else np.zeros(0, np.float32)


def _top(seqs: np.ndarray, sims: np.ndarray, k: int, most_similar: bool):
    order_key = -sims if most_similar else sims
    if len(sims) > k:
        keep = np.argpartition(order_key, k - 1)[:k]
        seqs, sims, order_key = seqs[keep], sims[keep], order_key[keep]
    order = np.lexsort((seqs, order_key))  # ties: first logged first
    return seqs[order].astype(np.int64), sims[order].astype(np.float32)


def _exact(view, name, query, k, seqs, most_similar):
    found, sims = _scored(view, name, query, seqs)
    return _top(found, sims, k, most_similar)


def _approximate(folder, view, name, query, k, candidates, most_similar):
    faiss = ann_index.load_faiss()
    built = ann_index.index_for(folder, name, view)
    probe = (query if most_similar else -query).reshape(1, -1)
    allowed = None
    if candidates is not None:
        allowed = np.isin(built.seqs, candidates)
    fetch = max(k * OVERFETCH, 64)
    while True:
        params = faiss.SearchParametersHNSW()
        params.efSearch = max(fetch * 2, MIN_EF)
        if allowed is not None:
            bitmap = np.packbits(allowed, bitorder="little")
            params.sel = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bitmap))
        fetch_n = min(fetch, built.index.ntotal)
        _, found = built.index.search(probe, fetch_n, params=params)
        positions = found[0][found[0] >= 0]
        seqs = np.unique(built.seqs[positions])
        live, sims = _scored(view, name, query, seqs)
        if len(live) >= k or fetch_n >= built.index.ntotal or fetch >= 16 * k * OVERFETCH:
            break
        fetch *= 4  # stale entries or a narrow filter took places: look further
    if len(live) < k and (candidates is None or len(candidates) > len(live)):
        pool = None if candidates is None else np.sort(np.asarray(candidates, np.int64))
        return _exact(view, name, query, k, pool, most_similar)
    return _top(live, sims, k, most_similar)
