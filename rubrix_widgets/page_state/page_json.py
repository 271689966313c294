"""Records of one page as the JSON the browser renders.

A page is at most 200 records (``MAX_PAGE_SIZE``) and everything of a record that can be
long is cut to a budget: its input text (:data:`MAX_TEXT` characters per record,
:data:`PAGE_TEXT_BUDGET` per page, shared by a record's inputs; the rest is sent when a
person expands it), its tokens and token attributions (:data:`MAX_TOKENS` per record,
:data:`PAGE_TOKEN_BUDGET` per page), and its metadata (:data:`MAX_METADATA_KEYS` keys,
values cut to :data:`MAX_METADATA_VALUE` characters, :data:`METADATA_BUDGET` characters
in all). So a page message stays about 1 MB at most, far below the 10 MB a Jupyter
server drops (tests/test_widget_protocol.py builds the largest page).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
import pyarrow as pa

from ..tasks import TEXT2TEXT, TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION
from ..token_validation import token_offsets

MAX_TEXT = 4_000  # characters of one record's inputs sent with a page
PAGE_TEXT_BUDGET = 150_000  # characters of input text per page, shared by its records
MAX_METADATA_VALUE = 300
MAX_METADATA_KEYS = 50  # keys of one mapping shown (metadata and nested mappings)
METADATA_BUDGET = 3_000  # characters of one record's metadata (as JSON) sent with a page
# Token attributions: each token has one value per label; a page sends at most
# EXPLANATION_BUDGET values (~20 bytes each), shared by its records' explained inputs.
EXPLANATION_BUDGET = 20_000
MIN_EXPLAINED_TOKENS = 8
MAX_PREDICTED_LABELS = 100  # labels of one prediction sent (the highest scores)
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
        items = list(value.items())
        out = {str(k)[:limit]: _plain(v, limit) for k, v in items[:MAX_METADATA_KEYS]}
        if len(items) > MAX_METADATA_KEYS:
            out["…"] = f"{len(items) - MAX_METADATA_KEYS} more keys not shown"
        return out
    if isinstance(value, list | tuple):
        return [_plain(v, limit) for v in value[:50]]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _metadata(metadata: dict) -> dict:
    """The metadata a card shows: each value cut, and keys up to :data:`METADATA_BUDGET`
    characters in all (then a note of how many more there are)."""
    out: dict[str, Any] = {}
    used = 0
    items = list(metadata.items())
    for i, (key, value) in enumerate(items):
        shown = _plain(value)
        used += len(str(key)) + len(orjson.dumps(shown, default=str))
        if used > METADATA_BUDGET and out:
            out["…"] = f"{len(items) - i} more keys not shown"
            break
        out[str(key)[:MAX_METADATA_VALUE]] = shown
    return out


def _explanation(explanation: dict | None, values: int, max_tokens: int) -> dict | None:
    """Token attributions of each input: the first tokens (at most ``max_tokens``) whose
    attribution values fit in ``values`` for the record (at least
    :data:`MIN_EXPLAINED_TOKENS`), then a "…" token when some were left out."""
    if not explanation:
        return explanation
    inputs = [(key, tokens or []) for key, tokens in explanation.items()]
    per_input = values // max(1, len(inputs))
    out = {}
    for key, tokens in inputs:
        labels = max((len(t.get("attributions") or {}) for t in tokens[:50]), default=1)
        keep = min(max_tokens, max(MIN_EXPLAINED_TOKENS, per_input // max(1, labels)))
        shown = [{**t, "token": _plain(t.get("token"))} for t in tokens[:keep]]
        if len(tokens) > keep:
            shown.append({"token": "…", "attributions": {}})
        out[key] = shown
    return out


def _top_labels(prediction) -> list[list]:
    """``[[label, score]]`` as stored; past :data:`MAX_PREDICTED_LABELS` labels, the
    highest-scoring ones."""
    pairs = [[p["label"], p["score"]] for p in prediction]
    if len(pairs) > MAX_PREDICTED_LABELS:
        pairs = sorted(pairs, key=lambda p: -(p[1] or 0))[:MAX_PREDICTED_LABELS]
    return pairs


def _shown_tokens(text: str, tokens: list[str], limit: int) -> list[tuple[int, int]]:
    """Offsets of the first ``limit`` tokens (the offsets of the rest are never computed:
    a 1 MB text has 200,000 of them)."""
    return token_offsets(text, tokens[:limit])


def _stamp(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def record_id(row: dict) -> str | int:
    """A stored row's record id, as the person gave it (int or str)."""
    return row["id"] if row["id_int"] is None else int(row["id_int"])


def _vector_names(table: pa.Table) -> list[list[str]]:
    """The vector names each row has (its ``vectors`` map column), read without turning
    the vectors themselves into Python floats."""
    if "vectors" not in table.column_names:
        return [[] for _ in range(len(table))]
    column = table.column("vectors").combine_chunks()
    keys = column.keys.to_pylist()
    offsets = column.offsets.to_pylist()
    valid = column.is_valid().to_pylist()
    return [
        sorted(keys[offsets[i] : offsets[i + 1]]) if valid[i] else [] for i in range(len(table))
    ]


def page_json(table: pa.Table, task: str, seqs: np.ndarray) -> list[dict[str, Any]]:
    """JSON-ready dicts, one per row of ``table`` (whose rows have these seqs).

    Straight from Arrow rows: a page is a few dozen records, where building a
    DataFrame would cost more than the page itself. ``vector_names``: the vectors a
    record has (its "Find similar" offers them).
    """
    names = _vector_names(table)
    if "vectors" in table.column_names:  # 384 floats per record the page never shows
        table = table.drop_columns(["vectors"])
    out = []
    per_record = min(MAX_TEXT, PAGE_TEXT_BUDGET // max(1, len(table)))
    tokens_per_record = max(200, min(MAX_TOKENS, PAGE_TOKEN_BUDGET // max(1, len(table))))
    for i, row in enumerate(table.to_pylist()):
        metadata = orjson.loads(row["metadata"]) if row["metadata"] else {}
        record: dict[str, Any] = {
            "seq": int(seqs[i]),
            "id": record_id(row),
            "status": row["status"],
            "prediction_agent": row["prediction_agent"],
            "annotation_agent": row["annotation_agent"],
            "metadata": _metadata(metadata),
            "event_timestamp": _stamp(row["event_timestamp"]),
            "vector_names": names[i],
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
                prediction=_top_labels(row["prediction"] or ()),
                annotation=annotation,
                multi_label=bool(row["multi_label"]),
                explanation=_explanation(
                    orjson.loads(row["explanation"]) if row["explanation"] else None,
                    EXPLANATION_BUDGET // max(1, len(table)),
                    tokens_per_record,
                ),
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
                # null, not []: [] says "annotated, no entities", and the page then
                # neither marks the record to annotate nor offers its predictions
                annotation=None
                if row["annotation"] is None
                else [
                    [a["label"], a["start"], a["end"]] for a in row["annotation"] if a["end"] <= cut
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
