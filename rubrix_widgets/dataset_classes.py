"""``DatasetFor*``: lists of records of one task, with pandas and Hugging Face bridges.

>>> ds = rb.DatasetForTextClassification.from_datasets(hf_dataset, text="sentence",
...                                                    annotation="label")
>>> rb.log(ds, name="sst2")
>>> rb.load("sst2").records  # or DatasetForTextClassification.from_pandas(rb.load("sst2"))
>>> ds.prepare_for_training(train_size=0.8, seed=42)  # annotated records, for transformers

They behave as Rubrix 0.18's: ``ds[0]`` is a record and ``ds[:5]`` a list of
them, assigning a record of another task raises ``WrongRecordTypeError``,
``to_pandas`` / ``to_datasets`` have Rubrix's columns.
"""

from __future__ import annotations

import enum
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Union

import numpy as np
import pandas as pd
import pyarrow as pa
from pydantic import BaseModel

from . import hf_datasets, ingest, training
from ._arrow import object_series
from .record_table import records_from_frame
from .records import (
    READ_ONLY_FIELDS,
    Text2TextRecord,
    TextClassificationRecord,
    TokenClassificationRecord,
)
from .tasks import RUBRIX_FIELDS, TEXT2TEXT, TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION, spec


class WrongRecordTypeError(ValueError):
    """A record of another type given to a ``DatasetFor*`` (Rubrix's exception, a ValueError)."""


class Framework(enum.Enum):
    """The frameworks ``prepare_for_training`` writes for; plain strings work too."""

    TRANSFORMERS = "transformers"
    SPACY = "spacy"
    SPARK_NLP = "spark-nlp"

    @classmethod
    def _missing_(cls, value):
        raise ValueError(
            f"{value!r} is not a valid {cls.__name__}; use one of "
            + ", ".join(repr(m.value) for m in cls)
        )


class DatasetBase:
    """A list of records of one task (use a ``DatasetFor*`` class)."""

    task: str = ""
    _RECORD_TYPE: type[BaseModel] | None = None

    @classmethod
    def _record_type(cls) -> type[BaseModel]:
        """The record class this dataset holds; DatasetBase itself holds none."""
        if cls._RECORD_TYPE is None:
            raise NotImplementedError(
                "DatasetBase holds no task: use rb.DatasetForTextClassification, "
                "rb.DatasetForTokenClassification or rb.DatasetForText2Text"
            )
        return cls._RECORD_TYPE

    def __init__(self, records: Iterable[Any] | None = None):
        self._record_type()
        self._records: list[Any] = list(records or [])
        wrong = {type(r).__name__: None for r in self._records if not self._fits(r)}
        if wrong:
            raise WrongRecordTypeError(
                f"a {type(self).__name__} holds {self._record_type().__name__} objects only, "
                f"but you gave {', '.join(wrong)}"
            )

    def _fits(self, record: Any) -> bool:
        return isinstance(record, self._record_type())

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._records)

    def __getitem__(self, key: int | slice):
        """A record; a slice gives a list of records, as in Rubrix."""
        return self._records[key]

    def __setitem__(self, key: int | slice, value: Any) -> None:
        new = list(value) if isinstance(key, slice) else [value]
        for record in new:
            if not self._fits(record):
                raise WrongRecordTypeError(
                    f"a {type(self).__name__} holds {self._record_type().__name__} objects only; "
                    f"you tried to set a {type(record).__name__}"
                )
        self._records[key] = new if isinstance(key, slice) else value

    def __delitem__(self, key: int | slice) -> None:
        del self._records[key]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)} records)"

    # -- pandas -------------------------------------------------------------------------
    def to_pandas(self) -> pd.DataFrame:
        """One row per record, one column per Rubrix record field, in Rubrix's order
        (and ``vectors`` after ``annotation_agent`` when a record has vectors, as in Argilla).

        ``rb.load(name).to_pandas()`` gives the same frame for the same records.
        """
        n = len(self._records)
        data: dict[str, Any] = {}
        names = list(RUBRIX_FIELDS[self.task])
        if any(r.vectors is not None for r in self._records):  # Argilla 1.x's column, in place
            names.insert(names.index("annotation_agent") + 1, "vectors")
        for name in names:
            values = [getattr(r, name, None) for r in self._records]
            if name == "multi_label":
                data[name] = pd.Series(values, dtype=bool)
            elif name == "event_timestamp":  # as rb.load reads it from Arrow
                data[name] = pa.array(values, pa.timestamp("us")).to_pandas()
            elif name == "id" and n and all(type(v) is int for v in values):
                data[name] = pd.Series(values, dtype="int64")
            else:
                data[name] = object_series(values)
        frame = pd.DataFrame(data, columns=names)
        frame.attrs["task"] = self.task
        return frame

    @classmethod
    def from_pandas(cls, dataframe: pd.DataFrame):
        """Records from a DataFrame (as ``to_pandas`` or ``rb.load`` give, or a plain one).

        Columns that are not record fields are ignored, with a warning.
        """
        known = set(RUBRIX_FIELDS[cls.task]) | set(_accepted_fields(cls._record_type()))
        known |= {"tags"} if cls.task == TOKEN_CLASSIFICATION else set()
        unknown = [c for c in dataframe.columns if c not in known]
        if unknown:
            warnings.warn(
                f"columns {unknown} are not {cls._record_type().__name__} fields and are ignored",
                UserWarning,
                stacklevel=2,
            )
        return cls(records_from_frame(dataframe.drop(columns=unknown), cls.task))

    # -- Hugging Face datasets ------------------------------------------------------------
    def to_datasets(self):
        """A ``datasets.Dataset`` with Rubrix's columns: one per record field, as in Rubrix 0.18.

        Predictions and spans are lists of structs (``label``, ``score``,
        ``start``, ``end``; ``text`` for Text2Text); inputs, metadata and
        explanations are structs, with every key of every record (absent keys
        hold None, which ``from_datasets`` drops again). An int id stays an int
        (Rubrix wrote ids as str); ``search_keywords`` is left out, as in Rubrix.
        """
        hf_datasets.import_datasets()
        table = ingest.table_from_records(self._records, self.task)
        missing = np.fromiter((r.id is None for r in self._records), bool, len(self._records))
        metrics = [getattr(r, "metrics", None) for r in self._records]
        return hf_datasets.dataset_from_table(table, self.task, missing, metrics)

    @classmethod
    def _from_datasets(cls, dataset: Any, mapping: dict[str, Any]):
        frame = hf_datasets.record_columns(
            dataset, cls.task, mapping, _accepted_fields(cls._record_type()), cls.__name__
        )
        return cls(records_from_frame(frame, cls.task))


