"""Annotated records -> training data for Hugging Face ``transformers``, spaCy and Spark NLP.

``DatasetForTextClassification.prepare_for_training``,
``DatasetForTokenClassification.prepare_for_training`` and
``rb.load(name).prepare_for_training`` all call :func:`prepare_for_training` here.

It reads the few columns a framework needs (inputs, annotation, tokens, id) in
one pass, with the record rules as plain functions and no pydantic model per
record; the ``datasets`` output is built as Arrow arrays (for NER, next to the
records' ``to_datasets()`` columns, as Rubrix gives them), and spaCy gets one
``Doc`` per record (:mod:`rubrix_widgets.training_spacy`) because a ``DocBin``
is made of them.
"""

from __future__ import annotations

import importlib
import math
import numbers
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from . import rules, token_rules, training_spacy
from .tasks import TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION

FRAMEWORKS = ("transformers", "spacy", "spark-nlp")
TRAINING_TASKS = (TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION)


def prepare_for_training(
    frame: pd.DataFrame,
    task: str,
    framework: str = "transformers",
    lang: Any = None,
    train_size: float | None = None,
    test_size: float | None = None,
    seed: int | None = None,
    export: Callable[[np.ndarray], Any] | None = None,
):
    """Training data for ``framework`` from the annotated rows of a records frame.

    Only rows with an annotation are used (for multi-label and NER records an
    empty annotation counts: it says "no label" / "no entity"); with none, the
    result is empty (as in Rubrix), with a warning. Without
    ``train_size``/``test_size`` the rows keep their order; with them, they are
    split at random (seeded by ``seed``; single-label classes keep their
    proportions in both parts, to within one record) and each part is shuffled.

    Parameters
    ----------
    frame : pandas.DataFrame
        Records in ``rb.load`` columns (``text``/``inputs``, ``annotation``,
        ``multi_label``, ``tokens``, ``id``; others are ignored).
    task : {"TextClassification", "TokenClassification"}
    framework : {"transformers", "spacy", "spark-nlp"}
    lang : spacy.language.Language
        Needed for ``framework="spacy"``, e.g. ``spacy.blank("en")``.
    train_size, test_size : float, optional
        Shares of the records, ``train_size`` in (0, 1], ``test_size`` in [0, 1);
        when both are given they add up to 1.
    seed : int, optional
        Makes the split repeatable.
    export : callable, optional
        ``export(rows)`` gives the ``to_datasets()`` dataset of those rows of
        ``frame``: NER data for transformers holds every record field, as in
        Rubrix. By default the frame's own rows are exported.

    Returns
    -------
    ``datasets.Dataset`` (``DatasetDict`` with "train" and "test" when split),
    ``spacy.tokens.DocBin`` (a (train, test) tuple when split), or a
    ``pandas.DataFrame`` for Spark NLP (a tuple when split).

    Examples
    --------
    >>> frame = rb.load("reviews")
    >>> prepare_for_training(frame, "TextClassification", train_size=0.8, seed=1)
    DatasetDict({train: Dataset(...), test: Dataset(...)})
    """
    framework = _framework(framework)
    if task not in TRAINING_TASKS:
        raise ValueError(
            f"prepare_for_training works on {' and '.join(TRAINING_TASKS)} records, not {task!r}"
        )
    test_fraction = _test_fraction(train_size, test_size)
    _check_seed(seed)
    nlp = training_spacy.language(lang) if framework == "spacy" else None
    if framework == "transformers":
        datasets = _require("datasets", "pip install 'rubrix_widgets[datasets]'")
    data = _Labelled.read(frame) if task == TEXT_CLASSIFICATION else _Tagged.read(frame)
    if data.n == 0 and test_fraction is None:
        warnings.warn(
            f"none of the {len(frame)} records has an annotation, so the training data is "
            "empty; annotate some first (e.g. rb.show(name, mode='annotate'))",
            UserWarning,
            stacklevel=3,
        )
        return data.empty(framework, datasets if framework == "transformers" else None)
    if test_fraction is None:
        parts = [np.arange(data.n)]
    else:
        parts = _split(data.n, test_fraction, seed, data.strata())
    if framework == "transformers":
        if task == TOKEN_CLASSIFICATION:
            export = export or _frame_export(frame, task)
            table, features = data.arrow(datasets, export(np.asarray(data.rows, dtype=np.int64)))
        else:
            table, features = data.arrow(datasets)
        info = datasets.DatasetInfo(features=features)
        tables = [table] if test_fraction is None else [table.take(p) for p in parts]
        made = [datasets.Dataset(t, info=info) for t in tables]
        if len(made) == 1:
            return made[0]
        return datasets.DatasetDict(train=made[0], test=made[1])
    if framework == "spacy":
        made = [data.docbin(nlp, p) for p in parts]
    else:
        made = [data.spark_nlp(p) for p in parts]
    return made[0] if len(made) == 1 else tuple(made)


