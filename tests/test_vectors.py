"""Vectors on records: stored, checked, loaded, queried and searched by similarity."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import rubrix_widgets as rb
from rubrix_widgets.errors import InputError
from rubrix_widgets.page_state.dataset_session import DatasetSession
from rubrix_widgets.store import workspace as ws
from rubrix_widgets.store.record_parts import write_part
from rubrix_widgets.vectors import ann_index
from rubrix_widgets.vectors import search as vector_search


def clustered(n: int, dim: int, seed: int = 0, clusters: int = 12) -> np.ndarray:
    """Vectors that crowd around a few centres, as sentence embeddings do."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    which = rng.integers(0, clusters, size=n)
    return (centres[which] + 0.35 * rng.normal(size=(n, dim))).astype(np.float32)


def exact_top(matrix: np.ndarray, query: np.ndarray, k: int, rows=None) -> list[int]:
    unit = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
    sims = unit @ (query / np.linalg.norm(query))
    order = np.argsort(-sims, kind="stable")
    if rows is not None:
        order = [i for i in order if i in rows]
    return [int(i) for i in order[:k]]


@pytest.fixture
def reviews_with_vectors(rotten_tomatoes):
    """600 real review snippets with a 24-d clustered vector each (ids 0..599)."""
    sample = rotten_tomatoes.dropna(subset=["text"]).head(600)
    matrix = clustered(len(sample), 24)
    frame = pd.DataFrame(
        {
            "id": range(len(sample)),
            "text": sample.text.tolist(),
            "annotation": [
                label if i % 3 == 0 else None for i, label in enumerate(sample.category.tolist())
            ],
            "vectors": [{"toy": row} for row in matrix],
        }
    )
    rb.log(frame, "reviews", verbose=False)
    return matrix


# -- storing and loading --------------------------------------------------------------------
def test_named_vectors_round_trip_through_log_and_load_as_float32_arrays():
    rb.log(
        [
            rb.TextClassificationRecord(
                text="a", id=1, vectors={"mini": [0.5, 1.5], "big": [1, 2, 3]}
            ),
            rb.TextClassificationRecord(text="b", id=2, vectors={"mini": np.array([2.0, -1.0])}),
            rb.TextClassificationRecord(text="c", id=3),
        ],
        "vec",
        verbose=False,
    )
    frame = rb.load("vec")
    columns = frame.columns.tolist()
    assert columns.index("vectors") == columns.index("annotation_agent") + 1  # Argilla's place
    first, second, third = frame.vectors.tolist()
    assert set(first) == {"mini", "big"}
    assert first["big"].dtype == np.float32
    np.testing.assert_array_equal(first["mini"], [0.5, 1.5])
    np.testing.assert_array_equal(second["mini"], [2.0, -1.0])
    assert third is None
    assert frame.records[1].vectors == {"mini": [2.0, -1.0]}


def test_a_dataframe_logs_a_vectors_column_of_dicts_of_lists_or_arrays():
    frame = pd.DataFrame(
        {"text": ["x", "y"], "vectors": [{"v": [1.0, 0.0]}, {"v": np.array([0.0, 1.0])}]}
    )
    rb.log(frame, "frame_vectors", verbose=False)
    loaded = rb.load("frame_vectors")
    np.testing.assert_array_equal(np.stack([v["v"] for v in loaded.vectors]), np.eye(2))


def test_include_vectors_false_and_datasets_without_vectors_keep_rubrix_columns():
    rb.log(rb.TextClassificationRecord(text="plain"), "plain", verbose=False)
    assert "vectors" not in rb.load("plain").columns
    rb.log(rb.TextClassificationRecord(text="v", vectors={"v": [1.0]}), "withv", verbose=False)
    assert "vectors" in rb.load("withv").columns
    assert "vectors" not in rb.load("withv", include_vectors=False).columns


