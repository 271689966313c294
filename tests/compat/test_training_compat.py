"""prepare_for_training behaves as Rubrix 0.18's, on ``DatasetFor*`` and on rb.load frames.

Rubrix 0.18 prepared text classification for transformers (input columns and a ``label``
ClassLabel) and token classification for transformers (the ``to_datasets`` columns plus
``ner_tags``) and spaCy; with no annotated record it returned an empty dataset. spaCy for
text classification, Spark NLP and the train / test split are Argilla's later additions,
kept with Argilla's return types. An rb.load frame gives exactly what the ``DatasetFor*`` of
its records gives.
"""

from __future__ import annotations

import warnings

import datasets
import pandas as pd
import pytest
import spacy
from spacy.tokens import DocBin

import rubrix_widgets as rb
from rubrix_widgets.dataset_classes import Framework


def nlp():
    return spacy.blank("en")


def quietly(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


@pytest.fixture(scope="module")
def review_records(rotten_tomatoes):
    """900 real reviews, two thirds of them annotated, some with two inputs."""
    frame = rotten_tomatoes.dropna(subset=["text"]).head(900).reset_index(drop=True)
    return [
        rb.TextClassificationRecord(
            inputs={"review": row.text, "movie": row.movie_name} if i % 5 == 0 else None,
            text=None if i % 5 == 0 else row.text,
            id=i,
            annotation=row.category if i % 3 else None,
        )
        for i, row in frame.iterrows()
    ]


@pytest.fixture(scope="module")
def tweet_records(ner_sentences):
    """1,200 real NER tweets, annotated from their gold tags but every fifth."""
    records = []
    for i, sentence in enumerate(ner_sentences[:1200]):
        record = rb.TokenClassificationRecord(
            tokens=[t for t, _ in sentence], tags=[tag for _, tag in sentence], id=i
        )
        if i % 5 == 0:
            record.annotation = None
        records.append(record)
    return records


def comparable(result):
    """A training result as plain data: datasets rows and features, spaCy docs, frames."""
    if isinstance(result, tuple):
        return tuple(comparable(part) for part in result)
    if isinstance(result, datasets.DatasetDict):
        return {name: comparable(part) for name, part in result.items()}
    if isinstance(result, datasets.Dataset):
        return result.features, result.to_list()
    if isinstance(result, DocBin):
        return [
            (
                d.text,
                [t.text for t in d],
                [(e.label_, e.start_char, e.end_char) for e in d.ents],
                d.cats,
            )
            for d in result.get_docs(nlp().vocab)
        ]
    assert isinstance(result, pd.DataFrame)
    return result.to_dict("list")


@pytest.mark.parametrize("framework", ["transformers", "spacy", "spark-nlp"])
@pytest.mark.parametrize("split", [{}, {"train_size": 0.75, "seed": 3}])
@pytest.mark.parametrize("task", ["TextClassification", "TokenClassification"])
def test_a_loaded_frame_prepares_exactly_what_its_dataset_class_prepares(
    task, framework, split, review_records, tweet_records
):
    records = review_records if task == "TextClassification" else tweet_records
    cls = (
        rb.DatasetForTextClassification
        if task == "TextClassification"
        else rb.DatasetForTokenClassification
    )
    quietly(rb.log, records, "data")
    lang = nlp() if framework == "spacy" else None
    from_frame = rb.load("data").prepare_for_training(framework, lang, **split)
    from_records = cls(records).prepare_for_training(framework, lang, **split)
    assert comparable(from_frame) == comparable(from_records)
    annotated = sum(r.annotation is not None for r in records)
    parts = from_records if isinstance(from_records, tuple) else (from_records,)
    if isinstance(from_records, datasets.DatasetDict):
        parts = tuple(from_records.values())
    assert sum(len(part) for part in parts) == annotated


def test_text_classification_data_is_one_string_column_per_input_then_label():
    # Rubrix 0.18's docstring example
    ds = rb.DatasetForTextClassification(
        [
            rb.TextClassificationRecord(
                inputs={"header": "my header", "content": "my content"}, annotation="SPAM"
            )
        ]
    ).prepare_for_training()
    assert ds.features == datasets.Features(
        {
            "header": datasets.Value("string"),
            "content": datasets.Value("string"),
            "label": datasets.ClassLabel(names=["SPAM"]),
        }
    )
    assert ds.to_list() == [{"header": "my header", "content": "my content", "label": 0}]


def test_text_classification_input_columns_come_from_annotated_records_in_first_seen_order(
    review_records,
):
    ds = rb.DatasetForTextClassification(review_records[:10]).prepare_for_training()
    assert ds.column_names == ["text", "review", "movie", "label"]
    annotated = [r for r in review_records[:10] if r.annotation]
    assert ds["review"] == [r.inputs.get("review") for r in annotated]
    assert ds["text"] == [r.inputs.get("text") for r in annotated]


def test_token_classification_data_is_the_to_datasets_rows_of_annotated_records_plus_ner_tags(
    tweet_records,
):
    ds = rb.DatasetForTokenClassification(tweet_records[:50]).prepare_for_training()
    annotated = [r for r in tweet_records[:50] if r.annotation is not None]
    expected = rb.DatasetForTokenClassification(annotated).to_datasets()
    assert ds.column_names == [*expected.column_names, "ner_tags"]
    assert ds.select_columns(expected.column_names).to_list() == expected.to_list()
    tags = ds.features["ner_tags"].feature
    for row, record in zip(ds, annotated, strict=True):
        assert len(row["ner_tags"]) == len(record.tokens)
        starts = [tags.int2str(t).startswith("B-") for t in row["ner_tags"]].count(True)
        assert starts == len(record.annotation)


@pytest.mark.parametrize("task", ["TextClassification", "TokenClassification"])
def test_a_loaded_frame_with_no_annotation_gives_the_same_empty_results(
    task, review_records, tweet_records
):
    records = review_records[:30] if task == "TextClassification" else tweet_records[:30]
    records = [r.model_copy(update={"annotation": None}) for r in records]
    quietly(rb.log, records, "empty")
    cls = (
        rb.DatasetForTextClassification
        if task == "TextClassification"
        else rb.DatasetForTokenClassification
    )
    for framework, lang in (("transformers", None), ("spacy", nlp()), ("spark-nlp", None)):
        with pytest.warns(UserWarning, match="none of the 30 records has an annotation"):
            from_frame = rb.load("empty").prepare_for_training(framework, lang)
        with pytest.warns(UserWarning, match="none of the 30 records has an annotation"):
            from_records = cls(records).prepare_for_training(framework, lang)
        assert comparable(from_frame) == comparable(from_records)
        assert len(from_records) == 0


def test_token_classification_takes_framework_and_lang_positionally_or_as_the_enum(tweet_records):
    # Rubrix 0.18: prepare_for_training(framework="transformers", lang=None)
    ds = rb.DatasetForTokenClassification(tweet_records[:20])
    docs = ds.prepare_for_training("spacy", nlp())
    assert isinstance(docs, DocBin) and len(docs) == 16
    assert comparable(ds.prepare_for_training(Framework.SPACY, nlp())) == comparable(docs)
    with pytest.raises(ValueError, match="needs lang"):  # Rubrix: a ValueError too
        ds.prepare_for_training(framework="spacy")
    with pytest.raises(ValueError, match="'flair' is not supported"):
        ds.prepare_for_training("flair")
