"""Workspaces as Rubrix code uses them: ``rb.init(workspace=...)``, ``rb.set_workspace``,
``rb.get_workspace``, ``$RUBRIX_WORKSPACE``, ``rb.copy(..., workspace=...)``.

Here a workspace is a folder: the default one (``"rubrix"``) is the home folder itself, so
homes from before workspaces keep their datasets; a named one lives in
``<home>/_workspaces/<name>``; a path is a folder of its own.
"""

from __future__ import annotations

import threading

import ipywidgets.comm
import pytest
from fake_comm import FakeComm

import rubrix_widgets as rb
from rubrix_widgets import errors
from rubrix_widgets.store import workspace as ws


def tc(i, **kw) -> rb.TextClassificationRecord:
    return rb.TextClassificationRecord(text=f"record number {i}", id=i, **kw)


@pytest.fixture
def cwd(tmp_path, monkeypatch):
    folder = tmp_path / "cwd"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def test_the_default_workspace_is_rubrix_and_holds_the_datasets_already_in_the_home(workspace):
    rb.log(tc(1), "old", verbose=False)  # as a home written before workspaces
    assert (workspace / "old" / "dataset.json").is_file()
    assert rb.get_workspace() == "rubrix"
    rb.set_workspace("team")
    assert rb.datasets().empty
    rb.set_workspace("rubrix")
    assert rb.datasets().name.tolist() == ["old"]


def test_a_bare_name_is_a_workspace_in_the_home_folder_never_in_the_cwd(workspace, cwd):
    with pytest.warns(UserWarning, match="no server"):
        rb.init(api_url="http://localhost:6900", api_key="k", workspace="my-team")
    assert rb.get_workspace() == "my-team"
    rb.log(tc(1), "news", verbose=False)
    assert (workspace / "_workspaces" / "my-team" / "news" / "dataset.json").is_file()
    assert list(cwd.iterdir()) == []
    assert "_workspaces" not in rb.datasets().name.tolist()


@pytest.mark.parametrize("given", ["absolute", "./relative", "~/under-home"])
def test_a_path_stays_a_folder_workspace(given, tmp_path, cwd, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    path = {
        "absolute": str(tmp_path / "absolute"),
        "./relative": "./relative",
        "~/under-home": "~/under-home",
    }[given]
    expected = {
        "absolute": tmp_path / "absolute",
        "./relative": cwd / "relative",
        "~/under-home": tmp_path / "home" / "under-home",
    }[given]
    rb.init(workspace=path)
    rb.log(tc(1), "here", verbose=False)
    assert (expected / "here" / "dataset.json").is_file()
    assert rb.get_workspace() == str(expected)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("my team", "contains ' '"),
        ("-team", "starts with - or _"),
        ("_workspaces", "starts with - or _"),
        ("équipe", "contains 'é'"),
        ("con", "reserved device name"),
        ("x" * 201, "201 characters"),
        ("team\n", "contains '\\n'"),
    ],
)
def test_a_bad_workspace_name_is_refused_clearly_and_nothing_changes(name, words, workspace, cwd):
    rb.set_workspace("before")
    for call in (rb.set_workspace, lambda n: rb.init(workspace=n)):
        with pytest.raises(errors.InvalidNameError, match="is not allowed") as info:
            call(name)
        assert words in str(info.value) and ws.WORKSPACE_PATTERN in str(info.value)
        assert isinstance(info.value, ValueError)
    assert rb.get_workspace() == "before"
    assert list(cwd.iterdir()) == []


def test_set_workspace_none_is_refused_as_in_rubrix():
    with pytest.raises(ValueError, match="Must provide a workspace"):
        rb.set_workspace(None)


def test_rubrix_workspace_names_may_have_capitals_and_the_empty_name_is_the_default():
    rb.set_workspace("Team_A-1")
    assert rb.get_workspace() == "Team_A-1"
    rb.set_workspace("")  # Rubrix's "no workspace": the datasets of before workspaces
    assert rb.get_workspace() == "rubrix"


def test_rubrix_workspace_env_var_is_the_workspace_when_none_is_given(workspace, monkeypatch):
    monkeypatch.setenv("RUBRIX_WORKSPACE", "from-env")
    ws.set_workspace(None)
    assert rb.get_workspace() == "from-env"
    rb.log(tc(1), "envds", verbose=False)
    assert (workspace / "_workspaces" / "from-env" / "envds").is_dir()
    rb.set_workspace("other")
    rb.init()  # as Rubrix: a new client goes back to the env var (or the default)
    assert rb.get_workspace() == "from-env"


