"""Monitor a spaCy ``Language``: its entities become token classification records.

As in Rubrix 0.18: one record per sampled ``Doc`` with the doc's text, its tokens,
``doc.ents`` as ``(label, start_char, end_char)`` predictions, the ``metadata=`` given to
the call (or the context of ``pipe(..., as_tuples=True)``), ``prediction_agent`` = the
name of the model's folder (``nlp.path.name``) and the model's ``meta`` as dataset
metadata (its str values also as dataset tags).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ._writer import LogBatch
from .base import BaseMonitor, build_records, check_call_metadata, utc_now

_LOGGER = logging.getLogger(__name__)

# pipe() hands sampled docs to the writer in chunks, so a long stream is logged as it
# goes and holds no docs in memory (Rubrix logged once, when the stream ended)
PIPE_CHUNK = 200


@dataclass
class _DocInfo:
    """What a record needs from a Doc, taken in the caller's thread (cheap, and safe
    from later changes to the Doc)."""

    text: str
    tokens: tuple[str, ...]  # as the record keeps them
    entities: list[tuple[str, int, int]]
    metadata: Any
    timestamp: dt.datetime


def _doc_info(doc: Any, metadata: Any) -> _DocInfo:
    return _DocInfo(
        text=doc.text,
        tokens=tuple(token.text for token in doc),
        entities=[(ent.label_, ent.start_char, ent.end_char) for ent in doc.ents],
        metadata=metadata,
        timestamp=utc_now(),
    )


class SpacyNERMonitor(BaseMonitor):
    """A spaCy ``Language`` that logs a sample of its docs' entities."""

    def _agent(self) -> str:
        path = getattr(self.__wrapped__, "path", None)
        if path is not None:
            return path.name  # Rubrix's agent: the loaded model's folder name
        # a pipeline built in memory has no folder; Rubrix failed here. Name it like one.
        meta = self.__wrapped__.meta
        return self.agent or f"{meta.get('lang')}_{meta.get('name')}-{meta.get('version')}"

    def _prepare_log_data(self, docs_info: list[_DocInfo]) -> LogBatch:
        from ..records import TokenClassificationRecord

        agent = self._agent()

        def record(info: _DocInfo) -> TokenClassificationRecord:
            return TokenClassificationRecord(
                text=info.text,
                tokens=info.tokens,
                metadata=info.metadata or {},
                prediction_agent=agent,
                prediction=info.entities,
                event_timestamp=info.timestamp,
            )

        records, failed = build_records(record, docs_info, self.dataset)
        meta = self.__wrapped__.meta
        return LogBatch(
            name=self.dataset,
            records=records,
            tags={key: value for key, value in meta.items() if isinstance(value, str)},
            metadata=meta,
            failed=failed,
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        metadata = check_call_metadata(kwargs.pop("metadata", None), "nlp(...)")
        doc = self.__wrapped__(*args, **kwargs)
        try:
            if self.is_record_accepted():
                self.log_async([_doc_info(doc, metadata)])
        except Exception as exc:  # logging never costs the caller its doc
            _LOGGER.error("Cannot log a monitored doc to %r: %s", self.dataset, exc)
        return doc

    def pipe(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        """``Language.pipe``, logging a sample of the docs as they are yielded."""
        as_tuples = kwargs.get("as_tuples")
        sampled: list[_DocInfo] = []
        try:
            for result in self.__wrapped__.pipe(*args, **kwargs):
                try:
                    doc, metadata = result if as_tuples else (result, None)
                    if self.is_record_accepted():
                        sampled.append(_doc_info(doc, metadata))
                    if len(sampled) >= PIPE_CHUNK:
                        self.log_async(sampled)
                        sampled = []
                except Exception as exc:
                    _LOGGER.error("Cannot log a monitored doc to %r: %s", self.dataset, exc)
                yield result
        finally:
            # also when the caller stops early: the docs it got are logged
            if sampled:
                self.log_async(sampled)


def ner_monitor(nlp: Any, dataset: str, sample_rate: float, **options: Any) -> SpacyNERMonitor:
    """Wrap a spaCy ``Language`` (Rubrix's ``ner_monitor``)."""
    return SpacyNERMonitor(nlp, dataset=dataset, sample_rate=sample_rate, **options)


def is_language(model: Any) -> bool:
    """True for a spaCy ``Language`` (checked only when spaCy is already imported)."""
    import sys

    if "spacy" not in sys.modules:
        return False
    from spacy.language import Language

    return isinstance(model, Language)
