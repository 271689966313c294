"""DatasetForTextClassification / DatasetForTokenClassification / DatasetForText2Text:
list behaviour, the pandas bridge, the Hugging Face `datasets` bridge, and logging real data."""

from __future__ import annotations

import datetime as dt
import warnings

import datasets
import pandas as pd
import pytest

import rubrix_widgets as rb
from rubrix_widgets.dataset_classes import WrongRecordTypeError

TC_COLUMNS = [
    "inputs",
    "prediction",
    "annotation",
    "prediction_agent",
    "annotation_agent",
    "multi_label",
    "explanation",
    "id",
    "metadata",
    "status",
    "event_timestamp",
    "text",
]
TOKEN_COLUMNS = [
    "text",
    "tokens",
    "prediction",
    "prediction_agent",
    "annotation",
    "annotation_agent",
    "id",
    "metadata",
    "status",
    "event_timestamp",
]
T2T_COLUMNS = [
    "text",
    "prediction",
    "prediction_agent",
    "annotation",
    "annotation_agent",
    "id",
    "metadata",
    "status",
    "event_timestamp",
]
# DatasetFor*.to_pandas(): Rubrix 0.18's record fields, in its order
RUBRIX_TAIL = ["id", "metadata", "status", "event_timestamp", "metrics", "search_keywords"]
AGENTS = ["prediction", "prediction_agent", "annotation", "annotation_agent"]
TC_FIELDS = ["text", "inputs", *AGENTS, "multi_label", "explanation", *RUBRIX_TAIL]
TOKEN_FIELDS = ["text", "tokens", *AGENTS, *RUBRIX_TAIL]
T2T_FIELDS = ["text", *AGENTS, *RUBRIX_TAIL]
WHEN = dt.datetime(2022, 3, 4, 5, 6, 7)


# -- sample records ----------------------------------------------------------------------
def tc_records():
    return [
        rb.TextClassificationRecord(
            text="A gripping, beautifully shot film.",
            prediction=[("fresh", 0.8), ("rotten", 0.2)],
            annotation="fresh",
            prediction_agent="model-v1",
            annotation_agent="alice",
            id=1,
            metadata={"movie": "Heat", "year": 1995},
            event_timestamp=WHEN,
            explanation={
                "text": [
                    rb.TokenAttributions(
                        token="gripping", attributions={"fresh": 0.7, "rotten": -0.1}
                    )
                ]
            },
        ),
        rb.TextClassificationRecord(
            text="Dull and overlong 😴",
            prediction=[("rotten", 0.9), ("fresh", 0.1)],
            prediction_agent="model-v1",
            id=2,
            metadata={"movie": "Cats", "year": 2019},
        ),
        rb.TextClassificationRecord(
            text="Nobody knows what to make of it.",
            annotation="rotten",
            status="Discarded",
            id=3,
            metadata={"movie": "Tenet", "year": 2020},
        ),
    ]


def tc_multi_records():
    return [
        rb.TextClassificationRecord(
            inputs={"title": "Budget vote", "body": "Parliament passed the budget."},
            multi_label=True,
            prediction=[("politics", 0.9), ("economy", 0.7)],
            annotation=["politics", "economy"],
            id="a",
            metadata={"source": "wire"},
        ),
        rb.TextClassificationRecord(
            inputs={"title": "Cup final", "body": "The home side won 2-1."},
            multi_label=True,
            prediction=[("sports", 0.95)],
            id="b",
            metadata={"source": "blog"},
        ),
    ]


def token_records():
    return [
        rb.TokenClassificationRecord(
            text="Michael Jordan lives in New York",
            tokens=["Michael", "Jordan", "lives", "in", "New", "York"],
            annotation=[("PER", 0, 14), ("LOC", 24, 32)],
            annotation_agent="alice",
            prediction=[("PER", 0, 14, 0.9), ("LOC", 24, 32, 0.6)],
            prediction_agent="ner-v1",
            id=1,
            metadata={"lang": "en"},
            event_timestamp=WHEN,
        ),
        rb.TokenClassificationRecord(
            text="我爱北京 🎉",
            tokens=["我", "爱", "北京", "🎉"],
            prediction=[("LOC", 2, 4, 0.8)],
            id=2,
            metadata={"lang": "zh"},
        ),
        rb.TokenClassificationRecord(
            text="Nothing to see here .", id=3, status="Discarded", metadata={"lang": "en"}
        ),
    ]