def test_init_with_only_an_annotator_keeps_the_workspace():
    rb.set_workspace("kept")
    rb.init(annotator="ada")
    assert rb.get_workspace() == "kept" and ws.annotator() == "ada"
    rb.init(annotator="bob", workspace="moved")
    assert rb.get_workspace() == "moved"


def test_datasets_of_different_workspaces_are_separate_even_with_one_name():
    rb.log(tc(1), "shared-name", verbose=False)
    rb.set_workspace("team")
    with pytest.raises(errors.NotFoundApiError, match="workspace 'team'"):
        rb.load("shared-name")
    rb.log(tc(2), "shared-name", verbose=False)
    assert rb.load("shared-name").id.tolist() == [2]
    rb.set_workspace("rubrix")
    assert rb.load("shared-name").id.tolist() == [1]


def test_copy_to_another_workspace_and_an_existing_target_there_is_already_exists(workspace):
    rb.log([tc(1), tc(2, annotation="a")], "source", tags={"t": "v"}, verbose=False)
    rb.copy("source", name_of_copy="copied", workspace="my-fun-workspace")
    assert "copied" not in rb.datasets().name.tolist()
    original = rb.load("source")
    rb.set_workspace("my-fun-workspace")
    assert rb.load("copied").equals(original)
    assert rb.load("copied", query="annotated_as:a").id.tolist() == [2]
    row = rb.datasets().set_index("name").loc["copied"]
    assert row.tags == {"t": "v"}
    assert row.metadata == {"copied_from": "source", "source_workspace": "rubrix"}
    with pytest.raises(errors.AlreadyExistsApiError, match="my-fun-workspace"):
        rb.copy("copied", name_of_copy="copied", workspace="my-fun-workspace")
    with pytest.raises(errors.InvalidNameError):
        rb.copy("copied", name_of_copy="again", workspace="bad name")
    assert rb.datasets().name.tolist() == ["copied"]


def test_list_workspaces_gives_the_default_first_then_the_others_by_name():
    assert ws.list_workspaces() == ["rubrix"]
    for name in ("zeta", "alpha"):
        rb.set_workspace(name)
        rb.log(tc(1), "ds", verbose=False)
    rb.set_workspace("new-and-empty")  # current, before anything is written to it
    assert ws.list_workspaces() == ["rubrix", "alpha", "new-and-empty", "zeta"]
    assert ws.workspace_name() == rb.get_workspace() == "new-and-empty"


def test_switching_workspace_refreshes_open_dataset_lists(monkeypatch):
    monkeypatch.setattr(ipywidgets.comm, "create_comm", lambda **kwargs: FakeComm(**kwargs))
    rb.log(tc(1), "default-ds", verbose=False)
    rb.set_workspace("team")
    rb.log(tc(1), "team-ds", verbose=False)
    rb.set_workspace("rubrix")
    heard = []

    def hear(name):
        heard.append(name)

    ws.subscribe(hear)
    home = rb.home()
    try:
        assert home.names == ["default-ds"]
        rb.set_workspace("team")
        assert heard[-1] is None
        assert home.names == ["team-ds"]
    finally:
        ws.unsubscribe(hear)
        home.close()
        home.close()


def test_a_pinned_workspace_holds_for_its_own_thread_only(tmp_path):
    # a page pins the workspace it was opened in; a background writer (rb.monitor, a
    # background rb.log) running meanwhile must keep writing where the person chose
    other = tmp_path / "pinned-folder"
    rb.log(rb.TextClassificationRecord(text="home", id=1), "here", verbose=False)
    seen = {}
    with ws.pinned(other):
        rb.log(rb.TextClassificationRecord(text="pinned", id=2), "there", verbose=False)
        worker = threading.Thread(target=lambda: seen.update(folder=ws.root()))
        worker.start()
        worker.join()
        assert rb.load("there").text.tolist() == ["pinned"]
    assert seen["folder"] == ws.root() != other
    assert (other / "there").is_dir() and not (ws.root() / "there").exists()
    assert rb.load("here").text.tolist() == ["home"]
