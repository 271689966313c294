"""The validation rules of records, as plain functions.

The pydantic record models and the column-wise DataFrame path both call
these, so a rule is written once and both paths agree. Each function takes
one field's raw value and returns its normal form, or raises ``ValueError``
naming the field, the value and what is allowed.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import numbers
import os
import re
import sys
import uuid
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from ._unicode_marks import COMBINING_MARKS

STATUSES = ("Default", "Edited", "Discarded", "Validated")
SCORE_SUM_TOLERANCE = 1e-3
# Combining marks, joiners and emoji skin tones continue the character before them.
_MARKS = f"[{COMBINING_MARKS}\U0001f3fb-\U0001f3ff]"
_WORD_MARKS = f"[{COMBINING_MARKS}\u200c\u200d]"
_TOKEN_RE = re.compile(
    r"[\U0001F1E6-\U0001F1FF]{2}"  # a flag: two regional indicators
    rf"|(?:\w{_WORD_MARKS}*)+"  # a word, with its combining marks
    rf"|[^\w\s]{_MARKS}*(?:\u200d[^\w\s]{_MARKS}*)*"  # a symbol or a joined emoji sequence
)


def is_missing(value: Any) -> bool:
    """None, NaN and pandas' NA/NaT: the ways a DataFrame cell says "nothing"."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if type(value).__name__ in ("NAType", "NaTType"):
        return True
    try:
        return bool(value != value)  # numpy nan / NaT scalars
    except (TypeError, ValueError):
        return False


_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def warn_user(message: str, category: type[Warning] = UserWarning) -> None:
    """Warn, pointing at the user's line: the first caller outside this package and pydantic
    (a record's rules run inside pydantic's validation)."""
    internal = (_PACKAGE,)
    if "pydantic" in sys.modules:
        internal += (os.path.dirname(sys.modules["pydantic"].__file__) + os.sep,)
    frame, level = sys._getframe(1), 2  # stacklevel 2 is the frame that called warn_user
    while frame is not None and frame.f_code.co_filename.startswith(internal):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- scalars -----------------------------------------------------------------
def to_float(value: Any, field: str) -> float:
    if isinstance(value, (bool, str | bytes)):
        raise ValueError(f"{field}: {_short(value)} is not a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{field}: {_short(value)} is not a number") from None
    if math.isnan(number):
        raise ValueError(f"{field}: NaN is not a valid score")
    return number


def to_int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise ValueError(f"{field}: {_short(value)} is not an integer")
    return int(value.__index__())


def check_id(value: Any) -> int | str | None:
    """Record ids are int or str; numpy ints become int, UUIDs become str."""
    if is_missing(value):
        return None
    if isinstance(value, str):
        if not value.strip():
            raise ValueError("id: an empty string is not a valid id; use None to get a new uuid")
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bool):
        raise ValueError(f"id: {value!r} is not a valid id; ids are int or str")
    if hasattr(value, "__index__"):
        number = int(value.__index__())
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        raise ValueError(f"id: {_short(value)} is not a valid id; ids are int or str")
    if not -(2**63) <= number < 2**63:
        raise ValueError(f"id: {number} does not fit in 64 bits; use a str id for it")
    return number


def check_label(value: Any, field: str) -> str:
    if _is_int(value):  # Rubrix (pydantic v1) made label 1 into "1": class ids from a model
        return str(int(value))
    if not isinstance(value, str):
        raise ValueError(f"{field}: label {_short(value)} is not a str (or an int)")
    if not value.strip():
        raise ValueError(f"{field}: label names must not be empty")
    if "\x00" in value or "\x1f" in value:
        raise ValueError(f"{field}: label {_short(value)} contains a control character (NUL or US)")
    return storable(value if type(value) is str else str(value), field)


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)  # numpy's too


def check_agent(value: Any, field: str) -> str | None:
    if is_missing(value):
        return None
    if not isinstance(value, str):
        raise ValueError(f"{field}: {_short(value)} is not a str")
    return storable(value, field)


def check_status(value: Any, has_annotation: bool) -> str:
    # Rubrix derives the status when none is given; its test is "status or ...", so "" is none
    if is_missing(value) or (isinstance(value, str) and value == ""):
        return "Validated" if has_annotation else "Default"
    if value not in STATUSES:
        raise ValueError(f"status {_short(value)} is not one of {', '.join(STATUSES)}")
    return value


