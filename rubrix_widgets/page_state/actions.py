"""Annotation actions as transforms of stored record rows (Arrow in, Arrow out).

Each takes the rows as stored and returns the rows to write back, plus the
positions of rows the action left alone (e.g. validating a record that has
neither an annotation nor a prediction). Bulk actions on a million records
stay column-wise.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import token_validation, validation
from ..record_table import nested_tuples
from ..search.index_documents import first_item
from ..search.index_schema import MULTI_LABEL_THRESHOLD
from ..tasks import TEXT2TEXT, TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION, spec

LABELS = pa.list_(pa.string())


def _set(table: pa.Table, name: str, values: pa.Array) -> pa.Table:
    index = table.schema.get_field_index(name)
    return table.set_column(index, table.schema.field(name), values)


def _with_agent(table: pa.Table, annotator: str) -> pa.Table:
    has = pc.is_valid(table.column("annotation"))
    agent = pc.if_else(has, pa.scalar(annotator), pa.scalar(None, pa.string()))
    return _set(table, "annotation_agent", agent)


def _statuses(table: pa.Table, single: str, multi: str) -> pa.Array:
    if "multi_label" not in table.column_names:
        return pa.array([single] * len(table), pa.string())
    return pc.if_else(table.column("multi_label"), multi, single)


def annotate(
    table: pa.Table, task: str, annotation, annotator: str, status: str | None = None
) -> tuple[pa.Table, list[int]]:
    """Set the annotation. Labels: single-label records become Validated, multi-label
    Edited. Text2Text: the corrected text, Validated (``status="Edited"`` for a draft)."""
    if task == TEXT2TEXT:
        return _annotate_text(table, annotation, annotator, status or "Validated")
    if task == TOKEN_CLASSIFICATION:
        return _annotate_spans(table, annotation, annotator, status or "Validated")
    if task != TEXT_CLASSIFICATION:
        raise ValueError(
            f"annotate works on TextClassification (labels) and Text2Text (text) records, "
            f"not {task}"
        )
    if isinstance(annotation, str):
        labels = [annotation]
    elif isinstance(annotation, list | tuple) and all(isinstance(a, str) for a in annotation):
        labels = list(annotation)
    else:
        raise ValueError(f"annotation {annotation!r} must be a label (str) or a list of labels")
    labels = [validation.check_label(label, "annotation") for label in labels]
    if len(set(labels)) != len(labels):
        raise ValueError(f"annotation {labels!r} repeats a label")
    multi = table.column("multi_label").to_numpy(zero_copy_only=False)
    if len(labels) != 1 and not multi.all():
        raise ValueError(
            f"annotation {labels!r} has {len(labels)} labels, but single-label records take one"
        )
    values = pa.array([labels] * len(table), LABELS)
    table = _set(table, "annotation", values)
    table = _set(table, "status", _statuses(table, "Validated", "Edited"))
    return _with_agent(table, annotator), []


def _annotate_text(
    table: pa.Table, text, annotator: str, status: str
) -> tuple[pa.Table, list[int]]:
    if not isinstance(text, str):
        raise ValueError(f"a Text2Text annotation is the corrected text (a str), not {text!r}")
    if not text.strip():
        raise ValueError("a Text2Text annotation must not be empty; use Discard to drop a record")
    table = _set(table, "annotation", pa.array([text] * len(table), pa.large_string()))
    table = _set(table, "status", pa.array([status] * len(table), pa.string()))
    return _with_agent(table, annotator), []


SPANS = spec(TOKEN_CLASSIFICATION).schema.field("annotation").type


def _span_rows(table: pa.Table):
    """(text, tokens, offsets, annotation spans or None, predicted spans) per row."""
    texts = table.column("text").to_pylist()
    tokens = table.column("tokens").to_pylist()
    annotations = nested_tuples(table.column("annotation"), ("label", "start", "end"))
    predictions = nested_tuples(table.column("prediction"), ("label", "start", "end"))
    for text, toks, gold, predicted in zip(texts, tokens, annotations, predictions, strict=True):
        yield text, toks, token_validation.token_offsets(text, toks), gold, predicted


def _annotate_spans(
    table: pa.Table, spans, annotator: str, status: str
) -> tuple[pa.Table, list[int]]:
    if isinstance(spans, str) or not isinstance(spans, list | tuple):
        raise ValueError(
            f"a TokenClassification annotation is a list of (label, start, end) spans, "
            f"not {spans!r}"
        )
    values = []
    for text, _, offsets, _, _ in _span_rows(table):
        checked = token_validation.check_spans(
            list(spans), text, offsets, "annotation", allow_score=False
        )
        assert checked is not None  # only a missing value checks to None; spans is a list
        values.append(sorted(checked, key=lambda s: (s[1], s[2], s[0])))
    table = _set(table, "annotation", pa.array(values, SPANS))
    table = _set(table, "status", pa.array([status] * len(table), pa.string()))
    return _with_agent(table, annotator), []


def snap(offsets, start: int, end: int) -> tuple[int, int]:
    """The token-aligned span covering characters [start, end)."""
    inside = [(s, e) for s, e in offsets if s < end and e > start]
    if not inside:
        raise ValueError(f"characters {start}..{end} cover no token")
    return inside[0][0], inside[-1][1]


def edit_span(
    table: pa.Table, op: str, label, start, end, annotator: str, allow_overlapping: bool
) -> tuple[pa.Table, list[int]]:
    """Add or remove one span of one record (status Edited). A record with no annotation
    starts from its predicted spans, as the page shows them."""
    if len(table) != 1:
        raise ValueError("a span is added to or removed from one record at a time")
    label = validation.check_label(label, "span label")
    if not (isinstance(start, int) and isinstance(end, int)) or isinstance(start, bool):
        raise ValueError(
            f"span start and end must be ints (character offsets), not {start!r}, {end!r}"
        )
    text, _, offsets, gold, predicted = next(_span_rows(table))
    if not 0 <= start < end <= len(text):
        raise ValueError(f"span {start}..{end} is outside the text (0..{len(text)})")
    spans = list(gold) if gold is not None else [tuple(s) for s in predicted or ()]
    if op == "add":
        start, end = snap(offsets, start, end)
        if not allow_overlapping:
            spans = [s for s in spans if s[2] <= start or s[1] >= end]
        if (label, start, end) not in spans:
            spans.append((label, start, end))
    else:
        if (label, start, end) not in spans:
            raise ValueError(f"the record has no span ({label!r}, {start}, {end}) to remove")
        spans.remove((label, start, end))
    return _annotate_spans(table, spans, annotator, "Edited")


def validate(table: pa.Table, task: str, annotator: str) -> tuple[pa.Table, list[int]]:
    """Accept the annotation, or the prediction when there is none; mark Validated."""
    annotation = table.column("annotation")
    derived = {
        TEXT_CLASSIFICATION: _predicted_labels,
        TOKEN_CLASSIFICATION: _predicted_spans,
        TEXT2TEXT: _top_prediction_text,
    }[task](table)
    chosen = pc.coalesce(annotation.combine_chunks(), derived)
    left = np.flatnonzero(pc.is_null(chosen).to_numpy(zero_copy_only=False)).tolist()
    table = _set(table, "annotation", chosen)
    table = _set(table, "status", pa.array(["Validated"] * len(table), pa.string()))
    return _with_agent(table, annotator), left


def discard(table: pa.Table, task: str, annotator: str) -> tuple[pa.Table, list[int]]:
    table = _set(table, "status", pa.array(["Discarded"] * len(table), pa.string()))
    return _with_agent(table, annotator), []


def _predicted_labels(table: pa.Table) -> pa.Array:
    """Top label (single-label) or labels scoring > 0.5 (multi-label); null without prediction."""
    prediction = table.column("prediction").combine_chunks()
    top = pc.struct_field(first_item(prediction), "label").to_pylist()
    multi = table.column("multi_label").to_pylist()
    pairs = nested_tuples(prediction, ("label", "score")) if any(multi) else []
    values: list[list[str] | None] = []
    for i, label in enumerate(top):
        if multi[i]:  # then ``pairs`` was read (some record is multi-label)
            scored = pairs[i]
            values.append(
                None
                if scored is None
                else [lab for lab, score in scored if score > MULTI_LABEL_THRESHOLD]
            )
        else:
            values.append(None if label is None else [label])
    return pa.array(values, LABELS)


def _predicted_spans(table: pa.Table) -> pa.Array:
    rows = nested_tuples(table.column("prediction"), ("label", "start", "end"))
    return pa.array(rows, spec(TOKEN_CLASSIFICATION).schema.field("annotation").type)


def _top_prediction_text(table: pa.Table) -> pa.Array:
    rows = nested_tuples(table.column("prediction"), ("text",))
    return pa.array([r[0][0] if r else None for r in rows], pa.large_string())


def keep_rows(table: pa.Table, seqs: Sequence[int], skip: list[int]) -> tuple[pa.Table, np.ndarray]:
    """Drop the rows an action left alone (and their seqs)."""
    positions = np.asarray(seqs, dtype=np.int64)
    if not skip:
        return table, positions
    keep = np.ones(len(table), dtype=bool)
    keep[skip] = False
    return table.filter(pa.array(keep)), positions[keep]
