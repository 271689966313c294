"""Queries built directly, without the parser, and their counts.

What the query language compiles ``annotated_as:fresh`` and ``_exists_:annotated_as`` to,
records by id or by position, for code that asks the index questions of its own: the
page's F1 table and pages, rule metrics, ``rb.load(ids=...)``. Code outside ``search/``
uses these (and :data:`Query` in type hints) instead of importing tantivy.

>>> fresh = term(schema, "annotated_as", "fresh")
>>> count(searcher, every(compiled, fresh))
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import tantivy

from .. import validation
from .index_schema import keyword
from .search_index import run_search

Query = tantivy.Query  # the type of a compiled query, for type hints outside search/


def term(schema: tantivy.Schema, name: str, value: str) -> tantivy.Query:
    """Records with the keyword ``name:value`` (exact, unescaped: ``annotated_as:value``)."""
    return tantivy.Query.term_query(schema, "kw", keyword(name, value))


def has(schema: tantivy.Schema, name: str) -> tantivy.Query:
    """Records with any ``name:`` keyword (what ``_exists_:name`` searches)."""
    return tantivy.Query.regex_query(schema, "kw", re.escape(keyword(name, "")) + ".*")


def ids_query(schema: tantivy.Schema, ids: Any) -> tantivy.Query:
    """Records with one of ``ids`` (each checked as a record id; None is skipped).

    A bare id (a str or int) is refused: ``ids`` is a list, as in ``rb.load(ids=[...])``.
    """
    if isinstance(ids, str | int) or not isinstance(ids, Iterable):
        raise ValueError(f"ids must be a list of ids, not {type(ids).__name__}")
    keys = [str(validation.check_id(i)) for i in ids if i is not None]
    return tantivy.Query.term_set_query(schema, "id", keys)


def seqs_query(schema: tantivy.Schema, seqs: Iterable[int]) -> tantivy.Query:
    """Records at these positions (``_seq``) of the dataset."""
    return tantivy.Query.term_set_query(schema, "_seq", [int(s) for s in seqs])


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
