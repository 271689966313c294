"""Dataset settings: the label schema annotations must follow (Rubrix's ``rubrix.datasets``).

>>> rb.configure_dataset("news", rb.TextClassificationSettings(label_schema={"World", "Sports"}))
>>> rb.load_dataset_settings("news").label_schema   # a set, in the order given
{'World', 'Sports'}
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from .errors import DatasetRuleError
from .tasks import TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION


class LabelSchema(set):
    """A set of labels (Rubrix's ``label_schema`` is a ``set``) that iterates in the order
    the labels were given, so the page's buttons and error messages list them as written.

    Compares, hashes and combines like a set; labels added later come last.
    """

    def __init__(self, labels: Iterable[str] = ()):
        super().__init__()
        self._order: list[str] = []
        self.update(labels)

    def add(self, label: str) -> None:
        if label not in self:
            self._order.append(label)
        super().add(label)

    def update(self, *others: Iterable[str]) -> None:
        for other in others:
            for label in other:
                self.add(label)

    # set's |= is typed for any element type; this one keeps labels (str) in order
    def __ior__(self, other: AbstractSet[str]) -> LabelSchema:  # type: ignore[override,misc]
        self.update(other)
        return self

    def __iter__(self):
        # labels removed by any set method are skipped; the order list is only appended to
        present = [label for label in self._order if set.__contains__(self, label)]
        if len(present) != set.__len__(self):  # added by a set method we do not override
            present += sorted(set(self).difference(present), key=str)
        return iter(present)

    def __repr__(self) -> str:
        return "{" + ", ".join(repr(label) for label in self) + "}" if self else "set()"

    def __reduce__(self):
        return (type(self), (list(self),))


def label_schema_of(values: Iterable[str]) -> LabelSchema:
    """``values`` as a label schema (a set of non-empty str); a ValueError says what is wrong."""
    if isinstance(values, str):
        raise ValueError("label_schema must be a set (or list) of labels, not a single str")
    if not isinstance(values, Iterable):
        raise ValueError(
            f"label_schema must be a set (or list) of labels, not {type(values).__name__}"
        )
    labels = LabelSchema()
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"label_schema: label {value!r} must be a non-empty str")
        labels.add(value)
    return labels


@dataclass
class LabelSchemaSettings:
    """Rubrix's ``LabelsSchemaSettings``: ``label_schema`` is a set of labels."""

    label_schema: set[str] = field(default_factory=LabelSchema)
    task = ""

    def __post_init__(self) -> None:
        self.label_schema = label_schema_of(self.label_schema)

    def to_dict(self) -> dict:
        # checked again: Rubrix code may assign a new set to ``label_schema``
        return {"label_schema": list(label_schema_of(self.label_schema))}

    @classmethod
    def from_dict(cls, data: dict) -> LabelSchemaSettings:
        schema = data.get("label_schema", [])
        if isinstance(schema, dict):  # Rubrix's {"labels": [{"name": ...}]} form
            schema = [label["name"] for label in schema.get("labels", [])]
        return cls(label_schema=schema)


def _labels_schema_alias(cls):
    """Also take ``labels_schema=``: Rubrix's dataset-settings guide spells it so (Rubrix's
    own class refused it), and code copied from that guide should run."""
    init = cls.__init__

    @functools.wraps(init)
    def __init__(self, *args, labels_schema=None, **kwargs):
        if labels_schema is not None:
            if args or "label_schema" in kwargs:
                raise TypeError("give label_schema or labels_schema (the same thing), not both")
            kwargs["label_schema"] = labels_schema
        init(self, *args, **kwargs)

    cls.__init__ = __init__
    return cls


@_labels_schema_alias
@dataclass
class TextClassificationSettings(LabelSchemaSettings):
    """Labels allowed in text classification annotations and predictions.

    Examples
    --------
    >>> settings = rb.TextClassificationSettings(label_schema=["pos", "neg"])
    >>> rb.configure_dataset("reviews", settings)
    >>> rb.load_dataset_settings("reviews").label_schema
    {'pos', 'neg'}
    """

    task = TEXT_CLASSIFICATION


@_labels_schema_alias
@dataclass
class TokenClassificationSettings(LabelSchemaSettings):
    """Entity labels allowed in token classification annotations and predictions.

    ``allow_overlapping``: a span drawn in the dataset page may overlap existing
    ones; by default it replaces the spans it overlaps.

    Examples
    --------
    >>> settings = rb.TokenClassificationSettings(label_schema=["PER", "LOC"])
    >>> rb.configure_dataset("people", settings)
    >>> rb.load_dataset_settings("people")
    TokenClassificationSettings(label_schema={'PER', 'LOC'}, allow_overlapping=False)
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
        base = LabelSchemaSettings.from_dict(data)  # the base's fields, read by the base
        return cls(
            label_schema=base.label_schema,
            allow_overlapping=bool(data.get("allow_overlapping", False)),
        )


SETTINGS_CLASSES = {
    cls.task: cls for cls in (TextClassificationSettings, TokenClassificationSettings)
}


def labels_in(table: pa.Table, task: str) -> dict[str, pa.Array]:
    """The labels a table's records use, by field ("annotation", "prediction"), flat.

    Text2Text has no labels (an empty dict)."""
    if task not in (TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION):
        return {}
    out = {}
    for field_name in ("annotation", "prediction"):
        flat = pc.list_flatten(table.column(field_name))
        plain = task == TEXT_CLASSIFICATION and field_name == "annotation"  # list<string>
        out[field_name] = flat if plain else pc.struct_field(flat, "label")
    return out


def check_label_schema(batch: pa.Table, task: str, settings: dict | None, name: str) -> None:
    """Reject a batch whose annotations or predictions use a label outside the dataset's
    schema (Rubrix's server checked both: "Provided records contain the X label, that is
    not included in the labels schema")."""
    schema = (settings or {}).get("label_schema")
    if not schema:
        return
    allowed = pa.array(schema, pa.string())
    for field_name, labels in labels_in(batch, task).items():
        outside = pc.unique(pc.filter(labels, pc.invert(pc.is_in(labels, allowed))))
        if not len(outside):
            continue
        label = outside[0].as_py()
        where = next(
            i
            for i, items in enumerate(batch.column(field_name).to_pylist())
            if items and label in [a if isinstance(a, str) else a["label"] for a in items]
        )
        record_id = batch.column("id_int")[where].as_py()  # ids are stored as text too
        record_id = batch.column("id")[where].as_py() if record_id is None else record_id
        raise DatasetRuleError(
            f"record {record_id!r}: {field_name} label {label!r} is not in the label schema "
            f"of dataset {name!r}: {schema}. Add it with rb.configure_dataset, or fix the "
            f"{field_name}"
        )
