"""Metrics for text classification datasets, as Rubrix's ``rb.metrics.text_classification``
(the functions live in :mod:`.metrics`, as Rubrix's did)."""

from .metrics import (
    METRICS,
    Annotations,
    ComputeFor,
    Predictions,
    confusion_matrix,
    f1,
    f1_multilabel,
    label_distribution,
)

__all__ = [
    "METRICS",
    "Annotations",
    "ComputeFor",
    "Predictions",
    "confusion_matrix",
    "f1",
    "f1_multilabel",
    "label_distribution",
]
