"""The three Rubrix tasks: their names, record classes and stored columns.

Records are stored column-wise in Arrow. Columns starting with ``_`` and
``last_updated`` are bookkeeping kept by the store; the others are the
record's fields in a form that loads back exactly (JSON text for free-form
dicts, lists of structs for predictions and spans).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

TEXT_CLASSIFICATION = "TextClassification"
TOKEN_CLASSIFICATION = "TokenClassification"
TEXT2TEXT = "Text2Text"
TASKS = (TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION, TEXT2TEXT)

# Rubrix 0.18's record fields, in its order: what its ``record.dict()`` gave, the columns of
# its ``DatasetFor*.to_pandas()`` and, but for search_keywords, of ``to_datasets()``.
_RUBRIX_TAIL = ("id", "metadata", "status", "event_timestamp", "metrics", "search_keywords")
_AGENTS = ("prediction", "prediction_agent", "annotation", "annotation_agent")
RUBRIX_FIELDS: dict[str, tuple[str, ...]] = {
    TEXT_CLASSIFICATION: ("text", "inputs", *_AGENTS, "multi_label", "explanation", *_RUBRIX_TAIL),
    TOKEN_CLASSIFICATION: ("text", "tokens", *_AGENTS, *_RUBRIX_TAIL),
    TEXT2TEXT: ("text", *_AGENTS, *_RUBRIX_TAIL),
}

# The columns the store adds to every record (its position and when it was last written).
BOOKKEEPING = ("_seq", "last_updated")
# Rubrix's read-only fields: on its records and frames, never given by a person.
READ_ONLY_FIELDS = ("metrics", "search_keywords", "last_updated")

# The fields of the record models (records.py), in their order: Rubrix's fields without the
# read-only ones (text classification's ``text`` is an alias of its inputs). Kept here so that
# reading and writing data never imports the pydantic models; a test checks they agree.
_TAIL = ("id", "metadata", "status", "event_timestamp")
RECORD_FIELDS: dict[str, tuple[str, ...]] = {
    TEXT_CLASSIFICATION: (
        "inputs",
        "prediction",
        "annotation",
        "prediction_agent",
        "annotation_agent",
        "vectors",
        "multi_label",
        "explanation",
        *_TAIL,
    ),
    TOKEN_CLASSIFICATION: ("text", "tokens", *_AGENTS, "vectors", *_TAIL),
    TEXT2TEXT: ("text", *_AGENTS, "vectors", *_TAIL),
}

_COMMON_HEAD = [
    pa.field("_seq", pa.int64(), nullable=False),
    pa.field("id", pa.string(), nullable=False),
    pa.field("id_int", pa.int64()),
]
# Named vectors (Argilla 1.x): name -> float32 values. Stored last, so a part written before
# vectors existed reads as this schema by adding an all-null column (record_parts.read_part).
VECTORS = pa.field("vectors", pa.map_(pa.string(), pa.list_(pa.float32())))
_COMMON_TAIL = [
    pa.field("prediction_agent", pa.string()),
    pa.field("annotation_agent", pa.string()),
    pa.field("metadata", pa.large_string()),
    pa.field("status", pa.string(), nullable=False),
    pa.field("event_timestamp", pa.timestamp("us")),
    pa.field("last_updated", pa.timestamp("us", tz="UTC")),
    VECTORS,
]

LABEL_SCORE = pa.struct([("label", pa.string()), ("score", pa.float64())])
SPAN = pa.struct([("label", pa.string()), ("start", pa.int32()), ("end", pa.int32())])
SCORED_SPAN = pa.struct(
    [("label", pa.string()), ("start", pa.int32()), ("end", pa.int32()), ("score", pa.float64())]
)
TEXT_SCORE = pa.struct([("text", pa.large_string()), ("score", pa.float64())])


@dataclass(frozen=True)
class TaskSpec:
    name: str
    schema: pa.Schema
    load_columns: tuple[str, ...]

    @property
    def record_fields(self) -> tuple[str, ...]:
        """The fields a record of this task is made of (its model's fields, in their order)."""
        return RECORD_FIELDS[self.name]


def _schema(*fields: pa.Field) -> pa.Schema:
    return pa.schema([*_COMMON_HEAD, *fields, *_COMMON_TAIL])


SPECS: dict[str, TaskSpec] = {
    TEXT_CLASSIFICATION: TaskSpec(
        TEXT_CLASSIFICATION,
        _schema(
            pa.field("text", pa.large_string()),
            pa.field("inputs", pa.large_string()),
            pa.field("prediction", pa.list_(LABEL_SCORE)),
            pa.field("annotation", pa.list_(pa.string())),
            pa.field("multi_label", pa.bool_(), nullable=False),
            pa.field("explanation", pa.large_string()),
        ),
        (
            "inputs",
            "prediction",
            "annotation",
            "prediction_agent",
            "annotation_agent",
            "multi_label",
            "explanation",
            "id",
            "metadata",
            "status",
            "event_timestamp",
            "text",
        ),
    ),
    TOKEN_CLASSIFICATION: TaskSpec(
        TOKEN_CLASSIFICATION,
        _schema(
            pa.field("text", pa.large_string(), nullable=False),
            pa.field("tokens", pa.list_(pa.string()), nullable=False),
            pa.field("prediction", pa.list_(SCORED_SPAN)),
            pa.field("annotation", pa.list_(SPAN)),
        ),
        (
            "text",
            "tokens",
            "prediction",
            "prediction_agent",
            "annotation",
            "annotation_agent",
            "id",
            "metadata",
            "status",
            "event_timestamp",
        ),
    ),
    TEXT2TEXT: TaskSpec(
        TEXT2TEXT,
        _schema(
            pa.field("text", pa.large_string(), nullable=False),
            pa.field("prediction", pa.list_(TEXT_SCORE)),
            pa.field("annotation", pa.large_string()),
        ),
        (
            "text",
            "prediction",
            "prediction_agent",
            "annotation",
            "annotation_agent",
            "id",
            "metadata",
            "status",
            "event_timestamp",
        ),
    ),
}


def spec(task: str) -> TaskSpec:
    try:
        return SPECS[task]
    except KeyError:
        raise ValueError(f"task {task!r} is not one of {', '.join(TASKS)}") from None


def task_of_record(record: object) -> str:
    task = getattr(type(record), "task", None)
    if task not in SPECS:
        raise ValueError(
            f"{type(record).__name__} is not a record; log TextClassificationRecord, "
            "TokenClassificationRecord or Text2TextRecord objects, a DatasetFor*, or a DataFrame"
        )
    return task
