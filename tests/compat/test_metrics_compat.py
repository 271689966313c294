"""rb.metrics behaves as Rubrix 0.18's: names, arguments, module paths and ``.data`` shapes.

The specification is Rubrix 0.18's ``metrics/**`` (client) and what its server computed
for each metric id (``server/services/tasks/*/metrics.py``, ``server/daos/backend/metrics``:
Elasticsearch aggregations, whose results reached the client as JSON). Each test names the
promise it checks; expected numbers are counted by hand or with plain Python.
"""

from __future__ import annotations

import importlib
import inspect
import json
import math
import re
from collections import Counter

import numpy as np
import pandas as pd
import pytest

import rubrix_widgets as rb
from rubrix_widgets.metrics import MetricSummary, by_id, metric_ids
from rubrix_widgets.metrics import commons as cm
from rubrix_widgets.metrics import text_classification as tc
from rubrix_widgets.metrics import token_classification as tk

TEXT = "Ada met Bob in Rome"
TOKENS = TEXT.split()


def _tokens(name: str, rows: list[dict]) -> None:
    rb.log(
        [
            rb.TokenClassificationRecord(
                text=r.get("text", TEXT),
                tokens=r.get("text", TEXT).split(),
                **{k: v for k, v in r.items() if k != "text"},
            )
            for r in rows
        ],
        name=name,
    )


def _bio_spans(rows: list[tuple[str, str]]) -> tuple[str, list[str], list[tuple]]:
    """Text (tokens joined by spaces), tokens and (label, start, end) of BIO-tagged tokens."""
    tokens = [token for token, _ in rows]
    spans, start, current = [], 0, None
    for token, tag in rows:
        end = start + len(token)
        if tag.startswith("I-") and current and current[0] == tag[2:]:
            current[2] = end
        else:
            if current:
                spans.append(tuple(current))
            current = [tag[2:], start, end] if tag[:2] in ("B-", "I-") else None
        start = end + 1
    if current:
        spans.append(tuple(current))
    return " ".join(tokens), tokens, spans


@pytest.fixture
def wnut(ner_sentences) -> pd.DataFrame:
    """600 real tweets: gold entities as annotations; as predictions, the gold entities of
    every other tweet with every third entity relabelled ``person``; ids 0..599."""
    texts, tokens, gold, guess = [], [], [], []
    for i, rows in enumerate(ner_sentences[:600]):
        text, words, spans = _bio_spans(rows)
        texts.append(text)
        tokens.append(words)
        gold.append(spans if i % 5 else None)
        guess.append(
            [("person" if k % 3 == 0 else lb, s, e, 0.8) for k, (lb, s, e) in enumerate(spans)]
            if i % 2
            else None
        )
    frame = pd.DataFrame(
        {"id": range(600), "text": texts, "tokens": tokens, "annotation": gold, "prediction": guess}
    )
    rb.log(frame, name="wnut", verbose=False)
    return frame


@pytest.fixture
def reviews(rotten_tomatoes) -> pd.DataFrame:
    """1,500 real reviews, annotated with their gold label (but every 4th), predicted by a
    keyword rule with scores; metadata from the data."""
    data = rotten_tomatoes.dropna(subset=["text"]).iloc[:1500].reset_index(drop=True)
    positive = data.text.str.contains(r"\b(?:good|great|best|fun)\b", case=False)
    prediction = [
        [("fresh", 0.7), ("rotten", 0.2), ("plot", 0.1)]
        if p
        else [("rotten", 0.5), ("fresh", 0.3), ("plot", 0.2)]
        for p in positive
    ]
    frame = pd.DataFrame(
        {
            "id": range(len(data)),
            "text": data.text,
            "prediction": prediction,
            "annotation": [c if i % 4 else None for i, c in enumerate(data.category)],
            "metadata": [
                {"movie": m, "length": len(t)} for m, t in zip(data.movie_name, data.text)
            ],
        }
    )
    rb.log(frame, name="reviews", verbose=False)
    return frame