def test_every_task_stores_vectors():
    rb.log(
        rb.TokenClassificationRecord(
            text="Ada Lovelace", tokens=["Ada", "Lovelace"], vectors={"v": [1, 2]}
        ),
        "ner_v",
        verbose=False,
    )
    rb.log(rb.Text2TextRecord(text="hallo", vectors={"v": [3, 4]}), "t2t_v", verbose=False)
    np.testing.assert_array_equal(rb.load("ner_v").vectors[0]["v"], [1, 2])
    np.testing.assert_array_equal(rb.load("t2t_v").vectors[0]["v"], [3, 4])


def test_a_dataset_without_vectors_keeps_the_manifest_format_older_versions_read():
    rb.log(rb.TextClassificationRecord(text="plain"), "old_format", verbose=False)
    manifest = json.loads((ws.existing("old_format").folder / "dataset.json").read_text())
    assert manifest["format"] == 1 and "vectors" not in manifest
    rb.log(rb.TextClassificationRecord(text="v", vectors={"v": [1.0]}), "old_format", verbose=False)
    manifest = json.loads((ws.existing("old_format").folder / "dataset.json").read_text())
    assert manifest["format"] == 3 and manifest["vectors"] == {"v": 1}


def test_records_files_written_before_vectors_existed_still_load():
    rb.log(
        [rb.TextClassificationRecord(text=f"t{i}", id=i) for i in range(3)], "legacy", verbose=False
    )
    store = ws.existing("legacy")
    part = store.folder / store.manifest().parts[0].file
    table = pa.ipc.open_file(pa.memory_map(str(part))).read_all().drop_columns(["vectors"])
    write_part(part, table)  # as an older version wrote it
    rb.log(
        rb.TextClassificationRecord(text="new", id=9, vectors={"v": [1.0, 2.0]}),
        "legacy",
        verbose=False,
    )
    from rubrix_widgets.store import dataset_store

    dataset_store._cache.clear()  # a fresh process
    frame = rb.load("legacy")
    assert frame.id.tolist() == [0, 1, 2, 9]
    assert frame.vectors.tolist()[:3] == [None, None, None]
    assert rb.load("legacy", query="_exists_:vectors.v").id.tolist() == [9]


# -- bad input -------------------------------------------------------------------------------
def test_a_vector_of_another_dimension_names_record_vector_and_dimension_and_stores_nothing():
    rb.log(
        [rb.TextClassificationRecord(text="a", id=1, vectors={"v": [1, 2, 3]})],
        "dims",
        verbose=False,
    )
    before = ws.existing("dims").manifest()
    with pytest.raises(ValueError, match=r"id=7.*'v' has 2 dimensions.*have 3"):
        rb.log(
            [
                rb.TextClassificationRecord(text="b", id=6, vectors={"v": [1, 2, 3]}),
                rb.TextClassificationRecord(text="c", id=7, vectors={"v": [1, 2]}),
            ],
            "dims",
            verbose=False,
        )
    with pytest.raises(ValueError, match=r"id=8.*'v' has 2 dimensions.*have 3.*Nothing was stored"):
        rb.log(  # consistent in itself, not with the dataset
            [rb.TextClassificationRecord(text="d", id=8, vectors={"v": [1, 2]})],
            "dims",
            verbose=False,
        )
    after = ws.existing("dims").manifest()
    assert (after.version, after.records) == (before.version, before.records)
    assert rb.load("dims").id.tolist() == [1]


def test_vectors_of_two_dimensions_in_one_dataframe_are_refused_naming_the_row():
    frame = pd.DataFrame(
        {"text": ["a", "b"], "id": [10, 11], "vectors": [{"v": [1, 2]}, {"v": [1]}]}
    )
    with pytest.raises(ValueError, match=r"row 1 \(id=11\).*'v' has 1 dimensions.*have 2"):
        rb.log(frame, "mixed", verbose=False)
    assert "mixed" not in rb.datasets().name.tolist() or rb.load("mixed").empty


