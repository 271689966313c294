"""Monitor a flair ``SequenceTagger``: its span labels become token classification records.

As in Rubrix 0.18: ``predict(sentences, metadata=...)`` logs one record per sampled
sentence with the sentence's original text, its tokens, its labels of the tagger's
``tag_type`` as ``(label, start, end, score)`` predictions, ``prediction_agent`` = the
``agent`` given to ``rb.monitor`` and ``flair_version`` as a dataset tag. Rubrix read
spans through ``label.span.start_pos`` (flair < 0.11); flair 0.11 and later name them
``label.data_point.start_position``: both are read.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from dataclasses import dataclass
from typing import Any

from ._writer import LogBatch
from .base import BaseMonitor, build_records, per_input_metadata, utc_now

_LOGGER = logging.getLogger(__name__)


@dataclass
class _SentenceInfo:
    text: str
    tokens: tuple[str, ...]  # as the record keeps them
    spans: list[tuple[str, int, int, float]]
    metadata: Any
    timestamp: dt.datetime


def _span_offsets(label: Any) -> tuple[int, int]:
    span = getattr(label, "span", None)  # flair < 0.11
    if span is not None:
        return span.start_pos, span.end_pos
    point = label.data_point
    return point.start_position, point.end_position


def _sentence_info(sentence: Any, label_type: str, metadata: Any) -> _SentenceInfo:
    return _SentenceInfo(
        text=sentence.to_original_text(),
        tokens=tuple(token.text for token in sentence.tokens),
        spans=[
            (label.value, *_span_offsets(label), float(label.score))
            for label in sentence.get_labels(label_type)
        ],
        metadata=metadata,
        timestamp=utc_now(),
    )


class FlairMonitor(BaseMonitor):
    """A flair ``SequenceTagger`` whose ``predict`` logs a sample of its sentences."""

    def _prepare_log_data(self, data: list[_SentenceInfo]) -> LogBatch:
        from ..records import TokenClassificationRecord

        def record(info: _SentenceInfo) -> TokenClassificationRecord:
            return TokenClassificationRecord(
                text=info.text,
                tokens=info.tokens,
                metadata=info.metadata or {},
                prediction_agent=self.agent,
                event_timestamp=info.timestamp,
                prediction=info.spans,
            )

        import flair

        records, failed = build_records(record, data, self.dataset)
        return LogBatch(
            name=self.dataset,
            records=records,
            tags={**(self.tags or {}), "flair_version": flair.__version__},
            failed=failed,
        )

    def predict(self, sentences: Any, *args: Any, **kwargs: Any) -> Any:
        """``SequenceTagger.predict``, logging a sample of the tagged sentences."""
        from flair.data import Sentence

        if not isinstance(sentences, Sentence | list):
            sentences = list(sentences)  # a generator would be used up before predict
        batch = [sentences] if isinstance(sentences, Sentence) else sentences
        metadata = per_input_metadata(kwargs.pop("metadata", None), len(batch), "predict(...)")
        result = self.__wrapped__.predict(sentences, *args, **kwargs)
        try:
            # predict(label_name=...) stores the labels under that name instead
            label_type = kwargs.get("label_name") or self.__wrapped__.tag_type
            sampled = [
                _sentence_info(sentence, label_type, meta)
                for sentence, meta in zip(batch, metadata, strict=False)
                if self.is_record_accepted()
            ]
            if sampled:
                self.log_async(sampled)
        except Exception as exc:  # logging never costs the caller its predictions
            _LOGGER.error("Cannot log monitored sentences to %r: %s", self.dataset, exc)
        return result


def is_sequence_tagger(model: Any) -> bool:
    """True for a flair ``SequenceTagger`` (checked only when flair is already imported)."""
    if "flair" not in sys.modules:
        return False
    from flair.models import SequenceTagger

    return isinstance(model, SequenceTagger)


def flair_monitor(pl: Any, dataset: str, sample_rate: float, **options: Any) -> FlairMonitor:
    """Wrap a flair ``SequenceTagger`` (Rubrix's ``flair_monitor``)."""
    return FlairMonitor(pl, dataset=dataset, sample_rate=sample_rate, **options)