def _accepted_fields(record_type: type[BaseModel]) -> list[str]:
    """What a record takes: its fields, and Rubrix's read-only ``metrics``, ``search_keywords``."""
    return [*record_type.model_fields, *READ_ONLY_FIELDS]


def _export(records: list[Any], task: str):
    """``export(rows)`` for ``training.prepare_for_training``: those records' ``to_datasets()``."""
    cls = DATASET_CLASSES[task]
    return lambda rows: cls([records[i] for i in rows.tolist()]).to_datasets()


class _Trainable(DatasetBase):
    """A dataset whose annotated records become training data (``prepare_for_training``)."""

    _training_columns: tuple[str, ...] = ()

    def _training_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                name: object_series([getattr(r, name) for r in self._records])
                for name in self._training_columns
            }
        )


class DatasetForTextClassification(_Trainable):
    """Text classification records (``rb.TextClassificationRecord``).

    Examples
    --------
    >>> ds = rb.DatasetForTextClassification(
    ...     [
    ...         rb.TextClassificationRecord(text="Great movie!", annotation="pos"),
    ...         rb.TextClassificationRecord(text="Dull plot", annotation="neg"),
    ...     ]
    ... )
    >>> len(ds), ds[0].text
    (2, 'Great movie!')
    >>> ds.to_pandas()[["text", "annotation"]]
               text annotation
    0  Great movie!        pos
    1     Dull plot        neg
    >>> list(ds.prepare_for_training()["label"])
    [1, 0]
    >>> rb.log(ds, "reviews", verbose=False)
    BulkResponse(dataset='reviews', processed=2, failed=0)
    """

    task = TEXT_CLASSIFICATION
    _RECORD_TYPE = TextClassificationRecord
    _training_columns = ("id", "inputs", "annotation", "multi_label")

    @classmethod
    def from_datasets(
        cls,
        dataset: Any,
        text: str | None = None,
        id: str | None = None,
        inputs: str | Sequence[str] | None = None,
        annotation: str | None = None,
        metadata: str | Sequence[str] | None = None,
        **columns: Any,
    ) -> DatasetForTextClassification:
        """Records from a ``datasets.Dataset``, as Rubrix reads it.

        Parameters
        ----------
        dataset : datasets.Dataset
            One split. Columns named like record fields (``text``, ``inputs``,
            ``prediction``, ``annotation``, ``multi_label``, ``explanation``,
            ``id``, ``metadata``, ``status``, ...) are read as those fields;
            others are ignored, with a warning.
        text, id, annotation : str, optional
            The column to read that field from.
        inputs, metadata : str or list of str, optional
            Columns joined into the ``inputs`` (or ``metadata``) dict, keyed by
            column name. A record's inputs win over its ``text`` column.
        **columns
            Any other record field -> column, e.g. ``prediction="scores"``,
            ``multi_label=True``.

        A ``ClassLabel`` annotation column gives label names (an int that is not
        a label, e.g. -1, gives no annotation); a column of label lists makes
        multi-label records.

        Examples
        --------
        >>> sst2 = datasets.load_dataset("glue", "sst2", split="validation")
        >>> rb.DatasetForTextClassification.from_datasets(sst2, text="sentence",
        ...                                                annotation="label")
        """
        mapping = dict(text=text, id=id, inputs=inputs, annotation=annotation, metadata=metadata)
        return cls._from_datasets(dataset, {**mapping, **columns})

    def prepare_for_training(
        self,
        framework: str | Framework = "transformers",
        lang: Any = None,
        train_size: float | None = None,
        test_size: float | None = None,
        seed: int | None = None,
    ):
        """The annotated records as training data for ``framework``, as in Rubrix.

        Only records with an annotation are used (a multi-label record annotated
        with no label counts); with none, the result is empty (for transformers
        a dataset with only a ``label`` column, as in Rubrix 0.18), with a
        warning. Without a split the records keep their order; ``train_size`` /
        ``test_size`` split them at random, seeded by ``seed``, keeping each
        label's share in both parts (to within one record) for single-label data.

        Parameters
        ----------
        framework : {"transformers", "spacy", "spark-nlp"}
            - ``"transformers"``: a ``datasets.Dataset`` with one string column per
              input (``text`` for plain records) and ``label``, a ``ClassLabel`` over
              the annotated labels, sorted; for multi-label records ``label`` is a
              list of label numbers. A ``DatasetDict`` with "train" and "test" when split.
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
        return training.prepare_for_training(
            self._training_frame(), self.task, framework, lang, train_size, test_size, seed
        )


class DatasetForTokenClassification(_Trainable):
    """Token classification (NER) records (``rb.TokenClassificationRecord``).

    Examples
    --------
    >>> ds = rb.DatasetForTokenClassification(
    ...     [
    ...         rb.TokenClassificationRecord(
    ...             text="Ann lives in Paris", annotation=[("PER", 0, 3), ("LOC", 13, 18)]
    ...         )
    ...     ]
    ... )
    >>> ds.prepare_for_training("spark-nlp").label[0]
    ['B-PER', 'O', 'O', 'B-LOC']
    >>> rb.log(ds, "people", verbose=False)
    BulkResponse(dataset='people', processed=1, failed=0)
    """

    task = TOKEN_CLASSIFICATION
    _RECORD_TYPE = TokenClassificationRecord
    _training_columns = ("id", "text", "tokens", "annotation")

    @classmethod
    def from_datasets(
        cls,
        dataset: Any,
        text: str | None = None,
        id: str | None = None,
        tokens: str | None = None,
        tags: str | None = None,
        metadata: str | Sequence[str] | None = None,
        **columns: Any,
    ) -> DatasetForTokenClassification:
        """Records from a ``datasets.Dataset``, as Rubrix reads it.

        Parameters
        ----------
        dataset : datasets.Dataset
            One split. Columns named like record fields (``text``, ``tokens``,
            ``tags``, ``prediction``, ``annotation``, ``id``, ``metadata``, ...)
            are read as those fields; others are ignored, with a warning. Rows
            with no tokens are skipped, with a warning.
        text, id, tokens : str, optional
            The column to read that field from (``text`` defaults to the tokens
            joined by spaces).
        tags : str, optional
            A column of IOB/BIO tags, one per token (``ClassLabel`` ints become
            tag names; a row with an int that is not a tag gets no annotation).
        metadata : str or list of str, optional
            Columns joined into the metadata dict, keyed by column name.
        **columns
            Any other record field -> column, e.g. ``annotation="spans"``.

        Examples
        --------
        >>> conll = datasets.load_dataset("conll2003", split="validation")
        >>> rb.DatasetForTokenClassification.from_datasets(conll, tags="ner_tags")
        """
        mapping = dict(text=text, id=id, tokens=tokens, tags=tags, metadata=metadata)
        return cls._from_datasets(dataset, {**mapping, **columns})

    def prepare_for_training(
        self,
        framework: str | Framework = "transformers",
        lang: Any = None,
        train_size: float | None = None,
        test_size: float | None = None,
        seed: int | None = None,
    ):
        """The annotated records as training data for ``framework``, as in Rubrix.

        Only records with an annotation are used (an empty annotation, "no
        entity", counts); with none, the result is empty, with a warning.
        Overlapping annotated spans are a ValueError naming the record (IOB
        tags hold one entity per token), as in Rubrix. Without a split the
        records keep their order; ``train_size`` / ``test_size`` split them at
        random, seeded by ``seed``.

        Parameters
        ----------
        framework : {"transformers", "spacy", "spark-nlp"}
            - ``"transformers"``: a ``datasets.Dataset`` with the ``to_datasets()``
              columns of the annotated records and ``ner_tags``, a list of
              ``ClassLabel`` IOB tags ("O", then "B-<label>", "I-<label>" for each
              label, sorted), one per token. A ``DatasetDict`` with "train" and
              "test" when split.
            - ``"spacy"``: a ``spacy.tokens.DocBin``; each ``Doc`` is built from the
              record's own tokens (so every span aligns, where Rubrix re-tokenized
              with ``lang`` and refused spans that did not) and its text is the
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
        return training.prepare_for_training(
            self._training_frame(),
            self.task,
            framework,
            lang,
            train_size,
            test_size,
            seed,
            export=_export(self._records, self.task),
        )


