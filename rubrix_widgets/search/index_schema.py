"""What goes into the tantivy index, per task, and how a record becomes a document.

The index is derived data: every field here is computed from the stored
records, so the index can always be rebuilt from them.

Fields (the names users type map onto these in :mod:`query_compiler`):

- ``in_0`` .. ``in_N``: input texts, one slot per input key (``text`` for
  token classification and text2text), analysed with :data:`TEXT_ANALYZER`.
- ``id``, ``status``, ``annotated_as``, ``predicted_as``, ``annotated_by``,
  ``predicted_by``, ``predicted`` (ok/ko): exact keywords.
- ``score`` (every relevant score), ``event_timestamp``, ``last_updated``,
  ``id_num`` (int ids), ``multi_label``.
- ``metadata``: a JSON field, exact and typed (``metadata.page_number>1``).
- ``_has``: the names of the optional fields a record has, for ``_exists_``.
- ``_seq``: the record's position in first-logged order; results sort by it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc
import tantivy

from ..record_table import nested_tuples, no_gc
from ..tasks import TEXT2TEXT, TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION

TEXT_TOKENIZER = "rb_text"
KEYWORDS_TOKENIZER = "rb_keywords"
KEYWORD_SEPARATOR = "\x1f"
MIN_SLOTS = 8
MULTI_LABEL_THRESHOLD = 0.5

# Words (letters, digits, marks, underscore) and single emoji, lowercased:
# close to Elasticsearch's standard analyzer, and it keeps emoji searchable.
TEXT_ANALYZER = (
    tantivy.TextAnalyzerBuilder(
        tantivy.Tokenizer.regex(r"[\p{L}\p{N}\p{M}_]+|\p{Extended_Pictographic}")
    )
    .filter(tantivy.Filter.remove_long(100))
    .filter(tantivy.Filter.lowercase())
    .build()
)
# A list of exact keywords (token classification tokens) in one string.
KEYWORDS_ANALYZER = tantivy.TextAnalyzerBuilder(
    tantivy.Tokenizer.regex("[^\x1f]+")
).build()

KEYWORD_FIELDS = ("id", "status", "annotated_by", "predicted_by", "predicted")
# Several exact values per record, indexed from one joined string.
KEYWORD_LIST_FIELDS = ("annotated_as", "predicted_as", "_has")


def slot_field(slot: int) -> str:
    return f"in_{slot}"


def build_schema(task: str, slots: int) -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("_seq", indexed=True, fast=True)
    for slot in range(slots):
        sb.add_text_field(slot_field(slot), tokenizer_name=TEXT_TOKENIZER)
    for name in KEYWORD_FIELDS:
        sb.add_text_field(name, tokenizer_name="raw")
    for name in KEYWORD_LIST_FIELDS:
        sb.add_text_field(name, tokenizer_name=KEYWORDS_TOKENIZER)
    sb.add_integer_field("id_num", indexed=True, fast=True)
    sb.add_float_field("score", indexed=True, fast=True)
    sb.add_date_field("event_timestamp", indexed=True, fast=True)
    sb.add_date_field("last_updated", indexed=True, fast=True)
    sb.add_json_field("metadata", tokenizer_name="raw", fast=True, expand_dots_enabled=True)
    if task == TEXT_CLASSIFICATION:
        sb.add_boolean_field("multi_label", indexed=True, fast=True)
    if task == TOKEN_CLASSIFICATION:
        sb.add_text_field("tokens", tokenizer_name=KEYWORDS_TOKENIZER)
    if task == TEXT2TEXT:
        sb.add_text_field("annotation", tokenizer_name=TEXT_TOKENIZER)
        sb.add_text_field("prediction", tokenizer_name=TEXT_TOKENIZER)
    return sb.build()


def register_tokenizers(index: tantivy.Index) -> None:
    """Custom tokenizers are not stored in the index: register them on every open."""
    index.register_tokenizer(TEXT_TOKENIZER, TEXT_ANALYZER)
    index.register_tokenizer(KEYWORDS_TOKENIZER, KEYWORDS_ANALYZER)


def text_classification_derived(
    prediction: list[tuple[str, float]] | None, annotation: list[str] | None, multi_label: bool
) -> tuple[list[str], list[float], str | None]:
    """predicted_as labels, searchable scores and predicted (ok/ko) of one record."""
    if not prediction:
        predicted_as, scores = [], []
    elif multi_label:
        predicted_as = [label for label, score in prediction if score >= MULTI_LABEL_THRESHOLD]
        scores = [score for _, score in prediction]
    else:
        predicted_as, scores = [prediction[0][0]], [prediction[0][1]]
    predicted = None
    if prediction and annotation is not None:
        predicted = "ok" if set(predicted_as) == set(annotation) else "ko"
    return predicted_as, scores, predicted


def _list(array: pa.ChunkedArray | pa.Array) -> pa.Array:
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _keywords(values: pa.Array) -> pa.Array:
    """list<string> -> one string of keywords joined by the separator (null if empty)."""
    joined = pc.binary_join(values, KEYWORD_SEPARATOR)
    return pc.if_else(pc.equal(joined, ""), pa.scalar(None, pa.string()), joined)


def _presence(columns: dict[str, pa.Array], n: int) -> list[str | None]:
    """Per record, the names of the optional fields it has, joined (for ``_exists_``)."""
    if not columns or n == 0:
        return [None] * n
    nothing = pa.scalar(None, pa.string())
    parts = [pc.if_else(valid, name, nothing) for name, valid in columns.items()]
    # null_handling="skip" drops all-null rows in pyarrow 26, so join with empty
    # strings (the keyword tokenizer ignores empty pieces) and null the empty rows.
    joined = pc.binary_join_element_wise(*parts, KEYWORD_SEPARATOR, null_handling="replace")
    anything = parts[0].is_valid()
    for part in parts[1:]:
        anything = pc.or_(anything, part.is_valid())
    return pc.if_else(anything, joined, nothing).to_pylist()


def _text_classification_columns(table: pa.Table, col: dict, has: dict) -> None:
    n = len(table)
    prediction, annotation = _list(table.column("prediction")), _list(table.column("annotation"))
    multi = table.column("multi_label").to_pylist()
    top = pc.list_element(prediction, 0)
    top_label, top_score = pc.struct_field(top, "label"), pc.struct_field(top, "score")
    first_annotation = pc.list_element(annotation, 0)
    single_ok = pc.and_(
        pc.equal(top_label, first_annotation), pc.equal(pc.list_value_length(annotation), 1)
    )
    predicted = pc.if_else(single_ok, "ok", "ko")  # null unless both exist
    col["predicted_as"] = top_label.to_pylist()
    col["score"] = top_score.to_pylist()
    col["predicted"] = predicted.to_pylist()
    col["annotated_as"] = _keywords(annotation).to_pylist()
    if any(multi):
        pairs = nested_tuples(prediction, ("label", "score"))
        labels = annotation.to_pylist()
        for i in (i for i in range(n) if multi[i]):
            predicted_as, scores, ok = text_classification_derived(pairs[i], labels[i], True)
            col["predicted_as"][i] = KEYWORD_SEPARATOR.join(predicted_as) or None
            col["score"][i] = scores
            col["predicted"][i] = ok
    has["prediction"] = pc.is_valid(prediction)
    has["predicted_as"] = pa.array([v is not None for v in col["predicted_as"]])
    has["score"] = has["prediction"]
    has["annotation"] = pc.is_valid(annotation)
    has["annotated_as"] = has["annotation"]
    has["predicted"] = pc.is_valid(predicted) if not any(multi) else pa.array(
        [v is not None for v in col["predicted"]])
    has["explanation"] = pc.is_valid(table.column("explanation"))
    has["inputs.text"] = pc.is_null(table.column("inputs"))
    col["multi_label"] = multi
    col["text"] = table.column("text").to_pylist()
    col["inputs"] = table.column("inputs").to_pylist()


def _token_classification_columns(table: pa.Table, col: dict, has: dict) -> None:
    prediction = nested_tuples(table.column("prediction"), ("label", "start", "end", "score"))
    annotation = nested_tuples(table.column("annotation"), ("label", "start", "end"))
    col["text"] = table.column("text").to_pylist()
    col["tokens"] = _keywords(_list(table.column("tokens"))).to_pylist()
    col["predicted_as"], col["annotated_as"], col["score"], col["predicted"] = [], [], [], []
    for spans, gold in zip(prediction, annotation, strict=True):
        col["predicted_as"].append(KEYWORD_SEPARATOR.join(sorted({s[0] for s in spans or ()})) or None)
        col["annotated_as"].append(KEYWORD_SEPARATOR.join(sorted({s[0] for s in gold or ()})) or None)
        col["score"].append([s[3] for s in spans or () if s[3] is not None])
        col["predicted"].append(
            None if spans is None or gold is None
            else "ok" if {s[:3] for s in spans} == set(gold) else "ko"
        )
    has["prediction"] = pc.is_valid(table.column("prediction"))
    has["annotation"] = pc.is_valid(table.column("annotation"))
    has["predicted_as"] = pa.array([v is not None for v in col["predicted_as"]])
    has["annotated_as"] = pa.array([v is not None for v in col["annotated_as"]])
    has["score"] = pa.array([bool(v) for v in col["score"]])
    has["predicted"] = pa.array([v is not None for v in col["predicted"]])


def _text2text_columns(table: pa.Table, col: dict, has: dict) -> None:
    prediction = nested_tuples(table.column("prediction"), ("text", "score"))
    col["text"] = table.column("text").to_pylist()
    col["prediction_texts"] = [[t for t, _ in p] if p else () for p in prediction]
    col["score"] = [[s for _, s in p] if p else [] for p in prediction]
    col["annotation"] = table.column("annotation").to_pylist()
    has["prediction"] = has["score"] = pc.is_valid(table.column("prediction"))
    has["annotation"] = pc.is_valid(table.column("annotation"))


def documents(
    table: pa.Table, task: str, slot_of: dict[str, int]
) -> Iterator[tantivy.Document]:
    """One tantivy document per row of a stored records table.

    Everything that can be computed column-wise is, so the per-record loop
    only hands prepared values to tantivy.
    """
    n = len(table)
    col: dict = {}
    has: dict[str, pa.Array] = {}
    with no_gc():
        for name in ("_seq", "id", "id_int", "status", "prediction_agent", "annotation_agent",
                     "metadata", "event_timestamp"):
            col[name] = table.column(name).to_pylist()
        has["predicted_by"] = pc.is_valid(table.column("prediction_agent"))
        has["annotated_by"] = pc.is_valid(table.column("annotation_agent"))
        has["event_timestamp"] = pc.is_valid(table.column("event_timestamp"))
        updated = table.column("last_updated")
        same_time = n > 0 and pc.min_max(updated)["min"] == pc.min_max(updated)["max"]
        col["last_updated"] = [updated[0].as_py()] * n if same_time else updated.to_pylist()
        if task == TEXT_CLASSIFICATION:
            _text_classification_columns(table, col, has)
        elif task == TOKEN_CLASSIFICATION:
            _token_classification_columns(table, col, has)
        else:
            _text2text_columns(table, col, has)
        presence = _presence(has, n)
    text_slot = slot_field(slot_of.get("text", 0))
    Document = tantivy.Document
    seqs, ids, id_ints, statuses = col["_seq"], col["id"], col["id_int"], col["status"]
    predicted_by, annotated_by, metadata = col["prediction_agent"], col["annotation_agent"], col["metadata"]
    event_ts, last_updated, texts = col["event_timestamp"], col["last_updated"], col["text"]
    predicted_as, annotated_as = col.get("predicted_as"), col.get("annotated_as")
    scores, predicted = col.get("score"), col.get("predicted")
    for i in range(n):
        doc = Document()
        doc.add_integer("_seq", seqs[i])
        doc.add_text("id", ids[i])
        if id_ints[i] is not None:
            doc.add_integer("id_num", id_ints[i])
        doc.add_text("status", statuses[i])
        doc.add_date("last_updated", last_updated[i])
        if predicted_by[i] is not None:
            doc.add_text("predicted_by", predicted_by[i])
        if annotated_by[i] is not None:
            doc.add_text("annotated_by", annotated_by[i])
        if metadata[i] is not None:
            doc.add_json("metadata", metadata[i])
        if event_ts[i] is not None:
            doc.add_date("event_timestamp", event_ts[i])
        extra_presence = None
        if task == TEXT_CLASSIFICATION:
            inputs_json = col["inputs"][i]
            if inputs_json is None:
                doc.add_text(text_slot, texts[i])
            else:
                inputs = json.loads(inputs_json)
                extra_presence = KEYWORD_SEPARATOR.join(f"inputs.{key}" for key in inputs)
                for key, value in inputs.items():
                    field = slot_field(slot_of[key])
                    for piece in [value] if isinstance(value, str) else value:
                        doc.add_text(field, piece)
            doc.add_boolean("multi_label", col["multi_label"][i])
        else:
            doc.add_text(text_slot, texts[i])
            if task == TOKEN_CLASSIFICATION:
                doc.add_text("tokens", col["tokens"][i])
            else:
                for text in col["prediction_texts"][i]:
                    doc.add_text("prediction", text)
                if col["annotation"][i] is not None:
                    doc.add_text("annotation", col["annotation"][i])
        if predicted_as is not None and predicted_as[i] is not None:
            doc.add_text("predicted_as", predicted_as[i])
        if annotated_as is not None and annotated_as[i] is not None:
            doc.add_text("annotated_as", annotated_as[i])
        score = scores[i]
        if score.__class__ is float:
            doc.add_float("score", score)
        elif score:
            for value in score:
                doc.add_float("score", value)
        if predicted is not None and predicted[i] is not None:
            doc.add_text("predicted", predicted[i])
        if presence[i] is not None:
            doc.add_text("_has", presence[i])
        if extra_presence:
            doc.add_text("_has", extra_presence)
        yield doc


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
