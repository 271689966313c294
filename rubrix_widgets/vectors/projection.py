"""The embedding map's 2-D positions: a UMAP projection of a vector, and its cache.

UMAP (umap-learn, cosine metric) keeps neighbourhoods: records close in meaning land close
on the map. Its cost grows with the points laid out, so above ``FIT_SAMPLE`` points UMAP lays
out a uniform random sample and every other point is placed among its nearest sample points
(weighted mean of their positions; the neighbours come from pynndescent, the index UMAP
itself uses). That is what ``UMAP.transform`` starts from, without its per-point
optimisation, which measured ~5 ms per point here (an hour for 1M points on 2 cores).

Positions are deterministic for a seed (UMAP then runs on one thread), and normalised to
[0, 1] per axis. The cache is derived data, like the search index: a file per vector name,
``<dataset folder>/vectors/<vector_name>.map.npz``, carrying the fingerprint (the vectors'
version) and the seqs it was made for; missing, stale or corrupt, it is rebuilt.

The first projection in a process pays numba's compilation of UMAP (10-15 s here; UMAP's
layout functions are not cached on disk by numba, pynndescent's are).
"""

from __future__ import annotations

import logging
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .._fs import atomic_write

log = logging.getLogger(__name__)

SMALL_N = 15  # below this UMAP's neighbour graph is degenerate: PCA instead
FIT_SAMPLE = 10_000  # UMAP lays out at most this many points; the rest are placed
N_NEIGHBORS = 15
PLACE_NEIGHBORS = 10
PLACE_CHUNK = 50_000
N_EPOCHS = 200  # UMAP's own default above 10k points; its 500 below that doubles the cost
CACHE_FORMAT = 1


def project(matrix: np.ndarray, seed: int = 0) -> np.ndarray:
    """Project vectors to 2-D, keeping neighbourhoods (UMAP, cosine metric).

    Parameters
    ----------
    matrix : numpy.ndarray, shape (n, d)
        One vector per row (any float dtype; finite).
    seed : int
        The random seed: the same vectors and seed give the same positions.

    Returns
    -------
    numpy.ndarray of float32, shape (n, 2)
        Positions in [0, 1] per axis (an axis with no spread is 0.5).

    Notes
    -----
    Fewer than ``SMALL_N`` (15) points are projected with PCA (UMAP needs more
    neighbours than that to mean anything). Above ``FIT_SAMPLE`` points UMAP lays out a
    random sample of that size and the other points are placed at the weighted mean of
    their ``PLACE_NEIGHBORS`` nearest sample points (cosine).

    Examples
    --------
    >>> xy = project(np.random.default_rng(0).normal(size=(500, 384)).astype("float32"))
    >>> xy.shape, float(xy.min()), float(xy.max())
    ((500, 2), 0.0, 1.0)
    """
    x = _checked(matrix)
    n = len(x)
    if n == 0:
        return np.zeros((0, 2), np.float32)
    if n < SMALL_N:
        return _normalise(_pca(x))
    if n <= FIT_SAMPLE:
        return _normalise(_umap(x, seed, None)[0])
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(n, size=FIT_SAMPLE, replace=False))
    layout, index = _umap(x[sample], seed, _knn(x[sample], seed))
    xy = np.empty((n, 2), np.float64)
    xy[sample] = layout
    rest = np.setdiff1d(np.arange(n), sample, assume_unique=True)
    for start in range(0, len(rest), PLACE_CHUNK):
        chunk = rest[start : start + PLACE_CHUNK]
        neighbours, distances = index.query(x[chunk], k=PLACE_NEIGHBORS)
        xy[chunk] = _weighted_positions(layout, neighbours, distances)
    return _normalise(xy)


def _checked(matrix: np.ndarray) -> np.ndarray:
    x = np.asarray(matrix)
    if x.ndim != 2:
        raise ValueError(f"matrix must be 2-D (one vector per row), not shape {x.shape}")
    if not np.issubdtype(x.dtype, np.number):
        raise ValueError(f"matrix must hold numbers, not {x.dtype}")
    x = x.astype(np.float32, copy=False)
    if not np.isfinite(x).all():
        row = int(np.flatnonzero(~np.isfinite(x).all(axis=1))[0])
        raise ValueError(f"matrix row {row} holds NaN or inf; vectors must be finite")
    return x


def _pca(x: np.ndarray) -> np.ndarray:
    centred = x.astype(np.float64) - x.mean(axis=0)
    if len(x) < 2:
        return np.zeros((len(x), 2))
    # The two main directions (SVD); fewer than two when the points span fewer dimensions.
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    out = np.zeros((len(x), 2))
    # Directions with no spread (rounding noise) stay 0, so they normalise to 0.5.
    k = int(np.count_nonzero(s[:2] > 1e-6 * max(float(s[0]), 1e-30)))
    out[:, :k] = u[:, :k] * s[:k]
    return out


def _knn(x: np.ndarray, seed: int) -> Any:  # a pynndescent.NNDescent
    from pynndescent import NNDescent

    index = NNDescent(x, metric="cosine", n_neighbors=N_NEIGHBORS, random_state=seed)
    index.prepare()  # the search graph, for placing the other points
    return index