def check_event_timestamp(value: Any, field: str = "event_timestamp") -> dt.datetime | None:
    """A datetime, or None for None, NaN and pandas' NaT (as Rubrix turns NaT into None)."""
    if is_missing(value):
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"{field}: {_short(value)} is not an ISO date, e.g. 2021-05-04T10:00:00"
            ) from None
    if getattr(getattr(value, "dtype", None), "kind", None) == "M":  # numpy datetime64
        import pandas as pd

        value = pd.Timestamp(value)
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    raise ValueError(f"{field}: {_short(value)} is not a datetime")


# -- metadata --------------------------------------------------------------------
_JSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY


_EMPTY_KEY = re.compile(rb'[{,]"":')  # in JSON text, a quote inside a key is escaped


def check_metadata(value: Any) -> dict[str, Any]:
    """Metadata is a dict of JSON values; numpy values and datetimes become plain values.

    It is returned as it will load back (NaN becomes None, tuples lists).
    """
    if value is None or (not isinstance(value, Mapping) and is_missing(value)):
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(f"metadata: {_short(value)} is not a dict")
    try:
        text = orjson.dumps(value if isinstance(value, dict) else dict(value), option=_JSON_OPTIONS)
    except TypeError as exc:
        raise ValueError(
            f"metadata: {exc}; metadata values are str, int, float, bool, None, datetimes, "
            "numpy values, and lists or dicts (with str keys) of those"
        ) from None
    if _EMPTY_KEY.search(text):
        raise ValueError("metadata: keys must be non-empty str")
    return orjson.loads(text)


def check_record_metadata(value: Any) -> dict[str, Any]:
    """A record's metadata as it is stored and loads back: :func:`check_metadata`, without
    empty values.

    Rubrix's server dropped keys whose value is None, ``[]`` or ``{}`` (at any depth of
    nested dicts, not inside lists) when it stored a record, so they never came back from
    ``rb.load``; NaN is None here, so it goes too.
    """
    return drop_empty_values(check_metadata(value))


def drop_empty_values(metadata: dict[str, Any]) -> dict[str, Any]:
    """``metadata`` without the keys whose value is None, ``[]`` or ``{}`` (nested dicts too)."""
    out = {}
    for key, value in metadata.items():
        if isinstance(value, dict):
            value = drop_empty_values(value)
        if value is None or (isinstance(value, list | dict) and not value):
            continue
        out[key] = value
    return out


def dumps(value: Any) -> str:
    return orjson.dumps(value, option=_JSON_OPTIONS).decode()


# -- text classification -----------------------------------------------------------
def check_inputs(inputs: Any, text: Any = None) -> dict[str, str | list[str]]:
    if is_missing(inputs) if not isinstance(inputs, Mapping | list | tuple) else False:
        inputs = None
    if is_missing(text) if not isinstance(text, list | tuple) else False:
        text = None
    if inputs is None and text is None:
        raise ValueError("inputs: give the record's text, as text='...' or inputs={'text': '...'}")
    if inputs is None:
        inputs = text
    elif (
        text is not None
        and not (isinstance(inputs, Mapping) and inputs.get("text") == text)
        and not (isinstance(inputs, Mapping) and list(inputs.values()) == [text])
        and not (isinstance(inputs, str | list | tuple) and inputs == text)
    ):
        raise ValueError("text and inputs disagree: give one of them, or the same text in both")
    if isinstance(inputs, str | list | tuple):
        inputs = {"text": inputs}
    if not isinstance(inputs, Mapping):
        raise ValueError(f"inputs: {_short(inputs)} is not a str, a list of str or a dict")
    if not inputs:
        raise ValueError("inputs: the dict is empty; give at least one text")
    normal: dict[str, str | list[str]] = {}
    for key, value in inputs.items():
        if not isinstance(key, str) or not key:
            raise ValueError(f"inputs: key {_short(key)} must be a non-empty str")
        if isinstance(value, str):
            normal[key] = storable(value, f"inputs.{key}")
        elif isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            normal[key] = [storable(v, f"inputs.{key}") for v in value]
        else:
            raise ValueError(f"inputs.{key}: {_short(value)} is not a str or a list of str")
    return normal


