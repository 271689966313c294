"""``DatasetFor*``: lists of records of one task, with pandas and Hugging Face bridges.

>>> ds = rb.DatasetForTextClassification.from_datasets(hf_dataset, text="sentence",
...                                                    annotation="label")
>>> rb.log(ds, name="sst2")
>>> rb.load("sst2").records  # or DatasetForTextClassification.from_pandas(rb.load("sst2"))
>>> ds.prepare_for_training(train_size=0.8, seed=42)  # annotated records, for transformers
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import orjson
import pandas as pd
import pyarrow as pa

from . import rules, training
from .record_table import _objects, records_from_frame
from .records import Text2TextRecord, TextClassificationRecord, TokenClassificationRecord
from .tasks import TEXT2TEXT, TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION, spec


class DatasetBase:
    """A list of records of one task."""

    task: str = ""
    _record_class: type = object

    def __init__(self, records: Iterable[Any] | None = None):
        self._records: list[Any] = []
        for record in records or []:
            self._records.append(self._check(record))

    def _check(self, record: Any) -> Any:
        if not isinstance(record, self._record_class):
            raise ValueError(
                f"{type(self).__name__} holds {self._record_class.__name__} objects, "
                f"not {type(record).__name__}"
            )
        return record

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._records)

    def __getitem__(self, key: int | slice):
        if isinstance(key, slice):
            return type(self)(self._records[key])
        return self._records[key]

    def __setitem__(self, key: int, record: Any) -> None:
        self._records[key] = self._check(record)

    def __delitem__(self, key: int | slice) -> None:
        del self._records[key]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} records)"

    # -- pandas -------------------------------------------------------------------------
    def to_pandas(self) -> pd.DataFrame:
        """One row per record, columns in ``rb.load`` order."""
        columns = spec(self.task).load_columns
        data = {}
        for name in columns:
            values = [getattr(r, name) for r in self._records]
            data[name] = values if name == "multi_label" else _objects(values)
        frame = pd.DataFrame(data, columns=list(columns))
        frame.attrs["task"] = self.task
        return frame

    @classmethod
    def from_pandas(cls, dataframe: pd.DataFrame):
        """Records from a DataFrame (as returned by ``to_pandas`` or ``rb.load``)."""
        known = set(cls._record_class.model_fields) | {"text", "tags"}
        unknown = [c for c in dataframe.columns if c not in known]
        if unknown:
            warnings.warn(
                f"columns {unknown} are not {cls.task} record fields and are ignored",
                UserWarning,
                stacklevel=2,
            )
        return cls(records_from_frame(dataframe.drop(columns=unknown), cls.task))

    # -- Hugging Face datasets ------------------------------------------------------------
    def to_datasets(self):
        """A ``datasets.Dataset`` with one column per record field.

        Dict columns (inputs, metadata, explanation) become struct columns when
        Arrow can hold them exactly; when records disagree on keys or types,
        the column is written as JSON text under ``<field>_json`` instead, so
        ``from_datasets`` restores the records exactly.
        """
        datasets = _import_datasets()
        frame = self.to_pandas()
        data: dict[str, list[Any]] = {}
        multi = self.task == TEXT_CLASSIFICATION and bool(frame["multi_label"].any())
        for name in self._record_class.model_fields:
            values = [_hf_value(name, v, self.task) for v in frame[name].tolist()]
            if name == "annotation" and multi:  # one shape for single- and multi-label rows
                values = [[v] if isinstance(v, str) else v for v in values]
            if name == "metadata":
                values = [m or None for m in values]
            if name == "id" and not all(isinstance(i, int) for i in values if i is not None):
                values = [None if i is None else str(i) for i in values]
            if name in _DICT_FIELDS and not _arrow_keeps(values):
                data[f"{name}_json"] = [None if v is None else rules.dumps(v) for v in values]
            else:
                data[name] = values
        return datasets.Dataset.from_dict(data)

    @classmethod
    def from_datasets(cls, dataset: Any, **columns: str | Sequence[str] | None):
        """Records from a ``datasets.Dataset``.

        Keywords map record fields to columns, e.g. ``text="sentence",
        annotation="label"``; ``inputs`` and ``metadata`` take a list of
        columns. ClassLabel columns are turned into label names.
        """
        datasets = _import_datasets()
        if isinstance(dataset, datasets.DatasetDict):
            raise ValueError(
                f"{cls.__name__}.from_datasets needs one split, e.g. dataset['train']; "
                f"this DatasetDict has {list(dataset)}"
            )
        fields = set(cls._record_class.model_fields) | {"text", "tags"}
        unknown_keys = [k for k in columns if k not in fields]
        if unknown_keys:
            raise ValueError(
                f"{unknown_keys} are not {cls.task} record fields; use {sorted(fields)}"
            )
        features = dataset.features
        frame = dataset.to_pandas()
        for column in list(frame.columns):
            frame[column] = _class_label_names(frame[column], features.get(column), datasets)
            base = column[: -len("_json")]
            if column.endswith("_json") and base in _DICT_FIELDS and base not in frame.columns:
                frame[base] = [None if v is None else orjson.loads(v) for v in frame.pop(column)]
        out = pd.DataFrame(index=frame.index)
        used: set[str] = set()
        for field_name, source in columns.items():
            if source is None:
                continue
            if field_name == "multi_label" and isinstance(source, bool):
                out[field_name] = source
            elif field_name in ("inputs", "metadata") and not isinstance(source, str):
                names = list(source)
                used.update(names)
                out[field_name] = [
                    dict(zip(names, row, strict=True))
                    for row in frame[names].itertuples(index=False)
                ]
            else:
                used.add(source)
                out[field_name] = frame[source]
        for column in frame.columns:
            if column in used or column in out.columns:
                continue
            if column in fields:
                out[column] = frame[column]
            else:
                warnings.warn(
                    f"column {column!r} is not a {cls.task} field and is ignored; map it "
                    f"with a keyword, e.g. metadata=[{column!r}]",
                    UserWarning,
                    stacklevel=2,
                )
        if cls.task == TEXT_CLASSIFICATION:
            if "inputs" in out.columns:
                if "text" in out.columns:
                    out = out.drop(columns=["text"])
                # struct columns give every record every key; absent keys come back as None
                out["inputs"] = [_without_nones(v) for v in out["inputs"]]
            source = columns.get("annotation") or "annotation"
            if (
                "multi_label" not in out.columns
                and isinstance(source, str)
                and isinstance(features.get(source), datasets.Sequence | list)
            ):
                out["multi_label"] = True
        return cls(records_from_frame(out, cls.task))


_DICT_FIELDS = ("inputs", "metadata", "explanation")


def _arrow_keeps(values: list[Any]) -> bool:
    """True if Arrow type inference gives these values back exactly (types included)."""
    try:
        back = pa.array(values).to_pylist()
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
        return False
    return all(rules.dumps(a) == rules.dumps(b) for a, b in zip(values, back, strict=True))


def _without_nones(value: Any) -> Any:
    return {k: v for k, v in value.items() if v is not None} if isinstance(value, dict) else value


def _import_datasets():
    try:
        import datasets
    except ImportError:
        raise ImportError(
            "this needs the Hugging Face datasets package: pip install 'rubrix_widgets[datasets]'"
        ) from None
    return datasets


def _class_label_names(series: pd.Series, feature: Any, datasets) -> pd.Series:
    """ClassLabel ints (and lists of them) become label names; -1 becomes None."""
    label = feature.feature if isinstance(feature, datasets.Sequence) else feature
    if isinstance(feature, list) and feature:
        label = feature[0]
    if not isinstance(label, datasets.ClassLabel):
        return series

    def name(value):
        if value is None or value == -1:
            return None
        return label.int2str(int(value))

    def convert(value):
        if hasattr(value, "tolist"):
            value = value.tolist()
        if isinstance(value, list):
            return [name(v) for v in value if name(v) is not None]
        return None if rules.is_missing(value) else name(value)

    return series.map(convert).astype(object)


def _hf_value(field: str, value: Any, task: str) -> Any:
    if value is None:
        return None
    if field == "prediction" and task == TEXT_CLASSIFICATION:
        return [{"label": label, "score": score} for label, score in value]
    if field == "prediction" and task == TEXT2TEXT:
        return [{"text": text, "score": score} for text, score in value]
    if field == "prediction" and task == TOKEN_CLASSIFICATION:
        keys = ("label", "start", "end", "score")
        return [
            dict(zip(keys, span + ((None,) if len(span) == 3 else ()), strict=True))
            for span in value
        ]
    if field == "annotation" and task == TOKEN_CLASSIFICATION:
        return [dict(zip(("label", "start", "end"), span, strict=True)) for span in value]
    if field == "explanation":
        return {k: [a.model_dump() for a in v] for k, v in value.items()}
    if field == "event_timestamp" and rules.is_missing(value):
        return None
    return value


class _Trainable(DatasetBase):
    """A dataset whose annotated records become training data (``prepare_for_training``)."""

    _training_columns: tuple[str, ...] = ()

    def _prepare_for_training(self, framework, lang, train_size, test_size, seed):
        frame = pd.DataFrame(
            {
                name: _objects([getattr(r, name) for r in self._records])
                for name in self._training_columns
            }
        )
        return training.prepare_for_training(
            frame, self.task, framework, lang, train_size, test_size, seed
        )


class DatasetForTextClassification(_Trainable):
    """Text classification records (``rb.TextClassificationRecord``).

    >>> ds = rb.DatasetForTextClassification([rb.TextClassificationRecord(text="Great!",
    ...                                                                   annotation="pos")])
    >>> list(ds.prepare_for_training()["label"])
    [0]
    """

    task = TEXT_CLASSIFICATION
    _record_class = TextClassificationRecord
    _training_columns = ("id", "inputs", "annotation", "multi_label")

    def prepare_for_training(
        self,
        framework: str = "transformers",
        lang: Any = None,
        train_size: float | None = None,
        test_size: float | None = None,
        seed: int | None = None,
    ):
        """The annotated records as training data for ``framework``, as in Rubrix/Argilla.

        Only records with an annotation are used (a multi-label record annotated
        with no label counts); a ValueError says so when none has one. Without a
        split the records keep their order; ``train_size`` / ``test_size`` split
        them at random, seeded by ``seed``, keeping each label's share in both
        parts (to within one record) for single-label data.

        Parameters
        ----------
        framework : {"transformers", "spacy", "spark-nlp"}
            - ``"transformers"``: a ``datasets.Dataset`` with one string column per
              input (``text`` for plain records) and ``label``, a ``ClassLabel`` over
              the annotated labels, sorted. Multi-label: ``label`` is a list of label
              numbers and ``binarized_label`` the 0/1 vector over all labels.
              A ``DatasetDict`` with "train" and "test" when split.
            - ``"spacy"``: a ``spacy.tokens.DocBin`` of ``lang.make_doc(text)`` with
              ``doc.cats`` one-hot over all labels (1.0 / 0.0); several inputs are
              joined by ". ". A (train, test) tuple when split.
            - ``"spark-nlp"``: a pandas DataFrame with ``id``, ``text`` and ``label``
              (``labels``, a list, for multi-label). A (train, test) tuple when split.
        lang : spacy.language.Language
            Only for spaCy, e.g. ``spacy.blank("en")``.
        train_size : float in (0, 1], optional
        test_size : float in [0, 1), optional
            Shares of the annotated records; if both are given they add up to 1.
        seed : int, optional
            Repeatable splits.

        Examples
        --------
        >>> ds = rb.DatasetForTextClassification.from_pandas(rb.load("reviews"))
        >>> splits = ds.prepare_for_training(train_size=0.8, seed=42)
        >>> splits["train"].features["label"].names
        ['fresh', 'plot', 'rotten']
        >>> train, test = ds.prepare_for_training("spacy", lang=spacy.blank("en"), train_size=0.8)
        """
        return self._prepare_for_training(framework, lang, train_size, test_size, seed)


class DatasetForTokenClassification(_Trainable):
    """Token classification (NER) records (``rb.TokenClassificationRecord``).

    >>> ds = rb.DatasetForTokenClassification([rb.TokenClassificationRecord(
    ...     text="Ann lives in Paris", annotation=[("PER", 0, 3), ("LOC", 13, 18)])])
    >>> ds.prepare_for_training("spark-nlp").label[0]
    ['B-PER', 'O', 'O', 'B-LOC']
    """

    task = TOKEN_CLASSIFICATION
    _record_class = TokenClassificationRecord
    _training_columns = ("id", "text", "tokens", "annotation")

    def prepare_for_training(
        self,
        framework: str = "transformers",
        lang: Any = None,
        train_size: float | None = None,
        test_size: float | None = None,
        seed: int | None = None,
    ):
        """The annotated records as training data for ``framework``, as in Rubrix/Argilla.

        Only records with an annotation are used (an empty annotation, "no
        entity", counts); a ValueError says so when none has one. Spans that
        overlap an earlier or longer span are left out, with a warning: IOB
        tags hold one entity per token. Without a split the records keep their
        order; ``train_size`` / ``test_size`` split them at random, seeded by ``seed``.

        Parameters
        ----------
        framework : {"transformers", "spacy", "spark-nlp"}
            - ``"transformers"``: a ``datasets.Dataset`` with ``text``, ``tokens``
              and ``ner_tags``, a sequence of ``ClassLabel`` IOB tags ("O", then
              "B-<label>", "I-<label>" for each label, sorted), one per token.
              A ``DatasetDict`` with "train" and "test" when split.
            - ``"spacy"``: a ``spacy.tokens.DocBin``; each ``Doc`` is built from the
              record's own tokens (so every span aligns) and its text is the
              record's text; ``doc.ents`` are the annotation spans.
              A (train, test) tuple when split.
            - ``"spark-nlp"``: a pandas DataFrame with ``id``, ``text``, ``token``
              (the tokens) and ``label`` (the IOB tag strings). A tuple when split.
        lang : spacy.language.Language
            Only for spaCy (its vocabulary), e.g. ``spacy.blank("en")``.
        train_size : float in (0, 1], optional
        test_size : float in [0, 1), optional
            Shares of the annotated records; if both are given they add up to 1.
        seed : int, optional
            Repeatable splits.

        Examples
        --------
        >>> ds = rb.DatasetForTokenClassification.from_pandas(rb.load("tweets-ner"))
        >>> ds.prepare_for_training(test_size=0.2, seed=0)["train"].features["ner_tags"]
        List(ClassLabel(names=['O', 'B-LOC', 'I-LOC', 'B-PER', 'I-PER']))
        """
        return self._prepare_for_training(framework, lang, train_size, test_size, seed)


class DatasetForText2Text(DatasetBase):
    task = TEXT2TEXT
    _record_class = Text2TextRecord


DATASET_CLASSES = {
    cls.task: cls
    for cls in (DatasetForTextClassification, DatasetForTokenClassification, DatasetForText2Text)
}


def read_datasets(dataset: Any, task: str, **columns: Any) -> DatasetBase:
    """``DatasetFor<task>.from_datasets(dataset, **columns)``."""
    return _class_for(task).from_datasets(dataset, **columns)


def read_pandas(dataframe: pd.DataFrame, task: str) -> DatasetBase:
    """``DatasetFor<task>.from_pandas(dataframe)``."""
    return _class_for(task).from_pandas(dataframe)


def _class_for(task: str) -> type[DatasetBase]:
    spec(task)
    return DATASET_CLASSES[task]