# -- module paths, names, signatures ------------------------------------------------------
def test_rubrix_module_paths_import_and_give_the_same_functions():
    aliases = {
        "rubrix_widgets.metrics.token_classification.metrics": tk,
        "rubrix_widgets.metrics.text_classification.metrics": tc,
    }
    for path, package in aliases.items():
        module = importlib.import_module(path)
        for name in package.__all__:
            assert getattr(module, name) is getattr(package, name), (path, name)
    from rubrix_widgets.metrics.commons import records_status, text_length  # noqa: F401
    from rubrix_widgets.metrics.models import MetricSummary as FromModels
    from rubrix_widgets.metrics.token_classification import entity_consistency
    from rubrix_widgets.metrics.token_classification.metrics import (
        entity_consistency as from_metrics,
    )

    assert entity_consistency is from_metrics
    assert FromModels is MetricSummary
    assert rb.metrics.token_classification.metrics.Annotations is tk.Annotations


def test_rb_metrics_has_rubrix_top_level_names():
    expected = {
        "text_length": cm.text_length,
        "records_status": cm.records_status,
        "f1": tc.f1,
        "f1_multilabel": tc.f1_multilabel,
        "ner_f1": tk.f1,
        "entity_capitalness": tk.entity_capitalness,
        "entity_consistency": tk.entity_consistency,
        "entity_density": tk.entity_density,
        "entity_labels": tk.entity_labels,
        "mention_length": tk.mention_length,
        "token_capitalness": tk.token_capitalness,
        "token_frequency": tk.token_frequency,
        "token_length": tk.token_length,
        "tokens_length": tk.tokens_length,
    }
    for name, function in expected.items():
        assert getattr(rb.metrics, name) is function, name


# Rubrix 0.18's parameters, in order, with their defaults (None: no default).
SIGNATURES = {
    cm.text_length: [("name", None), ("query", "None")],
    cm.records_status: [("name", None), ("query", "None")],
    tc.f1: [("name", None), ("query", "None")],
    tc.f1_multilabel: [("name", None), ("query", "None")],
    tk.f1: [("name", None), ("query", "None")],
    tk.tokens_length: [("name", None), ("query", "None"), ("interval", "1")],
    tk.token_frequency: [("name", None), ("query", "None"), ("tokens", "1000")],
    tk.token_length: [("name", None), ("query", "None")],
    tk.token_capitalness: [("name", None), ("query", "None")],
    tk.mention_length: [
        ("name", None),
        ("query", "None"),
        ("level", "'token'"),
        ("compute_for", "Predictions"),
        ("interval", "1"),
    ],
    tk.entity_labels: [
        ("name", None),
        ("query", "None"),
        ("compute_for", "Predictions"),
        ("labels", "50"),
    ],
    tk.entity_density: [
        ("name", None),
        ("query", "None"),
        ("compute_for", "Predictions"),
        ("interval", "0.005"),
    ],
    tk.entity_capitalness: [("name", None), ("query", "None"), ("compute_for", "Predictions")],
    tk.entity_consistency: [
        ("name", None),
        ("query", "None"),
        ("compute_for", "Predictions"),
        ("mentions", "100"),
        ("threshold", "2"),
    ],
}


def test_metric_functions_take_rubrix_arguments_in_rubrix_order_with_its_defaults():
    for function, expected in SIGNATURES.items():
        found = []
        for parameter in inspect.signature(function).parameters.values():
            default = parameter.default
            if default is inspect.Parameter.empty:
                shown = None
            elif default is tk.Predictions:
                shown = "Predictions"
            else:
                shown = repr(default)
            found.append((parameter.name, shown))
        assert found == expected, function.__qualname__


