"""What goes into the tantivy index: fields, tokenizers, and the keyword encoding.

The index is derived data: every field is computed from the stored records
(:mod:`index_documents`), so it can always be rebuilt from them.

- ``in_0`` .. ``in_N``: input texts, one slot per input key (``text`` for
  token classification and text2text), analysed with :data:`TEXT_ANALYZER`.
- ``symbols``: emoji and other symbols of the texts that have any.
- ``kw``: every exact value of a record in one field, as ``name:value``
  tokens: ``status:Validated``, ``predicted_as:Sports``, ``annotated_by:ann``,
  ``predicted:ko``, ``multi_label:true``, and ``_has:<field>`` for the few
  optional fields a query cannot otherwise tell apart. One field, its values
  prepared column-wise and indexed whole (the ``raw`` tokenizer), makes
  indexing several times cheaper than a field per keyword.
- ``id`` (exact), ``id_num`` (int ids), ``score`` (every relevant score).
- ``event_timestamp``, ``last_updated``: microseconds since the epoch, UTC.
- ``metadata``: a JSON field, exact and typed (``metadata.page_number>1``).
- ``tokens`` (token classification), ``annotation``/``prediction`` (text2text).
- ``_seq``: the record's position in first-logged order; results sort by it.
"""

from __future__ import annotations

import datetime as dt

import tantivy

from ..tasks import TEXT2TEXT, TOKEN_CLASSIFICATION

INDEX_FORMAT = 6  # bump when the schema changes: older indexes are rebuilt
TEXT_TOKENIZER = "default"
KEYWORD_SEPARATOR = "\x1f"
MIN_SLOTS = 8
MULTI_LABEL_THRESHOLD = 0.5  # multi-label predicted_as: scores strictly above (Rubrix's server)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)

# tantivy's built-in "default" text analysis (split on what is not a letter or
# digit, drop tokens over 40 bytes, lowercase), rebuilt here to analyse query
# words exactly as the index did. Close to Elasticsearch's standard analyzer,
# and three times faster to index than a Unicode-class regex tokenizer.
TEXT_ANALYZER = (
    tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    .filter(tantivy.Filter.remove_long(40))
    .filter(tantivy.Filter.lowercase())
    .build()
)
# Symbols (Unicode category So: emoji, ©, ☀) that the text analyzer drops,
# indexed in their own field only for texts that have them.
SYMBOLS_TOKENIZER = "rb_symbols"
SYMBOL_PATTERN = r"\p{So}"
SYMBOLS_ANALYZER = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(SYMBOL_PATTERN)).build()
# Exact keywords are prepared joined by KEYWORD_SEPARATOR (column-wise, with
# Arrow) and added to ``kw`` one value each (the ``raw`` tokenizer).

# Names users type that live in the ``kw`` field.
KEYWORD_NAMES = (
    "status",
    "annotated_as",
    "predicted_as",
    "annotated_by",
    "predicted_by",
    "predicted",
    "multi_label",
)


JSON_INPUTS = "json_inputs"  # presence token: the record's inputs are not just {"text": ...}


def slot_field(slot: int) -> str:
    return f"in_{slot}"


def keyword(name: str, value: str) -> str:
    """The ``kw`` token for ``name:value``."""
    return f"{name}:{value}"


def presence(name: str) -> str:
    """The ``kw`` token saying a record has field ``name`` (for ``_exists_``)."""
    return f"_has:{name}"


def micros(moment: dt.datetime) -> int:
    """Microseconds since the epoch; naive datetimes are UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return (moment - EPOCH) // dt.timedelta(microseconds=1)


def build_schema(task: str, slots: int) -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("_seq", indexed=True, fast=True)
    for slot in range(slots):
        sb.add_text_field(slot_field(slot), tokenizer_name=TEXT_TOKENIZER)
    # exact fields need no positions or frequencies
    sb.add_text_field("symbols", tokenizer_name=SYMBOLS_TOKENIZER, index_option="basic")
    sb.add_text_field("kw", tokenizer_name="raw", index_option="basic")
    sb.add_text_field("id", tokenizer_name="raw", index_option="basic")
    # Numbers are only ever queried by range (an exact value is a one-point
    # range), which tantivy answers from the fast-field column: no term
    # dictionary of a million distinct values to build. _seq stays indexed
    # because documents are deleted by their _seq term.
    sb.add_integer_field("id_num", fast=True)
    sb.add_float_field("score", fast=True)
    sb.add_integer_field("event_timestamp", fast=True)
    sb.add_integer_field("last_updated", fast=True)
    sb.add_json_field("metadata", tokenizer_name="raw", fast=True, expand_dots_enabled=True)
    if task == TOKEN_CLASSIFICATION:
        # tokens joined by spaces and split again by the built-in whitespace
        # tokenizer: exact terms at consecutive positions (a regex tokenizer
        # over a rarer separator cost two thirds of NER indexing). A token
        # holding a space is indexed as its words.
        sb.add_text_field("tokens", tokenizer_name="whitespace")
    if task == TEXT2TEXT:
        sb.add_text_field("annotation", tokenizer_name=TEXT_TOKENIZER)
        sb.add_text_field("prediction", tokenizer_name=TEXT_TOKENIZER)
    return sb.build()


def register_tokenizers(index: tantivy.Index) -> None:
    """Custom tokenizers are not stored in the index: register them on every open."""
    index.register_tokenizer(SYMBOLS_TOKENIZER, SYMBOLS_ANALYZER)


def text_classification_derived(
    prediction: list[tuple[str, float]] | None, annotation: list[str] | None, multi_label: bool
) -> tuple[list[str], list[float], str | None]:
    """predicted_as labels, searchable scores and predicted (ok/ko) of one record."""
    if not prediction:
        predicted_as, scores = [], []
    elif multi_label:
        predicted_as = [label for label, score in prediction if score > MULTI_LABEL_THRESHOLD]
        scores = [score for _, score in prediction]
    else:
        predicted_as, scores = [prediction[0][0]], [prediction[0][1]]
    predicted = None
    if prediction and annotation is not None:
        predicted = "ok" if set(predicted_as) == set(annotation) else "ko"
    return predicted_as, scores, predicted
