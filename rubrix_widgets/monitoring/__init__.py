"""Model monitoring: ``rb.monitor`` logs a sample of a model's predictions to a dataset.

Frameworks (spaCy, transformers, flair) are imported only when a model of theirs is
given. ``flush()`` waits until every monitor's sampled records are written.
"""

from ._writer import flush_all as flush
from .base import BaseMonitor, ModelNotSupportedError
from .model_monitor import monitor

__all__ = ["BaseMonitor", "ModelNotSupportedError", "flush", "monitor"]
