"""The home page (``rb.home`` / ``Home``, one widget: the list and the page it opens) and
the list alone (``DatasetList``), driven without a browser.

A fake comm (as in test_widget_page.py) records what the widgets send and
delivers what a browser would send; every check compares the list with
``rb.datasets()`` on real movie reviews.
"""

from __future__ import annotations

import gc
import weakref

import ipywidgets.comm
import pytest
import traitlets
from anywidget import AnyWidget
from fake_comm import FakeComm, synced
from fake_comm import act as send_action
from ipywidgets.widgets import widget as ipywidget_module

import rubrix_widgets as rb
from rubrix_widgets.store import workspace as ws
from rubrix_widgets.widgets import DatasetList, DatasetPage, Home


@pytest.fixture(autouse=True)
def fake_comm(monkeypatch):
    monkeypatch.setattr(ipywidgets.comm, "create_comm", lambda **kwargs: FakeComm(**kwargs))
    yield
    for widget in list(ipywidget_module._instances.values()):
        widget.close()


@pytest.fixture
def reviews(rotten_tomatoes):
    """Two real datasets: fresh reviews (tagged) and rotten ones, some annotated."""
    data = rotten_tomatoes.dropna(subset=["text"])
    fresh = data[data.category == "fresh"].head(40)
    rotten = data[data.category == "rotten"].head(25)
    rb.log(
        [
            rb.TextClassificationRecord(
                id=i,
                text=t,
                prediction=[("fresh", 0.8), ("rotten", 0.2)],
                annotation="fresh" if i < 10 else None,
            )
            for i, t in enumerate(fresh.text)
        ],
        "fresh-reviews",
        tags={"source": "rotten tomatoes", "split": "train"},
        verbose=False,
    )
    rb.log(
        [rb.TextClassificationRecord(id=i, text=t) for i, t in enumerate(rotten.text)],
        "rotten-reviews",
        verbose=False,
    )
    return ["fresh-reviews", "rotten-reviews"]


def act(w: DatasetList | Home, action: str, **fields) -> dict:
    """An action sent through the comm, as the browser does; its (single) ack. Open and
    delete name the workspace the list showed (its last synced ``workspace``)."""
    if action in ("open", "delete") and "workspace" not in fields:
        fields["workspace"] = w.workspace
    return send_action(w, action, via_comm=True, **fields)


# -- the rows ---------------------------------------------------------------------------------
def test_rows_match_rb_datasets(reviews):
    home = rb.home()
    assert isinstance(home, Home) and isinstance(home, AnyWidget)
    assert home.dataset_name == "" and home.opened is None  # the list is shown
    frame = rb.datasets().set_index("name")
    rows = {r["name"]: r for r in home._datasets}
    assert sorted(rows) == sorted(frame.index) == reviews
    fresh = rows["fresh-reviews"]
    assert fresh["task"] == "TextClassification"
    assert fresh["tags"] == {"source": "rotten tomatoes", "split": "train"}
    assert fresh["records"] == frame.loc["fresh-reviews", "records"] == 40
    assert fresh["annotated"] == frame.loc["fresh-reviews", "annotated"] == 10
    assert fresh["annotated_percent"] == 25.0
    assert rows["rotten-reviews"]["annotated_percent"] == 0.0
    created = frame.loc["fresh-reviews", "created_at"].tz_convert("UTC")
    assert fresh["created_at"] == created.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert fresh["updated_at"].endswith("Z")
    assert home.workspace == rb.get_workspace()
    assert home.list_sort == ["updated_at", "desc"]


def test_empty_workspace_and_show_without_name():
    home = rb.show()
    assert isinstance(home, Home)
    assert home._datasets == [] and home.opened is None
    with pytest.raises(TypeError, match="log options"):
        rb.show(tags={"a": "b"})
    with pytest.raises(TypeError, match="needs a dataset name"):
        rb.show([rb.TextClassificationRecord(text="x")])


