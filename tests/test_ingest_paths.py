"""The column-wise ingest paths give exactly what the per-row rules give, or step aside.

``ingest.table_from_frame(..., fast=False)`` runs the record rules row by row;
the default tries Arrow first. Both must build the same table from a frame
the rules accept, and reject the same frames with the same error.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import orjson
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rubrix_widgets import ingest, validation
from rubrix_widgets.tasks import TEXT2TEXT, TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION


def both(frame: pd.DataFrame, task: str = TOKEN_CLASSIFICATION):
    """(fast table or error text, per-row table or error text), and each one's warnings."""
    out, said = [], []
    for fast in (True, False):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                out.append(ingest.table_from_frame(frame, task, fast=fast))
            except ValueError as exc:
                out.append(f"ValueError: {exc}")
        said.append(sorted(str(w.message) for w in caught))
    return out, said


def assert_same(frame: pd.DataFrame, task: str = TOKEN_CLASSIFICATION) -> None:
    (fast, slow), (fast_said, slow_said) = both(frame, task)
    assert fast_said == slow_said  # the same warnings (corrected spans, dropped agents)
    if isinstance(slow, str) or isinstance(fast, str):
        assert fast == slow
        return
    skip = {"last_updated"}  # stamped with the time of the call
    if "id" not in frame:
        skip.add("id")  # new uuids
    for name in slow.column_names:
        if name not in skip:
            assert fast.column(name).to_pylist() == slow.column(name).to_pylist(), name


def bio_spans(sentence):
    tokens = [t for t, _ in sentence]
    starts = np.cumsum([0] + [len(t) + 1 for t in tokens[:-1]]).tolist()
    spans, label, begin = [], None, 0
    for i, (_, tag) in enumerate([*sentence, ("", "O")]):
        if label is not None and not tag.startswith("I-"):
            spans.append((label, starts[begin], starts[i - 1] + len(tokens[i - 1])))
            label = None
        if tag.startswith("B-"):
            label, begin = tag[2:], i
    return " ".join(tokens), tokens, spans


def test_real_tweets_with_gold_and_predicted_spans_build_the_same_table(ner_sentences, monkeypatch):
    rows = [bio_spans(s) for s in ner_sentences[:800]]
    frame = pd.DataFrame(
        {
            "text": [r[0] for r in rows],
            "tokens": [r[1] for r in rows],
            "annotation": [r[2] for r in rows],
            "prediction": [[(*s, 0.75) for s in r[2]] for r in rows],
            "id": range(len(rows)),
        }
    )
    assert_same(frame)

    def no_fallback(self):
        raise AssertionError("this frame should take the column-wise path")

    monkeypatch.setattr(ingest._Builder, "slow_tokens", no_fallback)
    fast = ingest.table_from_frame(frame, TOKEN_CLASSIFICATION)
    assert fast.column("annotation").to_pylist()[0] == [
        {"label": label, "start": start, "end": end} for label, start, end in rows[0][2]
    ]


