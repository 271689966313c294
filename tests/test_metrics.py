"""rb.metrics: the numbers checked against scikit-learn, hand counts and rb.load, on real data."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections import Counter

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import rubrix_widgets as rb
from rubrix_widgets.errors import NotFoundError
from rubrix_widgets.metrics import (
    MetricSummary,
    commons,
    summary_numbers,
)
from rubrix_widgets.metrics import text_classification as tc
from rubrix_widgets.metrics import token_classification as tk
from rubrix_widgets.metrics._columns import STOPWORDS
from rubrix_widgets.record_query import matching_table

skm = pytest.importorskip("sklearn.metrics")


# -- real data with real model predictions -------------------------------------------------
def _fit(model, features, target):
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # BLAS threads fight over the 2 shared cores otherwise
        return model.fit(features, target)


@pytest.fixture(scope="session")
def review_records(rotten_tomatoes) -> pd.DataFrame:
    """3,000 held-out reviews with a TF-IDF + logistic regression model's predictions; gold
    labels as annotations, except every 10th record (unannotated, Default or Discarded)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    data = rotten_tomatoes.dropna(subset=["text"]).sample(frac=1.0, random_state=0)
    train, held_out = data.iloc[:7000], data.iloc[7000:10000]
    vectorizer = TfidfVectorizer(min_df=2, sublinear_tf=True)
    model = _fit(
        LogisticRegression(max_iter=300), vectorizer.fit_transform(train.text), train.category
    )
    scores = model.predict_proba(vectorizer.transform(held_out.text))
    n = len(held_out)
    annotated = np.arange(n) % 10 != 0
    status = np.where(annotated, "Validated", "Default")
    status[annotated & (np.arange(n) % 4 == 0)] = "Edited"
    status[~annotated & (np.arange(n) % 3 == 0)] = "Discarded"
    return pd.DataFrame(
        {
            "id": np.arange(n),
            "text": held_out.text.tolist(),
            "prediction": [list(zip(model.classes_, row)) for row in scores.tolist()],
            "annotation": [c if a else None for c, a in zip(held_out.category, annotated)],
            "status": status,
        }
    )


@pytest.fixture
def reviews(review_records) -> pd.DataFrame:
    rb.log(review_records, name="reviews", verbose=False)
    return review_records


def _top(prediction) -> str:
    return max(prediction, key=lambda pair: pair[1])[0]


def _sklearn_f1(y_true, y_pred, labels, names=None) -> dict:
    """Argilla's flat F1 dict, computed by scikit-learn (``names``: of binarized labels)."""
    out = {}
    for average in ("macro", "micro"):
        p, r, f, _ = skm.precision_recall_fscore_support(
            y_true, y_pred, labels=labels, average=average, zero_division=0
        )
        out |= {f"precision_{average}": p, f"recall_{average}": r, f"f1_{average}": f}
    p, r, f, s = skm.precision_recall_fscore_support(
        y_true, y_pred, labels=labels, average=None, zero_division=0
    )
    for i, label in enumerate(names or labels):
        name = label
        out |= {f"{name}_precision": p[i], f"{name}_recall": r[i], f"{name}_f1": f[i]}
        out[f"{name}_support"] = int(s[i])
    return out


def _assert_same_numbers(actual: dict, expected: dict) -> None:
    assert set(actual) == set(expected)
    for key, value in expected.items():
        assert actual[key] == pytest.approx(value, abs=1e-12), key


TOPICS = ("cancer", "ebola", "study", "obesity", "flu", "heart", "diet")


