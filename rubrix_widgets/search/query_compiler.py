"""Turn a parsed query into a tantivy query, with Rubrix's semantics.

We build tantivy queries with its constructors instead of handing the
string to tantivy's parser, which reads several Rubrix queries silently
wrong (pure negatives, ``field>x``, ``_exists_``, wildcards, fuzzy terms).
Only metadata leaves go through ``index.parse_query``: it types JSON
values (``metadata.page:1`` matches the int 1 and the string "1").

Wildcard, regular-expression and fuzzy terms build automata, which can take
milliseconds each: identical leaves are compiled once, and a query may build
at most :data:`MAX_EXPANDING_TERMS` of them within :data:`COMPILE_SECONDS`
(Elasticsearch limits clauses the same way), so no query string can hang.

Negation follows Elasticsearch: a purely negative group matches every
record that does not match its clauses, including records that lack the
field (``predicted_as:(NOT Sports)`` keeps unpredicted records).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import pyarrow as pa
import pyarrow.compute as pc
import tantivy
from tantivy import FieldType, Occur, Query

from ..errors import QuerySyntaxError
from ..tasks import TEXT2TEXT, TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION
from .dates import parse_date
from .index_schema import (
    JSON_INPUTS,
    KEYWORD_NAMES,
    SYMBOLS_ANALYZER,
    TEXT_ANALYZER,
    micros,
    presence,
    slot_field,
)
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
    Term,
    Wildcard,
    clipped,
    shown,
)

TEXT, KEYWORD, NUMBER, INTEGER, DATE, METADATA, TOKENS = (
    "text",
    "keyword",
    "number",
    "integer",
    "date",
    "metadata",
    "tokens",
)
_CANONICAL = {
    "status": {s.lower(): s for s in ("Default", "Edited", "Discarded", "Validated")},
    "predicted": {"ok": "ok", "ko": "ko"},
    "multi_label": {"true": "true", "false": "false"},
}
_ALWAYS_PRESENT = {
    "id",
    "status",
    "text",
    "words",
    "inputs.*",
    "*",
    "last_updated",
    "multi_label",
    "tokens",
}
_OPTIONAL = {
    "annotated_as",
    "predicted_as",
    "annotated_by",
    "predicted_by",
    "predicted",
    "score",
    "event_timestamp",
    "annotation",
    "prediction",
    "explanation",
}
_PARSER_SPECIALS = re.compile(r'([+\-!(){}\[\]^"~*?:\\/<>=&| ])')
MAX_EXPANSIONS = 10_000
# Automata (wildcard, regex, fuzzy terms; per field) one query may build, and the
# time it may spend building them: beyond, it is refused with a QuerySyntaxError.
MAX_EXPANDING_TERMS = 1_024
COMPILE_SECONDS = 3.0
# A fuzzy automaton grows with its term: longer terms are refused.
MAX_FUZZY_LENGTH = 1_000
# tantivy takes the slop of a phrase as a u32; any slop beyond a text's length is the same.
MAX_SLOP = 2**31 - 1


@dataclass(frozen=True)
class _KwTerm:
    """An exact ``kw`` token, for negations the compiler builds itself."""

    token: str


@dataclass(frozen=True)
class FieldRef:
    kind: str
    fields: tuple[str, ...]  # tantivy fields (several for the default text field)
    name: str  # what the user typed


def _escape(text: str) -> str:
    return _PARSER_SPECIALS.sub(r"\\\1", text)


def wildcard_regex(segments, lower: bool) -> str:
    out = []
    for kind, text in segments:
        if kind == "lit":
            out.append(re.escape(text.lower() if lower else text))
        else:
            out.append(".*" if kind == "star" else ".")
    return "".join(out)


class QueryCompiler:
    """Compiles query trees for one index (its schema, task and input slots)."""

    def __init__(self, index: tantivy.Index, task: str, slot_of: dict[str, int], query: str = ""):
        self.index = index
        self.schema = index.schema
        self.task = task
        self.slot_of = slot_of
        self.query = query
        self._searcher: tantivy.Searcher | None = None
        self._leaves: dict[object, Query] = {}
        self._metadata_cache: dict[str, list[str]] = {}
        self._expanding = 0
        self._started = time.monotonic()

    # -- fields -------------------------------------------------------------------
    def fields_help(self) -> str:
        names = [
            "text",
            "annotated_as",
            "annotated_by",
            "predicted_as",
            "predicted_by",
            "predicted",
            "score",
            "status",
            "id",
            "event_timestamp",
            "last_updated",
            "metadata.<key>",
            "_exists_",
        ]
        if self.task == TEXT_CLASSIFICATION:
            names += ["inputs.<key>", "multi_label"]
        if self.task == TOKEN_CLASSIFICATION:
            names += ["tokens"]
        if self.task == TEXT2TEXT:
            names += ["annotation", "prediction"]
        return ", ".join(names)

    def error(self, message: str, pos: int | None) -> QuerySyntaxError:
        return QuerySyntaxError(message, self.query, pos)

    def resolve(self, name: str | None, pos: int = 0) -> FieldRef:
        all_inputs = tuple(slot_field(s) for s in sorted(set(self.slot_of.values()))) or (
            slot_field(0),
        )
        if name in (None, "text", "words", "inputs.*", "*"):
            return FieldRef(TEXT, all_inputs, name or "text")
        if name.startswith("inputs.") and self.task == TEXT_CLASSIFICATION:
            key = name[len("inputs.") :]
            if key not in self.slot_of:
                known = ", ".join(f"inputs.{k}" for k in self.slot_of) or "none yet"
                raise self.error(
                    f"unknown input {shown(name)}; this dataset's inputs are: {known}", pos
                )
            return FieldRef(TEXT, (slot_field(self.slot_of[key]),), name)
        if name == "id":
            return FieldRef(KEYWORD, ("id",), name)
        if name in KEYWORD_NAMES and (name != "multi_label" or self.task == TEXT_CLASSIFICATION):
            return FieldRef(KEYWORD, ("kw",), name)
        if name == "score":
            return FieldRef(NUMBER, ("score",), name)
        if name in ("event_timestamp", "last_updated"):
            return FieldRef(DATE, (name,), name)
        if name == "tokens" and self.task == TOKEN_CLASSIFICATION:
            return FieldRef(TOKENS, (name,), name)
        if name in ("annotation", "prediction") and self.task == TEXT2TEXT:
            return FieldRef(TEXT, (name,), name)
        if name.startswith("metadata.") and len(name) > len("metadata."):
            return FieldRef(METADATA, (name,), name)
        raise self.error(
            f"unknown field {shown(name)}; fields you can search: {self.fields_help()}", pos
        )

    # -- tree ----------------------------------------------------------------------
    def compile(self, node: Node) -> Query:
        if isinstance(node, And):
            return self._conjunction(node.children)
        if isinstance(node, Or):
            queries = _unique(self.compile(c) for c in node.children)
            if len(queries) == 1:
                return queries[0]
            return Query.boolean_query([(Occur.Should, q) for q in queries])
        if isinstance(node, Not):
            return self._conjunction((node,))
        return self.leaf(node)

    def _conjunction(self, children) -> Query:
        must, must_not = [], []
        for child in children:  # in order, so the first bad clause is the one reported
            if isinstance(child, Not):
                must_not.append(self.compile(child.child))
            elif not isinstance(child, MatchAll):
                must.append(self.compile(child))
        # a leaf repeated (fox AND fox) is one query object: keep one clause of it
        clauses = [(Occur.Must, q) for q in _unique(must)]
        clauses += [(Occur.MustNot, q) for q in _unique(must_not)]
        if not any(occur == Occur.Must for occur, _ in clauses):
            clauses.append((Occur.Must, Query.all_query()))
        if len(clauses) == 1:
            return clauses[0][1]
        return Query.boolean_query(clauses)

    def _without_kw(self, token: str) -> Query:
        """Every record whose ``kw`` lacks ``token`` (as ``NOT token`` compiles)."""
        return Query.boolean_query(
            [(Occur.MustNot, self.leaf(_KwTerm(token))), (Occur.Must, Query.all_query())]
        )

    # -- leaves --------------------------------------------------------------------
    def leaf(self, node) -> Query:
        """The query of one leaf; a leaf repeated in the query is compiled once."""
        key = replace(node, pos=0) if hasattr(node, "pos") else node
        compiled = self._leaves.get(key)
        if compiled is None:
            compiled = self._leaves[key] = self._leaf(node)
        return compiled

    def _spend(self, pos: int | None) -> None:
        """Account for one automaton (or metadata expansion) about to be built."""
        self._expanding += 1
        if self._expanding > MAX_EXPANDING_TERMS:
            raise self.error(
                f"the query has more than {MAX_EXPANDING_TERMS:,} wildcard, regular expression "
                "and fuzzy terms (counted once per field searched); use fewer",
                pos,
            )
        if time.monotonic() - self._started > COMPILE_SECONDS:
            raise self.error(
                f"the query's wildcard, regular expression and fuzzy terms took over "
                f"{COMPILE_SECONDS:g} s to prepare; use fewer or more specific ones",
                pos,
            )

    def _leaf(self, node) -> Query:
        if isinstance(node, MatchAll):
            return Query.all_query()
        if isinstance(node, _KwTerm):
            return Query.term_query(self.schema, "kw", node.token)
        if isinstance(node, Exists):
            return self.exists(node)
        ref = self.resolve(node.field, node.pos)
        handler: Callable[[FieldRef, object], Query] = {
            TEXT: self.text_leaf,
            KEYWORD: self.keyword_leaf,
            TOKENS: self.keyword_leaf,
            NUMBER: self.number_leaf,
            DATE: self.date_leaf,
            METADATA: self.metadata_leaf,
        }[ref.kind]
        return handler(ref, node)

    def _any(self, queries: list[Query]) -> Query:
        if len(queries) == 1:
            return queries[0]
        return Query.boolean_query([(Occur.Should, q) for q in queries])

    def exists(self, node: Exists) -> Query:
        name = node.field
        if name == "vectors" or name.startswith("vectors."):
            # ``vectors.<name>:*`` / ``_exists_:vectors.<name>``: records having that vector
            return Query.term_query(self.schema, "kw", presence(name))
        if name.startswith("metadata.") or name == "metadata":
            return Query.exists_query(name, json_subpaths=True)
        if name in _ALWAYS_PRESENT or (name == "text" and self.task != TEXT_CLASSIFICATION):
            return Query.all_query()
        if name.startswith("inputs."):
            self.resolve(name, node.pos)
            has_key = Query.term_query(self.schema, "kw", presence(name))
            if name != "inputs.text":
                return has_key
            plain = self._without_kw(presence(JSON_INPUTS))
            return Query.boolean_query([(Occur.Should, has_key), (Occur.Should, plain)])
        if name not in _OPTIONAL:
            self.resolve(name, node.pos)  # raises for unknown fields
        if name in ("score", "event_timestamp") or (
            name == "prediction" and self.task != TOKEN_CLASSIFICATION
        ):
            return Query.exists_query("score" if name == "prediction" else name)
        if name == "annotation" and self.task == TEXT2TEXT:
            return Query.term_query(self.schema, "kw", presence("annotation"))
        if name == "explanation":
            return Query.term_query(self.schema, "kw", presence("explanation"))
        keyword_name = {"annotation": "annotated_as", "prediction": "predicted_as"}.get(name, name)
        return Query.regex_query(self.schema, "kw", re.escape(f"{keyword_name}:") + ".*")

    def text_leaf(self, ref: FieldRef, node) -> Query:
        if isinstance(node, Term | Phrase):
            words = TEXT_ANALYZER.analyze(node.text)
            symbols = SYMBOLS_ANALYZER.analyze(node.text) if ref.fields[0].startswith("in_") else []
            slop = min(node.slop, MAX_SLOP) if isinstance(node, Phrase) else 0
            clauses = [Query.term_query(self.schema, "symbols", s) for s in dict.fromkeys(symbols)]
            if len(words) == 1:
                clauses.append(
                    self._any([Query.term_query(self.schema, f, words[0]) for f in ref.fields])
                )
            elif words:
                terms: list[str | tuple[int, str]] = list(words)  # phrase_query's element type
                clauses.append(
                    self._any([Query.phrase_query(self.schema, f, terms, slop) for f in ref.fields])
                )
            if not clauses:
                return Query.empty_query()
            return (
                clauses[0]
                if len(clauses) == 1
                else Query.boolean_query([(Occur.Must, q) for q in clauses])
            )
        if isinstance(node, Wildcard):
            pattern = wildcard_regex(node.segments, lower=True)
            return self._any([self._regex(f, pattern, node.pos) for f in ref.fields])
        if isinstance(node, Regex):
            return self._any([self._regex(f, node.pattern, node.pos) for f in ref.fields])
        if isinstance(node, Fuzzy):
            # the index holds analysed words only (at most 40 bytes): a term the
            # analyser drops matches nothing, however fuzzy
            words = TEXT_ANALYZER.analyze(node.text)
            if not words:
                return Query.empty_query()
            queries = []
            for f in ref.fields:
                self._spend(node.pos)
                queries.append(
                    Query.fuzzy_term_query(self.schema, f, words[0], node.distance, True)
                )
            return self._any(queries)
        raise self.error(
            f"{ref.name} is text: ranges work on score, dates, ids and metadata", node.pos
        )

    def _regex(self, field: str, pattern: str, pos: int) -> Query:
        self._spend(pos)
        try:
            return Query.regex_query(self.schema, field, pattern)
        except ValueError as exc:
            raise self.error(
                f"invalid regular expression {shown(pattern)}: {clipped(str(exc))}", pos
            ) from None

    def keyword_leaf(self, ref: FieldRef, node) -> Query:
        field = ref.fields[0]
        # values of the shared ``kw`` field carry their name: ``status:Validated``
        prefix = f"{ref.name}:" if field == "kw" else ""
        if isinstance(node, Term | Phrase):
            allowed = _CANONICAL.get(ref.name)
            if allowed is not None and node.text.lower() not in allowed:
                values = ", ".join(dict.fromkeys(allowed.values()))
                raise self.error(f"{ref.name} is one of {values}, not {shown(node.text)}", node.pos)
            value = allowed[node.text.lower()] if allowed else node.text
            if ref.kind == TOKENS and isinstance(node, Phrase):
                tokens: list[str | tuple[int, str]] = list(node.text.split())
                return Query.phrase_query(self.schema, field, tokens, min(node.slop, MAX_SLOP))
            if ref.name == "multi_label" and value == "false":  # only "true" is indexed
                return self._without_kw("multi_label:true")
            return Query.term_query(self.schema, field, prefix + value)
        if isinstance(node, Wildcard):
            pattern = re.escape(prefix) + wildcard_regex(node.segments, lower=False)
            return self._regex(field, pattern, node.pos)
        if isinstance(node, Regex):
            return self._regex(field, f"{re.escape(prefix)}(?:{node.pattern})", node.pos)
        if isinstance(node, Fuzzy):
            if len(node.text) > MAX_FUZZY_LENGTH:
                raise self.error(
                    f"fuzzy terms are limited to {MAX_FUZZY_LENGTH:,} characters; "
                    f"this one has {len(node.text):,}",
                    node.pos,
                )
            self._spend(node.pos)
            fuzzy = Query.fuzzy_term_query(
                self.schema, field, prefix + node.text, node.distance, True
            )
            if not prefix:
                return fuzzy
            same_name = self._regex(field, re.escape(prefix) + ".*", node.pos)
            return Query.boolean_query([(Occur.Must, fuzzy), (Occur.Must, same_name)])
        if isinstance(node, Range) and ref.name == "id":
            return self.number_leaf(FieldRef(INTEGER, ("id_num",), "id"), node)
        raise self.error(
            f"{ref.name} takes exact values; ranges work on score, dates, ids and metadata",
            node.pos,
        )

    def _number(self, ref: FieldRef, text: str | None, pos: int) -> float | int | None:
        if text is None:
            return None
        try:
            value = int(text) if ref.kind == INTEGER else float(text)
        except ValueError:
            kind = "an integer" if ref.kind == INTEGER else "a number"
            raise self.error(
                f"{ref.name} takes numbers: {shown(text)} is not {kind}", pos
            ) from None
        if ref.kind == INTEGER and not -(2**63) <= value < 2**63:
            raise self.error(f"{ref.name}: {shown(text)} is outside the 64-bit integer range", pos)
        if value != value:
            raise self.error(f"{ref.name}: NaN is not a number to search for", pos)
        return value

    def number_leaf(self, ref: FieldRef, node) -> Query:
        field_type = FieldType.Integer if ref.kind == INTEGER else FieldType.Float
        if isinstance(node, Term | Phrase):
            value = self._number(ref, node.text, node.pos)
            return Query.range_query(self.schema, ref.fields[0], field_type, value, value)
        if isinstance(node, Range):
            lower = self._number(ref, node.lower, node.pos)
            upper = self._number(ref, node.upper, node.pos)
            if lower is None and upper is None:  # [* TO *]: has a value (ids: a number)
                return Query.exists_query(ref.fields[0])
            return Query.range_query(
                self.schema,
                ref.fields[0],
                field_type,
                lower,
                upper,
                node.include_lower or lower is None,
                node.include_upper or upper is None,
            )
        raise self.error(f"{ref.name} takes a number or a range, as in score:[0.5 TO 1]", node.pos)

    def _date(self, text: str, pos: int):
        try:
            return parse_date(text)
        except (ValueError, OverflowError) as exc:
            message = (
                clipped(str(exc))
                if isinstance(exc, ValueError)
                else f"{shown(text)} is out of the date range"
            )
            raise self.error(message, pos) from None

    def date_leaf(self, ref: FieldRef, node) -> Query:
        """Dates are indexed as microseconds since the epoch (UTC)."""
        field = ref.fields[0]
        if isinstance(node, Term | Phrase):
            start, end = self._date(node.text, node.pos)
            return Query.range_query(
                self.schema, field, FieldType.Integer, micros(start), micros(end), True, False
            )
        if isinstance(node, Range):
            if node.lower is None and node.upper is None:  # [* TO *]: has a date
                return Query.exists_query(field)
            lower = upper = None
            if node.lower is not None:
                start, end = self._date(node.lower, node.pos)
                lower = micros(start if node.include_lower else end)
            if node.upper is not None:
                start, end = self._date(node.upper, node.pos)
                upper = micros(end if node.include_upper else start)
            return Query.range_query(
                self.schema, field, FieldType.Integer, lower, upper, True, upper is None
            )
        raise self.error(
            f"{ref.name} takes a date or a range of dates, as in {ref.name}:[2021-01-01 TO now]",
            node.pos,
        )

    # -- metadata ----------------------------------------------------------------------
    def _parse(self, text: str, pos: int) -> Query:
        try:
            return self.index.parse_query(text)
        except ValueError as exc:
            raise self.error(f"could not search {shown(text)}: {clipped(str(exc))}", pos) from None

    def metadata_leaf(self, ref: FieldRef, node) -> Query:
        path = ref.fields[0]
        field = "metadata." + _escape(path[len("metadata.") :])
        if isinstance(node, Term | Phrase):
            return self._parse(f'{field}:"{_quote(node.text)}"', node.pos)
        if isinstance(node, Range):
            # tantivy 0.27 panics on two-sided float ranges over JSON fast fields
            # (metadata.x:[0.1 TO 0.5]); one-sided ranges work, so intersect two.
            sides = []
            if node.lower is not None:
                left = "[" if node.include_lower else "{"
                sides.append(self._parse(f"{field}:{left}{_bound(node.lower)} TO *]", node.pos))
            if node.upper is not None:
                right = "]" if node.include_upper else "}"
                sides.append(self._parse(f"{field}:[* TO {_bound(node.upper)}{right}", node.pos))
            if not sides:
                return Query.exists_query(path, json_subpaths=True)
            return (
                sides[0]
                if len(sides) == 1
                else Query.boolean_query([(Occur.Must, q) for q in sides])
            )
        if isinstance(node, Wildcard | Regex | Fuzzy):
            return self._metadata_expansion(path, node)
        raise self.error(f"cannot search {ref.name} this way", getattr(node, "pos", None))

    def _metadata_expansion(self, path: str, node) -> Query:
        """Wildcards on metadata: tantivy has no regex on JSON paths, so match the values here.

        Patterns run on RE2 (through Arrow), which matches in linear time like
        tantivy's automata: Python's backtracking ``re`` could take hours on
        ``*a*a*a*a*b`` or a user's ``/(a+)+b/``.
        """
        self._spend(node.pos)
        if isinstance(node, Fuzzy):
            if len(node.text) > MAX_FUZZY_LENGTH:
                raise self.error(
                    f"fuzzy terms are limited to {MAX_FUZZY_LENGTH:,} characters; "
                    f"this one has {len(node.text):,}",
                    node.pos,
                )
            accept = _within_distance(node.text, node.distance)
            matched = [v for v in self._metadata_values(path) if accept(v)]
        else:
            source = (
                wildcard_regex(node.segments, lower=False)
                if isinstance(node, Wildcard)
                else node.pattern
            )
            matched = self._regex_values(self._metadata_values(path), source, node.pos)
        if not matched:
            return Query.empty_query()
        return Query.term_set_query(self.schema, path, matched)

    def _regex_values(self, values: list[str], pattern: str, pos: int) -> list[str]:
        """The ``values`` that ``pattern`` matches entirely (any character, newlines too)."""
        try:  # the pattern alone first: wrapping it could make "a)(b" valid
            pc.match_substring_regex(pa.array([""], pa.large_string()), pattern)
            if not values:
                return []
            mask = pc.match_substring_regex(
                pa.array(values, pa.large_string()), f"(?s)\\A(?:{pattern})\\z"
            )
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise self.error(
                f"invalid regular expression {shown(pattern)}: {clipped(str(exc))}", pos
            ) from None
        return [v for v, keep in zip(values, mask.to_pylist(), strict=True) if keep]

    def _metadata_values(self, path: str) -> list[str]:
        cached = self._metadata_cache.get(path)
        if cached is not None:
            return cached
        searcher = self._searcher or self.index.searcher()
        result = searcher.aggregate(
            Query.all_query(), {"v": {"terms": {"field": path, "size": MAX_EXPANSIONS}}}
        )
        values = [b["key"] for b in result["v"]["buckets"] if isinstance(b["key"], str)]
        self._metadata_cache[path] = values
        return values


def _unique(queries) -> list[Query]:
    """``queries`` without repeats of the same object (leaves are compiled once)."""
    return list({id(q): q for q in queries}.values())


_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def _bound(bound: str) -> str:
    """A range bound for tantivy's parser: numbers as they are, anything else escaped."""
    return bound.lstrip("+") if _NUMBER.match(bound) else _escape(bound)


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _within_distance(target: str, distance: int) -> Callable[[str], bool]:
    """A predicate: is a value within ``distance`` edits of ``target``?

    Edits are insertions, deletions, substitutions and transpositions of two
    neighbours (what tantivy's fuzzy terms count). Only a band of ``distance``
    cells around the diagonal is computed, so long values cost O(length).
    """
    n = len(target)
    worse = distance + 1

    def accept(value: str) -> bool:
        m = len(value)
        if abs(m - n) > distance:
            return False
        if value == target:
            return True
        before: dict[int, int] = {}
        previous = {j: j for j in range(min(n, distance) + 1)}
        for i in range(1, m + 1):
            a = value[i - 1]
            current = {0: i} if i <= distance else {}
            for j in range(max(1, i - distance), min(n, i + distance) + 1):
                b = target[j - 1]
                cost = min(
                    previous.get(j, worse) + 1,
                    current.get(j - 1, worse) + 1,
                    previous.get(j - 1, worse) + (a != b),
                )
                if i > 1 and j > 1 and a == target[j - 2] and value[i - 2] == b:
                    cost = min(cost, before.get(j - 2, worse) + 1)
                current[j] = min(cost, worse)
            if min(current.values(), default=worse) > distance:
                return False
            before, previous = previous, current
        return previous.get(n, worse) <= distance

    return accept