def t2t_records():
    return [
        rb.Text2TextRecord(
            text="Hello, how are you?",
            prediction=["Hola, ¿cómo estás?", ("Hola, ¿qué tal?", 0.4)],
            prediction_agent="mt-v1",
            annotation="Hola, ¿cómo estás?",
            annotation_agent="alice",
            id="x1",
            metadata={"domain": "chat"},
            event_timestamp=WHEN,
        ),
        rb.Text2TextRecord(
            text="Good night",
            prediction=[("Buenas noches", 0.9)],
            id="x2",
            metadata={"domain": "chat"},
        ),
    ]


TASKS = {
    "TextClassification": (rb.DatasetForTextClassification, tc_records, TC_FIELDS),
    "TokenClassification": (rb.DatasetForTokenClassification, token_records, TOKEN_FIELDS),
    "Text2Text": (rb.DatasetForText2Text, t2t_records, T2T_FIELDS),
}
OTHER_RECORD = {
    "TextClassification": rb.Text2TextRecord(text="not a classification"),
    "TokenClassification": rb.TextClassificationRecord(text="not tokens"),
    "Text2Text": rb.TokenClassificationRecord(text="not text2text"),
}


@pytest.fixture(params=list(TASKS))
def task(request):
    return request.param


def build(task):
    cls, make, _ = TASKS[task]
    records = make()
    return cls(records), records


# =====================================================================================
# list behaviour
# =====================================================================================
def test_dataset_is_built_from_a_list_of_records(task):
    ds, records = build(task)
    assert len(ds) == len(records)
    assert list(ds) == records


def test_empty_dataset_has_length_zero(task):
    cls = TASKS[task][0]
    assert len(cls([])) == 0
    assert list(cls([])) == []


def test_dataset_accepts_any_iterable_of_records(task):
    cls, make, _ = TASKS[task]
    records = make()
    assert list(cls(r for r in records)) == records


def test_dataset_rejects_a_record_of_another_task(task):
    cls, make, _ = TASKS[task]
    with pytest.raises((TypeError, ValueError), match=type(OTHER_RECORD[task]).__name__):
        cls([*make(), OTHER_RECORD[task]])


def test_dataset_rejects_plain_dicts(task):
    cls = TASKS[task][0]
    with pytest.raises((TypeError, ValueError)):
        cls([{"text": "a dict is not a record"}])


def test_int_index_returns_the_record(task):
    ds, records = build(task)
    assert ds[0] is records[0]
    assert ds[1] is records[1]
    assert ds[-1] is records[-1]


def test_index_out_of_range_raises_index_error(task):
    ds, records = build(task)
    with pytest.raises(IndexError):
        ds[len(records)]


def test_slice_returns_a_list_of_the_records_as_rubrix(task):
    ds, records = build(task)
    part = ds[1:]
    assert type(part) is list
    assert part == records[1:]
    assert ds[::2] == records[::2]
    assert len(ds) == len(records)  # the original is untouched


def test_iteration_yields_records_in_order_and_can_repeat(task):
    ds, records = build(task)
    assert [r for r in ds] == records
    assert [r for r in ds] == records


def test_setitem_replaces_with_a_record_of_the_task(task):
    ds, records = build(task)
    ds[0] = records[-1]
    assert ds[0] is records[-1]
    assert len(ds) == len(records)


def test_setitem_rejects_a_record_of_another_task_and_keeps_the_old_one(task):
    ds, records = build(task)
    with pytest.raises(WrongRecordTypeError, match=type(OTHER_RECORD[task]).__name__):
        ds[0] = OTHER_RECORD[task]
    assert ds[0] is records[0]
    assert list(ds) == records


