"""The dataset page's filters, as query-tree nodes ANDed to the search.

Filters are plain JSON, so the browser and Python users set the same trait::

    {"predicted_as": ["Sports", "World"], "status": ["Validated"], "predicted": "ko",
     "score": [0.5, 1.0], "metadata": {"split": ["train"]}}

Values of one filter are ORed, filters are ANDed. Building nodes (not query
text) means no value ever needs escaping.
"""

from __future__ import annotations

from typing import Any

from ..search.query_ast import And, MatchAll, Node, Or, Range, Term
from ..validation import STATUSES

LIST_FILTERS = ("predicted_as", "predicted_by", "annotated_as", "annotated_by", "status")
FILTER_NAMES = (*LIST_FILTERS, "predicted", "score", "metadata")


def check_filters(filters: Any) -> dict[str, Any]:
    """Validate a filters dict; return it without empty entries.

    Raises ValueError naming the filter and what it takes.
    """
    if filters is None:
        return {}
    if not isinstance(filters, dict):
        raise ValueError(f"filters must be a dict, not {type(filters).__name__}")
    unknown = [k for k in filters if k not in FILTER_NAMES]
    if unknown:
        raise ValueError(f"unknown filters {unknown}; filters are {', '.join(FILTER_NAMES)}")
    clean: dict[str, Any] = {}
    for name in LIST_FILTERS:
        values = filters.get(name)
        if values:
            if isinstance(values, str) or not all(isinstance(v, str) for v in values):
                raise ValueError(f"filter {name!r} takes a list of str, not {values!r}")
            if name == "status" and set(values) - set(STATUSES):
                raise ValueError(f"status filter {values!r}: statuses are {', '.join(STATUSES)}")
            clean[name] = list(values)
    predicted = filters.get("predicted")
    if predicted:
        if predicted not in ("ok", "ko"):
            raise ValueError(f"filter 'predicted' is 'ok' or 'ko', not {predicted!r}")
        clean["predicted"] = predicted
    score = filters.get("score")
    if score:
        try:
            low, high = (None if v is None else float(v) for v in score)
        except (TypeError, ValueError):
            raise ValueError(f"filter 'score' takes [low, high] numbers, not {score!r}") from None
        clean["score"] = [low, high]
    metadata = filters.get("metadata")
    if metadata:
        if not isinstance(metadata, dict):
            raise ValueError("filter 'metadata' takes a dict of key -> list of values")
        chosen = {k: list(v) for k, v in metadata.items() if v}
        for key, values in chosen.items():
            if not all(isinstance(v, str | int | float | bool) for v in values):
                raise ValueError(f"metadata filter {key!r} takes a list of values, not {values!r}")
        if chosen:
            clean["metadata"] = chosen
    return clean


def _any_of(field: str, values: list[Any]) -> Node:
    terms = [Term(field, _text(v)) for v in values]
    return terms[0] if len(terms) == 1 else Or(tuple(terms))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def filter_nodes(filters: dict[str, Any]) -> list[Node]:
    """One node per active filter (``check_filters`` output)."""
    nodes: list[Node] = []
    for name in LIST_FILTERS:
        if filters.get(name):
            nodes.append(_any_of(name, filters[name]))
    if filters.get("predicted"):
        nodes.append(Term("predicted", filters["predicted"]))
    if filters.get("score"):
        low, high = filters["score"]
        nodes.append(
            Range("score", None if low is None else repr(low), None if high is None else repr(high))
        )
    for key, values in (filters.get("metadata") or {}).items():
        nodes.append(_any_of(f"metadata.{key}", values))
    return nodes


def combine(query_node: Node, filters: dict[str, Any]) -> Node:
    """The search AND every filter."""
    nodes = [n for n in (query_node, *filter_nodes(filters)) if not isinstance(n, MatchAll)]
    if not nodes:
        return MatchAll()
    return nodes[0] if len(nodes) == 1 else And(tuple(nodes))
