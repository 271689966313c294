"""Tools that speed up labeling: weak supervision with rules (``rb.labeling``).

>>> from rubrix_widgets.labeling.text_classification import Rule, WeakLabels, MajorityVoter

See :mod:`rubrix_widgets.labeling.text_classification`.
"""

from . import text_classification

__all__ = ["text_classification"]
