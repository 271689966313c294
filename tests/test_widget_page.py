"""The dataset page widget (``rb.show`` / ``DatasetPage``) driven without a browser.

A fake comm stands in for the kernel's: it records every message the widget
sends (trait ``update``s and custom ``ack``s) and delivers what a browser would
send. Browser intents are action messages (``w._on_message``) and trait changes
(``w.set_state``, as ipywidgets applies a comm update). Every check compares
the widget with ``rb.load`` (and pandas computations on its output) on real
movie reviews with a small sklearn model's predictions.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys

import ipywidgets.comm
import numpy as np
import pandas as pd
import pytest
import traitlets
from fake_comm import FakeComm, acks, synced, updates
from fake_comm import act as send_action
from ipywidgets.widgets import widget as ipywidget_module

import rubrix_widgets as rb
from rubrix_widgets.page_state.page_json import MAX_TEXT
from rubrix_widgets.store import workspace as ws
from rubrix_widgets.widgets.dataset_page import MAX_PAGE_SIZE, DatasetPage

NAME = "reviews"
N_REVIEWS = 1200
ONE_MB = 1_000_000


# -- the fake comm ----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def fake_comm(monkeypatch):
    monkeypatch.setattr(ipywidgets.comm, "create_comm", lambda **kwargs: FakeComm(**kwargs))
    yield
    for widget in list(ipywidget_module._instances.values()):
        if isinstance(widget, DatasetPage):
            widget.close()


def act(widget, action: str, via_comm: bool = False, **fields) -> dict:
    """An action message as the page's front end sends it: record positions (``seqs``,
    ``seq``) and bulk scopes go with the epoch of the page they were drawn on (``_epoch``,
    as last synced)."""
    if ({"seqs", "seq", "scope"} & set(fields)) and "epoch" not in fields:
        fields["epoch"] = widget._epoch
    return send_action(widget, action, via_comm, **fields)


def browser_sets(w, **state) -> None:
    """A front-end state change, through the comm (as a person typing or clicking)."""
    w.comm.deliver({"method": "update", "state": state, "buffer_paths": []})


def page_ids(w) -> list:
    return [r["id"] for r in w._records]


def all_page_ids(w) -> list:
    """Walk every page (setting ``page`` as the browser does); ids in page order."""
    out: list = []
    w.set_state({"page": 0})
    for page in range(w.total // w.page_size + 1):
        w.set_state({"page": page})
        if w.page != page:  # past the last page
            break
        out += page_ids(w)
    return out


def assert_unchanged(name: str, before: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(rb.load(name), before)


# -- real data --------------------------------------------------------------------------------
def _metadata(i: int, movie: str, has_plot: bool, text: str) -> dict:
    out = {
        "movie": movie,
        "has_plot": bool(has_plot),
        "n": i,
        "length": "short" if len(text) < 100 else "medium" if len(text) < 180 else "long",
    }
    if i % 4:
        out["year"] = 2000 + i % 7
    return out


@pytest.fixture(scope="module")
def reviews_frame(rotten_tomatoes) -> pd.DataFrame:
    """1,200 real reviews with a logistic regression's (or naive Bayes') predictions;
    a third carries the reviewer's category as annotation; some are discarded."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import MultinomialNB

    data = (
        rotten_tomatoes.dropna(subset=["text"])
        .sample(frac=1, random_state=0)
        .reset_index(drop=True)
    )
    shown, train = data.iloc[:N_REVIEWS].reset_index(drop=True), data.iloc[N_REVIEWS:4200]
    vectorizer = TfidfVectorizer(min_df=2, sublinear_tf=True)
    features = vectorizer.fit_transform(train.text)
    logreg = LogisticRegression(max_iter=500).fit(features, train.category)
    bayes = MultinomialNB().fit(features, train.category)
    x = vectorizer.transform(shown.text)
    p_logreg, p_bayes = logreg.predict_proba(x), bayes.predict_proba(x)
    classes = list(logreg.classes_)
    use_bayes = np.arange(N_REVIEWS) % 4 == 3
    proba = np.where(use_bayes[:, None], p_bayes, p_logreg)
    annotated = np.arange(N_REVIEWS) % 3 == 0
    status = np.where(annotated, "Validated", "Default").astype(object)
    status[np.arange(N_REVIEWS) % 25 == 7] = "Discarded"
    return pd.DataFrame(
        {
            "id": range(N_REVIEWS),
            "text": shown.text,
            "prediction": [[(c, float(s)) for c, s in zip(classes, row)] for row in proba],
            "prediction_agent": np.where(use_bayes, "bayes", "logreg"),
            "annotation": [c if a else None for c, a in zip(shown.category, annotated)],
            "annotation_agent": [
                ("critic" if i % 2 else "editor") if a else None for i, a in enumerate(annotated)
            ],
            "status": status,
            "metadata": [
                _metadata(i, m, h, t)
                for i, (m, h, t) in enumerate(
                    zip(shown.movie_name, shown.has_plot_and_reviews, shown.text)
                )
            ],
        }
    )


@pytest.fixture(scope="module")
def _shared_folder(reviews_frame, tmp_path_factory):
    folder = tmp_path_factory.mktemp("shared_reviews")
    ws.set_workspace(folder)
    try:
        rb.log(reviews_frame, NAME, verbose=False)
    finally:
        ws.set_workspace(None)
    return folder


@pytest.fixture
def reviews(_shared_folder, workspace) -> str:
    """The reviews, in this test's own workspace (for tests that change records): a copy of
    the folder ``rb.log`` wrote, which is faster than logging them again."""
    shutil.copytree(_shared_folder / NAME, workspace / NAME)
    return NAME


@pytest.fixture
def shared(_shared_folder) -> str:
    """The reviews in a workspace shared by tests that only read (never change records)."""
    ws.set_workspace(_shared_folder)
    return NAME


def reference(name: str, query: str | None = None) -> pd.DataFrame:
    """rb.load plus the derived columns filters and facets are about (pandas only)."""
    frame = rb.load(name, query=query) if query else rb.load(name)
    top = frame.prediction.map(lambda p: p[0] if p else (None, None))
    out = pd.DataFrame(
        {
            "id": frame.id,
            "status": frame.status,
            "predicted_as": top.map(lambda t: t[0]),
            "score": top.map(lambda t: t[1]).astype(float),
            "predicted_by": frame.prediction_agent,
            "annotated_as": frame.annotation,
            "annotated_by": frame.annotation_agent,
        }
    )
    both = out.predicted_as.notna() & out.annotated_as.notna()
    out["predicted"] = np.where(
        both, np.where(out.predicted_as == out.annotated_as, "ok", "ko"), None
    )
    for key in ("movie", "has_plot", "n", "length", "year"):
        out[f"metadata.{key}"] = frame.metadata.map(lambda m, k=key: (m or {}).get(k))
    return out


def counts(series: pd.Series) -> dict:
    return series.dropna().value_counts().to_dict()


@pytest.fixture
def health_multi_label(health_tweets) -> str:
    """300 real health tweets as multi-label records; scores derived from the words they
    use (>= 0.5 exactly for the topics a tweet mentions). Every tweet mentions one."""
    topics = ["health", "diet", "study", "flu", "heart", "cancer"]
    tweets = health_tweets.dropna(subset=["text"]).sample(frac=1, random_state=1)
    lower = tweets.text.str.lower()
    tweets = tweets[lower.apply(lambda t: any(w in t for w in topics))].head(300)
    records = [
        rb.TextClassificationRecord(
            text=text,
            multi_label=True,
            prediction=[
                (t, 0.9 if t in text.lower() else round(0.1 + 0.03 * (len(text) % 10), 2))
                for t in topics
            ],
            prediction_agent="keywords",
            id=i,
            metadata={"source": source.rsplit("-", 1)[0]},
        )
        for i, (text, source) in enumerate(zip(tweets.text, tweets.source_id))
    ]
    rb.log(records, "tweets", verbose=False)
    return "tweets"


# -- rb.show ----------------------------------------------------------------------------------
def test_show_by_name_opens_the_stored_dataset(reviews):
    w = rb.show(reviews)
    assert isinstance(w, DatasetPage)
    assert (w.dataset_name, w.task, w.mode, w.page_size) == (
        NAME,
        "TextClassification",
        "explore",
        20,
    )
    assert w.total == N_REVIEWS
    w2 = rb.show(reviews, mode="annotate", page_size=50, query="funny")
    assert (w2.mode, w2.page_size, w2.query) == ("annotate", 50, "funny")
    assert w2.total == len(rb.load(NAME, query="funny"))


def test_show_with_a_dataframe_logs_it_first(reviews_frame):
    w = rb.show(reviews_frame.head(300), name="fresh-start", tags={"source": "rt"})
    loaded = rb.load("fresh-start")
    assert w.total == len(loaded) == 300
    assert loaded.id.tolist() == list(range(300))
    assert rb.datasets().set_index("name").loc["fresh-start", "tags"] == {"source": "rt"}
    # same ids again = an update, not new records
    changed = reviews_frame.head(10).assign(annotation="plot", status="Validated")
    w2 = rb.show(changed, name="fresh-start")
    assert w2.total == 300
    assert (rb.load("fresh-start").annotation.head(10) == "plot").all()


def test_show_with_records_logs_them_first(reviews_frame):
    records = [
        rb.TextClassificationRecord(text=t, id=i, prediction=p)
        for i, t, p in zip(range(40), reviews_frame.text, reviews_frame.prediction)
    ]
    w = rb.show(records, name="from-records")
    assert w.total == 40
    assert page_ids(w) == list(range(20))


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda df: rb.show(df), "needs a dataset name"),
        (lambda df: rb.show("news", "reviews"), "two names"),
        (lambda df: rb.show("reviews", tags={"a": "b"}), "log options"),
        (lambda df: DatasetPage("reviews", colour="red"), "unexpected arguments ['colour']"),
    ],
    ids=["records-without-name", "two-names", "log-options-only", "kwarg"],
)
def test_show_bad_arguments_raise_clear_type_errors(reviews, reviews_frame, call, words):
    before = rb.load(reviews)
    with pytest.raises(TypeError, match=words.replace("[", r"\[").replace("]", r"\]")):
        call(reviews_frame.head(5))
    assert_unchanged(reviews, before)


def test_show_unknown_dataset_raises_a_clear_error():
    with pytest.raises(rb.NotFoundError, match="'no-such-dataset' does not exist"):
        rb.show("no-such-dataset")
    with pytest.raises(ValueError, match="Bad Name"):
        rb.show("Bad Name")


def test_show_bad_mode_and_page_size_are_rejected(reviews):
    with pytest.raises(traitlets.TraitError, match="mode 'edit'"):
        rb.show(reviews, mode="edit")
    with pytest.raises(traitlets.TraitError, match="page_size 0 must be between 1 and 200"):
        rb.show(reviews, page_size=0)


