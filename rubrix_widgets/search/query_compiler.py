"""Turn a parsed query into a tantivy query, with Rubrix's semantics.

We build tantivy queries with its constructors instead of handing the
string to tantivy's parser, which reads several Rubrix queries silently
wrong (pure negatives, ``field>x``, ``_exists_``, wildcards, fuzzy terms).
Only metadata leaves go through ``index.parse_query``: it types JSON
values (``metadata.page:1`` matches the int 1 and the string "1").

Negation follows Elasticsearch: a purely negative group matches every
record that does not match its clauses, including records that lack the
field (``predicted_as:(NOT Sports)`` keeps unpredicted records).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import tantivy
from tantivy import FieldType, Occur, Query

from ..errors import QuerySyntaxError
from ..tasks import TEXT2TEXT, TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION
from .dates import parse_date
from .index_schema import TEXT_ANALYZER, slot_field
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
)

TEXT, KEYWORD, NUMBER, INTEGER, BOOLEAN, DATE, METADATA, TOKENS = (
    "text", "keyword", "number", "integer", "boolean", "date", "metadata", "tokens",
)
_CANONICAL = {
    "status": {s.lower(): s for s in ("Default", "Edited", "Discarded", "Validated")},
    "predicted": {"ok": "ok", "ko": "ko"},
}
_ALWAYS_PRESENT = {"id", "status", "text", "words", "last_updated", "multi_label", "tokens"}
_PARSER_SPECIALS = re.compile(r'([+\-!(){}\[\]^"~*?:\\/<>=&| ])')
MAX_EXPANSIONS = 10_000


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

    # -- fields -------------------------------------------------------------------
    def fields_help(self) -> str:
        names = ["text", "annotated_as", "annotated_by", "predicted_as", "predicted_by",
                 "predicted", "score", "status", "id", "event_timestamp", "last_updated",
                 "metadata.<key>", "_exists_"]
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
            key = name[len("inputs."):]
            if key not in self.slot_of:
                known = ", ".join(f"inputs.{k}" for k in self.slot_of) or "none yet"
                raise self.error(f"unknown input {name!r}; this dataset's inputs are: {known}", pos)
            return FieldRef(TEXT, (slot_field(self.slot_of[key]),), name)
        if name in ("annotated_as", "predicted_as", "annotated_by", "predicted_by", "status",
                    "predicted", "id"):
            return FieldRef(KEYWORD, (name,), name)
        if name == "score":
            return FieldRef(NUMBER, ("score",), name)
        if name in ("event_timestamp", "last_updated"):
            return FieldRef(DATE, (name,), name)
        if name == "multi_label" and self.task == TEXT_CLASSIFICATION:
            return FieldRef(BOOLEAN, (name,), name)
        if name == "tokens" and self.task == TOKEN_CLASSIFICATION:
            return FieldRef(TOKENS, (name,), name)
        if name in ("annotation", "prediction") and self.task == TEXT2TEXT:
            return FieldRef(TEXT, (name,), name)
        if name.startswith("metadata.") and len(name) > len("metadata."):
            return FieldRef(METADATA, (name,), name)
        raise self.error(f"unknown field {name!r}; fields you can search: {self.fields_help()}", pos)

    # -- tree ----------------------------------------------------------------------
    def compile(self, node: Node) -> Query:
        if isinstance(node, And):
            return self._conjunction(node.children)
        if isinstance(node, Or):
            return Query.boolean_query([(Occur.Should, self.compile(c)) for c in node.children])
        if isinstance(node, Not):
            return self._conjunction((node,))
        return self.leaf(node)

    def _conjunction(self, children) -> Query:
        clauses = []
        for child in children:
            if isinstance(child, Not):
                clauses.append((Occur.MustNot, self.compile(child.child)))
            elif not isinstance(child, MatchAll):
                clauses.append((Occur.Must, self.compile(child)))
        if not any(occur == Occur.Must for occur, _ in clauses):
            clauses.append((Occur.Must, Query.all_query()))
        if len(clauses) == 1:
            return clauses[0][1]
        return Query.boolean_query(clauses)

    # -- leaves --------------------------------------------------------------------
    def leaf(self, node) -> Query:
        if isinstance(node, MatchAll):
            return Query.all_query()
        if isinstance(node, Exists):
            return self.exists(node)
        ref = self.resolve(node.field, node.pos)
        handler: Callable[[FieldRef, object], Query] = {
            TEXT: self.text_leaf,
            KEYWORD: self.keyword_leaf,
            TOKENS: self.keyword_leaf,
            NUMBER: self.number_leaf,
            BOOLEAN: self.boolean_leaf,
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
        if name.startswith("metadata.") or name == "metadata":
            return Query.exists_query(name, json_subpaths=True)
        if name in _ALWAYS_PRESENT or (name == "text" and self.task != TEXT_CLASSIFICATION):
            return Query.all_query()
        if name.startswith("inputs."):
            self.resolve(name, node.pos)
        else:
            known = {"annotated_as", "predicted_as", "annotated_by", "predicted_by", "predicted",
                     "score", "event_timestamp", "annotation", "prediction", "explanation"}
            if name not in known:
                self.resolve(name, node.pos)  # raises for unknown fields
        return Query.term_query(self.schema, "_has", name)

    def text_leaf(self, ref: FieldRef, node) -> Query:
        if isinstance(node, Term | Phrase):
            words = TEXT_ANALYZER.analyze(node.text)
            if not words:
                return Query.empty_query()
            slop = node.slop if isinstance(node, Phrase) else 0
            if len(words) == 1:
                return self._any([Query.term_query(self.schema, f, words[0]) for f in ref.fields])
            return self._any([Query.phrase_query(self.schema, f, words, slop) for f in ref.fields])
        if isinstance(node, Wildcard):
            pattern = wildcard_regex(node.segments, lower=True)
            return self._any([Query.regex_query(self.schema, f, pattern) for f in ref.fields])
        if isinstance(node, Regex):
            return self._any([self._regex(f, node.pattern, node.pos) for f in ref.fields])
        if isinstance(node, Fuzzy):
            words = TEXT_ANALYZER.analyze(node.text) or [node.text.lower()]
            return self._any([
                Query.fuzzy_term_query(self.schema, f, words[0], node.distance, True)
                for f in ref.fields
            ])
        raise self.error(
            f"{ref.name} is text: ranges work on score, dates, ids and metadata", node.pos
        )

    def _regex(self, field: str, pattern: str, pos: int) -> Query:
        try:
            return Query.regex_query(self.schema, field, pattern)
        except ValueError as exc:
            raise self.error(f"invalid regular expression /{pattern}/: {exc}", pos) from None

    def keyword_leaf(self, ref: FieldRef, node) -> Query:
        field = ref.fields[0]
        if isinstance(node, Term | Phrase):
            value = _CANONICAL.get(field, {}).get(node.text.lower(), node.text)
            if ref.kind == TOKENS and isinstance(node, Phrase):
                words = node.text.split()
                return Query.phrase_query(self.schema, field, words, node.slop)
            return Query.term_query(self.schema, field, value)
        if isinstance(node, Wildcard):
            return self._regex(field, wildcard_regex(node.segments, lower=False), node.pos)
        if isinstance(node, Regex):
            return self._regex(field, node.pattern, node.pos)
        if isinstance(node, Fuzzy):
            return Query.fuzzy_term_query(self.schema, field, node.text, node.distance, True)
        if isinstance(node, Range) and field == "id":
            return self.number_leaf(FieldRef(INTEGER, ("id_num",), "id"), node)
        raise self.error(f"{ref.name} takes exact values; ranges work on score, dates, ids "
                         "and metadata", node.pos)

    def _number(self, ref: FieldRef, text: str | None, pos: int) -> float | int | None:
        if text is None:
            return None
        try:
            return int(text) if ref.kind == INTEGER else float(text)
        except ValueError:
            kind = "an integer" if ref.kind == INTEGER else "a number"
            raise self.error(f"{ref.name} takes numbers: {text!r} is not {kind}", pos) from None

    def number_leaf(self, ref: FieldRef, node) -> Query:
        field_type = FieldType.Integer if ref.kind == INTEGER else FieldType.Float
        if isinstance(node, Term):
            value = self._number(ref, node.text, node.pos)
            return Query.range_query(self.schema, ref.fields[0], field_type, value, value)
        if isinstance(node, Range):
            lower = self._number(ref, node.lower, node.pos)
            upper = self._number(ref, node.upper, node.pos)
            return Query.range_query(
                self.schema, ref.fields[0], field_type, lower, upper,
                node.include_lower or lower is None, node.include_upper or upper is None,
            )
        raise self.error(f"{ref.name} takes a number or a range, as in score:[0.5 TO 1]", node.pos)

    def boolean_leaf(self, ref: FieldRef, node) -> Query:
        text = getattr(node, "text", "").lower()
        if isinstance(node, Term) and text in ("true", "false"):
            return Query.term_query(self.schema, ref.fields[0], text == "true")
        raise self.error(f"{ref.name} is true or false", node.pos)

    def _date(self, text: str, pos: int):
        try:
            return parse_date(text)
        except ValueError as exc:
            raise self.error(str(exc), pos) from None

    def date_leaf(self, ref: FieldRef, node) -> Query:
        field = ref.fields[0]
        if isinstance(node, Term):
            start, end = self._date(node.text, node.pos)
            return Query.range_query(self.schema, field, FieldType.Date, start, end, True, False)
        if isinstance(node, Range):
            lower = upper = None
            include_lower = include_upper = True
            if node.lower is not None:
                start, end = self._date(node.lower, node.pos)
                lower = start if node.include_lower else end
            if node.upper is not None:
                start, end = self._date(node.upper, node.pos)
                upper, include_upper = (end, False) if node.include_upper else (start, False)
            return Query.range_query(
                self.schema, field, FieldType.Date, lower, upper,
                include_lower, include_upper or upper is None,
            )
        raise self.error(f"{ref.name} takes a date or a range of dates, as in "
                         f"{ref.name}:[2021-01-01 TO now]", node.pos)

    # -- metadata ----------------------------------------------------------------------
    def _parse(self, text: str, pos: int) -> Query:
        try:
            return self.index.parse_query(text)
        except ValueError as exc:
            raise self.error(f"could not search {text!r}: {exc}", pos) from None

    def metadata_leaf(self, ref: FieldRef, node) -> Query:
        path = ref.fields[0]
        field = "metadata." + _escape(path[len("metadata."):])
        if isinstance(node, Term | Phrase):
            return self._parse(f'{field}:"{_quote(node.text)}"', node.pos)
        if isinstance(node, Range):
            lower = "*" if node.lower is None else _escape(node.lower)
            upper = "*" if node.upper is None else _escape(node.upper)
            left, right = "[" if node.include_lower else "{", "]" if node.include_upper else "}"
            return self._parse(f"{field}:{left}{lower} TO {upper}{right}", node.pos)
        if isinstance(node, Wildcard | Regex | Fuzzy):
            return self._metadata_expansion(path, node)
        raise self.error(f"cannot search {ref.name} this way", getattr(node, "pos", None))

    def _metadata_expansion(self, path: str, node) -> Query:
        """Wildcards on metadata: tantivy has no regex on JSON paths, so match the values here."""
        if isinstance(node, Fuzzy):
            accept = _within_distance(node.text, node.distance)
        else:
            source = wildcard_regex(node.segments, lower=False) if isinstance(node, Wildcard) else (
                node.pattern
            )
            try:
                matcher = re.compile(source, re.DOTALL)
            except re.error as exc:
                raise self.error(f"invalid regular expression: {exc}", node.pos) from None
            accept = lambda value: matcher.fullmatch(value) is not None  # noqa: E731
        values = self._metadata_values(path)
        matched = [v for v in values if accept(v)]
        if not matched:
            return Query.empty_query()
        return Query.term_set_query(self.schema, path, matched)

    def _metadata_values(self, path: str) -> list[str]:
        searcher = self._searcher or self.index.searcher()
        result = searcher.aggregate(
            Query.all_query(), {"v": {"terms": {"field": path, "size": MAX_EXPANSIONS}}}
        )
        return [b["key"] for b in result["v"]["buckets"] if isinstance(b["key"], str)]


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _within_distance(target: str, distance: int) -> Callable[[str], bool]:
    def accept(value: str) -> bool:
        if abs(len(value) - len(target)) > distance:
            return False
        previous = list(range(len(target) + 1))
        for i, a in enumerate(value, 1):
            current = [i]
            for j, b in enumerate(target, 1):
                current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b)))
            if min(current) > distance:
                return False
            previous = current
        return previous[-1] <= distance

    return accept
