"""The parsed form of a Rubrix (Elasticsearch ``query_string``) query.

The parser produces these nodes; the compiler turns them into tantivy
queries and the reference evaluator (tests) into Python predicates. A
``field`` of ``None`` means the default field (every input text).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Segment = tuple[Literal["lit", "star", "one"], str]


@dataclass(frozen=True)
class MatchAll:
    pass


@dataclass(frozen=True)
class Term:
    field: str | None
    text: str
    pos: int = 0


@dataclass(frozen=True)
class Phrase:
    field: str | None
    text: str
    slop: int = 0
    pos: int = 0


@dataclass(frozen=True)
class Wildcard:
    """A term with ``*`` (any run of characters) or ``?`` (one character)."""

    field: str | None
    segments: tuple[Segment, ...]
    pos: int = 0

    @property
    def text(self) -> str:
        return "".join({"lit": s, "star": "*", "one": "?"}[k] for k, s in self.segments)


@dataclass(frozen=True)
class Fuzzy:
    field: str | None
    text: str
    distance: int = 2
    pos: int = 0


@dataclass(frozen=True)
class Regex:
    field: str | None
    pattern: str
    pos: int = 0


@dataclass(frozen=True)
class Range:
    """``[lower TO upper]``; a bound of ``None`` is open (``*``)."""

    field: str | None
    lower: str | None
    upper: str | None
    include_lower: bool = True
    include_upper: bool = True
    pos: int = 0


@dataclass(frozen=True)
class Exists:
    field: str
    pos: int = 0


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


Leaf = MatchAll | Term | Phrase | Wildcard | Fuzzy | Regex | Range | Exists
Node = Leaf | And | Or | Not


def shown(text: str, limit: int = 60) -> str:
    """``text`` quoted for an error message, cut short: queries can be 100,000 characters."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text):,} characters)"


def clipped(message: str, limit: int = 300) -> str:
    """An engine's error message, which may repeat a huge pattern, cut short."""
    return message if len(message) <= limit else message[:limit] + "..."


def leaves(node: Node):
    """Yield every leaf of ``node`` (depth first)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, And | Or):
            stack.extend(reversed(current.children))
        elif isinstance(current, Not):
            stack.append(current.child)
        else:
            yield current