# -- what the page shows first ----------------------------------------------------------------
def test_initial_page_is_the_first_records_as_rb_load_has_them(shared):
    w = rb.show(shared)
    loaded = rb.load(shared).head(20)
    assert w.total == N_REVIEWS
    assert len(w._records) == 20
    for record, (_, row) in zip(w._records, loaded.iterrows()):
        assert record["id"] == row.id
        assert record["seq"] == row.id  # logged in id order, one part
        assert record["inputs"] == {"text": row.text}
        assert record["lengths"] == {"text": len(row.text)}
        assert record["prediction"] == [[label, score] for label, score in row.prediction]
        assert record["annotation"] == row.annotation
        assert record["status"] == row.status
        assert record["prediction_agent"] == row.prediction_agent
        assert record["annotation_agent"] == row.annotation_agent
        assert record["metadata"] == row.metadata
        assert record["multi_label"] is False
    # the browser got the same state when the comm opened
    opened = w.comm.opened["data"]["state"]
    assert opened["dataset_name"] == NAME
    assert synced(w, "_records") == w._records
    assert synced(w, "total") == N_REVIEWS
    assert "df" not in w.keys  # the frame stays in the kernel
    state = w.get_state()
    assert isinstance(state.pop("_map_points"), bytes)  # the map's points: a binary buffer
    json.dumps(state)  # everything else synced is plain JSON


def test_initial_facets_match_pandas_counts_on_rb_load(shared):
    w = rb.show(shared)
    ref = reference(shared)
    facets = w._facets
    for name in (
        "status",
        "predicted_as",
        "annotated_as",
        "predicted_by",
        "annotated_by",
        "predicted",
    ):
        assert dict(map(tuple, facets[name])) == counts(ref[name]), name
        values = [count for _, count in facets[name]]
        assert values == sorted(values, reverse=True), name
    assert set(facets["metadata"]) == {"movie", "has_plot", "n", "length", "year"}
    for key in ("length", "year"):
        assert dict(map(tuple, facets["metadata"][key])) == counts(ref[f"metadata.{key}"])
    # many distinct values: the 30 most frequent, with their counts
    movies = counts(ref["metadata.movie"])
    shown = facets["metadata"]["movie"]
    assert len(shown) == 30
    assert all(movies[value] == count for value, count in shown)
    assert sorted((c for _, c in shown), reverse=True) == sorted(movies.values(), reverse=True)[:30]


def test_boolean_metadata_facet_counts_match_pandas(shared):
    w = rb.show(shared)
    has_plot = counts(reference(shared)["metadata.has_plot"])
    assert sorted(c for _, c in w._facets["metadata"]["has_plot"]) == sorted(has_plot.values())


def test_boolean_metadata_facet_values_filter_back_to_their_counts(shared):
    w = rb.show(shared)
    for value, count in w._facets["metadata"]["has_plot"]:
        assert isinstance(value, bool), value
        w.filters = {"metadata": {"has_plot": [value]}}
        assert w.total == count


def test_metadata_facet_values_filter_back_to_their_counts(shared):
    """Clicking a facet value gives as many records as the facet said."""
    w = rb.show(shared)
    for key in ("length", "year", "movie"):
        for value, count in w._facets["metadata"][key][:5]:
            w.filters = {"metadata": {key: [value]}}
            assert w.total == count, (key, value)
            w.filters = {}


def test_initial_progress_labels_and_sortable_fields(shared):
    w = rb.show(shared)
    statuses = rb.load(shared).status.value_counts()
    done = statuses.get("Validated", 0) + statuses.get("Discarded", 0)
    assert w._progress == {
        "total": N_REVIEWS,
        "validated": statuses.get("Validated", 0),
        "discarded": statuses.get("Discarded", 0),
        "edited": 0,
        "default": statuses.get("Default", 0),
        "percent": round(100 * done / N_REVIEWS, 1),
    }
    assert w._labels == ["fresh", "plot", "rotten"]
    assert w._schema_locked is False
    assert w._history == {"can_undo": False, "can_redo": False}
    assert w._sortable[:4] == ["score", "last_updated", "event_timestamp", "id"]
    assert sorted(w._sortable[4:]) == sorted(
        f"metadata.{k}" for k in ("movie", "has_plot", "n", "length", "year")
    )
    assert w._error == "" and w._warnings == []


def test_keywords_are_frequent_words_of_the_matches(shared):
    w = rb.show(shared)
    words = [word for word, _ in w._keywords]
    frequency = [count for _, count in w._keywords]
    assert 0 < len(words) <= 20
    assert frequency == sorted(frequency, reverse=True)
    assert not {"the", "and", "of", "a"} & set(words)
    assert all(len(word) > 2 for word in words)
    assert "film" in words  # a review corpus
    w.search("funny")
    keywords = dict(map(tuple, w._keywords))
    assert keywords.get("funny", 0) >= w.total  # every match says it at least once
    assert synced(w, "_keywords") == w._keywords


# -- search -----------------------------------------------------------------------------------
SEARCHES = [
    "funny",
    "FUNNY",
    '"special effects"',
    "funny AND NOT boring",
    "funny OR hilarious OR witty",
    "(funny OR witty) AND predicted_as:rotten",
    "-status:Default",
    "NOT predicted_as:fresh",
    "wom*",
    "fil?",
    "score:[0.4 TO 0.6]",
    "score:{0.9 TO *}",
    "predicted:ko",
    "annotated_as:plot AND annotated_by:critic",
    "predicted_by:bayes AND status:Validated",
    "metadata.length:short",
    "metadata.year:[2002 TO 2004]",
    "metadata.n:<50",
    "metadata.has_plot:true",
    "_exists_:metadata.year",
    "NOT _exists_:metadata.year",
]


@pytest.mark.parametrize("query", SEARCHES)
def test_search_finds_what_rb_load_finds(shared, query):
    w = rb.show(shared, page_size=200)
    total = w.search(query)
    expected = rb.load(shared, query=query).id.tolist()
    assert total == w.total == len(expected) > 0
    assert w._error == ""
    assert all_page_ids(w) == expected


def test_search_with_no_matches_shows_an_empty_page(shared):
    w = rb.show(shared)
    assert w.search("zzyzx") == 0
    assert w._records == [] and w.page == 0
    assert w._facets["status"] == []
    assert w._keywords == []


def test_lowercase_and_or_are_searched_as_words_with_a_visible_hint(shared):
    w = rb.show(shared)
    total = w.search("funny and boring")
    with pytest.warns(UserWarning, match="'and'"):
        expected = rb.load(shared, query="funny and boring")
    assert total == len(expected)
    assert w._error == ""
    assert len(w._warnings) == 1
    assert "'and'" in w._warnings[0] and "write 'AND'" in w._warnings[0]
    assert synced(w, "_warnings") == w._warnings
    w.search("funny or witty")
    assert "write 'OR'" in w._warnings[0]
    w.search("funny AND boring")
    assert w._warnings == []


def test_bad_query_sets_error_raises_and_a_fixed_query_clears_it(shared):
    w = rb.show(shared)
    w.search("funny")
    shown, total = w._records, w.total
    w.comm.sent.clear()
    with pytest.raises(rb.QuerySyntaxError) as caught:
        w.search("funny AND (boring")
    assert "missing ')'" in w._error
    assert "funny AND (boring" in w._error and "^" in w._error  # query and caret
    assert "Hint" not in w._error  # no lowercase operator in this one
    assert str(caught.value) == w._error
    assert synced(w, "_error") == w._error  # the browser shows it
    assert (w._records, w.total) == (shown, total)  # the last good results stay
    assert w.search("funny AND boring") == len(rb.load(shared, query="funny AND boring"))
    assert w._error == ""
    assert synced(w, "_error") == ""
    opened = rb.show(shared, query="funny AND (boring")  # no exception: the page shows it
    assert "missing ')'" in opened._error and opened._records == []


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("funny and (boring", "'and' is searched as a word"),
        ("funny or (witty and", "'and' and 'or' are searched as words"),
        ("not funny AND", "'not' is searched as a word"),
    ],
)
def test_bad_query_with_lowercase_operators_hints_at_uppercase(shared, query, words):
    w = rb.show(shared)
    with pytest.raises(rb.QuerySyntaxError) as caught:
        w.search(query)
    assert words in w._error
    assert "write AND, OR, NOT" in w._error
    assert str(caught.value) == w._error
    w.search("funny AND boring")
    assert w._error == ""


def test_bad_query_from_the_browser_sets_error_without_raising(shared):
    w = rb.show(shared)
    browser_sets(w, query="score:[0.5 0.9]")
    assert w.query == "score:[0.5 0.9]"
    assert "TO" in w._error
    browser_sets(w, query="score:[0.5 TO 0.9]")
    assert w._error == ""
    assert w.total == len(rb.load(shared, query="score:[0.5 TO 0.9]"))


def test_bad_query_does_not_show_the_previous_querys_warnings(shared):
    w = rb.show(shared)
    w.search("funny and boring")
    assert w._warnings
    with pytest.raises(rb.QuerySyntaxError):
        w.search("witty AND (")
    assert w._warnings == []


def test_facets_and_keywords_follow_the_search(shared):
    w = rb.show(shared)
    query = "funny OR boring"
    w.search(query)
    ref = reference(shared, query)
    for name in ("status", "predicted_as", "annotated_as", "predicted_by", "predicted"):
        assert dict(map(tuple, w._facets[name])) == counts(ref[name]), name
    assert dict(map(tuple, w._facets["metadata"]["length"])) == counts(ref["metadata.length"])
    # progress is about the whole dataset, not the search
    assert w._progress["total"] == N_REVIEWS


# -- filters ----------------------------------------------------------------------------------
FILTERS = {
    "predicted_as": ({"predicted_as": ["plot"]}, lambda r: r.predicted_as == "plot"),
    "predicted_as-two": (
        {"predicted_as": ["plot", "rotten"]},
        lambda r: r.predicted_as.isin(["plot", "rotten"]),
    ),
    "predicted_by": ({"predicted_by": ["bayes"]}, lambda r: r.predicted_by == "bayes"),
    "annotated_as": ({"annotated_as": ["fresh"]}, lambda r: r.annotated_as == "fresh"),
    "annotated_by": ({"annotated_by": ["critic"]}, lambda r: r.annotated_by == "critic"),
    "status": (
        {"status": ["Validated", "Discarded"]},
        lambda r: r.status.isin(["Validated", "Discarded"]),
    ),
    "predicted-ok": ({"predicted": "ok"}, lambda r: r.predicted == "ok"),
    "predicted-ko": ({"predicted": "ko"}, lambda r: r.predicted == "ko"),
    "score-range": ({"score": [0.4, 0.6]}, lambda r: r.score.between(0.4, 0.6)),
    "score-from": ({"score": [0.9, None]}, lambda r: r.score >= 0.9),
    "score-to": ({"score": [None, 0.45]}, lambda r: r.score <= 0.45),
    "metadata-str": (
        {"metadata": {"length": ["short", "long"]}},
        lambda r: r["metadata.length"].isin(["short", "long"]),
    ),
    "metadata-int": (
        {"metadata": {"year": [2001, 2003]}},
        lambda r: r["metadata.year"].isin([2001, 2003]),
    ),
    "metadata-bool": ({"metadata": {"has_plot": [True]}}, lambda r: r["metadata.has_plot"] == True),  # noqa: E712
    "metadata-two-keys": (
        {"metadata": {"length": ["short"], "year": [2005]}},
        lambda r: (r["metadata.length"] == "short") & (r["metadata.year"] == 2005),
    ),
    "everything-at-once": (
        {
            "predicted_as": ["fresh", "rotten"],
            "status": ["Default"],
            "predicted_by": ["logreg"],
            "score": [0.5, None],
            "metadata": {"length": ["medium", "long"]},
        },
        lambda r: (
            r.predicted_as.isin(["fresh", "rotten"])
            & (r.status == "Default")
            & (r.predicted_by == "logreg")
            & (r.score >= 0.5)
            & r["metadata.length"].isin(["medium", "long"])
        ),
    ),
}