def _frame_export(frame: pd.DataFrame, task: str) -> Callable[[np.ndarray], Any]:
    from .record_table import RecordsFrame

    def export(rows: np.ndarray):
        part = RecordsFrame(frame.iloc[rows])
        part.attrs["task"] = task
        return part.to_datasets()

    return export


# -- arguments ----------------------------------------------------------------------------
def _framework(framework: Any) -> str:
    value = getattr(framework, "value", framework)  # Argilla's Framework enum works too
    if value not in FRAMEWORKS:
        raise ValueError(
            f"framework {framework!r} is not supported; use one of "
            + ", ".join(repr(f) for f in FRAMEWORKS)
        )
    return value


def _test_fraction(train_size: Any, test_size: Any) -> float | None:
    """The test share, or None for no split; refuses sizes that are not shares."""
    for name, value in (("train_size", train_size), ("test_size", test_size)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Real)):
            raise TypeError(f"{name} must be a float (a share of the records), not {value!r}")
    if train_size is not None and not 0 < train_size <= 1:
        raise ValueError(
            f"train_size must be in (0, 1] (the share of records to train on), not {train_size!r}"
        )
    if test_size is not None and not 0 <= test_size < 1:
        raise ValueError(
            f"test_size must be in [0, 1) (the share of records to test on), not {test_size!r}"
        )
    both = train_size is not None and test_size is not None
    if both and abs(train_size + test_size - 1) > 1e-9:
        raise ValueError(
            f"train_size and test_size must add up to 1, not {train_size!r} + {test_size!r}"
        )
    if test_size is None:
        test_size = 0.0 if train_size is None else 1.0 - train_size
    return float(test_size) if test_size > 1e-12 else None