BASE = {"text": "Ada met Bob in Rome", "tokens": ["Ada", "met", "Bob", "in", "Rome"]}


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"prediction": [("PER", 0, 3, 0.9), ("LOC", 15, 19, 1.0)]},
        {"prediction": [{"label": "PER", "start": 8, "end": 11, "score": 0.5}]},
        {"prediction": [("PER", 0, 3)]},  # no score: 0.0, as in Rubrix
        {"prediction": [("PER", 0, 3, None)]},
        {"prediction": [("PER", 0, 3), ("LOC", 15, 19, 0.5)]},  # with and without a score
        {"prediction": [{"label": "PER", "start": 0, "end": 3}]},
        {"prediction": [("PER", 0, 3)], "prediction_agent": "m"},
        {"prediction": None, "prediction_agent": "m"},  # an agent alone is not stored
        {"annotation": [("PER", 3, 7)]},  # a leading space: trimmed
        {"prediction": [("PER", 8, 12, 0.5)]},  # a trailing space: trimmed
        {"annotation": [("LOC", 15, 30)]},  # past the text: clamped
        {"annotation": [("PER", 3, 4)]},  # only a space: refused
        {"annotation": [], "tags": ["B-PER", "O", "B-PER", "O", "B-LOC"]},
        {"annotation": None, "tags": []},
        {"metadata": {"a": None, "b": [], "c": {}, "d": {"e": None, "f": 1}, "g": [None]}},
        {"metadata": {"only": None}},
        {"metadata": {"s": 'say ":null" or ":[]"'}},  # looks empty in JSON, but is not
        {"prediction": [("PER", 0, 3, 1.5)]},
        {"prediction": [("PER", 0, 3, float("nan"))]},
        {"prediction": []},
        {"annotation": [("PER", 0, 3), ("PER", 0, 7)]},
        {"annotation": [("PER", 1, 3)]},  # not at a token start
        {"annotation": [("PER", 0, 2)]},  # not at a token end
        {"annotation": [("PER", 3, 3)]},
        {"annotation": [("PER", 0, 40)]},
        {"annotation": [("PER", -1, 3)]},
        {"annotation": [("", 0, 3)]},
        {"annotation": [("a\x1fb", 0, 3)]},
        {"annotation": [(7, 0, 3)]},
        {"annotation": [("PER", True, 3)]},
        {"annotation": [("PER", 0.0, 3.0)]},
        {"annotation": [("PER", 0.5, 3)]},
        {"text": "Ada  met Bob in Rome"},  # two spaces: offsets come from searching
        {"text": "Ada met Bob in Rome "},
        {"tokens": ["Ada", "met", "Bob", "in", " Rome"], "text": "Ada met Bob in  Rome"},
        {"tokens": ["Ada", "met", "Bob", "in", ""]},
        {"tokens": [b"Ada", b"met"], "text": "Ada met"},
        {"text": b"Ada met", "tokens": ["Ada", "met"]},
        {"tokens": []},
        {"tokens": None},
        {"tokens": ("Ada", "met", "Bob", "in", "Rome")},  # tuples, as Rubrix's records hold
        {"text": None},
        {"tokens": ["Ada", "met", "Bob", "in", "Rome"], "text": "Ada met Bob in Rome!"},
        {"text": "🧑🏽‍⚕️ met Bob", "tokens": ["🧑🏽‍⚕️", "met", "Bob"], "annotation": [("PER", 6, 9)]},
        {"text": "Zoë met Bob", "tokens": ["Zoë", "met", "Bob"], "annotation": [("PER", 0, 3)]},
    ],
)
def test_one_record_frames_agree_on_table_or_error(change):
    record = {**BASE, **change}
    frame = pd.DataFrame({key: [value] for key, value in record.items()})
    assert_same(frame)


_WORDS = st.sampled_from(["Ada", "met", "Bob", "in", "Rome", "é", "🙂", "x-y", "Ünïcødé"])


@st.composite
def token_frames(draw):
    rows = []
    for _ in range(draw(st.integers(1, 6))):
        tokens = draw(st.lists(_WORDS, min_size=1, max_size=6))
        text = " ".join(tokens)
        if draw(st.booleans()) and draw(st.booleans()):
            text = text.replace(" ", "  ", 1)
        cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=4)))
        spans = [
            (draw(st.sampled_from(["PER", "LOC", " "])), a, b)
            for a, b in zip(cuts[::2], cuts[1::2], strict=False)
        ]
        score = draw(st.sampled_from([0.0, 0.4, 1.0, 1.2, None, "none"]))
        predicted = [s if score == "none" else (*s, score) for s in spans]
        rows.append((text, tokens, spans, predicted))
    return pd.DataFrame(rows, columns=["text", "tokens", "annotation", "prediction"])


@settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(token_frames())
def test_random_token_frames_agree_on_table_or_error(frame):
    assert_same(frame)


@pytest.mark.parametrize(
    ("column", "value", "named"),
    [
        ("text", "broken \ud800 text", "inputs.text"),
        ("annotation", "lab\udfffel", "annotation"),
        ("prediction_agent", "agent \ud83d", "prediction_agent"),
        ("prediction", [("lab\ud800", 0.5)], "prediction"),
        ("metadata", {"k": "v\ud800"}, "metadata"),
    ],
)
def test_a_lone_surrogate_in_a_frame_is_refused_naming_row_and_field_and_nothing_is_stored(
    workspace, column, value, named
):
    import rubrix_widgets as rb

    rb.log(rb.TextClassificationRecord(text="kept", id=1), "surrogates")
    cells = {"text": "fine", "id": 2, column: value}
    frame = pd.DataFrame({k: pd.Series([v], dtype=object) for k, v in cells.items()})
    with pytest.raises(
        ValueError, match=rf"row 0 \(id=2\): {re.escape(named)}\b.*(surrogate|UTF-8)"
    ):
        rb.log(frame, "surrogates")
    assert rb.load("surrogates").id.tolist() == [1]