@pytest.mark.parametrize("case", list(FILTERS))
def test_filter_gives_the_ids_of_the_pandas_filter(shared, case):
    filters, mask = FILTERS[case]
    ref = reference(shared)
    expected = ref.id[mask(ref).fillna(False).astype(bool)].tolist()
    w = rb.show(shared, page_size=200)
    w.filters = filters
    assert w.total == len(expected) > 0
    assert all_page_ids(w) == expected
    assert w._facets["status"] == [
        [k, v]
        for k, v in sorted(
            counts(ref.status[ref.id.isin(expected)]).items(), key=lambda kv: (-kv[1], kv[0])
        )
    ]


def test_filters_combine_with_the_search(shared):
    w = rb.show(shared, page_size=200)
    w.search("funny OR boring")
    w.filters = {"predicted_as": ["rotten"], "status": ["Default"]}
    ref = reference(shared, "funny OR boring")
    expected = ref.id[(ref.predicted_as == "rotten") & (ref.status == "Default")].tolist()
    assert all_page_ids(w) == expected
    assert w.total == len(
        rb.load(shared, query="(funny OR boring) AND predicted_as:rotten AND status:Default")
    )


def test_filters_from_the_browser_apply_like_filters_from_python(shared):
    w = rb.show(shared)
    browser_sets(w, filters={"predicted": "ko", "annotated_by": ["editor"]})
    ref = reference(shared)
    assert w.total == int(((ref.predicted == "ko") & (ref.annotated_by == "editor")).sum())
    browser_sets(w, filters={})
    assert w.total == N_REVIEWS


def test_empty_filter_entries_are_dropped(shared):
    w = rb.show(shared)
    w.filters = {"predicted_as": [], "score": None, "metadata": {"length": []}, "predicted": ""}
    assert w.filters == {}
    assert w.total == N_REVIEWS


@pytest.mark.parametrize(
    ("filters", "words"),
    [
        ({"colour": ["red"]}, "unknown filters ['colour']"),
        ({"status": ["Done"]}, "status filter ['Done']"),
        ({"predicted": "maybe"}, "'ok' or 'ko', not 'maybe'"),
        ({"score": ["high", 1]}, "filter 'score' takes [low, high] numbers"),
        ({"score": [0.5]}, "filter 'score' takes [low, high] numbers"),
        ({"predicted_as": "fresh"}, "filter 'predicted_as' takes a list of str"),
        ({"annotated_by": [1, 2]}, "filter 'annotated_by' takes a list of str"),
        ({"metadata": ["length"]}, "filter 'metadata' takes a dict"),
        ({"metadata": {"n": [[1, 2]]}}, "metadata filter 'n' takes a list of values"),
    ],
)
def test_invalid_filters_raise_trait_errors_naming_the_problem(shared, filters, words):
    w = rb.show(shared)
    w.filters = {"predicted_as": ["plot"]}
    shown = w._records
    with pytest.raises(traitlets.TraitError) as caught:
        w.filters = filters
    assert words in str(caught.value)
    assert w.filters == {"predicted_as": ["plot"]}
    assert w._records == shown


def test_a_new_search_filter_or_sort_starts_at_page_zero(shared):
    w = rb.show(shared)
    for change in (
        {"query": "film"},
        {"filters": {"status": ["Default"]}},
        {"sort": [["score", "desc"]]},
        {"query": ""},
    ):
        w.page = 3
        assert w.page == 3
        w.comm.sent.clear()
        w.set_state(change)  # as the browser's comm update
        assert w.page == 0, change
        assert synced(w, "page") == 0
        fresh = rb.show(shared, query=w.query)
        fresh.filters, fresh.sort = w.filters, w.sort
        assert page_ids(w) == page_ids(fresh)


# -- sort -------------------------------------------------------------------------------------
SORTS = [
    ("score", "asc"),
    ("score", "desc"),
    ("id", "asc"),
    ("id", "desc"),
    ("metadata.year", "asc"),
    ("metadata.year", "desc"),
    ("metadata.length", "asc"),
    ("metadata.movie", "desc"),
    ("metadata.n", "desc"),
]


@pytest.mark.parametrize(("field", "direction"), SORTS)
def test_sort_orders_like_pandas(shared, field, direction):
    query = "-status:Discarded"
    w = rb.show(shared, page_size=200, query=query)
    w.sort = [[field, direction]]
    ids = all_page_ids(w)
    ref = reference(shared, query).set_index("id", drop=False)
    assert sorted(ids) == sorted(ref.id)  # every match once
    values = ref.loc[ids, field]
    present = values.dropna().tolist()
    assert present == sorted(ref[field].dropna().tolist(), reverse=direction == "desc")
    assert values.iloc[len(present) :].isna().all()  # missing values last, both ways


def test_sort_by_last_updated_puts_recent_changes_first(reviews):
    w = rb.show(reviews)
    for record_id in (15, 3, 9):
        w.annotate([record_id], "plot")
    w.sort = [["last_updated", "desc"]]
    assert page_ids(w)[:3] == [9, 3, 15]
    w.sort = [["last_updated", "asc"]]
    w.page = 10_000  # the last page
    assert page_ids(w)[-3:] == [15, 3, 9]


@pytest.mark.parametrize(
    ("sort", "words"),
    [
        ([["colour", "asc"]], "cannot sort by 'colour'"),
        ([["score", "up"]], "sort direction 'up' is not 'asc' or 'desc'"),
        (["score", "asc"], "sort takes [[field, 'asc' or 'desc']]"),
        ([["score"]], "sort takes [[field, 'asc' or 'desc']]"),
    ],
)
def test_invalid_sort_is_rejected_with_a_clear_message(shared, sort, words):
    w = rb.show(shared)
    w.sort = [["score", "desc"]]
    shown = w._records
    with pytest.raises(traitlets.TraitError) as caught:
        w.sort = sort
    assert words in str(caught.value)
    assert w.sort == [["score", "desc"]]
    assert w._records == shown


# -- paging -----------------------------------------------------------------------------------
def test_pages_cover_every_match_once_in_logged_order(shared):
    w = rb.show(shared, page_size=37, query="film OR movie")
    expected = rb.load(shared, query="film OR movie").id.tolist()
    ids = all_page_ids(w)
    assert ids == expected
    w.page = 2
    assert page_ids(w) == expected[74:111]
    assert synced(w, "_records") == w._records


def test_turning_pages_reuses_the_facets_and_a_change_recounts_them(reviews, monkeypatch):
    from rubrix_widgets.page_state.dataset_session import DatasetSession

    counted = []
    original = DatasetSession._count_facets
    monkeypatch.setattr(
        DatasetSession,
        "_count_facets",
        lambda self, view, compiled: counted.append(1) or original(self, view, compiled),
    )
    w = rb.show(reviews, page_size=20)
    first = len(counted)
    w.comm.sent.clear()
    for page in (1, 2, 3):
        w.page = page
    assert len(counted) == first  # same search, same index: nothing to recount
    assert not [s for s in updates(w) if "_facets" in s]  # and nothing re-sent
    before = dict(w._facets["annotated_as"])
    w.annotate([1, 2], "plot")
    assert len(counted) > first
    assert dict(w._facets["annotated_as"])["plot"] == before.get("plot", 0) + 2


def test_page_past_the_end_clamps_to_the_last_page(shared):
    w = rb.show(shared, page_size=50)
    w.page = 10_000
    last = (N_REVIEWS - 1) // 50
    assert w.page == last
    assert page_ids(w) == list(range(last * 50, N_REVIEWS))
    browser_sets(w, page=999)
    assert w.page == last
    assert synced(w, "page") == last  # the browser is told where it landed


def test_page_size_change_keeps_the_page_when_possible_and_clamps_otherwise(shared):
    w = rb.show(shared, page_size=20)
    w.page = 5
    w.page_size = 10
    assert (w.page, page_ids(w)) == (5, list(range(50, 60)))
    w.page_size = 200
    assert w.page == (N_REVIEWS - 1) // 200
    assert len(w._records) == N_REVIEWS - w.page * 200


@pytest.mark.parametrize("size", [0, -1, MAX_PAGE_SIZE + 1, 10_000])
def test_page_size_outside_1_to_200_is_rejected(shared, size):
    w = rb.show(shared)
    with pytest.raises(traitlets.TraitError, match=f"page_size {size} must be between 1 and 200"):
        w.page_size = size
    assert w.page_size == 20 and len(w._records) == 20


def test_page_size_bounds_are_accepted(shared):
    w = rb.show(shared, page_size=1)
    assert len(w._records) == 1
    w.page_size = MAX_PAGE_SIZE
    assert len(w._records) == MAX_PAGE_SIZE


def test_negative_page_is_rejected(shared):
    w = rb.show(shared)
    with pytest.raises(traitlets.TraitError, match="page -1 must be 0 or more"):
        w.page = -1


def test_page_clamps_when_an_action_empties_the_last_page(reviews):
    w = rb.show(reviews, page_size=20, query="status:Default")
    total = w.total
    last = (total - 1) // 20
    w.page = last
    on_last = [r["seq"] for r in w._records]
    assert act(w, "discard", seqs=on_last)["ok"]
    assert w.total == total - len(on_last)
    assert w.page == (w.total - 1) // 20 < last
    assert len(w._records) == 20


# -- annotate / validate / discard --------------------------------------------------------
def test_annotate_single_label_is_validated_by_the_annotator(reviews):
    rb.init(annotator="maria")
    w = rb.show(reviews)
    ids = [1, 2, 4]  # not annotated yet
    assert w.annotate(ids, "plot") == 3
    loaded = rb.load(reviews, ids=ids)
    assert loaded.annotation.tolist() == ["plot"] * 3
    assert loaded.status.tolist() == ["Validated"] * 3
    assert loaded.annotation_agent.tolist() == ["maria"] * 3
    shown = {r["id"]: r for r in w._records}
    assert [shown[i]["annotation"] for i in ids] == ["plot"] * 3
    assert [shown[i]["annotation_agent"] for i in ids] == ["maria"] * 3
    assert rb.load(reviews, query="annotated_by:maria").id.tolist() == ids


def test_validate_single_label_takes_the_top_prediction_or_keeps_the_annotation(reviews):
    before = rb.load(reviews).set_index("id")
    w = rb.show(reviews)
    ids = [1, 3, 7]  # 1: no annotation, 3: annotated, 7: discarded
    assert w.validate(ids) == 3
    after = rb.load(reviews).set_index("id")
    assert after.loc[1, "annotation"] == before.loc[1, "prediction"][0][0]
    assert after.loc[3, "annotation"] == before.loc[3, "annotation"]
    assert after.loc[7, "annotation"] == before.loc[7, "prediction"][0][0]
    assert (after.loc[ids, "status"] == "Validated").all()
    assert (after.loc[ids, "annotation_agent"] == "rubrix").all()


def test_validate_skips_records_with_neither_prediction_nor_annotation(reviews_frame):
    frame = reviews_frame.head(10).drop(columns=["annotation", "annotation_agent", "status"])
    frame["prediction"] = [p if i % 2 else None for i, p in enumerate(frame.prediction)]
    frame["prediction_agent"] = [a if i % 2 else None for i, a in enumerate(frame.prediction_agent)]
    w = rb.show(frame, name="half-predicted")
    assert w.validate(list(range(10))) == 5
    loaded = rb.load("half-predicted")
    assert loaded.status.tolist() == ["Default", "Validated"] * 5
    assert loaded.annotation.isna().tolist() == [True, False] * 5


