"""Stored records -> tantivy documents, computed column-wise.

Only what a query cannot infer goes into ``kw``: ``_exists_:annotated_by``
is a regex over ``annotated_by:*`` terms, ``_exists_:score`` a fast-field
exists query; presence tokens are kept for the rare fields (explanation,
inputs other than ``text``).

Everything that can be derived with Arrow compute is (the ``kw`` keyword
string, predicted_as, ok/ko, presence flags, timestamps as integers), so
the per-record loop only hands prepared values to tantivy. Multi-label and
token classification rows need per-record set logic and get it in Python.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import tantivy

from .._arrow import nested_tuples, no_gc
from ..tasks import TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION
from .index_schema import (
    JSON_INPUTS,
    KEYWORD_SEPARATOR,
    SYMBOL_PATTERN,
    keyword,
    presence,
    slot_field,
    text_classification_derived,
)

_NULL = pa.scalar(None, pa.string())


def _array(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _prefixed(values: pa.Array, name: str) -> pa.Array:
    """``name:value`` per row (null stays null)."""
    return pc.binary_join_element_wise(pa.scalar(f"{name}:"), pc.cast(values, pa.string()), "")


def _prefixed_list(lists: pa.Array, name: str) -> pa.Array:
    """A list of labels per row -> ``name:a<sep>name:b`` per row."""
    lists = _array(lists)
    if len(lists) == 0:
        return pa.array([], pa.string())
    flat = _prefixed(pc.list_flatten(lists), name)
    offsets = pc.subtract(lists.offsets, lists.offsets[0])
    rebuilt = pa.ListArray.from_arrays(offsets, flat, mask=pc.is_null(lists))
    return pc.binary_join(rebuilt, KEYWORD_SEPARATOR)


def _flag(valid: pa.Array, name: str) -> pa.Array:
    return pc.if_else(valid, presence(name), _NULL)


def _join(parts: list[pa.Array]) -> list[str]:
    # null_handling="skip" drops all-null rows in pyarrow 26; empty pieces are
    # harmless because the keyword tokenizer ignores them.
    return pc.binary_join_element_wise(
        *parts, KEYWORD_SEPARATOR, null_handling="replace"
    ).to_pylist()


def _python_keywords(name: str, labels) -> str | None:
    return KEYWORD_SEPARATOR.join(keyword(name, label) for label in labels) or None


def first_item(values: pa.Array) -> pa.Array:
    """Element 0 of each list; null for null *and empty* lists (list_element raises on [])."""
    nonempty = pc.fill_null(pc.greater(pc.list_value_length(values), 0), False)
    return pc.list_element(pc.if_else(nonempty, values, pa.scalar(None, values.type)), 0)


def _text_classification(table: pa.Table, col: dict, parts: list) -> None:
    n = len(table)
    prediction, annotation = _array(table.column("prediction")), _array(table.column("annotation"))
    multi = table.column("multi_label")
    top = first_item(prediction)
    top_label, top_score = pc.struct_field(top, "label"), pc.struct_field(top, "score")
    single_ok = pc.and_(
        pc.equal(top_label, first_item(annotation)),
        pc.equal(pc.list_value_length(annotation), 1),
    )
    predicted = pc.if_else(single_ok, "ok", "ko")  # null unless both exist
    predicted_as = _prefixed(top_label, "predicted_as")
    col["score"] = top_score.to_pylist()
    if pc.any(multi).as_py():
        # multi-label rows: predicted_as = labels scoring > 0.5, every score searchable
        flags = multi.to_pylist()
        pairs = nested_tuples(prediction, ("label", "score"))
        gold = annotation.to_pylist()
        as_list, ok_list = predicted_as.to_pylist(), predicted.to_pylist()
        for i in (i for i in range(n) if flags[i]):
            labels, scores, ok = text_classification_derived(pairs[i], gold[i], True)
            as_list[i] = _python_keywords("predicted_as", labels)
            ok_list[i] = ok
            col["score"][i] = scores
        predicted_as, predicted = pa.array(as_list, pa.string()), pa.array(ok_list, pa.string())
    parts += [
        predicted_as,
        _prefixed_list(annotation, "annotated_as"),
        _prefixed(predicted, "predicted"),
        pc.if_else(multi, "multi_label:true", _NULL),
        _flag(pc.is_valid(table.column("explanation")), "explanation"),
    ]
    col["inputs"] = table.column("inputs").to_pylist()


def _span_values(spans: pa.Array, field: str) -> pa.Array:
    """list<span struct> -> list<field> per row (null stays null)."""
    spans = _array(spans)
    offsets = pc.subtract(spans.offsets, spans.offsets[0])
    values = pc.struct_field(pc.list_flatten(spans), field)
    return pa.ListArray.from_arrays(offsets, values, mask=pc.is_null(spans))


def _token_classification(table: pa.Table, col: dict, parts: list) -> None:
    prediction, annotation = _array(table.column("prediction")), _array(table.column("annotation"))
    col["tokens"] = pc.binary_join(_array(table.column("tokens")), " ").to_pylist()
    parts += [
        _prefixed_list(_span_values(prediction, "label"), "predicted_as"),
        _prefixed_list(_span_values(annotation, "label"), "annotated_as"),
        _span_agreement(prediction, annotation),
    ]
    scores = _span_values(prediction, "score")
    col["score"] = scores.to_pylist()
    if pc.list_flatten(scores).null_count:  # spans predicted without a score
        col["score"] = [[x for x in row if x is not None] if row else row for row in col["score"]]


def _span_agreement(prediction: pa.Array, annotation: pa.Array) -> pa.Array:
    """``predicted:ok`` where the predicted spans are the annotated ones, ``ko`` where not."""
    both = pc.and_(pc.is_valid(prediction), pc.is_valid(annotation))
    out: list[str | None] = [None] * len(prediction)
    rows = np.flatnonzero(both.to_numpy(zero_copy_only=False))
    if len(rows):
        taken = pa.array(rows)
        spans = nested_tuples(prediction.take(taken), ("label", "start", "end"))
        gold = nested_tuples(annotation.take(taken), ("label", "start", "end"))
        for row, predicted, annotated in zip(rows.tolist(), spans, gold, strict=True):
            same = set(predicted) == set(annotated)
            out[row] = keyword("predicted", "ok" if same else "ko")
    return pa.array(out, pa.string())


def _text2text(table: pa.Table, col: dict, parts: list) -> None:
    prediction = nested_tuples(table.column("prediction"), ("text", "score"))
    col["prediction_texts"] = [[t for t, _ in p] if p else () for p in prediction]
    col["score"] = [[s for _, s in p] if p else [] for p in prediction]
    col["annotation"] = table.column("annotation").to_pylist()
    parts.append(_flag(pc.is_valid(table.column("annotation")), "annotation"))


CHUNK_ROWS = 50_000


def names_per_row(column: pa.ChunkedArray) -> list[list[str]] | None:
    """The vector names of each row (``_exists_:vectors.<name>``); None when no row has any."""
    if column.null_count == len(column):
        return None
    array = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    offsets = array.offsets.to_numpy()
    keys = array.keys.to_pylist()
    return [keys[offsets[i] : offsets[i + 1]] for i in range(len(array))]


def documents(table: pa.Table, task: str, slot_of: dict[str, int]) -> Iterator[tantivy.Document]:
    """One tantivy document per row of a stored records table.

    Rows are prepared a chunk at a time, so the Python values alive at once
    stay small whatever the size of the table.
    """
    for start in range(0, len(table), CHUNK_ROWS):
        yield from _chunk_documents(table.slice(start, CHUNK_ROWS), task, slot_of)


def _chunk_documents(
    table: pa.Table, task: str, slot_of: dict[str, int]
) -> Iterator[tantivy.Document]:
    n = len(table)
    if n == 0:
        return
    col: dict = {}
    with no_gc():
        for name in ("_seq", "id", "id_int", "metadata", "text"):
            col[name] = table.column(name).to_pylist()
        col["symbols"] = pc.fill_null(
            pc.match_substring_regex(table.column("text"), SYMBOL_PATTERN), False
        ).to_pylist()
        col["event_timestamp"] = pc.cast(table.column("event_timestamp"), pa.int64()).to_pylist()
        updated = pc.cast(table.column("last_updated"), pa.int64())
        low_high = pc.min_max(updated)
        same = low_high["min"] == low_high["max"]
        col["last_updated"] = [low_high["min"].as_py()] * n if same else updated.to_pylist()
        predicted_by, annotated_by = (
            table.column("prediction_agent"),
            table.column("annotation_agent"),
        )
        parts = [
            _prefixed(table.column("status"), "status"),
            _prefixed(predicted_by, "predicted_by"),
            _prefixed(annotated_by, "annotated_by"),
        ]
        {
            TEXT_CLASSIFICATION: _text_classification,
            TOKEN_CLASSIFICATION: _token_classification,
        }.get(task, _text2text)(table, col, parts)
        keywords = _join([_array(p) for p in parts])
    text_slot = slot_field(slot_of.get("text", 0))
    Document = tantivy.Document
    seqs, ids, id_ints, metadata = col["_seq"], col["id"], col["id_int"], col["metadata"]
    stamps, updated_at, texts, scores = (
        col["event_timestamp"],
        col["last_updated"],
        col["text"],
        col["score"],
    )
    inputs, symbols = col.get("inputs"), col["symbols"]
    vector_names = names_per_row(table.column("vectors"))
    for i in range(n):
        doc = Document()
        doc.add_integer("_seq", seqs[i])
        doc.add_text("id", ids[i])
        if id_ints[i] is not None:
            doc.add_integer("id_num", id_ints[i])
        for word in keywords[i].split(KEYWORD_SEPARATOR):
            if word:
                doc.add_text("kw", word)
        doc.add_integer("last_updated", updated_at[i])
        if stamps[i] is not None:
            doc.add_integer("event_timestamp", stamps[i])
        if metadata[i] is not None:
            doc.add_json("metadata", metadata[i])
        if inputs is not None and inputs[i] is not None:
            _add_inputs(doc, json.loads(inputs[i]), slot_of)
        else:
            doc.add_text(text_slot, texts[i])
            if symbols[i]:
                doc.add_text("symbols", texts[i])
        score = scores[i]
        if score.__class__ is float:
            doc.add_float("score", score)
        elif score:
            for value in score:
                doc.add_float("score", value)
        if vector_names is not None and vector_names[i]:
            doc.add_text("kw", presence("vectors"))
            for name in vector_names[i]:
                doc.add_text("kw", presence(f"vectors.{name}"))
        if task == TOKEN_CLASSIFICATION:
            doc.add_text("tokens", col["tokens"][i])
        elif task != TEXT_CLASSIFICATION:
            for text in col["prediction_texts"][i]:
                doc.add_text("prediction", text)
            if col["annotation"][i] is not None:
                doc.add_text("annotation", col["annotation"][i])
        yield doc


def _add_inputs(doc: tantivy.Document, inputs: dict, slot_of: dict[str, int]) -> None:
    """Records whose inputs are not just ``{"text": ...}`` say which keys they have."""
    doc.add_text("kw", presence(JSON_INPUTS))
    for key in inputs:
        doc.add_text("kw", presence(f"inputs.{key}"))
    for key, value in inputs.items():
        field = slot_field(slot_of[key])
        for piece in [value] if isinstance(value, str) else value:
            doc.add_text(field, piece)
            doc.add_text("symbols", piece)


def input_keys_of(table: pa.Table, task: str) -> list[str]:
    """Input keys used by a records table, in order of first appearance."""
    if task != TEXT_CLASSIFICATION:
        return ["text"]
    keys: dict[str, None] = {}
    inputs = table.column("inputs")
    if inputs.null_count < len(table):
        for value in inputs.drop_null().to_pylist():
            keys.update(dict.fromkeys(json.loads(value)))
    if inputs.null_count:
        keys = {"text": None, **keys}
    return list(keys)
