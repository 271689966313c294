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

import datetime as dt
import json
from collections.abc import Iterator

import pyarrow as pa
import tantivy

from ..record_table import _nested_tuples, no_gc
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

KEYWORD_FIELDS = (
    "id", "status", "annotated_as", "predicted_as", "annotated_by", "predicted_by", "predicted",
)


def slot_field(slot: int) -> str:
    return f"in_{slot}"


def build_schema(task: str, slots: int) -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("_seq", indexed=True, fast=True)
    for slot in range(slots):
        sb.add_text_field(slot_field(slot), tokenizer_name=TEXT_TOKENIZER)
    for name in KEYWORD_FIELDS:
        sb.add_text_field(name, tokenizer_name="raw")
    sb.add_text_field("_has", tokenizer_name="raw")
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


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc)


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


def documents(
    table: pa.Table, task: str, slot_of: dict[str, int]
) -> Iterator[tantivy.Document]:
    """One tantivy document per row of a stored records table."""
    n = len(table)
    with no_gc():
        col = {name: table.column(name).to_pylist() for name in (
            "_seq", "id", "id_int", "status", "prediction_agent", "annotation_agent", "metadata",
        )}
        col["event_timestamp"] = table.column("event_timestamp").to_pylist()
        col["last_updated"] = table.column("last_updated").to_pylist()
        if task == TEXT_CLASSIFICATION:
            col["text"] = table.column("text").to_pylist()
            col["inputs"] = table.column("inputs").to_pylist()
            col["prediction"] = _nested_tuples(table.column("prediction"), ("label", "score"))
            col["annotation"] = table.column("annotation").to_pylist()
            col["multi_label"] = table.column("multi_label").to_pylist()
            col["explanation"] = table.column("explanation").is_valid().to_pylist()
        elif task == TOKEN_CLASSIFICATION:
            col["text"] = table.column("text").to_pylist()
            col["tokens"] = table.column("tokens").to_pylist()
            col["prediction"] = _nested_tuples(
                table.column("prediction"), ("label", "start", "end", "score")
            )
            col["annotation"] = _nested_tuples(table.column("annotation"), ("label", "start", "end"))
        else:
            col["text"] = table.column("text").to_pylist()
            col["prediction"] = _nested_tuples(table.column("prediction"), ("text", "score"))
            col["annotation"] = table.column("annotation").to_pylist()
    text_slot = slot_field(slot_of.get("text", 0))
    Document = tantivy.Document
    for i in range(n):
        doc = Document()
        doc.add_integer("_seq", col["_seq"][i])
        doc.add_text("id", col["id"][i])
        if col["id_int"][i] is not None:
            doc.add_integer("id_num", col["id_int"][i])
        doc.add_text("status", col["status"][i])
        has = []
        if col["prediction_agent"][i] is not None:
            doc.add_text("predicted_by", col["prediction_agent"][i])
            has.append("predicted_by")
        if col["annotation_agent"][i] is not None:
            doc.add_text("annotated_by", col["annotation_agent"][i])
            has.append("annotated_by")
        if col["metadata"][i] is not None:
            doc.add_json("metadata", col["metadata"][i])
        if col["event_timestamp"][i] is not None:
            doc.add_date("event_timestamp", _utc(col["event_timestamp"][i]))
            has.append("event_timestamp")
        doc.add_date("last_updated", _utc(col["last_updated"][i]))
        prediction, annotation = col["prediction"][i], col["annotation"][i]
        if task == TEXT_CLASSIFICATION:
            inputs_json = col["inputs"][i]
            if inputs_json is None:
                doc.add_text(text_slot, col["text"][i])
                has.append("inputs.text")
            else:
                for key, value in json.loads(inputs_json).items():
                    field = slot_field(slot_of[key])
                    has.append(f"inputs.{key}")
                    for piece in [value] if isinstance(value, str) else value:
                        doc.add_text(field, piece)
            multi = col["multi_label"][i]
            doc.add_boolean("multi_label", multi)
            predicted_as, scores, predicted = text_classification_derived(
                prediction, annotation, multi
            )
            if col["explanation"][i]:
                has.append("explanation")
            annotated_as = annotation or []
        elif task == TOKEN_CLASSIFICATION:
            doc.add_text(text_slot, col["text"][i])
            doc.add_text("tokens", KEYWORD_SEPARATOR.join(col["tokens"][i]))
            predicted_as = sorted({span[0] for span in prediction or ()})
            scores = [span[3] for span in prediction or () if span[3] is not None]
            annotated_as = sorted({span[0] for span in annotation or ()})
            predicted = None
            if prediction is not None and annotation is not None:
                same = {s[:3] for s in prediction} == set(annotation)
                predicted = "ok" if same else "ko"
        else:
            doc.add_text(text_slot, col["text"][i])
            scores = [score for _, score in prediction or ()]
            for text, _ in prediction or ():
                doc.add_text("prediction", text)
            if annotation is not None:
                doc.add_text("annotation", annotation)
            predicted_as, annotated_as, predicted = [], [], None
        for label in predicted_as:
            doc.add_text("predicted_as", label)
        for label in annotated_as:
            doc.add_text("annotated_as", label)
        if predicted_as:
            has.append("predicted_as")
        if annotated_as:
            has.append("annotated_as")
        for score in scores:
            doc.add_float("score", score)
        if prediction is not None:
            has.append("prediction")
            if scores:
                has.append("score")
        if annotation is not None:
            has.append("annotation")
        if predicted is not None:
            doc.add_text("predicted", predicted)
            has.append("predicted")
        for name in has:
            doc.add_text("_has", name)
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