def test_discard_keeps_the_annotation(reviews):
    before = rb.load(reviews).set_index("id")
    w = rb.show(reviews)
    assert w.discard([0, 1]) == 2
    after = rb.load(reviews).set_index("id")
    assert (after.loc[[0, 1], "status"] == "Discarded").all()
    assert after.loc[0, "annotation"] == before.loc[0, "annotation"]
    assert after.loc[1, "annotation"] is None
    assert w._progress["discarded"] == int((after.status == "Discarded").sum())


def test_single_label_records_take_exactly_one_label(reviews):
    before = rb.load(reviews)
    w = rb.show(reviews)
    with pytest.raises(ValueError, match="single-label records take one"):
        w.annotate([1], ["plot", "fresh"])
    assert act(w, "annotate", seqs=[1], annotation=["plot", "fresh"])["ok"] is False
    assert_unchanged(reviews, before)
    assert w._history == {"can_undo": False, "can_redo": False}


def test_annotate_multi_label_is_edited(health_multi_label):
    rb.init(annotator="nurse")
    w = rb.show(health_multi_label)
    assert w.annotate([0, 1], ["diet", "study"]) == 2
    loaded = rb.load(health_multi_label, ids=[0, 1])
    assert loaded.annotation.tolist() == [["diet", "study"]] * 2
    assert loaded.status.tolist() == ["Edited"] * 2
    assert loaded.annotation_agent.tolist() == ["nurse"] * 2
    assert w._progress["edited"] == 2
    assert w._records[0]["annotation"] == ["diet", "study"]
    assert w._records[0]["multi_label"] is True
    assert w.annotate([2], "flu") == 1  # a single str is one label
    assert rb.load(health_multi_label, ids=[2]).annotation.iloc[0] == ["flu"]


def test_validate_multi_label_takes_the_labels_scoring_at_least_half(health_multi_label):
    w = rb.show(health_multi_label)
    w.annotate([5], ["cancer"])
    before = rb.load(health_multi_label).set_index("id")
    assert w.validate(list(range(10))) == 10
    after = rb.load(health_multi_label).set_index("id")
    for i in range(10):
        if i == 5:
            assert after.loc[i, "annotation"] == ["cancer"]
        else:
            expected = [label for label, score in before.loc[i, "prediction"] if score >= 0.5]
            assert expected and sorted(after.loc[i, "annotation"]) == sorted(expected)
    assert (after.loc[range(10), "status"] == "Validated").all()
    assert w._progress["validated"] == 10 and w._progress["edited"] == 0


def test_validate_multi_label_without_a_label_over_half_keeps_the_dataset_readable(
    health_multi_label,
):
    low = rb.TextClassificationRecord(
        text="A quiet tweet about nothing in particular",
        multi_label=True,
        prediction=[("diet", 0.3), ("flu", 0.1)],
        id="low",
    )
    rb.log(low, health_multi_label)
    w = rb.show(health_multi_label)
    try:
        w.validate(["low"])
    finally:
        loaded = rb.load(health_multi_label)  # must still work
    row = loaded.set_index("id").loc["low"]
    assert row.status == "Validated"
    assert not row.annotation


def test_changes_are_on_disk_when_the_call_returns(reviews, workspace):
    w = rb.show(reviews)
    w.annotate([1, 2], "plot")
    ack = act(w, "discard", seqs=[4])
    assert ack["ok"] and ack["result"] == 1
    script = (
        "import json, rubrix_widgets as rb; "
        f"df = rb.load({reviews!r}, query='annotated_as:plot OR status:Discarded'); "
        "print(json.dumps(df[['id', 'status']].values.tolist()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "RUBRIX_WIDGETS_HOME": str(workspace)},
        capture_output=True,
        text=True,
        check=True,
    )
    seen = {i: s for i, s in json.loads(out.stdout)}
    assert seen[1] == seen[2] == "Validated" and seen[4] == "Discarded"
    assert seen == dict(
        rb.load(reviews, query="annotated_as:plot OR status:Discarded")[
            ["id", "status"]
        ].values.tolist()
    )


def notices(widget) -> list[int]:
    """The kernel's "the dataset changed" notices to the front end since the last clear:
    each value of ``_store_changes`` it synced (state, not a custom message, so a view
    that connects later still sees it)."""
    return [state["_store_changes"] for state in updates(widget) if "_store_changes" in state]


def test_a_second_page_follows_the_writes_of_the_first(reviews):
    w1, w2 = rb.show(reviews), rb.show(reviews)
    w1.comm.sent.clear()
    w2.comm.sent.clear()
    w1.annotate([1, 2], "plot")
    assert notices(w2) == [1] and notices(w1) == []  # not its own write
    assert w2._store_changes == 1
    assert w2._records[1]["annotation"] is None  # the kernel waits for a front end to ask
    assert act(w2, "sync")["result"] is True  # as the front end does on the notice
    assert [r["annotation"] for r in w2._records[1:3]] == ["plot", "plot"]
    assert w2._progress == w1._progress
    assert w2._facets == w1._facets
    assert synced(w2, "_records") == w2._records
    # and a page change shows the records as they are
    w1.discard([25])
    browser_sets(w2, page=1)
    assert {r["id"]: r["status"] for r in w2._records}[25] == "Discarded"
    assert w2._progress["discarded"] == w1._progress["discarded"]
    # each page has its own undo history
    assert w2._history["can_undo"] is False and w2.undo() == 0
    assert rb.load(reviews, ids=[25]).status.iloc[0] == "Discarded"


def test_ids_that_are_not_in_the_dataset_are_rejected(reviews):
    before = rb.load(reviews)
    w = rb.show(reviews)
    with pytest.raises(ValueError, match=r"has no records with ids \[99999\]"):
        w.annotate([1, 99999], "plot")
    assert_unchanged(reviews, before)


def test_an_id_given_twice_is_annotated_once(reviews):
    w = rb.show(reviews)
    changed = w.annotate([1, 1], "plot")
    assert rb.load(reviews, query="id:1").id.tolist() == [1]
    assert len(rb.load(reviews, query="*")) == N_REVIEWS
    assert changed == 1


# -- bulk actions -----------------------------------------------------------------------------
def _bulk_expected(name: str, query: str, mask) -> list:
    ref = reference(name, query)
    return ref.id[mask(ref).fillna(False).astype(bool)].tolist()


def test_annotate_all_changes_exactly_the_records_matching_search_and_filters(reviews):
    rb.init(annotator="bulk-bob")
    w = rb.show(reviews)
    w.search("funny OR witty")
    w.filters = {"predicted_as": ["fresh"], "status": ["Default"]}
    expected = _bulk_expected(
        reviews, "funny OR witty", lambda r: (r.predicted_as == "fresh") & (r.status == "Default")
    )
    before = rb.load(reviews).set_index("id")
    assert w.annotate_all("plot") == len(expected) > 5
    after = rb.load(reviews).set_index("id")
    assert (after.loc[expected, "annotation"] == "plot").all()
    assert (after.loc[expected, "annotation_agent"] == "bulk-bob").all()
    assert (after.loc[expected, "status"] == "Validated").all()
    others = before.index.difference(expected)
    pd.testing.assert_frame_equal(after.loc[others], before.loc[others])
    assert w.total == 0  # they are no longer Default
    assert sorted(rb.load(reviews, query="annotated_by:bulk-bob").id) == sorted(expected)


def test_validate_all_and_discard_all_change_exactly_the_matches(reviews):
    w = rb.show(reviews)
    w.search("predicted_as:rotten AND status:Default")
    w.filters = {"score": [0.6, None]}
    expected = _bulk_expected(
        reviews, "predicted_as:rotten AND status:Default", lambda r: r.score >= 0.6
    )
    before = rb.load(reviews).set_index("id")
    assert w.validate_all() == len(expected) > 5
    after = rb.load(reviews).set_index("id")
    assert (after.loc[expected, "annotation"] == "rotten").all()
    assert (after.loc[expected, "status"] == "Validated").all()
    others = before.index.difference(expected)
    pd.testing.assert_frame_equal(after.loc[others], before.loc[others])

    w.search("boring")
    w.filters = {"metadata": {"length": ["medium", "long"]}}
    expected = _bulk_expected(
        reviews, "boring", lambda r: r["metadata.length"].isin(["medium", "long"])
    )
    before = after
    assert w.discard_all() == len(expected) > 0
    after = rb.load(reviews).set_index("id")
    assert (after.loc[expected, "status"] == "Discarded").all()
    pd.testing.assert_frame_equal(
        after.loc[expected, ["annotation", "prediction"]],
        before.loc[expected, ["annotation", "prediction"]],
    )
    others = before.index.difference(expected)
    pd.testing.assert_frame_equal(after.loc[others], before.loc[others])


def test_query_scope_messages_act_on_the_current_matches(reviews):
    w = rb.show(reviews)
    browser_sets(w, query="hilarious", filters={"status": ["Default"]})
    expected = _bulk_expected(reviews, "hilarious", lambda r: r.status == "Default")
    ack = act(w, "annotate", scope="query", annotation="fresh")
    assert ack == {
        "type": "ack",
        "request": ack["request"],
        "ok": True,
        "result": len(expected),
    }
    assert sorted(rb.load(reviews, query="annotated_by:rubrix").id) == sorted(expected)
    browser_sets(w, query="hilarious", filters={})
    ack = act(w, "discard", scope="query")
    assert ack["result"] == len(rb.load(reviews, query="hilarious"))


def test_bulk_action_with_a_broken_search_is_rejected(reviews):
    before = rb.load(reviews)
    w = rb.show(reviews)
    browser_sets(w, query="funny AND")
    assert w._error
    ack = act(w, "validate", scope="query")
    assert ack["ok"] is False and "expected a clause after AND" in ack["error"]
    with pytest.raises(rb.QuerySyntaxError):
        w.discard_all()
    assert_unchanged(reviews, before)


# -- undo / redo ------------------------------------------------------------------------------
def test_undo_and_redo_walk_back_and_forth_through_several_steps(reviews):
    w = rb.show(reviews)
    states = [rb.load(reviews)]
    w.annotate([1, 2, 4], "plot")
    states.append(rb.load(reviews))
    w.validate([2, 5])
    states.append(rb.load(reviews))
    w.discard([4, 5, 8])
    states.append(rb.load(reviews))
    assert w._history == {"can_undo": True, "can_redo": False}
    for undone, state in zip((3, 2, 3), reversed(states[:-1])):
        assert w.undo() == undone
        pd.testing.assert_frame_equal(rb.load(reviews), state)
    assert w._history == {"can_undo": False, "can_redo": True}
    assert w._progress == rb.show(reviews)._progress
    assert w.undo() == 0
    for redone, state in zip((3, 2, 3), states[1:]):
        assert w.redo() == redone
        pd.testing.assert_frame_equal(rb.load(reviews), state)
    assert w._history == {"can_undo": True, "can_redo": False}
    assert w.redo() == 0
    # and the search index follows
    discarded = rb.load(reviews, query="status:Discarded AND id:[1 TO 8]").id.tolist()
    assert discarded == [4, 5, 7, 8]  # 7 was logged discarded


