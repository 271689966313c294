"""Dates as users type them in queries: ISO dates of any precision and ``now`` math.

A date names an interval as long as its precision: ``2021-05`` is all of
May 2021, ``now-1d/d`` all of yesterday. Ranges and terms use the interval
the way Elasticsearch rounds dates: ``event_timestamp:2021-05-04`` is that
whole day, ``{* TO 2021-05-04}`` ends before it starts, ``[* TO 2021-05-04]``
after it ends.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from .query_ast import shown

UTC = dt.timezone.utc
_UNITS = ("y", "M", "w", "d", "h", "H", "m", "s")
_MATH = re.compile(r"([+-])(\d+)([yMwdhHms])")
_ISO = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<mo>\d{1,2})(?:-(?P<d>\d{1,2})"
    r"(?:[T ](?P<h>\d{1,2})(?::(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.(?P<f>\d{1,6})\d*)?)?)?)?)?)?"
    r"(?P<tz>Z|[+-]\d{2}:?\d{2})?$"
)


def _add_months(moment: dt.datetime, months: int) -> dt.datetime:
    month0 = moment.month - 1 + months
    year, month = moment.year + month0 // 12, month0 % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _shift(moment: dt.datetime, amount: int, unit: str) -> dt.datetime:
    """``moment`` moved by ``amount`` units, clamped to the representable range."""
    try:
        return _shift_unclamped(moment, amount, unit)
    except (OverflowError, ValueError):
        limit = dt.datetime.max if amount > 0 else dt.datetime.min
        return limit.replace(tzinfo=moment.tzinfo)


def _shift_unclamped(moment: dt.datetime, amount: int, unit: str) -> dt.datetime:
    if unit == "y":
        return _add_months(moment, 12 * amount)
    if unit == "M":
        return _add_months(moment, amount)
    seconds = {"w": 604800, "d": 86400, "h": 3600, "H": 3600, "m": 60, "s": 1}[unit]
    return moment + dt.timedelta(seconds=seconds * amount)


def _floor(moment: dt.datetime, unit: str) -> dt.datetime:
    if unit == "y":
        return moment.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    if unit == "M":
        return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if unit == "w":
        start = moment - dt.timedelta(days=moment.weekday())
        return start.replace(hour=0, minute=0, second=0, microsecond=0)
    fields = {"d": "hour", "h": "minute", "H": "minute", "m": "second", "s": "microsecond"}
    names = ["hour", "minute", "second", "microsecond"]
    cut = names.index(fields[unit])
    hour, minute, second, micro = (
        getattr(moment, n) if i < cut else 0 for i, n in enumerate(names)
    )
    return moment.replace(hour=hour, minute=minute, second=second, microsecond=micro)


def parse_date(value: str, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """The [start, end) interval (UTC) that ``value`` names.

    Raises ValueError with the accepted forms when ``value`` is not a date.
    """
    text = value.strip()
    if text.startswith("now"):
        moment = (now or dt.datetime.now(UTC)).astimezone(UTC)
        rest = text[3:]
        rounding = None
        if "/" in rest:
            rest, rounding = rest.split("/", 1)
        pos = 0
        for step in _MATH.finditer(rest):
            if step.start() != pos:
                break
            sign, amount, unit = step.groups()
            moment = _shift(moment, int(amount) * (1 if sign == "+" else -1), unit)
            pos = step.end()
        if pos != len(rest) or (rounding is not None and rounding not in _UNITS):
            raise ValueError(_help(value))
        if rounding:
            start = _floor(moment, rounding)
            return start, _shift(start, 1, rounding)
        return moment, moment + dt.timedelta(microseconds=1)
    match = _ISO.match(text)
    if not match:
        raise ValueError(_help(value))
    parts = match.groupdict()
    try:
        start = dt.datetime(
            int(parts["y"]),
            int(parts["mo"] or 1),
            int(parts["d"] or 1),
            int(parts["h"] or 0),
            int(parts["mi"] or 0),
            int(parts["s"] or 0),
            int((parts["f"] or "0").ljust(6, "0")),
        )
    except ValueError as exc:
        raise ValueError(f"{shown(value)} is not a valid date: {exc}") from None
    tz = parts["tz"]
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        start = start - sign * offset
    start = start.replace(tzinfo=UTC)
    if parts["f"]:
        unit_end = start + dt.timedelta(microseconds=1)
    elif parts["s"]:
        unit_end = _shift(start, 1, "s")
    elif parts["mi"]:
        unit_end = _shift(start, 1, "m")
    elif parts["h"]:
        unit_end = _shift(start, 1, "h")
    elif parts["d"]:
        unit_end = _shift(start, 1, "d")
    elif parts["mo"]:
        unit_end = _shift(start, 1, "M")
    else:
        unit_end = _shift(start, 1, "y")
    return start, unit_end


def _help(value: str) -> str:
    return (
        f"{shown(value)} is not a date; use an ISO date such as 2021-05-04, 2021-05-04T10:30:00 "
        "or 2021-05-04T10:30:00Z, or now with math such as now-1d or now-7d/d"
    )
