"""The page's "Semantic" search switch: which embedder turns typed text into a vector,
and whether the switch can be used on this dataset (and if not, why).

The embedder is the one given to ``rb.show(name, embedder=...)``, or else the built-in
``rb.SentenceEmbedder`` when its optional extra is installed; the built-in one is only
built (its weights read) when the switch is first used. Its vector name must be one of
the dataset's, with the same dimension.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

import numpy as np

BUILT_IN_NAME = "mini-lm"
BUILT_IN_DIMENSION = 384


def _extra_installed() -> tuple[bool, str]:
    """Whether ``SentenceEmbedder()`` can be built, without building it."""
    from ..vectors import embedder

    for module in (embedder.MODEL_PACKAGE, embedder.TOKENIZER_MODULE):
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            return False, (
                f"semantic search needs an embedder: pass rb.show(name, embedder=...) or "
                f"install the optional extra ({embedder.EXTRA_HINT}); {module!r} is missing"
            )
    return True, ""


class SemanticSearch:
    """The embedder of one page, chosen and checked against the dataset's vectors."""

    def __init__(self, embedder: Callable[[list[str]], Any] | None = None):
        if embedder is not None and not callable(embedder):
            raise TypeError(
                f"embedder must be a callable list[str] -> array (n, d), not "
                f"{type(embedder).__name__}"
            )
        self._given = embedder
        self._built: Callable[[list[str]], Any] | None = None

    def status(self, vectors: dict[str, int]) -> dict[str, Any]:
        """``{"available": bool, "vector": name or None, "reason": why not}`` for a dataset
        whose vectors (name -> dimension) are ``vectors``."""
        if self._given is not None:
            name = getattr(self._given, "name", None)
            dimension = getattr(self._given, "dimension", None)
            if name is None:
                if len(vectors) != 1:
                    known = ", ".join(sorted(vectors)) or "none"
                    return _off(
                        "the embedder has no 'name' attribute saying which of the dataset's "
                        f"vectors it makes (they are: {known})"
                    )
                name = next(iter(vectors))
        else:
            ok, why = _extra_installed()
            if not ok:
                return _off(why)
            name, dimension = BUILT_IN_NAME, BUILT_IN_DIMENSION
        if name not in vectors:
            known = ", ".join(sorted(vectors)) or "none yet"
            return _off(
                f"the embedder makes {name!r} vectors and this dataset has none (its vectors: "
                f"{known}); rb.add_vectors(name) makes them",
                name,
            )
        if dimension is not None and dimension != vectors[name]:
            return _off(
                f"the embedder makes {dimension}-d {name!r} vectors; this dataset's {name!r} "
                f"vectors have {vectors[name]} dimensions",
                name,
            )
        return {"available": True, "vector": name, "reason": ""}

    def embed(self, text: str, dimension: int) -> np.ndarray:
        """The vector of one text (``dimension`` long, else a ValueError)."""
        embedder = self._given
        if embedder is None:
            if self._built is None:
                from ..vectors.embedder import SentenceEmbedder

                self._built = SentenceEmbedder()
            embedder = self._built
        try:
            result = np.asarray(embedder([text]), dtype=np.float32)
        except Exception as exc:
            raise ValueError(f"the embedder failed on the search text: {exc}") from exc
        if result.ndim != 2 or result.shape != (1, dimension):
            raise ValueError(
                f"the embedder returned an array of shape {result.shape} for one text; "
                f"expected (1, {dimension})"
            )
        return result[0]


def _off(reason: str, vector: str | None = None) -> dict[str, Any]:
    return {"available": False, "vector": vector, "reason": reason}
