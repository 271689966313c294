"""Record models, with the fields and rules of the Rubrix client.

    >>> import rubrix_widgets as rb
    >>> rb.TextClassificationRecord(text="I loved it", prediction=[("pos", 0.9), ("neg", 0.1)])
    >>> rb.TokenClassificationRecord(text="Michael lives in Paris",
    ...     tokens=["Michael", "lives", "in", "Paris"], annotation=[("PER", 0, 7), ("LOC", 17, 22)])
    >>> rb.Text2TextRecord(text="Hello", prediction=["Hola", ("Buenos días", 0.3)])

Records are checked when built and when a field is assigned; the checks are
the functions of :mod:`rubrix_widgets.rules`, shared with the fast
column-wise path that logs DataFrames. Values are kept in the form they load
back in: an ``event_timestamp`` with a time zone becomes naive UTC.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SkipValidation,
    ValidationError,
    field_validator,
    model_validator,
)

from . import rules

Id = int | str | None
Metadata = dict[str, Any]


class TokenAttributions(BaseModel):
    """How much one token of an input pushes the record towards each label.

    >>> rb.TokenAttributions(token="great", attributions={"positive": 0.8, "negative": -0.2})
    """

    model_config = ConfigDict(extra="forbid")

    token: str
    attributions: dict[str, float] = Field(default_factory=dict)

    @field_validator("attributions", mode="before")
    @classmethod
    def _floats(cls, value: Any) -> dict[str, float]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ValueError("attributions must be a dict of label -> float")
        # None means "no attribution for this label" (e.g. after a columnar round trip)
        out = {}
        for k, v in value.items():
            if v is None:
                continue
            number = rules.to_float(v, f"attribution of {k!r}")
            if not math.isfinite(number):  # JSON, hence the store, has no infinity
                raise ValueError(f"attribution of {k!r}: {number} is not a finite number")
            out[str(k)] = number
        return out


class BulkResponse(BaseModel):
    """What :func:`rubrix_widgets.log` did: records processed and failed."""

    model_config = ConfigDict(extra="forbid")

    dataset: str
    processed: int
    failed: int = 0


class _Record(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        validate_assignment=True,
        arbitrary_types_allowed=True,
        protected_namespaces=(),
    )
    task: ClassVar[str]

    def _normalize(self) -> None:  # pragma: no cover - every record overrides it
        raise NotImplementedError

    @model_validator(mode="after")
    def _apply_rules(self):
        self._normalize()
        return self

    def __setattr__(self, name: str, value: Any) -> None:
        # pydantic assigns before the model rules run; keep the record valid
        # when they reject the new value.
        before = dict(self.__dict__)
        try:
            super().__setattr__(name, value)
        except ValueError:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    def _set(self, **values: Any) -> None:
        self.__dict__.update(values)

    def _common(self, has_annotation: bool, has_prediction: bool) -> dict[str, Any]:
        annotation_agent = rules.check_agent(self.annotation_agent, "annotation_agent")
        if annotation_agent is not None and not has_annotation:
            warnings.warn(
                f"annotation_agent {annotation_agent!r} is dropped: the record has no annotation",
                UserWarning,
                stacklevel=5,
            )
            annotation_agent = None
        return {
            "id": rules.check_id(self.id),
            "metadata": rules.check_metadata(self.metadata),
            "status": rules.check_status(self.status, has_annotation),
            "event_timestamp": _naive_utc(rules.check_event_timestamp(self.event_timestamp)),
            "prediction_agent": rules.check_agent(self.prediction_agent, "prediction_agent"),
            "annotation_agent": annotation_agent,
        }


class TextClassificationRecord(_Record):
    """A text (or several named texts) with predicted and annotated labels.

    Parameters
    ----------
    inputs : str, list of str, or dict of str -> str or list of str
        The text(s). A str or a list becomes ``{"text": ...}``. ``text=`` is an alias.
    prediction : list of (label, score), optional
        Scores in [0, 1]; for single-label records they sum to at most 1.
        Stored sorted by score, highest first.
    annotation : str, or list of str when ``multi_label``, optional
    multi_label : bool, default False
    explanation : dict of input key -> list of TokenAttributions, optional
    status : {"Default", "Edited", "Discarded", "Validated"}
        Defaults to "Validated" when an annotation is given, else "Default".
    """

    task: ClassVar[str] = "TextClassification"

    inputs: Annotated[dict[str, str | list[str]], SkipValidation] = None  # type: ignore[assignment]
    prediction: Annotated[list[tuple[str, float]] | None, SkipValidation] = None
    annotation: Annotated[str | list[str] | None, SkipValidation] = None
    prediction_agent: Annotated[str | None, SkipValidation] = None
    annotation_agent: Annotated[str | None, SkipValidation] = None
    multi_label: bool = False
    explanation: Annotated[dict[str, list[TokenAttributions]] | None, SkipValidation] = None
    id: Annotated[Id, SkipValidation] = None
    metadata: Annotated[Metadata, SkipValidation] = Field(default_factory=dict)
    status: Annotated[str | None, SkipValidation] = None
    event_timestamp: Annotated[dt.datetime | None, SkipValidation] = None

    @model_validator(mode="before")
    @classmethod
    def _text_alias(cls, data: Any) -> Any:
        if isinstance(data, dict) and "text" in data:
            data = dict(data)
            text = data.pop("text")
            data["inputs"] = rules.check_inputs(data.get("inputs"), text)
        return data

    def _normalize(self) -> None:
        inputs = rules.check_inputs(self.inputs)
        annotation = rules.check_text_annotation(self.annotation, self.multi_label)
        prediction = rules.check_text_prediction(self.prediction, self.multi_label)
        # an empty explanation is no explanation (and is stored as none)
        explanation = rules.check_explanation(self.explanation, inputs) or None
        if explanation is not None:
            explanation = {key: _attributions(key, values) for key, values in explanation.items()}
        self._set(
            inputs=inputs,
            annotation=annotation,
            prediction=prediction,
            explanation=explanation,
            **self._common(annotation is not None, prediction is not None),
        )

    @property
    def text(self) -> str | None:
        """The text, when the record has a single text input (else None)."""
        value = self.inputs.get("text") if len(self.inputs) == 1 else None
        if value is None and len(self.inputs) == 1:
            value = next(iter(self.inputs.values()))
        return value if isinstance(value, str) else None


class TokenClassificationRecord(_Record):
    """A text with entity spans (NER, POS, slot filling).

    Spans are ``(label, start, end)`` character offsets into ``text``, end
    exclusive, on token boundaries; predictions may carry a score as a 4th item.
    ``tokens`` defaults to words and punctuation marks of the text; ``text``
    defaults to the tokens joined by spaces. ``tags`` (IOB/BIOES, one per
    token) may replace ``annotation``.
    """

    task: ClassVar[str] = "TokenClassification"

    text: Annotated[str, SkipValidation] = None  # type: ignore[assignment]
    tokens: Annotated[list[str], SkipValidation] = None  # type: ignore[assignment]
    prediction: Annotated[list[tuple] | None, SkipValidation] = None
    prediction_agent: Annotated[str | None, SkipValidation] = None
    annotation: Annotated[list[tuple[str, int, int]] | None, SkipValidation] = None
    annotation_agent: Annotated[str | None, SkipValidation] = None
    id: Annotated[Id, SkipValidation] = None
    metadata: Annotated[Metadata, SkipValidation] = Field(default_factory=dict)
    status: Annotated[str | None, SkipValidation] = None
    event_timestamp: Annotated[dt.datetime | None, SkipValidation] = None

    @model_validator(mode="before")
    @classmethod
    def _tags_alias(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("tags") is not None:
            data = dict(data)
            tags = list(data.pop("tags"))
            if data.get("annotation") is not None:
                warnings.warn("annotation is given, so tags are ignored", UserWarning, stacklevel=4)
            else:
                data["annotation"] = _TagsPending(tags)
        elif isinstance(data, dict):
            data.pop("tags", None)
        return data

    def _normalize(self) -> None:
        text, tokens, offsets = rules.check_text_and_tokens(self.text, self.tokens)
        annotation = self.annotation
        if isinstance(annotation, _TagsPending):
            annotation = rules.tags_to_spans(annotation.tags, offsets)
        annotation = rules.check_spans(annotation, text, offsets, "annotation", allow_score=False)
        prediction = rules.check_spans(
            self.prediction, text, offsets, "prediction", allow_score=True
        )
        self._set(
            text=text,
            tokens=tokens,
            annotation=annotation,
            prediction=prediction,
            **self._common(annotation is not None, prediction is not None),
        )


def _attributions(key: str, values: Any) -> list[TokenAttributions]:
    """One input's explanation; errors name the explanation, the input and the item."""
    where = f"explanation[{key!r}]"
    if isinstance(values, str | bytes | Mapping) or not hasattr(values, "__iter__"):
        raise ValueError(f"{where}: {values!r:.60} is not a list of TokenAttributions")
    out = []
    for k, item in enumerate(values):  # a list, or an array from pandas or datasets
        if isinstance(item, TokenAttributions):
            out.append(item)
            continue
        try:
            out.append(TokenAttributions.model_validate(item))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in e['loc']) or 'item'}: {e['msg']}"
                for e in exc.errors()
            )
            raise ValueError(f"{where}[{k}]: {problems}") from None
    return out


