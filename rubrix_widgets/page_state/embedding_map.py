"""The dataset page's "Embedding map" panel, kernel side: the points to draw, as one buffer.

The positions come from the projection cache (``vectors/projection.py``: UMAP of one
vector, derived data kept in the dataset folder and fingerprinted by the dataset's uid and
that vector's version); the colours from one column of the records (annotation,
prediction, status or a metadata field); the highlight from the current search. The
buffer's layout is ``vectors/map_payload.py``'s; the legend goes beside it as JSON.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson

from ..record_table import nested_tuples
from ..search.search_index import run_search
from ..store.dataset_store import DatasetView
from ..tasks import TEXT_CLASSIFICATION
from ..vector_columns import vector_of
from ..vectors import map_payload, projection
from ..vectors.write import texts_of

COLOUR_BY = ("annotation", "prediction", "status")
HOVER_CHARS = 500


def check_colour_by(value: Any) -> str:
    if not isinstance(value, str) or not (
        value in COLOUR_BY or (value.startswith("metadata.") and len(value) > len("metadata."))
    ):
        raise ValueError(
            f"map colour {value!r} is not one of {', '.join(COLOUR_BY)} or metadata.<field>"
        )
    return value


class EmbeddingMapPanel:
    """The map of one page: positions kept per (vector, fingerprint)."""

    def __init__(self, folder) -> None:
        self.folder = folder
        self._positions: tuple[str, np.ndarray, np.ndarray] | None = None

    def positions(self, view: DatasetView, vector: str) -> tuple[np.ndarray, np.ndarray]:
        """Seqs of the records having ``vector`` and their map positions."""
        manifest = view.manifest
        fingerprint = f"{manifest.uid}:{manifest.seq_epoch}:{manifest.vector_versions.get(vector)}"
        key = f"{vector}|{fingerprint}"
        if self._positions is not None and self._positions[0] == key:
            return self._positions[1], self._positions[2]
        table = view.live.table().select(["_seq", "vectors"])
        rows, matrix = vector_of(table.column("vectors"), vector)
        seqs = table.column("_seq").to_numpy()[rows].astype(np.int64)
        seqs, xy = projection.cached_projection(
            self.folder, vector, fingerprint, seqs, lambda: matrix
        )
        self._positions = (key, seqs, xy)
        return seqs, xy

    def payload(
        self,
        view: DatasetView,
        vector: str,
        colour_by: str,
        search,
    ) -> tuple[bytes, list[str], dict[str, Any]]:
        """The buffer, its legend and a note ``{"vector", "points", "shown"}``.

        ``search``: the compiled search (points matching it stand out), or None when the
        page shows every record (nothing is dimmed)."""
        seqs, xy = self.positions(view, vector)
        keep = map_payload.sample_for_display(len(seqs))
        seqs, xy = seqs[keep], xy[keep]
        codes, legend = map_payload.colour_codes(_colour_values(view, seqs, colour_by))
        highlight = None
        if search is not None:
            matching, _ = run_search(view.searcher, search, None, count=False)
            highlight = np.isin(seqs, matching)
        data = map_payload.pack_map(
            seqs, xy, codes, highlight, total=len(keep), legend_size=len(legend)
        )
        return data, legend, {"vector": vector, "points": len(keep), "shown": len(seqs)}


def _colour_values(view: DatasetView, seqs: np.ndarray, colour_by: str) -> list[str | None]:
    """One category per point: its annotation, top prediction, status or metadata value."""
    if not len(seqs):
        return []
    if colour_by == "status":
        return view.live.rows(seqs).column("status").to_pylist()
    if colour_by.startswith("metadata."):
        key = colour_by[len("metadata.") :]
        out: list[str | None] = []
        for text in view.live.rows(seqs).column("metadata").to_pylist():
            value = orjson.loads(text).get(key) if text else None
            out.append(None if value is None else str(value))
        return out
    rows = view.live.rows(seqs).select([colour_by, "multi_label"])
    if view.task != TEXT_CLASSIFICATION:
        column = rows.column(colour_by).to_pylist()
        return [None if v in (None, []) else "with " + colour_by for v in column]
    if colour_by == "annotation":
        return [None if not a else ", ".join(a) for a in rows.column("annotation").to_pylist()]
    predictions = nested_tuples(rows.column("prediction"), ("label", "score"))
    return [max(p, key=lambda pair: pair[1] or 0)[0] if p else None for p in predictions]


def hover_text(view: DatasetView, seq: int) -> str:
    """The text of the record at ``seq``, cut for a tooltip."""
    text = texts_of(view.live.rows(np.array([seq], dtype=np.int64)), view.task)[0] or ""
    return text if len(text) <= HOVER_CHARS else text[:HOVER_CHARS] + "…"