@pytest.fixture(scope="session")
def topic_records(health_tweets) -> pd.DataFrame:
    """2,000 real tweets, multi-label: news source plus the topics their text mentions;
    predictions from a one-vs-rest logistic regression trained on 4,000 others."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer

    data = health_tweets.dropna(subset=["text"]).sample(6000, random_state=3)
    gold = [
        sorted({label} | {t for t in TOPICS if re.search(rf"\b{t}", text.lower())})
        for label, text in zip(data.label, data.text)
    ]
    binarizer = MultiLabelBinarizer()
    targets = binarizer.fit_transform(gold)
    vectorizer = TfidfVectorizer(min_df=2, sublinear_tf=True)
    features = vectorizer.fit_transform(data.text)
    model = _fit(
        OneVsRestClassifier(LogisticRegression(C=10, max_iter=300)), features[:4000], targets[:4000]
    )
    scores = model.predict_proba(features[4000:])
    labels = binarizer.classes_.tolist()
    return pd.DataFrame(
        {
            "text": data.text.iloc[4000:].tolist(),
            "prediction": [list(zip(labels, row)) for row in scores.tolist()],
            "annotation": [g if i % 10 else None for i, g in enumerate(gold[4000:])],
            "multi_label": True,
        }
    )


def _bio_record(rows: list[tuple[str, str]]) -> tuple[str, list[str], list[tuple]]:
    """Text (tokens joined by spaces), tokens and (label, start, end) spans of BIO tags."""
    tokens = [token for token, _ in rows]
    starts = np.cumsum([0] + [len(t) + 1 for t in tokens[:-1]]).tolist()
    spans, current = [], None
    for i, (token, tag) in enumerate(rows):
        end = starts[i] + len(token)
        if tag.startswith("I-") and current is not None and current[0] == tag[2:]:
            current[2] = end
            continue
        if current is not None:
            spans.append(tuple(current))
            current = None
        if tag[:2] in ("B-", "I-"):
            current = [tag[2:], starts[i], end]
    if current is not None:
        spans.append(tuple(current))
    return " ".join(tokens), tokens, spans


@pytest.fixture(scope="session")
def ner_records(ner_sentences) -> pd.DataFrame:
    """The real WNUT tweets: gold entities as annotations (none for every 17th tweet), and a
    perturbed copy as predictions: every 5th entity missed, every 7th mislabelled, every
    11th one token too long, a spurious ``person`` on the first token of every 13th tweet."""
    parsed = [_bio_record(rows) for rows in ner_sentences]
    names = sorted({span[0] for _, _, spans in parsed for span in spans})
    texts, tokens, annotations, predictions = [], [], [], []
    k = 0
    for i, (text, words, gold) in enumerate(parsed):
        ends = np.cumsum([len(w) + 1 for w in words]) - 1
        predicted = []
        for label, start, end in gold:
            k += 1
            if k % 5 == 0:
                continue
            if k % 7 == 0:
                label = names[(names.index(label) + 1) % len(names)]
            elif k % 11 == 0 and end < ends[-1]:
                end = int(ends[np.searchsorted(ends, end) + 1])
            predicted.append((label, start, end, 0.9))
        if i % 13 == 0 and not any(start == 0 for _, start, _ in gold):
            predicted.append(("person", 0, len(words[0]), 0.6))
        texts.append(text)
        tokens.append(words)
        annotations.append(None if i % 17 == 0 else gold)
        predictions.append(predicted)
    return pd.DataFrame(
        {"text": texts, "tokens": tokens, "annotation": annotations, "prediction": predictions}
    )


# -- text classification ------------------------------------------------------------------
def test_f1_matches_sklearn_per_label_and_averaged_on_real_reviews(reviews):
    counted = reviews[reviews.annotation.notna()]
    y_true = counted.annotation.tolist()
    y_pred = [_top(p) for p in counted.prediction]

    summary = tc.f1(name="reviews")

    labels = sorted(set(y_true) | set(y_pred))
    _assert_same_numbers(summary.data, _sklearn_f1(y_true, y_pred, labels))
    assert summary.records == len(counted) == 2700  # the 300 unannotated records left out
    assert 0.6 < summary.data["f1_micro"] < 0.95  # a real model, neither broken nor perfect


def test_records_missing_an_annotation_or_a_prediction_do_not_count_toward_f1(reviews):
    before = tc.f1("reviews").data
    extra = reviews.head(200).copy()
    extra["id"] = np.arange(10_000, 10_200)
    annotated_only = extra.iloc[:100].assign(prediction=None, annotation="plot")
    predicted_only = extra.iloc[100:].assign(annotation=None, status="Default")
    rb.log(pd.concat([annotated_only, predicted_only]), name="reviews", verbose=False)

    after = tc.f1("reviews")

    assert after.data == before
    assert after.records == 2700


def test_query_narrows_f1_to_the_matching_records(reviews):
    for query, keep in [
        ("status:Edited", reviews.status == "Edited"),
        ("predicted_as:fresh", reviews.prediction.map(_top) == "fresh"),
    ]:
        counted = reviews[keep & reviews.annotation.notna()]
        y_true, y_pred = counted.annotation.tolist(), [_top(p) for p in counted.prediction]
        summary = tc.f1(name="reviews", query=query)
        labels = sorted(set(y_true) | set(y_pred))
        _assert_same_numbers(summary.data, _sklearn_f1(y_true, y_pred, labels))
        assert summary.records == len(counted)
    assert tc.f1("reviews", query="status:Edited").data != tc.f1("reviews").data


def test_confusion_matrix_matches_sklearn_on_real_reviews(reviews):
    counted = reviews[reviews.annotation.notna()]
    y_true, y_pred = counted.annotation.tolist(), [_top(p) for p in counted.prediction]

    data = tc.confusion_matrix("reviews").data

    assert data["labels"] == ["fresh", "plot", "rotten"]
    expected = skm.confusion_matrix(y_true, y_pred, labels=data["labels"])
    assert data["matrix"] == expected.tolist()


def test_f1_multilabel_matches_sklearn_with_a_binarizer_on_real_tweets(topic_records):
    from sklearn.preprocessing import MultiLabelBinarizer

    rb.log(topic_records, name="topics", verbose=False)
    counted = topic_records[topic_records.annotation.notna()]
    y_true = counted.annotation.tolist()
    y_pred = [[label for label, score in p if score > 0.5] for p in counted.prediction]
    labels = sorted({label for row in y_true + y_pred for label in row})
    binarizer = MultiLabelBinarizer(classes=labels)

    summary = tc.f1_multilabel("topics")

    expected = _sklearn_f1(
        binarizer.fit_transform(y_true),
        binarizer.transform(y_pred),
        list(range(len(labels))),
        names=labels,
    )
    _assert_same_numbers(summary.data, expected)
    assert summary.records == len(counted) == 1800
    assert {"ebola", "cancer"} <= set(labels)


def test_single_label_metrics_refuse_a_multi_label_dataset(topic_records):
    rb.log(topic_records.head(50), name="topics", verbose=False)
    with pytest.raises(ValueError, match="'topics' holds multi-label records; use .*f1_multilabel"):
        tc.f1("topics")
    with pytest.raises(ValueError, match="confusion matrix needs one label per record"):
        tc.confusion_matrix("topics")


def test_label_distribution_counts_predicted_and_annotated_labels_like_rb_load(reviews):
    frame = rb.load("reviews", query="status:(Validated OR Default)")
    query = "status:(Validated OR Default)"

    predicted = tc.label_distribution("reviews", query=query).data
    annotated = tc.label_distribution("reviews", query=query, compute_for=tc.Annotations).data

    assert predicted == dict(Counter(frame.prediction.map(_top)).most_common())
    assert annotated == dict(Counter(frame.annotation.dropna()).most_common())
    assert tc.label_distribution("reviews", compute_for="ANNOTATIONS").data == dict(
        Counter(reviews.annotation.dropna()).most_common()
    )


# -- commons ------------------------------------------------------------------------------
def test_records_status_matches_load_value_counts_with_and_without_query(reviews):
    for query in (None, "annotated_as:rotten", "predicted_as:plot OR status:Discarded"):
        expected = rb.load("reviews", query=query).status.value_counts().to_dict()
        assert commons.records_status("reviews", query=query).data == expected
    assert set(commons.records_status("reviews").data) == {
        "Validated",
        "Edited",
        "Default",
        "Discarded",
    }


def _filled_histogram(counts: Counter) -> dict[str, int]:
    """Rubrix's histogram of integer values with interval 1, built by hand: a string key per
    value from the smallest to the largest, 0 for the values nobody has."""
    return {f"{float(n)}": counts.get(n, 0) for n in range(min(counts), max(counts) + 1)}


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_text_length_counts_characters_of_every_text_including_several_inputs(reviews):
    expected = Counter(_utf16_length(text) for text in reviews.text)

    data = commons.text_length("reviews").data

    assert data == _filled_histogram(expected)
    assert 0 in data.values()  # real lengths leave gaps, filled as Rubrix filled them
    rb.log(
        rb.TextClassificationRecord(inputs={"title": "Alien", "body": ["In space", "no one"]}),
        name="inputs",
    )
    assert commons.text_length("inputs").data == {f"{len('Alien In space no one')}.0": 1}


def test_keywords_are_the_most_frequent_words_without_stopwords_or_numbers(reviews):
    words = Counter(
        w
        for text in reviews.text
        for w in re.findall(r"[^\W_]+", text.lower())
        if len(w) > 2 and len(w.encode()) < 40 and not w.isdigit() and w not in STOPWORDS
    )
    expected = dict(sorted(words.items(), key=lambda item: (-item[1], item[0]))[:15])

    assert commons.keywords("reviews", size=15).data == expected
    assert "film" in expected and "the" not in expected
    narrowed = commons.keywords("reviews", query="annotated_as:plot", size=5).data
    assert narrowed != dict(list(expected.items())[:5])


def test_commons_metrics_work_on_text2text_datasets(chatterbot_pairs):
    pairs = chatterbot_pairs[:400]
    frame = pd.DataFrame(
        {
            "text": [p for p, _ in pairs],
            "annotation": [r if i % 2 else None for i, (_, r) in enumerate(pairs)],
        }
    )
    rb.log(frame, name="dialogue", task="Text2Text", verbose=False)

    assert commons.records_status("dialogue").data == {"Validated": 200, "Default": 200}
    assert commons.text_length("dialogue").data == _filled_histogram(
        Counter(_utf16_length(t) for t in frame.text)
    )
    assert sum(commons.keywords("dialogue", size=5).data.values()) > 0
    numbers = summary_numbers(*matching_table("dialogue"))
    assert numbers["labels"] is None and numbers["f1"] is None
    assert numbers["status"] == {"Default": 200, "Edited": 0, "Discarded": 0, "Validated": 200}
    assert numbers["text_length"]["max"] == max(len(t) for t in frame.text)


# -- token classification -----------------------------------------------------------------
def _log_example_ner(name: str = "ner") -> None:
    text = "test the f1 metric of the token classification task"
    rb.log(
        [
            rb.TokenClassificationRecord(
                id=1,
                text=text,
                tokens=text.split(),
                prediction=[("a", 0, 4), ("b", 5, 8), ("b", 9, 11)],
                annotation=[("a", 0, 4), ("b", 5, 8), ("a", 9, 11)],
            ),
            # an annotation with no entities counts: the predicted "b" is a false positive
            rb.TokenClassificationRecord(
                id=2, text=text, tokens=text.split(), prediction=[("b", 0, 4)], annotation=[]
            ),
            # not annotated: its (wrong) prediction does not count
            rb.TokenClassificationRecord(
                id=3, text=text, tokens=text.split(), prediction=[("a", 5, 8)]
            ),
        ],
        name=name,
    )


def test_ner_f1_on_a_hand_computed_case():
    _log_example_ner()

    summary = tk.f1("ner")

    # Every record counts, spans are (record, start, end) per annotated label:
    # a: annotated {1:(0,4), 1:(9,11)}, predicted {1:(0,4), 3:(5,8)}, 1 right
    # b: annotated {1:(5,8)}, predicted {1:(5,8), 1:(9,11), 2:(0,4)}, 1 right
    a_p, a_r, b_p, b_r = 1 / 2, 1 / 2, 1 / 3, 1 / 1
    p_macro, r_macro = a_p / 2 + b_p / 2, a_r / 2 + b_r / 2
    p_micro, r_micro = 2 / 5, 2 / 3
    expected = {
        "precision_macro": p_macro,
        "recall_macro": r_macro,
        "f1_macro": 2 * p_macro * r_macro / (p_macro + r_macro),
        "precision_micro": p_micro,
        "recall_micro": r_micro,
        "f1_micro": 2 * p_micro * r_micro / (p_micro + r_micro),
        "a_precision": a_p,
        "a_recall": a_r,
        "a_f1": 2 * a_p * a_r / (a_p + a_r),
        "b_precision": b_p,
        "b_recall": b_r,
        "b_f1": 2 * b_p * b_r / (b_p + b_r),
    }
    _assert_same_numbers(summary.data, expected)
    assert list(summary.data) == list(expected)  # Rubrix's key order
    assert summary.records == 3


def _rubrix_entity_f1(frame: pd.DataFrame) -> dict:
    """Rubrix's entity F1, counted by hand: sets of (record, start, end) per label over all
    records, scored for the annotated labels only; macro F1 = harmonic mean of macro P, R."""
    gold: dict[str, set] = {}
    guess: dict[str, set] = {}
    for i, (annotation, prediction) in enumerate(zip(frame.annotation, frame.prediction)):
        for label, start, end in annotation if isinstance(annotation, list) else []:
            gold.setdefault(label, set()).add((i, start, end))
        for label, start, end, *_ in prediction if isinstance(prediction, list) else []:
            guess.setdefault(label, set()).add((i, start, end))
    out, right, predicted, annotated = {}, 0, 0, 0
    for label, spans in gold.items():  # labels in order of first appearance
        hits = len(spans & guess.get(label, set()))
        p = hits / len(guess[label]) if guess.get(label) else 0
        r = hits / len(spans)
        out |= {f"{label}_precision": p, f"{label}_recall": r}
        out[f"{label}_f1"] = 2 * p * r / (p + r) if p + r else 0
        right, predicted, annotated = (
            right + hits,
            predicted + len(guess.get(label, ())),
            (annotated + len(spans)),
        )
    p_macro = float(np.mean([out[f"{x}_precision"] for x in gold]))
    r_macro = float(np.mean([out[f"{x}_recall"] for x in gold]))
    p_micro, r_micro = right / predicted, right / annotated
    return {
        "precision_macro": p_macro,
        "recall_macro": r_macro,
        "f1_macro": 2 * p_macro * r_macro / (p_macro + r_macro),
        "precision_micro": p_micro,
        "recall_micro": r_micro,
        "f1_micro": 2 * p_micro * r_micro / (p_micro + r_micro),
        **out,
    }


def test_ner_f1_matches_rubrix_counted_by_hand_on_real_tweets(ner_records):
    rb.log(ner_records.assign(id=range(len(ner_records))), name="wnut", verbose=False)
    expected = _rubrix_entity_f1(ner_records)

    data = tk.f1("wnut").data

    _assert_same_numbers(data, expected)
    assert list(data) == list(expected)
    assert 0.5 < data["f1_micro"] < 0.8  # the perturbation leaves most entities right
    narrowed = ner_records.iloc[:500]
    query_data = tk.f1("wnut", query=f"id:[0 TO {len(narrowed) - 1}]").data
    _assert_same_numbers(query_data, _rubrix_entity_f1(narrowed))


def test_sidebar_ner_f1_counts_records_with_both_and_every_label(ner_records):
    rb.log(ner_records, name="wnut", verbose=False)
    right, predicted, annotated = Counter(), Counter(), Counter()
    for gold, guess in zip(ner_records.annotation, ner_records.prediction):
        if gold is None:
            continue
        gold, guess = set(gold), {span[:3] for span in guess}
        annotated.update(label for label, _, _ in gold)
        predicted.update(label for label, _, _ in guess)
        right.update(label for label, _, _ in gold & guess)
    labels = sorted(annotated | predicted)

    table = summary_numbers(*matching_table("wnut"))["f1"]

    for label in labels:
        p = right[label] / predicted[label] if predicted[label] else 0.0
        r = right[label] / annotated[label] if annotated[label] else 0.0
        row = table["per_label"][label]
        assert row["precision"] == pytest.approx(p)
        assert row["recall"] == pytest.approx(r)
        assert row["f1"] == pytest.approx(2 * p * r / (p + r) if p + r else 0.0)
        assert row["support"] == annotated[label]
    tp, pred, gold = sum(right.values()), sum(predicted.values()), sum(annotated.values())
    assert table["micro"]["precision"] == pytest.approx(tp / pred)
    assert table["micro"]["recall"] == pytest.approx(tp / gold)
    assert table["macro"]["f1"] == pytest.approx(
        np.mean([table["per_label"][x]["f1"] for x in labels])
    )
    assert len(labels) == 10


def _mentions_by_hand(frame: pd.DataFrame, column: str) -> list[tuple[str, str]]:
    """(mention text, label) of every record's entities, one per distinct text per record
    (the last entity over a text wins), as Rubrix's server indexed them."""
    found = []
    for text, spans in zip(frame.text, frame[column]):
        by_text = {text[s:e]: label for label, s, e, *_ in spans or []}
        found += [(mention, label) for mention, label in by_text.items()]
    return found


