"""Text classification records as training data: labels per text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import validation
from . import spacy_docs
from .rows import as_text, column, fresh_ids, list_array, missing, where


@dataclass
class LabelledTexts:
    """The annotated rows of a text classification frame."""

    rows: list[int]  # positions in the frame
    ids: list[Any]
    inputs: list[dict[str, str | list[str]]]
    labels: list[list[str]]  # every annotation as a list of labels
    multi_label: bool
    names: list[str]  # the labels, sorted: ClassLabel names and spaCy cats

    @property
    def n(self) -> int:
        return len(self.ids)

    @classmethod
    def read(cls, frame: pd.DataFrame) -> LabelledTexts:
        columns = zip(
            column(frame, "id"),
            column(frame, "inputs"),
            column(frame, "text"),
            column(frame, "annotation"),
            column(frame, "multi_label", False),
            strict=True,
        )
        rows, ids, inputs, labels, multi, first_multi = [], [], [], [], False, False
        for row, (ident, given_inputs, text, annotation, multi_label) in enumerate(columns):
            row_multi = bool(multi_label) and not validation.is_missing(multi_label)
            first_multi = first_multi or (row == 0 and row_multi)
            try:
                annotation = validation.check_text_annotation(annotation, row_multi)
                if annotation is None:
                    continue
                record_inputs = validation.check_inputs(
                    None if missing(given_inputs) else given_inputs, text
                )
            except ValueError as exc:
                raise ValueError(f"{where(row, ident)}: {exc}") from None
            rows.append(row)
            ids.append(ident)
            inputs.append(record_inputs)
            labels.append([annotation] if isinstance(annotation, str) else annotation)
            multi = multi or row_multi
        names = sorted({label for row_labels in labels for label in row_labels})
        # with no annotated record, the first record says (as in Rubrix)
        return cls(rows, ids, inputs, labels, multi if ids else first_multi, names)

    def empty(self, framework: str, datasets: Any):
        """No annotated record: Rubrix's empty dataset (a ``label`` column), or empty parts."""
        if framework == "transformers":
            kind = datasets.Value("string")  # a ClassLabel needs names
            kind = [kind] if self.multi_label else kind
            return datasets.Dataset.from_dict({"label": []}, datasets.Features({"label": kind}))
        if framework == "spacy":
            return spacy_docs.empty_docbin()
        return self.spark_nlp(np.arange(0))

    def strata(self) -> np.ndarray | None:
        return None if self.multi_label else self.codes()

    def codes(self) -> np.ndarray:
        code = {name: k for k, name in enumerate(self.names)}
        return np.fromiter((code[labels[0]] for labels in self.labels), np.int64, self.n)

    def texts(self, rows: np.ndarray) -> list[str]:
        """One text per record: its text, or its inputs joined by ". " (as Argilla does)."""
        return [". ".join(as_text(v) for v in self.inputs[i].values()) for i in rows.tolist()]

    def arrow(self, datasets) -> tuple[pa.Table, Any]:
        keys = list(dict.fromkeys(key for inputs in self.inputs for key in inputs))
        taken = [key for key in keys if key == "label"]
        if taken:
            raise ValueError(
                f"an input named {taken[0]!r} would collide with the label column of the "
                "transformers dataset; rename that input"
            )
        columns: dict[str, pa.Array] = {}
        features: dict[str, Any] = {}
        for key in keys:
            values = [inputs.get(key) for inputs in self.inputs]
            if all(v is None or isinstance(v, str) for v in values):
                columns[key] = pa.array(values, pa.string())
                features[key] = datasets.Value("string")
            else:  # an input given as a list of texts
                values = [[v] if isinstance(v, str) else v for v in values]
                columns[key] = pa.array(values, pa.list_(pa.string()))
                features[key] = datasets.Sequence(datasets.Value("string"))
        class_label = datasets.ClassLabel(names=self.names)
        if not self.multi_label:
            columns["label"] = pa.array(self.codes())
            features["label"] = class_label
        else:
            code = {name: k for k, name in enumerate(self.names)}
            lengths = np.fromiter(map(len, self.labels), np.int64, self.n)
            flat = np.fromiter((code[x] for labels in self.labels for x in labels), np.int64)
            columns["label"] = list_array(lengths, flat)
            features["label"] = datasets.Sequence(class_label)
        return pa.table(columns), datasets.Features(features)

    def docbin(self, nlp, rows: np.ndarray):
        picked = rows.tolist()
        return spacy_docs.text_docbin(
            nlp, self.texts(rows), [self.labels[i] for i in picked], self.names
        )

    def spark_nlp(self, rows: np.ndarray) -> pd.DataFrame:
        picked = rows.tolist()
        labels = [self.labels[i] if self.multi_label else self.labels[i][0] for i in picked]
        return pd.DataFrame(
            {
                "id": fresh_ids([self.ids[i] for i in picked]),
                "text": self.texts(rows),
                "labels" if self.multi_label else "label": labels,
            }
        )