def check_text_prediction(value: Any, multi_label: bool) -> list[tuple[str, float]] | None:
    if value is None or (not isinstance(value, list | tuple) and is_missing(value)):
        return None
    if isinstance(value, (Mapping, str)) or not hasattr(value, "__iter__"):
        raise ValueError(f"prediction: {_short(value)} is not a list of (label, score) pairs")
    pairs: list[tuple[str, float]] = []
    seen: set[str] = set()
    total = 0.0
    for item in value:
        if isinstance(item, Mapping):
            label, score = item.get("label"), item.get("score")
        else:
            try:
                label, score = item
            except (TypeError, ValueError):
                raise ValueError(
                    f"prediction: {_short(item)} is not a (label, score) pair"
                ) from None
        label = check_label(label, "prediction")
        score = to_float(score, f"prediction score of {label!r}")
        if not 0.0 <= score <= 1.0:
            raise ValueError(f"prediction: score {score!r} of {label!r} is outside [0, 1]")
        if label in seen:
            raise ValueError(f"prediction: label {label!r} appears more than once")
        seen.add(label)
        total += score
        pairs.append((label, score))
    if not pairs:
        return None
    if not multi_label and total > 1.0 + SCORE_SUM_TOLERANCE:
        raise ValueError(
            f"prediction: scores of a single-label record sum to {total:.4g}, above 1; "
            "use multi_label=True for independent scores"
        )
    pairs.sort(key=lambda pair: -pair[1])
    return pairs


def check_text_annotation(value: Any, multi_label: bool) -> str | list[str] | None:
    if value is None or (not isinstance(value, list | tuple | set) and is_missing(value)):
        return None
    if hasattr(value, "tolist") and not isinstance(value, str):
        value = value.tolist()
    if isinstance(value, str) or _is_int(value):
        labels = [value]
    elif isinstance(value, list | tuple | set | frozenset):
        labels = list(value)
    else:
        raise ValueError(f"annotation: {_short(value)} is not a label or a list of labels")
    labels = [check_label(label, "annotation") for label in labels]
    if len(set(labels)) != len(labels):
        raise ValueError(f"annotation: {_short(labels)} repeats a label")
    if multi_label:
        return labels
    if not labels:
        return None
    if len(labels) > 1:
        raise ValueError(
            f"annotation: {_short(labels)} has {len(labels)} labels but the record is "
            "single-label; use multi_label=True"
        )
    return labels[0]


def check_explanation(value: Any, inputs: Mapping[str, Any]) -> dict[str, list[Any]] | None:
    if value is None or (not isinstance(value, Mapping) and is_missing(value)):
        return None
    if not isinstance(value, Mapping):
        raise ValueError("explanation: must be a dict of input key -> list of TokenAttributions")
    unknown = [key for key in value if key not in inputs]
    if unknown:
        raise ValueError(
            f"explanation: keys {unknown} are not input keys; allowed keys are {list(inputs)}"
        )
    return dict(value)


# -- token classification ------------------------------------------------------------
def tokenize(text: str) -> list[str]:
    """Split text into words and single punctuation marks (used when no tokens are given)."""
    return _TOKEN_RE.findall(text)


def check_text_and_tokens(text: Any, tokens: Any) -> tuple[str, list[str], list[tuple[int, int]]]:
    """Text and tokens of a token classification record, and each token's (start, end)."""
    if tokens is not None and hasattr(tokens, "tolist") and not isinstance(tokens, str):
        tokens = tokens.tolist()
    if text is not None and not isinstance(text, str) and is_missing(text):
        text = None
    if tokens is not None and not isinstance(tokens, list | tuple) and is_missing(tokens):
        tokens = None
    if text is None and tokens is None:
        raise ValueError("text: give the record's text (and, optionally, its tokens)")
    if isinstance(tokens, str):
        raise ValueError("tokens: give a list of str, not one str")
    text = check_text(" ".join(tokens) if text is None else text)
    tokens = tokenize(text) if tokens is None else list(tokens)
    if not tokens:
        raise ValueError("tokens: the text has no tokens")
    return text, tokens, token_offsets(text, tokens)


def token_offsets(text: str, tokens: Sequence[str]) -> list[tuple[int, int]]:
    """Character (start, end) of every token, which must appear in order in ``text``."""
    offsets = []
    cursor = 0
    for k, token in enumerate(tokens):
        if not isinstance(token, str) or not token:
            raise ValueError(f"tokens[{k}]: {_short(token)} is not a non-empty str")
        start = text.find(token, cursor)
        if start < 0:
            raise ValueError(
                f"tokens[{k}]: token {token!r} is not found in the text after position "
                f"{cursor}; tokens must appear in order in the text"
            )
        end = start + len(token)
        offsets.append((start, end))
        cursor = end
    return offsets


