"""The kernel side of the dataset page's Rules panel: write a rule (a query and a label),
see its metrics as you type, save it with the dataset, delete it.

    >>> panel = RulesPanel("reviews")
    >>> metrics, warnings = panel.metrics("funny OR hilarious", "fresh")
    >>> metrics["precision"]
    0.71
    >>> panel.add("funny OR hilarious", "fresh")
    True
    >>> [rule["query"] for rule in panel.saved(panel.view())]
    ['funny OR hilarious']

Rules are those of ``rubrix_widgets.labeling.text_classification`` (stored in the
dataset folder, keyed by query); this module adds what a panel needs on top: checks
that name the problem (wrong task, a label outside the schema, a query saved with
another label), the parser's warnings returned instead of printed, and the saved
rules with their metrics, recomputed only when the dataset or the rules change. The
panel stays with the workspace its page was opened in (``store.workspace.pinned``).
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

from ..errors import QuerySyntaxError
from ..labeling.text_classification import (
    Rule,
    add_rules,
    delete_rules,
    load_rules,
    rule_metrics,
)
from ..search.query_parser import operator_hint, parse_query
from ..store import workspace as ws
from ..store.dataset_store import DatasetView
from ..tasks import TEXT_CLASSIFICATION

logger = logging.getLogger(__name__)


class RulesPanel:
    """Rules of one dataset, as the page's panel shows and edits them."""

    def __init__(self, name: str):
        self.name = ws.check_name(name)
        self.store = ws.existing(name)
        self._workspace = self.store.folder.parent  # the page's, whatever is current later
        self._version: tuple | None = None
        self._entries: dict[tuple, dict] = {}  # a rule's panel entry, for _version

    def view(self) -> DatasetView:
        return self.store.view()

    # -- checks ---------------------------------------------------------------------------
    def _check(self, query, label) -> tuple[str, str | list[str], list[str]]:
        """The stripped query, the label and the parser's warnings; or a clear error."""
        manifest = self.store.manifest()
        if manifest.task != TEXT_CLASSIFICATION:
            raise ValueError(
                f"rules work on {TEXT_CLASSIFICATION} datasets; dataset {self.name!r} holds "
                f"{manifest.task} records"
            )
        if not isinstance(query, str):
            raise TypeError(f"a rule's query must be a str, not {type(query).__name__}")
        query = query.strip()
        if not query:
            raise ValueError("a rule's query is empty; write a query, or '*' to match every record")
        labels = [label] if isinstance(label, str) else label
        if not isinstance(labels, list | tuple) or not labels:
            raise TypeError(f"a rule's label must be a str or a list of str, not {label!r}")
        bad = [v for v in labels if not isinstance(v, str) or not v.strip()]
        if bad:
            raise ValueError(f"a rule's label must be a non-empty str, not {bad[0]!r}")
        schema = (manifest.settings or {}).get("label_schema") or []
        outside = [v for v in labels if schema and v not in schema]
        if outside:
            raise ValueError(
                f"label {outside[0]!r} is not in the label schema of dataset {self.name!r}; "
                f"allowed labels: {', '.join(schema)}"
            )
        try:
            parsed = parse_query(query)
        except QuerySyntaxError as exc:
            raise QuerySyntaxError(str(exc) + operator_hint(query)) from None
        return query, label if isinstance(label, str) else list(labels), list(parsed.warnings)

    # -- what the panel asks --------------------------------------------------------------
    def metrics(self, query, label) -> tuple[dict, list[str]]:
        """``rule_metrics(name, query, label)`` (coverage, annotated_coverage, correct,
        incorrect, precision, total, annotated) and the query's warnings.

        >>> RulesPanel("reviews").metrics("funny", "fresh")[0]["coverage"]
        0.021
        """
        query, label, notes = self._check(query, label)
        try:
            with ws.pinned(self._workspace):
                return rule_metrics(self.name, query, label), notes
        except QuerySyntaxError as exc:
            raise QuerySyntaxError(str(exc) + operator_hint(query)) from None

    def add(self, query, label) -> bool:
        """Save the rule; False when the same rule is already saved. A query saved with
        another label is refused (rules are keyed by query, as in Rubrix).

        >>> RulesPanel("reviews").add("funny", "fresh")
        True
        """
        query, label, _ = self._check(query, label)
        labels = [label] if isinstance(label, str) else label
        with ws.pinned(self._workspace):
            stored = load_rules(self.name)
        for rule in stored:
            if rule.query == query:
                if rule.labels == labels:
                    return False
                raise ValueError(
                    f"a rule with the query {query!r} is already saved with label "
                    f"{_shown(rule.label)}; delete it first to give the query another label"
                )
        with warnings.catch_warnings(), ws.pinned(self._workspace):
            warnings.simplefilter("ignore")  # the parser's warnings are returned by metrics
            add_rules(self.name, [Rule(query, label)])
        return True

    def delete(self, query, label) -> None:
        """Delete the saved rule with this query and label (an error names the saved ones
        when there is none).

        >>> RulesPanel("reviews").delete("funny", "fresh")
        """
        query, label, _ = self._check(query, label)
        labels = [label] if isinstance(label, str) else label
        with ws.pinned(self._workspace):
            stored = load_rules(self.name)
        match = [r for r in stored if r.query == query]
        if not match or match[0].labels != labels:
            saved = "; ".join(f"{r.query!r} -> {_shown(r.label)}" for r in stored[:10]) or "none"
            raise ValueError(
                f"dataset {self.name!r} has no saved rule {query!r} -> {_shown(label)}; "
                f"saved rules: {saved}"
            )
        with ws.pinned(self._workspace):
            delete_rules(self.name, match)

    def saved(self, view: DatasetView) -> list[dict]:
        """The saved rules, oldest first, each with its metrics (``rule_metrics`` keys, or
        ``error`` when its query no longer runs). A rule's metrics are kept until the
        dataset changes: saving or deleting one rule does not recompute the others.

        >>> RulesPanel("reviews").saved(view)[0]
        {'query': 'funny', 'label': 'fresh', 'name': 'funny', 'author': 'ada', ...}
        """
        if view.task != TEXT_CLASSIFICATION:
            return []
        state = view.index.state
        version = (view.manifest.uid, view.manifest.version, state and state["version"])
        if self._version != version:
            self._version, self._entries = version, {}
        out = []
        with ws.pinned(self._workspace):
            stored = load_rules(self.name)
        for rule in stored:
            key = (rule.query, tuple(rule.labels), rule.name, rule.author)
            if key not in self._entries:
                self._entries[key] = self._entry(rule)
            out.append(self._entries[key])
        return out

    def _entry(self, rule: Rule) -> dict:
        entry: dict[str, Any] = {
            "query": rule.query,
            "label": rule.label,
            "name": rule.name,
            "author": rule.author,
        }
        try:
            with ws.pinned(self._workspace):
                entry.update(rule_metrics(self.name, rule.query, rule.label))
        except (QuerySyntaxError, ValueError) as exc:  # say which rule, keep the others
            logger.warning("rule %r of dataset %r: %s", rule.query, self.name, exc)
            entry["error"] = str(exc)
        return entry


def _shown(label) -> str:
    return repr(label) if isinstance(label, str) else repr(list(label))
