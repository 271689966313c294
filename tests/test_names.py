"""Dataset names are folder names: a bad one is refused before anything touches disk.

Names with ``..``, ``/``, ``\\``, NUL, control characters, Windows device names
(``con``, ``nul``, ``com1``, ``lpt9``...) or over 200 characters are rejected by every
entry point that takes a name (``rb.log``, ``rb.load``, ``rb.delete``, ``rb.copy``
both ways, snapshots, ``rb.configure_dataset``, ``rb.load_dataset_settings``,
``rb.show``, and the home list's open and delete actions) with a ValueError that
names the problem and the rule. Nothing appears or changes anywhere under the
test's temp folder (the workspace, its parent, the current directory), and the
data already in the workspace is intact.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest

import rubrix_widgets as rb
from rubrix_widgets.store import workspace as ws

RULE = re.escape(ws.NAME_PATTERN)

# The absolute-path name is unique per run, so checking it does not exist afterwards
# means nothing was written there (pathlib: Path("ws") / "/tmp/x" == Path("/tmp/x")).
ABSOLUTE = f"/tmp/rubrix-widgets-escape-{uuid.uuid4().hex}"

BAD_NAMES = {
    "dotdot": "..",
    "dot": ".",
    "parent-child": "../x",
    "parent-parent": "../../escaped",
    "slash": "a/b",
    "absolute": ABSOLUTE,
    "backslash": "a\\b",
    "backslash-parent": "..\\x",
    "nul-inside": "a\x00b",
    "nul": "\x00",
    "con": "con",
    "prn": "prn",
    "aux": "aux",
    "nul-device": "nul",
    "com0": "com0",
    "com1": "com1",
    "com9": "com9",
    "lpt0": "lpt0",
    "lpt1": "lpt1",
    "lpt9": "lpt9",
    "space": " ",
    "empty": "",
    "too-long": "x" * 201,
    "trailing-newline": "news\n",
    "newline": "a\nb",
    "tab": "a\tb",
    "control": "a\x1bb",
    "upper": "News",
    "inner-space": "a b",
    "leading-dash": "-x",
    "leading-underscore": "_x",
    "dot-inside": "a.b",
    "device-with-extension": "con.txt",
    "colon": "c:x",
    "tilde": "~",
    "env-var": "$HOME",
    "unicode-letter": "café",
    "rtl-override": "\u202eabc",
    "markup": "<script>",
    "fullwidth-digits": "１２３",
}
NOT_STR = {"none": None, "int": 1, "bytes": b"abc", "path": Path("abc"), "list": ["abc"]}
# Near misses that ARE valid: only the bare device names are reserved.
GOOD_NAMES = ["con-x", "console", "com10", "lpt", "nul0", "aux_1", "x" * 200, "0", "a-_b"]


def tree(folder: Path) -> dict[str, tuple]:
    """Every path under ``folder`` (relative), with size and mtime for files."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames:
            out[os.path.relpath(os.path.join(dirpath, name), folder)] = ("dir",)
        for name in filenames:
            path = os.path.join(dirpath, name)
            stat = os.stat(path)
            out[os.path.relpath(path, folder)] = ("file", stat.st_size, stat.st_mtime_ns)
    return out


def tc(i: int, text: str = "A record.") -> rb.TextClassificationRecord:
    return rb.TextClassificationRecord(id=i, text=text, prediction=[("pos", 0.8), ("neg", 0.2)])


@pytest.fixture
def keep(workspace):
    """A dataset with a snapshot and settings that no bad call may touch."""
    rb.log([tc(1), tc(2, "Another record.")], "keep", tags={"t": "v"}, verbose=False)
    rb.create_snapshot("keep")
    rb.configure_dataset("keep", rb.TextClassificationSettings(label_schema=["pos", "neg"]))
    return rb.load("keep")


@pytest.fixture
def cwd(tmp_path, monkeypatch):
    """Run in a folder under tmp_path: a relative write would land where we look."""
    folder = tmp_path / "cwd"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


class ListAcks:
    """The home page's answers to the list's actions, as the browser gets them (the reply
    the kernel keeps in its ``_acks`` state, which the browser reads)."""

    def __init__(self, home):
        self.home = home
        self.sent = 0

    def __call__(self, action: str, name) -> dict:
        self.sent += 1
        request = f"test:{self.sent}"
        message = {
            "type": "action",
            "action": action,
            "request": request,
            "name": name,
            "workspace": self.home.workspace,  # the one the list shows
        }
        self.home._on_message(self.home, message, [])
        return self.home._acks[request]


def entry_points(home_acks: ListAcks | None):
    """(what, call) for every public way a name reaches the store."""
    settings = rb.TextClassificationSettings(label_schema=["pos", "neg"])
    calls = [
        ("rb.log", lambda n: rb.log(tc(1), n, verbose=False)),
        ("rb.log(DataFrame)", lambda n: rb.log(rb.load("keep"), n, verbose=False)),
        ("rb.load", lambda n: rb.load(n)),
        ("rb.load(query)", lambda n: rb.load(n, query="pos")),
        ("rb.load(snapshot)", lambda n: rb.load(n, snapshot=1)),
        ("rb.delete", lambda n: rb.delete(n)),
        ("rb.copy(source)", lambda n: rb.copy(n, "copy-target")),
        ("rb.copy(target)", lambda n: rb.copy("keep", n)),
        ("rb.create_snapshot", lambda n: rb.create_snapshot(n)),
        ("rb.snapshots", lambda n: rb.snapshots(n)),
        ("rb.configure_dataset", lambda n: rb.configure_dataset(n, settings)),
        ("rb.load_dataset_settings", lambda n: rb.load_dataset_settings(n)),
        ("rb.show(name)", lambda n: rb.show(n)),
        ("rb.show(records, name)", lambda n: rb.show([tc(1)], name=n)),
    ]
    if home_acks is not None:
        for action in ("delete", "open"):

            def call(n, action=action):
                ack = home_acks(action, n)
                assert ack["ok"] is False, ack
                raise ValueError(ack["error"])

            calls.append((f"home list {action}", call))
    return calls


