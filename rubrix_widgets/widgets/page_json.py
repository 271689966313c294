"""Records of one page as the JSON the browser renders.

A page is at most a few hundred records and its input text is cut to a
budget (:data:`MAX_TEXT` characters per record, :data:`PAGE_TEXT_BUDGET` per
page, shared by a record's inputs; the rest is sent when a person expands
it), so a page message stays far below the 1 MB a front end should take at once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
import pyarrow as pa

from ..tasks import TEXT2TEXT, TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION
from ..token_rules import token_offsets

MAX_TEXT = 4_000  # characters of one record's inputs sent with a page
PAGE_TEXT_BUDGET = 150_000  # characters of input text per page, shared by its records
MAX_METADATA_VALUE = 300
# A token classification record shows at most this many tokens (each is an element the
# browser lays out and re-renders on every selection change); a page at most
# PAGE_TOKEN_BUDGET, shared by its records. The rest of a longer text is not sent: the
# card says so. Spans are edited in the kernel's stored record, so they stay whole.
MAX_TOKENS = 2_000
PAGE_TOKEN_BUDGET = 10_000


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


def _shown_tokens(text: str, tokens: list[str], limit: int) -> list[tuple[int, int]]:
    """Offsets of the first ``limit`` tokens (the offsets of the rest are never computed:
    a 1 MB text has 200,000 of them)."""
    return token_offsets(text, tokens[:limit])


def _stamp(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def _record_id(row: dict) -> str | int:
    return row["id"] if row["id_int"] is None else int(row["id_int"])


def page_json(table: pa.Table, task: str, seqs: np.ndarray) -> list[dict[str, Any]]:
    """JSON-ready dicts, one per row of ``table`` (whose rows have these seqs).

    Straight from Arrow rows: a page is a few dozen records, where building a
    DataFrame would cost more than the page itself.
    """
    out = []
    per_record = min(MAX_TEXT, PAGE_TEXT_BUDGET // max(1, len(table)))
    tokens_per_record = max(200, min(MAX_TOKENS, PAGE_TOKEN_BUDGET // max(1, len(table))))
    for i, row in enumerate(table.to_pylist()):
        metadata = orjson.loads(row["metadata"]) if row["metadata"] else {}
        record: dict[str, Any] = {
            "seq": int(seqs[i]),
            "id": _record_id(row),
            "status": row["status"],
            "prediction_agent": row["prediction_agent"],
            "annotation_agent": row["annotation_agent"],
            "metadata": _plain(metadata),
            "event_timestamp": _stamp(row["event_timestamp"]),
        }
        if task == TEXT_CLASSIFICATION:
            raw = orjson.loads(row["inputs"]) if row["inputs"] else {"text": row["text"]}
            inputs, lengths = {}, {}
            per_input = max(200, per_record // max(1, len(raw)))
            for key, value in raw.items():
                if isinstance(value, list):
                    value = "\n".join(value)
                inputs[key], lengths[key] = _cut(value, per_input)
            annotation = row["annotation"]
            if annotation is not None and not row["multi_label"]:
                annotation = annotation[0] if annotation else None
            record.update(
                inputs=inputs,
                lengths=lengths,
                prediction=[[p["label"], p["score"]] for p in row["prediction"] or ()],
                annotation=annotation,
                multi_label=bool(row["multi_label"]),
                explanation=orjson.loads(row["explanation"]) if row["explanation"] else None,
            )
        elif task == TOKEN_CLASSIFICATION:
            text, tokens = row["text"], list(row["tokens"] or ())
            offsets = _shown_tokens(text, tokens, tokens_per_record)
            # Cut after the last shown token; spans beyond the cut are not shown.
            cut = offsets[-1][1] if len(offsets) < len(tokens) else len(text)
            record.update(
                text=text[:cut],
                length=len(text),
                tokens=tokens[: len(offsets)],
                token_count=len(tokens),
                offsets=[list(o) for o in offsets],
                prediction=[
                    [p["label"], p["start"], p["end"], p.get("score")]
                    for p in row["prediction"] or ()
                    if p["end"] <= cut
                ],
                annotation=[
                    [a["label"], a["start"], a["end"]]
                    for a in row["annotation"] or ()
                    if a["end"] <= cut
                ],
            )
        elif task == TEXT2TEXT:
            text, length = _cut(row["text"], per_record)
            record.update(
                text=text,
                length=length,
                prediction=[[p["text"], p["score"]] for p in row["prediction"] or ()],
                annotation=row["annotation"],
            )
        out.append(record)
    return out