def test_record_objects_take_the_column_wise_path_and_build_what_the_rules_build(
    rotten_tomatoes, monkeypatch
):
    import rubrix_widgets as rb
    from rubrix_widgets.tasks import TEXT_CLASSIFICATION

    reviews = rotten_tomatoes.dropna(subset=["text"]).head(300)
    records = [
        rb.TextClassificationRecord(
            id=i, text=t, annotation=c, prediction=[(c, 0.8), ("other", 0.2)], metadata={"m": m}
        )
        for i, (t, c, m) in enumerate(zip(reviews.text, reviews.category, reviews.movie_name))
    ]
    per_row = ingest._Builder  # the same columns, every rule row by row
    columns = {
        name: pd.Series([r.__dict__[name] for r in records], dtype=object)
        for name in rb.TextClassificationRecord.model_fields
    }
    slow = per_row(columns, len(records), TEXT_CLASSIFICATION, columns["id"], False).table()

    def no_fallback(self):
        raise AssertionError("record objects should take the column-wise path")

    monkeypatch.setattr(ingest._Builder, "slow_inputs", no_fallback)
    fast = ingest.table_from_records(records, TEXT_CLASSIFICATION)
    for name in slow.column_names:
        if name != "last_updated":
            assert fast.column(name).to_pylist() == slow.column(name).to_pylist(), name


@pytest.mark.parametrize(
    ("task", "cells"),
    [
        (TEXT_CLASSIFICATION, {"metadata": {"a": None, "b": {"c": []}, "k": 1}}),
        (TEXT_CLASSIFICATION, {"metadata": {"n": float("nan")}}),
        (TEXT_CLASSIFICATION, {"metadata": {"": 1}}),  # refused: keys are non-empty
        (TEXT_CLASSIFICATION, {"metadata": {"a": {"": None}}}),
        (TEXT_CLASSIFICATION, {"metadata": {'say "hi"': None, "k": 1}}),
        (TEXT_CLASSIFICATION, {"prediction_agent": "m"}),
        (TEXT_CLASSIFICATION, {"prediction_agent": "m", "prediction": [("a", 0.5)]}),
        (TEXT_CLASSIFICATION, {"status": ""}),
        (TEXT_CLASSIFICATION, {"status": "", "annotation": "a"}),
        (TEXT_CLASSIFICATION, {"text": ""}),
        (TEXT2TEXT, {"text": ""}),
        (TEXT2TEXT, {"text": " \n"}),
        (TEXT2TEXT, {"text": b"bytes"}),
        (TEXT2TEXT, {"prediction_agent": "m", "prediction": []}),
        (TEXT2TEXT, {"metadata": {"x": [], "y": "kept"}}),
    ],
)
def test_other_tasks_one_record_frames_agree_on_table_or_error(task, cells):
    record = {"text": "Ada met Bob", "id": 1, **cells}
    frame = pd.DataFrame({key: pd.Series([value], dtype=object) for key, value in record.items()})
    assert_same(frame, task)


def test_scoreless_real_predictions_take_the_column_wise_path_with_score_zero(
    ner_sentences, monkeypatch
):
    rows = [bio_spans(s) for s in ner_sentences[:800]]
    frame = pd.DataFrame(
        {
            "text": [r[0] for r in rows],
            "tokens": [r[1] for r in rows],
            "prediction": [r[2] for r in rows],  # (label, start, end): no scores, as spaCy gives
            "id": range(len(rows)),
        }
    )
    assert_same(frame)

    def no_fallback(self):
        raise AssertionError("scoreless predictions should take the column-wise path")

    monkeypatch.setattr(ingest._Builder, "slow_tokens", no_fallback)
    fast = ingest.table_from_frame(frame, TOKEN_CLASSIFICATION)
    first = next(i for i, r in enumerate(rows) if r[2])
    assert fast.column("prediction").to_pylist()[first] == [
        {"label": label, "start": start, "end": end, "score": 0.0}
        for label, start, end in rows[first][2]
    ]


def test_metadata_with_empty_values_takes_the_column_wise_path_and_drops_them(
    rotten_tomatoes, monkeypatch
):
    reviews = rotten_tomatoes.dropna(subset=["text"]).head(2000)
    metadata = [
        {"movie": m, "critic": None if i % 3 else "x", "tags": [] if i % 2 else ["a"]}
        for i, m in enumerate(reviews.movie_name)
    ]
    frame = pd.DataFrame({"text": reviews.text.tolist(), "metadata": metadata, "id": range(2000)})
    assert_same(frame, TEXT_CLASSIFICATION)

    def no_fallback(self):
        raise AssertionError("metadata with empty values should take the column-wise path")

    monkeypatch.setattr(ingest._Builder, "slow_metadata", no_fallback)
    fast = ingest.table_from_frame(frame, TEXT_CLASSIFICATION)
    stored = [orjson.loads(m) for m in fast.column("metadata").to_pylist()]
    assert stored[1] == {"movie": metadata[1]["movie"]}
    assert stored[0] == {"movie": metadata[0]["movie"], "critic": "x", "tags": ["a"]}