def test_bad_arguments_raise_clear_errors(reviews):
    with pytest.raises(TypeError, match=r"unexpected arguments \['colour'\]"):
        rb.home(colour="red")
    with pytest.raises(traitlets.TraitError, match="must be \\[column, direction\\]"):
        rb.home(sort=["size", "desc"])
    home = rb.home(sort=["records", "asc"], query="fresh")
    assert home.list_sort == ["records", "asc"] and home.list_query == "fresh"
    with pytest.raises(traitlets.TraitError, match="direction 'asc' or 'desc'"):
        home.list_sort = ["name", "up"]


# -- open / back ------------------------------------------------------------------------------
def test_open_and_back_from_python_change_one_widget_in_place(reviews):
    home = rb.home()
    opened = home.open_dataset("rotten-reviews")
    assert opened is home and isinstance(home, DatasetPage)
    assert home.opened == home.dataset_name == "rotten-reviews" and home.total == 25
    assert [r["id"] for r in home._records][:3] == rb.load("rotten-reviews").id.tolist()[:3]
    assert synced(home, "dataset_name") == "rotten-reviews"
    home.search("the")
    home.open_dataset("fresh-reviews", page_size=5)  # another one: its page state is fresh
    assert (home.opened, home.total, home.query, home.page_size) == ("fresh-reviews", 40, "", 5)
    assert home.back() == ["fresh-reviews", "rotten-reviews"]
    assert home.opened is None and home.dataset_name == "" and home._records == []
    assert synced(home, "dataset_name") == ""
    home.back()  # already on the list: nothing to do
    assert home.opened is None


def test_open_by_click_changes_state_only_and_back_by_click_returns(reviews):
    home = rb.home()
    widgets = len(ipywidget_module._instances)
    ack = act(home, "open", name="fresh-reviews")
    assert ack == {"type": "ack", "request": ack["request"], "ok": True, "result": "fresh-reviews"}
    assert home.opened == "fresh-reviews" and home.total == 40
    assert len(ipywidget_module._instances) == widgets  # no new widget: the same one shows it
    ack = act(home, "back")
    assert ack["ok"] is True and ack["result"] == ["fresh-reviews", "rotten-reviews"]
    assert home.opened is None and synced(home, "dataset_name") == ""


def test_on_the_list_the_page_methods_say_no_dataset_is_open(reviews):
    home = rb.home()
    no_dataset = "no dataset is open; open one with home.open_dataset"
    for call in (
        lambda: home.annotate([1], "fresh"),
        lambda: home.search("fresh"),
        lambda: home.undo(),
        lambda: home.sync(),
        lambda: home.add_rule("fresh", "fresh"),
        lambda: home.rule_metrics("fresh", "fresh"),
        lambda: home.df,
    ):
        with pytest.raises(rb.RubrixWidgetsError, match=no_dataset):
            call()
    assert act(home, "annotate", seqs=[1], annotation="fresh", epoch="x")["error"].startswith(
        "no dataset is open"
    )
    home.query = "fresh"  # the page's observers do nothing on the list
    home.page = 3
    assert home._records == [] and home.total == 0


def test_back_stops_the_page_following_its_dataset(reviews):
    home = rb.home()
    home.open_dataset("fresh-reviews")
    home.back()
    home.comm.sent.clear()
    rb.log(rb.TextClassificationRecord(text="late"), "fresh-reviews", verbose=False)
    assert home._store_changes == 0  # the page is closed: no notice
    assert [r["records"] for r in home._datasets if r["name"] == "fresh-reviews"] == [41]


def test_open_dataset_checks_everything_before_anything_changes(reviews):
    home = rb.home()
    home.open_dataset("fresh-reviews", query="good")
    shown = (home.opened, home.query, home.total)
    with pytest.raises(rb.NotFoundError, match="'nope' does not exist"):
        home.open_dataset("nope")
    with pytest.raises(ValueError, match="cannot sort by 'colour'"):
        home.open_dataset("rotten-reviews", sort=[["colour", "asc"]])
    with pytest.raises(TypeError, match=r"unexpected arguments \['colour'\]"):
        home.open_dataset("rotten-reviews", colour="red")
    assert (home.opened, home.query, home.total) == shown
    assert home.search("the") > 0  # the page still works on its dataset


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"name": "no-such-dataset"}, "'no-such-dataset' does not exist"),
        ({"name": "Bad Name"}, "'Bad Name' is not allowed"),
        ({}, "action 'open' needs field(s) name; its fields are: name, workspace"),
        ({"name": 7}, "open needs 'name', a dataset name, not 7"),
    ],
    ids=["unknown", "bad-name", "missing", "not-a-str"],
)
def test_open_bad_names_answer_clear_errors(reviews, fields, words):
    home = rb.home()
    ack = act(home, "open", **fields)
    assert ack["ok"] is False and words in ack["error"]
    assert home.opened is None