def test_compute_for_takes_the_enum_or_its_name_in_any_case_and_empty_means_predictions():
    _tokens(
        "ner", [{"prediction": [("PER", 0, 3)], "annotation": [("PER", 0, 3), ("LOC", 15, 19)]}]
    )
    predicted, annotated = {"PER": 1}, {"LOC": 1, "PER": 1}
    assert tk.ComputeFor("annotations") is tk.Annotations
    assert [m.value for m in tk.ComputeFor] == ["annotations", "predictions"]
    for value, expected in [
        (tk.Annotations, annotated),
        (" Annotations ", annotated),
        ("PREDICTIONS", predicted),
        (None, predicted),
        ("", predicted),
    ]:
        assert tk.entity_labels("ner", compute_for=value).data == expected, value
    with pytest.raises(ValueError, match="compute_for 'gold' is not one of 'annotations', "):
        tk.entity_labels("ner", compute_for="gold")


# -- histograms ---------------------------------------------------------------------------
def test_text_length_is_a_histogram_with_string_keys_and_empty_buckets_filled():
    rb.log(
        [
            rb.TextClassificationRecord(text="a short one"),  # 11
            rb.TextClassificationRecord(text="somewhat longer text"),  # 20
            rb.TextClassificationRecord(inputs={"a": "twelve chars", "b": "x"}),  # 12 + 1 + 1
        ],
        name="lengths",
    )
    expected = {f"{n}.0": 0 for n in range(11, 21)}
    expected |= {"11.0": 1, "14.0": 1, "20.0": 1}

    assert cm.text_length("lengths").data == expected
    assert list(cm.text_length("lengths").data) == list(expected)  # increasing lengths


def test_text_length_counts_utf16_code_units_as_rubrix_server_did():
    rb.log(rb.TextClassificationRecord(text="ok 👍 café"), name="emoji")
    # "ok 👍 café": 9 characters, the emoji is 2 UTF-16 units (Java's String.length())
    assert cm.text_length("emoji").data == {"10.0": 1}


def test_histogram_intervals_follow_rubrix_defaults_and_the_interval_argument():
    texts = ["a b", "a b c d", "a b c d e f g"]  # 2, 4 and 7 tokens
    rb.log([rb.TokenClassificationRecord(text=t, tokens=t.split()) for t in texts], name="len")

    assert tk.tokens_length("len").data == {
        "2.0": 1,
        "3.0": 0,
        "4.0": 1,
        "5.0": 0,
        "6.0": 0,
        "7.0": 1,
    }
    assert tk.tokens_length("len", interval=3).data == {"0.0": 1, "3.0": 1, "6.0": 1}
    # interval=None is sent as no interval: Rubrix's server then used buckets of 0.1
    fine = tk.tokens_length("len", interval=None).data
    assert len(fine) == 51 and fine["2.0"] == 1 and fine["2.1"] == 0 and fine["7.0"] == 1
    assert sum(fine.values()) == 3


def test_mention_length_in_chars_always_uses_buckets_of_one():
    _tokens(
        "ner",
        [
            {"prediction": [("PER", 0, 3), ("LOC", 15, 19)]},  # "Ada", "Rome"
            {"text": "Bob lives in Barcelona", "prediction": [("LOC", 13, 22)]},
        ],
    )
    chars = {"3.0": 1, "4.0": 1, **{f"{n}.0": 0 for n in range(5, 9)}, "9.0": 1}
    assert tk.mention_length("ner", level="char").data == chars
    assert tk.mention_length("ner", level="char", interval=5).data == chars
    assert tk.mention_length("ner", level=None).data == {"1.0": 3}  # no level: tokens
    assert tk.mention_length("ner", interval=2).data == {"0.0": 3}
    with pytest.raises(ValueError, match="level 'word' is not one of 'token', 'char'"):
        tk.mention_length("ner", level="word")


def test_entity_density_is_bucketed_as_a_32_bit_float_like_elasticsearch():
    text = " ".join(f"w{i}" for i in range(200))
    rb.log(
        rb.TokenClassificationRecord(
            text=text, tokens=text.split(), prediction=[("X", 0, len("w0 w1 w2"))]
        ),
        name="dense",
    )
    # 3 / 200 = 0.015, but as a float32 it is 0.01499999966..., below the 0.015 bucket
    assert tk.entity_density("dense").data == {"0.01": 1}
    assert tk.entity_density("dense", interval=0.01).data == {"0.01": 1}