def test_entity_labels_count_mentions_once_per_text_in_a_record(ner_records):
    rb.log(ner_records, name="wnut", verbose=False)
    gold = Counter(label for _, label in _mentions_by_hand(ner_records, "annotation"))
    guess = Counter(label for _, label in _mentions_by_hand(ner_records, "prediction"))
    every_span = Counter(span[0] for spans in ner_records.prediction for span in spans)
    assert guess != every_span  # real tweets repeat a mention: the rule matters here

    assert tk.entity_labels("wnut", compute_for=tk.Annotations).data == dict(gold.most_common())
    assert tk.entity_labels("wnut").data == dict(
        sorted(guess.items(), key=lambda item: (-item[1], item[0]))
    )
    assert tk.entity_labels("wnut", labels=3).data == dict(
        sorted(guess.items(), key=lambda item: (-item[1], item[0]))[:3]
    )
    lengths = Counter(len(m) for m, _ in _mentions_by_hand(ner_records, "prediction"))
    assert tk.mention_length("wnut", level="char").data == _filled_histogram(lengths)


def test_mention_length_and_entity_density_count_tokens_even_with_extra_spaces():
    rb.log(
        rb.TokenClassificationRecord(
            text="New  York is big",
            tokens=["New", "York", "is", "big"],
            annotation=[("LOC", 0, 9)],
            prediction=[("LOC", 0, 3), ("MISC", 13, 16)],
        ),
        name="spaces",
    )
    rb.log(
        rb.TokenClassificationRecord(
            text="Paris", tokens=["Paris"], annotation=[("LOC", 0, 5)], prediction=[]
        ),
        name="spaces",
    )

    assert tk.mention_length("spaces", compute_for="annotations").data == {"1.0": 1, "2.0": 1}
    assert tk.mention_length("spaces", level="char", compute_for=tk.Annotations).data == {
        "5.0": 1,
        "6.0": 0,
        "7.0": 0,
        "8.0": 0,
        "9.0": 1,
    }
    assert tk.mention_length("spaces").data == {"1.0": 2}
    # "New  York": 2 of 4 tokens; "Paris": 1 of 1
    assert tk.entity_density("spaces", compute_for=tk.Annotations, interval=0.25).data == {
        "0.5": 1,
        "0.75": 0,
        "1.0": 1,
    }
    assert tk.entity_density("spaces").data == {"0.25": 2}