def test_a_new_action_clears_redo(reviews):
    w = rb.show(reviews)
    w.annotate([1], "plot")
    w.annotate([2], "rotten")
    w.undo()
    assert w._history == {"can_undo": True, "can_redo": True}
    w.discard([10])
    assert w._history == {"can_undo": True, "can_redo": False}
    assert w.redo() == 0
    assert rb.load(reviews, ids=[2]).annotation.iloc[0] is None
    assert w.undo() == 1 and w.undo() == 1
    assert rb.load(reviews, ids=[1]).annotation.iloc[0] is None


def test_undo_and_redo_messages_are_acked_and_sync_history(reviews):
    w = rb.show(reviews)
    act(w, "annotate", seqs=[1], annotation="rotten")
    assert synced(w, "_history") == {"can_undo": True, "can_redo": False}
    ack = act(w, "undo")
    assert (ack["ok"], ack["result"]) == (True, 1)
    assert synced(w, "_history") == {"can_undo": False, "can_redo": True}
    assert synced(w, "_records")[1]["annotation"] is None
    ack = act(w, "redo")
    assert (ack["ok"], ack["result"]) == (True, 1)
    assert synced(w, "_records")[1]["annotation"] == "rotten"
    assert act(w, "redo")["result"] == 0


# -- df ---------------------------------------------------------------------------------------
def test_df_is_what_rb_load_returns_for_the_same_search(shared):
    w = rb.show(shared)
    pd.testing.assert_frame_equal(w.df, rb.load(shared))
    for query in ("funny OR boring", "predicted:ko AND score:{0.6 TO *}", "metadata.length:long"):
        w.search(query)
        pd.testing.assert_frame_equal(w.df, rb.load(shared, query=query))
        assert w.df.columns.tolist() == rb.load(shared).columns.tolist()


def test_df_follows_the_filters(shared):
    w = rb.show(shared)
    w.filters = {"predicted_as": ["plot"], "metadata": {"length": ["short", "medium"]}}
    expected = rb.load(shared, query="predicted_as:plot AND metadata.length:(short OR medium)")
    pd.testing.assert_frame_equal(w.df, expected)


def test_observing_df_gets_each_action_with_the_new_frame(reviews):
    w = rb.show(reviews)
    query = "funny AND status:Default"
    w.search(query)
    events = []
    w.observe(lambda change: events.append(change), names="df")
    first = w.df
    pd.testing.assert_frame_equal(first, rb.load(reviews, query=query))
    leaving = first.id.iloc[:3].tolist()
    steps = [
        lambda: w.annotate(leaving[:1], "plot"),  # no longer Default: leaves the frame
        lambda: act(w, "discard", seqs=leaving[1:3]),  # a click
        lambda: w.undo(),  # the two discarded records come back
        lambda: act(w, "validate", seqs=[r["seq"] for r in w._records[:2]]),
    ]
    sizes = [len(first) - 1, len(first) - 3, len(first) - 1, len(first) - 3]
    seen = 0
    for step, size in zip(steps, sizes):
        step()
        assert len(events) > seen, "no df change for an action"
        seen = len(events)
        latest = events[-1]["new"]
        assert latest is w.df
        assert len(latest) == size
        pd.testing.assert_frame_equal(latest, rb.load(reviews, query=query))
        assert latest.id.is_monotonic_increasing  # first-logged order
    assert events[0]["old"] is first
    for older, newer in itertools.pairwise(events):
        assert newer["old"] is older["new"] and newer["new"] is not older["new"]
    assert not set(leaving) & set(w.df.id)


def test_df_keeps_changed_records_that_still_match(reviews):
    w = rb.show(reviews)
    w.search("boring")
    frames = []
    w.observe(lambda change: frames.append(change["new"]), names="df")
    target = int(w.df.id.iloc[2])
    w.annotate([target], "plot")
    assert len(frames) == 1
    row = frames[0].set_index("id").loc[target]
    assert row.annotation == "plot" and row.status == "Validated"
    pd.testing.assert_frame_equal(frames[0], rb.load(reviews, query="boring"))


def test_df_is_rebuilt_by_refresh_after_changes_made_elsewhere(reviews):
    w1, w2 = rb.show(reviews), rb.show(reviews)
    frames = []
    w2.observe(lambda change: frames.append(change["new"]), names="df")
    w1.annotate([1], "plot")
    w2.refresh()
    pd.testing.assert_frame_equal(frames[-1], rb.load(reviews))


def test_df_stays_equal_to_rb_load_when_records_change_elsewhere(reviews, reviews_frame):
    w1, w2 = rb.show(reviews), rb.show(reviews)
    frames = []
    w2.observe(lambda change: frames.append(change["new"]), names="df")
    w1.annotate([1], "plot")  # another page
    rb.log(reviews_frame.iloc[[2]].assign(annotation="rotten", status="Validated"), reviews)
    w2.annotate([5], "plot")  # this page's next action
    pd.testing.assert_frame_equal(frames[-1], rb.load(reviews))


# -- labels -----------------------------------------------------------------------------------
def test_add_label_adds_it_to_the_choices(reviews):
    w = rb.show(reviews)
    assert w.add_label("mixed") == ["fresh", "mixed", "plot", "rotten"]
    assert w._labels == ["fresh", "mixed", "plot", "rotten"]
    ack = act(w, "add_label", label="  so-so ")
    assert ack["ok"] and "so-so" in ack["result"]
    assert "so-so" in synced(w, "_labels")
    assert rb.show(reviews)._labels == ["fresh", "mixed", "plot", "rotten", "so-so"]
    assert w.annotate([1], "mixed") == 1


def test_a_label_added_on_one_page_shows_on_another_after_refresh(reviews):
    w1, w2 = rb.show(reviews), rb.show(reviews)
    w1.add_label("mixed")
    w2.refresh()
    assert "mixed" in w2._labels


@pytest.mark.parametrize("label", ["", "   ", None, 7])
def test_add_label_rejects_what_is_not_a_label(reviews, label):
    w = rb.show(reviews)
    ack = act(w, "add_label", label=label)
    assert ack["ok"] is False and "must be a non-empty str" in ack["error"]
    assert w._labels == ["fresh", "plot", "rotten"]


def test_label_schema_locks_the_choices(reviews):
    schema = ["fresh", "rotten", "plot", "mixed"]
    rb.configure_dataset(reviews, settings=rb.TextClassificationSettings(label_schema=schema))
    w = rb.show(reviews)
    assert w._labels == schema and w._schema_locked is True
    assert w.add_label("mixed") == schema  # already allowed
    with pytest.raises(ValueError, match="'other' is not in the label schema"):
        w.add_label("other")
    ack = act(w, "add_label", label="other")
    assert ack["ok"] is False and "label schema" in ack["error"]
    assert w._labels == schema
    assert rb.load_dataset_settings(reviews).label_schema == set(schema)


def test_annotating_outside_the_label_schema_is_rejected_and_nothing_changes(reviews):
    rb.configure_dataset(
        reviews, settings=rb.TextClassificationSettings(label_schema=["fresh", "rotten", "plot"])
    )
    before = rb.load(reviews)
    w = rb.show(reviews)
    with pytest.raises(ValueError, match="'other' is not in the label schema"):
        w.annotate([1, 2], "other")
    ack = act(w, "annotate", seqs=[1, 2], annotation="other")
    assert ack["ok"] is False and "'other' is not in the label schema" in ack["error"]
    w.search("funny")
    assert act(w, "annotate", scope="query", annotation="other")["ok"] is False
    assert_unchanged(reviews, before)
    assert w._history == {"can_undo": False, "can_redo": False}
    assert w.annotate([1], "plot") == 1  # inside the schema is fine


# -- the message handler ----------------------------------------------------------------------
def test_an_action_message_is_acked_after_the_browser_got_the_new_page(reviews):
    w = rb.show(reviews)
    ack = act(w, "annotate", seqs=[1, 2], annotation="rotten")
    assert ack == {"type": "ack", "request": ack["request"], "ok": True, "result": 2}
    at = next(i for i, m in enumerate(w.comm.sent) if m["method"] == "custom")
    before_ack = {k for m in w.comm.sent[:at] if m["method"] == "update" for k in m["state"]}
    assert {"_records", "_progress", "_history", "_acks"} <= before_ack
    # once the message is handled, everything the browser has is current
    records = synced(w, "_records")
    assert [r["annotation"] for r in records[1:3]] == ["rotten", "rotten"]
    assert synced(w, "_progress") == w._progress == rb.show(reviews)._progress
    assert synced(w, "_facets") == w._facets == rb.show(reviews)._facets
    assert synced(w, "_acks")[str(ack["request"])] == {k: v for k, v in ack.items() if k != "type"}


def test_messages_through_the_comm_are_handled_like_direct_calls(reviews):
    w = rb.show(reviews)
    w.comm.sent.clear()
    w.comm.deliver(
        {
            "method": "custom",
            "content": {
                "type": "action",
                "request": 41,
                "action": "annotate",
                "seqs": [6],
                "epoch": w._epoch,
                "annotation": "plot",
            },
        }
    )
    assert acks(w) == [{"type": "ack", "request": 41, "ok": True, "result": 1}]
    assert rb.load(reviews, ids=[6]).annotation.iloc[0] == "plot"


def test_messages_that_are_not_actions_are_ignored(reviews):
    before = rb.load(reviews)
    w = rb.show(reviews)
    for content in ({"type": "hello"}, {"action": "annotate", "seqs": [1]}, ["action"], "x"):
        w.comm.sent.clear()
        w._on_message(w, content, [])
        assert w.comm.sent == []
    assert_unchanged(reviews, before)


def test_unknown_actions_are_answered_with_an_error(reviews):
    before = rb.load(reviews)
    w = rb.show(reviews)
    for action in ("delete", None, "Annotate"):
        ack = act(w, action, seqs=[1])
        assert ack["ok"] is False
        assert ack["error"] == (
            f"unknown action {action!r}; allowed actions: add_label, add_rule, add_span, "
            "annotate, delete_rule, discard, edit, find_similar, full_text, hello, map_text, "
            "more_like_label, redo, remove_span, rule_metrics, select_on_map, semantic_search, "
            "sync, undo, validate"
        )
    assert_unchanged(reviews, before)


MALFORMED_SEQS = [
    pytest.param({}, id="missing"),
    pytest.param({"seqs": None}, id="none"),
    pytest.param({"seqs": "1"}, id="str"),
    pytest.param({"seqs": 1}, id="int"),
    pytest.param({"seqs": [1.5]}, id="float"),
    pytest.param({"seqs": ["1"]}, id="str-item"),
    pytest.param({"seqs": [[1]]}, id="nested"),
    pytest.param({"seqs": [1, None]}, id="null-item"),
    pytest.param(
        {"seqs": [True]},
        id="bool-item",
    ),
]


@pytest.mark.parametrize("fields", MALFORMED_SEQS)
def test_malformed_seqs_are_answered_with_a_clear_error(reviews, fields):
    before = rb.load(reviews)
    w = rb.show(reviews)
    ack = act(w, "annotate", annotation="plot", **fields)
    assert ack["ok"] is False
    assert "seqs" in ack["error"]
    assert_unchanged(reviews, before)
    assert w._history["can_undo"] is False