@pytest.mark.parametrize(
    "vectors, problem",
    [
        ({"v": [1.0, float("nan")]}, "nan at position 1"),
        ({"v": [float("inf")]}, "inf at position 0"),
        ({"v": []}, "non-empty"),
        ({"v": "1,2"}, "list or 1-D array"),
        ({"v": [[1, 2]]}, "1-D"),
        ({"": [1.0]}, "non-empty str"),
        ({"a b": [1.0]}, "not allowed"),
        ([1.0, 2.0], "dict of name"),
    ],
)
def test_bad_vectors_are_refused_with_what_is_allowed(vectors, problem):
    with pytest.raises(ValueError, match=problem):
        rb.TextClassificationRecord(text="x", vectors=vectors)
    frame = pd.DataFrame({"text": ["x"], "id": [5], "vectors": [vectors]})
    with pytest.raises(ValueError, match=problem):
        rb.log(frame, "bad", verbose=False)


# -- the query language -----------------------------------------------------------------------
def test_queries_find_records_by_the_vectors_they_have():
    rb.log(
        [
            rb.TextClassificationRecord(text="both", id=1, vectors={"a": [1.0], "b": [2.0]}),
            rb.TextClassificationRecord(text="only a", id=2, vectors={"a": [1.0]}),
            rb.TextClassificationRecord(text="none", id=3),
        ],
        "which",
        verbose=False,
    )
    ids = lambda q: rb.load("which", query=q).id.tolist()  # noqa: E731
    assert ids("vectors.a:*") == [1, 2]
    assert ids("_exists_:vectors.b") == [1]
    assert ids("_exists_:vectors") == [1, 2]
    assert ids("NOT _exists_:vectors.b") == [2, 3]
    assert ids("vectors.b:* OR text:none") == [1, 3]


# -- similarity search ----------------------------------------------------------------------
def test_load_by_vector_gives_the_most_similar_first_with_their_cosine_similarity(
    reviews_with_vectors,
):
    query = reviews_with_vectors[42]
    frame = rb.load("reviews", vector=("toy", query), limit=10)
    assert frame.id.tolist() == exact_top(reviews_with_vectors, query, 10)
    assert frame.columns[-1] == "similarity"
    assert frame.similarity.iloc[0] == pytest.approx(1.0, abs=1e-6)
    unit = reviews_with_vectors / np.linalg.norm(reviews_with_vectors, axis=1, keepdims=True)
    expected = unit[frame.id.to_numpy()] @ (query / np.linalg.norm(query))
    np.testing.assert_allclose(frame.similarity.to_numpy(), expected, atol=1e-5)
    assert frame.similarity.is_monotonic_decreasing


def test_load_by_vector_without_a_limit_gives_fifty_and_least_similar_on_request(
    reviews_with_vectors,
):
    query = reviews_with_vectors[0]
    assert len(rb.load("reviews", vector=("toy", query))) == 50
    least = rb.load("reviews", vector=("toy", query), limit=5, most_similar=False)
    assert least.id.tolist() == exact_top(-reviews_with_vectors, query, 5)
    assert least.similarity.is_monotonic_increasing


def test_load_by_vector_searches_only_the_records_matching_the_query(reviews_with_vectors):
    query = reviews_with_vectors[3]
    frame = rb.load("reviews", vector=("toy", query), query="_exists_:annotated_as", limit=20)
    annotated = {i for i in range(600) if i % 3 == 0}
    assert set(frame.id) <= annotated
    assert frame.id.tolist() == exact_top(reviews_with_vectors, query, 20, rows=annotated)


@pytest.mark.parametrize(
    "vector, problem",
    [
        (("nope", [1.0]), "no vector named 'nope'; its vectors are: toy"),
        (("toy", [1.0, 2.0]), "2 dimensions; this dataset's 'toy' vectors have 24"),
        (("toy", [0.0] * 24), "all zeros"),
        ([1.0, 2.0], r"tuple \(vector name, values\)"),
        (("toy", [float("nan")] * 24), "finite"),
    ],
)
def test_a_bad_search_vector_is_a_clear_error(reviews_with_vectors, vector, problem):
    with pytest.raises(InputError, match=problem):
        rb.load("reviews", vector=vector)


