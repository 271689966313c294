"""Dataset metrics, as Rubrix's ``rb.metrics``: computed on the stored rows, no server.

    >>> from rubrix_widgets.metrics.text_classification import f1
    >>> summary = f1(name="reviews", query="status:Validated")
    >>> summary.data          # plain Python data, Argilla's shape
    >>> summary.visualize()   # a matplotlib Figure (pip install rubrix_widgets[plot])

- :mod:`.commons`: ``text_length``, ``records_status``, ``keywords`` (every task).
- :mod:`.text_classification`: ``f1``, ``f1_multilabel``, ``confusion_matrix``,
  ``label_distribution``.
- :mod:`.token_classification`: ``f1`` (entity level), ``entity_labels``,
  ``entity_density``, ``entity_capitalness``, ``mention_length``, ``top_k_mentions``,
  ``tokens_length``, ``token_length``, ``token_frequency``, ``token_capitalness``.

:func:`summary_numbers` gives the dataset page's sidebar the same numbers for a
search's rows in one call. Importing this package does not import matplotlib.
"""

from __future__ import annotations

from . import commons, text_classification, token_classification
from ._numbers import summary_numbers
from .summary import MetricSummary

__all__ = [
    "MetricSummary",
    "commons",
    "summary_numbers",
    "text_classification",
    "token_classification",
]
