"""Dataset classes and rb.load frames behave as Rubrix 0.18's ``client/datasets.py`` does.

Rubrix's ``rb.load`` returned a ``DatasetFor*``; ours returns a DataFrame (``RecordsFrame``)
that also answers what Rubrix code asks of it: ``.to_datasets()``, ``.to_pandas()``,
``.prepare_for_training()`` and ``for record in ds``. Each test names the promise it checks;
where we differ on purpose, the test pins our behaviour and says why.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import pickle
import sys
import warnings

import datasets
import pandas as pd
import pytest

import rubrix_widgets as rb
from rubrix_widgets.dataset_classes import DatasetBase, Framework, WrongRecordTypeError

TC_COLUMNS = [
    "text",
    "inputs",
    "prediction",
    "prediction_agent",
    "annotation",
    "annotation_agent",
    "multi_label",
    "explanation",
    "id",
    "metadata",
    "status",
    "event_timestamp",
    "metrics",
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
    "metrics",
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
    "metrics",
]
WHEN = dt.datetime(2022, 5, 17, 9, 30)


def feature(value):
    """A feature as ``datasets`` stores it (Rubrix wrote list features as ``[...]``)."""
    return datasets.Features({"x": value})["x"]


def quietly(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


# -- real data as records of each task ---------------------------------------------------------
@pytest.fixture(scope="module")
def review_records(rotten_tomatoes):
    """600 real reviews: predictions, gold labels on some, metadata, timestamps, explanations."""
    frame = rotten_tomatoes.dropna(subset=["text"]).head(600).reset_index(drop=True)
    records = []
    for i, row in frame.iterrows():
        score = 0.55 + (i % 40) / 100
        other = "rotten" if row.category == "fresh" else "fresh"
        first_word = row.text.split()[0]
        records.append(
            rb.TextClassificationRecord(
                text=row.text,
                id=i,
                prediction=[(row.category, score), (other, round(1 - score, 2))],
                prediction_agent="tfidf",
                annotation=row.category if i % 3 else None,
                annotation_agent="critic" if i % 3 else None,
                metadata={"movie": row.movie_name, "n": i % 7},
                event_timestamp=WHEN + dt.timedelta(minutes=i) if i % 2 else None,
                explanation=(
                    {"text": [rb.TokenAttributions(token=first_word, attributions={other: 0.2})]}
                    if i % 10 == 0
                    else None
                ),
                status="Discarded" if i % 17 == 0 else None,
            )
        )
    return records


@pytest.fixture(scope="module")
def tweet_records(ner_sentences):
    """800 real NER tweets: gold spans from their BIO tags, and a fake model's predictions."""
    records = []
    for i, sentence in enumerate(ner_sentences[:800]):
        gold = rb.TokenClassificationRecord(
            tokens=[t for t, _ in sentence], tags=[tag for _, tag in sentence]
        )
        spans = gold.annotation or []
        records.append(
            rb.TokenClassificationRecord(
                text=gold.text,
                tokens=list(gold.tokens),
                id=f"tweet-{i}",
                annotation=spans if i % 4 else None,
                prediction=[
                    (label, s, e, 0.5 + (k % 5) / 10) for k, (label, s, e) in enumerate(spans)
                ],
                prediction_agent="ner-v1",
                metadata={"n_tokens": len(sentence)},
            )
        )
    return records


@pytest.fixture(scope="module")
def reply_records(chatterbot_pairs):
    """500 real prompt / reply pairs: the reply as a prediction, and as annotation on some."""
    return [
        rb.Text2TextRecord(
            text=prompt,
            id=i,
            prediction=[(reply, 0.8), "a canned reply"],
            annotation=reply if i % 2 else None,
            metadata={"length": len(reply)},
        )
        for i, (prompt, reply) in enumerate(chatterbot_pairs[:500])
    ]


TASK_DATA = {
    "TextClassification": ("review_records", rb.DatasetForTextClassification, TC_COLUMNS),
    "TokenClassification": ("tweet_records", rb.DatasetForTokenClassification, TOKEN_COLUMNS),
    "Text2Text": ("reply_records", rb.DatasetForText2Text, T2T_COLUMNS),
}


@pytest.fixture(params=list(TASK_DATA))
def task_data(request):
    fixture, cls, columns = TASK_DATA[request.param]
    return request.param, request.getfixturevalue(fixture), cls, columns


