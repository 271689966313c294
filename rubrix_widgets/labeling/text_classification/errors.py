"""Errors of the weak-labeling module, with the names the Rubrix client uses.

All of them are ``ValueError``s (and :class:`rubrix_widgets.RubrixWidgetsError`), so code that
catches either keeps working.
"""

from __future__ import annotations

from ...errors import RubrixWidgetsError


class RuleNotAppliedError(RubrixWidgetsError, ValueError):
    """A query rule was called on a record before ``rule.apply(dataset)``."""


class WeakLabelsError(RubrixWidgetsError, ValueError):
    """Base class of the errors raised while building weak labels."""


class NoRulesFoundError(WeakLabelsError):
    """No rules were given and the dataset has none stored."""


class DuplicatedRuleNameError(WeakLabelsError):
    """Two rules share a name; the summary and ``show_records`` need unique names."""


class NoRecordsFoundError(WeakLabelsError):
    """The dataset (or its part selected by ``query``/``ids``) has no records."""


class MultiLabelError(WeakLabelsError):
    """Single-label weak labels were asked of multi-label records or rules."""


class MissingLabelError(WeakLabelsError):
    """A label is missing from a ``label2int`` mapping."""


class LabelModelError(RubrixWidgetsError, ValueError):
    """Base class of the errors raised by label models (Rubrix's name)."""


class MissingAnnotationError(LabelModelError, WeakLabelsError):
    """Scores need annotated records, and there are none."""