def test_token_metrics_count_every_token_occurrence(wnut):
    tokens = [t for words in wnut.tokens for t in words]
    lengths = Counter(len(t) for t in tokens)
    counts = Counter(tokens)

    assert tk.token_length("wnut").data == {
        f"{n}.0": lengths.get(n, 0) for n in range(min(lengths), max(lengths) + 1)
    }
    frequency = tk.token_frequency("wnut", tokens=25).data
    assert frequency == dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:25])
    per_record = Counter(len(words) for words in wnut.tokens)
    assert tk.tokens_length("wnut").data == {
        f"{n}.0": per_record.get(n, 0) for n in range(min(per_record), max(per_record) + 1)
    }


# -- mentions -----------------------------------------------------------------------------
def test_a_mention_repeated_in_a_record_counts_once_as_in_rubrix():
    text = "Paris is Paris and Rome"
    rb.log(
        rb.TokenClassificationRecord(
            text=text,
            tokens=text.split(),
            prediction=[("LOC", 0, 5), ("LOC", 9, 14), ("LOC", 19, 23)],
        ),
        name="twice",
    )
    assert tk.entity_labels("twice").data == {"LOC": 2}
    assert tk.mention_length("twice", level="char").data == {"4.0": 1, "5.0": 1}
    assert tk.entity_capitalness("twice").data == {"FIRST": 2}


def test_entity_consistency_looks_at_the_most_frequent_mentions_before_the_threshold():
    rows = [{"prediction": [("PER", 0, 3)]} for _ in range(3)]  # "Ada": 3 times, one label
    rows += [{"prediction": [(label, 8, 11)]} for label in ("PER", "ORG")]  # "Bob": 2 labels
    _tokens("ner", rows)
    bob = {
        "mention": "Bob",
        "entities": [{"label": "ORG", "count": 1}, {"label": "PER", "count": 1}],
    }

    assert tk.entity_consistency("ner", mentions=1).data == {"mentions": []}
    assert tk.entity_consistency("ner", mentions=2).data == {"mentions": [bob]}
    assert tk.entity_consistency("ner").data == {"mentions": [bob]}
    # a threshold under 2 counts as 2
    assert tk.entity_consistency("ner", threshold=1).data == {"mentions": [bob]}
    assert tk.entity_consistency("ner", compute_for=tk.Annotations).data == {"mentions": []}


def test_entity_consistency_lists_most_varied_first_and_ties_in_elasticsearch_heap_order():
    # "Ada", "Bob", "Rome" each get two labels; frequencies 4, 3, 2 (in that terms order)
    rows = []
    for start, end, labels in [(0, 3, "XXXY"), (8, 11, "XXY"), (15, 19, "XY")]:
        rows += [{"prediction": [(label, start, end)]} for label in labels]
    rows += [{"prediction": [(label, 4, 7)]} for label in "XYZ"]  # "met": three labels
    _tokens("ner", rows)

    found = tk.entity_consistency("ner").data["mentions"]

    # Terms order (most frequent first): Ada 4, Bob 3, met 3, Rome 2. ES's bucket_sort
    # pushes them into a Lucene heap by label count and pops them (least first, each put in
    # front): pops Ada, Rome, Bob, met. So: met (3 labels), then the ties Bob, Rome, Ada.
    assert [m["mention"] for m in found] == ["met", "Bob", "Rome", "Ada"]
    assert found[3]["entities"] == [{"label": "X", "count": 3}, {"label": "Y", "count": 1}]


