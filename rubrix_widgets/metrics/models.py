"""Rubrix's ``rb.metrics.models``, where its ``MetricSummary`` lived."""

from .summary import MetricSummary

__all__ = ["MetricSummary"]
