"""Near-duplicate records: the pairs whose vectors' cosine similarity reaches a threshold.

Up to ``EXACT_MAX`` records (all of them, or those matching a query) every pair is
compared: blocked matrix products over the unit vectors, the upper triangle only, so
memory stays at one block whatever the size. Beyond, each record asks the faiss index
(``ann_index``) for its nearest neighbours; a record whose farthest neighbour found still
reaches the threshold asks again for more, so a record with many copies keeps all its
pairs. Every pair found is scored again on the stored vectors: similarities are exact
either way, and only a pair the index misses can be missing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from ..record_table import record_ids
from ..timing import timed
from ..vector_columns import vector_of
from . import ann_index

EXACT_MAX = 30_000  # all pairs of 30k records: ~3.5e11 flops, seconds on 2 cores
ROW_BLOCK = 2_048
COLUMN_BLOCK = 8_192
FIRST_K = 16  # neighbours asked per record on the index path
MAX_K = 1_024
QUERY_CHUNK = 8_192


def check_threshold(threshold) -> float:
    """A similarity threshold in (0, 1]."""
    if isinstance(threshold, bool) or not isinstance(threshold, int | float | np.floating):
        raise InputError(f"threshold must be a number in (0, 1], not {threshold!r}")
    if not 0 < float(threshold) <= 1:
        raise InputError(
            f"threshold must be a cosine similarity in (0, 1] (e.g. 0.95), not {threshold!r}"
        )
    return float(threshold)


def check_vector_name(manifest, vector_name) -> str:
    if not isinstance(vector_name, str) or vector_name not in manifest.vectors:
        known = ", ".join(sorted(manifest.vectors)) or "none yet: add them with rb.add_vectors"
        raise InputError(
            f"dataset {manifest.name!r} has no vector named {vector_name!r}; its vectors are: "
            f"{known}"
        )
    return vector_name


def duplicate_pairs(
    folder: Path,
    view,
    vector_name: str,
    threshold: float = 0.95,
    candidates: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of records (seq_a < seq_b) whose vectors have cosine >= ``threshold``, most
    similar first: (seqs_a, seqs_b, similarity). ``candidates``: only among these seqs."""
    threshold = check_threshold(threshold)
    check_vector_name(view.manifest, vector_name)
    table = (
        view.live.table()
        if candidates is None
        else view.live.rows(np.unique(np.asarray(candidates, dtype=np.int64)))
    )
    rows, matrix = vector_of(table.column("vectors"), vector_name)
    seqs = table.column("_seq").to_numpy()[rows].astype(np.int64)
    unit = ann_index.normalised(matrix)
    with timed("vectors: duplicates", name=vector_name, pool=len(seqs)):
        if len(seqs) <= EXACT_MAX:
            a, b, sims = _exact(unit, threshold)
        else:
            a, b, sims = _indexed(folder, view, vector_name, seqs, unit, threshold, candidates)
    sims = np.clip(sims, -1.0, 1.0)  # float rounding can pass 1 on identical vectors
    order = np.lexsort((seqs[b], seqs[a], -sims))
    return seqs[a][order], seqs[b][order], sims[order].astype(np.float32)


def duplicate_seqs(
    folder: Path,
    view,
    vector_name: str,
    threshold: float = 0.95,
    candidates: np.ndarray | None = None,
) -> np.ndarray:
    """Sorted seqs of the records in at least one near-duplicate pair (a page filter)."""
    a, b, _ = duplicate_pairs(folder, view, vector_name, threshold, candidates)
    return np.unique(np.concatenate([a, b]))


