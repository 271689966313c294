"""The rules of token classification records: tokens, their character offsets, entity
spans (checked against the tokens and, as Rubrix did, corrected when a blank is at either
end), and IOB / BILOU tags. Plain functions, shared by the record models and the DataFrame
write path like the rest of :mod:`rubrix_widgets.validation`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ._unicode_marks import COMBINING_MARKS
from .validation import (
    check_label,
    check_text,
    is_missing,
    shorten,
    to_float,
    to_int,
)

_MARKS = f"[{COMBINING_MARKS}\U0001f3fb-\U0001f3ff]"
_WORD_MARKS = f"[{COMBINING_MARKS}\u200c\u200d]"
_TOKEN_RE = re.compile(
    r"[\U0001F1E6-\U0001F1FF]{2}"  # a flag: two regional indicators
    rf"|(?:\w{_WORD_MARKS}*)+"  # a word, with its combining marks
    rf"|[^\w\s]{_MARKS}*(?:\u200d[^\w\s]{_MARKS}*)*"  # a symbol or a joined emoji sequence
)
_SHOWN = 5


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
            raise ValueError(f"tokens[{k}]: {shorten(token)} is not a non-empty str")
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
        raise ValueError(f"{field}: {shorten(value)} is not a list of spans")
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
            raise ValueError(f"{field}: {shorten(item)} is not a {shape} span")
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