# =====================================================================================
# the container
# =====================================================================================
def test_dataset_base_holds_no_records_itself():
    with pytest.raises(NotImplementedError, match="DatasetForTextClassification"):
        DatasetBase()


def test_records_of_another_type_are_a_wrong_record_type_error_naming_them(review_records):
    with pytest.raises(WrongRecordTypeError, match="Text2TextRecord"):
        rb.DatasetForTextClassification([*review_records[:2], rb.Text2TextRecord(text="x")])
    # Rubrix's WrongRecordTypeError; it is a ValueError too, as bad input is here
    assert issubclass(WrongRecordTypeError, ValueError)


def test_setting_a_record_of_another_type_is_refused_and_a_slice_is_checked_item_by_item(
    review_records,
):
    ds = rb.DatasetForTextClassification(review_records[:4])
    with pytest.raises(WrongRecordTypeError, match="Text2TextRecord"):
        ds[0] = rb.Text2TextRecord(text="x")
    with pytest.raises(WrongRecordTypeError, match="str"):
        ds[1:3] = [review_records[5], "not a record"]
    assert list(ds) == review_records[:4]  # nothing changed
    ds[1:3] = [review_records[9]]
    assert list(ds) == [review_records[0], review_records[9], review_records[3]]


def test_a_dataset_indexes_deletes_and_counts_like_the_list_of_its_records(review_records):
    ds = rb.DatasetForTextClassification(review_records[:5])
    assert ds[-1].id == 4 and ds[0] is review_records[0]
    assert ds[1:3] == review_records[1:3] and type(ds[1:3]) is list  # Rubrix: a plain list
    del ds[0]
    assert len(ds) == 4 and [r.id for r in ds] == [1, 2, 3, 4]
    assert ds._RECORD_TYPE is rb.TextClassificationRecord  # read by Rubrix-era code


def test_repr_names_the_class_and_how_many_records():
    # Rubrix 0.18 printed the default <DatasetForText2Text object at 0x...>
    ds = rb.DatasetForText2Text([rb.Text2TextRecord(text="a"), rb.Text2TextRecord(text="b")])
    assert repr(ds) == str(ds) == "DatasetForText2Text(2 records)"


# =====================================================================================
# to_pandas / from_pandas
# =====================================================================================
def test_a_loaded_frame_to_pandas_is_the_dataset_class_to_pandas_of_its_records(task_data):
    task, records, cls, _ = task_data
    quietly(rb.log, records, "data")
    loaded = rb.load("data")
    expected = cls(records).to_pandas()
    pd.testing.assert_frame_equal(loaded.to_pandas(), expected)
    if task == "TokenClassification":  # tuples, as the records hold them (and Rubrix's did)
        assert {type(t) for t in loaded.to_pandas().tokens} == {tuple}
    assert list(expected.columns) == [*TASK_DATA[task][2], "search_keywords"]
    assert type(loaded.to_pandas()) is pd.DataFrame


def test_from_pandas_reads_rubrix_to_pandas_output_including_read_only_metrics(review_records):
    records = [r.model_copy() for r in review_records[:3]]
    frame = rb.DatasetForTextClassification(records).to_pandas()
    frame["metrics"] = [None, {"text_length": 42}, None]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every column is a field: no warning
        back = rb.DatasetForTextClassification.from_pandas(frame)
    assert [r.model_dump() for r in back] == [r.model_dump() for r in records]
    assert [r.metrics for r in back] == [None, {"text_length": 42}, None]


def test_from_pandas_ignores_columns_that_are_not_fields_with_one_warning():
    frame = pd.DataFrame({"text": ["good", "bad"], "stars": [5, 1], "source": ["a", "b"]})
    with pytest.warns(UserWarning, match=r"\['stars', 'source'\]") as caught:
        ds = rb.DatasetForTextClassification.from_pandas(frame)
    assert len(caught) == 1
    assert [r.text for r in ds] == ["good", "bad"]


def test_token_records_from_pandas_take_a_tags_column():
    frame = pd.DataFrame({"tokens": [["Ada", "met", "Bob"]], "tags": [["B-PER", "O", "B-PER"]]})
    ds = rb.read_pandas(frame, task="TokenClassification")
    assert ds[0].annotation == [("PER", 0, 3), ("PER", 8, 11)]


