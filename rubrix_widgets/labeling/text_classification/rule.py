"""Rules (labeling functions) written as queries, their metrics, and their storage per dataset.

>>> from rubrix_widgets.labeling.text_classification import Rule, add_rules, load_rules
>>> rule = Rule(query="money OR cost", label="finance")
>>> rule.metrics("news")
{'coverage': 0.04, 'annotated_coverage': 0.05, 'correct': 12, 'incorrect': 3, 'precision': 0.8}
>>> add_rules("news", [rule])
>>> load_rules("news")
[Rule(query='money OR cost', label='finance', name='money OR cost')]

A rule is evaluated by the dataset's search index: one search per rule, whatever the
size of the dataset. Rules are stored in the dataset folder (``rules.json``), keyed by
their query as in Rubrix.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import QuerySyntaxError
from ...search.query_parser import parse_query
from ...settings import TextClassificationSettings
from ...store import workspace as ws
from ...store.dataset_store import DatasetView
from . import _rule_store, _search
from .errors import RuleNotAppliedError

Label = str | list[str]


class Rule:
    """A rule (labeling function): the records matching ``query`` get ``label``.

    Parameters
    ----------
    query : str
        A query in the Rubrix search language, e.g. ``"inputs.text:(urgent AND now)"``.
        A query that does not parse raises :class:`rubrix_widgets.QuerySyntaxError` here.
    label : str or list of str
        The label the rule votes for (a list for multi-label datasets).
    name : str, optional
        Identifies the rule in ``WeakLabels``; the query by default.
    author : str, optional
        Who wrote the rule; ``add_rules`` stores the annotator (``rb.init(annotator=...)``)
        when not given.

    Examples
    --------
    >>> rule = Rule(query="vaccine OR vaccines", label="cnnhealth", name="vaccines")
    >>> rule.apply("health")      # finds the matching records once
    >>> rule(record)              # "cnnhealth" if the record matched, else None
    """

    def __init__(
        self, query: str, label: Label, name: str | None = None, author: str | None = None
    ):
        self._query = _checked_query(query)
        self._label = _checked_label(label)
        self._name = _optional_str(name, "name")
        self._author = _optional_str(author, "author")
        self._applied: _Applied | None = None

    @classmethod
    def _stored(cls, stored: dict[str, Any]) -> Rule:
        """A rule read back from ``rules.json`` (its query was checked when it was added)."""
        rule = cls.__new__(cls)
        labels = stored["labels"]
        rule._query = stored["query"]
        rule._label = labels[0] if len(labels) == 1 else list(labels)
        rule._name = stored.get("name")
        rule._author = stored.get("author")
        rule._applied = None
        return rule

    @property
    def query(self) -> str:
        """The rule's query."""
        return self._query

    @property
    def label(self) -> Label:
        """The label (or labels) the rule votes for."""
        return self._label

    @label.setter
    def label(self, value: Label) -> None:
        self._label = _checked_label(value)

    @property
    def labels(self) -> list[str]:
        """The rule's labels as a list."""
        return [self._label] if isinstance(self._label, str) else list(self._label)

    @property
    def name(self) -> str:
        """The rule's name: the one given, else its query."""
        return self._name if self._name is not None else self._query

    @property
    def author(self) -> str | None:
        """Who wrote the rule."""
        return self._author

    def apply(self, dataset: str) -> None:
        """Find the records of ``dataset`` that match the rule (one search), for ``rule(record)``.

        >>> rule.apply("health")
        """
        self._apply_view(_search.text_view(dataset), dataset)

    def _apply_view(self, view: DatasetView, dataset: str) -> np.ndarray:
        seqs = _search.matching_seqs(view, _search.compiled(view, self._query), self._query)
        self._applied = _Applied(dataset, view, seqs)
        return seqs

    def metrics(self, dataset: str) -> dict[str, int | float | None]:
        """The rule's metrics on ``dataset``, computed from search counts.

        - **coverage**: fraction of the records the rule labels.
        - **annotated_coverage**: fraction of the annotated records the rule labels.
        - **correct** / **incorrect**: annotated records it labels right / wrong.
        - **precision**: correct / (correct + incorrect); abstaining is not penalised.

        Values are None when they cannot be computed (no records, no annotations).

        >>> Rule("vaccine", "cnnhealth").metrics("health")["precision"]
        0.61
        """
        found = rule_metrics(dataset, self._query, self._label)
        return {key: found[key] for key in _RULE_METRICS}

    def add_to_dataset(self, dataset: str) -> None:
        """Store this rule with ``dataset`` (see :func:`add_rules`)."""
        add_rules(dataset, [self])

    def remove_from_dataset(self, dataset: str) -> None:
        """Remove this rule's query from ``dataset`` (see :func:`delete_rules`)."""
        delete_rules(dataset, [self])

    def update_at_dataset(self, dataset: str) -> None:
        """Store this rule's label and name for its query (see :func:`update_rules`)."""
        update_rules(dataset, [self])

    def __call__(self, record: Any) -> Label | None:
        """The rule's label if ``record`` matched at the last :meth:`apply`, else None.

        Raises
        ------
        RuleNotAppliedError
            If :meth:`apply` was not called yet.
        """
        if self._applied is None:
            raise RuleNotAppliedError(
                f"rule {self.name!r} was not applied yet; call rule.apply(dataset) first"
            )
        record_id = getattr(record, "id", None)
        if record_id is None:
            return None
        return self._label if str(record_id) in self._applied.ids else None

    def __repr__(self) -> str:
        return f"Rule(query={self._query!r}, label={self._label!r}, name={self.name!r})"


