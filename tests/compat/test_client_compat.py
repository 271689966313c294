"""Rubrix 0.18's client API (``rubrix.client.api``) as code written for it sees it.

Each test states one promise of Rubrix's client (or of its server, where the client only
forwarded the answer) and checks it on real movie reviews where data matters. The
deliberate differences (logged order, a DataFrame from ``rb.load``) are checked as ours.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import ipywidgets.comm
import pandas as pd
import pytest
from fake_comm import FakeComm

import rubrix_widgets as rb
from rubrix_widgets import errors
from rubrix_widgets.search import search_index
from rubrix_widgets.store import changes, dataset_store, manifest
from rubrix_widgets.store import workspace as ws


def tc(i, **kw) -> rb.TextClassificationRecord:
    return rb.TextClassificationRecord(text=f"record number {i}", id=i, **kw)


@pytest.fixture
def reviews(rotten_tomatoes) -> pd.DataFrame:
    """2,000 real reviews with their gold category as the annotation (ids 0..1999)."""
    frame = rotten_tomatoes.dropna(subset=["text"]).head(2000).reset_index(drop=True)
    return pd.DataFrame(
        {
            "id": range(len(frame)),
            "text": frame.text.astype(str),
            "annotation": frame.category,
            "status": "Validated",
            "metadata": [{"movie": m} for m in frame.movie_name],
        }
    )


@pytest.fixture
def logged(reviews) -> str:
    rb.log(reviews, "reviews", verbose=False)
    return "reviews"


# -- signatures ------------------------------------------------------------------------------------
RUBRIX_SIGNATURES = {
    "init": ["api_url", "api_key", "workspace", "timeout", "extra_headers"],
    "log": ["records", "name", "tags", "metadata", "chunk_size", "verbose", "background"],
    "log_async": ["records", "name", "tags", "metadata", "chunk_size", "verbose"],
    "load": ["name", "query", "ids", "limit", "id_from", "as_pandas"],
    "delete_records": ["name", "query", "ids", "discard_only", "discard_when_forbidden"],
    "copy": ["dataset", "name_of_copy", "workspace"],
    "delete": ["name"],
    "set_workspace": ["workspace"],
    "get_workspace": [],
    "configure_dataset": ["name", "settings"],
}


@pytest.mark.parametrize("function", list(RUBRIX_SIGNATURES))
def test_positional_arguments_come_in_rubrix_order_and_ours_come_after(function):
    parameters = list(inspect.signature(getattr(rb, function)).parameters.values())
    expected = RUBRIX_SIGNATURES[function]
    assert [p.name for p in parameters[: len(expected)]] == expected
    assert all(
        p.kind is p.KEYWORD_ONLY or p.default is not p.empty for p in parameters[len(expected) :]
    )


def test_the_new_client_names_and_listener_classes_are_exported():
    for name in ("set_workspace", "delete_records", "log_async", "RBListenerContext", "Search"):
        assert name in rb.__all__ and getattr(rb, name) is not None
    assert "Metrics" in rb.__all__ and "monitor" in rb.__all__
    assert rb.__all__ == sorted(rb.__all__)
    assert inspect.iscoroutinefunction(rb.log_async)


def test_importing_the_package_does_not_load_asyncio():
    code = "import sys, rubrix_widgets; print('asyncio' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- exception types user code catches ---------------------------------------------------------------
def test_a_missing_dataset_is_rubrix_not_found_api_error_and_still_a_lookup_error():
    with pytest.raises(errors.NotFoundApiError, match="'nowhere' does not exist") as info:
        rb.load("nowhere")
    assert isinstance(info.value, LookupError) and isinstance(info.value, rb.NotFoundError)
    assert info.value.HTTP_STATUS == 404
    with pytest.raises(errors.NotFoundApiError):
        rb.delete_records("nowhere", ids=[1])


def test_a_bad_name_in_log_is_rubrix_input_value_error_and_still_a_value_error():
    for name in ("Bad name", "anotherWrongName", None, ""):
        with pytest.raises(errors.InputValueError) as info:
            rb.log(tc(1), name, verbose=False)
        assert isinstance(info.value, ValueError)
    with pytest.raises(errors.InputValueError, match="empty"):
        rb.log([], "empty-list")
    with pytest.raises(errors.InputValueError, match="cannot log a dict"):
        rb.log({"a": "010", "b": 100}, "not-records")


def test_an_existing_copy_target_is_rubrix_already_exists_api_error():
    rb.log(tc(1), "source", verbose=False)
    rb.log(tc(2), "target", verbose=False)
    with pytest.raises(errors.AlreadyExistsApiError, match="'target' already exists"):
        rb.copy("source", name_of_copy="target")
    assert rb.load("target").id.tolist() == [2]


def test_records_the_server_refused_are_bad_request_or_validation_api_errors():
    rb.configure_dataset("schema", rb.TextClassificationSettings(label_schema={"pos", "neg"}))
    with pytest.raises(errors.BadRequestApiError, match="'maybe' is not in the label schema"):
        rb.log(tc(1, annotation="maybe"), "schema", verbose=False)
    rb.log(tc(1), "text-task", verbose=False)
    with pytest.raises(errors.BadRequestApiError, match="TextClassification.*TokenClassification"):
        rb.log(rb.TokenClassificationRecord(text="a b"), "text-task", verbose=False)
    with pytest.raises(errors.BadRequestApiError):
        rb.load("text-task", query="status:(Default")
    with pytest.raises(errors.ValidationApiError, match="limit"):
        rb.load("text-task", limit=-1)


def test_every_rubrix_error_class_is_one_of_ours():
    names = [
        "RubrixClientError",
        "RubrixApiResponseError",
        "NotFoundApiError",
        "AlreadyExistsApiError",
        "ValidationApiError",
        "BadRequestApiError",
        "ForbiddenApiError",
        "UnauthorizedApiError",
        "MethodNotAllowedApiError",
        "GenericApiError",
        "ApiCompatibilityError",
        "InputValueError",
    ]
    for name in names:
        assert issubclass(getattr(errors, name), rb.RubrixWidgetsError), name
        assert issubclass(getattr(errors, name), errors.RubrixClientError), name


# -- delete -------------------------------------------------------------------------------------------
def test_deleting_a_missing_dataset_does_nothing_but_a_bad_name_is_refused(workspace):
    rb.log(tc(1), "keep", verbose=False)
    rb.delete("never-was")
    assert rb.datasets().name.tolist() == ["keep"]
    with pytest.raises(ValueError, match="is not allowed"):
        rb.delete("../keep")
    assert rb.load("keep").id.tolist() == [1]


# -- delete_records -----------------------------------------------------------------------------------
def _searchable_ids(name: str) -> list:
    """What the index finds for a query every record matches, in logged order."""
    return rb.load(name, query="_exists_:metadata.movie").id.tolist()


def test_delete_records_by_ids_returns_matched_and_processed_and_keeps_the_rest(logged, reviews):
    matched, processed = rb.delete_records(logged, ids=[3, 5, 1999, 123456])
    assert (matched, processed) == (3, 3)
    left = rb.load(logged)
    assert left.id.tolist() == [i for i in range(2000) if i not in (3, 5, 1999)]
    expected = reviews[~reviews.id.isin([3, 5, 1999])].reset_index(drop=True)
    assert left.text.tolist() == expected.text.tolist()
    assert left.annotation.tolist() == expected.annotation.tolist()
    assert _searchable_ids(logged) == left.id.tolist()  # the index follows
    row = rb.datasets().set_index("name").loc[logged]
    assert (row.records, row.annotated) == (1997, 1997)


def test_deleting_late_records_moves_only_those_after_them_and_the_index_follows(logged):
    first_seen = rb.load(logged, query="annotated_as:rotten").id.tolist()
    assert rb.delete_records(logged, ids=[1500, 1700, 1701]) == (3, 3)
    left = [i for i in range(2000) if i not in (1500, 1700, 1701)]
    assert _searchable_ids(logged) == rb.load(logged).id.tolist() == left
    assert rb.load(logged, query="id:[1499 TO 1502]").id.tolist() == [1499, 1501, 1502]
    expected = [i for i in first_seen if i not in (1500, 1700, 1701)]
    assert rb.load(logged, query="annotated_as:rotten").id.tolist() == expected


def test_delete_records_by_query_deletes_exactly_what_load_finds(logged):
    query = "annotated_as:rotten AND (boring OR dull)"
    doomed = rb.load(logged, query=query).id.tolist()
    assert len(doomed) > 5
    assert rb.delete_records(logged, query=query) == (len(doomed), len(doomed))
    assert rb.load(logged, query=query).empty
    assert len(rb.load(logged)) == 2000 - len(doomed)
    assert not set(doomed) & set(_searchable_ids(logged))


def test_ids_win_over_the_query_as_in_rubrix(logged):
    assert rb.delete_records(logged, query="annotated_as:fresh", ids=[0, 1]) == (2, 2)
    assert len(rb.load(logged)) == 1998
    assert len(rb.load(logged, query="annotated_as:fresh")) > 0


def test_with_neither_query_nor_ids_every_record_is_deleted_and_the_dataset_stays(logged):
    assert rb.delete_records(logged) == (2000, 2000)
    assert rb.load(logged).empty
    assert rb.datasets().set_index("name").loc[logged, "records"] == 0
    rb.log(tc(7), logged, verbose=False)
    assert rb.load(logged, query="number").id.tolist() == [7]


def test_records_logged_and_updated_after_a_delete_land_in_the_right_place(logged, reviews):
    rb.delete_records(logged, ids=list(range(0, 2000, 2)))  # every even id
    odd = reviews[reviews.id % 2 == 1]
    # an update of a surviving record, and new records, after the renumbering
    rb.log([tc(1, annotation="relabelled"), tc(5000), tc(5001)], logged, verbose=False)
    left = rb.load(logged)
    assert left.id.tolist() == [*odd.id, 5000, 5001]
    assert left.set_index("id").annotation[1] == "relabelled"
    assert rb.load(logged, query="annotated_as:relabelled").id.tolist() == [1]
    assert rb.load(logged, query='"record number"').id.tolist() == [1, 5000, 5001]


def test_discard_only_marks_the_records_discarded_and_changes_nothing_else(logged, reviews):
    rb.log(reviews.iloc[[10]].assign(status="Discarded"), logged, verbose=False)
    assert rb.delete_records(logged, ids=[10, 11, 12], discard_only=True) == (3, 3)
    left = rb.load(logged)
    assert len(left) == 2000
    moved = left[left.id.isin([10, 11, 12])]
    assert moved.status.tolist() == ["Discarded"] * 3
    assert moved.annotation.tolist() == reviews.annotation[10:13].tolist()
    assert rb.load(logged, query="status:Discarded").id.tolist() == [10, 11, 12]
    assert rb.datasets().set_index("name").loc[logged, "annotated"] == 2000


def test_delete_records_tells_listeners_the_dataset_list_and_open_pages(logged, monkeypatch):
    monkeypatch.setattr(ipywidgets.comm, "create_comm", lambda **kwargs: FakeComm(**kwargs))
    woken, listed = [], []

    def wake():
        woken.append(1)

    changes.watch(ws.root() / logged, wake)

    def remember(name):
        listed.append(name)

    ws.subscribe(remember)
    page = rb.show(logged, page_size=10)
    home = rb.home()
    try:
        rb.delete_records(logged, ids=list(range(5)))
        assert woken and logged in listed
        assert {r["name"]: r["records"] for r in home._datasets}[logged] == 1995
        page.refresh()
        assert page.total == 1995 and page.page_ids[0] == 5
        assert page.annotate([5], "relabelled") == 1  # by id: the right record, renumbered
        assert rb.load(logged, query="annotated_as:relabelled").id.tolist() == [5]
    finally:
        changes.unwatch(ws.root() / logged, wake)
        ws.unsubscribe(remember)
        page.close()
        home.close()
        home.close()


def test_a_failed_index_update_after_the_commit_is_rebuilt_right(logged, monkeypatch):
    """A crash between the manifest commit and the index: the next reader rebuilds."""

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("killed")

    with monkeypatch.context() as patch:
        patch.setattr(search_index.SearchIndex, "rebuild", crash)
        patch.setattr(search_index.SearchIndex, "catch_up", crash)
        with pytest.raises(KeyboardInterrupt):
            rb.delete_records(logged, ids=[0, 1, 2])
    dataset_store._cache.clear()  # as a new process would see it
    assert rb.load(logged).id.tolist() == list(range(3, 2000))
    assert _searchable_ids(logged) == list(range(3, 2000))
    assert rb.load(logged, query="id:1").empty


def test_a_failure_before_the_commit_leaves_every_record(logged, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(dataset_store, "write_manifest", full)
        with pytest.raises(OSError):
            rb.delete_records(logged, query="annotated_as:rotten")
    dataset_store._cache.clear()
    assert len(rb.load(logged)) == 2000
    assert len(_searchable_ids(logged)) == 2000


KILLER = textwrap.dedent(
    """
    import sys
    import rubrix_widgets as rb
    rb.init(workspace=sys.argv[1])
    rb.load("big", limit=1)  # records and index opened before the clock starts
    print("ready", flush=True)
    rb.delete_records("big", query="metadata.n:[0 TO 49999]")
    print("done", flush=True)
    """
)


def test_kill_minus_9_during_delete_records_leaves_all_or_none_of_it(workspace):
    size, half = 100_000, 50_000
    frame = pd.DataFrame(
        {"id": range(size), "text": [f"row {i} of the big one" for i in range(size)]}
    )
    frame["metadata"] = [{"n": i} for i in range(size)]
    rb.log(frame, "big", verbose=False)
    outcomes = []
    for delay in (0.02, 0.1, 0.2, 0.4, 0.8, 1.5):
        proc = subprocess.Popen(
            [sys.executable, "-c", KILLER, str(workspace)], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        dataset_store._cache.clear()  # what a new process sees
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a rebuilt index may say so
            ids = sorted(rb.load("big").id)
            found = sorted(rb.load("big", query="row").id)
        assert ids in (list(range(size)), list(range(half, size)))
        assert found == ids, "the index does not agree with the records"
        outcomes.append("none" if len(ids) == size else "all")
        if outcomes[-1] == "all":  # put the deleted half back for the next run
            rb.log(frame.iloc[:half], "big", verbose=False)
    assert rb.load("big", query="metadata.n:[0 TO 9]").id.tolist() == list(range(10))


def test_a_manifest_without_deletions_stays_readable_by_the_previous_format(logged):
    folder = ws.root() / logged
    assert '"format": 1' in (folder / "dataset.json").read_text()
    rb.delete_records(logged, ids=[1])
    assert '"format": 2' in (folder / "dataset.json").read_text()
    assert manifest.read_manifest(folder).seq_epoch > 0


# -- log ------------------------------------------------------------------------------------------------
def test_background_log_returns_a_future_whose_result_is_the_bulk_response():
    future = rb.log([tc(i) for i in range(50)], "bg", verbose=False, background=True)
    assert isinstance(future, concurrent.futures.Future)
    response = future.result(timeout=60)
    assert (response.dataset, response.processed, response.failed) == ("bg", 50, 0)
    assert len(rb.load("bg")) == 50


def test_a_background_error_surfaces_in_result_and_stores_nothing():
    future = rb.log(tc(1), "Bad Name", background=True)
    with pytest.raises(errors.InputValueError, match="is not allowed"):
        future.result(timeout=60)
    assert rb.datasets().empty


def test_background_logs_are_written_in_call_order_and_later_writes_wait():
    # big and small calls alternate, each giving record 1 its own label: written in
    # parallel, a small call would finish before the big one queued ahead of it
    calls = [
        [tc(i, annotation=f"call-{k}") for i in range(1, (3000 if k % 2 == 0 else 1) + 1)]
        for k in range(12)
    ]
    finished = []
    futures = [rb.log(records, "ordered", verbose=False, background=True) for records in calls]
    for k, future in enumerate(futures):
        future.add_done_callback(lambda _, k=k: finished.append(k))
    rb.log(tc(99_999), "ordered", verbose=False)  # waits for the queued ones
    assert all(f.done() for f in futures)
    assert finished == list(range(12))
    assert rb.load("ordered", ids=[1]).annotation.tolist() == ["call-11"]
    assert rb.load("ordered", ids=[2]).annotation.tolist() == ["call-10"]
    assert len(rb.load("ordered")) == 3001


def test_log_async_is_a_coroutine_returning_the_bulk_response():
    async def main():
        return await rb.log_async([tc(1), tc(2)], "async", verbose=False)

    response = asyncio.run(main())
    assert (response.dataset, response.processed) == ("async", 2)
    assert rb.load("async").id.tolist() == [1, 2]


def test_a_generator_of_records_logs_like_a_list():
    response = rb.log((tc(i) for i in range(10)), "generated", verbose=False)
    assert response.processed == 10
    assert rb.load("generated").id.tolist() == list(range(10))


def test_verbose_prints_where_the_records_went_and_quiet_prints_nothing(capsys):
    rb.log([tc(1), tc(2)], "talk")
    out = capsys.readouterr().out
    assert out.strip() == f"2 records logged to {ws.root() / 'talk'}"
    rb.log(tc(3), "talk", verbose=False)
    assert capsys.readouterr().out == ""


def test_a_dataset_is_single_label_or_multi_label_on_both_log_paths():
    rb.log(tc(1, annotation="a"), "single", verbose=False)
    multi = tc(2, annotation=["a", "b"], multi_label=True)
    with pytest.raises(errors.BadRequestApiError, match="single-label.*multi-label"):
        rb.log(multi, "single", verbose=False)
    frame = pd.DataFrame({"text": ["x"], "annotation": [["a"]], "multi_label": [True]})
    with pytest.raises(ValueError, match="holds single-label records.*multi-label"):
        rb.log(frame, "single", verbose=False)
    rb.log(multi, "multi", verbose=False)
    with pytest.raises(ValueError, match="holds multi-label records.*single-label"):
        rb.log(pd.DataFrame({"text": ["y"], "annotation": ["a"]}), "multi", verbose=False)
    with pytest.raises(errors.ValidationApiError, match="mix single-label and multi-label"):
        rb.log([tc(5), tc(6, multi_label=True)], "mixed", verbose=False)
    assert rb.load("single").id.tolist() == [1] and rb.load("multi").id.tolist() == [2]
    assert "mixed" not in rb.datasets().name.tolist()


def test_a_dataset_emptied_by_delete_records_takes_either_kind_again():
    rb.log(tc(1), "kind", verbose=False)
    rb.delete_records("kind")
    rb.log(tc(2, annotation=["a"], multi_label=True), "kind", verbose=False)
    assert rb.load("kind").multi_label.tolist() == [True]


# -- load --------------------------------------------------------------------------------------------
def test_id_from_gives_the_records_after_that_id_in_numeric_id_order():
    rb.log([tc(i) for i in (5, 1, 11, 3, 2, 20)], "ints", verbose=False)
    assert rb.load("ints").id.tolist() == [5, 1, 11, 3, 2, 20]  # ours: logged order
    assert rb.load("ints", id_from=2).id.tolist() == [3, 5, 11, 20]
    assert rb.load("ints", id_from=2, limit=2).id.tolist() == [3, 5]
    assert rb.load("ints", id_from="3").id.tolist() == [5, 11, 20]
    assert rb.load("ints", id_from=20).empty


def test_id_from_orders_text_ids_by_their_text():
    rb.log([tc(i) for i in ("b", "a", "10", "9", "c")], "texts", verbose=False)
    assert rb.load("texts", id_from="9").id.tolist() == ["a", "b", "c"]
    assert rb.load("texts", id_from="").id.tolist() == ["10", "9", "a", "b", "c"]


def test_batches_with_id_from_cover_every_record_exactly_once(logged):
    rb.log([tc(f"extra-{i}") for i in range(10)], logged, verbose=False)  # mixed ids: text order
    seen, batch = [], rb.load(logged, limit=300, id_from="")
    while len(batch):
        seen.extend(batch.id.tolist())
        batch = rb.load(logged, limit=300, id_from=batch.id.iloc[-1])
    assert sorted(map(str, seen)) == sorted(map(str, rb.load(logged).id))
    assert len(seen) == len(set(map(str, seen))) == 2010


def test_id_from_combines_with_the_query(logged):
    rotten = rb.load(logged, query="annotated_as:rotten").id
    after = rb.load(logged, query="annotated_as:rotten", id_from=1000, limit=5)
    assert after.id.tolist() == sorted(i for i in rotten if i > 1000)[:5]


def test_as_pandas_false_warns_and_true_raises_as_in_rubrix_0_18():
    rb.log(tc(1), "dep", verbose=False)
    with pytest.warns(FutureWarning, match="as_pandas"):
        frame = rb.load("dep", as_pandas=False)
    assert isinstance(frame, pd.DataFrame) and frame.records[0].id == 1
    with pytest.raises(ValueError, match="as_pandas"):
        rb.load("dep", as_pandas=True)


def test_batch_size_is_accepted_and_checked():
    rb.log([tc(i) for i in range(5)], "batched", verbose=False)
    assert len(rb.load("batched", batch_size=2)) == 5
    with pytest.raises(ValueError, match="batch_size"):
        rb.load("batched", batch_size=0)


# -- init ----------------------------------------------------------------------------------------------
def test_init_accepts_rubrix_server_arguments_warns_about_ignored_ones(workspace):
    with pytest.warns(UserWarning, match="extra_headers is ignored"):
        rb.init(extra_headers={"X-Client-id": "id"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rb.init(timeout=42)
        rb.init(None, None, None, 42)  # Rubrix's positional order
    with pytest.warns(UserWarning, match="api_url, api_key are ignored"):
        rb.init("http://localhost:6900", "rubrix.apikey")
    rb.log(tc(1), "here", verbose=False)
    assert (workspace / "here").is_dir()


# -- settings -------------------------------------------------------------------------------------------
def test_label_schema_is_a_set_that_keeps_the_given_order():
    rb.configure_dataset("labels", rb.TextClassificationSettings(["World", "Sports", "World"]))
    schema = rb.load_dataset_settings("labels").label_schema
    assert isinstance(schema, set) and schema == {"Sports", "World"}
    assert list(schema) == ["World", "Sports"]
    settings = rb.TokenClassificationSettings(label_schema={"PER", "ORG"})
    rb.configure_dataset(name="ents", settings=settings)
    assert rb.load_dataset_settings("ents") == settings


def test_configuring_a_new_label_schema_for_an_empty_dataset_replaces_the_old_one():
    settings = rb.TextClassificationSettings(label_schema={"A", "B"})
    rb.configure_dataset("swap", settings)
    settings.label_schema = {"LALALA"}  # Rubrix code assigns a plain set
    rb.configure_dataset("swap", settings)
    assert rb.load_dataset_settings("swap").label_schema == {"LALALA"}
    with pytest.raises(ValueError, match="mismatch"):
        rb.configure_dataset("swap", rb.TokenClassificationSettings(label_schema={"PER"}))


def test_a_schema_leaving_out_used_labels_is_a_bad_request():
    rb.log(tc(1, annotation="pos"), "used", verbose=False)
    with pytest.raises(errors.BadRequestApiError, match="'pos'"):
        rb.configure_dataset("used", rb.TextClassificationSettings(label_schema={"neg"}))
    assert rb.load_dataset_settings("used") is None


def test_a_schema_leaving_out_predicted_labels_is_a_bad_request_too():
    rb.log(tc(1, prediction=[("pos", 0.8), ("neg", 0.2)]), "predicted", verbose=False)
    with pytest.raises(errors.BadRequestApiError, match=r"predictions with labels \['pos'\]"):
        rb.configure_dataset("predicted", rb.TextClassificationSettings(label_schema={"neg"}))
    assert rb.load_dataset_settings("predicted") is None
    rb.configure_dataset("predicted", rb.TextClassificationSettings(label_schema={"neg", "pos"}))


@pytest.mark.parametrize("as_frame", [False, True], ids=["records", "frame"])
def test_predictions_outside_the_label_schema_are_refused_and_nothing_is_stored(as_frame):
    rb.configure_dataset("schema", rb.TextClassificationSettings(label_schema={"pos", "neg"}))
    rb.log(tc(1, prediction=[("pos", 0.9)]), "schema", verbose=False)
    records = [tc(2, prediction=[("neg", 0.6)]), tc(3, prediction=[("maybe", 0.7)])]
    batch = rb.DatasetForTextClassification(records).to_pandas() if as_frame else records
    with pytest.raises(errors.BadRequestApiError, match="record 3: prediction label 'maybe'"):
        rb.log(batch, "schema", verbose=False)
    assert rb.load("schema").id.tolist() == [1]


def test_token_predictions_outside_the_label_schema_are_refused():
    rb.configure_dataset("ents", rb.TokenClassificationSettings(label_schema={"PER"}))
    record = rb.TokenClassificationRecord(
        text="Ana lives in Lima",
        tokens=["Ana", "lives", "in", "Lima"],
        id=7,
        prediction=[("PER", 0, 3), ("LOC", 13, 17)],
    )
    with pytest.raises(errors.BadRequestApiError, match="record 7: prediction label 'LOC'"):
        rb.log(record, "ents", verbose=False)
    assert len(rb.load("ents")) == 0


def test_the_settings_guide_spelling_labels_schema_is_accepted():
    settings = rb.TextClassificationSettings(labels_schema=["A", "B", "C"])
    assert settings == rb.TextClassificationSettings(label_schema=["A", "B", "C"])
    assert rb.TokenClassificationSettings(labels_schema={"PER"}).label_schema == {"PER"}
    with pytest.raises(TypeError, match="not both"):
        rb.TextClassificationSettings(label_schema=["A"], labels_schema=["B"])


# -- copy -----------------------------------------------------------------------------------------------
def test_a_copy_records_where_it_came_from_as_rubrix_server_did():
    rb.log(tc(1), "orig", metadata={"k": 1}, verbose=False)
    rb.copy("orig", "dup")
    metadata = rb.datasets().set_index("name").metadata["dup"]
    assert metadata == {"k": 1, "copied_from": "orig", "source_workspace": "rubrix"}
    assert rb.load("dup").equals(rb.load("orig"))