def _umap(x: np.ndarray, seed: int, index: Any) -> tuple[np.ndarray, Any]:
    with warnings.catch_warnings():
        # umap warns on import that TensorFlow (for ParametricUMAP, unused here) is missing.
        warnings.simplefilter("ignore", ImportWarning)
        import umap

    knn = None if index is None else (*index.neighbor_graph, index)
    model = umap.UMAP(
        n_components=2,
        n_neighbors=min(N_NEIGHBORS, len(x) - 1),
        metric="cosine",
        n_epochs=N_EPOCHS,
        random_state=seed,
        precomputed_knn=knn if knn is not None else (None, None, None),
    )
    with warnings.catch_warnings():
        # random_state makes UMAP single-threaded, which it warns about: that is the price
        # of positions that do not move between two runs.
        warnings.filterwarnings("ignore", message="n_jobs value", category=UserWarning)
        warnings.filterwarnings("ignore", message=".*precomputed_knn", category=UserWarning)
        layout = model.fit_transform(x)
    return np.asarray(layout, np.float64), index


def _weighted_positions(
    layout: np.ndarray, neighbours: np.ndarray, distances: np.ndarray
) -> np.ndarray:
    # Closer neighbours pull harder; an exact duplicate of a sample point lands on it.
    weights = 1.0 / (np.asarray(distances, np.float64) + 1e-3)
    weights /= weights.sum(axis=1, keepdims=True)
    return np.einsum("nk,nkd->nd", weights, layout[neighbours])


def _normalise(xy: np.ndarray) -> np.ndarray:
    low = xy.min(axis=0)
    span = xy.max(axis=0) - low
    out = np.full(xy.shape, 0.5)
    for axis in range(2):
        if span[axis] > 0:
            out[:, axis] = (xy[:, axis] - low[axis]) / span[axis]
    return out.astype(np.float32)


def cache_path(folder: Path, vector_name: str) -> Path:
    """Where the map of ``vector_name`` is cached in the dataset folder ``folder``."""
    if not vector_name or any(c in vector_name for c in "/\\\0") or vector_name.startswith("."):
        raise ValueError(
            f"vector name {vector_name!r} cannot name a file: use a non-empty name without "
            "slashes that does not start with a dot"
        )
    return Path(folder) / "vectors" / f"{vector_name}.map.npz"


def cached_projection(
    folder: Path,
    vector_name: str,
    fingerprint: str,
    seqs: np.ndarray,
    matrix: Callable[[], np.ndarray],
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """The map positions of a dataset's vector, from the cache or computed (and cached).

    Parameters
    ----------
    folder : Path
        The dataset's folder; the cache is ``<folder>/vectors/<vector_name>.map.npz``.
    vector_name : str
        The vector's name.
    fingerprint : str
        What the positions depend on (the vectors' version): another fingerprint means
        the cache is stale.
    seqs : numpy.ndarray
        The records having this vector (their positions in the dataset), in the order of
        ``matrix()``'s rows.
    matrix : callable
        Returns the vectors, shape (len(seqs), d); called only when the cache cannot be
        used (loading 1M vectors is the costly part after the projection itself).
    seed : int
        Passed to :func:`project`.

    Returns
    -------
    seqs : numpy.ndarray of int64
    xy : numpy.ndarray of float32, shape (len(seqs), 2)

    Warns
    -----
    UserWarning
        When the cached file is corrupt (it is rebuilt).
    """
    path = cache_path(folder, vector_name)
    seqs = np.asarray(seqs, dtype=np.int64)
    cached = _read_cache(path, fingerprint, seqs)
    if cached is not None:
        return seqs, cached
    vectors = matrix()
    if len(vectors) != len(seqs):
        raise ValueError(
            f"matrix() gave {len(vectors)} vectors for {len(seqs)} seqs: one row per seq needed"
        )
    xy = project(vectors, seed=seed)
    path.parent.mkdir(parents=True, exist_ok=True)

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            np.savez(
                fh,
                format=np.array(CACHE_FORMAT),
                fingerprint=np.array(fingerprint),
                seqs=seqs,
                xy=xy,
            )

    atomic_write(path, write)
    return seqs, xy


def _read_cache(path: Path, fingerprint: str, seqs: np.ndarray) -> np.ndarray | None:
    """The cached positions, or None when missing, stale or corrupt (corrupt: a warning)."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            if int(data["format"]) != CACHE_FORMAT:
                return None
            if str(data["fingerprint"]) != fingerprint:
                return None
            stored = data["seqs"]
            xy = data["xy"]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as exc:
        warnings.warn(
            f"the embedding map cache {path} is corrupt ({exc}); recomputing it",
            UserWarning,
            stacklevel=3,
        )
        return None
    if xy.shape != (len(stored), 2) or xy.dtype != np.float32 or not np.isfinite(xy).all():
        warnings.warn(
            f"the embedding map cache {path} is corrupt (positions of shape {xy.shape}, "
            f"{xy.dtype}); recomputing it",
            UserWarning,
            stacklevel=3,
        )
        return None
    if not np.array_equal(stored, seqs):
        return None  # the records having the vector changed under the same fingerprint
    return xy