def check_spans(
    value: Any,
    text: str,
    offsets: Sequence[tuple[int, int]],
    field: str,
    allow_score: bool,
    corrections: list[tuple[tuple, tuple]] | None = None,
) -> list[tuple] | None:
    """Validate (label, start, end[, score]) spans against the token boundaries.

    A span that is off the tokens only by surrounding whitespace, or by reaching past the
    ends of the text, is corrected as Rubrix's ``SpanUtils.correct`` does: the offsets are
    clamped to the text and whitespace (spaces, newlines, tabs) is trimmed from both ends.
    Each correction is appended to ``corrections`` as (span given, span kept), for the
    caller to warn about. A span that still does not fit the tokens is an error.

    Prediction spans always carry a score: a missing or None score is 0.0, as in Rubrix.
    """
    if value is None or (not isinstance(value, list | tuple) and is_missing(value)):
        return None
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (Mapping, str)) or not hasattr(value, "__iter__"):
        raise ValueError(f"{field}: {_short(value)} is not a list of spans")
    starts = {start for start, _ in offsets}
    ends = {end for _, end in offsets}
    spans: list[tuple] = []
    for item in value:
        if isinstance(item, Mapping):
            keys = ("label", "start", "end", "score")
            item = tuple(item[k] for k in keys if item.get(k) is not None or k != "score")
        if not isinstance(item, list | tuple) or len(item) not in ((3, 4) if allow_score else (3,)):
            shape = (
                "(label, start, end) or (label, start, end, score)"
                if allow_score
                else ("(label, start, end)")
            )
            raise ValueError(f"{field}: {_short(item)} is not a {shape} span")
        label = check_label(item[0], field)
        start, end = to_int(item[1], f"{field} start"), to_int(item[2], f"{field} end")
        if not (start in starts and end in ends and start < end):
            fixed = correct_span(text, start, end)
            if fixed[0] in starts and fixed[1] in ends and fixed[0] < fixed[1]:
                if corrections is not None:
                    corrections.append(((label, start, end), (label, *fixed)))
                start, end = fixed
            else:
                _raise_misaligned(field, label, start, end, text, starts)
        if allow_score:
            score = 0.0 if len(item) == 3 or item[3] is None else item[3]
            score = to_float(score, f"{field} score")
            if not 0.0 <= score <= 1.0:
                where = f"{field}: span ({label!r}, {start}, {end})"
                raise ValueError(f"{where}: score {score!r} is outside [0, 1]")
            spans.append((label, start, end, score))
        else:
            spans.append((label, start, end))
    return spans


def _raise_misaligned(field: str, label: str, start: int, end: int, text: str, starts) -> None:
    where = f"{field}: span ({label!r}, {start}, {end})"
    if not 0 <= start < end <= len(text):
        raise ValueError(
            f"{where} must satisfy 0 <= start < end <= {len(text)} (the text's length)"
        )
    if start not in starts:
        raise ValueError(f"{where} does not start at a token start ({text[start:end]!r})")
    raise ValueError(f"{where} does not end at a token end ({text[start:end]!r})")