class DatasetForText2Text(DatasetBase):
    """Text2Text records (``rb.Text2TextRecord``): translation, summaries, replies.

    Examples
    --------
    >>> ds = rb.DatasetForText2Text(
    ...     [rb.Text2TextRecord(text="Hello world", annotation="Hallo Welt")]
    ... )
    >>> rb.log(ds, "translations", verbose=False)
    BulkResponse(dataset='translations', processed=1, failed=0)
    >>> rb.DatasetForText2Text.from_pandas(rb.load("translations"))[0].annotation
    'Hallo Welt'
    """

    task = TEXT2TEXT
    _RECORD_TYPE = Text2TextRecord

    @classmethod
    def from_datasets(
        cls,
        dataset: Any,
        text: str | None = None,
        annotation: str | None = None,
        metadata: str | Sequence[str] | None = None,
        id: str | None = None,
        **columns: Any,
    ) -> DatasetForText2Text:
        """Records from a ``datasets.Dataset``, as Rubrix reads it.

        Parameters
        ----------
        dataset : datasets.Dataset
            One split. Columns named like record fields (``text``,
            ``prediction``, ``annotation``, ``id``, ``metadata``, ...) are read
            as those fields; others are ignored, with a warning. Predictions are
            lists of texts or of ``{"text", "score"}`` dicts.
        text, annotation, id : str, optional
            The column to read that field from.
        metadata : str or list of str, optional
            Columns joined into the metadata dict, keyed by column name.
        **columns
            Any other record field -> column, e.g. ``prediction="candidates"``.

        Examples
        --------
        >>> pairs = datasets.Dataset.from_dict({"en": ["Hello"], "es": ["Hola"]})
        >>> rb.DatasetForText2Text.from_datasets(pairs, text="en", annotation="es")
        """
        mapping = dict(text=text, annotation=annotation, metadata=metadata, id=id)
        return cls._from_datasets(dataset, {**mapping, **columns})


