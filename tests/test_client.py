"""The rb client API: log, load, datasets, delete, copy, snapshots, settings."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import rubrix_widgets as rb

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


def tc(i, **kw):
    return rb.TextClassificationRecord(text=f"record number {i}", id=i, **kw)


# -- log / load basics -------------------------------------------------------------------
def test_log_returns_bulk_response_and_load_returns_frame_in_rubrix_column_order():
    response = rb.log([tc(1), tc(2)], "news")
    assert response == rb.BulkResponse(dataset="news", processed=2, failed=0)
    df = rb.load("news")
    assert list(df.columns) == TC_COLUMNS
    assert df.id.tolist() == [1, 2]
    assert isinstance(df.to_pandas(), pd.DataFrame) and type(df.to_pandas()) is pd.DataFrame


def test_load_columns_for_token_classification_and_text2text():
    rb.log(rb.TokenClassificationRecord(text="Paris is nice", annotation=[("LOC", 0, 5)]), "ner")
    rb.log(rb.Text2TextRecord(text="hola", prediction=["hello"]), "t2t")
    assert list(rb.load("ner").columns) == TOKEN_COLUMNS
    assert list(rb.load("t2t").columns) == T2T_COLUMNS


def test_single_record_is_accepted():
    rb.log(tc(7), "one")
    assert rb.load("one").id.tolist() == [7]


def test_rows_come_in_first_logged_order_and_updates_keep_their_place():
    rb.log([tc(3), tc(1), tc(2)], "order")
    rb.log([tc(1, annotation="x"), tc(9)], "order")
    df = rb.load("order")
    assert df.id.tolist() == [3, 1, 2, 9]
    assert df.set_index("id").annotation.to_dict() == {3: None, 1: "x", 2: None, 9: None}


def test_same_id_again_replaces_the_whole_record():
    rb.log(tc(1, metadata={"a": 1, "b": 2}, annotation="pos"), "upsert")
    rb.log(tc(1, metadata={"c": 3}), "upsert")
    row = rb.load("upsert").iloc[0]
    assert row.metadata == {"c": 3}
    assert row.annotation is None and row.status == "Default"
    assert len(rb.load("upsert")) == 1


def test_an_updated_record_is_found_by_its_new_values_only():
    rb.log([tc(1, annotation="old"), tc(2)], "reindex")
    rb.log(tc(1, annotation="new"), "reindex")
    assert rb.load("reindex", query="annotated_as:old").empty
    assert rb.load("reindex", query="annotated_as:new").id.tolist() == [1]
    assert len(rb.load("reindex", query="*")) == 2


def test_within_one_call_the_last_record_with_an_id_wins():
    rb.log([tc(1, annotation="a"), tc(2), tc(1, annotation="b")], "dupes")
    df = rb.load("dupes")
    assert df.id.tolist() == [1, 2]
    assert df.annotation.tolist() == ["b", None]


def test_records_without_id_get_a_uuid4_string():
    rb.log([rb.TextClassificationRecord(text="a"), rb.TextClassificationRecord(text="b")], "noid")
    ids = rb.load("noid").id.tolist()
    assert len(set(ids)) == 2
    assert all(isinstance(i, str) and len(i) == 36 for i in ids)


def test_int_ids_stay_int_and_mixed_ids_keep_their_types():
    rb.log([tc(np.int64(1)), tc(2)], "ints")
    df = rb.load("ints")
    assert df.id.dtype == np.int64 and df.id.tolist() == [1, 2]
    rb.log(rb.TextClassificationRecord(text="x", id="abc"), "ints")
    assert rb.load("ints").id.tolist() == [1, 2, "abc"]


def test_int_id_and_its_string_form_are_the_same_record():
    rb.log(tc(5), "same")
    rb.log(rb.TextClassificationRecord(text="again", id="5"), "same")
    assert rb.load("same").text.tolist() == ["again"]


def test_metadata_values_keep_their_types():
    metadata = {"f": 1.0, "i": 2, "s": "x", "b": True, "l": [1, "a"], "d": {"k": [1.5]}}
    rb.log(tc(1, metadata={**metadata, "n": None}), "meta")
    loaded = rb.load("meta").metadata[0]
    assert loaded == metadata  # a None value is dropped, as Rubrix's server dropped it
    assert isinstance(loaded["f"], float) and isinstance(loaded["i"], int)


def test_numpy_metadata_values_are_stored_as_python_values():
    rb.log(tc(1, metadata={"x": np.float32(0.5), "y": np.int64(3), "z": np.array([1, 2])}), "npm")
    assert rb.load("npm").metadata[0] == {"x": 0.5, "y": 3, "z": [1, 2]}


def test_records_round_trip_exactly_through_log_and_load():
    stamp = dt.datetime(2021, 5, 4, 10, 30)
    originals = [
        rb.TextClassificationRecord(
            inputs={"title": "A", "body": ["x", "y"]},
            prediction=[("a", 0.25), ("b", 0.75)],
            annotation=["a", "b"],
            multi_label=True,
            prediction_agent="m1",
            annotation_agent="me",
            explanation={"title": [rb.TokenAttributions(token="A", attributions={"a": 0.5})]},
            id="r1",
            metadata={"k": "v"},
            status="Edited",
            event_timestamp=stamp,
        ),
        rb.TextClassificationRecord(text="plain", id="r2", multi_label=True),
    ]
    rb.log(originals, "roundtrip")
    assert rb.load("roundtrip").records == originals
    tokens = rb.TokenClassificationRecord(
        text="Ann met 🙂 Bob",
        prediction=[("PER", 0, 3, 0.9), ("PER", 10, 13)],
        annotation=[("PER", 0, 3)],
        id=1,
    )
    rb.log(tokens, "tok")
    assert rb.load("tok").records == [tokens]
    t2t = rb.Text2TextRecord(
        text="hola", prediction=[("hi", 0.4), "hello"], annotation="hello", id=1
    )
    rb.log(t2t, "t2t")
    assert rb.load("t2t").records == [t2t]


def test_a_loaded_frame_logs_back_unchanged():
    rb.log(
        [tc(1, prediction=[("a", 0.6), ("b", 0.4)], metadata={"x": 1}), tc(2, annotation="a")],
        "src",
    )
    frame = rb.load("src")
    rb.log(frame, "dst")
    pd.testing.assert_frame_equal(rb.load("dst").to_pandas(), frame.to_pandas())


def test_a_plain_user_frame_with_a_text_column_logs():
    frame = pd.DataFrame(
        {
            "text": ["good", "bad"],
            "annotation": ["pos", None],
            "prediction": [[("pos", 0.9), ("neg", 0.1)], None],
            "id": [10, 11],
        }
    )
    rb.log(frame, "plain")
    df = rb.load("plain")
    assert df.annotation.tolist() == ["pos", None]
    assert df.status.tolist() == ["Validated", "Default"]
    assert df.prediction[0] == [("pos", 0.9), ("neg", 0.1)]


def test_unknown_frame_columns_are_ignored_with_a_warning():
    with pytest.warns(UserWarning, match="label"):
        rb.log(pd.DataFrame({"text": ["a"], "label": ["x"]}), "extra")
    assert len(rb.load("extra")) == 1


def test_a_bad_frame_row_is_rejected_naming_row_and_field_and_nothing_is_stored():
    rb.log(tc(1), "strict")
    frame = pd.DataFrame(
        {"text": ["ok", "bad"], "id": [2, 3], "prediction": [[("a", 0.5)], [("a", 1.5)]]}
    )
    with pytest.raises(ValueError, match=r"row 1 \(id=3\).*prediction"):
        rb.log(frame, "strict")
    assert rb.load("strict").id.tolist() == [1]


def test_token_frame_with_tokens_column_is_token_classification():
    frame = pd.DataFrame(
        {"text": ["Ann sings"], "tokens": [["Ann", "sings"]], "annotation": [[("PER", 0, 3)]]}
    )
    rb.log(frame, "tokframe")
    assert rb.datasets().set_index("name").task["tokframe"] == "TokenClassification"


def test_logging_a_dataset_class_uses_its_task():
    ds = rb.DatasetForText2Text([rb.Text2TextRecord(text="a", annotation="b")])
    rb.log(ds, "fromds")
    assert rb.load("fromds").annotation.tolist() == ["b"]


def test_a_series_of_records_logs():
    rb.log(pd.Series([tc(1), tc(2)]), "series")
    assert len(rb.load("series")) == 2


# -- errors ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "",
        "Upper",
        "-start",
        "_start",
        "has space",
        "../escape",
        "a/b",
        ".",
        "..",
        "dot.name",
        "x" * 201,
        None,
        3,
    ],
)
def test_bad_dataset_names_are_rejected_with_the_rule(name):
    with pytest.raises(ValueError, match=r"\^\(\?!-\|_\)\[a-z0-9-_\]\+\$"):
        rb.log(tc(1), name)


def test_empty_record_list_is_an_error():
    with pytest.raises(ValueError, match="empty"):
        rb.log([], "empty")
    with pytest.raises(ValueError, match="no rows"):
        rb.log(pd.DataFrame({"text": []}), "empty")


def test_mixing_tasks_in_one_call_is_an_error_naming_both_and_stores_nothing():
    with pytest.raises(ValueError, match="Text2Text.*TextClassification"):
        rb.log([tc(1), rb.Text2TextRecord(text="x")], "mixed")
    with pytest.raises(rb.NotFoundError):
        rb.load("mixed")


def test_logging_another_task_into_a_dataset_is_an_error_naming_both():
    rb.log(tc(1), "tasked")
    with pytest.raises(ValueError, match="TextClassification.*TokenClassification"):
        rb.log(rb.TokenClassificationRecord(text="a b"), "tasked")
    assert rb.load("tasked").id.tolist() == [1]


def test_loading_a_missing_dataset_raises_not_found_listing_datasets():
    rb.log(tc(1), "exists")
    with pytest.raises(rb.NotFoundError, match="nope.*exists"):
        rb.load("nope")


def test_not_found_error_is_a_lookup_error():
    assert issubclass(rb.NotFoundError, LookupError)


def test_query_syntax_error_is_a_value_error_showing_where():
    rb.log(tc(1), "q")
    with pytest.raises(rb.QuerySyntaxError) as info:
        rb.load("q", query="status:(Default")
    assert isinstance(info.value, ValueError)
    assert "status:(Default" in str(info.value) and "^" in str(info.value)


def test_bad_limit_is_rejected():
    rb.log(tc(1), "lim")
    with pytest.raises(ValueError, match="limit"):
        rb.load("lim", limit=-1)


def test_lowercase_and_between_clauses_warns():
    rb.log(tc(1), "warns")
    with pytest.warns(UserWarning, match="'and'.*AND"):
        rb.load("warns", query="record and number")


def test_bad_tags_and_metadata_are_rejected():
    with pytest.raises(ValueError, match="tags"):
        rb.log(tc(1), "t", tags=["a"])
    with pytest.raises(ValueError, match="metadata"):
        rb.log(tc(1), "t", metadata="x")


# -- load variants -------------------------------------------------------------------------------
def test_load_limit_ids_and_query_combine():
    rb.log([tc(i, annotation="even" if i % 2 == 0 else "odd") for i in range(10)], "combo")
    assert rb.load("combo", limit=3).id.tolist() == [0, 1, 2]
    assert rb.load("combo", ids=[7, 2, 99]).id.tolist() == [2, 7]
    assert rb.load("combo", query="annotated_as:even", ids=[2, 3, 4]).id.tolist() == [2, 4]
    assert rb.load("combo", query="annotated_as:odd", limit=2).id.tolist() == [1, 3]
    assert rb.load("combo", limit=0).empty


def test_records_property_builds_record_objects():
    rb.log([tc(1, annotation="a")], "recs")
    (record,) = rb.load("recs").records
    assert isinstance(record, rb.TextClassificationRecord)
    assert record.annotation == "a" and record.text == "record number 1"


# -- dataset-level operations ------------------------------------------------------------------------
def test_datasets_lists_name_task_tags_metadata_counts_and_dates():
    rb.log([tc(1, annotation="a"), tc(2)], "listed", tags={"team": "nlp"}, metadata={"v": 1})
    rb.log(tc(3), "listed", tags={"stage": "dev"})
    frame = rb.datasets()
    assert list(frame.columns) == [
        "name",
        "task",
        "tags",
        "metadata",
        "records",
        "annotated",
        "created_at",
        "updated_at",
    ]
    row = frame.set_index("name").loc["listed"]
    assert row.task == "TextClassification"
    assert row.tags == {"team": "nlp", "stage": "dev"}
    assert row.metadata == {"v": 1}
    assert (row.records, row.annotated) == (3, 1)
    assert row.updated_at >= row.created_at


def test_delete_removes_the_dataset_and_deleting_it_again_does_nothing():
    rb.log(tc(1), "gone")
    rb.log(tc(1), "stays")
    rb.delete("gone")
    assert rb.datasets().name.tolist() == ["stays"]
    with pytest.raises(rb.NotFoundError):
        rb.load("gone")
    assert rb.delete("gone") is None  # Rubrix's server answered a missing dataset with OK
    assert rb.datasets().name.tolist() == ["stays"]


def test_a_deleted_name_can_be_reused_for_another_task():
    rb.log(tc(1), "reuse")
    rb.load("reuse", query="record")
    rb.delete("reuse")
    rb.log(rb.Text2TextRecord(text="new life", id=1), "reuse")
    assert rb.load("reuse", query="life").text.tolist() == ["new life"]


def test_copy_copies_records_tags_and_settings_and_refuses_existing_target():
    rb.configure_dataset("orig", rb.TextClassificationSettings(label_schema=["a", "b"]))
    rb.log([tc(1, annotation="a")], "orig", tags={"k": "v"})
    rb.copy("orig", "copied")
    assert rb.load("copied", query="annotated_as:a").id.tolist() == [1]
    assert rb.datasets().set_index("name").tags["copied"] == {"k": "v"}
    assert rb.load_dataset_settings("copied").label_schema == {"a", "b"}
    rb.log(tc(2), "copied")
    assert rb.load("orig").id.tolist() == [1]
    with pytest.raises(ValueError, match="already exists"):
        rb.copy("orig", "copied")


def test_snapshots_freeze_records_and_load_by_id():
    rb.log([tc(1), tc(2)], "snap")
    first = rb.create_snapshot("snap")
    rb.log([tc(2, annotation="x"), tc(3)], "snap")
    second = rb.create_snapshot("snap")
    assert [s.id for s in rb.snapshots("snap")] == [first, second]
    assert all(isinstance(s.created_at, dt.datetime) for s in rb.snapshots("snap"))
    old = rb.load("snap", snapshot=first)
    assert old.id.tolist() == [1, 2] and old.annotation.tolist() == [None, None]
    assert rb.load("snap", snapshot=second).id.tolist() == [1, 2, 3]
    assert rb.load("snap", snapshot=second, query="annotated_as:x").id.tolist() == [2]
    with pytest.raises(rb.NotFoundError, match="snapshot"):
        rb.load("snap", snapshot=99)


def test_configure_dataset_creates_it_and_rejects_labels_outside_the_schema():
    rb.configure_dataset("schema", rb.TextClassificationSettings(label_schema=["World", "Sports"]))
    assert rb.load("schema").empty
    rb.log(tc(1, annotation="Sports"), "schema")
    with pytest.raises(ValueError, match="'Business'.*label schema.*World"):
        rb.log([tc(2, annotation="World"), tc(3, annotation="Business")], "schema")
    assert rb.load("schema").id.tolist() == [1]
    with pytest.raises(ValueError, match="prediction label 'Business'"):  # as Rubrix's server
        rb.log(tc(4, prediction=[("Business", 0.9)]), "schema")


def test_token_label_schema_applies_to_spans():
    rb.configure_dataset("nerschema", rb.TokenClassificationSettings(label_schema=["PER"]))
    rb.log(
        rb.TokenClassificationRecord(text="Ann in Rome", annotation=[("PER", 0, 3)]), "nerschema"
    )
    with pytest.raises(ValueError, match="'LOC'"):
        rb.log(rb.TokenClassificationRecord(text="Rome", annotation=[("LOC", 0, 4)]), "nerschema")


def test_configure_dataset_rejects_task_mismatch_and_schemas_that_drop_used_labels():
    rb.log(tc(1, annotation="a"), "cfg")
    with pytest.raises(ValueError, match="mismatch"):
        rb.configure_dataset("cfg", rb.TokenClassificationSettings(label_schema=["a"]))
    with pytest.raises(ValueError, match=r"\['a'\]"):
        rb.configure_dataset("cfg", rb.TextClassificationSettings(label_schema=["b"]))
    rb.configure_dataset("cfg", rb.TextClassificationSettings(label_schema=["a", "b"]))
    assert rb.load_dataset_settings("cfg").label_schema == {"a", "b"}


def test_init_with_server_arguments_warns_and_carries_on(tmp_path):
    with pytest.warns(UserWarning, match="no server"):
        rb.init(api_url="http://localhost:6900", api_key="rubrix.apikey")
    rb.init(workspace=tmp_path / "elsewhere", annotator="ann")
    rb.log(tc(1), "moved")
    assert (tmp_path / "elsewhere" / "moved").is_dir()
    assert rb.get_workspace() == str(tmp_path / "elsewhere")


def test_default_workspace_is_the_env_var_then_home(monkeypatch, tmp_path):
    from rubrix_widgets.store import workspace as ws

    monkeypatch.setenv("RUBRIX_WIDGETS_HOME", str(tmp_path / "env"))
    assert ws.root() == tmp_path / "env"
    monkeypatch.delenv("RUBRIX_WIDGETS_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert ws.root() == tmp_path / "home" / ".rubrix_widgets"
    assert ws.annotator() == "rubrix"


def test_a_big_log_shows_progress_without_warnings(capsys):
    records = [tc(i) for i in range(6000)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rb.log(records, "big")
    assert len(rb.load("big", query="number")) == 6000


# -- real data -------------------------------------------------------------------------------------
def test_real_reviews_log_and_load_back_into_pandas(rotten_tomatoes):
    frame = rotten_tomatoes.dropna(subset=["text"]).head(2000)
    user = pd.DataFrame(
        {
            "text": frame.text,
            "annotation": frame.category,
            "metadata": [{"movie": m} for m in frame.movie_name],
            "id": range(len(frame)),
        }
    )
    rb.log(user, "reviews")
    loaded = rb.load("reviews")
    assert loaded.text.tolist() == frame.text.tolist()
    assert loaded.annotation.tolist() == frame.category.tolist()
    rotten = rb.load("reviews", query="annotated_as:rotten")
    assert set(rotten.id) == set(np.flatnonzero(frame.category.to_numpy() == "rotten"))


def test_an_empty_multi_label_annotation_is_stored_and_searchable():
    """'none of these labels' is an annotation; indexing it must not break the dataset."""
    rb.log(
        [
            rb.TextClassificationRecord(
                id=1,
                text="x",
                multi_label=True,
                annotation=[],
                prediction=[("flu", 0.2), ("diet", 0.1)],
            ),
            rb.TextClassificationRecord(id=2, text="y", multi_label=True, annotation=["flu"]),
        ],
        "empty-multi",
    )
    assert rb.load("empty-multi", query="annotated_as:flu").id.tolist() == [2]
    assert rb.load("empty-multi", ids=[1]).annotation.tolist() == [[]]


def test_workflow_modules_are_rb_attributes_loaded_on_first_use():
    code = (
        "import sys, rubrix_widgets as rb\n"
        "assert 'rubrix_widgets.metrics' not in sys.modules\n"
        "assert 'rubrix_widgets.labeling' not in sys.modules\n"
        "assert callable(rb.metrics.text_classification.f1)\n"
        "assert rb.labeling.text_classification.Rule('a OR b', 'x').query == 'a OR b'\n"
        "assert rb.labeling.Rule is rb.labeling.text_classification.Rule\n"
        "assert rb.labeling.WeakLabels is rb.labeling.text_classification.WeakLabels\n"
        "assert callable(rb.listener) and 'metrics' in dir(rb)\n"
        "from rubrix_widgets import *\n"
        "assert labeling is rb.labeling and metrics is rb.metrics\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_workspace_that_is_a_file_is_refused_saying_a_folder_is_needed(tmp_path):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("my notes")
    for path in (a_file, a_file / "inside"):
        rb.set_workspace(str(path))
        with pytest.raises(rb.StorageError, match="is a file .*not a folder"):
            rb.log(rb.TextClassificationRecord(text="hello"), "news")
    assert a_file.read_text() == "my notes"
