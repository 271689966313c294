"""Annotated records -> training data for Hugging Face ``transformers``, spaCy and Spark NLP.

``DatasetForTextClassification.prepare_for_training``,
``DatasetForTokenClassification.prepare_for_training`` and
``rb.load(name).prepare_for_training`` all call :func:`prepare_for_training` here.

It reads the few columns a framework needs (inputs, annotation, tokens, id) in
one pass, with the record rules as plain functions and no pydantic model per
record; the ``datasets`` output is built as Arrow arrays (for NER, next to the
records' ``to_datasets()`` columns, as Rubrix gives them), and spaCy gets one
``Doc`` per record (:mod:`.spacy_docs`) because a ``DocBin`` is made of them.

One module per task: :mod:`.text_classification` (labels) and
:mod:`.token_classification` (NER tags); Text2Text records have no training format (as in
Rubrix 0.18). :mod:`.prepare` checks the arguments, splits and dispatches.
"""

from __future__ import annotations

from .prepare import FRAMEWORKS, TRAINING_TASKS, prepare_for_training

__all__ = ["FRAMEWORKS", "TRAINING_TASKS", "prepare_for_training"]
