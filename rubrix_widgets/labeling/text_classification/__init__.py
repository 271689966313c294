"""Weak supervision for text classification, as ``rubrix.labeling.text_classification``.

>>> from rubrix_widgets.labeling.text_classification import (
...     MajorityVoter, Rule, WeakLabels, add_rules, load_rules)
>>> add_rules("health", [Rule("vaccine OR vaccines", "cnnhealth"), Rule("NHS", "bbchealth")])
>>> wl = WeakLabels("health")          # the stored rules, one search each
>>> wl.summary()                       # coverage, overlaps, conflicts, precision per rule
>>> MajorityVoter(wl).log_as("prediction")   # the votes, stored as predictions

- Rules are queries in the search language (:class:`Rule`), or Python functions
  ``record -> label | None``; query rules are stored per dataset (``rules.json`` in the
  dataset folder), go with ``rb.delete`` and follow ``rb.copy``.
- :func:`rule_metrics` gives a would-be rule's coverage and precision from search counts,
  fast enough for every keystroke.
- :class:`WeakLabels` / :class:`WeakMultiLabels` hold the records x rules matrix;
  :class:`MajorityVoter` and :class:`Snorkel` (needs ``pip install snorkel``) turn it into
  predictions, returned as records (``predict``) or written back (``log_as``).
"""

from .errors import (
    DuplicatedRuleNameError,
    LabelModelError,
    MissingAnnotationError,
    MissingLabelError,
    MultiLabelError,
    NoRecordsFoundError,
    NoRulesFoundError,
    RuleNotAppliedError,
    WeakLabelsError,
)
from .label_models import LabelModel, MajorityVoter, Snorkel, TieBreakPolicy
from .rule import Rule, add_rules, delete_rules, load_rules, rule_metrics, update_rules
from .weak_labels import WeakLabels
from .weak_multi_labels import WeakMultiLabels

__all__ = [
    "DuplicatedRuleNameError",
    "LabelModel",
    "LabelModelError",
    "MajorityVoter",
    "MissingAnnotationError",
    "MissingLabelError",
    "MultiLabelError",
    "NoRecordsFoundError",
    "NoRulesFoundError",
    "Rule",
    "RuleNotAppliedError",
    "Snorkel",
    "TieBreakPolicy",
    "WeakLabels",
    "WeakLabelsError",
    "WeakMultiLabels",
    "add_rules",
    "delete_rules",
    "load_rules",
    "rule_metrics",
    "update_rules",
]