_DatasetClass = (
    type[DatasetForTextClassification]
    | type[DatasetForTokenClassification]
    | type[DatasetForText2Text]
)
DATASET_CLASSES: dict[str, _DatasetClass] = {
    cls.task: cls
    for cls in (DatasetForTextClassification, DatasetForTokenClassification, DatasetForText2Text)
}
Dataset = Union[DatasetForTextClassification, DatasetForTokenClassification, DatasetForText2Text]  # noqa: UP007 - Rubrix's alias, used in annotations


def read_datasets(dataset: Any, task: str, **columns: Any) -> DatasetBase:
    """``DatasetFor<task>.from_datasets(dataset, **columns)``.

    ``task`` is "TextClassification", "TokenClassification" or "Text2Text"
    (or Rubrix's ``TaskType`` enum).

    Examples
    --------
    >>> import datasets
    >>> hf = datasets.Dataset.from_dict(
    ...     {"text": ["Great movie!", "Dull plot"], "label": ["pos", "neg"]}
    ... )
    >>> ds = rb.read_datasets(hf, task="TextClassification", annotation="label")
    >>> [(r.text, r.annotation) for r in ds]
    [('Great movie!', 'pos'), ('Dull plot', 'neg')]
    """
    return _class_for(task).from_datasets(dataset, **columns)


def read_pandas(dataframe: pd.DataFrame, task: str) -> DatasetBase:
    """``DatasetFor<task>.from_pandas(dataframe)``.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"text": ["Great movie!", "Dull plot"], "annotation": ["pos", None]})
    >>> ds = rb.read_pandas(frame, task="TextClassification")
    >>> type(ds).__name__, len(ds)
    ('DatasetForTextClassification', 2)
    >>> ds[0].annotation, ds[1].status
    ('pos', 'Default')
    """
    return _class_for(task).from_pandas(dataframe)


def _class_for(task: Any) -> _DatasetClass:
    task = getattr(task, "value", task)  # Rubrix's TaskType enum
    spec(task)
    return DATASET_CLASSES[task]