def duplicates_frame(store, vector_name: str, threshold: float, query: str | None):
    """``rb.find_duplicates``: the pairs as a DataFrame (id_a, id_b, similarity)."""
    view = store.view()
    if query is not None and not isinstance(query, str):
        raise InputError(f"query must be a str, not {type(query).__name__}")
    candidates = None
    if query is not None and query.strip():
        candidates, _, _ = view.search(query)
    a, b, sims = duplicate_pairs(store.folder, view, vector_name, threshold, candidates)
    seqs = np.unique(np.concatenate([a, b]))
    ids = record_ids(view.live.rows(seqs)) if len(seqs) else []
    id_of = dict(zip(seqs.tolist(), list(ids), strict=True))
    return pd.DataFrame(
        {
            "id_a": pd.Series([id_of[s] for s in a.tolist()], dtype=object),
            "id_b": pd.Series([id_of[s] for s in b.tolist()], dtype=object),
            "similarity": sims,
        }
    ).infer_objects()


def _exact(unit: np.ndarray, threshold: float):
    """Every pair i < j with unit[i] . unit[j] >= threshold, by blocks."""
    found_a, found_b, found_s = [], [], []
    n = len(unit)
    for top in range(0, n, ROW_BLOCK):
        block = unit[top : top + ROW_BLOCK]
        for left in range(top, n, COLUMN_BLOCK):
            sims = block @ unit[left : left + COLUMN_BLOCK].T
            i, j = np.nonzero(sims >= threshold)
            i_abs, j_abs = i + top, j + left
            keep = j_abs > i_abs  # each pair once, and not a record with itself
            found_a.append(i_abs[keep])
            found_b.append(j_abs[keep])
            found_s.append(sims[i[keep], j[keep]])
    if not found_a:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
    return np.concatenate(found_a), np.concatenate(found_b), np.concatenate(found_s)


def _indexed(folder, view, vector_name, seqs, unit, threshold, candidates):
    """Pairs proposed by the faiss index's k-NN of every record, scored exactly."""
    faiss = ann_index.load_faiss()
    built = ann_index.index_for(folder, vector_name, view)
    row_of = np.full(int(max(seqs.max(), built.seqs.max(initial=0))) + 1, -1, np.int64)
    row_of[seqs] = np.arange(len(seqs))
    selector = None
    if candidates is not None:
        allowed = np.zeros(len(built.seqs), dtype=bool)
        in_range = built.seqs < len(row_of)
        allowed[in_range] = row_of[built.seqs[in_range]] >= 0
        bitmap = np.packbits(allowed, bitorder="little")
        selector = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bitmap))
    found_a, found_b, found_s = [], [], []
    todo, k = np.arange(len(seqs)), FIRST_K
    while len(todo):
        params = faiss.SearchParametersHNSW()
        params.efSearch = max(2 * k, 64)
        if selector is not None:
            params.sel = selector
        fetch = min(k, built.index.ntotal)
        again = []
        for chunk in np.array_split(todo, max(1, len(todo) // QUERY_CHUNK)):
            _, found = built.index.search(unit[chunk], fetch, params=params)
            rows = np.where(found >= 0, row_of[built.seqs[np.maximum(found, 0)]], -1)
            queries = np.repeat(chunk, fetch)
            others = rows.ravel()
            ok = (others >= 0) & (others != queries)
            queries, others = queries[ok], others[ok]
            sims = np.einsum("ij,ij->i", unit[queries], unit[others])
            near = sims >= threshold
            found_a.append(np.minimum(queries, others)[near])
            found_b.append(np.maximum(queries, others)[near])
            found_s.append(sims[near])
            # a record whose k neighbours all reach the threshold may have more copies
            reached = np.zeros(len(chunk), dtype=np.int64)
            np.add.at(reached, np.searchsorted(chunk, queries[near]), 1)
            again.append(chunk[reached >= fetch - 1])
        if fetch >= built.index.ntotal or k >= MAX_K:
            break
        todo, k = np.concatenate(again), k * 4
    if not found_a:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
    a, b, sims = np.concatenate(found_a), np.concatenate(found_b), np.concatenate(found_s)
    _, first = np.unique(a * len(seqs) + b, return_index=True)
    return a[first], b[first], sims[first]
