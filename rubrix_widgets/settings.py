"""Dataset settings: the label schema annotations must follow.

>>> rb.configure_dataset("news", rb.TextClassificationSettings(label_schema=["World", "Sports"]))
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

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
    """Entity labels allowed in token classification annotations."""

    task = TOKEN_CLASSIFICATION


SETTINGS_CLASSES = {
    cls.task: cls for cls in (TextClassificationSettings, TokenClassificationSettings)
}
