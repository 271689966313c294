"""Tools that speed up labeling: weak supervision with rules (``rb.labeling``).

>>> rule = rb.labeling.Rule("dull OR boring", "rotten")   # the short form
>>> from rubrix_widgets.labeling.text_classification import Rule, WeakLabels, MajorityVoter

Rules, weak labels and label models are for text classification, so the names of
:mod:`rubrix_widgets.labeling.text_classification` are also names of this package.
"""

from . import text_classification
from .text_classification import *  # noqa: F403
from .text_classification import __all__ as _text_classification_names

__all__ = ["text_classification", *_text_classification_names]