@pytest.mark.parametrize(
    "seq",
    [
        pytest.param(
            N_REVIEWS + 5,
        ),
        pytest.param(
            -1,
        ),
    ],
)
def test_seqs_outside_the_dataset_are_answered_with_a_clear_error(reviews, seq):
    before = rb.load(reviews)
    w = rb.show(reviews)
    w.comm.sent.clear()
    w._on_message(
        w,
        {
            "type": "action",
            "request": 9,
            "action": "annotate",
            "seqs": [seq],
            "epoch": w._epoch,
            "annotation": "plot",
        },
        [],
    )
    (ack,) = acks(w)
    assert ack["ok"] is False and str(seq) in ack["error"]
    assert_unchanged(reviews, before)


@pytest.mark.parametrize(
    ("annotation", "words"),
    [
        (None, "annotate needs an annotation"),
        ("", "must not be empty"),
        (["plot", "plot"], "repeats a label"),
        pytest.param(
            123,
            "annotation",
        ),
        pytest.param(
            {"plot": 1},
            "annotation",
        ),
    ],
)
def test_bad_annotations_are_rejected_and_nothing_changes(reviews, annotation, words):
    before = rb.load(reviews)
    w = rb.show(reviews)
    w.comm.sent.clear()
    w._on_message(
        w,
        {
            "type": "action",
            "request": 5,
            "action": "annotate",
            "seqs": [1],
            "epoch": w._epoch,
            "annotation": annotation,
        },
        [],
    )
    (ack,) = acks(w)
    assert ack["ok"] is False and words in ack["error"]
    assert_unchanged(reviews, before)
    assert w._history == {"can_undo": False, "can_redo": False}


def test_an_empty_seq_list_changes_nothing(reviews):
    w = rb.show(reviews)
    ack = act(w, "validate", seqs=[])
    assert (ack["ok"], ack["result"]) == (True, 0)
    assert w._history["can_undo"] is False


# -- long texts -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def long_texts(rotten_tomatoes) -> list[str]:
    """200 long texts: each joins 40 real reviews (4k to 15k characters)."""
    texts = rotten_tomatoes.text.dropna().tolist()
    return [" ".join(texts[i * 40 : (i + 1) * 40]) for i in range(200)]


@pytest.fixture(scope="module")
def _long_folder(long_texts, rotten_tomatoes, tmp_path_factory):
    frame = pd.DataFrame(
        {
            "text": long_texts,
            "id": range(200),
            "prediction": [[("long", 0.8), ("short", 0.2)]] * 200,
            "metadata": [
                {"movie": m, "n": i} for i, m in enumerate(rotten_tomatoes.movie_name[:200])
            ],
        }
    )
    folder = tmp_path_factory.mktemp("long_reviews")
    ws.set_workspace(folder)
    try:
        rb.log(frame, "long-reviews", verbose=False)
    finally:
        ws.set_workspace(None)
    return folder


@pytest.fixture
def long_reviews(_long_folder) -> str:
    """The long texts logged in a workspace shared by tests that only read."""
    ws.set_workspace(_long_folder)
    return "long-reviews"


def test_full_text_action_returns_the_untruncated_text(long_reviews):
    w = rb.show(long_reviews)
    full = rb.load(long_reviews).text.tolist()
    for record in w._records:
        text = full[record["id"]]
        assert record["lengths"] == {"text": len(text)}
        assert record["inputs"]["text"] == text[:MAX_TEXT]
    longest = max(range(20), key=lambda i: len(full[i]))
    assert len(full[longest]) > MAX_TEXT
    ack = act(w, "full_text", seq=w._records[longest]["seq"], key="text")
    assert ack["ok"] is True and ack["result"] == full[longest]
    missing = act(w, "full_text", seq=w._records[longest]["seq"])
    assert missing["error"] == (
        "action 'full_text' needs field(s) key; its fields are: epoch, key, seq"
    )


def test_full_text_of_one_input_of_a_multi_input_record(long_texts):
    body = long_texts
    records = [
        rb.TextClassificationRecord(inputs={"title": f"review {i}", "body": body[i]}, id=i)
        for i in range(5)
    ]
    rb.log(records, "two-inputs")
    w = rb.show("two-inputs")
    record = w._records[2]
    assert record["lengths"] == {"title": 8, "body": len(body[2])}
    sent = record["inputs"]["body"]  # the record's text budget is shared by its inputs
    assert 0 < len(sent) < len(body[2]) and body[2].startswith(sent)
    assert act(w, "full_text", seq=record["seq"], key="body")["result"] == body[2]
    assert act(w, "full_text", seq=record["seq"], key="title")["result"] == "review 2"


@pytest.mark.parametrize("seq", [-1, 200, "3", None, 1.0])
def test_full_text_of_a_missing_record_is_an_error(long_reviews, seq):
    w = rb.show(long_reviews)
    ack = act(w, "full_text", seq=seq, key="text")
    assert ack["ok"] is False and ack["error"] == f"no record at position {seq!r}"


def test_full_text_of_a_missing_input_is_an_error(long_reviews):
    w = rb.show(long_reviews)
    ack = act(w, "full_text", seq=0, key="title")
    assert ack["ok"] is False


def test_largest_message_for_200_long_records_stays_under_1_mb(long_reviews):
    w = rb.show(long_reviews, page_size=20)
    w.comm.sent.clear()
    w.page_size = MAX_PAGE_SIZE
    assert len(w._records) == 200
    assert sum(r["lengths"]["text"] for r in w._records) > ONE_MB  # the full texts would not fit
    sizes = [len(json.dumps(m, ensure_ascii=False).encode()) for m in w.comm.sent]
    assert max(sizes) < ONE_MB
    page = len(json.dumps(w._records, ensure_ascii=False).encode())
    assert page < 0.9 * ONE_MB
    opened = rb.show(long_reviews, page_size=MAX_PAGE_SIZE).comm
    assert len(json.dumps(opened.opened["data"], ensure_ascii=False).encode()) < ONE_MB
    assert max(len(json.dumps(m, ensure_ascii=False).encode()) for m in opened.sent) < ONE_MB


def test_a_page_of_two_long_inputs_per_record_stays_under_1_mb(long_texts):
    texts = long_texts
    records = [
        rb.TextClassificationRecord(inputs={"review": texts[i], "plot": texts[(i + 1) % 200]}, id=i)
        for i in range(200)
    ]
    rb.log(records, "two-long-inputs")
    w = rb.show("two-long-inputs", page_size=MAX_PAGE_SIZE)
    assert len(json.dumps(w._records, ensure_ascii=False).encode()) < ONE_MB


HMR_CHECK = """
import rubrix_widgets.widgets as w
from anywidget._file_contents import FileContents
print(sorted(
    (cls.__name__, cls._esm._path.name, cls._esm._background_thread is not None)
    if isinstance(cls._esm, FileContents) else (cls.__name__, type(cls._esm).__name__)
    for cls in (w.DatasetPage, w.DatasetList, w.Home)
))
"""


@pytest.mark.parametrize("hmr", ["1", "0"])
def test_front_end_hot_reloads_with_anywidget_hmr_through_its_public_api(hmr):
    """With ANYWIDGET_HMR=1 each widget names its bundle as a path (anywidget's public
    ``_esm = Path``), which anywidget watches, so `npm run watch` edits reach open widgets;
    otherwise its text (a path would keep every widget alive: front_end.py)."""
    env = {**os.environ, "ANYWIDGET_HMR": hmr}
    out = subprocess.run(
        [sys.executable, "-c", HMR_CHECK], capture_output=True, text=True, check=True, env=env
    )
    if hmr == "1":
        expected = [
            ("DatasetList", "dataset_list.js", True),
            ("DatasetPage", "dataset_page.js", True),
            ("Home", "home.js", True),
        ]
    else:
        expected = [("DatasetList", "str"), ("DatasetPage", "str"), ("Home", "str")]
    assert out.stdout.strip() == repr(expected)