@dataclass
class _Applied:
    """What :meth:`Rule.apply` found: the matching seqs, and their ids when first asked."""

    dataset: str
    view: DatasetView
    seqs: np.ndarray
    _ids: frozenset[str] | None = None

    @property
    def ids(self) -> frozenset[str]:
        if self._ids is None:
            self._ids = frozenset(self.view.live.rows(self.seqs).column("id").to_pylist())
        return self._ids


_RULE_METRICS = ("coverage", "annotated_coverage", "correct", "incorrect", "precision")


def rule_metrics(name: str, query: str, label: Label) -> dict[str, int | float | None]:
    """Metrics of a would-be rule, from a handful of search counts (no record is read).

    Fast enough to call on every keystroke of a rules panel. Returns the keys of
    :meth:`Rule.metrics` plus ``total`` (records in the dataset) and ``annotated``
    (annotated records). An empty query matches every record, as in the search bar.
    For several labels, correct and incorrect are summed over the labels and precision
    is the mean of the labels' precisions, as in Rubrix.

    >>> rule_metrics("health", "vaccine OR vaccines", "cnnhealth")
    {'coverage': 0.013, 'annotated_coverage': 0.012, 'correct': 41, 'incorrect': 26,
     'precision': 0.61, 'total': 63326, 'annotated': 5000}
    """
    checked = _checked_label([label] if isinstance(label, str) else label)
    labels = [checked] if isinstance(checked, str) else checked
    if not isinstance(query, str):
        raise TypeError(f"query must be a str, not {type(query).__name__}")
    view = _search.text_view(name)
    rule_query = _search.compiled(view, query)
    annotated_query = _search.annotated(view)
    total = view.live.size
    annotated = _search.count(view, annotated_query)
    covered = _search.count(view, rule_query, query)
    covered_annotated = _search.count(view, _search.every(rule_query, annotated_query), query)
    correct = 0
    precisions = []
    for label_ in labels:
        right = _search.count(view, _search.every(rule_query, _search.annotated_as(view, label_)))
        correct += right
        if covered_annotated:
            precisions.append(right / covered_annotated)
    incorrect = covered_annotated * len(labels) - correct
    return {
        "coverage": covered / total if total else None,
        "annotated_coverage": covered_annotated / annotated if annotated else None,
        "correct": correct if annotated else None,
        "incorrect": incorrect if annotated else None,
        "precision": sum(precisions) / len(precisions) if annotated and precisions else None,
        "total": total,
        "annotated": annotated,
    }


# -- storage --------------------------------------------------------------------------
def add_rules(dataset: str, rules: list[Rule]) -> None:
    """Store ``rules`` with ``dataset``; they survive the process and follow ``rb.copy``.

    Rules are keyed by query, as in Rubrix: a rule whose query is already stored with the
    same label is kept once; with another label it is skipped with a warning (use
    :func:`update_rules` to change it). Every query is checked against the dataset and
    every label against its label schema before anything is written.

    >>> add_rules("health", [Rule("vaccine", "cnnhealth"), Rule("NHS", "bbchealth")])
    """
    checked = _checked_rules(dataset, rules)
    skipped: list[str] = []

    def edit(stored: list[dict]) -> list[dict]:
        by_query = {r["query"]: r for r in stored}
        for rule in checked:
            old = by_query.get(rule.query)
            if old is None:
                by_query[rule.query] = _to_stored(rule)
            elif old["labels"] != rule.labels:
                skipped.append(f"{rule.query!r} (stored with {old['labels']})")
        return list(by_query.values())

    _rule_store.change(dataset, edit)
    if skipped:
        warnings.warn(
            f"dataset {dataset!r} already has rules for the queries {', '.join(skipped)}; "
            "they were kept as they are. Use update_rules to change their labels",
            UserWarning,
            stacklevel=2,
        )