# =====================================================================================
# pandas
# =====================================================================================
def test_to_pandas_has_the_rubrix_columns_in_order(task):
    ds, _ = build(task)
    assert list(ds.to_pandas().columns) == TASKS[task][2]


def test_to_pandas_of_empty_dataset_has_the_columns(task):
    cls, _, columns = TASKS[task]
    df = cls([]).to_pandas()
    assert list(df.columns) == columns
    assert len(df) == 0


def test_to_pandas_has_one_row_per_record_with_its_fields(task):
    ds, records = build(task)
    df = ds.to_pandas()
    assert len(df) == len(records)
    for row, record in zip(df.itertuples(index=False), records):
        for field in type(record).model_fields:
            if field == "vectors":  # a column only when a record has vectors (test below)
                continue
            value = getattr(row, field)
            expected = getattr(record, field)
            if expected is None:
                assert value is None or pd.isna(value), field
            else:
                assert value == expected, field


def test_text_classification_to_pandas_text_column_is_the_single_text():
    df = rb.DatasetForTextClassification(tc_records()).to_pandas()
    assert df.text.tolist() == [r.text for r in tc_records()]
    assert df.multi_label.tolist() == [False, False, False]


def test_from_pandas_round_trips_to_pandas(task):
    ds, records = build(task)
    back = type(ds).from_pandas(ds.to_pandas())
    assert type(back) is type(ds)
    assert list(back) == records


def test_from_pandas_round_trips_multi_input_multi_label_records():
    records = tc_multi_records()
    back = rb.DatasetForTextClassification.from_pandas(
        rb.DatasetForTextClassification(records).to_pandas()
    )
    assert list(back) == records


def test_from_pandas_accepts_a_plain_frame_with_a_text_column():
    df = pd.DataFrame({"text": ["good", "bad"], "annotation": ["pos", None], "id": [1, 2]})
    ds = rb.DatasetForTextClassification.from_pandas(df)
    assert list(ds) == [
        rb.TextClassificationRecord(text="good", annotation="pos", id=1),
        rb.TextClassificationRecord(text="bad", id=2),
    ]
    assert [r.status for r in ds] == ["Validated", "Default"]


def test_from_pandas_warns_about_unknown_columns():
    df = pd.DataFrame({"text": ["good"], "rating": [5]})
    with pytest.warns(UserWarning, match="rating"):
        ds = rb.DatasetForTextClassification.from_pandas(df)
    assert ds[0] == rb.TextClassificationRecord(text="good")


def test_from_pandas_rejects_an_invalid_row_naming_the_field():
    df = pd.DataFrame({"text": ["good"], "prediction": [[("pos", 1.7)]]})
    with pytest.raises(ValueError, match="prediction"):
        rb.DatasetForTextClassification.from_pandas(df)


def test_read_pandas_returns_the_dataset_class_of_the_task(task):
    ds, records = build(task)
    back = rb.read_pandas(ds.to_pandas(), task=task)
    assert type(back) is TASKS[task][0]
    assert list(back) == records


def test_read_pandas_rejects_an_unknown_task():
    with pytest.raises(ValueError, match="TextClassification"):
        rb.read_pandas(pd.DataFrame({"text": ["a"]}), task="Summarization")


def test_token_classification_from_pandas_with_tags_column():
    df = pd.DataFrame(
        {"tokens": [["Michael", "lives", "in", "Paris"]], "tags": [["B-PER", "O", "O", "B-LOC"]]}
    )
    ds = rb.read_pandas(df, task="TokenClassification")
    assert ds[0].text == "Michael lives in Paris"
    assert ds[0].annotation == [("PER", 0, 7), ("LOC", 17, 22)]


# =====================================================================================
# Hugging Face datasets: from_datasets
# =====================================================================================
def sst_like():
    features = datasets.Features(
        {
            "sentence": datasets.Value("string"),
            "label": datasets.ClassLabel(names=["negative", "positive"]),
        }
    )
    return datasets.Dataset.from_dict(
        {"sentence": ["a dull film", "a triumph", "unlabelled one"], "label": [0, 1, -1]},
        features=features,
    )