def test_token_metrics_on_argillas_example():
    text = "My first great example \n"
    for i, label in enumerate(["CARDINAL", "CARDINAL", "NUMBER", "PERSON"]):
        rb.log(
            rb.TokenClassificationRecord(
                id=i,
                text=text,
                tokens=text.split(" "),
                prediction=[(label, 3, 8)],
                annotation=[(label, 3, 8)],
            ),
            name="argilla",
        )

    assert tk.token_frequency("argilla").data == {
        "\n": 4,
        "My": 4,
        "example": 4,
        "first": 4,
        "great": 4,
    }
    assert tk.token_frequency("argilla", tokens=1).data == {"\n": 4}
    assert tk.token_capitalness("argilla").data == {"LOWER": 12, "FIRST": 4}
    assert tk.entity_capitalness("argilla", compute_for=tk.Annotations).data == {"LOWER": 4}
    assert tk.tokens_length("argilla").data == {"5.0": 4}
    assert tk.token_length("argilla").data == _filled_histogram(Counter({1: 4, 2: 4, 5: 8, 7: 4}))
    assert tk.entity_labels("argilla").data == {"CARDINAL": 2, "NUMBER": 1, "PERSON": 1}


def test_capitalness_tells_upper_lower_first_and_middle_apart():
    text = "NASA and Apple and iPhone and 2024 and É"
    rb.log(rb.TokenClassificationRecord(text=text, tokens=text.split()), name="caps")
    assert tk.token_capitalness("caps").data == {
        "LOWER": 4,
        "UPPER": 2,
        "FIRST": 1,
        "MIDDLE": 1,
    }


