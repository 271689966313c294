"""rb.labeling: query rules, their storage and metrics, weak labels, label models, write-back.

Numbers are checked against references computed independently with pandas/numpy on the
same real tweets (health-news tweets, labels = news source): a rule ``word`` matches the
records whose lowercased text has ``word`` between non-alphanumeric characters, which is
what the search's tokenizer does.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
import types
import warnings

import numpy as np
import pandas as pd
import pytest

import rubrix_widgets as rb
from rubrix_widgets._fs import is_temp
from rubrix_widgets.labeling.text_classification import (
    DuplicatedRuleNameError,
    MajorityVoter,
    MissingAnnotationError,
    MissingLabelError,
    MultiLabelError,
    NoRecordsFoundError,
    NoRulesFoundError,
    Rule,
    RuleNotAppliedError,
    Snorkel,
    WeakLabels,
    WeakLabelsError,
    WeakMultiLabels,
    add_rules,
    delete_rules,
    load_rules,
    rule_metrics,
    update_rules,
)
from rubrix_widgets.store import workspace as ws
from rubrix_widgets.store.record_parts import LiveRows

ANNOTATE_EVERY = 7  # every 7th tweet carries its real label as an annotation
# word -> label: sources that use these words a lot, so precision is meaningful
WORD_RULES = {
    "ebola": "bbchealth",
    "nhs": "bbchealth",
    "cancer": "cnnhealth",
    "obesity": "cnnhealth",
    "diet": "goodhealth",
    "recipe": "goodhealth",
    "fda": "reuters_health",
    "study": "reuters_health",
    "kaiser": "KaiserHealthNews",
    "medicaid": "KaiserHealthNews",
}


# -- data -------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def health_frame(health_tweets) -> pd.DataFrame:
    """The 63,326 tweets with int ids 0..n-1 and every 7th annotated with its source."""
    frame = pd.DataFrame(
        {"id": np.arange(len(health_tweets)), "text": health_tweets.text.astype(str)}
    )
    annotation = np.full(len(frame), None, dtype=object)
    annotation[::ANNOTATE_EVERY] = health_tweets.label.to_numpy()[::ANNOTATE_EVERY]
    frame["annotation"] = annotation
    frame["label"] = health_tweets.label.to_numpy()
    frame["lower"] = frame.text.str.lower()
    return frame


@pytest.fixture(scope="session")
def health_folder(health_frame, tmp_path_factory):
    """The tweets logged once into a session workspace; tests get a copy of the folder."""
    root = tmp_path_factory.mktemp("labeling-workspace")
    ws.set_workspace(root)
    try:
        rb.log(health_frame[["id", "text", "annotation"]], "health", verbose=False)
    finally:
        ws.set_workspace(None)
    return root / "health"


@pytest.fixture
def health(health_folder, workspace) -> str:
    shutil.copytree(health_folder, workspace / "health", ignore=shutil.ignore_patterns(".lock"))
    return "health"


def word_mask(frame: pd.DataFrame, word: str) -> np.ndarray:
    """Reference matcher: ``word`` as a whole token of the lowercased text."""
    pattern = rf"(?<![^\W_]){re.escape(word.lower())}(?![^\W_])"
    return frame.lower.str.contains(pattern, regex=True).to_numpy()


def reference_matrix(frame, rules: dict[str, str], label2int) -> np.ndarray:
    matrix = np.full((len(frame), len(rules)), -1, dtype=np.int16)
    for j, (word, label) in enumerate(rules.items()):
        mask = word_mask(frame, word)
        if mask.any():  # a rule that labels nothing brings no label
            matrix[mask, j] = label2int[label]
    return matrix


def labels_in_order_of_appearance(frame, rules: dict[str, str]) -> list[str]:
    """Reference: walk the records in order and, in each, its annotation then each rule's
    vote; list the labels as they are first met."""
    met: dict[str, tuple[int, int]] = {}
    annotated = frame.annotation.notna().to_numpy()
    for label in frame.annotation.dropna().unique():
        met[label] = (int(np.flatnonzero(annotated & (frame.annotation == label).to_numpy())[0]), 0)
    for j, (word, label) in enumerate(rules.items()):
        hits = np.flatnonzero(word_mask(frame, word))
        if len(hits) and (label not in met or (hits[0], j + 1) < met[label]):
            met[label] = (int(hits[0]), j + 1)
    return sorted(met, key=met.__getitem__)


def word_rules() -> list[Rule]:
    return [Rule(word, label) for word, label in WORD_RULES.items()]


# -- rules and their metrics ----------------------------------------------------------------
def test_a_word_rule_matches_exactly_the_tweets_holding_that_word(health, health_frame):
    rule = Rule("ebola", "bbchealth")
    rule.apply(health)
    matched = np.flatnonzero(word_mask(health_frame, "ebola"))
    assert len(matched) > 100
    assert rule._applied.seqs.tolist() == matched.tolist()
    unmatched = int(np.flatnonzero(~word_mask(health_frame, "ebola"))[0])
    assert rule(rb.TextClassificationRecord(text="x", id=int(matched[0]))) == "bbchealth"
    assert rule(rb.TextClassificationRecord(text="x", id=unmatched)) is None


def test_an_or_query_rule_matches_the_records_rb_load_finds(health, health_frame):
    wl = WeakLabels(health, rules=[Rule("cancer OR tumour OR tumor", "cnnhealth")])
    loaded = rb.load(health, query="cancer OR tumour OR tumor").id.to_numpy()
    either = word_mask(health_frame, "cancer") | word_mask(health_frame, "tumour")
    either |= word_mask(health_frame, "tumor")
    assert np.flatnonzero(wl.matrix()[:, 0] != -1).tolist() == loaded.tolist()
    assert loaded.tolist() == np.flatnonzero(either).tolist()


def test_calling_a_rule_before_apply_raises_rule_not_applied():
    with pytest.raises(RuleNotAppliedError, match="apply"):
        Rule("flu", "cnnhealth")(rb.TextClassificationRecord(text="flu season", id=1))


def test_rule_metrics_match_a_pandas_reference(health, health_frame):
    annotated = health_frame.annotation.notna().to_numpy()
    covered = word_mask(health_frame, "cancer")
    right = covered & annotated & (health_frame.annotation == "cnnhealth").to_numpy()
    metrics = Rule("cancer", "cnnhealth").metrics(health)
    assert set(metrics) == {"coverage", "annotated_coverage", "correct", "incorrect", "precision"}
    assert metrics["coverage"] == pytest.approx(covered.mean())
    assert metrics["annotated_coverage"] == pytest.approx(
        (covered & annotated).sum() / annotated.sum()
    )
    assert metrics["correct"] == right.sum() > 0
    assert metrics["incorrect"] == (covered & annotated).sum() - right.sum() > 0
    assert metrics["precision"] == pytest.approx(right.sum() / (covered & annotated).sum())


def test_rule_metrics_for_the_widget_add_totals_and_read_no_record(
    health, health_frame, monkeypatch
):
    rb.load(health, limit=1)  # open the dataset first; then forbid reading rows

    def no_rows(*args, **kwargs):
        raise AssertionError("rule_metrics read records")

    monkeypatch.setattr(LiveRows, "rows", no_rows)
    monkeypatch.setattr(LiveRows, "table", no_rows)
    monkeypatch.setattr(LiveRows, "column", no_rows)
    started = time.perf_counter()
    metrics = rule_metrics(health, "diet OR recipe", "goodhealth")
    elapsed = time.perf_counter() - started
    covered = word_mask(health_frame, "diet") | word_mask(health_frame, "recipe")
    assert metrics["total"] == len(health_frame)
    assert metrics["annotated"] == health_frame.annotation.notna().sum()
    assert metrics["coverage"] == pytest.approx(covered.mean())
    assert elapsed < 0.5


def test_rule_metrics_with_several_labels_average_the_label_precisions(health, health_frame):
    annotation = health_frame.annotation.to_numpy()
    covered = word_mask(health_frame, "study") & pd.notna(annotation)
    reuters = (covered & (annotation == "reuters_health")).sum()
    cnn = (covered & (annotation == "cnnhealth")).sum()
    metrics = rule_metrics(health, "study", ["reuters_health", "cnnhealth"])
    assert metrics["correct"] == reuters + cnn
    assert metrics["incorrect"] == 2 * covered.sum() - reuters - cnn
    assert metrics["precision"] == pytest.approx((reuters + cnn) / covered.sum() / 2)


def test_rule_metrics_without_annotations_are_none(health_frame):
    rb.log(health_frame[["id", "text"]].iloc[:500], "plain", verbose=False)
    metrics = rule_metrics("plain", "health", "bbchealth")
    assert metrics["coverage"] == pytest.approx(word_mask(health_frame.iloc[:500], "health").mean())
    assert metrics["annotated_coverage"] is None
    assert (metrics["correct"], metrics["incorrect"], metrics["precision"]) == (None, None, None)


def test_a_rule_whose_query_does_not_parse_is_refused_when_made():
    with pytest.raises(rb.QuerySyntaxError, match=r"\^"):
        Rule("cancer AND (tumour", "cnnhealth")
    with pytest.raises(ValueError, match="empty"):
        Rule("  ", "cnnhealth")
    with pytest.raises(TypeError, match="label"):
        Rule("cancer", 3)
    with pytest.raises(ValueError, match="repeat"):
        Rule("cancer", ["a", "a"])


def test_a_lowercase_or_in_a_rule_query_warns_when_the_rule_is_made():
    with pytest.warns(UserWarning, match="'or' at position 7 is searched as a word.*write 'OR'"):
        Rule("cancer or tumour", "cnnhealth")


# -- storage --------------------------------------------------------------------------
def test_rules_persist_and_a_new_process_builds_the_same_weak_labels(health, workspace):
    add_rules(
        health,
        [Rule("ebola", "bbchealth", name="ebola rule", author="ana"), Rule("diet", "goodhealth")],
    )
    assert (workspace / health / "rules.json").exists()
    here = WeakLabels(health)
    script = textwrap.dedent(
        f"""
        import json
        from rubrix_widgets.labeling.text_classification import WeakLabels, load_rules
        wl = WeakLabels({health!r})
        print(json.dumps({{
            "rules": [[r.query, r.label, r.name, r.author] for r in load_rules({health!r})],
            "votes": (wl.matrix() != -1).sum(0).tolist(),
            "label2int": {{str(k): v for k, v in wl.label2int.items()}},
        }}))
        """
    )
    env = {**os.environ, "RUBRIX_WIDGETS_HOME": str(workspace)}
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    found = json.loads(out.stdout)
    assert found["rules"] == [
        ["ebola", "bbchealth", "ebola rule", "ana"],
        ["diet", "goodhealth", "diet", "rubrix"],
    ]
    assert found["votes"] == (here.matrix() != -1).sum(0).tolist()
    assert found["label2int"] == {str(k): v for k, v in here.label2int.items()}


def test_adding_the_same_query_and_label_twice_keeps_one_rule(health):
    add_rules(health, [Rule("ebola", "bbchealth")])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        add_rules(health, [Rule("ebola", "bbchealth"), Rule(" ebola ", "bbchealth")])
    assert [(r.query, r.label) for r in load_rules(health)] == [("ebola", "bbchealth")]


def test_adding_a_stored_query_with_another_label_warns_and_keeps_the_stored_rule(health):
    add_rules(health, [Rule("ebola", "bbchealth")])
    with pytest.warns(UserWarning, match="update_rules"):
        add_rules(health, [Rule("ebola", "cnnhealth"), Rule("nhs", "bbchealth")])
    assert [(r.query, r.label) for r in load_rules(health)] == [
        ("ebola", "bbchealth"),
        ("nhs", "bbchealth"),
    ]


def test_update_rules_changes_labels_and_delete_rules_removes_by_query(health):
    add_rules(health, [Rule("ebola", "bbchealth"), Rule("nhs", "bbchealth")])
    update_rules(
        health, [Rule("ebola", "cnnhealth", name="outbreaks"), Rule("fda", "reuters_health")]
    )
    stored = {(r.query, r.label, r.name) for r in load_rules(health)}
    assert stored == {
        ("ebola", "cnnhealth", "outbreaks"),
        ("nhs", "bbchealth", "nhs"),
        ("fda", "reuters_health", "fda"),
    }
    with pytest.warns(UserWarning, match="kaiser"):
        delete_rules(health, [Rule("nhs", "whatever"), Rule("kaiser", "KaiserHealthNews")])
    assert sorted(r.query for r in load_rules(health)) == ["ebola", "fda"]


def test_a_query_the_dataset_cannot_run_is_refused_and_nothing_is_stored(health, workspace):
    add_rules(health, [Rule("ebola", "bbchealth")])
    before = (workspace / health / "rules.json").read_bytes()
    with pytest.raises(rb.QuerySyntaxError, match="nosuchfield"):
        add_rules(health, [Rule("nhs", "bbchealth"), Rule("nosuchfield:flu", "cnnhealth")])
    assert (workspace / health / "rules.json").read_bytes() == before


def test_a_label_outside_the_label_schema_is_refused_naming_the_allowed_labels(rotten_tomatoes):
    texts = rotten_tomatoes.text.dropna().astype(str)
    frame = pd.DataFrame({"text": texts[texts.str.strip() != ""].iloc[:2000]})
    rb.log(frame, "reviews", verbose=False)
    rb.configure_dataset(
        "reviews", rb.TextClassificationSettings(label_schema=["fresh", "rotten", "plot"])
    )
    with pytest.raises(ValueError, match=r"'good' is not in the label schema.*fresh, rotten, plot"):
        add_rules("reviews", [Rule("great OR brilliant", "fresh"), Rule("masterpiece", "good")])
    assert load_rules("reviews") == []
    add_rules("reviews", [Rule("great OR brilliant", "fresh")])
    wl = WeakLabels("reviews")
    assert wl.labels == ["fresh"]  # as in Rubrix: the labels found, not the whole schema


def test_rules_follow_rb_copy_and_go_with_rb_delete(health):
    add_rules(health, [Rule("ebola", "bbchealth")])
    rb.copy(health, "health-copy")
    assert [r.query for r in load_rules("health-copy")] == ["ebola"]
    rb.delete(health)
    rb.log(pd.DataFrame({"text": ["a new dataset under the old name"]}), health, verbose=False)
    assert load_rules(health) == []
    assert [r.query for r in load_rules("health-copy")] == ["ebola"]


def test_a_failed_write_leaves_the_stored_rules_intact(health, workspace, monkeypatch):
    add_rules(health, [Rule("ebola", "bbchealth")])
    before = (workspace / health / "rules.json").read_bytes()

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(rb.StorageError, match="disk is full"):
        add_rules(health, [Rule("nhs", "bbchealth")])
    monkeypatch.undo()
    assert (workspace / health / "rules.json").read_bytes() == before
    assert [p.name for p in (workspace / health).iterdir() if is_temp(p.name)] == []


def test_a_damaged_rules_file_is_reported_and_never_overwritten(health, workspace):
    path = workspace / health / "rules.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(rb.StorageError, match="rules.json"):
        load_rules(health)
    with pytest.raises(rb.StorageError, match="rules.json"):
        add_rules(health, [Rule("ebola", "bbchealth")])
    assert path.read_text(encoding="utf-8") == "{not json"


def test_two_processes_adding_rules_at_once_lose_none(health, workspace):
    script = textwrap.dedent(
        """
        import sys
        from rubrix_widgets.labeling.text_classification import Rule, add_rules
        for k in range(12):
            add_rules("health", [Rule(f"{sys.argv[1]}{k}", "bbchealth")])
        """
    )
    env = {**os.environ, "RUBRIX_WIDGETS_HOME": str(workspace)}
    workers = [
        subprocess.Popen([sys.executable, "-c", script, prefix], env=env) for prefix in ("a", "b")
    ]
    assert [w.wait(timeout=120) for w in workers] == [0, 0]
    assert sorted(r.query for r in load_rules(health)) == sorted(
        f"{p}{k}" for p in "ab" for k in range(12)
    )


# -- weak labels -------------------------------------------------------------------------
def test_weak_labels_of_ten_rules_on_63k_tweets_match_numpy_and_build_fast(health, health_frame):
    WeakLabels(health, rules=[Rule("warm", "bbchealth")])  # open the dataset (memory maps)
    started = time.perf_counter()
    wl = WeakLabels(health, rules=word_rules())
    elapsed = time.perf_counter() - started
    labels = labels_in_order_of_appearance(health_frame, WORD_RULES)
    assert labels != sorted(labels)  # so the order is really tested
    assert wl.labels == labels
    assert wl.label2int == {None: -1, **{label: i for i, label in enumerate(labels)}}
    assert wl.int2label == {v: k for k, v in wl.label2int.items()}
    assert wl.cardinality == len(labels)
    assert [r.query for r in wl.rules] == list(WORD_RULES)
    assert wl.matrix().dtype == np.int16
    assert np.array_equal(wl.matrix(), reference_matrix(health_frame, WORD_RULES, wl.label2int))
    assert elapsed < 1.0, f"WeakLabels took {elapsed:.3f} s"


def test_annotations_come_from_the_stored_annotation_column(health, health_frame):
    wl = WeakLabels(health, rules=word_rules())
    stored = health_frame.annotation.to_numpy()
    expected = np.array([-1 if pd.isna(a) else wl.label2int[a] for a in stored])
    assert np.array_equal(wl.annotation(include_missing=True), expected)
    assert np.array_equal(wl.annotation(), expected[expected != -1])
    assert np.array_equal(wl.matrix(has_annotation=True), wl.matrix()[expected != -1])
    assert np.array_equal(wl.matrix(has_annotation=False), wl.matrix()[expected == -1])


def test_summary_matches_a_pandas_reference(health, health_frame):
    wl = WeakLabels(health, rules=word_rules())
    summary = wl.summary()
    matrix = reference_matrix(health_frame, WORD_RULES, wl.label2int)
    has = matrix != -1
    truth = np.array([-1 if pd.isna(a) else wl.label2int[a] for a in health_frame.annotation])
    annotated = truth != -1
    n_votes = has.sum(1)
    conflicted = np.array([len(set(row[row != -1])) > 1 for row in matrix])
    assert 0 < conflicted.sum() < (n_votes > 1).sum()  # overlaps that agree, and some that don't
    assert list(summary.index) == [*WORD_RULES, "total"]
    assert list(summary.columns) == [
        "label", "coverage", "annotated_coverage", "overlaps", "conflicts", "correct", "incorrect", "precision"
    ]  # fmt: skip
    for j, (word, label) in enumerate(WORD_RULES.items()):
        row = summary.loc[word]
        right = (has[:, j] & (matrix[:, j] == truth)).sum()
        wrong = (has[:, j] & annotated & (matrix[:, j] != truth)).sum()
        assert row["label"] == {label}
        assert row["coverage"] == pytest.approx(has[:, j].mean())
        assert row["annotated_coverage"] == pytest.approx(has[annotated, j].mean())
        assert row["overlaps"] == pytest.approx((has[:, j] & (n_votes > 1)).mean())
        assert row["conflicts"] == pytest.approx((has[:, j] & conflicted).mean())
        assert (row["correct"], row["incorrect"]) == (right, wrong)
        assert row["precision"] == pytest.approx(right / (right + wrong))
    total = summary.loc["total"]
    assert total["label"] == set(WORD_RULES.values())
    assert total["coverage"] == pytest.approx((n_votes > 0).mean())
    assert total["conflicts"] == pytest.approx(conflicted.mean())
    assert total["correct"] == summary["correct"].iloc[:-1].sum()
    normalized = wl.summary(normalize_by_coverage=True)
    assert normalized["overlaps"].to_numpy() == pytest.approx(
        (summary["overlaps"] / summary["coverage"]).fillna(0).to_numpy()
    )


def test_summary_without_annotations_has_no_annotation_columns(health_frame):
    rb.log(health_frame[["id", "text"]].iloc[:3000], "plain", verbose=False)
    summary = WeakLabels(
        "plain", rules=[Rule("ebola", "bbchealth"), Rule("nhs", "bbchealth")]
    ).summary()
    assert list(summary.columns) == ["label", "coverage", "overlaps", "conflicts"]


def test_query_and_ids_restrict_the_records_the_rules_label(health, health_frame):
    wl = WeakLabels(health, rules=word_rules(), query="health")
    inside = np.flatnonzero(word_mask(health_frame, "health"))
    assert [r.id for r in wl.records()[:3]] == inside[:3].tolist()
    assert np.array_equal(
        wl.matrix(), reference_matrix(health_frame.iloc[inside], WORD_RULES, wl.label2int)
    )
    picked = [5, 70, 12345, 63000]
    by_ids = WeakLabels(health, rules=word_rules(), ids=picked)
    assert np.array_equal(
        by_ids.matrix(), reference_matrix(health_frame.iloc[picked], WORD_RULES, by_ids.label2int)
    )
    both = WeakLabels(health, rules=word_rules(), ids=picked, query="NOT health")
    assert [r.id for r in both.records()] == [i for i in picked if i not in set(inside)]


def test_python_labeling_functions_mix_with_query_rules(health_frame):
    rb.log(health_frame[["id", "text", "annotation"]].iloc[:2000], "small", verbose=False)

    def mentions_a_link(record):
        return "goodhealth" if "http" in record.text else None

    wl = WeakLabels("small", rules=[Rule("ebola", "bbchealth"), mentions_a_link, lambda r: None])
    assert list(wl.summary().index) == ["ebola", "mentions_a_link", "rule_2", "total"]
    links = health_frame.text.iloc[:2000].str.contains("http").to_numpy()
    assert np.array_equal(wl.matrix()[:, 1] == wl.label2int["goodhealth"], links)
    assert (wl.matrix()[:, 2] == -1).all()

    def scored(record):
        return 0.5

    with pytest.raises(WeakLabelsError, match=r"rule 'scored' returned 0\.5"):
        WeakLabels("small", rules=[scored])


def test_show_records_filters_by_weak_label_and_rule(health, health_frame):
    wl = WeakLabels(health, rules=word_rules())
    shown = wl.show_records(labels=["cnnhealth"], rules=["obesity"])
    expected = word_mask(health_frame, "obesity")  # obesity votes cnnhealth
    assert shown.id.tolist() == np.flatnonzero(expected).tolist()
    # as Rubrix's DataFrame of record.dict()s: the record's fields in their order
    assert list(shown.columns) == [
        *("text", "inputs", "prediction", "prediction_agent", "annotation", "annotation_agent"),
        *("multi_label", "explanation", "id", "metadata", "status", "event_timestamp"),
    ]
    with pytest.raises(ValueError, match="no rule named 'sugar'"):
        wl.show_records(rules=["sugar"])


def test_change_mapping_recodes_matrix_and_annotation(health):
    wl = WeakLabels(health, rules=word_rules())
    before_matrix, before_annotation = (
        wl.matrix().copy(),
        wl.annotation(include_missing=True).copy(),
    )
    mapping = {None: 100, **{label: 10 * (i + 1) for i, label in enumerate(reversed(wl.labels))}}
    old = dict(wl.int2label)
    wl.change_mapping(mapping)
    assert np.array_equal(wl.matrix(), np.vectorize(lambda v: mapping[old[v]])(before_matrix))
    assert np.array_equal(
        wl.annotation(include_missing=True),
        np.vectorize(lambda v: mapping[old[v]])(before_annotation),
    )
    assert wl.label2int == mapping


def test_weak_labels_errors_name_the_problem(health, health_frame, ner_sentences):
    with pytest.raises(NoRulesFoundError, match="add_rules"):
        WeakLabels(health)
    with pytest.raises(DuplicatedRuleNameError, match="flu"):
        WeakLabels(health, rules=[Rule("flu", "bbchealth"), Rule("ebola", "bbchealth", name="flu")])
    with pytest.raises(NoRecordsFoundError, match="zzzqqq"):
        WeakLabels(health, rules=word_rules(), query="zzzqqq")
    with pytest.raises(MissingLabelError, match="None"):
        WeakLabels(health, rules=word_rules(), label2int={"bbchealth": 0})
    with pytest.raises(MissingLabelError, match="cnnhealth"):
        WeakLabels(health, rules=word_rules(), label2int={None: -1, "bbchealth": 0})
    with pytest.raises(MultiLabelError, match="WeakMultiLabels"):
        WeakLabels(health, rules=[Rule("flu", ["bbchealth", "cnnhealth"])])
    with pytest.raises(TypeError, match="dataset name"):
        WeakLabels(42, rules=word_rules())
    with pytest.raises(TypeError, match="Rule"):
        WeakLabels(health, rules=["ebola"])
    with pytest.raises(rb.NotFoundError, match="nope"):
        WeakLabels("nope", rules=word_rules())
    tokens = [t for t, _ in ner_sentences[0]]
    rb.log(rb.TokenClassificationRecord(text=" ".join(tokens), tokens=tokens), "ner")
    with pytest.raises(ValueError, match="TokenClassification"):
        WeakLabels("ner", rules=word_rules())


# -- label models ------------------------------------------------------------------------
def reference_votes(matrix: np.ndarray, labels: list[str], label2int: dict) -> np.ndarray:
    return np.stack([(matrix == label2int[label]).sum(1) for label in labels], axis=1)


def reference_winners(wl: WeakLabels, frame: pd.DataFrame) -> dict[int, tuple[str, float]]:
    """Unannotated record id -> (label with the most votes, its share), where one label wins."""
    counts = reference_votes(wl.matrix(), wl.labels, wl.label2int)
    top = counts.max(1)
    clear = (top > 0) & ((counts == top[:, None]).sum(1) == 1) & frame.annotation.isna().to_numpy()
    return {
        int(i): (wl.labels[counts[i].argmax()], counts[i].max() / counts[i].sum())
        for i in np.flatnonzero(clear)
    }


def test_majority_vote_predicts_the_most_voted_label_of_unannotated_records(health, health_frame):
    wl = WeakLabels(health, rules=word_rules())
    expected = reference_winners(wl, health_frame)
    dataset = MajorityVoter(wl).predict(prediction_agent="votes")
    assert isinstance(dataset, rb.DatasetForTextClassification)
    assert [r.id for r in dataset] == sorted(expected)
    for record in dataset:
        label, share = expected[record.id]
        assert record.prediction[0] == (label, pytest.approx(share))
        assert record.prediction_agent == "votes"
    assert [r.text for r in dataset] == health_frame.text[sorted(expected)].tolist()


def rubrix_random_tie_break(matrix, labels, label2int) -> list[list[tuple[str, float]]]:
    """Reference, record by record, of Rubrix 0.18's majority vote with ties broken "random":
    vote shares (no vote: 1 / labels each); on a tie among k labels, record i's pick is
    int(sha1(str(i)).hexdigest(), 16) % k, the tied label whose *column* equals the pick gains
    0.0001 and the other tied ones lose 0.0001 / (k - 1); the prediction lists the labels by
    decreasing probability, equal ones from the last column to the first."""
    out = []
    for i, row in enumerate(matrix):
        counts = np.array([(row == label2int[label]).sum() for label in labels], dtype=float)
        probs = counts / counts.sum() if counts.sum() else np.full(len(labels), 1 / len(labels))
        tied = [k for k in range(len(labels)) if abs(probs.max() - probs[k]) < 1e-8]
        if len(tied) > 1:
            pick = int(hashlib.sha1(str(i).encode()).hexdigest(), 16) % len(tied)
            for k in tied:
                probs[k] += 0.0001 if k == pick else -0.0001 / (len(tied) - 1)
        order = sorted(range(len(labels)), key=lambda k: (-probs[k], -k))
        out.append([(labels[k], float(probs[k])) for k in order])
    return out


def test_majority_vote_ties_abstain_or_break_exactly_as_rubrix_does(health, health_frame):
    rules = [Rule("ebola", "bbchealth"), Rule("vaccine", "cnnhealth")]
    wl = WeakLabels(health, rules=rules, query="ebola OR vaccine OR flu")
    ebola, vaccine = word_mask(health_frame, "ebola"), word_mask(health_frame, "vaccine")
    unannotated = health_frame.annotation.isna().to_numpy()
    tied = np.flatnonzero(ebola & vaccine & unannotated)
    no_vote = np.flatnonzero(word_mask(health_frame, "flu") & ~ebola & ~vaccine & unannotated)
    clear = np.flatnonzero((ebola ^ vaccine) & unannotated)
    assert len(tied) > 3 and len(no_vote) > 100
    mv = MajorityVoter(wl)
    assert [r.id for r in mv.predict()] == clear.tolist()
    kept = {r.id: r.prediction for r in mv.predict(include_abstentions=True)}
    assert sorted(kept) == sorted([*clear, *tied, *no_vote])
    assert all(kept[i] is None for i in [*tied, *no_vote])  # no vote at all is a tie too
    first = mv.predict(tie_break_policy="random")
    expected = rubrix_random_tie_break(wl.matrix(has_annotation=False), wl.labels, wl.label2int)
    assert [r.prediction for r in first] == expected
    assert [r.id for r in first] == [r.id for r in wl.records(has_annotation=False)]
    assert [r.prediction for r in mv.predict(tie_break_policy="random")] == expected
    by_id = {r.id: r.prediction for r in first}
    assert len({by_id[i][0][0] for i in no_vote}) > 2  # any label, for records no rule voted
    with pytest.raises(ValueError, match="'abstain', 'random'"):
        mv.predict(tie_break_policy="coin")
    with pytest.raises(NotImplementedError, match="true-random"):
        mv.predict(tie_break_policy="true-random")


def test_majority_voter_score_matches_a_reference_accuracy(health, health_frame):
    wl = WeakLabels(health, rules=word_rules())
    counts = reference_votes(wl.matrix(), wl.labels, wl.label2int)
    top = counts.max(1)
    clear = (top > 0) & ((counts == top[:, None]).sum(1) == 1)
    annotated = health_frame.annotation.notna().to_numpy()
    guess = np.array(wl.labels, dtype=object)[counts.argmax(1)]
    rows = clear & annotated
    accuracy = (guess[rows] == health_frame.annotation.to_numpy()[rows]).mean()
    report = MajorityVoter(wl).score()
    assert report["accuracy"] == pytest.approx(accuracy)
    assert report["macro avg"]["support"] == rows.sum()
    assert "precision" in MajorityVoter(wl).score(output_str=True)
    with pytest.raises(NotImplementedError, match="fit"):
        MajorityVoter(wl).fit()


def test_score_without_annotations_raises_missing_annotation(health_frame):
    rb.log(health_frame[["id", "text"]].iloc[:1000], "plain", verbose=False)
    with pytest.raises(MissingAnnotationError, match="annotated"):
        MajorityVoter(WeakLabels("plain", rules=word_rules())).score()


# -- writing weak labels back --------------------------------------------------------------
def test_log_as_prediction_round_trips_through_rb_load(health, health_frame):
    wl = WeakLabels(health, rules=word_rules())
    expected = reference_winners(wl, health_frame)
    response = MajorityVoter(wl).log_as("prediction")
    assert response.processed == len(expected)
    loaded = rb.load(health, query="predicted_by:MajorityVoter")
    assert loaded.id.tolist() == sorted(expected)
    for row in loaded.itertuples():
        assert row.prediction[0] == (expected[row.id][0], pytest.approx(expected[row.id][1]))
        assert len(row.prediction) == wl.cardinality
        assert sum(score for _, score in row.prediction) == pytest.approx(1.0)
    assert loaded.text.tolist() == health_frame.text[loaded.id].tolist()
    assert loaded.annotation.isna().all()
    untouched = rb.load(health, query="NOT predicted_by:MajorityVoter")
    assert len(untouched) == len(health_frame) - len(expected)
    assert untouched.prediction.isna().all()


def test_log_as_annotation_stores_labels_and_leaves_human_annotations_alone(health, health_frame):
    wl = WeakLabels(health, rules=word_rules())
    votes = {i: label for i, (label, _) in reference_winners(wl, health_frame).items()}
    MajorityVoter(wl).log_as("annotation", agent="weak-rules")
    weak = rb.load(health, query="annotated_by:weak-rules")
    assert dict(zip(weak.id, weak.annotation, strict=True)) == votes
    assert set(weak.status) == {"Validated"}
    human = rb.load(health, ids=list(range(0, len(health_frame), ANNOTATE_EVERY))[:500])
    assert (
        human.annotation.tolist()
        == health_frame.annotation.iloc[: 500 * ANNOTATE_EVERY : ANNOTATE_EVERY].tolist()
    )
    with pytest.raises(ValueError, match="'prediction' or 'annotation'"):
        MajorityVoter(wl).log_as("label")


def test_log_as_into_another_dataset_copies_the_records_with_their_labels(health):
    mv = MajorityVoter(WeakLabels(health, rules=word_rules()))
    response = mv.log_as("annotation", name="health-weak")
    copied = rb.load("health-weak")
    assert len(copied) == response.processed > 1000
    assert copied.annotation_agent.unique().tolist() == ["MajorityVoter"]
    assert rb.load(health, query="annotated_by:MajorityVoter").empty


def test_log_as_keeps_a_change_made_after_the_weak_labels_were_computed(health, health_frame):
    wl = WeakLabels(health, rules=word_rules())
    one_vote = ((wl.matrix() != -1).sum(1) == 1) & health_frame.annotation.isna().to_numpy()
    target = int(np.flatnonzero(one_vote)[0])
    edited = rb.load(health, ids=[target])
    edited["metadata"] = [{"checked": True}]
    rb.log(edited, health, verbose=False)
    MajorityVoter(wl).log_as("prediction")
    after = rb.load(health, ids=[target])
    assert after.metadata[0] == {"checked": True}
    assert after.prediction_agent[0] == "MajorityVoter"


# -- Snorkel ----------------------------------------------------------------------------
def test_snorkel_without_the_package_says_how_to_install_it(health, monkeypatch):
    monkeypatch.setitem(sys.modules, "snorkel", None)
    wl = WeakLabels(health, rules=word_rules())
    with pytest.raises(ImportError, match="pip install snorkel"):
        Snorkel(wl)


class FakeSnorkelLabelModel:
    """Stands in for snorkel.labeling.model.LabelModel: a vote share per label."""

    def __init__(self, cardinality, verbose=True, device="cpu"):
        self.cardinality, self.fitted_on = cardinality, None

    def fit(self, L_train, **kwargs):
        self.fitted_on = L_train

    def predict(self, L, return_probs=False, tie_break_policy="abstain"):
        counts = np.stack([np.equal(L, k).sum(1) for k in range(self.cardinality)], axis=1)
        with np.errstate(invalid="ignore"):
            probs = np.nan_to_num(counts / counts.sum(1, keepdims=True), nan=1 / self.cardinality)
        tie = (probs == probs.max(1, keepdims=True)).sum(1) > 1
        return np.where(tie, -1, probs.argmax(1)), probs


@pytest.fixture
def fake_snorkel(monkeypatch):
    model_module = types.ModuleType("snorkel.labeling.model")
    model_module.LabelModel = FakeSnorkelLabelModel
    monkeypatch.setitem(sys.modules, "snorkel", types.ModuleType("snorkel"))
    monkeypatch.setitem(sys.modules, "snorkel.labeling", types.ModuleType("snorkel.labeling"))
    monkeypatch.setitem(sys.modules, "snorkel.labeling.model", model_module)


def test_snorkel_gets_zero_based_label_ints_and_its_predictions_map_back(
    health, health_frame, fake_snorkel
):
    wl = WeakLabels(health, rules=word_rules())
    wl.change_mapping({None: 99, **{label: 10 + 3 * i for i, label in enumerate(wl.labels)}})
    model = Snorkel(wl)
    model.fit()
    fitted = model._model.fitted_on
    unannotated = wl.matrix(has_annotation=False)
    assert set(np.unique(fitted)) <= {-1, *range(wl.cardinality)}
    assert np.array_equal(fitted == -1, unannotated == 99)
    voted = unannotated != 99
    assert [wl.labels[v] for v in fitted[voted][:100]] == [
        wl.int2label[v] for v in unannotated[voted][:100]
    ]
    predicted = model.predict()
    winners = {i: label for i, (label, _) in reference_winners(wl, health_frame).items()}
    assert {r.id: r.prediction[0][0] for r in predicted} == winners
    assert {r.prediction_agent for r in predicted} == {"Snorkel"}
    assert model.score()["accuracy"] == pytest.approx(MajorityVoter(wl).score()["accuracy"])
    with pytest.raises(ValueError, match="L_train"):
        model.fit(L_train=fitted)


# -- multi-label --------------------------------------------------------------------------
@pytest.fixture
def multi(health_frame) -> pd.DataFrame:
    """3,000 tweets as a multi-label dataset: source, plus 'research' for study tweets."""
    frame = health_frame.iloc[:3000].copy()
    study = word_mask(frame, "study") | word_mask(frame, "research")
    annotation = [
        None if i % 5 else [label, *(["research"] if s else [])]
        for i, (label, s) in enumerate(zip(frame.label, study, strict=True))
    ]
    logged = pd.DataFrame({"id": frame.id, "text": frame.text, "multi_label": True})
    logged["annotation"] = pd.Series(annotation, dtype=object, index=frame.index)
    rb.log(logged, "multi", verbose=False)
    frame["annotation"] = annotation
    return frame


MULTI_RULES = {
    "study OR research": ["research"],
    "cancer": ["cnnhealth", "research"],
    "diet": ["goodhealth"],
}


def test_weak_multi_labels_matrix_marks_every_label_a_rule_gives(multi):
    wl = WeakMultiLabels("multi", rules=[Rule(q, labels) for q, labels in MULTI_RULES.items()])
    labels = sorted(
        {"research", "cnnhealth", "goodhealth"}
        | {a for anns in multi.annotation.dropna() for a in anns}
    )
    assert wl.labels == labels and wl.cardinality == len(labels)
    matrix = wl.matrix()
    assert matrix.shape == (3000, 3, len(labels))
    masks = [
        word_mask(multi, "study") | word_mask(multi, "research"),
        word_mask(multi, "cancer"),
        word_mask(multi, "diet"),
    ]
    for j, (mask, rule_labels) in enumerate(zip(masks, MULTI_RULES.values(), strict=True)):
        expected = np.full((3000, len(labels)), -1)
        expected[mask] = 0
        for label in rule_labels:
            expected[mask, labels.index(label)] = 1
        assert np.array_equal(matrix[:, j, :], expected)
    annotation = wl.annotation(include_missing=True)
    for i in (0, 5, 1):
        anns = multi.annotation.iloc[i]
        assert annotation[i].tolist() == (
            [-1] * len(labels) if anns is None else [int(lb in anns) for lb in labels]
        )
    summary = wl.summary()
    research = masks[0]
    annotated = multi.annotation.notna().to_numpy()
    right = sum(
        "research" in multi.annotation.iloc[i] for i in np.flatnonzero(research & annotated)
    )
    assert summary.loc["study OR research", "coverage"] == pytest.approx(research.mean())
    assert summary.loc["study OR research", "correct"] == right
    assert summary.loc["study OR research", "incorrect"] == (research & annotated).sum() - right


def test_multi_label_majority_vote_predicts_every_voted_label(multi):
    wl = WeakMultiLabels("multi", rules=[Rule(q, labels) for q, labels in MULTI_RULES.items()])
    with pytest.raises(MultiLabelError, match="WeakMultiLabels"):
        WeakLabels("multi", rules=[Rule("cancer", "cnnhealth")])
    dataset = MajorityVoter(wl).predict()
    cancer_and_diet = np.flatnonzero(
        word_mask(multi, "cancer") & word_mask(multi, "diet") & multi.annotation.isna().to_numpy()
    )
    by_id = {r.id: r for r in dataset}
    for i in cancer_and_diet:
        chosen = {label for label, score in by_id[i].prediction if score == 1.0}
        assert chosen == {"cnnhealth", "research", "goodhealth"}
    voted = np.zeros(3000, bool)
    for mask in [
        word_mask(multi, "study") | word_mask(multi, "research"),
        word_mask(multi, "cancer"),
        word_mask(multi, "diet"),
    ]:
        voted |= mask
    assert sorted(by_id) == np.flatnonzero(voted & multi.annotation.isna().to_numpy()).tolist()
    MajorityVoter(wl).log_as("annotation", agent="multi-rules")
    stored = rb.load("multi", query="annotated_by:multi-rules")
    assert {i: sorted(a) for i, a in zip(stored.id, stored.annotation, strict=True)} == {
        i: sorted(label for label, s in r.prediction if s == 1.0) for i, r in by_id.items()
    }


def test_snorkel_refuses_multi_label_weak_labels(multi, fake_snorkel):
    wl = WeakMultiLabels("multi", rules=[Rule(q, labels) for q, labels in MULTI_RULES.items()])
    with pytest.raises(MultiLabelError, match="MajorityVoter"):
        Snorkel(wl)
