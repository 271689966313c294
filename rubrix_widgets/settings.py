"""Dataset settings: the label schema annotations must follow.

>>> rb.configure_dataset("news", rb.TextClassificationSettings(label_schema=["World", "Sports"]))
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from .tasks import TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION


def _labels(values: Iterable[str]) -> list[str]:
    if isinstance(values, str):
        raise ValueError("label_schema must be a list (or set) of labels, not a single str")
    labels: list[str] = []
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"label_schema: label {value!r} must be a non-empty str")
        if value not in labels:
            labels.append(value)
    return labels


@dataclass
class _LabelSchemaSettings:
    label_schema: list[str] = field(default_factory=list)
    task = ""

    def __post_init__(self) -> None:
        self.label_schema = _labels(self.label_schema)

    def to_dict(self) -> dict:
        return {"label_schema": list(self.label_schema)}

    @classmethod
    def from_dict(cls, data: dict) -> _LabelSchemaSettings:
        schema = data.get("label_schema", [])
        if isinstance(schema, dict):  # Rubrix's {"labels": [{"name": ...}]} form
            schema = [label["name"] for label in schema.get("labels", [])]
        return cls(label_schema=schema)


@dataclass
class TextClassificationSettings(_LabelSchemaSettings):
    """Labels allowed in text classification annotations."""

    task = TEXT_CLASSIFICATION


@dataclass
class TokenClassificationSettings(_LabelSchemaSettings):
    """Entity labels allowed in token classification annotations.

    ``allow_overlapping``: a span drawn in the dataset page may overlap existing
    ones; by default it replaces the spans it overlaps.
    """

    allow_overlapping: bool = False
    task = TOKEN_CLASSIFICATION

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.allow_overlapping, bool):
            raise ValueError(
                f"allow_overlapping must be True or False, not {self.allow_overlapping!r}"
            )

    def to_dict(self) -> dict:
        return {**super().to_dict(), "allow_overlapping": self.allow_overlapping}

    @classmethod
    def from_dict(cls, data: dict) -> TokenClassificationSettings:
        base = _LabelSchemaSettings.from_dict.__func__(_LabelSchemaSettings, data)
        return cls(
            label_schema=base.label_schema,
            allow_overlapping=bool(data.get("allow_overlapping", False)),
        )


SETTINGS_CLASSES = {
    cls.task: cls for cls in (TextClassificationSettings, TokenClassificationSettings)
}


def check_label_schema(batch: pa.Table, task: str, settings: dict | None, name: str) -> None:
    """Reject a batch whose annotations use a label outside the dataset's schema."""
    schema = (settings or {}).get("label_schema")
    if not schema:
        return
    annotation = batch.column("annotation")
    if task == TEXT_CLASSIFICATION:
        labels = pc.list_flatten(annotation)
    elif task == TOKEN_CLASSIFICATION:
        labels = pc.struct_field(pc.list_flatten(annotation), "label")
    else:
        return
    outside = pc.unique(
        pc.filter(labels, pc.invert(pc.is_in(labels, pa.array(schema, pa.string()))))
    )
    if len(outside):
        label = outside[0].as_py()
        ids = batch.column("id").to_pylist()
        where = next(
            i
            for i, anns in enumerate(annotation.to_pylist())
            if anns and label in [a if isinstance(a, str) else a["label"] for a in anns]
        )
        raise ValueError(
            f"record {ids[where]!r}: annotation label {label!r} is not in the label schema of "
            f"dataset {name!r}: {schema}. Add it with rb.configure_dataset, or fix the annotation"
        )