# =====================================================================================
# to_datasets
# =====================================================================================
def test_to_datasets_has_rubrix_columns_in_order_without_search_keywords(task_data):
    _, records, cls, columns = task_data
    assert cls(records).to_datasets().column_names == columns
    assert cls([]).to_datasets().column_names == columns  # no record, same columns


def test_to_datasets_writes_predictions_and_spans_as_rubrix_structs(
    review_records, tweet_records, reply_records
):
    string, number, integer = (datasets.Value(t) for t in ("string", "float64", "int64"))
    tc = rb.DatasetForTextClassification(review_records).to_datasets().features
    assert tc["prediction"] == feature([{"label": string, "score": number}])
    assert tc["annotation"] == string
    token = rb.DatasetForTokenClassification(tweet_records).to_datasets().features
    span = {"label": string, "start": integer, "end": integer}
    assert token["prediction"] == feature([{**span, "score": number}])
    assert token["annotation"] == feature([span])
    t2t = rb.DatasetForText2Text(reply_records).to_datasets().features
    assert t2t["prediction"] == feature([{"text": string, "score": number}])


def test_records_without_id_or_metadata_give_none_in_those_columns():
    for ds in (
        rb.DatasetForTextClassification([rb.TextClassificationRecord(text="mock")]),
        rb.DatasetForTokenClassification([rb.TokenClassificationRecord(text="mock")]),
        rb.DatasetForText2Text([rb.Text2TextRecord(text="mock")]),
    ):
        exported = ds.to_datasets()
        assert exported["id"] == [None] and exported["metadata"] == [None]
        assert rb.read_datasets(exported, task=ds.task)[0].id is None


def test_a_predicted_span_without_a_score_is_written_with_score_zero():
    record = rb.TokenClassificationRecord(text="Ada met Bob", prediction=[("PER", 0, 3)])
    exported = rb.DatasetForTokenClassification([record]).to_datasets()
    assert exported["prediction"] == [[{"label": "PER", "start": 0, "end": 3, "score": 0.0}]]


@pytest.mark.parametrize("ids", [[7, 8, 9], ["a", "b", "c"], [1, None, 3]])
def test_int_ids_stay_int_and_str_ids_stay_str_through_every_bridge(ids, review_records):
    # Rubrix wrote every id as a str to datasets; an int id stays an int here
    records = [r.model_copy(update={"id": i}) for r, i in zip(review_records[:3], ids)]
    ds = rb.DatasetForTextClassification(records)
    through_datasets = rb.DatasetForTextClassification.from_datasets(ds.to_datasets())
    through_read = rb.read_datasets(ds.to_datasets(), task="TextClassification")
    through_pandas = rb.read_pandas(ds.to_pandas(), task="TextClassification")
    for back in (through_datasets, through_read, through_pandas):
        assert [r.id for r in back] == ids
        assert [type(r.id) for r in back] == [type(i) for i in ids]
    rb.log(records[::2], "ids")
    assert [type(i) for i in rb.load("ids").to_datasets()["id"]] == [type(ids[0])] * 2


def test_mixed_int_and_str_ids_are_written_as_str():
    # one Arrow column holds one type: the ints become their text
    records = [rb.Text2TextRecord(text="a", id=1), rb.Text2TextRecord(text="b", id="x")]
    assert rb.DatasetForText2Text(records).to_datasets()["id"] == ["1", "x"]


def test_inputs_whose_keys_differ_are_one_struct_column_read_back_exactly():
    records = [
        rb.TextClassificationRecord(inputs={"title": "Budget", "body": "Vote passed"}, id=1),
        rb.TextClassificationRecord(text="just a text", id=2),
        rb.TextClassificationRecord(inputs={"title": "Only a title"}, id=3),
    ]
    exported = rb.DatasetForTextClassification(records).to_datasets()
    assert set(exported.features["inputs"]) == {"title", "body", "text"}
    assert exported["text"] == [None, "just a text", None]  # record.text, as Rubrix's
    assert list(rb.DatasetForTextClassification.from_datasets(exported)) == records
    rb.log(records, "inputs")
    loaded = rb.load("inputs")
    assert loaded.text.tolist() == [r.text for r in records] == [None, "just a text", None]
    assert loaded.to_datasets().to_list() == exported.to_list()


