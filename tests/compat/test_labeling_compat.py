"""Rubrix 0.18 fidelity of ``rb.labeling``: code written for Rubrix gets Rubrix's numbers.

The references here redo, record by record and in plain Python, what Rubrix 0.18's client
did (its label numbering, its majority vote and tie breaks, its extension of the matrix),
on real health-news tweets; the library computes the same column-wise.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import rubrix_widgets as rb
from rubrix_widgets.labeling.text_classification import (
    LabelModel,
    LabelModelError,
    MajorityVoter,
    MissingAnnotationError,
    Rule,
    WeakLabels,
    WeakMultiLabels,
)
from rubrix_widgets.labeling.text_classification.weak_labels import WeakLabelsBase

NAME = "tweets"
WORDS = {  # query -> label; sources that use these words, in no particular order
    "study": "reuters_health",
    "cancer": "cnnhealth",
    "ebola": "bbchealth",
    "diet": "goodhealth",
    "medicaid": "KaiserHealthNews",
    "nhs": "bbchealth",
}


@dataclasses.dataclass
class Logged:
    frame: pd.DataFrame  # what was logged, in rb.load order


@pytest.fixture
def tweets(health_tweets) -> Logged:
    """2,000 real tweets from all the sources (the file is sorted by source), every 5th
    annotated with its source."""
    head = health_tweets.sample(2000, random_state=0)
    frame = pd.DataFrame({"id": np.arange(len(head)), "text": head.text.astype(str).to_numpy()})
    frame["annotation"] = [label if i % 5 == 0 else None for i, label in enumerate(head.label)]
    rb.log(frame, NAME, verbose=False)
    return Logged(frame)


def word_rules() -> list[Rule]:
    return [Rule(query, label) for query, label in WORDS.items()]


def mentions_a_link(record):
    return "goodhealth" if "http" in record.text else None


def rubrix_pass(records, rules, dataset=NAME):
    """Reference: Rubrix's record-by-record pass. In each record, the annotation, then each
    rule's vote; a label gets the next int when it is first met. Returns label2int, the
    matrix and the annotation array."""
    for rule in rules:
        if isinstance(rule, Rule):
            rule.apply(dataset)
    label2int = {None: -1}
    matrix = np.empty((len(records), len(rules)), dtype=np.int16)
    annotation = np.empty(len(records), dtype=np.int16)
    for n, record in enumerate(records):
        annotation[n] = label2int.setdefault(record.annotation, len(label2int) - 1)
        for m, rule in enumerate(rules):
            vote = rule(record)
            vote = vote[0] if isinstance(vote, list) else vote
            matrix[n, m] = label2int.setdefault(vote, len(label2int) - 1)
    return label2int, matrix, annotation


def sha1_pick(i: int, k: int) -> int:
    return int(hashlib.sha1(f"{i}".encode()).hexdigest(), 16) % k


def shares(row, labels, label2int) -> np.ndarray:
    counts = np.array([(row == label2int[label]).sum() for label in labels], dtype=float)
    return counts / counts.sum() if counts.sum() else np.full(len(labels), 1 / len(labels))


def rubrix_predictions(matrix, labels, label2int, policy, include_abstentions):
    """Reference of Rubrix's MajorityVoter predictions, record by record: the row index of
    each kept record and its prediction list (None when it abstains)."""
    out = []
    for i, row in enumerate(matrix):
        probs = shares(row, labels, label2int)
        tied = [k for k in range(len(labels)) if abs(probs.max() - probs[k]) < 1e-8]
        if len(tied) > 1 and policy == "abstain":
            if include_abstentions:
                out.append((i, None))
            continue
        if len(tied) > 1:  # "random": the pick is compared with label columns
            pick = sha1_pick(i, len(tied))
            for k in tied:
                probs[k] += 0.0001 if k == pick else -0.0001 / (len(tied) - 1)
        order = sorted(range(len(labels)), key=lambda k: (-probs[k], -k))
        out.append((i, [(labels[k], float(probs[k])) for k in order]))
    return out


# -- label numbering ----------------------------------------------------------------------
def test_weak_labels_number_labels_in_order_of_first_appearance(tweets):
    rules = [*word_rules(), mentions_a_link]
    wl = WeakLabels(NAME, rules=rules)
    label2int, matrix, annotation = rubrix_pass(rb.load(NAME).records, rules)
    assert wl.labels != sorted(wl.labels)  # so the order is really checked
    assert wl.label2int == label2int
    assert list(wl.label2int) == list(label2int)
    assert wl.int2label == {v: k for k, v in label2int.items()}
    assert wl.cardinality == len(label2int) - 1
    assert np.array_equal(wl.matrix(), matrix)
    assert np.array_equal(wl.annotation(include_missing=True), annotation)
    assert np.array_equal(wl.annotation(), annotation[annotation != -1])


def test_a_label_a_rule_gives_early_is_numbered_before_later_annotations(tweets):
    annotated = tweets.frame.annotation.dropna()
    by_annotations = list(dict.fromkeys(annotated))  # numbering from annotations alone
    late = by_annotations[-1]
    word = re.findall(r"[a-z]{5,}", tweets.frame.text[1].lower())[0]
    rules = [Rule(word, late), *word_rules()]
    wl = WeakLabels(NAME, rules=rules)
    label2int, matrix, _ = rubrix_pass(rb.load(NAME).records, rules)
    assert wl.label2int == label2int and np.array_equal(wl.matrix(), matrix)
    assert wl.labels.index(late) < by_annotations.index(late)


def test_weak_labels_ignore_the_label_schema_and_rules_that_never_vote(tweets):
    sources = sorted(set(tweets.frame.annotation.dropna()) | set(WORDS.values()) | {"unused"})
    rb.configure_dataset(NAME, rb.TextClassificationSettings(label_schema=sources))
    rules = [*word_rules(), Rule("xyzzyqwerty", "unused")]
    wl = WeakLabels(NAME, rules=rules)
    label2int, matrix, _ = rubrix_pass(rb.load(NAME).records, rules)
    assert "unused" not in wl.labels
    assert wl.label2int == label2int
    assert np.array_equal(wl.matrix(), matrix)
    assert wl.summary().loc["xyzzyqwerty", "label"] == set()


def test_query_and_ids_number_the_labels_of_the_records_they_keep(tweets):
    rules = word_rules()
    wl = WeakLabels(NAME, rules=rules, query="cancer OR study")
    kept = rb.load(NAME, query="cancer OR study")
    label2int, matrix, _ = rubrix_pass(kept.records, rules)
    assert wl.label2int == label2int and np.array_equal(wl.matrix(), matrix)
    ids = [1999, 7, 10, 1500, 15]
    by_ids = WeakLabels(NAME, rules=rules, ids=ids)
    label2int, matrix, _ = rubrix_pass(rb.load(NAME, ids=ids).records, rules)
    assert by_ids.label2int == label2int and np.array_equal(by_ids.matrix(), matrix)


def test_summary_rows_follow_the_rules_and_columns_follow_rubrix(tweets):
    rules = [*word_rules(), mentions_a_link, lambda record: None]
    summary = WeakLabels(NAME, rules=rules).summary()
    assert list(summary.index) == [*WORDS, "mentions_a_link", "rule_7", "total"]
    assert list(summary.columns) == [
        *("label", "coverage", "annotated_coverage", "overlaps", "conflicts"),
        *("correct", "incorrect", "precision"),
    ]
    assert summary.loc["total", "label"] == set().union(*summary.label.iloc[:-1])


def test_weak_multi_labels_sort_their_labels_and_ignore_the_schema(health_tweets):
    head = health_tweets.iloc[:1500]
    annotation = [
        None if i % 4 else [label, *(["research"] if "study" in text.lower() else [])]
        for i, (label, text) in enumerate(zip(head.label, head.text.astype(str), strict=True))
    ]
    found = {a for anns in annotation if anns for a in anns}
    schema = sorted(found | {"research", "zzz-never", "aaa-never"})
    rb.configure_dataset("multi", rb.TextClassificationSettings(label_schema=schema))
    frame = pd.DataFrame({"id": np.arange(1500), "text": head.text.astype(str).to_numpy()})
    frame["annotation"] = pd.Series(annotation, dtype=object)
    frame["multi_label"] = True
    rb.log(frame, "multi", verbose=False)
    rules = [Rule("cancer", ["cnnhealth", "research"]), Rule("diet", "goodhealth")]
    wl = WeakMultiLabels("multi", rules=rules)
    assert wl.labels == sorted(found | {"cnnhealth", "research", "goodhealth"})
    assert "zzz-never" not in wl.labels and "aaa-never" not in wl.labels


# -- the majority vote --------------------------------------------------------------------
@pytest.mark.parametrize("include_annotated_records", [False, True])
@pytest.mark.parametrize("include_abstentions", [False, True])
@pytest.mark.parametrize("policy", ["abstain", "random"])
def test_majority_vote_predicts_exactly_what_rubrix_predicts(
    tweets, policy, include_abstentions, include_annotated_records
):
    wl = WeakLabels(NAME, rules=[*word_rules(), mentions_a_link])
    predicted = MajorityVoter(wl).predict(
        include_annotated_records=include_annotated_records,
        include_abstentions=include_abstentions,
        prediction_agent="rules",
        tie_break_policy=policy,
    )
    has_annotation = None if include_annotated_records else False
    records = wl.records(has_annotation=has_annotation)
    expected = rubrix_predictions(
        wl.matrix(has_annotation=has_annotation),
        wl.labels,
        wl.label2int,
        policy,
        include_abstentions,
    )
    assert [r.id for r in predicted] == [records[i].id for i, _ in expected]
    assert [r.prediction for r in predicted] == [p for _, p in expected]
    assert {r.prediction_agent for r in predicted if r.prediction} == {"rules"}
    assert isinstance(predicted, rb.DatasetForTextClassification)


def test_a_random_pick_missing_every_tied_column_leaves_the_last_tied_label_first(tweets):
    wl = WeakLabels(NAME, rules=[*word_rules(), mentions_a_link])
    matrix = wl.matrix(has_annotation=False)
    found = 0
    for i, p in enumerate(MajorityVoter(wl).predict(tie_break_policy="random")):
        probs = shares(matrix[i], wl.labels, wl.label2int)
        tied = [k for k in range(len(probs)) if abs(probs.max() - probs[k]) < 1e-8]
        if 1 < len(tied) < len(probs) and sha1_pick(i, len(tied)) not in tied:
            found += 1
            assert p.prediction[0][0] == wl.labels[max(tied)]
            assert p.prediction[0][1] == p.prediction[1][1]  # all tied labels lost alike
    assert found > 0


def test_true_random_is_not_implemented_when_a_tie_needs_it(tweets):
    clear = WeakLabels(NAME, rules=[Rule("ebola", "bbchealth")], query="ebola")
    predicted = MajorityVoter(clear).predict(tie_break_policy="true-random")
    assert len(predicted) == len(clear.records(has_annotation=False)) > 0
    with pytest.raises(NotImplementedError, match="true-random"):
        MajorityVoter(WeakLabels(NAME, rules=word_rules())).predict(tie_break_policy="true-random")
    with pytest.raises(NotImplementedError, match="true-random"):
        MajorityVoter(WeakLabels(NAME, rules=word_rules())).score(tie_break_policy="true-random")
    with pytest.raises(ValueError, match="'abstain', 'random', 'true-random'"):
        MajorityVoter(clear).predict(tie_break_policy="coin")


@pytest.mark.parametrize("policy", ["abstain", "random"])
def test_majority_voter_score_reports_what_rubrix_reported(tweets, policy):
    from sklearn.metrics import classification_report

    wl = WeakLabels(NAME, rules=[*word_rules(), mentions_a_link])
    truth, guess = [], []
    for i, (row, label) in enumerate(
        zip(wl.matrix(has_annotation=True), wl.annotation(), strict=True)
    ):
        probs = shares(row, wl.labels, wl.label2int)
        tied = [k for k in range(len(probs)) if abs(probs.max() - probs[k]) < 1e-8]
        if len(tied) > 1 and policy == "abstain":
            continue
        guess.append(tied[sha1_pick(i, len(tied))] if len(tied) > 1 else tied[0])
        truth.append(wl.labels.index(wl.int2label[int(label)]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn's zero-division warnings
        expected = classification_report(
            truth, guess, target_names=wl.labels[: max(truth) + 1], output_dict=True
        )
    assert MajorityVoter(wl).score(tie_break_policy=policy) == expected
    assert isinstance(MajorityVoter(wl).score(tie_break_policy=policy, output_str=True), str)


def test_score_has_rows_only_for_labels_found_among_the_scored_records(tweets):
    # record 1 is not annotated: its label never shows among the annotated records scored
    wl = WeakLabels(NAME, rules=[Rule("id:1", "only-record-1"), *word_rules()])
    assert "only-record-1" in wl.labels
    report = MajorityVoter(wl).score()  # ties abstain: nothing picks it among all labels
    assert "only-record-1" not in report
    assert "accuracy" in report  # scikit-learn's micro average is the accuracy here
    assert set(report) - {"accuracy", "macro avg", "weighted avg"} <= set(wl.labels)


def test_predict_gives_an_empty_dataset_when_every_record_is_annotated(tweets):
    wl = WeakLabels(NAME, rules=word_rules(), query="_exists_:annotated_as")
    predicted = MajorityVoter(wl).predict()
    assert isinstance(predicted, rb.DatasetForTextClassification) and len(predicted) == 0
    assert len(MajorityVoter(wl).predict(include_annotated_records=True)) > 0


def test_log_as_annotation_stores_the_first_label_predict_gives(tweets):
    wl = WeakLabels(NAME, rules=[*word_rules(), mentions_a_link])
    voter = MajorityVoter(wl)
    first = {r.id: r.prediction[0][0] for r in voter.predict(tie_break_policy="random")}
    voter.log_as("annotation", agent="voter", tie_break_policy="random")
    stored = rb.load(NAME, query="annotated_by:voter")
    assert dict(zip(stored.id, stored.annotation, strict=True)) == first


def test_with_no_label_anywhere_the_majority_vote_predicts_nothing(health_tweets):
    texts = health_tweets.text.astype(str).iloc[:300]
    rb.log(pd.DataFrame({"id": np.arange(300), "text": texts.to_numpy()}), "plain", verbose=False)
    wl = WeakLabels("plain", rules=[Rule("xyzzyqwerty", "never")])
    assert wl.labels == [] and wl.cardinality == 0
    voter = MajorityVoter(wl)
    assert len(voter.predict(tie_break_policy="random")) == 0
    assert [r.prediction for r in voter.predict(include_abstentions=True)] == [None] * 300
    assert voter.log_as("prediction").processed == 0


def test_multi_label_votes_list_equal_labels_from_the_last_to_the_first(health_tweets):
    frame = pd.DataFrame({"text": health_tweets.text.astype(str).iloc[:800], "multi_label": True})
    frame["id"] = np.arange(len(frame))
    rb.log(frame, "multi", verbose=False)
    wl = WeakMultiLabels("multi", rules=[Rule("cancer", ["cnn", "research"]), Rule("diet", "diet")])
    assert wl.labels == ["cnn", "diet", "research"]
    predicted = MajorityVoter(wl).predict(include_abstentions=True)
    by_id = {r.id: r.prediction for r in predicted}
    cancer = rb.load("multi", query="cancer AND NOT diet").id.tolist()
    assert cancer and all(
        by_id[i] == [("research", 1.0), ("cnn", 1.0), ("diet", 0.0)] for i in cancer
    )
    neither = rb.load("multi", query="NOT cancer AND NOT diet").id.tolist()
    assert all(by_id[i] is None for i in neither)


def test_label_models_keep_rubrix_base_class_and_error_names(tweets):
    base = LabelModel(WeakLabels(NAME, rules=word_rules()))
    for call in (base.fit, base.score, base.predict):
        with pytest.raises(NotImplementedError):
            call()
    assert issubclass(MissingAnnotationError, LabelModelError)
    assert issubclass(WeakLabels, WeakLabelsBase) and issubclass(WeakMultiLabels, WeakLabelsBase)


# -- show_records, change_mapping, extend_matrix ------------------------------------------
def test_show_records_is_a_frame_of_the_record_fields_in_rubrix_order(tweets):
    wl = WeakLabels(NAME, rules=word_rules())
    shown = wl.show_records(labels=["cnnhealth"], rules=["cancer"])
    assert list(shown.columns)[:12] == [
        *("text", "inputs", "prediction", "prediction_agent", "annotation", "annotation_agent"),
        *("multi_label", "explanation", "id", "metadata", "status", "event_timestamp"),
    ]
    assert shown.id.tolist() == rb.load(NAME, query="cancer").id.tolist()
    assert wl.show_records(labels=["cnnhealth"], rules=["ebola"]).empty


def test_change_mapping_recodes_the_extended_matrix_too(tweets):
    wl = WeakLabels(NAME, rules=word_rules())
    wl.extend_matrix([0.5] * len(wl.rules), embeddings=tfidf_vectors(tweets.frame.text))
    labels_before = wl.matrix().copy()
    mapping = {None: -7, **{label: 100 + i for i, label in enumerate(reversed(wl.labels))}}
    decode = {v: k for k, v in wl.label2int.items()}
    wl.change_mapping(mapping)
    assert np.array_equal(wl.matrix(), np.vectorize(lambda v: mapping[decode[v]])(labels_before))


def tfidf_vectors(texts: pd.Series) -> np.ndarray:
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    tfidf = TfidfVectorizer(min_df=2).fit_transform(texts)
    return TruncatedSVD(64, random_state=0).fit_transform(tfidf)


def epoxy_reference(matrix, embeddings, thresholds, abstain=-1, keep_voted=True):
    """Reference of Rubrix's extend_matrix, one abstained record at a time: the vote of the
    most similar (cosine) record the rule voted on, when more similar than the threshold."""
    unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    out = matrix.copy()
    for j in range(matrix.shape[1]):
        voted = np.flatnonzero(matrix[:, j] != abstain)
        for i in np.flatnonzero(matrix[:, j] == abstain):
            similarity = unit[voted] @ unit[i]
            best = int(np.argmax(similarity))
            if similarity[best] > thresholds[j]:
                out[i, j] = matrix[voted[best], j]
    if keep_voted:
        rows = (matrix != abstain).any(1)
        out[rows] = matrix[rows]
    return out


def test_extend_matrix_spreads_votes_to_similar_records_as_rubrix_did(tweets):
    rules = word_rules()
    wl = WeakLabels(NAME, rules=rules, query="id:[0 TO 1499]")
    original = wl.matrix().copy()
    embeddings = tfidf_vectors(tweets.frame.text.iloc[:1500])
    thresholds = [0.6, 0.7, 0.5, 0.6, 0.4, 0.8]
    wl.extend_matrix(thresholds, embeddings=embeddings)
    expected = epoxy_reference(original, embeddings, thresholds)
    assert not np.array_equal(expected, original)  # something was extended
    assert np.array_equal(wl.matrix(), expected)
    assert wl.summary().loc["total", "coverage"] == pytest.approx((expected != -1).any(1).mean())
    wl.extend_matrix([1.0] * len(rules))  # reuses the search; nothing is that similar
    assert np.array_equal(wl.matrix(), original)
    with pytest.raises(ValueError, match="one number per rule"):
        wl.extend_matrix([0.5])
    fresh = WeakLabels(NAME, rules=rules, query="id:[0 TO 1499]")
    with pytest.raises(ValueError, match="embeddings are needed the first time"):
        fresh.extend_matrix(thresholds)
    with pytest.raises(ValueError, match="one row per record"):
        fresh.extend_matrix(thresholds, embeddings=embeddings[:10])


def test_extend_matrix_of_multi_labels_copies_the_label_vectors(health_tweets):
    texts = health_tweets.text.astype(str).iloc[:1200]
    frame = pd.DataFrame({"id": np.arange(1200), "text": texts.to_numpy(), "multi_label": True})
    rb.log(frame, "multi", verbose=False)
    wl = WeakMultiLabels("multi", rules=[Rule("cancer", ["cnn", "research"]), Rule("diet", "d")])
    original = wl.matrix().copy()
    embeddings = tfidf_vectors(texts)
    wl.extend_matrix([0.5, 0.5], embeddings=embeddings)
    unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    for j in range(2):
        voted = np.flatnonzero((original[:, j] != -1).any(1))
        for i in np.flatnonzero((original[:, j] == -1).all(1))[:200]:
            similarity = unit[voted] @ unit[i]
            best = int(np.argmax(similarity))
            want = original[voted[best], j] if similarity[best] > 0.5 else original[i, j]
            assert wl.matrix()[i, j].tolist() == want.tolist()
