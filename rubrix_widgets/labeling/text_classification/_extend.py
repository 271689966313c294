"""Extending weak labels through embeddings (Epoxy), as Rubrix's ``extend_matrix``.

A rule that abstains on a record lends it the vote it gave the most similar record it
voted on, when their cosine similarity is above the rule's threshold. Rubrix searched with a
flat inner-product faiss index (an exact search); this is the same exact search with numpy
matrix products, so faiss is not needed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# Similarities computed per block of queries: at most this many float32s at once (64 MB).
_BLOCK = 16_000_000


def checked_embeddings(embeddings: Any, records: int) -> np.ndarray:
    """``embeddings`` as unit float32 rows, one per record (ValueError naming the shape)."""
    vectors = np.array(embeddings, dtype=np.float32)
    if vectors.ndim != 2 or len(vectors) != records:
        raise ValueError(
            f"embeddings must be a 2-D array with one row per record ({records} rows), not "
            f"an array of shape {vectors.shape}"
        )
    if not np.isfinite(vectors).all():
        raise ValueError("embeddings must be finite numbers; found NaN or infinity")
    norms = np.sqrt((vectors * vectors).sum(1, dtype=np.float32))
    # as faiss.normalize_L2: rows of zeros stay zeros
    scale = np.divide(1, norms, out=np.zeros_like(norms), where=norms > 0)
    return vectors * scale[:, None]


def checked_thresholds(thresholds: Any, rules: int) -> np.ndarray:
    """One similarity threshold per rule, as floats (ValueError naming the problem)."""
    try:
        values = np.array(thresholds, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"thresholds must be numbers, one per rule ({rules}), not {thresholds!r}"
        ) from None
    if values.shape != (rules,):
        raise ValueError(
            f"thresholds must hold one number per rule ({rules}), not an array of shape "
            f"{values.shape}"
        )
    return values


def nearest_supports(
    vectors: np.ndarray, abstains: list[np.ndarray], supports: list[np.ndarray]
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per rule: for each record it abstains on, the similarity of the closest record it voted
    on and that record's index in the rule's ``supports`` (-inf and -1 when it voted on none).

    Ties go to the lowest index, as in faiss's flat index.
    """
    similarities, nearest = [], []
    for abstained, supported in zip(abstains, supports, strict=True):
        best = np.full(len(abstained), -np.inf, dtype=np.float32)
        where = np.full(len(abstained), -1, dtype=np.int64)
        if len(supported) and len(abstained):
            base = vectors[supported].T
            step = max(1, _BLOCK // len(supported))
            for start in range(0, len(abstained), step):
                scores = vectors[abstained[start : start + step]] @ base
                top = scores.argmax(1)
                where[start : start + step] = top
                best[start : start + step] = scores[np.arange(len(top)), top]
        similarities.append(best)
        nearest.append(where)
    return similarities, nearest


def extended(
    matrix: np.ndarray,
    abstains: list[np.ndarray],
    supports: list[np.ndarray],
    queries: tuple[list[np.ndarray], list[np.ndarray]],
    thresholds: np.ndarray,
) -> np.ndarray:
    """A copy of ``matrix`` where each rule's votes spread to the abstained records whose
    closest supported record is more similar than the rule's threshold."""
    similarities, nearest = queries
    out = matrix.copy()
    for j in range(matrix.shape[1]):
        taken = similarities[j] > thresholds[j]
        out[abstains[j][taken], j] = matrix[supports[j], j][nearest[j][taken]]
    return out
