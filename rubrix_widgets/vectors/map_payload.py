"""What the embedding map draws, packed into one binary buffer for the browser.

The map's points travel as bytes (a binary trait / anywidget buffer), never as JSON lists:
1M points are 15 MB here and ~60 MB as JSON, and the browser reads them with typed arrays
without parsing. ``js/src/map_data.ts`` (``parseMap``) reads the same layout; both sides
are checked against one fixture, ``tests/data/map_payload_v1.bin``.

Byte layout (version 1, little-endian, ``n`` points)::

    offset        size  type        field
    0             4     ASCII       magic "RWMP"
    4             4     uint32      version (1)
    8             4     uint32      n, the points in this buffer
    12            4     uint32      total, the points they were sampled from (>= n)
    16            4     uint32      legend size: colour codes are < this
    20            4     uint32      flags: bit 0 set = a search is active
    24            8n    float32     x0, y0, x1, y1, ... in [0, 1] (y grows upwards)
    24 + 8n       4n    uint32      seq (record position) of each point
    24 + 12n      2n    uint16      colour code of each point (index into the legend)
    24 + 14n      n     uint8       1 = the point matches the current search
    24 + 15n                        end

Every array starts at an offset that is a multiple of its item size, so the browser can
view it in place. The legend's strings are not in the buffer: they go with the map's other
(small, JSON) state.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

MAGIC = b"RWMP"
VERSION = 1
HEADER_BYTES = 24
BYTES_PER_POINT = 15
SEARCH_ACTIVE = 1
MAX_DISPLAY_POINTS = 200_000
MAX_LEGEND = 12
NONE_LABEL = "(none)"
OTHER_LABEL = "(other)"
_HEADER = np.dtype(
    [
        ("magic", "S4"),
        ("version", "<u4"),
        ("n", "<u4"),
        ("total", "<u4"),
        ("legend", "<u4"),
        ("flags", "<u4"),
    ]
)


def pack_map(
    seqs: np.ndarray,
    xy: np.ndarray,
    codes: np.ndarray,
    highlight: np.ndarray | None,
    total: int,
    *,
    legend_size: int | None = None,
) -> bytes:
    """Pack the map's points into one buffer (layout in the module docstring).

    Parameters
    ----------
    seqs : array of int, shape (n,)
        The record position of each point (what a lasso selection sends back).
    xy : array of float, shape (n, 2)
        Positions in [0, 1] (``projection.project`` gives them).
    codes : array of int, shape (n,)
        Colour codes (``colour_codes`` gives them with their legend).
    highlight : array of bool, shape (n,), or None
        Which points match the current search; None when there is no search (nothing is
        dimmed). An all-False array means a search that matched no point.
    total : int
        How many points there are before sampling (``sample_for_display``); the browser
        says "showing n of total".
    legend_size : int, optional
        The legend's length; by default one more than the largest code.

    Returns
    -------
    bytes

    Examples
    --------
    >>> codes, legend = colour_codes(["pos", None, "pos"])
    >>> data = pack_map(np.arange(3), xy, codes, None, total=3, legend_size=len(legend))
    """
    seqs = np.asarray(seqs)
    xy = np.asarray(xy)
    codes = np.asarray(codes)
    n = len(seqs)
    if xy.shape != (n, 2):
        raise ValueError(f"xy must have shape ({n}, 2) (one row per seq), not {xy.shape}")
    if codes.shape != (n,):
        raise ValueError(f"codes must have shape ({n},) (one per seq), not {codes.shape}")
    if highlight is not None and np.shape(highlight) != (n,):
        raise ValueError(
            f"highlight must have shape ({n},) (one per seq) or be None, not {np.shape(highlight)}"
        )
    if not np.isfinite(xy).all():
        raise ValueError("xy holds NaN or inf; positions must be finite numbers")
    _check_range("seqs", seqs, 2**32 - 1)
    _check_range("codes", codes, 2**16 - 1)
    size = int(codes.max()) + 1 if legend_size is None and n else int(legend_size or 0)
    if n and int(codes.max()) >= size:
        raise ValueError(f"codes go up to {int(codes.max())} but the legend has {size} entries")
    if total < n:
        raise ValueError(f"total ({total}) must be at least the number of points ({n})")
    header = np.zeros(1, dtype=_HEADER)
    header[0] = (MAGIC, VERSION, n, total, size, 0 if highlight is None else SEARCH_ACTIVE)
    flags = np.zeros(n, np.uint8) if highlight is None else np.asarray(highlight, bool)
    return b"".join(
        [
            header.tobytes(),
            np.ascontiguousarray(xy, dtype="<f4").tobytes(),
            seqs.astype("<u4").tobytes(),
            codes.astype("<u2").tobytes(),
            flags.astype(np.uint8).tobytes(),
        ]
    )


def _check_range(name: str, values: np.ndarray, top: int) -> None:
    if values.size and not np.issubdtype(values.dtype, np.integer):
        raise ValueError(f"{name} must be integers, not {values.dtype}")
    if values.size and (int(values.min()) < 0 or int(values.max()) > top):
        raise ValueError(
            f"{name} must be between 0 and {top}; got {int(values.min())} to {int(values.max())}"
        )


def sample_for_display(
    n_total: int, max_points: int = MAX_DISPLAY_POINTS, seed: int = 0
) -> np.ndarray:
    """Which points to draw: all of them up to ``max_points``, else a uniform sample.

    A browser draws a few hundred thousand points fluidly; above that the map shows a
    uniform random sample and says so ("showing N of M points").

    Parameters
    ----------
    n_total : int
        How many points there are.
    max_points : int
        The most points to send.
    seed : int
        The sample's seed (the same seed gives the same sample).

    Returns
    -------
    numpy.ndarray
        The kept indices, ascending (int64).
    """
    if n_total < 0 or max_points < 1:
        raise ValueError(
            f"n_total must be >= 0 and max_points >= 1, not {n_total} and {max_points}"
        )
    if n_total <= max_points:
        return np.arange(n_total, dtype=np.int64)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_total, size=max_points, replace=False)).astype(np.int64)


def colour_codes(
    values: Sequence[str | None], max_entries: int = MAX_LEGEND
) -> tuple[np.ndarray, list[str]]:
    """Colour codes for a column of categories, and their legend.

    The most frequent values come first (ties in alphabetical order); beyond
    ``max_entries`` the rarer ones share one last entry, ``"(other)"``. ``None`` is shown
    as ``"(none)"`` (and takes its place by frequency like any value).

    Parameters
    ----------
    values : sequence of str or None
        One value per point (an annotation, a prediction, a status, a metadata field...).
    max_entries : int
        The most entries before ``"(other)"``.

    Returns
    -------
    codes : numpy.ndarray of uint16
        Each point's index into ``legend``.
    legend : list of str

    Examples
    --------
    >>> colour_codes(["neg", "pos", "pos", None])
    (array([2, 0, 0, 1], dtype=uint16), ['pos', '(none)', 'neg'])
    """
    if not 1 <= max_entries < 2**16 - 1:
        raise ValueError(f"max_entries must be between 1 and {2**16 - 2}, not {max_entries}")
    # factorize is a hash table pass: 1M strings in ~0.1 s, where np.unique would sort them.
    raw, uniques = pd.factorize(
        pd.Series(values, dtype=object).fillna(NONE_LABEL), use_na_sentinel=False
    )
    names = [str(u) for u in uniques]
    counts = np.bincount(raw, minlength=len(names))
    order = sorted(range(len(names)), key=lambda i: (-counts[i], names[i]))
    kept = order[:max_entries] if len(order) > max_entries else order
    rank = np.full(len(names), len(kept), dtype=np.uint16)  # the rest -> "(other)"
    rank[kept] = np.arange(len(kept), dtype=np.uint16)
    legend = [names[i] for i in kept]
    if len(order) > len(kept):
        legend.append(OTHER_LABEL)
    return rank[raw].astype(np.uint16), legend
