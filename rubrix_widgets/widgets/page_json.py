"""Records of one page as the JSON the browser renders.

A page is at most a few hundred records and every long text is cut to
:data:`MAX_TEXT` characters (the rest is sent when a person expands it),
so a page message stays far below the 1 MB a front end should take at once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..record_table import frame_from_table
from ..tasks import TEXT2TEXT, TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION

MAX_TEXT = 4_000
MAX_METADATA_VALUE = 300


def _cut(text: str | None, limit: int = MAX_TEXT) -> tuple[str | None, int]:
    if text is None or len(text) <= limit:
        return text, 0 if text is None else len(text)
    return text[:limit], len(text)


def _plain(value: Any, limit: int = MAX_METADATA_VALUE) -> Any:
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit] + "…"
    if isinstance(value, dict):
        return {str(k): _plain(v, limit) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, limit) for v in value[:50]]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _stamp(value: Any) -> str | None:
    if value is None or pd.isna(value):
        return None
    return value.isoformat()


def page_json(table: pa.Table, task: str, seqs: np.ndarray) -> list[dict[str, Any]]:
    """JSON-ready dicts, one per row of ``table`` (whose rows have these seqs)."""
    frame = frame_from_table(table, task)
    out = []
    for i, row in enumerate(frame.itertuples(index=False)):
        record: dict[str, Any] = {
            "seq": int(seqs[i]),
            "id": row.id if isinstance(row.id, str) else int(row.id),
            "status": row.status,
            "prediction_agent": row.prediction_agent,
            "annotation_agent": row.annotation_agent,
            "metadata": _plain(row.metadata or {}),
            "event_timestamp": _stamp(row.event_timestamp),
        }
        if task == TEXT_CLASSIFICATION:
            inputs, lengths = {}, {}
            for key, value in row.inputs.items():
                if isinstance(value, list):
                    value = "\n".join(value)
                inputs[key], lengths[key] = _cut(value)
            record.update(
                inputs=inputs,
                lengths=lengths,
                prediction=[[label, score] for label, score in row.prediction or ()],
                annotation=row.annotation,
                multi_label=bool(row.multi_label),
                explanation=_explanation(row.explanation),
            )
        elif task == TOKEN_CLASSIFICATION:
            record.update(
                text=row.text,
                tokens=list(row.tokens),
                prediction=[list(s) for s in row.prediction or ()],
                annotation=[list(s) for s in row.annotation or ()],
            )
        elif task == TEXT2TEXT:
            text, length = _cut(row.text)
            record.update(
                text=text,
                length=length,
                prediction=[[t, s] for t, s in row.prediction or ()],
                annotation=row.annotation,
            )
        out.append(record)
    return out


def _explanation(explanation: dict | None) -> dict | None:
    if not explanation:
        return None
    return {
        key: [[a.token, dict(a.attributions)] for a in attributions]
        for key, attributions in explanation.items()
    }