def test_top_k_mentions_lists_mentions_with_several_labels_and_filters_labels():
    text = "My first great example \n"
    for i, label in enumerate(["CARDINAL", "CARDINAL", "NUMBER", "PERSON"]):
        rb.log(
            rb.TokenClassificationRecord(
                id=i, text=text, tokens=text.split(" "), prediction=[(label, 3, 8), ("X", 0, 2)]
            ),
            name="mentions",
        )
    first = {
        "mention": "first",
        "entities": [
            {"label": "CARDINAL", "count": 2},
            {"label": "NUMBER", "count": 1},
            {"label": "PERSON", "count": 1},
        ],
    }

    assert tk.top_k_mentions("mentions").data == {"mentions": [first]}
    assert tk.top_k_mentions("mentions", threshold=1).data == {
        "mentions": [first, {"mention": "My", "entities": [{"label": "X", "count": 4}]}]
    }
    assert tk.top_k_mentions("mentions", post_label_filter={"NUMBER"}).data == {
        "mentions": [{"mention": "first", "entities": [{"label": "NUMBER", "count": 1}]}]
    }
    assert tk.top_k_mentions("mentions", compute_for=tk.Annotations).data == {"mentions": []}


# -- summary_numbers ----------------------------------------------------------------------
def test_summary_numbers_match_the_name_based_metrics(reviews, ner_records):
    rb.log(ner_records, name="wnut", verbose=False)
    for name, query, f1 in [
        ("reviews", None, tc.f1),
        ("reviews", "status:Edited", tc.f1),
    ]:
        task, table = matching_table(name, query=query)
        numbers = summary_numbers(task, table)
        assert json.loads(json.dumps(numbers, allow_nan=False)) == numbers  # JSON-safe

        status = {k: v for k, v in numbers["status"].items() if v}
        assert status == commons.records_status(name, query=query).data
        assert numbers["records"] == len(table)
        flat = {
            f"{k}_{avg}": v for avg in ("macro", "micro") for k, v in numbers["f1"][avg].items()
        }
        for label, values in numbers["f1"]["per_label"].items():
            flat |= {f"{label}_{k}": v for k, v in values.items()}
        assert flat == f1(name, query=query).data
        assert numbers["f1"]["records"] == f1(name, query=query).records

    lengths = np.array([len(t) for t in reviews.text])
    numbers = summary_numbers(*matching_table("reviews"))
    assert numbers["text_length"] == {
        "mean": pytest.approx(lengths.mean()),
        "p50": np.median(lengths),
        "max": lengths.max(),
    }
    assert numbers["multi_label"] is False
    assert numbers["labels"]["predicted"] == tc.label_distribution("reviews").data
    assert (
        numbers["labels"]["annotated"] == tc.label_distribution("reviews", None, "annotations").data
    )
    ner = summary_numbers(*matching_table("wnut"))
    entities = Counter(span[0] for spans in ner_records.annotation.dropna() for span in spans)
    assert ner["labels"]["annotated"] == dict(
        sorted(entities.items(), key=lambda item: (-item[1], item[0]))
    )