def test_metrics_of_records_without_entities_are_empty_as_in_rubrix():
    rb.log(rb.TokenClassificationRecord(text="M", tokens=["M"]), name="empty")
    assert tk.entity_consistency("empty").data == {"mentions": []}
    for metric in (tk.mention_length, tk.entity_density, tk.entity_capitalness, tk.entity_labels):
        assert metric("empty").data == {}, metric.__name__
    averages = [f"{m}_{a}" for a in ("macro", "micro") for m in ("precision", "recall", "f1")]
    assert tk.f1("empty").data == dict.fromkeys(averages, 0)


# -- F1 -----------------------------------------------------------------------------------
def test_ner_f1_uses_rubrix_formulas_and_keys():
    text = "test the f1 metric of the token classification task"
    rb.log(
        [
            rb.TokenClassificationRecord(
                text=text,
                tokens=text.split(),
                prediction=[("a", 0, 4), ("b", 5, 8), ("b", 9, 11), ("c", 12, 18)],
                annotation=[("a", 0, 4), ("b", 5, 8), ("a", 9, 11), ("d", 19, 21)],
            ),
        ],
        name="ner",
    )
    data = tk.f1("ner").data

    # a: 1 of 1 predicted right, 1 of 2 found; b: 1 of 2, 1 of 1; d: never predicted.
    # "c" was never annotated: left out, also from the micro averages (3 of 4 predictions).
    p, r = {"a": 1.0, "b": 0.5, "d": 0}, {"a": 0.5, "b": 1.0, "d": 0.0}
    assert list(data) == [
        "precision_macro",
        "recall_macro",
        "f1_macro",
        "precision_micro",
        "recall_micro",
        "f1_micro",
        *(f"{label}_{m}" for label in "abd" for m in ("precision", "recall", "f1")),
    ]
    assert data["precision_macro"] == pytest.approx(sum(p.values()) / 3)
    assert data["recall_macro"] == pytest.approx(sum(r.values()) / 3)
    harmonic = 2 * data["precision_macro"] * data["recall_macro"]
    assert data["f1_macro"] == pytest.approx(
        harmonic / (data["precision_macro"] + data["recall_macro"])
    )
    assert data["f1_macro"] != pytest.approx(np.mean([data[f"{x}_f1"] for x in "abd"]))
    assert data["precision_micro"] == pytest.approx(2 / 3)
    assert data["recall_micro"] == pytest.approx(2 / 4)
    assert data["d_precision"] == 0 and isinstance(data["d_precision"], int)  # Rubrix's 0
    assert data["d_f1"] == 0 and isinstance(data["d_f1"], int)


def test_text_f1_has_rubrix_keys_with_support_and_is_empty_without_annotations(reviews):
    annotated = reviews[reviews.annotation.notna()]
    data = tc.f1("reviews").data

    labels = sorted(set(annotated.annotation) | {p[0][0] for p in annotated.prediction})
    averages = [f"{m}_{a}" for a in ("macro", "micro") for m in ("precision", "recall", "f1")]
    per_label = [f"{x}_{m}" for x in labels for m in ("precision", "recall", "f1", "support")]
    assert list(data) == averages + per_label
    assert data["fresh_support"] == int((annotated.annotation == "fresh").sum())
    top = [p[0][0] for p in annotated.prediction]
    accuracy = float(np.mean([t == a for t, a in zip(top, annotated.annotation)]))
    assert data["f1_micro"] == pytest.approx(accuracy)
    assert tc.f1("reviews", query="NOT _exists_:annotation").data == {}


def test_f1_multilabel_on_a_single_label_dataset_gives_the_single_label_numbers(reviews):
    single = tc.f1("reviews").data
    multi = tc.f1_multilabel("reviews").data
    assert multi.keys() == single.keys()
    for key, value in single.items():
        assert multi[key] == pytest.approx(value), key


