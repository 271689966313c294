"""The approximate nearest-neighbour index of one vector name: faiss HNSW, 8-bit.

Derived data, like the tantivy index: the records' Arrow parts are the truth, and
this index is rebuilt from them whenever it is missing or damaged (with a warning)
or its records were renumbered (``rb.delete_records``). Vectors written after it
was built are added to it (``catch_up``); faiss' HNSW cannot remove entries, so a
record whose vector changed keeps its old entry too: searches re-rank every
candidate against the record's live vector (``search.py``), which drops stale
entries and gives exact similarities, and the index is rebuilt once stale entries
make up a third of it.

Files, in ``<dataset>/vectors/``: ``<name>.<build>.faiss`` (the graph and the
quantised vectors), ``<name>.<build>.seqs.npy`` (the record position of each
entry) and ``<name>.json``, the state, written last: replacing it commits a build.
"""

from __future__ import annotations

import contextlib
import json
import threading
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .._fs import atomic_write, atomic_write_text
from ..errors import StorageError
from ..timing import timed
from ..vector_columns import vector_of

FORMAT = 1
HNSW_M = 32  # graph degree: recall@50 >= 0.95 at 1M x 384 with the ef below
EF_CONSTRUCTION = 80
VECTORS_DIR = "vectors"


def load_faiss():
    import faiss  # here: importing faiss costs ~0.2 s, paid only by vector searches

    return faiss


def normalised(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (cosine = inner product); zero rows stay zero."""
    matrix = np.ascontiguousarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


@dataclass
class Built:
    index: Any  # a faiss index
    seqs: np.ndarray  # record position of each entry
    state: dict


_cache: dict[tuple[Path, str], Built] = {}
_guard = threading.Lock()


def _paths(folder: Path, name: str, build: str) -> tuple[Path, Path]:
    base = folder / VECTORS_DIR
    return base / f"{name}.{build}.faiss", base / f"{name}.{build}.seqs.npy"


def _state_path(folder: Path, name: str) -> Path:
    return folder / VECTORS_DIR / f"{name}.json"


def index_for(folder: Path, name: str, view) -> Built:
    """The index of vector ``name`` brought up to ``view`` (a DatasetView): opened, caught
    up or (re)built as needed."""
    manifest = view.manifest
    key = (folder.resolve(), name)
    with _guard:
        built = _cache.get(key)
        state = _read_state(folder, name)
        if built is None or built.state != state:
            built = _open(folder, name, state) if state is not None else None
        if built is None or built.state.get("seq_epoch") != manifest.seq_epoch:
            built = _build(folder, name, view)
        elif built.state["vector_version"] < manifest.vector_versions.get(name, 0):
            built = _catch_up(folder, name, view, built)
        _cache[key] = built
        return built


def _read_state(folder: Path, name: str) -> dict | None:
    path = _state_path(folder, name)
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        warnings.warn(
            f"the vector index state {path} is damaged; rebuilding the index of {name!r}",
            UserWarning,
            stacklevel=4,
        )
        return None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        return None
    return state


def _open(folder: Path, name: str, state: dict) -> Built | None:
    faiss = load_faiss()
    index_path, seqs_path = _paths(folder, name, str(state.get("build", "")))
    try:
        index = faiss.read_index(str(index_path))
        seqs = np.load(seqs_path)
        if index.ntotal != len(seqs) or index.d != state.get("dim"):
            raise ValueError("the index and its positions disagree")
    except (OSError, RuntimeError, ValueError) as exc:
        warnings.warn(
            f"the vector index of {name!r} in {folder / VECTORS_DIR} is missing or damaged "
            f"({exc}); rebuilding it from the records",
            UserWarning,
            stacklevel=4,
        )
        return None
    return Built(index, seqs, state)


def _live_vectors(view, name: str, seqs: np.ndarray | None = None):
    table = view.live.table() if seqs is None else view.live.rows(seqs)
    rows, matrix = vector_of(table.column("vectors"), name)
    return table.column("_seq").to_numpy()[rows], matrix


def _build(folder: Path, name: str, view) -> Built:
    faiss = load_faiss()
    manifest = view.manifest
    dim = manifest.vectors[name]
    with timed("vectors: index build", name=name):
        seqs, matrix = _live_vectors(view, name)
        # the metric must be given to the constructor: set afterwards, the 8-bit codes
        # keep comparing by L2 and the graph search finds nothing
        index = faiss.IndexHNSWSQ(
            dim, faiss.ScalarQuantizer.QT_8bit, HNSW_M, faiss.METRIC_INNER_PRODUCT
        )
        index.hnsw.efConstruction = EF_CONSTRUCTION
        if len(matrix):
            vectors = normalised(matrix)
            index.train(vectors)
            index.add(vectors)
    return _save(folder, name, view, index, seqs.astype(np.int64), dim)


def _catch_up(folder: Path, name: str, view, built: Built) -> Built:
    manifest = view.manifest
    since = built.state["version"]
    newer = [t for p, t in zip(manifest.parts, view.live.tables, strict=True) if p.version > since]
    if not newer:
        return _save(folder, name, view, built.index, built.seqs, built.state["dim"])
    seqs = np.unique(np.concatenate([t.column("_seq").to_numpy() for t in newer]))
    live_seqs, matrix = _live_vectors(view, name, seqs)
    if len(built.seqs) + len(live_seqs) > 1.5 * max(manifest.records, 1):
        return _build(folder, name, view)  # mostly stale entries: start afresh
    with timed("vectors: index catch up", name=name, rows=len(live_seqs)):
        if len(matrix):
            if not built.index.is_trained:
                built.index.train(normalised(matrix))
            built.index.add(normalised(matrix))
    all_seqs = np.concatenate([built.seqs, live_seqs.astype(np.int64)])
    return _save(folder, name, view, built.index, all_seqs, built.state["dim"])


def _save(folder: Path, name: str, view, index, seqs: np.ndarray, dim: int) -> Built:
    faiss = load_faiss()
    manifest = view.manifest
    build = uuid.uuid4().hex[:10]
    (folder / VECTORS_DIR).mkdir(exist_ok=True)
    index_path, seqs_path = _paths(folder, name, build)
    state = {
        "format": FORMAT,
        "build": build,
        "dim": dim,
        "version": manifest.version,
        "vector_version": manifest.vector_versions.get(name, 0),
        "seq_epoch": manifest.seq_epoch,
        "entries": len(seqs),
    }
    try:
        atomic_write(index_path, lambda tmp: faiss.write_index(index, str(tmp)))
        atomic_write(seqs_path, lambda tmp: _save_npy(tmp, seqs))
        atomic_write_text(_state_path(folder, name), json.dumps(state))  # the commit
    except (OSError, StorageError) as exc:  # read-only folder: search with it in memory
        warnings.warn(
            f"the vector index of {name!r} could not be saved ({exc}); it is kept in memory",
            UserWarning,
            stacklevel=4,
        )
        return Built(index, seqs, state)
    keep = {p.name for p in (index_path, seqs_path)}
    for path in (folder / VECTORS_DIR).glob(f"{name}.*"):
        # earlier builds, and those of a process killed before its commit
        if path.name not in keep and path.suffix in (".faiss", ".npy"):
            with contextlib.suppress(OSError):
                path.unlink()
    return Built(index, seqs, state)


def _save_npy(path: Path, seqs: np.ndarray) -> None:
    with open(path, "wb") as out:
        np.save(out, seqs)


def forget(folder: Path) -> None:
    """Drop this process' open indexes of a dataset (deleted or replaced)."""
    with _guard:
        for key in [k for k in _cache if k[0] == folder.resolve()]:
            del _cache[key]