def test_vector_search_refuses_snapshots_and_id_from(reviews_with_vectors):
    with pytest.raises(InputError, match="cannot be combined with snapshot= or id_from="):
        rb.load("reviews", vector=("toy", reviews_with_vectors[0]), id_from=3)


# -- the approximate index (forced on with a small exact limit) --------------------------------
@pytest.fixture
def approximate(monkeypatch):
    monkeypatch.setattr(vector_search, "EXACT_MAX", 50)


@pytest.fixture
def many_vectors():
    matrix = clustered(3000, 32, seed=3)
    rb.log(
        pd.DataFrame(
            {
                "id": range(3000),
                "text": [f"record {i}" for i in range(3000)],
                "vectors": [{"v": row} for row in matrix],
            }
        ),
        "many",
        verbose=False,
    )
    return matrix


def test_the_approximate_search_recalls_the_exact_top_fifty(approximate, many_vectors):
    rng = np.random.default_rng(1)
    recalls = []
    for row in rng.choice(3000, size=20, replace=False):
        query = many_vectors[row] + 0.1 * rng.normal(size=32).astype(np.float32)
        found = rb.load("many", vector=("v", query), limit=50).id.tolist()
        recalls.append(len(set(found) & set(exact_top(many_vectors, query, 50))) / 50)
    assert np.mean(recalls) >= 0.95, recalls
    assert (ws.existing("many").folder / "vectors" / "v.json").exists()  # it did use the index


def test_the_approximate_search_keeps_to_the_query(approximate, many_vectors):
    frame = rb.load("many", vector=("v", many_vectors[10]), query="id:[0 TO 999]", limit=30)
    assert len(frame) == 30 and frame.id.max() <= 999
    assert frame.id.tolist()[0] == 10


def test_a_changed_vector_is_found_by_its_new_value_not_its_old_one(approximate, many_vectors):
    rb.load("many", vector=("v", many_vectors[0]), limit=5)  # the index is built
    target = -many_vectors[0]
    rb.log(
        rb.TextClassificationRecord(text="record 77", id=77, vectors={"v": target}),
        "many",
        verbose=False,
    )
    found = rb.load("many", vector=("v", target), limit=3)
    assert found.id.iloc[0] == 77 and found.similarity.iloc[0] == pytest.approx(1.0, abs=1e-5)
    near_old = rb.load("many", vector=("v", many_vectors[77]), limit=50).id.tolist()
    assert 77 not in near_old  # its old entry in the index does not surface


def test_a_damaged_index_is_rebuilt_with_a_warning_and_still_answers(approximate, many_vectors):
    rb.load("many", vector=("v", many_vectors[5]), limit=5)
    folder = ws.existing("many").folder / "vectors"
    for path in folder.glob("*.faiss"):
        path.write_bytes(b"not an index")
    ann_index._cache.clear()  # a fresh process
    with pytest.warns(UserWarning, match="missing or damaged"):
        frame = rb.load("many", vector=("v", many_vectors[5]), limit=5)
    assert frame.id.iloc[0] == 5


def test_deleting_records_renumbers_them_and_the_index_follows(approximate, many_vectors):
    rb.load("many", vector=("v", many_vectors[2000]), limit=5)
    rb.delete_records("many", ids=list(range(0, 1000)))
    frame = rb.load("many", vector=("v", many_vectors[2000]), limit=10)
    assert frame.id.iloc[0] == 2000
    assert frame.id.min() >= 1000


def test_annotating_in_the_page_does_not_touch_the_vectors_derived_data(many_vectors):
    before = ws.existing("many").manifest().vector_versions
    session = DatasetSession("many")
    session.act("annotate", np.array([0, 1]), ["x"], epoch=session.epoch())
    after = ws.existing("many").manifest()
    assert after.vector_versions == before
    np.testing.assert_array_equal(rb.load("many", ids=[0]).vectors[0]["v"], many_vectors[0])


