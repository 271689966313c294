"""Parse the query language Rubrix users type (Elasticsearch ``query_string``).

    women AND feminists            status:Validated    predicted:ko
    annotated_as:(Sports OR World) score:{0.99 TO *}   metadata.page_number>1
    NOT _exists_:metadata.format   inputs.my\\ key:"a phrase"   wom* femenist~1

Precedence, loosest first: ``OR`` (``||``), ``AND`` (``&&``, or two clauses
side by side: the default operator is AND), ``NOT`` (``!``, ``-``). ``+``
marks a required clause, which under the default AND changes nothing.
Lowercase ``and``/``or`` are words, as in Elasticsearch; they are reported
in :attr:`ParsedQuery.warnings` because users usually mean the operator.

The parser is scannerless (it reads characters directly) because ranges
and comparisons read their values differently from terms
(``event_timestamp:>2021-01-01T10:00:00`` holds colons).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import QuerySyntaxError
from .query_ast import (
    And,
    Exists,
    Fuzzy,
    MatchAll,
    Node,
    Not,
    Or,
    Phrase,
    Range,
    Regex,
    Segment,
    Term,
    Wildcard,
    shown,
)

MAX_QUERY_LENGTH = 100_000
MAX_DEPTH = 64
# Characters that end a bare word (Elasticsearch's reserved characters that
# can appear after a word's start). ``+ - ! /`` only mean something at the
# start of a clause, so ``e-mail`` stays one word.
_WORD_END = set(' \t\r\n\u3000()[]{}":^~<>')


@dataclass
class ParsedQuery:
    node: Node
    warnings: list[str] = field(default_factory=list)


def parse_query(query: str | None) -> ParsedQuery:
    """Parse ``query`` into a tree of :mod:`query_ast` nodes.

    ``None``, ``""``, ``"*"``, ``"*:*"`` and ``'""'`` match everything.

    Raises
    ------
    QuerySyntaxError
        With the query and a caret at the place where it broke.
    """
    if query is None:
        return ParsedQuery(MatchAll())
    if not isinstance(query, str):
        raise QuerySyntaxError(f"a query must be a str, not {type(query).__name__}")
    if len(query) > MAX_QUERY_LENGTH:
        raise QuerySyntaxError(  # the caret shows where the limit falls; the query is kept
            f"the query is {len(query):,} characters long; the limit is {MAX_QUERY_LENGTH:,}",
            query,
            MAX_QUERY_LENGTH,
        )
    if "\x00" in query:
        raise QuerySyntaxError("the query contains a NUL character", query, query.index("\x00"))
    try:
        query.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate, e.g. from a broken decode
        raise QuerySyntaxError(
            f"the query contains a lone surrogate ({query[exc.start]!r}), which is not text",
            query,
            exc.start,
        ) from None
    return _Parser(query).parse()


class _Parser:
    def __init__(self, text: str):
        self.s = text
        self.i = 0
        self.depth = 0
        self.fields: list[str | None] = [None]
        self.warnings: list[str] = []

    # -- helpers -----------------------------------------------------------
    def error(self, message: str, pos: int | None = None) -> QuerySyntaxError:
        return QuerySyntaxError(message, self.s, self.i if pos is None else pos)

    def at_end(self) -> bool:
        return self.i >= len(self.s)

    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.s[j] if j < len(self.s) else ""

    def skip_ws(self) -> None:
        while self.i < len(self.s) and self.s[self.i].isspace():
            self.i += 1

    def keyword(self, *words: str) -> str | None:
        """The operator keyword at the cursor, if it stands alone."""
        for word in words:
            end = self.i + len(word)
            if self.s.startswith(word, self.i):
                if word in ("&&", "||"):
                    return word
                nxt = self.s[end] if end < len(self.s) else ""
                if nxt == "" or nxt.isspace() or nxt in "()":
                    return word
        return None

    # -- grammar -----------------------------------------------------------
    def parse(self) -> ParsedQuery:
        self.skip_ws()
        if self.at_end():
            return ParsedQuery(MatchAll())
        node = self.parse_or()
        self.skip_ws()
        if not self.at_end():
            if self.peek() == ")":
                raise self.error("unexpected ')' without a matching '('")
            raise self.error(f"unexpected {self.peek()!r}")
        return ParsedQuery(node, self.warnings)

    def parse_or(self) -> Node:
        children = [self.parse_and()]
        while True:
            self.skip_ws()
            op = self.keyword("OR", "||")
            if not op:
                break
            self.i += len(op)
            self.skip_ws()
            if self.at_end() or self.peek() == ")":
                raise self.error(f"expected a clause after {op}")
            children.append(self.parse_and())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def parse_and(self) -> Node:
        children = [self.parse_unary()]
        while True:
            self.skip_ws()
            if self.at_end() or self.peek() == ")" or self.keyword("OR", "||"):
                break
            op = self.keyword("AND", "&&")
            if op:
                self.i += len(op)
                self.skip_ws()
                if self.at_end() or self.peek() == ")":
                    raise self.error(f"expected a clause after {op}")
            children.append(self.parse_unary())
        self._warn_lowercase_operators(children)
        return children[0] if len(children) == 1 else And(tuple(children))

    def _warn_lowercase_operators(self, children: list[Node]) -> None:
        for _k, child in enumerate(children[1:-1], start=1):
            if isinstance(child, Term) and child.text in ("and", "or") and child.field is None:
                upper = child.text.upper()
                self.warnings.append(
                    f"'{child.text}' at position {child.pos} is searched as a word, as in "
                    f"Elasticsearch; write '{upper}' to combine the clauses around it"
                )

    def parse_unary(self) -> Node:
        self.skip_ws()
        misplaced = self.keyword("AND", "OR", "&&", "||")
        if misplaced:
            raise self.error(f"expected a clause before {misplaced}")
        negations = 0
        while (op := self.keyword("NOT")) or self.peek() == "!":
            start = self.i
            self.i += len(op) if op else 1
            self.skip_ws()
            if self.at_end() or self.peek() == ")":
                raise self.error(f"expected a clause after {op or '!'}", start)
            negations += 1
        if negations:
            node = self.parse_unary()
            return Not(node) if negations % 2 else node
        if self.peek() in ("+", "-"):
            sign = self.peek()
            self.i += 1
            self.skip_ws()  # Lucene skips blanks after a modifier: "fox - dogs" is fox -dogs
            if self.at_end() or self.peek() == ")":
                raise self.error(
                    f"'{sign}' must be followed by a clause, as in {sign}status:Default"
                )
            node = self.parse_primary()
            return Not(node) if sign == "-" else node
        return self.parse_primary()

    def parse_primary(self) -> Node:
        self.skip_ws()
        c = self.peek()
        start = self.i
        if c == "(":
            return self.parse_group()
        if c == ")":
            raise self.error("unexpected ')' without a matching '('")
        if c in ("[", "{"):
            raise self.error("a range needs a field, as in score:[0.5 TO 1]")
        if c in ("]", "}"):
            raise self.error(f"unexpected {c!r} outside a range")
        if c == ":":
            raise self.error("expected a field name before ':'")
        if c in ("<", ">"):
            raise self.error(f"{c!r} needs a field before it, as in score:>0.5")
        if c in ("^", "~"):
            raise self.error(
                f"{c!r} must follow a term, as in {'word~1' if c == '~' else 'word^2'}"
            )
        if c == '"':
            return self.parse_phrase(self.fields[-1])
        if c == "/":
            return self.parse_regex(self.fields[-1])
        word, segments = self.read_word()
        if self.peek() == ":" and word:
            self.i += 1
            return self.parse_field_value(word, start)
        if self.peek() in ("<", ">") and word:
            return self.parse_comparison(word, start)
        return self.finish_term(self.fields[-1], word, segments, start)

    def parse_group(self) -> Node:
        start = self.i
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"the query nests deeper than {MAX_DEPTH} levels of parentheses")
        self.i += 1
        self.skip_ws()
        if self.peek() == ")":
            raise self.error("empty parentheses: put a clause inside, or remove them")
        node = self.parse_or()
        self.skip_ws()
        if self.peek() != ")":
            raise self.error(f"missing ')' to close the '(' at position {start}", start)
        self.i += 1
        self.depth -= 1
        self.read_boost()
        return node

    def parse_field_value(self, name: str, start: int) -> Node:
        self.skip_ws()
        c = self.peek()
        if self.at_end() or c == ")":
            raise self.error(f"expected a value after {shown(name + ':')}")
        if name == "_exists_":
            target, _ = self.read_word()
            if not target:
                raise self.error("expected a field name after '_exists_:'")
            return Exists(target, start)
        if c == "(":
            self.fields.append(name)
            try:
                return self.parse_group()
            finally:
                self.fields.pop()
        if c in ("[", "{"):
            return self.parse_range(name, start)
        if c in ("<", ">"):
            return self.parse_comparison(name, start)
        if c == '"':
            return self.parse_phrase(name)
        if c == "/":
            return self.parse_regex(name)
        value_start = self.i
        word, segments = self.read_word()
        if not word:
            raise self.error(f"expected a value after {shown(name + ':')}")
        if segments == (("star", "*"),):
            return MatchAll() if name == "*" else Exists(name, start)
        return self.finish_term(name, word, segments, value_start)

    def finish_term(self, fname: str | None, word: str, segments, start: int) -> Node:
        if not word:
            if self.at_end():
                raise self.error("the query ends where a search term was expected")
            raise self.error(f"unexpected {self.peek()!r}")
        if self.peek() == "~":
            self.i += 1
            distance = self.read_number("fuzzy edit distance", default=2.0)
            if distance not in (0, 1, 2):
                raise self.error(f"the fuzzy edit distance must be 0, 1 or 2, not {distance:g}")
            self.read_boost()
            return Fuzzy(fname, word, int(distance), start)
        self.read_boost()
        if any(kind != "lit" for kind, _ in segments):
            if all(kind == "star" for kind, _ in segments):
                return MatchAll() if fname is None else Exists(fname, start)
            return Wildcard(fname, tuple(segments), start)
        return Term(fname, word, start)

    def parse_phrase(self, fname: str | None) -> Node:
        start = self.i
        self.i += 1
        chars: list[str] = []
        while True:
            if self.at_end():
                raise self.error("missing '\"' to close the phrase", start)
            c = self.s[self.i]
            if c == "\\" and self.i + 1 < len(self.s):
                chars.append(self.s[self.i + 1])
                self.i += 2
                continue
            self.i += 1
            if c == '"':
                break
            chars.append(c)
        slop = 0
        if self.peek() == "~":
            self.i += 1
            slop = int(self.read_number("phrase slop", default=0.0))
        self.read_boost()
        text = "".join(chars)
        if not text.strip():
            return MatchAll() if fname is None else Exists(fname, start)
        return Phrase(fname, text, slop, start)

    def parse_regex(self, fname: str | None) -> Node:
        start = self.i
        end = self.s.find("/", self.i + 1)
        while end != -1 and self.s[end - 1] == "\\":
            end = self.s.find("/", end + 1)
        if end == -1:
            raise self.error("missing '/' to close the regular expression", start)
        pattern = self.s[self.i + 1 : end].replace("\\/", "/")
        self.i = end + 1
        self.read_boost()
        return Regex(fname, pattern, start)

    def parse_range(self, name: str, start: int) -> Node:
        include_lower = self.peek() == "["
        self.i += 1
        self.skip_ws()
        lower = self.read_bound()
        self.skip_ws()
        if not self.s.startswith("TO", self.i):
            raise self.error("expected 'TO' between the bounds of the range, as in [1 TO 5]")
        self.i += 2
        self.skip_ws()
        upper = self.read_bound()
        self.skip_ws()
        close = self.peek()
        if close not in ("]", "}"):
            raise self.error("expected ']' or '}' to close the range", start)
        self.i += 1
        self.read_boost()
        return Range(name, lower, upper, include_lower, close == "]", start)

    def parse_comparison(self, name: str, start: int) -> Node:
        op = self.s[self.i : self.i + 2] if self.peek(1) == "=" else self.peek()
        self.i += len(op)
        self.skip_ws()
        value = self.read_bound()
        if value is None:
            raise self.error(f"expected a value after '{op}'")
        if op.startswith(">"):
            return Range(name, value, None, op == ">=", True, start)
        return Range(name, None, value, True, op == "<=", start)

    # -- lexical pieces ----------------------------------------------------
    def read_word(self) -> tuple[str, tuple[Segment, ...]]:
        """Read a bare word; return its text and its wildcard segments."""
        segments: list[Segment] = []
        literal: list[str] = []
        text: list[str] = []
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c == "\\":
                if self.i + 1 >= len(s):
                    raise self.error("a backslash at the end escapes nothing; write \\\\")
                literal.append(s[self.i + 1])
                text.append(s[self.i + 1])
                self.i += 2
                continue
            if c in _WORD_END or c.isspace() or c == ":":
                break
            if c in "*?":
                if literal:
                    segments.append(("lit", "".join(literal)))
                    literal = []
                segments.append(("star", "*") if c == "*" else ("one", "?"))
            else:
                literal.append(c)
            text.append(c)
            self.i += 1
        if literal:
            segments.append(("lit", "".join(literal)))
        return "".join(text), tuple(segments)

    def read_bound(self) -> str | None:
        """A range or comparison value: quoted, ``*`` (open), or up to a delimiter."""
        if self.peek() == '"':
            start = self.i
            end = self.i + 1
            chars = []
            while end < len(self.s) and self.s[end] != '"':
                if self.s[end] == "\\" and end + 1 < len(self.s):
                    end += 1
                chars.append(self.s[end])
                end += 1
            if end >= len(self.s):
                raise self.error("missing '\"' to close the value", start)
            self.i = end + 1
            return "".join(chars)
        start = self.i
        chars = []
        while self.i < len(self.s):
            c = self.s[self.i]
            if c.isspace() or c in "]})":
                break
            if c == "\\" and self.i + 1 < len(self.s):
                self.i += 1
                c = self.s[self.i]
            chars.append(c)
            self.i += 1
        value = "".join(chars)
        if not value:
            raise self.error("expected a value", start)
        return None if value == "*" else value

    def read_number(self, what: str, default: float) -> float:
        start = self.i
        while self.i < len(self.s) and (self.s[self.i].isdigit() or self.s[self.i] == "."):
            self.i += 1
        digits = self.s[start : self.i]
        if not digits:
            return default
        try:
            return float(digits)
        except ValueError:
            raise self.error(f"{shown(digits)} is not a valid {what}", start) from None

    def read_boost(self) -> None:
        if self.peek() == "^":
            self.i += 1
            start = self.i
            self.read_number("boost", default=-1.0)
            if self.i == start:
                raise self.error("expected a number after '^', as in word^2")


def operator_hint(query: str) -> str:
    """For a query that failed to parse: a hint if it uses lowercase and/or/not, which
    Elasticsearch (and we) search as words, not operators."""
    lower = sorted({w for w in re.findall(r"\b(and|or|not)\b", query)})
    if not lower:
        return ""
    words = " and ".join(f"'{w}'" for w in lower)
    verb = "is searched as a word" if len(lower) == 1 else "are searched as words"
    return f"\nHint: operators are uppercase ({words} {verb}): write AND, OR, NOT"