def test_metadata_whose_key_changes_type_is_kept_as_json_text_with_a_warning():
    # Rubrix dropped the whole metadata column here (with a warning); nothing is lost here
    records = [
        rb.Text2TextRecord(text="a", id=1, metadata={"rating": 5}),
        rb.Text2TextRecord(text="b", id=2, metadata={"rating": "five"}),
    ]
    with pytest.warns(UserWarning, match="JSON text in the 'metadata' column"):
        exported = rb.DatasetForText2Text(records).to_datasets()
    assert exported.column_names == T2T_COLUMNS
    assert [json.loads(m) for m in exported["metadata"]] == [{"rating": 5}, {"rating": "five"}]
    assert list(rb.DatasetForText2Text.from_datasets(exported)) == records


def test_read_only_metrics_are_written_and_read_back():
    record = rb.Text2TextRecord(text="a", id=1, metrics={"text_length": 1})
    exported = rb.DatasetForText2Text([record]).to_datasets()
    assert exported["metrics"] == [{"text_length": 1}]
    assert rb.DatasetForText2Text.from_datasets(exported)[0].metrics == {"text_length": 1}


def test_a_loaded_frame_to_datasets_is_the_dataset_class_to_datasets_of_its_records(task_data):
    _, records, cls, _ = task_data
    quietly(rb.log, records, "data")
    loaded = rb.load("data")
    from_frame, from_records = loaded.to_datasets(), cls(records).to_datasets()
    assert from_frame.features == from_records.features
    assert from_frame.data.table.equals(from_records.data.table)
    assert list(cls.from_datasets(from_frame)) == records


def test_a_filtered_sliced_or_copied_frame_exports_its_own_rows(review_records):
    rb.log(review_records, "reviews")
    loaded = rb.load("reviews")
    for part in (loaded[loaded.status == "Discarded"], loaded.iloc[10:20], loaded.copy()):
        expected = rb.DatasetForTextClassification(part.records).to_datasets()
        assert part.to_datasets().to_list() == expected.to_list()
    assert len(loaded[loaded.status == "Discarded"].to_datasets()) == 36


def test_an_edited_frame_with_a_bad_value_is_refused_naming_the_row(review_records):
    rb.log(review_records[:10], "reviews")
    loaded = rb.load("reviews")
    loaded.at[3, "prediction"] = [("fresh", 1.5)]
    with pytest.raises(ValueError, match=r"row 3 \(id=3\).*prediction"):
        loaded.to_datasets()


# =====================================================================================
# from_datasets
# =====================================================================================
def test_from_datasets_takes_rubrix_arguments_in_rubrix_order():
    hf = datasets.Dataset.from_dict(
        {"sentence": ["a dull film"], "idx": [3], "label": ["neg"], "movie": ["Cats"]}
    )
    # TextClassification: (dataset, text, id, inputs, annotation, metadata)
    tc = rb.DatasetForTextClassification.from_datasets(
        hf, "sentence", "idx", None, "label", "movie"
    )
    assert (tc[0].text, tc[0].id, tc[0].annotation, tc[0].metadata) == (
        "a dull film",
        3,
        "neg",
        {"movie": "Cats"},
    )
    # Text2Text: (dataset, text, annotation, metadata, id)
    t2t = rb.DatasetForText2Text.from_datasets(hf, "sentence", "label", ["movie"], "idx")
    assert (t2t[0].text, t2t[0].annotation, t2t[0].metadata, t2t[0].id) == (
        "a dull film",
        "neg",
        {"movie": "Cats"},
        3,
    )
    # TokenClassification: (dataset, text, id, tokens, tags, metadata)
    tokens = datasets.Dataset.from_dict({"words": [["Ada", "sings"]], "bio": [["B-PER", "O"]]})
    token = rb.DatasetForTokenClassification.from_datasets(tokens, None, None, "words", "bio")
    assert token[0].annotation == [("PER", 0, 3)]


def test_a_dataset_with_only_an_inputs_column_gives_text_records_with_rubrix_future_warning():
    hf = datasets.Dataset.from_dict({"inputs": ["mock"]})
    with pytest.warns(FutureWarning, match="inputs given as a str"):  # as Rubrix warns
        ds = rb.DatasetForTextClassification.from_datasets(hf)
    assert ds[0].inputs == {"text": "mock"}


def test_an_inputs_value_wins_over_the_text_column_row_by_row():
    hf = datasets.Dataset.from_dict(
        {"text": ["plain", "the text"], "inputs": [{"title": "T", "body": "B"}, None]}
    )
    ds = rb.DatasetForTextClassification.from_datasets(hf)
    assert [r.inputs for r in ds] == [{"title": "T", "body": "B"}, {"text": "the text"}]