def test_standalone_list_cannot_open():
    rb.log(rb.TextClassificationRecord(text="alone"), "solo", verbose=False)
    w = DatasetList()
    ack = act(w, "open", name="solo")
    assert ack["ok"] is False and "rb.show('solo')" in ack["error"]
    opened = []
    assert act(DatasetList(on_open=opened.append), "open", name="solo")["ok"] is True
    assert opened == ["solo"]


# -- delete -----------------------------------------------------------------------------------
def test_delete_by_click_after_confirmation(reviews):
    home = rb.home()
    ack = act(home, "delete", name="rotten-reviews")
    assert ack["ok"] is True and ack["result"] == ["fresh-reviews"]
    assert rb.datasets().name.tolist() == ["fresh-reviews"]
    assert [r["name"] for r in synced(home, "_datasets")] == ["fresh-reviews"]


def test_delete_unknown_dataset_answers_ok_false_naming_it(reviews):
    home = rb.home()
    ack = act(home, "delete", name="ghost-reviews")
    assert ack["ok"] is False
    assert "'ghost-reviews' does not exist" in ack["error"]
    assert sorted(rb.datasets().name) == reviews  # nothing else went


def test_delete_bad_messages(reviews):
    home = rb.home()
    assert "delete needs 'name'" in act(home, "delete", name="")["error"]
    assert "unknown action 'explode'" in act(home, "explode")["error"]
    w = home
    w.comm.sent.clear()
    w.comm.deliver({"method": "custom", "content": {"type": "hello"}})  # not an action: ignored
    w.comm.deliver({"method": "custom", "content": ["not", "a", "dict"]})
    assert not [m for m in w.comm.sent if m["method"] == "custom"]


def test_delete_from_python_closes_its_open_page(reviews):
    home = rb.home()
    home.open_dataset("fresh-reviews")
    assert home.delete("fresh-reviews") == ["rotten-reviews"]
    assert home.opened is None and home._records == []
    with pytest.raises(rb.NotFoundError, match="'fresh-reviews' does not exist"):
        home.delete("fresh-reviews")


def test_an_unexpected_error_still_gets_an_answer(reviews, monkeypatch):
    home = rb.home()

    def broken(name):
        raise OSError("disk on fire")

    monkeypatch.setattr(rb.client, "delete", broken)
    ack = act(home, "delete", name="fresh-reviews")
    assert ack["ok"] is False and ack["error"] == "OSError: disk on fire"


# -- refresh ----------------------------------------------------------------------------------
def test_refreshes_on_log_delete_copy_and_configure_in_this_kernel(reviews):
    home = rb.home()
    second = rb.home()
    names = lambda: [r["name"] for r in home._datasets]  # noqa: E731
    rb.log(rb.TextClassificationRecord(text="A brand-new review."), "new-reviews", verbose=False)
    assert names() == ["fresh-reviews", "new-reviews", "rotten-reviews"]
    assert second.names == names()
    rb.copy("fresh-reviews", "fresh-copy")
    assert "fresh-copy" in names()
    rb.delete("fresh-reviews")
    assert "fresh-reviews" not in names()
    rb.configure_dataset("labelled", rb.TextClassificationSettings(label_schema=["a", "b"]))
    assert "labelled" in names()
    before = {r["name"]: r["records"] for r in home._datasets}["new-reviews"]
    rb.log([rb.TextClassificationRecord(text=f"more {i}") for i in range(3)], "new-reviews")
    after = {r["name"]: r["records"] for r in home._datasets}["new-reviews"]
    assert (before, after) == (1, 4)
    assert home.comm.sent  # the browser was sent each change


