"""The protocol every widget shares with its front end (``widgets/protocol.py``), driven
without a browser through the fake comm: intents declared once per handler, replies in
state as well as in a message, ``hello`` for views made late, traits the kernel owns,
no widget made while answering a message, updates pushed from the kernel's thread, and
messages far below the size a Jupyter server drops.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading

import ipywidgets
import ipywidgets.comm
import pytest
from fake_comm import FakeComm, synced, updates
from fake_comm import act as send_action
from ipywidgets.widgets import widget as ipywidget_module

import rubrix_widgets as rb
from rubrix_widgets.widgets import DatasetList, DatasetPage, Home
from rubrix_widgets.widgets.dataset_page import MAX_PAGE_SIZE
from rubrix_widgets.widgets.protocol import MAX_ACKS, ReadOnlyTraitError, action, intents

ONE_MB = 1_000_000
JUPYTER_LIMIT = 10 * ONE_MB  # the Jupyter server drops bigger messages


@pytest.fixture(autouse=True)
def fake_comm(monkeypatch):
    monkeypatch.setattr(ipywidgets.comm, "create_comm", lambda **kwargs: FakeComm(**kwargs))
    yield
    for widget in list(ipywidget_module._instances.values()):
        widget.close()


@pytest.fixture
def reviews(rotten_tomatoes) -> str:
    """60 real reviews with predictions, a label schema-free text classification dataset."""
    texts = rotten_tomatoes.dropna(subset=["text"]).text.head(60).tolist()
    rb.log(
        [
            rb.TextClassificationRecord(
                id=i,
                text=text,
                prediction=[("fresh", 0.7), ("rotten", 0.3)] if i % 2 else [("rotten", 0.9)],
                metadata={"half": "first" if i < 30 else "second"},
            )
            for i, text in enumerate(texts)
        ],
        "reviews",
        verbose=False,
    )
    return "reviews"


def act(widget, action_name: str, **fields) -> dict:
    if ("seqs" in fields or "seq" in fields) and "epoch" not in fields:
        fields["epoch"] = widget._epoch
    return send_action(widget, action_name, via_comm=True, **fields)


# -- intents, declared once ---------------------------------------------------------------------
PAGE_INTENTS = {
    "annotate": {"seqs", "scope", "annotation", "epoch"},
    "edit": {"seqs", "annotation", "epoch"},
    "validate": {"seqs", "scope", "epoch"},
    "discard": {"seqs", "scope", "epoch"},
    "add_span": {"seq", "label", "start", "end", "epoch"},
    "remove_span": {"seq", "label", "start", "end", "epoch"},
    "undo": set(),
    "redo": set(),
    "add_label": {"label"},
    "full_text": {"seq", "key", "epoch"},
    "sync": set(),
    "rule_metrics": {"query", "label"},
    "add_rule": {"query", "label"},
    "delete_rule": {"query", "label"},
    "find_similar": {"seq", "epoch", "vector", "most_similar", "k"},
    "semantic_search": {"text"},
    "more_like_label": {"label", "vector", "k"},
    "select_on_map": {"seqs", "epoch"},
    "map_text": {"seq", "epoch"},
    "hello": set(),
}
LIST_INTENTS = {
    "open": {"name", "workspace"},
    "delete": {"name", "workspace"},
    "refresh": set(),
    "switch_workspace": {"workspace"},
    "check_workspace": {"workspace"},
    "hello": set(),
}


def test_each_widget_lists_the_intents_of_the_contract_with_their_fields():
    assert intents(DatasetPage) == PAGE_INTENTS
    assert intents(DatasetList) == LIST_INTENTS
    assert intents(Home) == {**PAGE_INTENTS, **LIST_INTENTS, "back": set()}


def test_an_action_handler_must_take_its_fields_by_keyword():
    with pytest.raises(TypeError, match=r"must be keyword-only \(after \*\), not \['label'\]"):

        @action("bad", result="number")
        def handler(self, label):  # pragma: no cover - refused when declared
            return 0


def test_unknown_and_missing_fields_are_refused_naming_the_allowed_ones(reviews):
    before = rb.load(reviews)
    w = rb.show(reviews)
    ack = act(w, "add_label", label="meh", colour="red")
    assert ack["ok"] is False
    assert ack["error"] == "action 'add_label' got unknown field(s) colour; its fields are: label"
    ack = act(w, "add_rule", query="funny")
    assert ack["error"] == "action 'add_rule' needs field(s) label; its fields are: label, query"
    ack = send_action(w, "undo", seqs=[1])
    assert ack["error"] == "action 'undo' got unknown field(s) seqs; its fields are: none"
    assert "meh" not in w._labels
    assert rb.load(reviews).equals(before)


def test_the_list_refuses_unknown_actions_listing_the_allowed_ones(reviews):
    w = DatasetList()
    ack = send_action(w, "annotate", seqs=[1])
    assert ack["error"] == (
        "unknown action 'annotate'; allowed actions: check_workspace, delete, hello, open, "
        "refresh, switch_workspace"
    )


# -- replies: in a message and in state ---------------------------------------------------------
def test_a_reply_is_in_the_acks_state_before_its_message(reviews):
    """A lost custom message never loses a click's answer: the same reply is synced in
    ``_acks`` first."""
    w = rb.show(reviews)
    ack = act(w, "annotate", seqs=[3], annotation="fresh")
    reply = {"request": ack["request"], "ok": True, "result": 1}
    assert ack == {"type": "ack", **reply}
    sent = w.comm.sent
    message_at = next(i for i, m in enumerate(sent) if m["method"] == "custom")
    state_at = max(
        i for i, m in enumerate(sent) if m["method"] == "update" and "_acks" in m["state"]
    )
    assert state_at < message_at
    assert sent[state_at]["state"]["_acks"][str(ack["request"])] == reply
    refused = act(w, "annotate", seqs=["x"], annotation="fresh")
    assert synced(w, "_acks")[str(refused["request"])] == {
        k: v for k, v in refused.items() if k != "type"
    }


def test_the_acks_state_keeps_the_last_32_replies(reviews):
    w = rb.show(reviews)
    requests = [act(w, "sync")["request"] for _ in range(MAX_ACKS + 5)]
    assert list(w._acks) == [str(r) for r in requests[-MAX_ACKS:]]


def test_a_stale_refusal_says_so_in_state_too(reviews):
    w = rb.show(reviews)
    drawn = w._epoch
    rb.delete_records(reviews, ids=[0])
    ack = act(w, "validate", seqs=[5], epoch=drawn)
    assert ack["ok"] is False and ack["stale"] is True
    assert w._acks[str(ack["request"])]["stale"] is True


def test_a_huge_reply_does_not_make_every_later_state_carry_it(reviews):
    """A full text can be megabytes: the ``_acks`` state keeps the newest replies within
    a budget, so it never grows towards the size a Jupyter server drops."""
    long_text = "a long review, " * 60_000  # 900,000 characters
    rb.log(rb.TextClassificationRecord(id=99, text=long_text), reviews, verbose=False)
    w = rb.show(reviews, query="id:99")
    seq = w._records[0]["seq"]
    for _ in range(3):
        assert act(w, "full_text", seq=seq, key="text")["result"] == long_text
    assert len(json.dumps(w._acks)) < 2 * ONE_MB
    act(w, "sync")
    assert len(w._acks) >= 2  # the newest replies stay


def test_a_click_is_answered_before_its_write_settles(reviews):
    """The ack goes out as soon as the write is on disk; catching the index up and
    recounting facets (the settle) comes after it, so a click feels immediate."""
    w = rb.show(reviews)
    w.comm.sent.clear()
    act(w, "annotate", seqs=[w._records[0]["seq"]], annotation=["fresh"])
    sent = w.comm.sent
    ack_at = next(i for i, m in enumerate(sent) if m.get("method") == "custom")
    settled_at = max(
        i
        for i, m in enumerate(sent)
        if m.get("method") == "update" and "_facets" in m.get("state", {})
    )
    assert ack_at < settled_at


# -- late views: hello ----------------------------------------------------------------------------
def test_a_view_made_after_the_first_refresh_gets_the_whole_state_on_hello(reviews):
    """Issue 16: in Panel the first view showed no facets, metrics or keywords: they were
    computed before it connected and sent only then. ``hello`` sends the whole state."""

    async def kernel():
        w = rb.show(reviews)
        await asyncio.sleep(0)  # the deferred first refresh runs; no view connected yet
        w.comm.sent.clear()
        ack = act(w, "hello")
        return w, ack

    w, ack = asyncio.run(kernel())
    assert ack["ok"] is True and ack["result"] is True
    state = next(s for s in updates(w) if "_facets" in s)
    assert state["_facets"] == w._facets and state["_facets"]
    assert state["_keywords"] == w._keywords and state["_keywords"]
    assert state["metrics"] == w.metrics and state["_records"] == w._records
    assert state["dataset_name"] == reviews and state["total"] == 60


def test_hello_does_not_resend_the_front_end_code(reviews):
    """marimo takes an ``_esm`` in a state update as a code reload, which it can register
    only while a cell runs: the hello reply sent from a message handler must leave it out."""
    for widget in (rb.show(reviews), rb.home()):
        widget.comm.sent.clear()
        act(widget, "hello")
        sent = [key for state in updates(widget) for key in state]
        assert "_records" in sent or "_datasets" in sent
        assert "_esm" not in sent and "_css" not in sent


def test_the_home_page_answers_hello_with_the_list_state(reviews):
    home = rb.home()
    home.comm.sent.clear()
    assert act(home, "hello")["result"] is True
    state = next(s for s in updates(home) if "_datasets" in s)
    assert [row["name"] for row in state["_datasets"]] == [reviews]
    assert state["dataset_name"] == "" and state["workspace"] == home.workspace


# -- traits the kernel owns ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("trait", "instead"),
    [
        ("total", "set query, filters, sort or page"),
        ("metrics", "set query or filters instead"),
        ("rules", "call add_rule(query, label) or delete_rule(query, label) instead"),
        ("_progress", "call annotate, validate or discard instead"),
        ("_records", "set query, filters, sort or page"),
        ("df", "set query or filters instead"),
        ("_acks", "it holds the replies"),
    ],
)
def test_kernel_traits_are_read_only_from_python_saying_what_to_call(reviews, trait, instead):
    w = rb.show(reviews)
    before = getattr(w, trait)
    with pytest.raises(
        ReadOnlyTraitError, match=rf"DatasetPage\.{trait} is computed by the kernel"
    ):
        setattr(w, trait, 5)
    with pytest.raises(AttributeError, match=re.escape(instead)):
        setattr(w, trait, 5)
    assert getattr(w, trait) is before


def test_the_lists_kernel_traits_are_read_only_too(reviews):
    home = rb.home()
    with pytest.raises(ReadOnlyTraitError, match="call switch_workspace"):
        home.workspace = "elsewhere"
    with pytest.raises(ReadOnlyTraitError, match="call open_dataset"):
        home.dataset_name = reviews
    with pytest.raises(ReadOnlyTraitError, match=r"call refresh\(\)"):
        DatasetList()._datasets = []
    home.list_query = "rev"  # what a person types is writable
    assert home.list_query == "rev"


def test_browser_writes_to_kernel_traits_are_ignored(reviews):
    w = rb.show(reviews)
    total, records, progress = w.total, w._records, w._progress
    w.comm.deliver(
        {
            "method": "update",
            "state": {"total": 3, "_records": [], "_progress": {}, "dataset_name": "x"},
            "buffer_paths": [],
        }
    )
    assert (w.total, w._records, w._progress, w.dataset_name) == (total, records, progress, reviews)
    w.comm.deliver({"method": "update", "state": {"query": "id:5", "total": 0}, "buffer_paths": []})
    assert w.query == "id:5" and w.total == 1  # the person's search applies, total follows
    home = rb.home()
    home.comm.deliver(
        {
            "method": "update",
            "state": {"_datasets": [], "workspace": "x", "list_query": "r"},
            "buffer_paths": [],
        }
    )
    assert home.list_query == "r" and [r["name"] for r in home._datasets] == [reviews]


# -- no widget made while answering a message (marimo refuses it) ---------------------------------
@pytest.fixture
def no_new_widgets(monkeypatch):
    """While on, making any ipywidget (anywidgets included) raises."""
    made: list[str] = []
    real = ipywidgets.Widget.__init__

    def refuse(self, *args, **kwargs):
        if state["on"]:
            made.append(type(self).__name__)
            raise AssertionError(f"a {type(self).__name__} was made inside a message handler")
        real(self, *args, **kwargs)

    state = {"on": False, "made": made}
    monkeypatch.setattr(ipywidgets.Widget, "__init__", refuse)
    return state


def _every_action(widget) -> list[tuple[str, dict]]:
    """One intent per action the widget accepts, with plausible fields."""
    seq = widget._records[0]["seq"] if getattr(widget, "_records", None) else 0
    page = {
        "annotate": {"seqs": [seq], "annotation": "fresh"},
        "edit": {"seqs": [seq], "annotation": "draft"},
        "validate": {"scope": "query"},
        "discard": {"seqs": [seq]},
        "add_span": {"seq": seq, "label": "X", "start": 0, "end": 3},
        "remove_span": {"seq": seq, "label": "X", "start": 0, "end": 3},
        "undo": {},
        "redo": {},
        "add_label": {"label": "meh"},
        "full_text": {"seq": seq, "key": "text"},
        "sync": {},
        "rule_metrics": {"query": "funny", "label": "fresh"},
        "add_rule": {"query": "funny", "label": "fresh"},
        "delete_rule": {"query": "funny", "label": "fresh"},
        "find_similar": {"seq": seq, "k": 5},
        "semantic_search": {"text": "funny"},
        "more_like_label": {"label": "fresh"},
        "select_on_map": {"seqs": [seq]},
        "map_text": {"seq": seq},
        "hello": {},
        "refresh": {},
        "check_workspace": {"workspace": "team"},
        "switch_workspace": {"workspace": "rubrix"},
        "open": {"name": "reviews"},
        "back": {},
        "delete": {"name": "other"},
    }
    return [(name, page[name]) for name in intents(type(widget))]


def test_no_action_of_any_widget_makes_a_widget(reviews, no_new_widgets):
    rb.log(rb.TextClassificationRecord(text="to delete"), "other", verbose=False)
    page, datasets, home = rb.show(reviews), DatasetList(), rb.home()
    home.open_dataset(reviews)
    answered = []
    no_new_widgets["on"] = True
    for widget in (page, home, datasets):
        for name, fields in _every_action(widget):
            if name == "delete":
                rb.log(rb.TextClassificationRecord(text="again"), "other", verbose=False)
            fields = {**fields}
            if name in ("open", "delete"):
                fields["workspace"] = widget.workspace
            ack = act(widget, name, **fields)
            answered.append((type(widget).__name__, name))
            assert "inside a message handler" not in ack.get("error", ""), (name, ack)
        if widget is home:  # its list's open makes no widget either
            assert act(home, "open", name=reviews, workspace=home.workspace)["ok"] is True
    no_new_widgets["on"] = False
    assert no_new_widgets["made"] == []
    assert len(answered) == len(PAGE_INTENTS) + len(intents(Home)) + len(LIST_INTENTS)


def test_the_widget_guard_does_catch_a_widget_made_in_a_handler(reviews, no_new_widgets):
    """The check above can fail: a handler that makes a widget is caught."""
    datasets = DatasetList(on_open=lambda name: ipywidgets.Button(description=name))
    no_new_widgets["on"] = True
    ack = act(datasets, "open", name=reviews, workspace=datasets.workspace)
    no_new_widgets["on"] = False
    assert ack["ok"] is False and "inside a message handler" in ack["error"]
    assert no_new_widgets["made"] == ["Button"]


# -- updates pushed from the kernel's thread ------------------------------------------------------
def test_a_background_write_reaches_the_page_on_the_kernels_thread(reviews):
    """``rb.log(..., background=True)`` writes on a writer thread; the page's notice (a
    state update) is pushed from the kernel's event loop thread, where ipywidgets and
    the front ends expect it."""
    main = threading.get_ident()

    async def kernel():
        w = rb.show(reviews)
        home = rb.home()
        await asyncio.sleep(0)
        seen: list[tuple[str, int]] = []
        w.observe(lambda c: seen.append(("page", threading.get_ident())), names="_store_changes")
        home.observe(lambda c: seen.append(("list", threading.get_ident())), names="_datasets")
        future = rb.log(rb.TextClassificationRecord(text="from a thread"), reviews, background=True)
        future.result()
        for _ in range(1000):  # the loop runs the hop (bounded: never a timed assertion)
            if {who for who, _ in seen} >= {"page", "list"}:
                break
            await asyncio.sleep(0.001)
        return w, seen

    w, seen = asyncio.run(kernel())
    assert {who for who, _ in seen} == {"page", "list"}
    assert {thread for _, thread in seen} == {main}
    assert w._store_changes == 1


# -- message sizes ---------------------------------------------------------------------------------
def copies(record) -> list:
    return [record.model_copy(update={"id": i}) for i in range(MAX_PAGE_SIZE)]


def test_the_largest_page_serializes_far_under_what_jupyter_drops():
    """200 records (the largest page) with more text, tokens, attributions, predicted
    labels, spans and metadata than a page sends: the widget's whole state and every
    message stay under 2.5 MB, 1/4 of the 10 MB a Jupyter server drops (page_json cuts
    each of them to a per-record and per-page budget)."""
    words = [f"word{k % 97}" for k in range(3_000)]  # more tokens than a card shows
    text = " ".join(words)  # ~20,000 characters, more than a card shows
    metadata = {f"key{k}": "v" * 5_000 for k in range(60)} | {"list": ["x" * 1000] * 500}
    metadata["nested"] = {f"k{k}": k for k in range(500)}
    attributions = {f"label{k}": k / 100 for k in range(25)}  # more labels than sent
    # One record built (validated) once, copied with other ids: validating 200 would
    # take most of a minute.
    classified = rb.TextClassificationRecord(
        inputs={"title": text, "body": text, "notes": text},
        multi_label=True,
        prediction=[(f"label{k}", k / 1000) for k in range(150)],  # more labels than sent
        metadata=metadata,
        explanation={
            "body": [  # more tokens than sent
                rb.TokenAttributions(token=w, attributions=attributions) for w in words[:300]
            ]
        },
    )
    rb.log(copies(classified), "huge", verbose=False)
    spans = [(text.index(f" {w} ") + 1, text.index(f" {w} ") + 1 + len(w)) for w in words[1:50]]
    tokens = rb.TokenClassificationRecord(
        text=text,
        tokens=words,
        prediction=[("X", start, end) for start, end in spans],
        annotation=[("Y", start, end) for start, end in spans],
        metadata=metadata,
    )
    rb.log(copies(tokens), "huge-ner", verbose=False)
    for name in ("huge", "huge-ner"):
        w = rb.show(name, page_size=MAX_PAGE_SIZE)
        assert len(w._records) == MAX_PAGE_SIZE
        state = json.dumps(w.get_state(), ensure_ascii=False, default=str).encode()
        assert len(state) < JUPYTER_LIMIT / 4, (name, len(state))
        biggest = max(len(json.dumps(m, default=str).encode()) for m in w.comm.sent)
        assert biggest < JUPYTER_LIMIT / 4, (name, biggest)
        assert "more keys not shown" in w._records[0]["metadata"]["…"]


# -- the front end's bundles ---------------------------------------------------------------------
def test_a_bundle_that_was_not_built_is_a_clear_error_naming_the_build(monkeypatch, tmp_path):
    from rubrix_widgets.errors import RubrixWidgetsError
    from rubrix_widgets.widgets import front_end

    monkeypatch.setattr(front_end, "STATIC", tmp_path)
    with pytest.raises(RubrixWidgetsError, match=r"home\.js\) is not built: run `make setup`"):
        front_end.bundle("home.js")


def test_each_widget_ships_its_own_bundle():
    assert "Back to datasets" in Home._esm and "Back to datasets" not in DatasetPage._esm
    assert "Search datasets" in DatasetList._esm and "Search records" in DatasetPage._esm
    assert ".rw-home-back" in Home._css  # the home's sheet has the list's and the page's too
    assert all(part in Home._css for part in (".rw-home-table", ".rw-card"))