def check_refused(call, name, errors=ValueError) -> str:
    with pytest.raises(errors) as info:
        call(name)
    return str(info.value)


@pytest.fixture
def home_acks(keep):
    home = rb.home()
    yield ListAcks(home)
    home.close()  # else it keeps listening to workspace changes in later tests


@pytest.mark.parametrize("name", list(BAD_NAMES.values()), ids=list(BAD_NAMES))
def test_every_entry_point_refuses_a_bad_name_and_writes_nothing(
    name, keep, home_acks, cwd, tmp_path
):
    acks = home_acks
    before = tree(tmp_path)
    for what, call in entry_points(acks):
        message = check_refused(call, name)
        if what.startswith("home list") and name == "":
            assert "needs 'name'" in message, (what, message)  # the action's own check
            continue
        assert "is not allowed" in message, (what, message)
        assert ws.NAME_PATTERN in message, (what, message)
    assert tree(tmp_path) == before, "a refused name changed files under tmp_path"
    assert not Path(ABSOLUTE).exists()
    assert not Path(ABSOLUTE).parent.joinpath("escaped").exists()
    # What was there is intact.
    assert rb.datasets().name.tolist() == ["keep"]
    assert rb.load("keep").equals(keep)
    assert [s.id for s in rb.snapshots("keep")] == [1]
    assert rb.load_dataset_settings("keep").label_schema == {"pos", "neg"}


@pytest.mark.parametrize("name", list(NOT_STR.values()), ids=list(NOT_STR))
def test_names_that_are_not_str_are_refused(name, keep, cwd, tmp_path):
    before = tree(tmp_path)
    for what, call in entry_points(None):
        if what == "rb.show(name)" and name is None:
            continue  # rb.show(None) is the home page
        # rb.show(1) and rb.show(records, name=None) are a TypeError: no name given.
        message = check_refused(call, name, (ValueError, TypeError))
        wrong_type = "is a" in message and "not a str" in message
        assert wrong_type or "needs a dataset name" in message, (what, message)
    assert tree(tmp_path) == before
    assert rb.load("keep").equals(keep)


def test_a_refused_name_does_not_even_create_the_workspace(tmp_path, cwd):
    fresh = tmp_path / "fresh-workspace"
    rb.init(workspace=fresh)
    assert not fresh.exists()
    for name in ["../x", "con", "a\x00b", ABSOLUTE]:
        for what, call in entry_points(None):
            if what == "rb.log(DataFrame)":
                continue  # its records come from rb.load("keep"), in another workspace
            check_refused(call, name)
            assert not fresh.exists(), f"{what}({name!r}) created the workspace"
    assert sorted(os.listdir(tmp_path)) == ["cwd"]


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("con", "reserved device name on Windows"),
        ("lpt9", "reserved device name on Windows"),
        ("../x", "contains '.', '/'"),
        ("a\\b", "contains '\\\\'"),
        ("a\x00b", "contains '\\x00'"),
        ("news\n", "contains '\\n'"),
        ("x" * 201, "is 201 characters long"),
        ("", "is empty"),
        ("-x", "starts with - or _"),
        ("x" * 100_000, "... ("),  # a huge name is not repeated whole in the error
    ],
    ids=["con", "lpt9", "dotdot", "backslash", "nul", "newline", "long", "empty", "dash", "huge"],
)
def test_the_error_says_what_is_wrong_and_what_is_allowed(name, words):
    with pytest.raises(ValueError, match=RULE) as info:
        rb.log(tc(1), name, verbose=False)
    message = str(info.value)
    assert words in message
    assert "con, prn, aux, nul, com0-com9, lpt0-lpt9" in message
    assert "lowercase letters, digits, - and _" in message
    assert len(message) < 1000


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_near_misses_are_valid_names(name, workspace):
    rb.log(tc(1), name, verbose=False)
    assert rb.load(name).id.tolist() == [1]
    assert (workspace / name).is_dir()
    rb.copy(name, "copied")
    rb.delete(name)
    assert rb.datasets().name.tolist() == ["copied"]


def test_folders_with_bad_names_are_not_listed(workspace, keep):
    """A folder someone made by hand (``con``, ``News``, ``.hidden``) is not a dataset."""
    for folder in ["con", "News", ".hidden", "a b"]:
        (workspace / folder).mkdir()
        (workspace / folder / "dataset.json").write_text(
            (workspace / "keep" / "dataset.json").read_text()
        )
    assert rb.datasets().name.tolist() == ["keep"]


def test_the_list_shows_the_folder_name_not_what_the_manifest_claims(workspace, keep):
    """A copied or edited dataset.json with another (even hostile) name: the folder wins."""
    manifest = workspace / "keep" / "dataset.json"
    manifest.write_text(
        manifest.read_text().replace('"name": "keep"', '"name": "<script>x</script>"')
    )
    assert '"<script>x</script>"' in manifest.read_text()
    assert rb.datasets().name.tolist() == ["keep"]
    home = rb.home()
    assert home.refresh() == ["keep"]
    home.close()