def test_refresh_action_and_method_see_other_writers(reviews, workspace):
    home = rb.home()
    # Another process's write (no notification here): the manifest appears on disk.
    import shutil

    shutil.copytree(workspace / "rotten-reviews", workspace / "elsewhere")
    manifest = ws.read_manifest(workspace / "elsewhere")
    manifest.name = "elsewhere"
    ws.write_manifest(workspace / "elsewhere", manifest)
    assert "elsewhere" not in home.names
    ack = act(home, "refresh")
    assert ack["ok"] and "elsewhere" in ack["result"]
    shutil.rmtree(workspace / "elsewhere")
    assert home.refresh() == reviews


def test_workspace_change_refreshes(reviews, tmp_path):
    home = rb.home()
    rb.init(workspace=str(tmp_path / "other"))
    assert home._datasets == [] and home.workspace == str(tmp_path / "other")


def test_closed_lists_are_not_kept_alive_nor_refreshed(reviews):
    generation = ws.generation()
    home = rb.home()
    listeners = len(ws._listeners)
    home.close()
    ref = weakref.ref(home)
    del home
    gc.collect()
    rb.log(rb.TextClassificationRecord(text="after close"), "late", verbose=False)
    assert ws.generation() == generation + 1
    assert len(ws._listeners) < listeners
    assert ref() is None  # closed: nothing (not even the workspace listeners) keeps it


def test_a_broken_listener_does_not_break_writes(reviews, caplog):
    def broken(name):
        raise RuntimeError("listener bug")

    ws.subscribe(broken)
    try:
        rb.log(rb.TextClassificationRecord(text="still stored"), "robust", verbose=False)
    finally:
        ws.unsubscribe(broken)
    assert "robust" in rb.datasets().name.tolist()
    assert "dataset list listener failed" in caplog.text


# -- workspaces -------------------------------------------------------------------------------
@pytest.fixture
def team_b(reviews, rotten_tomatoes):
    """Workspace "team-b" with its own "fresh-reviews" (5 records) and "plots"; "alpha"
    with "notes"; the test then works in the default workspace again."""
    data = rotten_tomatoes.dropna(subset=["text"])
    rb.set_workspace("team-b")
    rb.log(
        [rb.TextClassificationRecord(id=i, text=t) for i, t in enumerate(data.text.head(5))],
        "fresh-reviews",
        verbose=False,
    )
    rb.log(rb.TextClassificationRecord(text=data.text.iloc[9]), "plots", verbose=False)
    rb.set_workspace("alpha")
    rb.log(rb.TextClassificationRecord(text=data.text.iloc[10]), "notes", verbose=False)
    rb.set_workspace(ws.DEFAULT_WORKSPACE)
    return ["fresh-reviews", "plots"]


def reviews_names() -> list[str]:
    return ["fresh-reviews", "rotten-reviews"]


def test_the_list_says_which_workspace_it_shows_and_offers_the_named_ones(team_b, workspace):
    home = rb.home()
    assert home.workspace == ws.DEFAULT_WORKSPACE == rb.get_workspace()
    assert home._workspaces == ["rubrix", "alpha", "team-b"] == ws.list_workspaces()
    assert home._workspace_folder == str(workspace)
    assert synced(home, "workspace") == "rubrix"
    assert synced(home, "_workspaces") == ["rubrix", "alpha", "team-b"]


def test_picking_a_workspace_switches_the_kernel_and_shows_its_datasets(team_b, workspace):
    home = rb.home()
    home.comm.sent.clear()
    ack = act(home, "switch_workspace", workspace="team-b")
    assert ack["ok"] is True and ack["result"] == team_b
    assert rb.get_workspace() == "team-b" and rb.datasets().name.tolist() == team_b
    assert synced(home, "workspace") == "team-b"
    assert [r["name"] for r in synced(home, "_datasets")] == team_b
    fresh = {r["name"]: r for r in home._datasets}["fresh-reviews"]
    assert fresh["records"] == 5  # team-b's own, not the default workspace's 40
    assert home._workspace_folder == str(workspace / "_workspaces" / "team-b")
    assert act(home, "switch_workspace", workspace="rubrix")["result"] == reviews_names()


