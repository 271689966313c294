"""Record models, with the fields and rules of the Rubrix client.

    >>> import rubrix_widgets as rb
    >>> rb.TextClassificationRecord(text="I loved it", prediction=[("pos", 0.9), ("neg", 0.1)])
    >>> rb.TokenClassificationRecord(text="Michael lives in Paris",
    ...     tokens=["Michael", "lives", "in", "Paris"], annotation=[("PER", 0, 7), ("LOC", 17, 22)])
    >>> rb.Text2TextRecord(text="Hello", prediction=["Hola", ("Buenos días", 0.3)])

Records are checked when built and when a field is assigned; the checks are
the functions of :mod:`rubrix_widgets.validation`, shared with the fast
column-wise path that logs DataFrames. Values are kept in the form they load
back in: an ``event_timestamp`` with a time zone becomes naive UTC, empty
metadata values are dropped (Rubrix's server dropped them), an agent without
its prediction or annotation is dropped with a warning.

Rubrix's read-only fields ``metrics``, ``search_keywords`` and ``last_updated``
are accepted and kept on the record, and never stored by ``rb.log``.
"""

from __future__ import annotations

import builtins
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SkipValidation,
    ValidationError,
    field_validator,
    model_validator,
)

from . import token_validation, validation
from .tasks import READ_ONLY_FIELDS, RUBRIX_FIELDS
from .vector_columns import check_vectors

Id = int | str | None
Metadata = dict[str, Any]