def test_importing_the_package_does_not_load_the_widget_stack():
    """`import rubrix_widgets` stays light (data work in scripts); rb.show loads widgets."""
    code = (
        "import sys, rubrix_widgets; print('anywidget' in sys.modules, 'ipywidgets' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# -- Text2Text ---------------------------------------------------------------------------------
@pytest.fixture
def replies(chatterbot_pairs):
    """Real prompts, each with its real reply (0.9) and another prompt's reply (0.3)."""
    pairs = chatterbot_pairs[:60]
    records = [
        rb.Text2TextRecord(
            id=i,
            text=prompt,
            prediction=[(reply, 0.9), (pairs[(i + 7) % len(pairs)][1], 0.3)],
            prediction_agent="corpus",
        )
        for i, (prompt, reply) in enumerate(pairs)
    ]
    rb.log(records, "replies", verbose=False)
    return pairs


def test_text2text_page_sends_source_predictions_and_annotation(replies):
    w = rb.show("replies")
    first = w._records[0]
    assert first["text"] == replies[0][0]
    assert first["prediction"][0] == [replies[0][1], 0.9]
    assert first["annotation"] is None and w._labels == []


def test_text2text_edit_is_a_draft_and_annotate_validates_the_text(replies):
    rb.init(annotator="translator")
    w = rb.show("replies")
    assert w.edit([0], "A better reply.") == 1
    row = rb.load("replies", ids=[0]).iloc[0]
    assert (row.annotation, row.status, row.annotation_agent) == (
        "A better reply.",
        "Edited",
        "translator",
    )
    assert w.annotate([0], "The best reply.") == 1
    row = rb.load("replies", ids=[0]).iloc[0]
    assert (row.annotation, row.status) == ("The best reply.", "Validated")


def test_text2text_validate_takes_the_top_prediction_when_nothing_was_typed(replies):
    w = rb.show("replies")
    w.validate([1])
    row = rb.load("replies", ids=[1]).iloc[0]
    assert (row.annotation, row.status) == (replies[1][1], "Validated")


def test_text2text_clicks_edit_then_validate_through_messages(replies):
    w = rb.show("replies")
    seq = w._records[2]["seq"]
    assert act(w, "edit", seqs=[seq], annotation="Draft.")["ok"] is True
    assert rb.load("replies", ids=[2]).status.tolist() == ["Edited"]
    assert act(w, "annotate", seqs=[seq], annotation="Final.")["ok"] is True
    assert rb.load("replies", ids=[2])[["annotation", "status"]].values.tolist() == [
        ["Final.", "Validated"]
    ]
    w.undo()
    assert rb.load("replies", ids=[2])[["annotation", "status"]].values.tolist() == [
        ["Draft.", "Edited"]
    ]


@pytest.mark.parametrize("bad", ["", "   ", ["a"], 3])
def test_text2text_empty_or_non_text_annotations_are_refused(replies, bad):
    before = rb.load("replies")
    w = rb.show("replies")
    ack = act(w, "annotate", seqs=[0], annotation=bad)
    assert ack["ok"] is False and "Text2Text annotation" in ack["error"]
    pd.testing.assert_frame_equal(rb.load("replies"), before)


def test_edit_is_only_for_text2text(reviews):
    w = rb.show(reviews)
    ack = act(w, "edit", seqs=[0], annotation="plot")
    assert ack["ok"] is False and "Text2Text" in ack["error"]


# -- TokenClassification -------------------------------------------------------------------------
EMOJI_TOKENS = ["Ada", "👩\u200d💻", "visits", "Zu\u0308rich", "with", "Björn", "🇫🇷"]


@pytest.fixture
def tweets_ner(ner_sentences):
    """Real WNUT-style tweets with their gold tags as predictions, plus an emoji sentence."""
    records = [
        rb.TokenClassificationRecord(
            id=i,
            tokens=[t for t, _ in sentence],
            tags=[tag for _, tag in sentence],
        )
        for i, sentence in enumerate(ner_sentences[:40])
    ]
    frame = rb.DatasetForTokenClassification(records).to_pandas()
    frame["prediction"] = frame["annotation"].map(lambda spans: [(*s, 0.8) for s in spans or []])
    frame["annotation"] = None
    frame.loc[len(frame)] = frame.iloc[0]
    frame.loc[len(frame) - 1, ["id", "text", "tokens", "prediction"]] = [
        999,
        " ".join(EMOJI_TOKENS),
        EMOJI_TOKENS,
        [("PER", 0, 3, 0.9), ("LOC", 15, 22, 0.7)],
    ]
    rb.log(frame, "tweets-ner", verbose=False)
    return frame


def test_ner_page_sends_tokens_and_their_code_point_offsets(tweets_ner):
    w = rb.show("tweets-ner", query="id:999")
    record = w._records[0]
    text = record["text"]
    assert [text[s:e] for s, e in record["offsets"]] == EMOJI_TOKENS
    assert record["prediction"][1][:3] == ["LOC", 15, 22]


def test_ner_add_span_snaps_to_tokens_and_marks_edited(tweets_ner):
    rb.init(annotator="tagger")
    w = rb.show("tweets-ner")
    # from inside "Björn" to its middle: snapped to the whole token
    text = " ".join(EMOJI_TOKENS)
    start = text.index("Björn") + 1
    assert w.add_span(999, "PER", start, start + 2) == 1
    row = rb.load("tweets-ner", ids=[999]).iloc[0]
    begin = text.index("Björn")
    # the record had no annotation: it starts from its predictions
    assert row.annotation == [("PER", 0, 3), ("LOC", 15, 22), ("PER", begin, begin + 5)]
    assert (row.status, row.annotation_agent) == ("Edited", "tagger")


def test_ner_new_span_replaces_overlapping_ones_unless_allowed(tweets_ner):
    w = rb.show("tweets-ner")
    w.add_span(999, "ORG", 8, 22)  # "visits Zürich" overlaps LOC
    assert rb.load("tweets-ner", ids=[999]).annotation.iloc[0] == [("PER", 0, 3), ("ORG", 8, 22)]
    rb.configure_dataset("tweets-ner", rb.TokenClassificationSettings(allow_overlapping=True))
    w.add_span(999, "LOC", 15, 22)
    assert rb.load("tweets-ner", ids=[999]).annotation.iloc[0] == [
        ("PER", 0, 3),
        ("ORG", 8, 22),
        ("LOC", 15, 22),
    ]


def test_ner_remove_span_and_validate_through_messages(tweets_ner):
    w = rb.show("tweets-ner", query="id:999")
    seq = w._records[0]["seq"]
    ack = act(w, "remove_span", seq=seq, label="LOC", start=15, end=22)
    assert ack["ok"] is True
    assert rb.load("tweets-ner", ids=[999]).annotation.iloc[0] == [("PER", 0, 3)]
    assert act(w, "validate", seqs=[seq])["ok"] is True
    row = rb.load("tweets-ner", ids=[999]).iloc[0]
    assert (row.annotation, row.status) == ([("PER", 0, 3)], "Validated")
    w.undo()
    assert rb.load("tweets-ner", ids=[999]).status.iloc[0] == "Edited"


def test_ner_validate_without_annotation_takes_the_predicted_spans(tweets_ner):
    w = rb.show("tweets-ner")
    w.validate([1])
    row = rb.load("tweets-ner", ids=[1]).iloc[0]
    assert row.status == "Validated"
    assert row.annotation == [s[:3] for s in tweets_ner.set_index("id").prediction[1]]


def test_ner_annotate_sets_a_whole_span_list(tweets_ner):
    w = rb.show("tweets-ner")
    w.annotate([999], [("PER", 0, 3)])
    assert rb.load("tweets-ner", ids=[999]).annotation.iloc[0] == [("PER", 0, 3)]


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"label": "PER", "start": 0, "end": 500}, "outside the text"),
        ({"label": "PER", "start": 3, "end": 1}, "outside the text"),
        ({"label": "", "start": 0, "end": 3}, "must not be empty"),
        ({"label": "PER", "start": "0", "end": 3}, "must be ints"),
        ({"label": "MISC", "start": 0, "end": 3, "remove": True}, "no span"),
    ],
)
def test_ner_bad_span_edits_are_refused_and_nothing_changes(tweets_ner, fields, words):
    before = rb.load("tweets-ner")
    w = rb.show("tweets-ner", query="id:999")
    action = "remove_span" if fields.pop("remove", False) else "add_span"
    ack = act(w, action, seq=w._records[0]["seq"], **fields)
    assert ack["ok"] is False and words in ack["error"]
    pd.testing.assert_frame_equal(rb.load("tweets-ner"), before)


def test_ner_span_labels_outside_the_schema_are_refused(tweets_ner):
    # a schema must cover the labels the records already use (Rubrix's rule)
    used = {span[0] for spans in tweets_ner.prediction for span in spans or []}
    assert "ORG" not in used
    rb.configure_dataset("tweets-ner", rb.TokenClassificationSettings(label_schema=used))
    w = rb.show("tweets-ner")
    with pytest.raises(ValueError, match="label schema"):
        w.add_span(999, "ORG", 0, 3)
    assert rb.load("tweets-ner", ids=[999]).annotation.iloc[0] is None


def test_ner_mentions_panel_counts_mentions_per_label(tweets_ner):
    w = rb.show("tweets-ner")
    predicted = w._mentions["predicted"]
    expected: dict = {}
    for text, spans in zip(tweets_ner.text, tweets_ner.prediction, strict=True):
        for label, start, end, _ in spans or []:
            expected.setdefault(label, {}).setdefault(text[start:end], 0)
            expected[label][text[start:end]] += 1
    assert set(predicted) == set(expected)
    for label, top in predicted.items():
        for mention, count in top:
            assert expected[label][mention] == count
        assert top[0][1] == max(expected[label].values())


def test_rb_show_opens_with_a_sort_and_filters(reviews):
    w = rb.show(reviews, sort=[["id", "desc"]], filters={"predicted_as": ["fresh"]})
    ids = page_ids(w)
    assert ids == sorted(ids, reverse=True)
    fresh = reference(reviews, "predicted_as:fresh")
    assert w.total == len(fresh) and set(ids) <= set(fresh.id)
    with pytest.raises((ValueError, traitlets.TraitError), match="sort"):
        rb.show(reviews, sort=[["no-such-field", "desc"]])


def test_page_ids_are_the_shown_page_in_order_and_progress_the_sidebar_counts(reviews):
    w = rb.show(reviews, sort=[["score", "desc"]], page_size=10)
    assert w.page_ids == page_ids(w) and len(w.page_ids) == 10
    scores = rb.load(reviews, ids=w.page_ids).set_index("id").prediction.map(lambda p: p[0][1])
    shown = [scores[i] for i in w.page_ids]
    assert shown == sorted(shown, reverse=True)
    first = w.page_ids
    w.page = 1
    assert w.page_ids == page_ids(w) and not set(w.page_ids) & set(first)
    before, ids = w.progress, w.page_ids[:3]
    already = int((rb.load(reviews, ids=ids).status == "Validated").sum())
    w.validate(ids)
    assert w.progress["validated"] == before["validated"] + 3 - already


# -- record positions after records are deleted (widgets/seq_epoch.py) -------------------------
def delete_in_another_process(workspace, name: str, ids: list) -> None:
    """``rb.delete_records`` run by another process: this kernel is not told."""
    script = f"import rubrix_widgets as rb; rb.delete_records({name!r}, ids={ids!r})"
    subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "RUBRIX_WIDGETS_HOME": str(workspace)},
        capture_output=True,
        text=True,
        check=True,
    )


def seq_of(w, record_id) -> int:
    return next(r["seq"] for r in w._records if r["id"] == record_id)


def assert_refused_as_stale(ack: dict, why: str = "records of dataset") -> None:
    assert ack["ok"] is False and ack["stale"] is True, ack
    assert why in ack["error"] and "nothing was changed" in ack["error"]


def test_the_page_sends_the_epoch_of_its_record_positions(reviews):
    w = rb.show(reviews)
    drawn = w._epoch
    assert drawn and synced(w, "_epoch") == drawn
    w.annotate([3], "plot")  # changing records keeps every position
    assert w._epoch == drawn
    rb.delete_records(reviews, ids=[0])  # from another cell: positions move
    assert act(w, "sync")["result"] is True  # the front end asks on the kernel's notice
    assert w._epoch != drawn and synced(w, "_epoch") == w._epoch
    assert page_ids(w)[:2] == [1, 2] and w.total == N_REVIEWS - 1


@pytest.mark.parametrize(
    ("action", "fields", "expected"),
    [
        ("annotate", {"annotation": "plot"}, ("plot", "Validated")),
        ("validate", {}, (None, "Validated")),
        ("discard", {}, (None, "Discarded")),
    ],
)
def test_a_click_drawn_before_a_delete_is_refused_never_applied_to_another_record(
    reviews, action, fields, expected
):
    w = rb.show(reviews, mode="annotate")
    drawn, seq = w._epoch, seq_of(w, 5)
    rb.delete_records(reviews, ids=[0, 1])  # id 7 now sits where id 5 was drawn
    before = rb.load(reviews)
    ack = act(w, action, seqs=[seq], epoch=drawn, **fields)
    assert_refused_as_stale(ack)
    assert_unchanged(reviews, before)
    # on the page as it is now, the same click changes the record the person sees
    assert act(w, action, seqs=[seq_of(w, 5)], **fields)["ok"] is True
    row = rb.load(reviews, ids=[5]).iloc[0]
    annotation, status = expected
    assert row.status == status and (annotation is None or row.annotation == annotation)
    others = rb.load(reviews).set_index("id").drop(index=5)
    pd.testing.assert_frame_equal(others, before.set_index("id").drop(index=5))


def test_a_bulk_action_on_a_selection_drawn_before_a_delete_is_refused(reviews):
    w = rb.show(reviews, mode="annotate", page_size=50)
    drawn, selected = w._epoch, [r["seq"] for r in w._records[10:40]]
    rb.delete_records(reviews, ids=[3])
    before = rb.load(reviews)
    for action, fields in (("discard", {}), ("annotate", {"annotation": "plot"})):
        assert_refused_as_stale(act(w, action, seqs=selected, epoch=drawn, **fields))
    assert_unchanged(reviews, before)
    # "every record matching the search" names no positions: resolved when it arrives
    w.query = "id:[10 TO 19]"
    ack = act(w, "discard", scope="query", epoch=drawn)
    assert ack["ok"] is True and ack["result"] == 10 - int(
        (before.set_index("id").loc[10:19].status == "Discarded").sum()
    )
    assert (rb.load(reviews, query="id:[10 TO 19]").status == "Discarded").all()


def test_ner_span_edits_drawn_before_a_delete_are_refused(tweets_ner):
    w = rb.show("tweets-ner", mode="annotate")
    drawn = w._epoch
    record = next(r for r in w._records if r["id"] > 0 and r["prediction"])
    label, start, end = record["prediction"][0][:3]
    rb.delete_records("tweets-ner", ids=[0])
    before = rb.load("tweets-ner")
    # the record now at that position has other spans: refused as stale, not "no span"
    for action in ("remove_span", "add_span"):
        ack = act(w, action, seq=record["seq"], epoch=drawn, label=label, start=start, end=end)
        assert_refused_as_stale(ack)
    pd.testing.assert_frame_equal(rb.load("tweets-ner"), before)
    assert act(w, "remove_span", seq=seq_of(w, record["id"]), label=label, start=start, end=end)[
        "ok"
    ]
    assert rb.load("tweets-ner", ids=[record["id"]]).status.tolist() == ["Edited"]