def test_a_new_workspace_name_starts_an_empty_workspace(team_b):
    home = rb.home()
    assert act(home, "check_workspace", workspace="new-team")["result"] == {
        "problem": None,
        "new": True,
    }
    assert act(home, "check_workspace", workspace="team-b")["result"] == {
        "problem": None,
        "new": False,
    }
    assert home.switch_workspace("new-team") == []
    assert home.workspace == "new-team" and "new-team" in home._workspaces
    assert rb.get_workspace() == "new-team"


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("", "type a workspace name"),
        ("   ", "type a workspace name"),
        ("my team", "contains ' '"),
        ("-team", "starts with - or _"),
        ("../etc", "contains '.', '/'"),
        ("/tmp/elsewhere", "contains '/'"),
        ("<b>team</b>", "contains '/', '<', '>'"),
        ("con", "reserved device name"),
        ("x" * 201, "201 characters long"),
        (7, "is an int, not a str"),
        (None, "is a NoneType, not a str"),
    ],
)
def test_bad_workspace_names_are_refused_naming_the_problem_and_nothing_changes(
    team_b, name, words
):
    home = rb.home()
    generation = ws.generation()
    checked = act(home, "check_workspace", workspace=name)["result"]
    assert words in checked["problem"] and checked["new"] is False
    ack = act(home, "switch_workspace", workspace=name)
    assert ack["ok"] is False and ack["error"] == checked["problem"]
    if not isinstance(name, str) or name.strip():
        assert "letters, digits, - and _" in ack["error"]
    with pytest.raises(ValueError, match="workspace"):
        home.switch_workspace(name)
    assert rb.get_workspace() == "rubrix" and ws.generation() == generation
    assert home.workspace == "rubrix" and home.names == reviews_names()


def test_a_switch_made_in_python_updates_an_open_list(team_b):
    home = rb.home()
    home.comm.sent.clear()
    rb.set_workspace("team-b")
    assert home.workspace == "team-b" and home.names == team_b
    assert synced(home, "workspace") == "team-b"
    rb.init(workspace="rubrix")
    assert home.names == reviews_names()


def test_clicks_from_a_list_drawn_for_another_workspace_are_refused(team_b):
    home = rb.home()
    shown = home.workspace
    rb.set_workspace("team-b")  # a cell switches; the browser has not redrawn yet
    for action in ("delete", "open"):
        ack = act(home, action, name="fresh-reviews", workspace=shown)
        assert ack["ok"] is False and "switched since" in ack["error"]
        assert "nothing was done" in ack["error"]
    assert home.opened is None
    assert rb.datasets().name.tolist() == team_b
    rb.set_workspace("rubrix")
    assert rb.datasets().name.tolist() == reviews_names()
    ack = act(home, "delete", name="fresh-reviews", workspace=None)
    assert ack["ok"] is False and "delete needs 'workspace'" in ack["error"]


def test_an_open_page_stays_on_its_dataset_when_the_workspace_switches(team_b):
    home = rb.home()
    home.open_dataset("fresh-reviews")
    assert home.total == 40
    rb.set_workspace("team-b")  # from a cell, while the page is open
    assert home.opened == "fresh-reviews" and home.total == 40
    assert home.names == team_b  # the list behind it follows
    seq = next(r["seq"] for r in home._records if r["id"] == 15)
    ack = send_action(home, "annotate", seqs=[seq], epoch=home._epoch, annotation="rotten")
    assert ack["ok"] is True
    assert len(rb.load("fresh-reviews")) == 5  # team-b's dataset
    assert rb.load("fresh-reviews").annotation.isna().all()
    home.back()
    home.open_dataset("fresh-reviews")  # opened now: team-b's
    assert home.total == 5
    rb.set_workspace("rubrix")
    assert rb.load("fresh-reviews", ids=[15]).annotation.tolist() == ["rotten"]