def correct_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Rubrix's span correction: clamp (start, end) to the text, then trim whitespace.

    Whitespace is what ``str.strip`` removes (spaces, newlines, tabs and the other Unicode
    spaces). The result may still be empty or off the tokens; the caller checks it.
    """
    start, end = max(start, 0), min(end, len(text))
    while start < end and not text[start].strip():
        start += 1
    while end > start and not text[end - 1].strip():
        end -= 1
    return start, end


def describe_corrections(field: str, corrections: Sequence[tuple[Any, tuple, tuple]]) -> str:
    """The warning text for corrected spans: (where, span given, span kept) triples."""
    shown = "; ".join(
        f"{where}{before} -> {after}" for where, before, after in corrections[:_SHOWN]
    )
    more = f"; and {len(corrections) - _SHOWN} more" if len(corrections) > _SHOWN else ""
    count = len(corrections)
    return (
        f"{field}: {count} span{'s' if count > 1 else ''} did not fit the tokens and "
        f"{'were' if count > 1 else 'was'} trimmed of whitespace and clamped to the text, as "
        f"Rubrix does: {shown}{more}"
    )


_SHOWN = 5


def spans_to_tags(spans: Sequence[Sequence[Any]], offsets: Sequence[tuple[int, int]]) -> list[str]:
    """IOB tags ("B-PER", "I-PER", "O"), one per token, of (label, start, end[, score]) spans.

    Raises ``ValueError`` when spans overlap (IOB cannot express it) or a span is not on
    token boundaries.
    """
    ordered = sorted(spans, key=lambda span: (span[1], span[2]))
    for before, after in itertools.pairwise(ordered):
        if before[2] > after[1]:
            raise ValueError(
                f"spans {tuple(before[:3])} and {tuple(after[:3])} overlap; IOB tags cannot "
                "express overlapping spans"
            )
    first = {start: k for k, (start, _) in enumerate(offsets)}
    last = {end: k for k, (_, end) in enumerate(offsets)}
    tags = ["O"] * len(offsets)
    for span in spans:
        label, start, end = span[0], span[1], span[2]
        if start not in first or end not in last or first[start] > last[end]:
            raise ValueError(
                f"span {(label, start, end)} is not on token boundaries, so it has no IOB tags"
            )
        tags[first[start]] = f"B-{label}"
        for k in range(first[start] + 1, last[end] + 1):
            tags[k] = f"I-{label}"
    return tags


def tags_to_spans(tags: Sequence[str], offsets: Sequence[tuple[int, int]]) -> list[tuple]:
    """IOB/BIOES/BILOU tags ("B-PER", "I-PER", "O") to (label, start, end) spans."""
    if len(tags) != len(offsets):
        raise ValueError(f"tags: {len(tags)} tags for {len(offsets)} tokens; give one per token")
    spans: list[tuple] = []
    label, start, end = None, 0, 0
    for tag, (tok_start, tok_end) in zip(tags, offsets, strict=True):
        prefix, _, name = tag.partition("-") if tag != "O" else ("O", "", "")
        if not name and prefix not in ("O", ""):
            prefix, name = "B", prefix
        continues = prefix in ("I", "L", "E") and label == name
        if label is not None and not continues:
            spans.append((label, start, end))
            label = None
        if prefix == "O":
            continue
        if not continues:
            label, start = name, tok_start
        end = tok_end
        if prefix in ("L", "E", "U", "S"):
            spans.append((label, start, end))
            label = None
    if label is not None:
        spans.append((label, start, end))
    return spans


# -- text2text ---------------------------------------------------------------------
def check_text2text_prediction(value: Any) -> list[tuple[str, float]] | None:
    if value is None or (not isinstance(value, list | tuple) and is_missing(value)):
        return None
    if isinstance(value, str):
        value = [value]
    if isinstance(value, Mapping) or not hasattr(value, "__iter__"):
        raise ValueError(f"prediction: {_short(value)} is not a list of texts or (text, score)")
    pairs: list[tuple[str, float]] = []
    for item in value:
        if isinstance(item, str):
            pairs.append((item, 1.0))
            continue
        if isinstance(item, Mapping):
            item = (item.get("text"), 1.0 if item.get("score") is None else item.get("score"))
        try:
            text, score = item
        except (TypeError, ValueError):
            raise ValueError(
                f"prediction: {_short(item)} is not a str or a (text, score) pair"
            ) from None
        if not isinstance(text, str):
            raise ValueError(f"prediction: {_short(text)} is not a str")
        score = to_float(score, "prediction score")
        if not 0.0 <= score <= 1.0:
            raise ValueError(f"prediction: score {score!r} of {_short(text)} is outside [0, 1]")
        pairs.append((text, score))
    if not pairs:
        return None
    pairs.sort(key=lambda pair: -pair[1])
    return pairs


def check_text2text_annotation(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and is_missing(value)):
        return None
    if not isinstance(value, str):
        raise ValueError(f"annotation: {_short(value)} is not a str")
    return value


def check_text(value: Any, field: str = "text", allow_empty: bool = False) -> str:
    """A record's text. Rubrix refused an empty (or only whitespace) token classification
    text, which has no tokens, but took it for text classification and Text2Text."""
    if not isinstance(value, str):
        raise ValueError(f"{field}: {_short(value)} is not a str")
    if not allow_empty and not value.strip():
        raise ValueError(f"{field}: the text is empty or only whitespace")
    return storable(value, field)


def storable(value: str, field: str) -> str:
    """Text UTF-8 can store: no lone surrogates (left by decoding with errors='surrogateescape')."""
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(
                f"{field}: the text holds a lone surrogate ({exc.object[exc.start]!r}) at "
                f"position {exc.start}, which UTF-8 cannot store; decode the source with "
                "errors='replace' or remove it"
            ) from None
    return value
