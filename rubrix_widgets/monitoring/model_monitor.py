"""``rb.monitor``: wrap a model so that a sample of its predictions is logged."""

from __future__ import annotations

import warnings
from typing import Any

from ._flair import flair_monitor, is_sequence_tagger
from ._spacy import is_language, ner_monitor
from ._transformers import huggingface_monitor, is_pipeline
from .base import BaseMonitor

UNSUPPORTED_WARNING = (
    "The provided task model is not supported by monitoring module. "
    "Predictions won't be logged into rubrix"
)


def monitor(
    task_model: Any,
    dataset: str,
    sample_rate: float = 0.3,
    agent: str | None = None,
    log_interval: float = 1.0,
) -> Any:
    """Log a random sample of a model's predictions to a dataset while it works.

    Parameters
    ----------
    task_model : spacy.language.Language, transformers.Pipeline or flair SequenceTagger
        A spaCy pipeline (its entities become token classification records), a
        transformers text classification or zero-shot classification pipeline (text
        classification records; multi-label zero-shot ones go to ``<dataset>_multi``)
        or a flair ``SequenceTagger`` (token classification records, via ``predict``).
    dataset : str
        The dataset to log to (created on the first write).
    sample_rate : float, default 0.3
        The share of predictions logged, in (0, 1].
    agent : str, optional
        The prediction agent of flair records. spaCy records name the model's folder
        and transformers records ``model.config.name_or_path``, as in Rubrix.
    log_interval : float, default 1.0
        Seconds to gather sampled predictions before one write (0: write as soon as the
        background thread is free). Not in Rubrix 0.18; Argilla added it, with this
        default. Fewer, larger writes keep the monitor's cost small: on spaCy's small
        model, about 5% more CPU per call at 1.0, about 50% at 0.

    Returns
    -------
    object
        A monitor that behaves as ``task_model`` (same results, attributes and
        ``isinstance``); ``task_model`` itself, with a warning, when its kind is not
        supported.

    Notes
    -----
    Records are written by a background thread; ``rubrix_widgets.monitoring.flush()``
    (or ``monitored.flush()``) waits for them, and interpreter exit does too.

    Examples
    --------
    >>> import spacy
    >>> nlp = spacy.blank("en")
    >>> nlp.add_pipe("entity_ruler").add_patterns([{"label": "LOC", "pattern": "London"}])
    >>> monitored = rb.monitor(nlp, dataset="places", sample_rate=1.0)
    >>> [ent.text for ent in monitored("Ada moved to London").ents]  # the model's own answer
    ['London']
    >>> monitored.flush()  # records are written in the background; wait for them
    True
    >>> rb.load("places")[["text", "prediction"]].values.tolist()
    [['Ada moved to London', [('LOC', 13, 19, 0.0)]]]
    """
    options = {"log_interval": log_interval}
    model_monitor: BaseMonitor | None = None
    if is_language(task_model):
        model_monitor = ner_monitor(task_model, dataset, sample_rate, **options)
    elif is_pipeline(task_model):
        model_monitor = huggingface_monitor(task_model, dataset, sample_rate, **options)
    elif is_sequence_tagger(task_model):
        model_monitor = flair_monitor(task_model, dataset, sample_rate, **options)
    if model_monitor is not None:
        model_monitor.agent = agent
        return model_monitor
    warnings.warn(UNSUPPORTED_WARNING, stacklevel=2)
    return task_model
