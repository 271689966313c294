"""The dataset page's neighbourhood: records found by meaning, which restrict and order
what the page shows.

The page's ``similar_to`` trait says which neighbourhood, as plain JSON, so it survives a
page reload and a view made late (nothing about it is computed only in a message)::

    {"kind": "record", "id": 17, "vector": "mini-lm", "most_similar": True, "k": 50}
    {"kind": "text", "text": "refund please", "vector": "mini-lm", "k": 50}
    {"kind": "label", "label": "fresh", "vector": "mini-lm", "k": 50}
    {"kind": "selection", "ids": [3, 8, 21]}
    {"kind": "duplicates", "vector": "mini-lm", "threshold": 0.95}

:class:`Neighbourhoods` turns it into a :class:`Scope`: the records' positions, most
similar first, with their similarity (none for a selection). The page then shows the
scope's records that match the search and filters, in the scope's order; bulk actions
and ``w.df`` follow the same intersection (:meth:`Neighbourhoods.restricted`).

A scope is kept until the dataset's positions (its epoch) or that vector change; a
"More like <label>" scope is not recomputed after each annotation (its records would
leave the page as they are labelled, under the person's cursor).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InputError
from ..search import keyword_queries as kq
from ..search.search_index import run_search
from ..search.sorting import sorted_page
from ..store.dataset_store import DatasetView
from ..vector_columns import vector_of
from ..vectors import duplicates
from ..vectors import search as vector_search
from ..vectors.ann_index import normalised
from .dataset_session import positions
from .page_json import page_json
from .seq_epoch import epoch_of

KINDS = ("record", "text", "label", "selection", "duplicates")
DEFAULT_K = 50
MAX_K = 10_000
_FIELDS = {
    "record": {"kind", "id", "vector", "most_similar", "k"},
    "text": {"kind", "text", "vector", "k"},
    "label": {"kind", "label", "vector", "k"},
    "selection": {"kind", "ids"},
    "duplicates": {"kind", "vector", "threshold"},
}
DEFAULT_THRESHOLD = 0.95


@dataclass(frozen=True)
class Scope:
    """A resolved neighbourhood: positions best first, their similarity (or None)."""

    seqs: np.ndarray
    similarity: np.ndarray | None
    key: str  # what it was computed from (spec, dataset uid, epoch, vector version)

    def similarities(self, seqs: np.ndarray) -> dict[str, float]:
        """``{str(seq): similarity}`` of these records (the page's ``_similarity`` trait;
        none for a selection)."""
        if self.similarity is None or not len(seqs):
            return {}
        where = np.searchsorted(self.seqs, seqs, sorter=self._order)
        at = self._order[np.minimum(where, len(self.seqs) - 1)]
        return {
            str(int(seq)): round(float(self.similarity[i]), 4)
            for seq, i in zip(seqs.tolist(), at.tolist(), strict=True)
            if self.seqs[i] == seq
        }

    @property
    def _order(self) -> np.ndarray:
        return np.argsort(self.seqs, kind="stable")


def check_spec(value: Any) -> dict[str, Any] | None:
    """Validate the shape of a ``similar_to`` value; return it cleaned (None: no scope).

    Raises ValueError naming the problem and what is allowed.
    """
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError(f"similar_to must be a dict or None, not {type(value).__name__}")
    kind = value.get("kind")
    if kind not in KINDS:
        raise ValueError(f"similar_to 'kind' must be one of {', '.join(KINDS)}, not {kind!r}")
    allowed = _FIELDS[kind]
    unknown = set(value) - allowed
    if unknown:
        raise ValueError(
            f"similar_to of kind {kind!r} got unknown field(s) {sorted(unknown)}; its fields "
            f"are {sorted(allowed)}"
        )
    clean: dict[str, Any] = {"kind": kind}
    if kind == "selection":
        ids = value.get("ids")
        if not isinstance(ids, list) or not ids:
            raise ValueError("similar_to of kind 'selection' needs 'ids', a non-empty list")
        clean["ids"] = ids
        return clean
    vector = value.get("vector")
    if not isinstance(vector, str) or not vector:
        raise ValueError(f"similar_to needs 'vector', a vector name (str), not {vector!r}")
    clean["vector"] = vector
    if kind == "duplicates":
        clean["threshold"] = check_threshold(value.get("threshold", DEFAULT_THRESHOLD))
        return clean
    clean["k"] = check_k(value.get("k", DEFAULT_K))
    if kind == "record":
        if (
            "id" not in value
            or not isinstance(value["id"], str | int)
            or isinstance(value["id"], bool)
        ):
            raise ValueError("similar_to of kind 'record' needs 'id', a record id (str or int)")
        clean["id"] = value["id"]
        most = value.get("most_similar", True)
        if not isinstance(most, bool):
            raise ValueError(f"similar_to 'most_similar' must be True or False, not {most!r}")
        clean["most_similar"] = most
    elif kind == "text":
        text = value.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ValueError("similar_to of kind 'text' needs 'text', a non-empty str")
        clean["text"] = text
    else:
        label = value.get("label")
        if not isinstance(label, str) or not label:
            raise ValueError("similar_to of kind 'label' needs 'label', a non-empty str")
        clean["label"] = label
    return clean


def check_k(k: Any) -> int:
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K:
        raise ValueError(f"k (how many records) must be an int from 1 to {MAX_K}, not {k!r}")
    return k


def check_threshold(threshold: Any) -> float:
    """A near-duplicate threshold: a cosine similarity in (0, 1]."""
    try:
        return duplicates.check_threshold(threshold)
    except InputError as exc:
        raise ValueError(str(exc)) from None


def duplicates_order(
    a: np.ndarray, b: np.ndarray, sims: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The records of near-duplicate pairs (``a[i]``, ``b[i]``, most similar first), each
    once, next to its closest duplicate: a pair whose records are both new starts a group,
    a record first met with one already placed joins its group beside that partner (on the
    outer side when the partner ends the group, so chains stay side by side). Groups come
    most similar first. Returns the seqs and each one's best similarity."""
    groups: list[list[int]] = []
    group_of: dict[int, int] = {}
    best: dict[int, float] = {}
    for seq_a, seq_b, sim in zip(a.tolist(), b.tolist(), sims.tolist(), strict=True):
        new_a, new_b = seq_a not in group_of, seq_b not in group_of
        if new_a and new_b:
            group_of[seq_a] = group_of[seq_b] = len(groups)
            groups.append([seq_a, seq_b])
        elif new_a or new_b:
            seen, new = (seq_b, seq_a) if new_a else (seq_a, seq_b)
            group = groups[group_of[seen]]
            at = group.index(seen)
            # at an end of its group the partner keeps its neighbour: go on the outer side
            group.insert(0 if at == 0 else at + 1, new)
            group_of[new] = group_of[seen]
        else:
            continue
        best.setdefault(seq_a, sim)
        best.setdefault(seq_b, sim)
    seqs = [seq for group in groups for seq in group]
    return (
        np.asarray(seqs, dtype=np.int64),
        np.asarray([best[s] for s in seqs], dtype=np.float32),
    )


