"""Token classification (NER) records as training data: tags per token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import token_validation
from . import spacy_docs
from .rows import column, fresh_ids, list_array, missing, where


@dataclass
class TaggedTokens:
    """The annotated rows of a token classification frame, spans as token numbers."""

    rows: list[int]  # positions in the frame
    ids: list[Any]
    texts: list[str]
    tokens: list[list[str]]
    offsets: list[list[tuple[int, int]]]
    spans: list[list[tuple[str, int, int]]]  # (label, first token, last token + 1), no overlap
    names: list[str]  # entity labels, sorted

    @property
    def n(self) -> int:
        return len(self.ids)

    @classmethod
    def read(cls, frame: pd.DataFrame) -> TaggedTokens:
        columns = zip(
            column(frame, "id"),
            column(frame, "text"),
            column(frame, "tokens"),
            column(frame, "annotation"),
            strict=True,
        )
        data = cls([], [], [], [], [], [], [])
        labels: set[str] = set()
        for row, (ident, text, tokens, annotation) in enumerate(columns):
            if missing(annotation):
                continue
            try:
                text, tokens, offsets = token_validation.check_text_and_tokens(text, tokens)
                spans = (
                    token_validation.check_spans(annotation, text, offsets, "annotation", False)
                    or []
                )
            except ValueError as exc:
                raise ValueError(f"{where(row, ident)}: {exc}") from None
            first = {start: k for k, (start, _) in enumerate(offsets)}
            last = {end: k + 1 for k, (_, end) in enumerate(offsets)}
            kept: list[tuple[str, int, int]] = []
            previous = None
            for label, start, end in sorted(spans, key=lambda s: (s[1], -s[2])):
                labels.add(label)
                if kept and first[start] < kept[-1][2]:  # as in Rubrix: a ValueError
                    raise ValueError(
                        f"{where(row, ident)}: annotation spans {previous} and "
                        f"{(label, start, end)} overlap; IOB tags and spaCy entities hold one "
                        "entity per token, so remove one of them first"
                    )
                kept.append((label, first[start], last[end]))
                previous = (label, start, end)
            for name, value in zip(
                ("rows", "ids", "texts", "tokens", "offsets", "spans"),
                (row, ident, text, tokens, offsets, kept),
                strict=True,
            ):
                getattr(data, name).append(value)
        data.names = sorted(labels)
        return data

    def empty(self, framework: str, datasets: Any):
        """No annotated record: an empty dataset with no column (as in Rubrix), or empty parts."""
        if framework == "transformers":
            return datasets.Dataset.from_dict({})
        if framework == "spacy":
            return spacy_docs.empty_docbin()
        return self.spark_nlp(np.arange(0))

    def strata(self) -> None:
        return None

    def tag_names(self) -> list[str]:
        return ["O", *(f"{p}-{label}" for label in self.names for p in ("B", "I"))]

    def tag_codes(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The IOB tag numbers of ``rows``, flat, and the number of tokens of each row."""
        picked = rows.tolist()
        lengths = np.fromiter((len(self.tokens[i]) for i in picked), np.int64, len(picked))
        starts = np.cumsum(lengths) - lengths
        flat = np.zeros(int(lengths.sum()), dtype=np.int64)  # 0 is "O"
        begin = {label: 1 + 2 * k for k, label in enumerate(self.names)}
        for i, start in zip(picked, starts.tolist(), strict=True):
            for label, first, last in self.spans[i]:
                flat[start + first] = begin[label]
                flat[start + first + 1 : start + last] = begin[label] + 1
        return flat, lengths

    def arrow(self, datasets, exported: Any) -> tuple[pa.Table, Any]:
        """The records' ``to_datasets()`` columns plus ``ner_tags`` (as Rubrix 0.18 gives them).

        ``exported`` is the ``to_datasets()`` dataset of the annotated records, in order.
        """
        flat, lengths = self.tag_codes(np.arange(self.n))
        table = exported.data.table.append_column("ner_tags", list_array(lengths, flat))
        features = exported.features.copy()
        features["ner_tags"] = [datasets.ClassLabel(names=self.tag_names())]
        return table, datasets.Features(features)

    def docbin(self, nlp, rows: np.ndarray):
        picked = rows.tolist()
        return spacy_docs.token_docbin(
            nlp,
            [self.texts[i] for i in picked],
            [self.offsets[i] for i in picked],
            [self.spans[i] for i in picked],
        )

    def spark_nlp(self, rows: np.ndarray) -> pd.DataFrame:
        picked = rows.tolist()
        flat, lengths = self.tag_codes(rows)
        names = np.array(self.tag_names(), dtype=object)
        tags = [part.tolist() for part in np.split(names[flat], np.cumsum(lengths)[:-1])]
        tags = tags if len(picked) else []  # np.split of nothing is one empty part
        return pd.DataFrame(
            {
                "id": fresh_ids([self.ids[i] for i in picked]),
                "text": [self.texts[i] for i in picked],
                "token": [self.tokens[i] for i in picked],
                "label": tags,
            }
        )