def test_summary_numbers_use_multi_label_f1_for_multi_label_rows(topic_records):
    rb.log(topic_records, name="topics", verbose=False)
    numbers = summary_numbers(*matching_table("topics"))
    assert numbers["multi_label"] is True
    assert numbers["f1"]["micro"]["f1"] == tc.f1_multilabel("topics").data["f1_micro"]


def test_summary_numbers_of_no_rows_are_zeros_and_nones(reviews):
    task, table = matching_table("reviews", query="id:[100000 TO *]")
    numbers = summary_numbers(task, table)
    assert numbers == {
        "records": 0,
        "status": {"Default": 0, "Edited": 0, "Discarded": 0, "Validated": 0},
        "text_length": {"mean": None, "p50": None, "max": None},
        "multi_label": False,
        "labels": {"predicted": {}, "annotated": {}},
        "f1": None,
    }
    assert tc.f1("reviews", query="id:[100000 TO *]").data == {}
    assert tc.confusion_matrix("reviews", query="id:[100000 TO *]").data == {
        "labels": [],
        "matrix": [],
    }


@pytest.mark.slow
def test_summary_numbers_on_100k_real_rows_take_well_under_a_second(health_tweets):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    train = health_tweets.dropna(subset=["text"]).sample(6000, random_state=1)
    rows = health_tweets.dropna(subset=["text"]).sample(100_000, replace=True, random_state=2)
    vectorizer = TfidfVectorizer(min_df=2, sublinear_tf=True)
    model = _fit(
        LogisticRegression(max_iter=200), vectorizer.fit_transform(train.text), train.label
    )
    scores = model.predict_proba(vectorizer.transform(rows.text))
    frame = pd.DataFrame(
        {
            "text": rows.text.tolist(),
            "prediction": [list(zip(model.classes_, s)) for s in scores.tolist()],
            "annotation": [x if i % 3 else None for i, x in enumerate(rows.label)],
        }
    )
    rb.log(frame, name="tweets", verbose=False)
    task, table = matching_table("tweets")

    timings = []
    for _ in range(3):
        start = time.perf_counter()
        numbers = summary_numbers(task, table)
        timings.append(time.perf_counter() - start)

    assert numbers["records"] == 100_000
    assert numbers["f1"]["records"] == 66_666
    assert min(timings) < 0.5, timings