def test_class_label_lists_are_names_and_a_row_with_an_unknown_int_has_no_annotation():
    names = datasets.ClassLabel(names=["joy", "anger", "fear"])
    hf = datasets.Dataset.from_dict(
        {"text": ["a", "b", "c", "d"], "labels": [[0, 2], [1], [0, -1], []]},
        features=datasets.Features({"text": datasets.Value("string"), "labels": [names]}),
    )
    ds = rb.DatasetForTextClassification.from_datasets(hf, annotation="labels")
    assert [r.annotation for r in ds] == [["joy", "fear"], ["anger"], None, []]
    assert all(r.multi_label for r in ds)


def test_token_rows_without_tokens_are_skipped_with_one_warning(ner_sentences):
    tokens = [[t for t, _ in s] for s in ner_sentences[:6]]
    tokens[1], tokens[4] = [], None
    hf = datasets.Dataset.from_dict({"words": tokens})
    with pytest.warns(UserWarning, match=r"2 rows have no tokens.*\[1, 4\]") as caught:
        ds = rb.DatasetForTokenClassification.from_datasets(hf, tokens="words")
    assert len(caught) == 1
    assert [list(r.tokens) for r in ds] == [t for t in tokens if t]


def test_class_label_tags_with_an_unknown_int_give_no_annotation():
    tags = datasets.ClassLabel(names=["O", "B-PER", "I-PER"])
    hf = datasets.Dataset.from_dict(
        {"tokens": [["Ada", "Lovelace"], ["Bob", "sings"]], "ner_tags": [[1, 2], [1, -1]]},
        features=datasets.Features({"tokens": [datasets.Value("string")], "ner_tags": [tags]}),
    )
    ds = rb.DatasetForTokenClassification.from_datasets(hf, tags="ner_tags")
    assert [r.annotation for r in ds] == [[("PER", 0, 12)], None]


def test_predicted_span_dicts_without_a_score_get_score_zero():
    hf = datasets.Dataset.from_dict(
        {
            "text": ["Ada met Bob"],
            "tokens": [["Ada", "met", "Bob"]],
            "prediction": [[{"label": "PER", "start": 0, "end": 3, "score": None}]],
        }
    )
    assert rb.DatasetForTokenClassification.from_datasets(hf)[0].prediction == [("PER", 0, 3, 0.0)]


def test_text2text_predictions_given_as_texts_or_scoreless_dicts_score_one():
    hf = datasets.Dataset.from_dict({"text": ["Hello", "Bye"], "prediction": [["Hola"], ["Adiós"]]})
    assert [r.prediction for r in rb.DatasetForText2Text.from_datasets(hf)] == [
        [("Hola", 1.0)],
        [("Adiós", 1.0)],
    ]
    scored = datasets.Dataset.from_dict(
        {
            "text": ["Hello"],
            "prediction": [[{"text": "Hola", "score": None}, {"text": "Qué tal", "score": 0.3}]],
        }
    )
    assert rb.DatasetForText2Text.from_datasets(scored)[0].prediction == [
        ("Hola", 1.0),
        ("Qué tal", 0.3),
    ]


def test_columns_that_are_not_fields_are_ignored_with_one_warning_naming_them():
    hf = datasets.Dataset.from_dict({"text": ["a"], "idx": [0], "split": ["train"]})
    with pytest.warns(UserWarning, match=r"\['idx', 'split'\].*metadata=") as caught:
        ds = rb.DatasetForText2Text.from_datasets(hf)
    assert len(caught) == 1 and ds[0].metadata == {}


def test_a_mapped_column_the_dataset_lacks_is_a_value_error_listing_its_columns():
    hf = datasets.Dataset.from_dict({"sentence": ["a"]})
    with pytest.raises(ValueError, match=r"no column 'review'.*\['sentence'\]"):
        rb.DatasetForTextClassification.from_datasets(hf, text="review")


def test_a_dataset_dict_is_refused_asking_for_one_split():
    hf = datasets.Dataset.from_dict({"text": ["a"]})
    with pytest.raises(ValueError, match=r"one split.*\['train'\]"):
        rb.DatasetForText2Text.from_datasets(datasets.DatasetDict(train=hf))