# -- add_vectors --------------------------------------------------------------------------------
class CountingEmbedder:
    """Deterministic vectors from character counts; remembers what it was asked."""

    name = "chars"

    def __init__(self):
        self.batches: list[list[str]] = []

    def __call__(self, texts):
        self.batches.append(list(texts))
        return np.array([[len(t), t.count("e") + 1, t.count(" ") + 1] for t in texts], float)


def test_add_vectors_embeds_only_what_lacks_the_vector_in_batches(rotten_tomatoes):
    texts = rotten_tomatoes.text.dropna().head(300).tolist()
    rb.log(
        [rb.TextClassificationRecord(text=t, id=i) for i, t in enumerate(texts)],
        "rt",
        verbose=False,
    )
    embedder = CountingEmbedder()
    assert rb.add_vectors("rt", embedder, batch_size=128, verbose=False) == 300
    assert [len(b) for b in embedder.batches] == [128, 128, 44]
    assert rb.add_vectors("rt", embedder, verbose=False) == 0  # nothing left to embed
    frame = rb.load("rt")
    np.testing.assert_array_equal(frame.vectors[5]["chars"], embedder(texts[5:6])[0])


def test_add_vectors_follows_the_query_and_joins_text_classification_inputs():
    rb.log(
        [
            rb.TextClassificationRecord(
                inputs={"title": "Hi", "body": "there"}, id=1, metadata={"k": "a"}
            ),
            rb.TextClassificationRecord(text="other", id=2, metadata={"k": "b"}),
        ],
        "inputs",
        verbose=False,
    )
    embedder = CountingEmbedder()
    assert rb.add_vectors("inputs", embedder, query="metadata.k:a", verbose=False) == 1
    assert embedder.batches == [["Hi\nthere"]]
    assert rb.load("inputs", query="vectors.chars:*").id.tolist() == [1]


def test_add_vectors_keeps_an_annotation_saved_while_it_embedded():
    rb.log(
        [rb.TextClassificationRecord(text=f"t{i}", id=i) for i in range(4)], "race", verbose=False
    )
    session = DatasetSession("race")

    def embed_while_a_person_annotates(texts):
        session.act("annotate", np.array([0]), ["pos"], epoch=session.epoch())
        return np.ones((len(texts), 2))

    rb.add_vectors("race", embed_while_a_person_annotates, vector_name="v", verbose=False)
    first = rb.load("race", ids=[0])
    assert first.annotation[0] == "pos"
    np.testing.assert_array_equal(first.vectors[0]["v"], [1.0, 1.0])


@pytest.mark.parametrize(
    "embedder, problem",
    [
        (lambda texts: np.ones((len(texts) + 1, 3)), r"shape \(\d+, d\)"),
        (lambda texts: np.full((len(texts), 3), np.nan), "NaN or inf"),
        ("not callable", "embedder must be a callable"),
    ],
)
def test_a_bad_embedder_is_a_clear_error_and_stores_nothing(embedder, problem):
    rb.log([rb.TextClassificationRecord(text="a", id=1)], "bad_embedder", verbose=False)
    with pytest.raises(InputError, match=problem):
        rb.add_vectors("bad_embedder", embedder, vector_name="v", verbose=False)
    assert rb.load("bad_embedder").get("vectors") is None


def test_add_vectors_refuses_another_dimension_for_an_existing_name():
    rb.log(
        [
            rb.TextClassificationRecord(text="a", id=1, vectors={"v": [1.0, 2.0]}),
            rb.TextClassificationRecord(text="b", id=2),
        ],
        "dim_clash",
        verbose=False,
    )
    with pytest.raises(InputError, match="gives 3 dimensions.*have 2"):
        rb.add_vectors("dim_clash", lambda t: np.ones((len(t), 3)), vector_name="v", verbose=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert rb.load("dim_clash").vectors[1] is None