# -- MetricSummary, visualize, errors ------------------------------------------------------
def test_visualize_returns_a_matplotlib_figure_for_every_metric(reviews):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    _log_example_ner()
    rb.log(
        rb.TextClassificationRecord(
            text="x", prediction=[("a", 0.7)], annotation=["a"], multi_label=True
        ),
        name="multi",
    )
    summaries = [
        commons.text_length("reviews"),
        commons.records_status("reviews"),
        commons.keywords("reviews"),
        tc.f1("reviews"),
        tc.f1_multilabel("multi"),
        tc.confusion_matrix("reviews"),
        tc.label_distribution("reviews"),
        tc.f1("reviews", query="id:[100000 TO *]"),  # no data: an empty chart, not an error
        tk.f1("ner"),
        tk.entity_labels("ner"),
        tk.entity_density("ner"),
        tk.entity_capitalness("ner"),
        tk.mention_length("ner"),
        tk.tokens_length("ner"),
        tk.token_length("ner"),
        tk.token_frequency("ner"),
        tk.token_capitalness("ner"),
        tk.top_k_mentions("ner", threshold=1),
        tk.entity_consistency("ner"),
    ]
    for summary in summaries:
        figure = summary.visualize()
        assert isinstance(figure, Figure), summary
        assert figure.axes
        assert summary.dataset in figure.get_suptitle()