def test_a_dataset_with_a_numpy_format_is_read_as_plain_values():
    hf = datasets.Dataset.from_dict({"text": ["Ada met Bob"], "tokens": [["Ada", "met", "Bob"]]})
    ds = rb.DatasetForTokenClassification.from_datasets(hf.with_format("numpy"))
    assert list(ds[0].tokens) == ["Ada", "met", "Bob"]


def test_read_functions_take_a_task_enum_and_refuse_an_unknown_task():
    class TaskType(enum.Enum):  # Rubrix's rubrix.client.sdk.datasets.models.TaskType
        text2text = "Text2Text"

    hf = datasets.Dataset.from_dict({"text": ["a"]})
    assert type(rb.read_datasets(hf, TaskType.text2text)) is rb.DatasetForText2Text
    assert type(rb.read_pandas(hf.to_pandas(), TaskType.text2text)) is rb.DatasetForText2Text
    with pytest.raises(ValueError, match="Text2Text"):
        rb.read_datasets(hf, "Summarization")


def test_framework_enum_names_rubrix_frameworks_and_refuses_others():
    assert Framework("transformers") is Framework.TRANSFORMERS
    assert Framework.SPACY.value == "spacy"
    with pytest.raises(ValueError, match="'pytorch'.*'transformers'"):
        Framework("pytorch")


# =====================================================================================
# rb.load frames where Rubrix code expects a DatasetFor*
# =====================================================================================
def test_iterating_a_loaded_frame_gives_its_records_as_rubrix(review_records):
    rb.log(review_records, "reviews")
    loaded = rb.load("reviews")
    inputs, labels = [], []
    for record in loaded:  # Rubrix's basics guide
        if record.annotation:
            inputs.append(record.text)
            labels.append(record.annotation)
    annotated = [r for r in review_records if r.annotation]
    assert inputs == [r.text for r in annotated] and labels == [r.annotation for r in annotated]
    assert list(loaded) == review_records
    assert list(loaded[loaded.id < 5]) == review_records[:5]


def test_a_loaded_frame_stays_a_pandas_frame_for_pandas(review_records):
    rb.log(review_records[:20], "reviews")
    loaded = rb.load("reviews")
    assert "[20 rows x 12 columns]" in repr(loaded) and "<table" in loaded._repr_html_()
    assert list(loaded.columns)[:3] == ["inputs", "prediction", "annotation"]
    assert "text" in loaded and list(dict(loaded)) == list(loaded.columns)
    assert list(loaded.to_pandas())[:2] == ["text", "inputs"]  # a plain frame: pandas' labels
    assert pickle.loads(pickle.dumps(loaded)).equals(loaded)
    rb.log(loaded.copy(), "copy")
    pd.testing.assert_frame_equal(rb.load("copy").to_pandas(), loaded.to_pandas())


def test_an_int_key_on_a_loaded_frame_says_to_use_records_or_iloc(review_records):
    rb.log(review_records[:5], "reviews")
    loaded = rb.load("reviews")
    with pytest.raises(KeyError, match=r"ds.records\[-1\].*ds.iloc\[-1\]"):
        _ = loaded[-1].id  # Rubrix: the last record's id
    assert loaded.records[-1].id == loaded.iloc[-1].id == 4
    numbered = loaded.assign(**{"0": 1}).rename(columns={"0": 0})
    assert numbered[0].tolist() == [1] * 5  # a real column named 0 still answers


def test_using_a_record_as_a_column_key_says_iteration_gives_records(review_records):
    rb.log(review_records[:3], "reviews")
    loaded = rb.load("reviews")
    with pytest.raises(KeyError, match="gives its records.*ds.columns"):
        [loaded[column] for column in loaded]  # pandas code that meant column labels


def test_without_the_datasets_package_every_bridge_is_a_module_not_found_error(
    review_records, monkeypatch
):
    rb.log(review_records[:3], "reviews")
    loaded = rb.load("reviews")
    ds = rb.DatasetForTextClassification(review_records[:3])
    exported = ds.to_datasets()
    monkeypatch.setitem(sys.modules, "datasets", None)
    for call in (
        ds.to_datasets,
        loaded.to_datasets,
        lambda: rb.DatasetForTextClassification.from_datasets(exported),
        lambda: rb.read_datasets(exported, "TextClassification"),
    ):
        with pytest.raises(ModuleNotFoundError, match="pip install"):  # as Rubrix raises
            call()
