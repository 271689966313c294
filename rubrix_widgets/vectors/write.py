"""``rb.add_vectors``: compute vectors for stored records that lack them.

The records are read a batch at a time, embedded, and each batch is written in one
atomic step that replaces only the records' ``vectors`` (``DatasetStore.set_vectors``):
an annotation saved meanwhile from a page is kept, and a crash loses at most the batch
being computed; running ``add_vectors`` again picks up where it stopped, as it only
embeds records without the vector.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import orjson
import pyarrow as pa

from ..errors import InputError
from ..search.search_index import run_search
from ..store.dataset_store import StaleRecordsError
from ..tasks import TEXT_CLASSIFICATION
from ..vector_columns import check_name, vectors_array

Embedder = Callable[[list[str]], Any]
DEFAULT_BATCH = 256


def texts_of(rows: pa.Table, task: str) -> list[str]:
    """What is embedded per record: the text (NER, Text2Text) or the joined inputs."""
    texts = rows.column("text").to_pylist()
    if task != TEXT_CLASSIFICATION:
        return texts
    inputs = rows.column("inputs").to_pylist()
    out = []
    for text, given in zip(texts, inputs, strict=True):
        if given is None:
            out.append(text or "")
            continue
        values = orjson.loads(given).values()
        out.append("\n".join(v if isinstance(v, str) else "\n".join(v) for v in values))
    return out


def embedded(embedder: Embedder, texts: list[str], name: str) -> np.ndarray:
    """``embedder(texts)`` checked: a finite (n, d) array of numbers."""
    try:
        result = embedder(texts)
    except Exception as exc:
        raise RuntimeError(f"the embedder failed on a batch of {len(texts)} texts: {exc}") from exc
    matrix = np.asarray(result, dtype=np.float32) if not hasattr(result, "numpy") else result
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[0] != len(texts):
        raise InputError(
            f"the embedder must return one vector per text, an array of shape ({len(texts)}, d); "
            f"it returned shape {matrix.shape}"
        )
    if not np.isfinite(matrix).all():
        raise InputError(f"the embedder returned NaN or inf for vector {name!r}")
    return matrix


def add_vectors(
    store,
    embedder: Embedder,
    vector_name: str,
    query: str | None = None,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[int], Any] | None = None,
) -> int:
    """Give vector ``vector_name`` to the records (matching ``query``) without it; returns
    how many records got one."""
    try:
        check_name(vector_name)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    if not callable(embedder):
        raise InputError(
            "embedder must be a callable list[str] -> array (n, d), e.g. a "
            f"sentence-transformers model's .encode, not {type(embedder).__name__}"
        )
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InputError(f"batch_size must be a positive int, not {batch_size!r}")
    done = 0
    view = store.view()
    missing = f"NOT _exists_:vectors.{vector_name}"
    full = missing if query is None or not query.strip() else f"({query}) AND {missing}"
    compiled, _ = view.index.compile(full)
    todo, _ = run_search(view.searcher, compiled, None, count=False, query_text=full)
    dim = view.manifest.vectors.get(vector_name)
    for start in range(0, len(todo), batch_size):
        seqs = np.asarray(todo[start : start + batch_size], dtype=np.int64)
        rows = view.live.rows(seqs)
        matrix = embedded(embedder, texts_of(rows, view.task), vector_name)
        if dim is not None and matrix.shape[1] != dim:
            raise InputError(
                f"the embedder gives {matrix.shape[1]} dimensions; this dataset's "
                f"{vector_name!r} vectors have {dim}"
            )
        dim = matrix.shape[1]
        column = _merged(rows.column("vectors"), vector_name, matrix)
        try:
            done += store.set_vectors(seqs, rows.column("id").combine_chunks(), column)
        except StaleRecordsError:
            view = store.view()  # records were deleted meanwhile: positions moved
            raise InputError(
                f"records of this dataset were deleted while vectors were computed; "
                f"{done} records got vector {vector_name!r}: run add_vectors again for the rest"
            ) from None
        if progress is not None:
            progress(len(seqs))
    return done


def _merged(stored: pa.ChunkedArray, name: str, matrix: np.ndarray) -> pa.Array:
    """Each record's stored vectors with ``name`` set to its row of ``matrix``."""
    from ..vector_columns import python_vectors

    rows: Sequence[dict | None] = python_vectors(stored)
    merged = [{**(given or {}), name: matrix[i]} for i, given in enumerate(rows)]
    return vectors_array(merged, lambda row: f"row {row}")