def _naive_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """Timestamps are kept as they are stored and load back: naive, in UTC."""
    if moment is None or moment.tzinfo is None:
        return moment
    try:
        return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    except OverflowError:
        raise ValueError(
            f"event_timestamp: {moment.isoformat()} is outside the years 1-9999 in UTC"
        ) from None


class _TagsPending:
    __slots__ = ("tags",)

    def __init__(self, tags: list[str]):
        self.tags = tags


class Text2TextRecord(_Record):
    """A source text with generated texts (translation, summarisation, replies).

    ``prediction`` items are str (score 1.0) or (text, score); stored sorted
    by score, highest first. ``annotation`` is the corrected text.
    """

    task: ClassVar[str] = "Text2Text"

    text: Annotated[str, SkipValidation] = None  # type: ignore[assignment]
    prediction: Annotated[list[tuple[str, float]] | None, SkipValidation] = None
    prediction_agent: Annotated[str | None, SkipValidation] = None
    annotation: Annotated[str | None, SkipValidation] = None
    annotation_agent: Annotated[str | None, SkipValidation] = None
    id: Annotated[Id, SkipValidation] = None
    metadata: Annotated[Metadata, SkipValidation] = Field(default_factory=dict)
    status: Annotated[str | None, SkipValidation] = None
    event_timestamp: Annotated[dt.datetime | None, SkipValidation] = None

    def _normalize(self) -> None:
        text = rules.check_text(self.text)
        annotation = rules.check_text2text_annotation(self.annotation)
        prediction = rules.check_text2text_prediction(self.prediction)
        self._set(
            text=text,
            annotation=annotation,
            prediction=prediction,
            **self._common(annotation is not None, prediction is not None),
        )


Record = TextClassificationRecord | TokenClassificationRecord | Text2TextRecord
RECORD_CLASSES: dict[str, type[_Record]] = {
    cls.task: cls for cls in (TextClassificationRecord, TokenClassificationRecord, Text2TextRecord)
}
