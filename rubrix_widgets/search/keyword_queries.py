"""Queries on the ``kw`` keyword field built directly, without the parser, and their counts.

What the query language compiles ``annotated_as:fresh`` and ``_exists_:annotated_as`` to,
for code that asks the index questions of its own: the page's F1 table, rule metrics.

>>> fresh = term(schema, "annotated_as", "fresh")
>>> count(searcher, every(compiled, fresh))
"""

from __future__ import annotations

import re

import tantivy

from .index_schema import keyword
from .search_index import run_search


def term(schema: tantivy.Schema, name: str, value: str) -> tantivy.Query:
    """Records with the keyword ``name:value`` (exact, unescaped: ``annotated_as:value``)."""
    return tantivy.Query.term_query(schema, "kw", keyword(name, value))


def has(schema: tantivy.Schema, name: str) -> tantivy.Query:
    """Records with any ``name:`` keyword (what ``_exists_:name`` searches)."""
    return tantivy.Query.regex_query(schema, "kw", re.escape(keyword(name, "")) + ".*")


def every(*queries: tantivy.Query) -> tantivy.Query:
    """Records matching all of ``queries``."""
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, q) for q in queries])


def either(*queries: tantivy.Query) -> tantivy.Query:
    """Records matching any of ``queries``."""
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries])


def count(searcher: tantivy.Searcher, query: tantivy.Query, text: str = "") -> int:
    """How many records match ``query``: the searcher's count, no hits collected."""
    return run_search(searcher, query, 0, count=True, query_text=text)[1]


def term_counts(searcher: tantivy.Searcher, name: str, among: tantivy.Query) -> dict[str, int]:
    """Records per ``name:value`` keyword among the matches of ``among``."""
    prefix = keyword(name, "")
    found = searcher.terms_with_prefix("kw", prefix, filter_query=among)
    return {token[len(prefix) :]: n for token, n in found if n}