def test_f1_multilabel_predicts_labels_scoring_strictly_more_than_half():
    rb.log(
        [
            rb.TextClassificationRecord(
                text="x", prediction=[("a", 0.5), ("b", 0.51)], annotation=["b"], multi_label=True
            ),
            rb.TextClassificationRecord(
                text="y",
                prediction=[("a", 0.9), ("b", 0.2)],
                annotation=["a", "b"],
                multi_label=True,
            ),
        ],
        name="multi",
    )
    data = tc.f1_multilabel("multi").data
    # record x is predicted {b} (0.5 is not more than 0.5): a: 1 of 1 right, b: 1 of 1
    assert data["a_precision"] == 1.0 and data["a_recall"] == 1.0
    assert data["b_precision"] == 1.0 and data["b_recall"] == 0.5


def test_text_classification_f1_on_a_token_dataset_gives_its_entity_f1(wnut):
    assert tc.f1("wnut").data == tk.f1("wnut").data == by_id("wnut", "F1")


# -- MetricSummary --------------------------------------------------------------------------
def test_metric_summary_has_rubrix_data_visualize_and_new_summary():
    calls = []
    summary = MetricSummary.new_summary(
        data={"a": 1}, visualization=lambda: calls.append(1) or "fig"
    )
    assert summary.data == {"a": 1}
    assert summary.visualize() == "fig" and calls == [1]
    assert summary  # Rubrix's tests write `assert results`


# -- by_id: Rubrix's metric ids, as a listener's metrics=[...] -------------------------------
RUBRIX_COMMON = [
    "text_length",
    "error_distribution",
    "status_distribution",
    "words_cloud",
    "metadata",
    "predicted_by",
    "annotated_by",
    "score",
]
PER_SOURCE = [
    "entity_density",
    "entity_labels",
    "entity_capitalness",
    "mention_token_length",
    "mention_char_length",
    "mentions_distribution",
    "entity_consistency",
    "tag_consistency",
]


def test_metric_ids_are_rubrix_server_ids_per_task():
    assert list(metric_ids("Text2Text")) == RUBRIX_COMMON
    assert list(metric_ids("TextClassification")) == [
        *RUBRIX_COMMON,
        "F1",
        "MultiLabelF1",
        "dataset_labels",
        "predicted_as",
        "annotated_as",
    ]
    assert list(metric_ids("TokenClassification")) == [
        *RUBRIX_COMMON,
        "dataset_labels",
        "F1",
        "predicted_as",
        "annotated_as",
        "tokens_length",
        "token_frequency",
        "token_length",
        "token_capitalness",
        *(f"predicted_{m}" for m in PER_SOURCE),
        *(f"annotated_{m}" for m in PER_SOURCE),
    ]
    assert set(metric_ids()) == set(metric_ids("TextClassification")) | set(
        metric_ids("TokenClassification")
    )
    with pytest.raises(ValueError, match="task 'NER' is not one of TextClassification"):
        metric_ids("NER")


def test_by_id_refuses_an_unknown_id_naming_it_and_the_allowed_ones(reviews):
    with pytest.raises(
        ValueError, match="no metric 'tokens_length' for dataset 'reviews'"
    ) as error:
        by_id("reviews", "tokens_length")
    assert "MultiLabelF1" in str(error.value) and "status_distribution" in str(error.value)
    with pytest.raises(ValueError, match="metric_id must be a str"):
        by_id("reviews", None)
    with pytest.raises(ValueError, match="interval must be a positive number"):
        by_id("reviews", "text_length", interval=0)
    with pytest.raises(ValueError, match="size must be a positive int"):
        by_id("reviews", "predicted_as", size=0)
    with pytest.raises(rb.NotFoundError):
        by_id("nothing-here", "F1")


def test_every_id_gives_json_data_on_real_datasets(reviews, wnut, chatterbot_pairs):
    rb.log([rb.Text2TextRecord(text=p, annotation=r) for p, r in chatterbot_pairs[:50]], name="t2t")
    for name, task in [("reviews", "TextClassification"), ("wnut", "TokenClassification")]:
        for metric_id in metric_ids(task):
            data = by_id(name, metric_id, query="id:[0 TO 400]")
            assert isinstance(data, dict), metric_id
            assert json.loads(json.dumps(data)) == data, metric_id  # string keys, plain values
    for metric_id in metric_ids("Text2Text"):
        assert json.loads(json.dumps(by_id("t2t", metric_id))) == by_id("t2t", metric_id)