def test_an_int_class_id_column_takes_the_column_wise_path_as_str_labels(
    rotten_tomatoes, monkeypatch
):
    reviews = rotten_tomatoes.dropna(subset=["text"]).head(2000)
    codes = reviews.category.astype("category").cat.codes.astype("int64")  # a model's class ids
    frame = pd.DataFrame({"text": reviews.text.tolist(), "annotation": codes.to_numpy()})
    assert_same(frame, TEXT_CLASSIFICATION)

    def no_fallback(self):
        raise AssertionError("an int annotation column should take the column-wise path")

    monkeypatch.setattr(ingest._Builder, "slow_annotation", no_fallback)
    fast = ingest.table_from_frame(frame, TEXT_CLASSIFICATION)
    assert fast.column("annotation").to_pylist() == [[str(c)] for c in codes]


_META_VALUES = st.recursive(
    st.none() | st.integers(-5, 5) | st.sampled_from(["x", ":null", '":[]"', ":{}", ""]),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.sampled_from("abc"), inner),
    max_leaves=6,
)


@settings(max_examples=150, derandomize=True, deadline=None)
@given(
    st.lists(
        st.none() | st.dictionaries(st.sampled_from(["k", "m", "n"]), _META_VALUES, max_size=3),
        min_size=1,
        max_size=8,
    )
)
def test_random_metadata_with_empty_values_agrees_on_both_paths(metadata):
    frame = pd.DataFrame(
        {"text": [f"t{i}" for i in range(len(metadata))], "id": range(len(metadata))}
    )
    frame["metadata"] = pd.Series(metadata, dtype=object)
    assert_same(frame, TEXT_CLASSIFICATION)
    # and the column-wise encoder itself gets it right (a failure would hide in the fallback)
    stored = ingest.json_column(metadata).to_pylist()
    for given_value, text in zip(metadata, stored, strict=True):
        expected = validation.drop_empty_values(given_value or {})
        assert (orjson.loads(text) if text else {}) == expected


@pytest.mark.parametrize(
    ("task", "cells"),
    [
        (TOKEN_CLASSIFICATION, {"prediction": [("PER", 0, 3), ("LOC", 15, 19, None)]}),
        (TOKEN_CLASSIFICATION, {"annotation": [("PER", 3, 7)], "prediction": [("PER", -2, 3)]}),
        (TOKEN_CLASSIFICATION, {"annotation": [], "tags": ["B-PER", "O", "B-PER", "O", "O"]}),
        (TOKEN_CLASSIFICATION, {"annotation": None, "tags": ["O", "O", "B-PER", "I-PER", "O"]}),
        (TOKEN_CLASSIFICATION, {"tags": [], "annotation_agent": "a"}),
        (TOKEN_CLASSIFICATION, {"prediction_agent": "m", "metadata": {"a": None, "b": 1}}),
        (TEXT_CLASSIFICATION, {"prediction_agent": "m", "status": ""}),
        (TEXT_CLASSIFICATION, {"metadata": {"a": [], "b": {"c": None}}, "annotation": "x"}),
        (TEXT_CLASSIFICATION, {"prediction": [("a", 0.2), ("b", 0.7)], "prediction_agent": "m"}),
        (TEXT2TEXT, {"text": "", "prediction": [("b", 0.2), "a"], "metadata": {"n": None}}),
    ],
)
def test_a_frame_row_and_the_record_built_from_it_store_the_same(task, cells):
    from rubrix_widgets.records import RECORD_CLASSES

    row = {**(BASE if task == TOKEN_CLASSIFICATION else {"text": "Ada met Bob"}), "id": 1, **cells}
    frame = pd.DataFrame({key: pd.Series([value], dtype=object) for key, value in row.items()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from_frame = ingest.table_from_frame(frame, task)
        record = RECORD_CLASSES[task](**row)
        from_record = ingest.table_from_records([record], task)
    for name in from_frame.column_names:
        if name != "last_updated":
            assert from_frame.column(name).to_pylist() == from_record.column(name).to_pylist(), name