def _check_seed(seed: Any) -> None:
    if seed is None:
        return
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an int, not {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative int, not {seed!r}")


def _require(module: str, install: str):
    try:
        return importlib.import_module(module)
    except ImportError:  # ModuleNotFoundError, as Rubrix raises (it is an ImportError too)
        raise ModuleNotFoundError(f"this needs the {module} package: {install}") from None


# -- splitting ----------------------------------------------------------------------------
def _split(n: int, test_fraction: float, seed: int | None, strata: np.ndarray | None):
    """Row numbers of the train and test parts, each in a random order.

    Stratified by systematic sampling: in a random order, the k-th of the n_c
    rows of class c gets the key (k + u_c) / n_c, with u_c uniform in [0, 1);
    the rows with the lowest keys form the test part. Every class then has
    round(test share * n_c) rows in it, give or take one, and the total is exact.
    """
    n_test = math.ceil(round(test_fraction * n, 6))
    if not 0 < n_test < n:
        empty = "test" if n_test == 0 else "train"
        raise ValueError(
            f"a {1 - test_fraction:g} / {test_fraction:g} split of {n} annotated records leaves "
            f"the {empty} part empty; change train_size / test_size or annotate more records"
        )
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    classes = np.zeros(n, dtype=np.int64) if strata is None else strata[order]
    counts = np.bincount(classes)
    by_class = np.argsort(classes, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[by_class] = np.arange(n) - np.repeat(np.cumsum(counts) - counts, counts)
    key = (rank + rng.random(len(counts))[classes]) / counts[classes]
    chosen = np.argsort(key, kind="stable")
    test = order[chosen[:n_test]]
    train = order[chosen[n_test:]]
    return [rng.permutation(train), rng.permutation(test)]


# -- reading the records ------------------------------------------------------------------
def _column(frame: pd.DataFrame, name: str, default: Any = None) -> list[Any]:
    return frame[name].tolist() if name in frame.columns else [default] * len(frame)


def _missing(value: Any) -> bool:
    """A cell that holds nothing (None, NaN, NA); a list or dict, even empty, is a value."""
    return not isinstance(value, list | tuple | dict | str | np.ndarray) and rules.is_missing(value)


def _where(row: int, ident: Any) -> str:
    return f"row {row}" + ("" if rules.is_missing(ident) else f" (id={ident!r})")


def _ids(ids: list[Any]) -> list[Any]:
    """Record ids, with a fresh uuid4 for records that have none (as Argilla does)."""
    return [str(uuid.uuid4()) if rules.is_missing(i) else i for i in ids]


def _as_text(value: str | list[str]) -> str:
    return value if isinstance(value, str) else " ".join(value)


@dataclass
class _Labelled:
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
    def read(cls, frame: pd.DataFrame) -> _Labelled:
        columns = zip(
            _column(frame, "id"),
            _column(frame, "inputs"),
            _column(frame, "text"),
            _column(frame, "annotation"),
            _column(frame, "multi_label", False),
            strict=True,
        )
        rows, ids, inputs, labels, multi, first_multi = [], [], [], [], False, False
        for row, (ident, given_inputs, text, annotation, multi_label) in enumerate(columns):
            row_multi = bool(multi_label) and not rules.is_missing(multi_label)
            first_multi = first_multi or (row == 0 and row_multi)
            try:
                annotation = rules.check_text_annotation(annotation, row_multi)
                if annotation is None:
                    continue
                record_inputs = rules.check_inputs(
                    None if _missing(given_inputs) else given_inputs, text
                )
            except ValueError as exc:
                raise ValueError(f"{_where(row, ident)}: {exc}") from None
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
            return training_spacy.empty_docbin()
        return self.spark_nlp(np.arange(0))

    def strata(self) -> np.ndarray | None:
        return None if self.multi_label else self.codes()

    def codes(self) -> np.ndarray:
        code = {name: k for k, name in enumerate(self.names)}
        return np.fromiter((code[labels[0]] for labels in self.labels), np.int64, self.n)

    def texts(self, rows: np.ndarray) -> list[str]:
        """One text per record: its text, or its inputs joined by ". " (as Argilla does)."""
        return [". ".join(_as_text(v) for v in self.inputs[i].values()) for i in rows.tolist()]

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
            columns["label"] = _list_array(lengths, flat)
            features["label"] = datasets.Sequence(class_label)
        return pa.table(columns), datasets.Features(features)

    def docbin(self, nlp, rows: np.ndarray):
        picked = rows.tolist()
        return training_spacy.text_docbin(
            nlp, self.texts(rows), [self.labels[i] for i in picked], self.names
        )

    def spark_nlp(self, rows: np.ndarray) -> pd.DataFrame:
        picked = rows.tolist()
        labels = [self.labels[i] if self.multi_label else self.labels[i][0] for i in picked]
        return pd.DataFrame(
            {
                "id": _ids([self.ids[i] for i in picked]),
                "text": self.texts(rows),
                "labels" if self.multi_label else "label": labels,
            }
        )


@dataclass
class _Tagged:
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
    def read(cls, frame: pd.DataFrame) -> _Tagged:
        columns = zip(
            _column(frame, "id"),
            _column(frame, "text"),
            _column(frame, "tokens"),
            _column(frame, "annotation"),
            strict=True,
        )
        data = cls([], [], [], [], [], [], [])
        labels: set[str] = set()
        for row, (ident, text, tokens, annotation) in enumerate(columns):
            if _missing(annotation):
                continue
            try:
                text, tokens, offsets = token_rules.check_text_and_tokens(text, tokens)
                spans = (
                    token_rules.check_spans(annotation, text, offsets, "annotation", False) or []
                )
            except ValueError as exc:
                raise ValueError(f"{_where(row, ident)}: {exc}") from None
            first = {start: k for k, (start, _) in enumerate(offsets)}
            last = {end: k + 1 for k, (_, end) in enumerate(offsets)}
            kept: list[tuple[str, int, int]] = []
            previous = None
            for label, start, end in sorted(spans, key=lambda s: (s[1], -s[2])):
                labels.add(label)
                if kept and first[start] < kept[-1][2]:  # as in Rubrix: a ValueError
                    raise ValueError(
                        f"{_where(row, ident)}: annotation spans {previous} and "
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
            return training_spacy.empty_docbin()
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
        table = exported.data.table.append_column("ner_tags", _list_array(lengths, flat))
        features = exported.features.copy()
        features["ner_tags"] = [datasets.ClassLabel(names=self.tag_names())]
        return table, datasets.Features(features)

    def docbin(self, nlp, rows: np.ndarray):
        picked = rows.tolist()
        return training_spacy.token_docbin(
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
                "id": _ids([self.ids[i] for i in picked]),
                "text": [self.texts[i] for i in picked],
                "token": [self.tokens[i] for i in picked],
                "label": tags,
            }
        )


def _list_array(lengths: np.ndarray, flat: np.ndarray) -> pa.ListArray:
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(flat, pa.int64()))