class TokenAttributions(BaseModel):
    """How much one token of an input pushes the record towards each label.

    >>> rb.TokenAttributions(token="great", attributions={"positive": 0.8, "negative": -0.2})

    Examples
    --------
    >>> attribution = rb.TokenAttributions(token="great", attributions={"pos": 0.8, "neg": -0.2})
    >>> record = rb.TextClassificationRecord(
    ...     text="great movie",
    ...     prediction=[("pos", 0.9), ("neg", 0.1)],
    ...     explanation={"text": [attribution, rb.TokenAttributions(token="movie")]},
    ... )
    >>> record.explanation["text"][0].attributions
    {'pos': 0.8, 'neg': -0.2}
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
            number = validation.to_float(v, f"attribution of {k!r}")
            if not math.isfinite(number):  # JSON, hence the store, has no infinity
                raise ValueError(f"attribution of {k!r}: {number} is not a finite number")
            out[str(k)] = number
        return out


class BulkResponse(BaseModel):
    """What :func:`rubrix_widgets.log` did: records processed and failed.

    Examples
    --------
    >>> response = rb.log(rb.TextClassificationRecord(text="Hi"), "greetings", verbose=False)
    >>> response
    BulkResponse(dataset='greetings', processed=1, failed=0)
    >>> response.processed, response.failed
    (1, 0)
    """

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
    # fields fixed once the record is built, as in Rubrix (its spans refer to them)
    _immutable: ClassVar[tuple[str, ...]] = ()
    # Rubrix's read-only fields: accepted and kept on the record, never stored by rb.log
    _read_only: dict[str, Any] = PrivateAttr(default_factory=dict)
    if TYPE_CHECKING:  # every record declares these itself, in its task's field order
        id: Id
        vectors: dict[str, list[float]] | None
        metadata: Metadata
        status: str | None
        event_timestamp: dt.datetime | None

        def __init__(self, **data: Any) -> None: ...  # each task's class takes its fields

    def _normalize(self) -> None:  # pragma: no cover - every record overrides it
        raise NotImplementedError

    @model_validator(mode="wrap")
    @classmethod
    def _keep_read_only_fields(cls, data: Any, handler: Any) -> Any:
        read_only = {}
        if isinstance(data, dict) and any(name in data for name in READ_ONLY_FIELDS):
            data = dict(data)
            read_only = {
                name: _check_read_only(name, data.pop(name))
                for name in READ_ONLY_FIELDS
                if name in data
            }
        record = handler(data)
        if read_only:
            record._read_only = {k: v for k, v in read_only.items() if v is not None}
        return record

    @model_validator(mode="after")
    def _apply_rules(self):
        self._normalize()
        return self

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._immutable:
            raise AttributeError(
                f"{name} cannot be assigned once the record is built, as in Rubrix (the "
                f"record's other fields refer to it); build a new {type(self).__name__} "
                f"with the new {name} instead"
            )
        if name in READ_ONLY_FIELDS:
            checked = _check_read_only(name, value)
            if checked is None:
                self._read_only.pop(name, None)
            else:
                self._read_only[name] = checked
            return
        # pydantic assigns before the model rules run; keep the record valid
        # when they reject the new value.
        before = dict(self.__dict__)
        try:
            super().__setattr__(name, value)
        except ValueError:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    @property
    def metrics(self) -> dict[str, Any] | None:
        """Read only, as in Rubrix: metrics a Rubrix server computed; never stored by rb.log."""
        return self._read_only.get("metrics")

    @property
    def search_keywords(self) -> list[str] | None:
        """Read only, as in Rubrix: keywords a Rubrix search matched; never stored by rb.log."""
        return self._read_only.get("search_keywords")

    @property
    def last_updated(self) -> dt.datetime | None:
        """Read only: when a Rubrix server last stored the record; rb.log stamps its own."""
        return self._read_only.get("last_updated")

    def dict(self, **kwargs: Any) -> dict[str, Any]:
        """The record as Rubrix's ``record.dict()`` gave it: each field of Rubrix's record, in
        its order, ``text`` and the read-only ``metrics`` and ``search_keywords`` included.

        Takes pydantic's ``include``, ``exclude`` and ``exclude_none``, as Rubrix's did.
        """
        dumped = self.model_dump(**kwargs)
        include, exclude = kwargs.get("include"), kwargs.get("exclude") or ()
        out = {}
        for name in RUBRIX_FIELDS[self.task]:
            if name in dumped:
                out[name] = dumped[name]
            if name == "annotation_agent" and dumped.get("vectors") is not None:
                out["vectors"] = dumped["vectors"]  # Argilla 1.x's field, in its place
            elif name not in exclude and (include is None or name in include):
                value = getattr(self, name)
                if value is not None or not kwargs.get("exclude_none"):
                    out[name] = value
        return out

    def _set(self, **values: Any) -> None:
        self.__dict__.update(values)

    def _common(self, has_annotation: bool, has_prediction: bool) -> builtins.dict[str, Any]:
        # Rubrix warned that an agent without its annotation or prediction is not logged;
        # records hold what loads back, so the agent is dropped here.
        agents = {}
        for field, has_it in (("annotation", has_annotation), ("prediction", has_prediction)):
            agent = validation.check_agent(getattr(self, f"{field}_agent"), f"{field}_agent")
            if agent is not None and not has_it:
                validation.warn_user(
                    f"{field}_agent {agent!r} is dropped: the record has no {field}"
                )
                agent = None
            agents[f"{field}_agent"] = agent
        try:
            vectors = check_vectors(self.vectors)
        except ValueError as exc:
            raise ValueError(f"vectors: {exc}") from None
        return {
            "id": validation.check_id(self.id),
            "vectors": None
            if vectors is None
            else {name: values.tolist() for name, values in vectors.items()},
            "metadata": validation.check_record_metadata(self.metadata),
            "status": validation.check_status(self.status, has_annotation),
            "event_timestamp": validation.check_event_timestamp(self.event_timestamp),
            **agents,
        }


def _check_read_only(name: str, value: Any) -> Any:
    """Rubrix's read-only fields: metrics (dict), search_keywords (list of str), last_updated."""
    if value is None or (
        not isinstance(value, Mapping | list | tuple) and validation.is_missing(value)
    ):
        return None
    if name == "metrics":
        if not isinstance(value, Mapping):
            raise ValueError(f"metrics: {value!r:.60} is not a dict")
        return dict(value)
    if name == "search_keywords":
        if hasattr(value, "tolist") and not isinstance(value, str):
            value = value.tolist()
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"search_keywords: {value!r:.60} is not a list of str")
        return list(value)
    return validation.check_event_timestamp(value, "last_updated")


