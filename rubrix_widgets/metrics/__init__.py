"""Dataset metrics, as Rubrix's ``rb.metrics``: computed on the stored rows, no server.

    >>> from rubrix_widgets.metrics.text_classification import f1
    >>> summary = f1(name="reviews", query="status:Validated")
    >>> summary.data          # plain Python data, Rubrix's shape
    >>> summary.visualize()   # a matplotlib Figure (pip install rubrix_widgets[plot])

- :mod:`.commons`: ``text_length``, ``records_status`` (every task); ``keywords``.
- :mod:`.text_classification`: ``f1``, ``f1_multilabel``; ``confusion_matrix``,
  ``label_distribution``.
- :mod:`.token_classification`: ``f1`` (entity level), ``entity_labels``,
  ``entity_density``, ``entity_capitalness``, ``entity_consistency``,
  ``mention_length``, ``tokens_length``, ``token_length``, ``token_frequency``,
  ``token_capitalness``; ``top_k_mentions``.

As in Rubrix, the functions are also here (``rb.metrics.f1``, ``rb.metrics.ner_f1``...),
and :func:`by_id` computes a metric by Rubrix's server id (``"F1"``,
``"status_distribution"``, ``"predicted_entity_labels"``...; :func:`metric_ids` lists
them), as a listener's ``metrics=[...]`` asks for them.

:func:`summary_numbers` gives the numbers for a search's rows in one call; the F1 tables
(``single_label_f1``, ``multi_label_f1``, ``span_f1`` on Arrow rows) are what the dataset
page's sidebar shows. Importing this package does not import matplotlib.
"""

from __future__ import annotations

from . import commons, models, text_classification, token_classification
from ._by_id import by_id, metric_ids
from ._columns import all_texts, keyword_counts
from ._numbers import summary_numbers
from ._scores import F1Table, multi_label_f1, single_label_f1, span_f1
from .commons import records_status, text_length
from .summary import MetricSummary
from .text_classification import f1, f1_multilabel
from .token_classification import (
    entity_capitalness,
    entity_consistency,
    entity_density,
    entity_labels,
    mention_length,
    token_capitalness,
    token_frequency,
    token_length,
    tokens_length,
)
from .token_classification import f1 as ner_f1

__all__ = [
    "F1Table",
    "MetricSummary",
    "all_texts",
    "by_id",
    "commons",
    "entity_capitalness",
    "entity_consistency",
    "entity_density",
    "entity_labels",
    "f1",
    "f1_multilabel",
    "keyword_counts",
    "mention_length",
    "metric_ids",
    "models",
    "multi_label_f1",
    "ner_f1",
    "records_status",
    "single_label_f1",
    "span_f1",
    "summary_numbers",
    "text_classification",
    "text_length",
    "token_capitalness",
    "token_classification",
    "token_frequency",
    "token_length",
    "tokens_length",
]