def test_confusion_matrix_visualizes_as_a_heatmap_of_the_counts(reviews):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")

    summary = tc.confusion_matrix("reviews")
    axes = summary.visualize().axes[0]

    shown = axes.images[0].get_array()
    assert shown.tolist() == summary.data["matrix"]
    assert [t.get_text() for t in axes.get_yticklabels()] == summary.data["labels"]


def test_visualize_without_matplotlib_warns_what_to_install_and_gives_none(reviews, monkeypatch):
    summary = commons.records_status("reviews")
    for module in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, module, None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)

    with pytest.warns(UserWarning, match=r"pip install 'rubrix_widgets\[plot\]'.*matplotlib"):
        assert summary.visualize() is None


def test_importing_metrics_does_not_import_matplotlib():
    code = "import sys, rubrix_widgets.metrics; print('matplotlib' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_metrics_are_reachable_as_rb_metrics_submodules(reviews):
    assert rb.metrics.text_classification.f1("reviews").data == tc.f1("reviews").data
    assert rb.metrics.MetricSummary is MetricSummary


def test_metric_summary_repr_is_short_and_readable(reviews):
    text = repr(tc.f1("reviews", query="status:Edited"))
    assert text.startswith("MetricSummary(metric='F1 (single-label)', dataset='reviews', ")
    assert "query='status:Edited'" in text and "... +" in text
    assert len(text) < 400
    assert re.search(r"'precision_macro': 0\.\d{1,4}[,)]", text)
    legacy = MetricSummary.new_summary({"a": 1}, visualization=lambda: "chart")
    assert legacy.data == {"a": 1}


def test_task_specific_metric_on_the_wrong_task_names_the_task_and_what_applies(
    chatterbot_pairs,
):
    rb.log(rb.Text2TextRecord(text=chatterbot_pairs[0][0]), name="dialogue")
    _log_example_ner()
    with pytest.raises(ValueError, match="dataset 'dialogue' is a Text2Text dataset") as error:
        tc.f1("dialogue")
    assert "commons.text_length" in str(error.value)
    assert "token_classification" not in str(error.value)
    with pytest.raises(ValueError, match="needs a TokenClassification dataset"):
        tk.entity_labels("dialogue")
    with pytest.raises(ValueError, match="'ner' is a TokenClassification.*token_classification.f1"):
        tc.confusion_matrix("ner")


def test_unknown_dataset_raises_not_found():
    with pytest.raises(NotFoundError, match="dataset 'nothing-here' does not exist"):
        commons.records_status("nothing-here")
    with pytest.raises(NotFoundError):
        tk.f1("nothing-here")


def test_bad_arguments_raise_clear_errors_and_change_nothing(reviews):
    before = rb.load("reviews")
    cases = [
        (lambda: commons.keywords("reviews", size=0), "size must be a positive int, not 0"),
        (
            lambda: tc.label_distribution("reviews", compute_for="gold"),
            "compute_for 'gold' is not one of",
        ),
        (lambda: tc.f1("reviews", query="status:("), "status:\\("),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=message):
            call()
    with pytest.raises(TypeError, match="query must be a str"):
        commons.text_length("reviews", query=5)
    _log_example_ner()
    with pytest.raises(ValueError, match="level 'word' is not one of 'token', 'char'"):
        tk.mention_length("ner", level="word")
    with pytest.raises(ValueError, match="interval must be a positive number"):
        tk.entity_density("ner", interval=0)
    with pytest.raises(ValueError, match="k must be a positive int"):
        tk.top_k_mentions("ner", k=-1)
    with pytest.raises(ValueError, match="post_label_filter must be a set of labels"):
        tk.top_k_mentions("ner", post_label_filter="PER")
    with pytest.raises(ValueError, match="task 'Sentiment' is not one of TextClassification"):
        summary_numbers("Sentiment", pa.table({"text": ["x"]}))
    with pytest.raises(TypeError, match="pyarrow.Table"):
        summary_numbers("TextClassification", before)
    with pytest.raises(ValueError, match="lacks the column\\(s\\) status, prediction"):
        summary_numbers("TextClassification", pa.table({"text": ["x"]}))
    pd.testing.assert_frame_equal(rb.load("reviews").to_pandas(), before.to_pandas())