def update_rules(dataset: str, rules: list[Rule]) -> None:
    """Store the label, name and author of each rule for its query (added when not stored).

    >>> rule = load_rules("health")[0]
    >>> rule.label = "reuters_health"
    >>> update_rules("health", [rule])
    """
    checked = _checked_rules(dataset, rules)

    def edit(stored: list[dict]) -> list[dict]:
        by_query = {r["query"]: r for r in stored}
        for rule in checked:
            old = by_query.get(rule.query, {})
            new = _to_stored(rule)
            new["created_at"] = old.get("created_at", new["created_at"])
            if rule.author is None and old.get("author") is not None:
                new["author"] = old["author"]
            by_query[rule.query] = new
        return list(by_query.values())

    _rule_store.change(dataset, edit)


def delete_rules(dataset: str, rules: list[Rule]) -> None:
    """Remove the stored rules with the queries of ``rules`` (a warning names those not found).

    >>> delete_rules("health", load_rules("health"))
    """
    queries = list(dict.fromkeys(rule.query for rule in _rule_list(rules)))
    missing: list[str] = []

    def edit(stored: list[dict]) -> list[dict]:
        known = {r["query"] for r in stored}
        missing.extend(q for q in queries if q not in known)
        return [r for r in stored if r["query"] not in set(queries)]

    _rule_store.change(dataset, edit)
    if missing:
        warnings.warn(
            f"dataset {dataset!r} has no rules with the queries {missing}; nothing to delete "
            "for them",
            UserWarning,
            stacklevel=2,
        )


def load_rules(dataset: str) -> list[Rule]:
    """The rules stored with ``dataset``, oldest first.

    >>> load_rules("health")
    [Rule(query='vaccine', label='cnnhealth', name='vaccine')]
    """
    return [Rule._stored(stored) for stored in _rule_store.read(dataset)]


def _to_stored(rule: Rule) -> dict[str, Any]:
    return {
        "query": rule.query,
        "labels": rule.labels,
        "name": rule._name,
        "author": rule.author if rule.author is not None else ws.annotator(),
        "created_at": _rule_store.now(),
    }


def _rule_list(rules: Iterable[Rule]) -> list[Rule]:
    if isinstance(rules, Rule):
        raise TypeError("pass a list of rules, e.g. [rule], not a single Rule")
    if isinstance(rules, str | bytes) or not isinstance(rules, Iterable):
        raise TypeError(f"rules must be a list of Rule objects, not {type(rules).__name__}")
    rules = list(rules)
    for rule in rules:
        if not isinstance(rule, Rule):
            raise TypeError(
                f"only query rules (Rule objects) can be stored with a dataset, not "
                f"{type(rule).__name__}; pass Python labeling functions to WeakLabels directly"
            )
    return rules


def _checked_rules(dataset: str, rules: Iterable[Rule]) -> list[Rule]:
    """The rules, once every query compiles on ``dataset`` and every label fits its schema."""
    rules = _rule_list(rules)
    view = _search.text_view(dataset)
    schema = _label_schema(view)
    for rule in rules:
        try:
            _search.compiled(view, rule.query)
        except QuerySyntaxError as exc:
            raise QuerySyntaxError(
                f"rule {rule.name!r}: {exc.reason}", exc.query, exc.position
            ) from None
        outside = [label for label in rule.labels if schema and label not in schema]
        if outside:
            raise ValueError(
                f"rule {rule.name!r}: label {outside[0]!r} is not in the label schema of "
                f"dataset {dataset!r}; allowed labels: {', '.join(schema)}"
            )
    return rules


def _label_schema(view: DatasetView) -> Collection[str]:
    settings = view.manifest.settings
    return TextClassificationSettings.from_dict(settings).label_schema if settings else []


# -- argument checks ------------------------------------------------------------------
def _checked_query(query: Any) -> str:
    if not isinstance(query, str):
        raise TypeError(f"a rule's query must be a str, not {type(query).__name__}")
    query = query.strip()
    if not query:
        raise ValueError("a rule's query is empty; write a query, or '*' to match every record")
    parsed = parse_query(query)  # QuerySyntaxError with a caret where it broke
    for message in parsed.warnings:
        warnings.warn(f"rule query {query!r}: {message}", UserWarning, stacklevel=3)
    return query


def _checked_label(label: Any) -> Label:
    if isinstance(label, str):
        if not label.strip():
            raise ValueError("a rule's label must be a non-empty str")
        return label
    if isinstance(label, list | tuple) and label:
        labels = list(label)
        bad = [v for v in labels if not isinstance(v, str) or not v.strip()]
        if bad:
            raise ValueError(f"a rule's labels must be non-empty str, not {bad[0]!r}")
        if len(set(labels)) != len(labels):
            raise ValueError(f"a rule's labels repeat a label: {labels}")
        return labels
    raise TypeError(f"a rule's label must be a str or a non-empty list of str, not {label!r}")


def _optional_str(value: Any, what: str) -> str | None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ValueError(f"a rule's {what} must be a non-empty str or None, not {value!r}")
    return value