def choose_vector(vectors: dict[str, int], wanted: str | None, dataset: str) -> str:
    """The vector name to use: ``wanted``, or the dataset's only one."""
    names = sorted(vectors)
    if not names:
        raise ValueError(
            f"dataset {dataset!r} has no vectors; log records with vectors=... or call "
            "rb.add_vectors(name) first"
        )
    if wanted is None:
        if len(names) > 1:
            raise ValueError(
                f"dataset {dataset!r} has several vectors: {', '.join(names)}; choose one "
                "with vector_name="
            )
        return names[0]
    if wanted not in vectors:
        raise ValueError(
            f"dataset {dataset!r} has no vector named {wanted!r}; its vectors are: "
            f"{', '.join(names)}"
        )
    return wanted


class Neighbourhoods:
    """Resolves ``similar_to`` specs for one page (kept while the dataset allows)."""

    def __init__(self, name: str, folder, embed: Callable[[str, str], np.ndarray]):
        self.name = name
        self.folder = folder
        self._embed = embed  # (text, vector name) -> query vector
        self._scope: Scope | None = None
        self._restricted: tuple[object, str, Any] | None = None

    def resolve(self, view: DatasetView, spec: dict[str, Any]) -> Scope:
        """The scope of ``spec`` in ``view`` (cached until its key changes)."""
        manifest = view.manifest
        key_parts: list[Any] = [json.dumps(spec, sort_keys=True), manifest.uid, epoch_of(manifest)]
        if spec["kind"] != "selection":
            choose_vector(manifest.vectors, spec["vector"], self.name)
            key_parts.append(manifest.vector_versions.get(spec["vector"]))
        key = json.dumps(key_parts, default=str)
        if self._scope is not None and self._scope.key == key:
            return self._scope
        kind = spec["kind"]
        if kind == "selection":
            scope = Scope(self._selection(view, spec["ids"]), None, key)
        elif kind == "duplicates":
            try:
                pairs = duplicates.duplicate_pairs(
                    self.folder, view, spec["vector"], spec["threshold"]
                )
            except InputError as exc:
                raise ValueError(str(exc)) from None
            seqs, sims = duplicates_order(*pairs)
            scope = Scope(seqs, sims, key)
        else:
            name, k = spec["vector"], spec["k"]
            most, candidates = True, None
            if kind == "record":
                query = self._record_vector(view, spec["id"], name)
                most = spec["most_similar"]
            elif kind == "text":
                query = self._embed(spec["text"], name)
            else:
                query, candidates = self._label_centroid(view, spec["label"], name)
            try:
                name, unit = vector_search.check_query(manifest, (name, query))
            except InputError as exc:
                raise ValueError(str(exc)) from None
            seqs, sims = vector_search.nearest(
                self.folder, view, name, unit, k, candidates, most_similar=most
            )
            scope = Scope(seqs, sims, key)
        self._scope = scope
        return scope

    def _selection(self, view: DatasetView, ids: list) -> np.ndarray:
        seqs = positions(view, [str(i) for i in ids])
        missing = [i for i, s in zip(ids, seqs.tolist(), strict=True) if s < 0]
        if missing:
            raise ValueError(f"dataset {self.name!r} has no records with ids {missing[:5]!r}")
        _, first = np.unique(seqs, return_index=True)  # a record named twice is one record
        return seqs[np.sort(first)]

    def _record_vector(self, view: DatasetView, id: Any, name: str) -> np.ndarray:
        seq = positions(view, [str(id)])
        if seq[0] < 0:
            raise ValueError(f"dataset {self.name!r} has no record with id {id!r}")
        rows, matrix = vector_of(view.live.rows(seq).column("vectors"), name)
        if not len(rows):
            raise ValueError(
                f"record {id!r} of dataset {self.name!r} has no vector {name!r}; find similar "
                "needs a record with that vector"
            )
        return matrix[0]

    def _label_centroid(
        self, view: DatasetView, label: str, name: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """The mean direction of the records annotated ``label`` (with vector ``name``),
        and the candidates: records without an annotation, not discarded."""
        schema, searcher = view.schema, view.searcher
        annotated, _ = run_search(
            searcher, kq.term(schema, "annotated_as", label), None, count=False
        )
        rows: Any = []
        matrix = None
        if len(annotated):
            rows, matrix = vector_of(view.live.rows(np.sort(annotated)).column("vectors"), name)
        if matrix is None or not len(rows):
            raise ValueError(
                f"no record of dataset {self.name!r} annotated as {label!r} has vector "
                f"{name!r}: annotate a few first"
            )
        centroid = normalised(matrix).mean(axis=0)
        done, _ = run_search(
            searcher,
            kq.either(kq.has(schema, "annotated_as"), kq.term(schema, "status", "Discarded")),
            None,
            count=False,
        )
        candidates = np.setdiff1d(np.arange(view.live.size, dtype=np.int64), done)
        return centroid, candidates

    def restricted(self, view: DatasetView, compiled, scope: Scope):
        """The search AND the scope, as one query (the same object while both are the
        same: the page's facet and metric caches compare queries by identity)."""
        kept = self._restricted
        if kept is not None and kept[0] is compiled and kept[1] == scope.key:
            return kept[2]
        query = kq.every(compiled, kq.seqs_query(view.schema, scope.seqs.tolist()))
        self._restricted = (compiled, scope.key, query)
        return query


def scoped_page(
    view: DatasetView, restricted, scope: Scope, sort, page: int, page_size: int
) -> tuple[list[dict], int, np.ndarray]:
    """A page of the scope's records that match the search: in the scope's order (most
    similar first), or by ``sort`` when one is set. Returns the page JSON, the total and
    the page's seqs (``scope.similarities(seqs)`` gives their similarity)."""
    if sort:
        seqs, total = sorted_page(view, restricted, sort, page * page_size, page_size)
    else:
        matching, _ = run_search(view.searcher, restricted, None, count=False)
        ordered = scope.seqs[np.isin(scope.seqs, matching)]
        total = len(ordered)
        seqs = ordered[page * page_size : (page + 1) * page_size]
    records = page_json(view.live.rows(seqs), view.task, seqs)
    return records, total, seqs


__all__ = [
    "DEFAULT_K",
    "DEFAULT_THRESHOLD",
    "Neighbourhoods",
    "Scope",
    "check_spec",
    "check_threshold",
    "choose_vector",
    "duplicates_order",
    "scoped_page",
]
