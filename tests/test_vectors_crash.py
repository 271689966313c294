"""Vectors survive kill -9 as records do: a batch of add_vectors is all there or not at
all, and a nearest-neighbour index killed before its commit is simply built again."""

from __future__ import annotations

import random
import signal
import time
import warnings

import numpy as np
from test_store import start
from workers import vector_of_text

import rubrix_widgets as rb
from rubrix_widgets.store import workspace as ws


def _texts(n: int) -> list[str]:
    return [f"record number {i} " + "word " * (i % 17) for i in range(n)]


def test_add_vectors_killed_at_random_leaves_whole_batches_and_resumes(workspace):
    texts = _texts(600)
    rb.log(
        [rb.TextClassificationRecord(text=t, id=i) for i, t in enumerate(texts)],
        "kv",
        verbose=False,
    )
    rng = random.Random(3)
    for _ in range(3):
        proc = start("add_vectors_slowly", "kv")
        time.sleep(rng.uniform(0.2, 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        frame = rb.load("kv")
        with_vector = [i for i, v in zip(frame.id, frame.vectors, strict=True) if v is not None]
        assert len(with_vector) % 50 == 0 or len(with_vector) == 600  # whole batches only
        for i in with_vector:  # and right values, never half-written ones
            np.testing.assert_array_equal(frame.vectors[i]["v"], vector_of_text([texts[i]])[0])
        assert frame.text.tolist() == texts  # the records themselves are untouched
    left = 600 - len(rb.load("kv", query="vectors.v:*"))
    assert rb.add_vectors("kv", vector_of_text, vector_name="v", verbose=False) == left
    assert len(rb.load("kv", query="vectors.v:*")) == 600


def test_an_index_build_killed_before_its_commit_is_built_again_and_its_files_removed(
    workspace, monkeypatch
):
    texts = _texts(200)
    rb.log(
        [
            rb.TextClassificationRecord(text=t, id=i, vectors={"v": vector_of_text([t])[0]})
            for i, t in enumerate(texts)
        ],
        "ki",
        verbose=False,
    )
    proc = start("index_killed_before_commit", "ki")
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read()
    vectors_dir = ws.existing("ki").folder / "vectors"
    assert list(vectors_dir.glob("*.faiss")) and not (vectors_dir / "v.json").exists()

    from rubrix_widgets.vectors import search

    monkeypatch.setattr(search, "EXACT_MAX", 10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing was committed: no damage to report
        frame = rb.load("ki", vector=("v", vector_of_text([texts[7]])[0]), limit=3)
    assert frame.similarity.iloc[0] > 0.999
    assert (vectors_dir / "v.json").exists() and len(list(vectors_dir.glob("*.faiss"))) == 1
