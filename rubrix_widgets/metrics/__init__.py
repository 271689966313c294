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

:func:`summary_numbers` gives the numbers for a search's rows in one call; the F1 tables
(``single_label_f1``, ``multi_label_f1``, ``span_f1`` on Arrow rows) are what the dataset
page's sidebar shows. Importing this package does not import matplotlib.
"""

from __future__ import annotations

from . import commons, text_classification, token_classification
from ._columns import all_texts, keyword_counts
from ._numbers import summary_numbers
from ._scores import F1Table, multi_label_f1, single_label_f1, span_f1
from .summary import MetricSummary

__all__ = [
    "F1Table",
    "MetricSummary",
    "all_texts",
    "commons",
    "keyword_counts",
    "multi_label_f1",
    "single_label_f1",
    "span_f1",
    "summary_numbers",
    "text_classification",
    "token_classification",
]
