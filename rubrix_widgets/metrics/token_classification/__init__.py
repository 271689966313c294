"""Metrics for token classification datasets, as Rubrix's
``rb.metrics.token_classification`` (the functions live in :mod:`.metrics`, as Rubrix's
did)."""

from .metrics import (
    METRICS,
    Annotations,
    ComputeFor,
    Predictions,
    entity_capitalness,
    entity_consistency,
    entity_density,
    entity_labels,
    f1,
    mention_length,
    token_capitalness,
    token_frequency,
    token_length,
    tokens_length,
    top_k_mentions,
)

__all__ = [
    "METRICS",
    "Annotations",
    "ComputeFor",
    "Predictions",
    "entity_capitalness",
    "entity_consistency",
    "entity_density",
    "entity_labels",
    "f1",
    "mention_length",
    "token_capitalness",
    "token_frequency",
    "token_length",
    "tokens_length",
    "top_k_mentions",
]
