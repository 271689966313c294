"""The validation rules of records, as plain functions.

The pydantic record models and the column-wise DataFrame path both call
these, so a rule is written once and both paths agree. Each function takes
one field's raw value and returns its normal form, or raises ``ValueError``
naming the field, the value and what is allowed.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import os
import re
import sys
import uuid
import warnings
from collections.abc import Mapping
from types import FrameType
from typing import Any

import orjson

STATUSES = ("Default", "Edited", "Discarded", "Validated")
SCORE_SUM_TOLERANCE = 1e-3
# Combining marks, joiners and emoji skin tones continue the character before them.


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
    internal: tuple[str, ...] = (_PACKAGE,)
    pydantic_file = getattr(sys.modules.get("pydantic"), "__file__", None)
    if pydantic_file:
        internal += (os.path.dirname(pydantic_file) + os.sep,)
    frame: FrameType | None = sys._getframe(1)
    level = 2  # stacklevel 2 is the frame that called warn_user
    while frame is not None and frame.f_code.co_filename.startswith(internal):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def shorten(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- scalars -----------------------------------------------------------------
def to_float(value: Any, field: str) -> float:
    if isinstance(value, (bool, str | bytes)):
        raise ValueError(f"{field}: {shorten(value)} is not a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{field}: {shorten(value)} is not a number") from None
    if math.isnan(number):
        raise ValueError(f"{field}: NaN is not a valid score")
    return number


def to_int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise ValueError(f"{field}: {shorten(value)} is not an integer")
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
        raise ValueError(f"id: {shorten(value)} is not a valid id; ids are int or str")
    if not -(2**63) <= number < 2**63:
        raise ValueError(f"id: {number} does not fit in 64 bits; use a str id for it")
    return number


def check_label(value: Any, field: str) -> str:
    if _is_int(value):  # Rubrix (pydantic v1) made label 1 into "1": class ids from a model
        return str(int(value))
    if not isinstance(value, str):
        raise ValueError(f"{field}: label {shorten(value)} is not a str (or an int)")
    if not value.strip():
        raise ValueError(f"{field}: label names must not be empty")
    if "\x00" in value or "\x1f" in value:
        raise ValueError(
            f"{field}: label {shorten(value)} contains a control character (NUL or US)"
        )
    return storable(value if type(value) is str else str(value), field)


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)  # numpy's too


def check_agent(value: Any, field: str) -> str | None:
    if is_missing(value):
        return None
    if not isinstance(value, str):
        raise ValueError(f"{field}: {shorten(value)} is not a str")
    return storable(value, field)


def check_status(value: Any, has_annotation: bool) -> str:
    # Rubrix derives the status when none is given; its test is "status or ...", so "" is none
    if is_missing(value) or (isinstance(value, str) and value == ""):
        return "Validated" if has_annotation else "Default"
    if value not in STATUSES:
        raise ValueError(f"status {shorten(value)} is not one of {', '.join(STATUSES)}")
    return value


_BOOL: Any = None  # pydantic's bool validator, made on first use


def check_multi_label(value: Any) -> bool:
    """``multi_label`` as the record model reads it (pydantic's bool: True, False, 1, 0,
    "yes", "no", ...); a missing cell of a DataFrame is False."""
    global _BOOL
    if isinstance(value, bool):
        return value
    if is_missing(value):
        return False
    if _BOOL is None:
        from pydantic import TypeAdapter

        _BOOL = TypeAdapter(bool)
    try:
        return bool(_BOOL.validate_python(value))
    except ValueError:  # pydantic's ValidationError
        raise ValueError(f"multi_label: {shorten(value)} is not a bool (True or False)") from None


# Timestamps are stored as naive UTC datetimes; these are the first and last Python (and so
# Rubrix) can give back. Both write paths refuse a moment outside them, naming the field.
EARLIEST = dt.datetime.min  # 0001-01-01T00:00:00
LATEST = dt.datetime.max  # 9999-12-31T23:59:59.999999
TIMESTAMP_RANGE = "0001-01-01T00:00:00 to 9999-12-31T23:59:59.999999 in UTC"


def check_event_timestamp(value: Any, field: str = "event_timestamp") -> dt.datetime | None:
    """The one timestamp rule: a naive datetime in UTC, or None.

    None, NaN and pandas' NaT are None (as Rubrix turns NaT into None); an ISO string, a
    date, a pandas Timestamp or a numpy datetime64 is read as a datetime; one with a time
    zone is converted to UTC and stored without it (as it loads back). A moment outside
    the years 1-9999 in UTC is a ValueError naming ``field`` and the allowed range.
    """
    if is_missing(value):
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"{field}: {shorten(value)} is not an ISO date, e.g. 2021-05-04T10:00:00"
            ) from None
    if getattr(getattr(value, "dtype", None), "kind", None) == "M":  # numpy datetime64
        import pandas as pd

        value = pd.Timestamp(value)
    if hasattr(value, "to_pydatetime"):
        try:
            value = value.to_pydatetime()
        except ValueError:  # a pandas Timestamp in year 0 or 10000
            raise _out_of_range(field, value) from None
    if isinstance(value, dt.datetime):
        return _naive_utc(value, field)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    raise ValueError(f"{field}: {shorten(value)} is not a datetime")


def _naive_utc(moment: dt.datetime, field: str) -> dt.datetime:
    offset = moment.utcoffset()
    if offset is None:
        return moment
    try:
        return moment.replace(tzinfo=None) - offset
    except OverflowError:  # one hour past 9999-12-31T23:00-05:00, or before year 1
        raise _out_of_range(field, moment) from None


def _out_of_range(field: str, moment: Any) -> ValueError:
    shown = moment.isoformat() if hasattr(moment, "isoformat") else shorten(moment)
    return ValueError(
        f"{field}: {shown} is outside the range that can be stored, {TIMESTAMP_RANGE}"
    )


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
        raise ValueError(f"metadata: {shorten(value)} is not a dict")
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
        raise ValueError(f"inputs: {shorten(inputs)} is not a str, a list of str or a dict")
    if not inputs:
        raise ValueError("inputs: the dict is empty; give at least one text")
    normal: dict[str, str | list[str]] = {}
    for key, value in inputs.items():
        if not isinstance(key, str) or not key:
            raise ValueError(f"inputs: key {shorten(key)} must be a non-empty str")
        if isinstance(value, str):
            normal[key] = storable(value, f"inputs.{key}")
        elif isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            normal[key] = [storable(v, f"inputs.{key}") for v in value]
        else:
            raise ValueError(f"inputs.{key}: {shorten(value)} is not a str or a list of str")
    return normal


def check_text_prediction(value: Any, multi_label: bool) -> list[tuple[str, float]] | None:
    if value is None or (not isinstance(value, list | tuple) and is_missing(value)):
        return None
    if isinstance(value, (Mapping, str)) or not hasattr(value, "__iter__"):
        raise ValueError(f"prediction: {shorten(value)} is not a list of (label, score) pairs")
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
                    f"prediction: {shorten(item)} is not a (label, score) pair"
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
        raise ValueError(f"annotation: {shorten(value)} is not a label or a list of labels")
    labels = [check_label(label, "annotation") for label in labels]
    if len(set(labels)) != len(labels):
        raise ValueError(f"annotation: {shorten(labels)} repeats a label")
    if multi_label:
        return labels
    if not labels:
        return None
    if len(labels) > 1:
        raise ValueError(
            f"annotation: {shorten(labels)} has {len(labels)} labels but the record is "
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


# -- text2text ---------------------------------------------------------------------
def check_text2text_prediction(value: Any) -> list[tuple[str, float]] | None:
    if value is None or (not isinstance(value, list | tuple) and is_missing(value)):
        return None
    if isinstance(value, str):
        value = [value]
    if isinstance(value, Mapping) or not hasattr(value, "__iter__"):
        raise ValueError(f"prediction: {shorten(value)} is not a list of texts or (text, score)")
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
                f"prediction: {shorten(item)} is not a str or a (text, score) pair"
            ) from None
        if not isinstance(text, str):
            raise ValueError(f"prediction: {shorten(text)} is not a str")
        score = to_float(score, "prediction score")
        if not 0.0 <= score <= 1.0:
            raise ValueError(f"prediction: score {score!r} of {shorten(text)} is outside [0, 1]")
        pairs.append((text, score))
    if not pairs:
        return None
    pairs.sort(key=lambda pair: -pair[1])
    return pairs


def check_text2text_annotation(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and is_missing(value)):
        return None
    if not isinstance(value, str):
        raise ValueError(f"annotation: {shorten(value)} is not a str")
    return value


def check_text(value: Any, field: str = "text", allow_empty: bool = False) -> str:
    """A record's text. Rubrix refused an empty (or only whitespace) token classification
    text, which has no tokens, but took it for text classification and Text2Text."""
    if not isinstance(value, str):
        raise ValueError(f"{field}: {shorten(value)} is not a str")
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