def test_from_datasets_maps_class_label_ints_to_names():
    ds = rb.DatasetForTextClassification.from_datasets(
        sst_like(), text="sentence", annotation="label"
    )
    assert [r.text for r in ds] == ["a dull film", "a triumph", "unlabelled one"]
    assert [r.annotation for r in ds][:2] == ["negative", "positive"]
    assert all(type(r.annotation) is str for r in ds[:2])


def test_from_datasets_class_label_minus_one_means_no_annotation():
    ds = rb.DatasetForTextClassification.from_datasets(
        sst_like(), text="sentence", annotation="label"
    )
    assert ds[2].annotation is None
    assert ds[2].status == "Default"
    assert [r.status for r in ds[:2]] == ["Validated", "Validated"]


def test_from_datasets_reads_predictions_given_as_label_score_dicts():
    hf = datasets.Dataset.from_dict(
        {
            "sentence": ["a dull film", "a triumph"],
            "scores": [
                [{"label": "negative", "score": 0.2}, {"label": "positive", "score": 0.8}],
                [{"label": "positive", "score": 0.6}, {"label": "negative", "score": 0.4}],
            ],
        }
    )
    ds = rb.DatasetForTextClassification.from_datasets(hf, text="sentence", prediction="scores")
    assert ds[0].prediction == [("positive", 0.8), ("negative", 0.2)]
    assert ds[1].prediction == [("positive", 0.6), ("negative", 0.4)]


def test_from_datasets_inputs_keyword_builds_multi_field_inputs():
    hf = datasets.Dataset.from_dict(
        {
            "premise": ["A man plays guitar.", "Two dogs run."],
            "hypothesis": ["A person makes music.", "Cats sleep."],
            "label": ["entailment", "contradiction"],
        }
    )
    ds = rb.DatasetForTextClassification.from_datasets(
        hf, inputs=["premise", "hypothesis"], annotation="label"
    )
    assert ds[0].inputs == {"premise": "A man plays guitar.", "hypothesis": "A person makes music."}
    assert ds[1].inputs == {"premise": "Two dogs run.", "hypothesis": "Cats sleep."}
    assert [r.annotation for r in ds] == ["entailment", "contradiction"]