class TextClassificationRecord(_Record):
    """A text (or several named texts) with predicted and annotated labels.

    Parameters
    ----------
    inputs : str, list of str, or dict of str -> str or list of str
        The text(s). A str (deprecated in Rubrix: a ``FutureWarning``) or a list becomes
        ``{"text": ...}``. ``text=`` is an alias; both given must agree. Neither can be
        assigned once the record is built.
    prediction : list of (label, score), optional
        Scores in [0, 1]; for single-label records they sum to at most 1.
        Stored sorted by score, highest first.
    annotation : str, or list of str when ``multi_label``, optional
    multi_label : bool, default False
    explanation : dict of input key -> list of TokenAttributions, optional
    status : {"Default", "Edited", "Discarded", "Validated"}
        Defaults to "Validated" when an annotation is given, else "Default".
    metrics, search_keywords, last_updated : optional
        Rubrix's read-only fields: kept on the record, never stored by ``rb.log``.

    Examples
    --------
    >>> record = rb.TextClassificationRecord(
    ...     text="Great movie, dull ending",
    ...     prediction=[("pos", 0.7), ("neg", 0.3)],
    ...     annotation="pos",
    ...     metadata={"source": "imdb"},
    ... )
    >>> record.inputs, record.status
    ({'text': 'Great movie, dull ending'}, 'Validated')
    >>> multi = rb.TextClassificationRecord(
    ...     inputs={"title": "Vaccines", "body": "A new study"},
    ...     multi_label=True,
    ...     annotation=["health", "science"],
    ... )
    >>> rb.log(record, "reviews", verbose=False)
    BulkResponse(dataset='reviews', processed=1, failed=0)
    >>> rb.log(multi, "topics", verbose=False)  # a dataset holds one kind: multi-label here
    BulkResponse(dataset='topics', processed=1, failed=0)
    """

    task: ClassVar[str] = "TextClassification"

    inputs: Annotated[dict[str, str | list[str]], SkipValidation] = None  # type: ignore[assignment]
    prediction: Annotated[list[tuple[str, float]] | None, SkipValidation] = None
    annotation: Annotated[str | list[str] | None, SkipValidation] = None
    prediction_agent: Annotated[str | None, SkipValidation] = None
    annotation_agent: Annotated[str | None, SkipValidation] = None
    vectors: Annotated[dict[str, list[float]] | None, SkipValidation] = None
    multi_label: bool = False
    explanation: Annotated[dict[str, list[TokenAttributions]] | None, SkipValidation] = None
    id: Annotated[Id, SkipValidation] = None
    metadata: Annotated[Metadata, SkipValidation] = Field(default_factory=dict)
    status: Annotated[str | None, SkipValidation] = None
    event_timestamp: Annotated[dt.datetime | None, SkipValidation] = None

    _immutable: ClassVar[tuple[str, ...]] = ("text", "inputs")

    if TYPE_CHECKING:  # what the constructor takes: more than the fields (text=, a str inputs)

        def __init__(
            self,
            *,
            inputs: str | list[str] | Mapping[str, str | list[str]] | None = None,
            text: str | list[str] | None = None,
            prediction: list[tuple[str, float]] | None = None,
            annotation: str | list[str] | None = None,
            prediction_agent: str | None = None,
            annotation_agent: str | None = None,
            vectors: Mapping[str, Sequence[float]] | None = None,
            multi_label: bool = False,
            explanation: Mapping[str, list[TokenAttributions]] | None = None,
            id: Id = None,
            metadata: Metadata | None = None,
            status: str | None = None,
            event_timestamp: dt.datetime | None = None,
            metrics: dict[str, Any] | None = None,
            search_keywords: list[str] | None = None,
            last_updated: dt.datetime | None = None,
        ) -> None: ...

    @model_validator(mode="before")
    @classmethod
    def _text_alias(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("inputs"), str):
            validation.warn_user(
                "inputs given as a str: give it as text='...' (Rubrix will stop accepting a "
                "str for inputs); it is stored as inputs={'text': ...}",
                FutureWarning,
            )
        if isinstance(data, dict) and "text" in data:
            data = dict(data)
            text = data.pop("text")
            data["inputs"] = validation.check_inputs(data.get("inputs"), text)
        return data

    def _normalize(self) -> None:
        inputs = validation.check_inputs(self.inputs)
        annotation = validation.check_text_annotation(self.annotation, self.multi_label)
        prediction = validation.check_text_prediction(self.prediction, self.multi_label)
        explanation = checked_explanation(self.explanation, inputs)
        self._set(
            inputs=inputs,
            annotation=annotation,
            prediction=prediction,
            explanation=explanation,
            **self._common(annotation is not None, prediction is not None),
        )

    @property
    def text(self) -> str | list[str] | None:
        """``inputs["text"]`` when that is the only input, as in Rubrix; else None."""
        if len(self.inputs) == 1:
            return self.inputs.get("text")
        return None


