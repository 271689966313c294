"""rb.find_duplicates: pairs of records whose vectors are near-duplicates."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd
import pytest

import rubrix_widgets as rb
from rubrix_widgets.errors import InputError
from rubrix_widgets.store import workspace as ws
from rubrix_widgets.vector_client import find_duplicates
from rubrix_widgets.vectors import duplicates

DIM = 256


def bag_of_words(texts: list[str]) -> np.ndarray:
    """A deterministic embedder: hashed word counts (same words -> same vector)."""
    out = np.zeros((len(texts), DIM), np.float32)
    for row, text in enumerate(texts):
        for word in re.findall(r"\w+", text.lower()):
            out[row, int(hashlib.md5(word.encode()).hexdigest()[:8], 16) % DIM] += 1
    out[out.sum(1) == 0, 0] = 1  # a text without words still has a direction
    return out


@pytest.fixture
def reviews(rotten_tomatoes) -> pd.DataFrame:
    """All 13,905 real snippets, logged with bag-of-words vectors; some texts repeat."""
    frame = rotten_tomatoes.assign(text=rotten_tomatoes.text.fillna("")).reset_index(drop=True)
    rb.log(
        pd.DataFrame(
            {
                "id": frame.index,
                "text": frame.text,
                "vectors": [{"bow": v} for v in bag_of_words(frame.text.tolist())],
                "metadata": [{"category": c} for c in frame.category],
            }
        ),
        "reviews",
        verbose=False,
    )
    return frame


def repeated_text_pairs(frame: pd.DataFrame) -> set[tuple[int, int]]:
    pairs = set()
    for _, group in frame.groupby("text"):
        ids = sorted(group.index)
        pairs.update((a, b) for i, a in enumerate(ids) for b in ids[i + 1 :])
    return pairs


def test_every_repeated_real_review_is_found_as_a_pair_most_similar_first(reviews):
    pairs = find_duplicates("reviews", vector_name="bow", threshold=0.999)
    expected = repeated_text_pairs(reviews)
    assert len(expected) > 20  # the snippets do repeat
    found = set(zip(pairs.id_a, pairs.id_b, strict=True))
    assert expected <= found
    # the other pairs: texts of the same words (word order, case, marks) or hash collisions
    others = sorted(found - expected)
    vectors = bag_of_words(reviews.text[[i for pair in others for i in pair]].tolist())
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    assert ((unit[0::2] * unit[1::2]).sum(1) >= 0.999).all()
    assert list(pairs.columns) == ["id_a", "id_b", "similarity"]
    assert (pairs.id_a < pairs.id_b).all()  # logged in id order here: id_a logged first
    assert pairs.similarity.is_monotonic_decreasing
    assert pairs.id_a.dtype == np.int64 and (pairs.similarity <= 1).all()


def test_a_lower_threshold_finds_the_pairs_exact_numpy_finds(reviews):
    sample = reviews.sample(3_000, random_state=0)
    unit = bag_of_words(sample.text.tolist())
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    sims = unit @ unit.T
    i, j = np.nonzero(np.triu(sims >= 0.7, k=1))
    ids = sample.index.to_numpy()
    expected = {(ids[a], ids[b]) for a, b in zip(i, j, strict=True)}  # logged first first
    rb.log(
        pd.DataFrame({"id": ids, "text": sample.text, "vectors": [{"bow": v} for v in unit]}),
        "sample",
        verbose=False,
    )
    pairs = find_duplicates("sample", vector_name="bow", threshold=0.7)
    assert set(zip(pairs.id_a, pairs.id_b, strict=True)) == expected and len(expected) > 100
    by_pair = {(a, b): s for a, b, s in zip(pairs.id_a, pairs.id_b, pairs.similarity, strict=True)}
    for a, b in list(expected)[:50]:
        x, y = sample.index.get_loc(a), sample.index.get_loc(b)
        assert by_pair[(a, b)] == pytest.approx(sims[x, y], abs=1e-5)


def test_a_query_keeps_the_pairs_whose_two_records_match_it(reviews):
    pairs = find_duplicates("reviews", vector_name="bow", threshold=0.999)
    plot = find_duplicates(
        "reviews", vector_name="bow", threshold=0.999, query="metadata.category:plot"
    )
    category = reviews.category
    expected = pairs[
        (category[pairs.id_a].values == "plot") & (category[pairs.id_b].values == "plot")
    ]
    assert len(plot) and set(zip(plot.id_a, plot.id_b)) == set(zip(expected.id_a, expected.id_b))


def test_the_index_path_finds_the_same_pairs_as_the_exact_one(reviews, monkeypatch):
    exact = find_duplicates("reviews", vector_name="bow", threshold=0.98)
    monkeypatch.setattr(duplicates, "EXACT_MAX", 1_000)  # 13,905 records: the faiss index
    indexed = find_duplicates("reviews", vector_name="bow", threshold=0.98)
    found = set(zip(indexed.id_a, indexed.id_b, strict=True))
    truth = set(zip(exact.id_a, exact.id_b, strict=True))
    assert found <= truth  # exact scores: nothing below the threshold gets in
    assert len(found) >= 0.95 * len(truth), (len(found), len(truth))
    merged = exact.merge(indexed, on=["id_a", "id_b"])
    assert np.allclose(merged.similarity_x, merged.similarity_y, atol=1e-5)


def test_a_record_with_many_copies_keeps_all_its_pairs_on_the_index_path(monkeypatch):
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(3_000, 32)).astype(np.float32)
    vectors[100:140] = vectors[7] + rng.normal(0, 0.001, (40, 32))  # 41 copies of record 7
    rb.log(
        pd.DataFrame({"id": range(3_000), "text": "t", "vectors": [{"v": v} for v in vectors]}),
        "copies",
        verbose=False,
    )
    monkeypatch.setattr(duplicates, "EXACT_MAX", 100)
    pairs = find_duplicates("copies", vector_name="v", threshold=0.99)
    group = [7, *range(100, 140)]
    expected = {(a, b) for i, a in enumerate(group) for b in group[i + 1 :]}
    assert set(zip(pairs.id_a, pairs.id_b, strict=True)) == expected  # 820 pairs, k starts at 16


def test_duplicate_seqs_gives_every_record_in_a_pair_for_a_page_filter(reviews):
    pairs = find_duplicates("reviews", vector_name="bow", threshold=0.999)
    store = ws.existing("reviews")
    seqs = duplicates.duplicate_seqs(store.folder, store.view(), "bow", 0.999)
    # ids were logged 0..n-1 in order, so seqs are the ids here
    assert seqs.tolist() == sorted(set(pairs.id_a) | set(pairs.id_b))
    only = duplicates.duplicate_seqs(store.folder, store.view(), "bow", 0.999, seqs[:4])
    assert set(only.tolist()) <= set(seqs[:4].tolist())


def test_find_duplicates_refuses_a_bad_threshold_or_an_unknown_vector():
    rb.log(pd.DataFrame({"text": ["a"], "vectors": [{"v": [1.0, 0.0]}]}), "one", verbose=False)
    with pytest.raises(InputError, match=r"threshold must be a cosine similarity in \(0, 1\]"):
        find_duplicates("one", vector_name="v", threshold=1.5)
    with pytest.raises(InputError, match="threshold must be a number"):
        find_duplicates("one", vector_name="v", threshold="high")
    with pytest.raises(InputError, match="no vector named 'mini-lm'; its vectors are: v"):
        find_duplicates("one")
    assert find_duplicates("one", vector_name="v").empty