def test_from_datasets_metadata_keyword_collects_columns_into_metadata():
    hf = datasets.Dataset.from_dict(
        {
            "sentence": ["a", "b"],
            "source": ["imdb", "rt"],
            "year": [1999, 2004],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = rb.DatasetForTextClassification.from_datasets(
            hf, text="sentence", metadata=["source", "year"]
        )
    assert [r.metadata for r in ds] == [
        {"source": "imdb", "year": 1999},
        {"source": "rt", "year": 2004},
    ]


def test_from_datasets_warns_about_unmapped_columns():
    hf = datasets.Dataset.from_dict({"sentence": ["a", "b"], "idx": [0, 1]})
    with pytest.warns(UserWarning, match="idx"):
        ds = rb.DatasetForTextClassification.from_datasets(hf, text="sentence")
    assert [r.inputs for r in ds] == [{"text": "a"}, {"text": "b"}]


def test_from_datasets_rejects_a_dataset_dict_asking_for_a_split():
    dd = datasets.DatasetDict({"train": sst_like(), "test": sst_like()})
    with pytest.raises(ValueError, match="split|train"):
        rb.DatasetForTextClassification.from_datasets(dd, text="sentence", annotation="label")


def test_from_datasets_rejects_a_keyword_that_is_not_a_record_field():
    with pytest.raises(ValueError, match="sentence_col"):
        rb.DatasetForTextClassification.from_datasets(sst_like(), sentence_col="sentence")


def test_from_datasets_token_classification_with_class_label_tags():
    features = datasets.Features(
        {
            "tokens": datasets.Sequence(datasets.Value("string")),
            "ner_tags": datasets.Sequence(
                datasets.ClassLabel(names=["O", "B-PER", "I-PER", "B-LOC", "I-LOC"])
            ),
        }
    )
    hf = datasets.Dataset.from_dict(
        {"tokens": [["Michael", "Jordan", "visits", "New", "York"]], "ner_tags": [[1, 2, 0, 3, 4]]},
        features=features,
    )
    ds = rb.DatasetForTokenClassification.from_datasets(hf, tags="ner_tags")
    assert ds[0].text == "Michael Jordan visits New York"
    assert ds[0].annotation == [("PER", 0, 14), ("LOC", 22, 30)]


def test_from_datasets_text2text_maps_source_and_target():
    hf = datasets.Dataset.from_dict({"en": ["Hello", "Thanks"], "es": ["Hola", "Gracias"]})
    ds = rb.DatasetForText2Text.from_datasets(hf, text="en", annotation="es")
    assert [(r.text, r.annotation, r.status) for r in ds] == [
        ("Hello", "Hola", "Validated"),
        ("Thanks", "Gracias", "Validated"),
    ]


def test_read_datasets_picks_the_class_of_the_task():
    ds = rb.read_datasets(
        sst_like(), task="TextClassification", text="sentence", annotation="label"
    )
    assert type(ds) is rb.DatasetForTextClassification
    assert [r.annotation for r in ds] == ["negative", "positive", None]


def test_read_datasets_rejects_an_unknown_task():
    with pytest.raises(ValueError, match="TextClassification"):
        rb.read_datasets(sst_like(), task="Sentiment", text="sentence")


# =====================================================================================
# Hugging Face datasets: to_datasets -> from_datasets round trips
# =====================================================================================
def test_to_datasets_gives_a_hugging_face_dataset_with_a_row_per_record(task):
    ds, records = build(task)
    hf = ds.to_datasets()
    assert isinstance(hf, datasets.Dataset)
    assert hf.num_rows == len(records)


def test_to_datasets_then_from_datasets_round_trips(task):
    ds, records = build(task)
    back = type(ds).from_datasets(ds.to_datasets())
    assert list(back) == records


def test_read_datasets_round_trips_to_datasets(task):
    ds, records = build(task)
    back = rb.read_datasets(ds.to_datasets(), task=task)
    assert type(back) is type(ds)
    assert list(back) == records


def test_datasets_round_trip_of_multi_input_multi_label_records():
    records = tc_multi_records()
    hf = rb.DatasetForTextClassification(records).to_datasets()
    assert list(rb.DatasetForTextClassification.from_datasets(hf)) == records


def test_datasets_round_trip_keeps_metadata_whose_keys_differ_between_records():
    records = [
        rb.TextClassificationRecord(text="a", id=1, metadata={"movie": "Heat"}),
        rb.TextClassificationRecord(text="b", id=2, metadata={"year": 1995}),
    ]
    hf = rb.DatasetForTextClassification(records).to_datasets()
    back = rb.DatasetForTextClassification.from_datasets(hf)
    assert [r.metadata for r in back] == [{"movie": "Heat"}, {"year": 1995}]


def test_datasets_round_trip_keeps_int_ids_when_some_records_have_none():
    records = [rb.TextClassificationRecord(text="a", id=1), rb.TextClassificationRecord(text="b")]
    hf = rb.DatasetForTextClassification(records).to_datasets()
    back = rb.DatasetForTextClassification.from_datasets(hf)
    assert [r.id for r in back] == [1, None]


def test_datasets_round_trip_of_records_with_different_input_keys():
    records = [
        rb.TextClassificationRecord(inputs={"title": "T", "body": "B"}, id="a"),
        rb.TextClassificationRecord(text="just text", id="b"),
    ]
    hf = rb.DatasetForTextClassification(records).to_datasets()
    assert list(rb.DatasetForTextClassification.from_datasets(hf)) == records


def test_datasets_round_trip_of_explanations_with_different_labels_per_token():
    records = [
        rb.TextClassificationRecord(
            text="good but long",
            explanation={
                "text": [
                    rb.TokenAttributions(token="good", attributions={"pos": 0.9}),
                    rb.TokenAttributions(token="long", attributions={"neg": 0.4}),
                ]
            },
        ),
    ]
    hf = rb.DatasetForTextClassification(records).to_datasets()
    assert list(rb.DatasetForTextClassification.from_datasets(hf)) == records


def test_datasets_round_trip_of_single_and_multi_label_records_together():
    records = [
        rb.TextClassificationRecord(text="a", annotation="x", id=1),
        rb.TextClassificationRecord(text="b", multi_label=True, annotation=["x", "y"], id=2),
    ]
    hf = rb.DatasetForTextClassification(records).to_datasets()
    assert list(rb.DatasetForTextClassification.from_datasets(hf)) == records


# =====================================================================================
# end to end with real data: build, rb.log, rb.load
# =====================================================================================
def test_log_and_load_real_movie_reviews_dataset(rotten_tomatoes):
    frame = rotten_tomatoes.dropna(subset=["text"]).reset_index(drop=True)
    records = [
        rb.TextClassificationRecord(
            text=row.text,
            annotation=row.category,
            id=i,
            prediction=[(row.category, 0.7), ("plot" if row.category != "plot" else "fresh", 0.3)],
            prediction_agent="heuristic",
            metadata={"movie": row.movie_name},
        )
        for i, row in enumerate(frame.itertuples(index=False))
    ]
    ds = rb.DatasetForTextClassification(records)
    assert {r.annotation for r in ds} == {"fresh", "rotten", "plot"}

    response = rb.log(ds, "rotten-tomatoes")
    assert response.processed == len(records)
    assert response.failed == 0

    loaded = rb.load("rotten-tomatoes")
    assert list(loaded.columns) == TC_COLUMNS
    back = rb.DatasetForTextClassification.from_pandas(loaded)
    assert len(back) == len(records)
    assert list(back) == records
    assert loaded.records == records


def test_log_and_load_real_ner_dataset_built_from_iob_tags(ner_sentences):
    records = [
        rb.TokenClassificationRecord(
            tokens=[w for w, _ in sentence], tags=[t for _, t in sentence], id=i
        )
        for i, sentence in enumerate(ner_sentences)
    ]
    ds = rb.DatasetForTokenClassification(records)
    first = ds[0]
    assert [first.text[s:e] for _, s, e in first.annotation] == ["Empire State Building", "ESB"]
    assert {label for label, _, _ in first.annotation} == {"facility"}

    response = rb.log(ds, "wnut")
    assert response.processed == len(records)

    loaded = rb.load("wnut")
    assert list(loaded.columns) == TOKEN_COLUMNS
    assert list(rb.DatasetForTokenClassification.from_pandas(loaded)) == records


def test_log_and_load_real_ner_dataset_through_hugging_face(ner_sentences):
    sentences = ner_sentences[:300]
    hf = datasets.Dataset.from_dict(
        {
            "id": list(range(len(sentences))),
            "tokens": [[w for w, _ in s] for s in sentences],
            "ner_tags": [[t for _, t in s] for s in sentences],
        }
    )
    ds = rb.read_datasets(hf, task="TokenClassification", tags="ner_tags")
    assert [r.id for r in ds] == list(range(len(sentences)))
    assert sum(len(r.annotation or []) for r in ds) > 50
    rb.log(ds, "wnut-hf")
    assert list(rb.DatasetForTokenClassification.from_pandas(rb.load("wnut-hf"))) == list(ds)


def test_to_pandas_has_a_vectors_column_in_argillas_place_when_a_record_has_vectors():
    records = [
        rb.TextClassificationRecord(text="a", vectors={"v": [1.0, 2.0]}),
        rb.TextClassificationRecord(text="b"),
    ]
    df = rb.DatasetForTextClassification(records).to_pandas()
    columns = df.columns.tolist()
    assert columns.index("vectors") == columns.index("annotation_agent") + 1
    assert df.vectors.tolist() == [{"v": [1.0, 2.0]}, None]
    back = rb.DatasetForTextClassification.from_pandas(df)
    assert back[0].vectors == {"v": [1.0, 2.0]}