def test_text2text_drafts_and_texts_drawn_before_a_delete_are_refused(replies):
    w = rb.show("replies", mode="annotate")
    drawn, seq = w._epoch, seq_of(w, 4)
    rb.delete_records("replies", ids=[1])
    before = rb.load("replies")
    for action in ("edit", "annotate"):
        ack = act(w, action, seqs=[seq], epoch=drawn, annotation="A reply for prompt 4.")
        assert_refused_as_stale(ack)
    pd.testing.assert_frame_equal(rb.load("replies"), before)


def test_full_text_asked_from_a_page_drawn_before_a_delete_is_refused(long_texts):
    rb.log(
        [rb.TextClassificationRecord(id=i, text=t) for i, t in enumerate(long_texts[:6])],
        "long",
        verbose=False,
    )
    w = rb.show("long")
    drawn = w._epoch
    rb.delete_records("long", ids=[0])
    ack = act(w, "full_text", seq=2, key="text", epoch=drawn)  # drawn as id 2, now id 3
    assert_refused_as_stale(ack)
    assert act(w, "full_text", seq=seq_of(w, 2), key="text")["result"] == long_texts[2]


def test_a_stale_click_is_refused_even_when_the_record_now_there_would_be_left_alone():
    """Validating a record with neither annotation nor prediction changes nothing: a
    stale click landing on one must still be refused (and the page redrawn), not
    answered "saved, 0 records"."""
    rb.log(
        [
            rb.TextClassificationRecord(
                id=i, text=f"review {i}", prediction=None if i == 2 else [("fresh", 0.9)]
            )
            for i in range(5)
        ],
        "few",
        verbose=False,
    )
    w = rb.show("few", mode="annotate")
    drawn = w._epoch
    rb.delete_records("few", ids=[0])  # id 2 (nothing to validate) moves to id 1's position
    before = rb.load("few")
    assert_refused_as_stale(act(w, "validate", seqs=[1], epoch=drawn))
    assert_unchanged("few", before)


def test_an_action_without_an_epoch_is_refused(reviews):
    before = rb.load(reviews)
    w = rb.show(reviews)
    for fields in ({"epoch": None}, {"epoch": 3}, {"epoch": ""}):
        ack = act(w, "validate", seqs=[1], **fields)
        assert ack["ok"] is False and "needs 'epoch'" in ack["error"]
    assert_unchanged(reviews, before)


def test_undo_and_redo_follow_their_records_by_id_across_a_delete(reviews):
    w = rb.show(reviews)
    original = rb.load(reviews, ids=[5]).iloc[0]
    w.annotate([5, 6], "plot")  # one step, two records
    rb.delete_records(reviews, ids=[0, 6])  # a record before them, and one of them
    deleted = rb.load(reviews)
    assert act(w, "undo")["result"] == 1  # id 5 (now at another position) is back
    row = rb.load(reviews, ids=[5]).iloc[0]
    assert (row.annotation, row.status) == (original.annotation, original.status)
    others = rb.load(reviews).set_index("id").drop(index=5)
    pd.testing.assert_frame_equal(others, deleted.set_index("id").drop(index=5))
    assert w.redo() == 1
    assert rb.load(reviews, ids=[5]).annotation.tolist() == ["plot"]
    # a step whose records are all gone says so, changes nothing and leaves the history
    w.annotate([8], "plot")
    rb.delete_records(reviews, ids=[8])
    before = rb.load(reviews)
    ack = act(w, "undo")
    assert ack["ok"] is False and "were deleted" in ack["error"]
    assert_unchanged(reviews, before)
    assert w._history == {"can_undo": True, "can_redo": False}  # the step of id 5 is left
    assert w.undo() == 1 and rb.load(reviews, ids=[5]).status.iloc[0] == original.status


def test_undo_after_the_dataset_was_logged_again_is_refused(reviews, reviews_frame):
    w = rb.show(reviews)
    w.annotate([5], "plot")
    drawn = w._epoch
    rb.delete(reviews)
    assert act(w, "sync")["result"] is True
    assert w._error.startswith("dataset 'reviews' was deleted") and w._records == []
    rb.log(reviews_frame.head(50), reviews, verbose=False)  # same name, a new dataset
    assert act(w, "sync")["result"] is True
    assert w.total == 50 and w._epoch != drawn
    before = rb.load(reviews)
    assert w._history == {"can_undo": False, "can_redo": False}
    assert act(w, "undo")["result"] == 0
    ack = act(w, "validate", seqs=[5], epoch=drawn)
    assert_refused_as_stale(ack, "dataset 'reviews' was deleted and created again")
    assert_unchanged(reviews, before)


def test_undo_after_another_process_logged_the_dataset_again_is_refused(reviews, workspace):
    w = rb.show(reviews)
    w.annotate([5], "plot")
    script = (
        "import rubrix_widgets as rb; "
        f"rb.delete({reviews!r}); "
        "rb.log([rb.TextClassificationRecord(id=i, text=f'new {i}') for i in range(50)], "
        f"{reviews!r}, verbose=False)"
    )
    subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "RUBRIX_WIDGETS_HOME": str(workspace)},
        check=True,
    )
    before = rb.load(reviews)
    ack = act(w, "undo")  # the page has not seen the new dataset yet
    assert_refused_as_stale(ack, "dataset 'reviews' was deleted and created again")
    assert_unchanged(reviews, before)
    assert w._history == {"can_undo": False, "can_redo": False}
    assert w.total == 50  # and the refusal redrew the page


def test_a_page_whose_dataset_is_logged_again_shows_the_new_one_everywhere(reviews_frame):
    """Versions restart with a new dataset: nothing cached for the old one may show."""
    rb.log(reviews_frame.head(40), "again", verbose=False)
    w = rb.show("again")
    old = (w.df.id.tolist(), w._facets["predicted_as"], w._labels)
    version = ws.existing("again").manifest().version
    rb.delete("again")
    other = reviews_frame.iloc[100:130].assign(
        prediction=[[("good", 0.7), ("bad", 0.3)]] * 30,
        annotation=None,
        annotation_agent=None,
        status="Default",
    )
    rb.log(other, "again", verbose=False)
    assert ws.existing("again").manifest().version == version  # a new dataset, same version
    assert w.sync() is True
    assert page_ids(w) == list(range(100, 120)) and w.total == 30
    assert w.df.id.tolist() == list(range(100, 130)) != old[0]
    assert w._facets["predicted_as"] == [["good", 30]] != old[1]
    assert w._labels == ["good"] != old[2]


def test_a_delete_between_reading_and_writing_a_click_is_caught_under_the_write_lock(
    reviews, monkeypatch
):
    from rubrix_widgets.page_state import actions

    w = rb.show(reviews, mode="annotate")
    before = rb.load(reviews)
    validate = actions.validate

    def validate_then_someone_deletes(table, task, annotator):
        out = validate(table, task, annotator)
        delete_in_another_process(ws.home(), reviews, [0])  # after the read, before the write
        return out

    monkeypatch.setattr(actions, "validate", validate_then_someone_deletes)
    ack = act(w, "validate", seqs=[seq_of(w, 5)])
    assert_refused_as_stale(ack)
    expected = before[before.id != 0].reset_index(drop=True)
    pd.testing.assert_frame_equal(rb.load(reviews), expected)


def test_a_delete_by_another_process_refuses_old_clicks_and_redraws_the_page(reviews, workspace):
    w = rb.show(reviews, mode="annotate")
    drawn, seq = w._epoch, seq_of(w, 5)
    delete_in_another_process(workspace, reviews, [0, 1])
    assert w._epoch == drawn  # this kernel was not told
    before = rb.load(reviews)
    w.comm.sent.clear()
    assert_refused_as_stale(act(w, "annotate", seqs=[seq], annotation="plot"))
    assert_unchanged(reviews, before)
    assert synced(w, "_epoch") == w._epoch != drawn  # the refusal redrew the page
    assert page_ids(w)[:3] == [2, 3, 4] and synced(w, "total") == N_REVIEWS - 2


def test_sync_finds_writes_by_another_process(reviews, workspace):
    w = rb.show(reviews)
    drawn = w._epoch
    assert w.sync() is False
    delete_in_another_process(workspace, reviews, [0, 1])
    assert w.sync() is True
    assert w._epoch != drawn and page_ids(w)[:2] == [2, 3] and w.total == N_REVIEWS - 2
    assert w.sync() is False


def test_in_a_kernel_writes_of_a_cell_send_one_notice_once_it_is_done_and_no_work(reviews):
    import asyncio

    async def kernel() -> tuple:
        w = rb.show(reviews, mode="annotate")
        await asyncio.sleep(0)  # the cell has shown the page
        w.comm.sent.clear()
        drawn = w._records
        for i in range(3):  # one cell, three writes
            rb.log(rb.TextClassificationRecord(text=f"late review {i}"), reviews, verbose=False)
        during = len(notices(w))
        await asyncio.sleep(0)  # the cell is done
        after = len(notices(w))
        untouched = w._records is drawn and w.total == N_REVIEWS  # nothing recomputed
        act(w, "validate", seqs=[seq_of(w, 1)])  # its own click (this clears comm.sent)
        await asyncio.sleep(0.3)  # the click settles
        own = len(notices(w))
        comm = w.comm
        comm.sent.clear()
        w.close()
        rb.log(rb.TextClassificationRecord(text="after close"), reviews, verbose=False)
        await asyncio.sleep(0)
        closed = [
            m
            for m in comm.sent
            if m["method"] == "custom" or "_store_changes" in m.get("state", {})
        ]
        return during, after, untouched, own, closed

    assert asyncio.run(kernel()) == (0, 1, True, 0, [])


# -- workspaces -------------------------------------------------------------------------------
def test_an_open_page_keeps_its_workspace_after_a_switch(reviews, reviews_frame):
    from rubrix_widgets.labeling.text_classification import load_rules

    w = rb.show(reviews, mode="annotate")
    rb.set_workspace("team-b")
    rb.log(reviews_frame.head(30), reviews, verbose=False)  # the same name, elsewhere
    theirs = rb.load(reviews)
    generation = ws.generation()
    assert act(w, "annotate", seqs=[seq_of(w, 3)], annotation="plot")["ok"] is True
    assert w.validate([4]) == 1
    assert w.add_rule("funny OR hilarious", "fresh") is True
    assert w.rule_metrics("funny", "fresh")["total"] == N_REVIEWS
    assert [r["query"] for r in w.rules] == ["funny OR hilarious"]
    w.refresh()
    assert w.total == N_REVIEWS and len(w.df) == N_REVIEWS
    assert rb.get_workspace() == "team-b" and ws.generation() == generation
    pd.testing.assert_frame_equal(rb.load(reviews), theirs)
    assert load_rules(reviews) == []
    rb.set_workspace("rubrix")
    assert rb.load(reviews, ids=[3]).annotation.tolist() == ["plot"]
    assert rb.load(reviews, ids=[4]).status.tolist() == ["Validated"]
    assert [r.query for r in load_rules(reviews)] == ["funny OR hilarious"]