class TokenClassificationRecord(_Record):
    """A text with entity spans (NER, POS, slot filling).

    Spans are ``(label, start, end)`` character offsets into ``text``, end
    exclusive, on token boundaries; prediction spans carry a score as a 4th
    item (0.0 when none is given, as in Rubrix). A span off the tokens only by
    surrounding whitespace, or reaching past the text, is corrected with a
    warning, as Rubrix does. ``tokens`` (kept as a tuple, as in Rubrix)
    defaults to words and punctuation marks of the text; ``text`` defaults to
    the tokens joined by spaces; neither can be assigned later. ``tags``
    (IOB/BIOES, one per token) may replace ``annotation``.

    Examples
    --------
    >>> record = rb.TokenClassificationRecord(
    ...     text="Ada lives in London",
    ...     tokens=["Ada", "lives", "in", "London"],
    ...     annotation=[("PER", 0, 3), ("LOC", 13, 19)],
    ...     prediction=[("LOC", 13, 19, 0.9)],
    ... )
    >>> [record.text[start:end] for _, start, end in record.annotation]
    ['Ada', 'London']
    >>> rb.TokenClassificationRecord(text="Ada lives in London").tokens  # split for you
    ('Ada', 'lives', 'in', 'London')
    >>> rb.log(record, "people", verbose=False)
    BulkResponse(dataset='people', processed=1, failed=0)
    """

    task: ClassVar[str] = "TokenClassification"

    text: Annotated[str, SkipValidation] = None  # type: ignore[assignment]
    tokens: Annotated[tuple[str, ...], SkipValidation] = None  # type: ignore[assignment]
    prediction: Annotated[list[tuple] | None, SkipValidation] = None
    prediction_agent: Annotated[str | None, SkipValidation] = None
    annotation: Annotated[list[tuple[str, int, int]] | None, SkipValidation] = None
    annotation_agent: Annotated[str | None, SkipValidation] = None
    vectors: Annotated[dict[str, list[float]] | None, SkipValidation] = None
    id: Annotated[Id, SkipValidation] = None
    metadata: Annotated[Metadata, SkipValidation] = Field(default_factory=dict)
    status: Annotated[str | None, SkipValidation] = None
    event_timestamp: Annotated[dt.datetime | None, SkipValidation] = None

    _immutable: ClassVar[tuple[str, ...]] = ("text", "tokens")

    @model_validator(mode="before")
    @classmethod
    def _tags_alias(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "tags" not in data:
            return data
        data = dict(data)
        tags = data.pop("tags")
        # as in Rubrix, empty tags are no tags, and tags fill an empty annotation
        if not _length(tags):
            return data
        if _length(data.get("annotation")):
            validation.warn_user("annotation is given, so tags are ignored")
        else:
            data["annotation"] = _TagsPending(list(tags))
        return data

    def _normalize(self) -> None:
        text, tokens, offsets = token_validation.check_text_and_tokens(self.text, self.tokens)
        annotation = self.annotation
        if isinstance(annotation, _TagsPending):
            annotation = token_validation.tags_to_spans(annotation.tags, offsets)
        checked = {}
        for field, spans in (("annotation", annotation), ("prediction", self.prediction)):
            corrections: list[tuple[tuple, tuple]] = []
            checked[field] = token_validation.check_spans(
                spans, text, offsets, field, field == "prediction", corrections
            )
            if corrections:
                message = token_validation.describe_corrections(
                    field, [("", b, a) for b, a in corrections]
                )
                validation.warn_user(message)
        annotation, prediction = checked["annotation"], checked["prediction"]
        self._set(
            text=text,
            tokens=tuple(tokens),  # a tuple, as Rubrix keeps them: hashable, and equal to theirs
            annotation=annotation,
            prediction=prediction,
            **self._common(annotation is not None, prediction is not None),
        )

    def _offsets(self) -> list[tuple[int, int]]:
        return token_validation.token_offsets(self.text, self.tokens)

    def spans2iob(self, spans: list[tuple] | None = None) -> list[str] | None:
        """IOB tags of ``spans`` (e.g. ``record.annotation``), one per token; None for None.

        Deprecated in Rubrix 0.18 (a ``FutureWarning``), and kept for code written for it.

        Raises
        ------
        ValueError
            When spans overlap (IOB tags cannot express that) or are off the tokens.
        """
        _deprecated("spans2iob")
        if spans is None:
            return None
        return token_validation.spans_to_tags(spans, self._offsets())

    def char_id2token_id(self, char_idx: int) -> int | None:
        """Index of the token holding character ``char_idx``; None between tokens.

        Deprecated in Rubrix 0.18 (a ``FutureWarning``), and kept for code written for it.
        """
        _deprecated("char_id2token_id")
        return self._char_to_token().get(char_idx)

    def token_span(self, token_idx: int) -> tuple[int, int]:
        """(start, end) character offsets of token ``token_idx``; IndexError past the tokens.

        Deprecated in Rubrix 0.18 (a ``FutureWarning``), and kept for code written for it.
        """
        _deprecated("token_span")
        offsets = self._offsets()
        if isinstance(token_idx, bool) or not hasattr(token_idx, "__index__"):
            raise IndexError(f"token id {token_idx!r} is not an int")
        token_idx = token_idx.__index__()
        if not 0 <= token_idx < len(offsets):
            raise IndexError(
                f"token id {token_idx} is out of bounds: the record has {len(offsets)} tokens"
            )
        return offsets[token_idx]

    @property
    def __chars2tokens__(self) -> dict[int, int]:
        """Deprecated in Rubrix 0.18: character index -> token index."""
        _deprecated("__chars2tokens__")
        return self._char_to_token()

    @property
    def __tokens2chars__(self) -> dict[int, tuple[int, int]]:
        """Deprecated in Rubrix 0.18: token index -> (start, end) character offsets."""
        _deprecated("__tokens2chars__")
        return dict(enumerate(self._offsets()))

    def _char_to_token(self) -> dict[int, int]:
        return {
            char: k for k, (start, end) in enumerate(self._offsets()) for char in range(start, end)
        }


def _deprecated(name: str) -> None:
    validation.warn_user(
        f"TokenClassificationRecord.{name} is deprecated in Rubrix and may be removed; it "
        "works here as it did there",
        FutureWarning,
    )


def _length(value: Any) -> int:
    """How many items: 0 for None, NaN or an empty list; 1 for any other non-list value."""
    if value is None or (not hasattr(value, "__len__") and validation.is_missing(value)):
        return 0
    return len(value) if hasattr(value, "__len__") else 1


def checked_explanation(
    value: Any, inputs: Mapping[str, Any]
) -> dict[str, list[TokenAttributions]] | None:
    """A record's explanation: input key -> its TokenAttributions, checked (both write paths).

    An empty explanation is no explanation (and is stored as none).
    """
    explanation = validation.check_explanation(value, inputs) or None
    if explanation is None:
        return None
    return {key: _attributions(key, values) for key, values in explanation.items()}


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


class _TagsPending:
    __slots__ = ("tags",)

    def __init__(self, tags: list[str]):
        self.tags = tags


class Text2TextRecord(_Record):
    """A source text with generated texts (translation, summarisation, replies).

    ``prediction`` items are str (score 1.0) or (text, score); stored sorted
    by score, highest first. ``annotation`` is the corrected text.

    Examples
    --------
    >>> record = rb.Text2TextRecord(
    ...     text="Hello world",
    ...     prediction=[("Hallo Erde", 0.4), ("Hallo Welt", 0.9)],
    ...     annotation="Hallo Welt",
    ... )
    >>> record.prediction
    [('Hallo Welt', 0.9), ('Hallo Erde', 0.4)]
    >>> rb.log(record, "translations", verbose=False)
    BulkResponse(dataset='translations', processed=1, failed=0)
    """

    task: ClassVar[str] = "Text2Text"

    text: Annotated[str, SkipValidation] = None  # type: ignore[assignment]
    prediction: Annotated[list[tuple[str, float]] | None, SkipValidation] = None
    prediction_agent: Annotated[str | None, SkipValidation] = None
    annotation: Annotated[str | None, SkipValidation] = None
    annotation_agent: Annotated[str | None, SkipValidation] = None
    vectors: Annotated[dict[str, list[float]] | None, SkipValidation] = None
    id: Annotated[Id, SkipValidation] = None
    metadata: Annotated[Metadata, SkipValidation] = Field(default_factory=dict)
    status: Annotated[str | None, SkipValidation] = None
    event_timestamp: Annotated[dt.datetime | None, SkipValidation] = None

    def _normalize(self) -> None:
        text = validation.check_text(self.text, allow_empty=True)
        annotation = validation.check_text2text_annotation(self.annotation)
        prediction = validation.check_text2text_prediction(self.prediction)
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