def test_by_id_gives_what_the_rubrix_functions_give_with_server_defaults(wnut, reviews):
    assert by_id("reviews", "status_distribution") == cm.records_status("reviews").data
    assert (
        by_id("reviews", "text_length", "id:[0 TO 99]")
        == cm.text_length("reviews", "id:[0 TO 99]").data
    )
    assert by_id("reviews", "F1") == tc.f1("reviews").data
    assert by_id("reviews", "MultiLabelF1") == tc.f1_multilabel("reviews").data
    assert (
        by_id("wnut", "predicted_entity_consistency")
        == tk.entity_consistency("wnut", mentions=50).data
    )
    assert (
        by_id("wnut", "annotated_entity_labels")
        == tk.entity_labels("wnut", compute_for="annotations", labels=1000).data
    )
    assert by_id("wnut", "tokens_length", interval=1) == tk.tokens_length("wnut").data
    # value counts return 1,000 values unless asked (the real tweets have more tokens)
    assert len({t for words in wnut.tokens for t in words}) > 1000
    assert by_id("wnut", "token_frequency") == tk.token_frequency("wnut").data
    assert len(by_id("wnut", "token_frequency")) == 1000
    # no interval asked (as a listener asks): the server's 0.1
    coarse = tk.tokens_length("wnut").data
    fine = by_id("wnut", "tokens_length")
    assert sum(fine.values()) == sum(coarse.values()) == len(wnut)
    assert {k: v for k, v in fine.items() if v} == {k: v for k, v in coarse.items() if v}
    assert len(fine) == 10 * (len(coarse) - 1) + 1


def test_status_and_error_distributions_count_records(reviews):
    counted = reviews.annotation.notna()
    top = reviews.prediction.map(lambda p: p[0][0])
    ok = int((counted & (top == reviews.annotation)).sum())
    expected = {"ok": ok, "ko": int(counted.sum()) - ok, "unknown": int((~counted).sum())}

    found = by_id("reviews", "error_distribution")

    assert found == dict(sorted(expected.items(), key=lambda kv: (-kv[1], kv[0])))
    assert list(found.values()) == sorted(found.values(), reverse=True)
    statuses = rb.load("reviews").status.value_counts()
    assert by_id("reviews", "status_distribution") == statuses.to_dict()


def test_ner_prediction_is_ok_only_with_the_annotated_entities_scored_one():
    rows = [
        {"prediction": [("PER", 0, 3, 1.0)], "annotation": [("PER", 0, 3)]},  # ok
        {"prediction": [("PER", 0, 3)], "annotation": [("PER", 0, 3)]},  # scored 0.0: ko
        {"prediction": [("PER", 0, 3, 1.0)], "annotation": [("LOC", 0, 3)]},  # ko
        {"prediction": [("PER", 0, 3, 1.0)]},  # unknown
    ]
    _tokens("ner", rows)
    assert by_id("ner", "error_distribution") == {"ko": 2, "ok": 1, "unknown": 1}


def test_score_histogram_keeps_top_scores_as_32_bit_floats_in_buckets_of_a_thousandth():
    rb.log(
        [
            rb.TextClassificationRecord(text="a", prediction=[("x", 0.9), ("y", 0.1)]),
            rb.TextClassificationRecord(text="b", prediction=[("y", 0.9004), ("x", 0.0996)]),
        ],
        name="scores",
    )
    # 0.9 as a 32-bit float is 0.89999998, in the bucket starting at 0.899
    found = by_id("scores", "score")
    assert {k: v for k, v in found.items() if v} == {"0.899": 1, "0.9": 1}
    assert list(found) == ["0.899", "0.9"]


def test_labels_ids_count_records_per_label_and_list_the_dataset_labels(wnut):
    has_pred = wnut.prediction.notna()
    per_record = Counter(
        label for spans in wnut.prediction[has_pred] for label in {s[0] for s in spans}
    )
    assert by_id("wnut", "predicted_as") == dict(
        sorted(per_record.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    labels = {s[0] for col in ("annotation", "prediction") for v in wnut[col].dropna() for s in v}
    assert by_id("wnut", "dataset_labels") == {"labels": sorted(labels)}


def test_mentions_distribution_and_tag_consistency_shapes():
    text = "Paris is nice"
    rb.log(
        [
            rb.TokenClassificationRecord(text=text, tokens=text.split(), prediction=p)
            for p in ([("LOC", 0, 5)], [("PER", 0, 5)], [("LOC", 0, 5)], [])
        ],
        name="paris",
    )
    assert by_id("paris", "predicted_mentions_distribution") == {
        "LOC": {"Paris": 2},
        "PER": {"Paris": 1},
    }
    assert by_id("paris", "predicted_tag_consistency") == {
        "mentions": [
            {
                "mention": "Paris",
                "entities": [
                    {"label": "B-LOC", "count": 2},
                    {"label": "B-PER", "count": 1},
                    {"label": "O", "count": 1},
                ],
            }
        ]
    }


def test_metadata_id_counts_values_and_gives_stats_for_floats(reviews):
    data = by_id("reviews", "metadata", query="id:[0 TO 199]")
    rows = reviews.iloc[:200]

    assert set(data) == {"length", "movie"}
    movies = Counter(m["movie"] for m in rows.metadata)
    assert data["movie"] == dict(sorted(movies.items(), key=lambda kv: (-kv[1], kv[0])))
    lengths = Counter(m["length"] for m in rows.metadata)
    assert data["length"] == {
        str(k): v for k, v in sorted(lengths.items(), key=lambda kv: (-kv[1], kv[0]))
    }
    rb.log(
        [
            rb.TextClassificationRecord(text="a", metadata={"p": 0.5, "ok": True, "n": {"k": "v"}}),
            rb.TextClassificationRecord(text="b", metadata={"p": 0.25, "ok": True}),
        ],
        name="meta",
    )
    meta = by_id("meta", "metadata")
    assert meta["ok"] == {"true": 2} and meta["n.k"] == {"v": 1}
    stats = meta["p"]["rubrix:stats"]
    assert (stats["count"], stats["min"], stats["max"], stats["avg"]) == (2, 0.25, 0.5, 0.375)
    assert stats["std_deviation"] == pytest.approx(0.125)
    assert math.isclose(stats["sum"], 0.75)


def test_words_cloud_counts_records_per_lowercase_word_without_stop_words():
    rb.log(
        [
            rb.TextClassificationRecord(text="The cat and the Cat, 2 cats!"),
            rb.TextClassificationRecord(text="A cat sleeps"),
        ],
        name="words",
    )
    assert by_id("words", "words_cloud") == {"cat": 2, "cats": 1, "sleeps": 1}


def test_agents_are_counted_per_record():
    rb.log(
        [
            rb.TextClassificationRecord(text="a", prediction=[("x", 1.0)], prediction_agent="m1"),
            rb.TextClassificationRecord(
                text="b",
                prediction=[("x", 1.0)],
                prediction_agent="m1",
                annotation="x",
                annotation_agent="ann",
            ),
            rb.TextClassificationRecord(text="c", prediction=[("x", 1.0)], prediction_agent="m2"),
        ],
        name="agents",
    )
    assert by_id("agents", "predicted_by") == {"m1": 2, "m2": 1}
    assert by_id("agents", "annotated_by") == {"ann": 1}


def test_by_id_follows_the_query(reviews):
    narrowed = by_id("reviews", "predicted_as", query="predicted_as:fresh")
    assert list(narrowed) == ["fresh"]
    assert re.fullmatch(r"\d+", str(narrowed["fresh"]))
