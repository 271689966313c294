"""The embedding map's kernel side: the 2-D projection, its cache, and the binary payload.

The projection must keep neighbourhoods (points of one cluster stay together), give the
same positions for the same seed, and work from one point to samples of many; the cache
is derived data (missing, stale or corrupt: rebuilt). The payload's byte layout is pinned
by ``tests/data/map_payload_v1.bin``, which js/test/embedding_map.test.ts parses too.
"""

from __future__ import annotations

import struct
import warnings
from pathlib import Path

import numpy as np
import pytest

from rubrix_widgets.vectors import map_payload, projection
from rubrix_widgets.vectors.map_payload import colour_codes, pack_map, sample_for_display
from rubrix_widgets.vectors.projection import cached_projection, project

FIXTURE = Path(__file__).parent / "data" / "map_payload_v1.bin"


def clusters(n: int, k: int = 3, d: int = 32, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` vectors in ``k`` well-separated clusters (labels cycle 0..k-1)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, d)) * 3
    labels = np.arange(n) % k
    return (centres[labels] + rng.normal(size=(n, d))).astype(np.float32), labels


def neighbour_agreement(xy: np.ndarray, labels: np.ndarray, k: int = 5) -> float:
    """How often a point's k nearest points on the map share its cluster."""
    d = ((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    nearest = np.argsort(d, axis=1)[:, :k]
    return float((labels[nearest] == labels[:, None]).mean())


# --- projection ---------------------------------------------------------------------------
def test_projection_keeps_clusters_together_and_fills_the_unit_square():
    x, labels = clusters(300)
    xy = project(x, seed=0)
    assert xy.shape == (300, 2) and xy.dtype == np.float32
    assert np.allclose(xy.min(axis=0), 0) and np.allclose(xy.max(axis=0), 1)
    assert neighbour_agreement(xy, labels) > 0.95


def test_projection_is_the_same_for_the_same_seed_and_moves_with_another():
    x, _ = clusters(120)
    first = project(x, seed=3)
    assert np.array_equal(first, project(x, seed=3))
    assert not np.array_equal(first, project(x, seed=4))


def test_a_large_set_is_laid_out_on_a_sample_and_the_rest_placed_among_their_neighbours(
    monkeypatch,
):
    monkeypatch.setattr(projection, "FIT_SAMPLE", 150)
    x, labels = clusters(450)
    xy = project(x, seed=1)
    assert xy.shape == (450, 2)
    assert np.allclose(xy.min(axis=0), 0) and np.allclose(xy.max(axis=0), 1)
    assert neighbour_agreement(xy, labels) > 0.95
    assert np.array_equal(xy, project(x, seed=1))


@pytest.mark.parametrize("n", [1, 2, 3, 14])
def test_a_handful_of_points_is_projected_with_pca(n):
    x, _ = clusters(n)
    xy = project(x)
    assert xy.shape == (n, 2)
    assert ((xy >= 0) & (xy <= 1)).all()
    if n == 1:
        assert xy.tolist() == [[0.5, 0.5]]
    if n == 2:  # one direction of spread: the other axis sits in the middle
        assert sorted(xy[:, 0].tolist()) == [0.0, 1.0] and xy[:, 1].tolist() == [0.5, 0.5]


def test_pca_on_a_handful_keeps_the_two_groups_apart():
    x, labels = clusters(12, k=2)
    xy = project(x)
    assert neighbour_agreement(xy, labels, k=3) == 1.0


def test_no_vectors_give_no_positions():
    assert project(np.zeros((0, 8), np.float32)).shape == (0, 2)


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        (np.zeros(5), "2-D"),
        (np.array([[0.1, 0.2], [np.nan, 0.0]]), "row 1 holds NaN or inf"),
        (np.array([["a", "b"]]), "numbers"),
    ],
)
def test_bad_vectors_are_refused_naming_the_problem(matrix, message):
    with pytest.raises(ValueError, match=message):
        project(matrix)


# --- cache --------------------------------------------------------------------------------
def test_the_map_is_computed_once_then_read_from_the_cache(tmp_path):
    x, _ = clusters(40)
    seqs = np.arange(40) * 2
    calls = []

    def matrix():
        calls.append(1)
        return x

    got_seqs, xy = cached_projection(tmp_path, "mini-lm", "v1", seqs, matrix)
    assert (tmp_path / "vectors" / "mini-lm.map.npz").is_file()
    assert got_seqs.tolist() == seqs.tolist() and xy.shape == (40, 2)
    again_seqs, again = cached_projection(tmp_path, "mini-lm", "v1", seqs, matrix)
    assert len(calls) == 1
    assert np.array_equal(again, xy) and again_seqs.tolist() == seqs.tolist()
    assert sorted(p.name for p in (tmp_path / "vectors").iterdir()) == ["mini-lm.map.npz"]


def test_another_fingerprint_or_other_records_rebuild_the_map(tmp_path):
    x, _ = clusters(40)
    calls = []

    def matrix(rows=x):
        calls.append(1)
        return rows

    cached_projection(tmp_path, "mini-lm", "v1", np.arange(40), matrix)
    cached_projection(tmp_path, "mini-lm", "v2", np.arange(40), matrix)
    assert len(calls) == 2
    cached_projection(tmp_path, "mini-lm", "v2", np.arange(1, 40), lambda: matrix(x[1:]))
    assert len(calls) == 3
    cached_projection(tmp_path, "mini-lm", "v2", np.arange(1, 40), lambda: matrix(x[1:]))
    assert len(calls) == 3


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(b"not a zip file"),
        lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
        lambda p: np.savez(p.open("wb"), format=np.array(1), fingerprint=np.array("v1")),
    ],
    ids=["garbage", "truncated", "missing-arrays"],
)
def test_a_corrupt_cache_is_rebuilt_with_a_warning_naming_the_file(tmp_path, damage):
    x, _ = clusters(40)
    _, xy = cached_projection(tmp_path, "mini-lm", "v1", np.arange(40), lambda: x)
    path = tmp_path / "vectors" / "mini-lm.map.npz"
    damage(path)
    with pytest.warns(UserWarning, match=r"mini-lm\.map\.npz is corrupt"):
        _, again = cached_projection(tmp_path, "mini-lm", "v1", np.arange(40), lambda: x)
    assert np.array_equal(again, xy)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # rebuilt: read quietly now
        cached_projection(tmp_path, "mini-lm", "v1", np.arange(40), lambda: x)


def test_the_cache_refuses_a_vector_name_that_is_not_a_file_name(tmp_path):
    with pytest.raises(ValueError, match="cannot name a file"):
        cached_projection(tmp_path, "../escape", "v1", np.arange(2), lambda: np.zeros((2, 2)))


def test_the_cache_refuses_a_matrix_that_does_not_match_the_seqs(tmp_path):
    with pytest.raises(ValueError, match="3 vectors for 2 seqs"):
        cached_projection(tmp_path, "v", "v1", np.arange(2), lambda: np.zeros((3, 4)))


# --- payload ------------------------------------------------------------------------------
def fixture_payload() -> bytes:
    """The three points js/test/embedding_map.test.ts expects in the fixture file."""
    return pack_map(
        seqs=np.array([7, 0, 4_000_000_000]),
        xy=np.array([[0.0, 1.0], [0.25, 0.5], [1.0, 0.0]]),
        codes=np.array([2, 0, 1]),
        highlight=np.array([True, False, True]),
        total=10,
        legend_size=3,
    )


def test_the_payload_matches_the_fixture_the_browser_test_parses():
    # To change the layout: bump VERSION, regenerate the file from fixture_payload(),
    # and update js/test/embedding_map.test.ts, which parses the same file.
    assert fixture_payload() == FIXTURE.read_bytes()


def test_the_payload_layout_is_the_documented_one():
    data = fixture_payload()
    assert len(data) == 24 + 15 * 3
    assert struct.unpack_from("<4sIIIII", data, 0) == (b"RWMP", 1, 3, 10, 3, 1)
    assert struct.unpack_from("<6f", data, 24) == (0.0, 1.0, 0.25, 0.5, 1.0, 0.0)
    assert struct.unpack_from("<3I", data, 48) == (7, 0, 4_000_000_000)
    assert struct.unpack_from("<3H", data, 60) == (2, 0, 1)
    assert struct.unpack_from("<3B", data, 66) == (1, 0, 1)


def test_no_search_means_the_search_flag_is_off_and_nothing_is_highlighted():
    data = pack_map(np.arange(2), np.zeros((2, 2)), np.zeros(2, int), None, total=2)
    assert struct.unpack_from("<I", data, 20) == (0,)
    assert data[-2:] == b"\0\0"
    searched = pack_map(np.arange(2), np.zeros((2, 2)), np.zeros(2, int), np.zeros(2), total=2)
    assert struct.unpack_from("<I", searched, 20) == (1,)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"xy": np.zeros((2, 2))}, r"xy must have shape \(3, 2\)"),
        ({"codes": np.zeros(2, int)}, r"codes must have shape \(3,\)"),
        ({"highlight": np.zeros(4, bool)}, "highlight must have shape"),
        ({"seqs": np.array([-1, 0, 1])}, "seqs must be between 0 and 4294967295"),
        ({"codes": np.array([0, 1, 5]), "legend_size": 3}, "codes go up to 5"),
        ({"xy": np.array([[0, 0], [np.nan, 0], [1, 1]])}, "NaN"),
        ({"total": 2}, r"total \(2\) must be at least"),
    ],
)
def test_pack_map_refuses_inconsistent_arrays(kwargs, message):
    args = {
        "seqs": np.arange(3),
        "xy": np.zeros((3, 2)),
        "codes": np.zeros(3, int),
        "highlight": None,
        "total": 3,
        **kwargs,
    }
    with pytest.raises(ValueError, match=message):
        pack_map(**args)


def test_every_point_is_drawn_up_to_the_limit_and_a_uniform_sample_above_it():
    assert sample_for_display(5, max_points=5).tolist() == [0, 1, 2, 3, 4]
    kept = sample_for_display(100_000, max_points=50_000, seed=2)
    assert len(kept) == 50_000 and len(set(kept.tolist())) == 50_000
    assert (np.diff(kept) > 0).all() and kept.min() >= 0 and kept.max() < 100_000
    assert np.array_equal(kept, sample_for_display(100_000, max_points=50_000, seed=2))
    # uniform: each tenth of the records gets about a tenth of the sample
    per_tenth = np.bincount(kept // 10_000, minlength=10)
    assert per_tenth.min() > 4_700 and per_tenth.max() < 5_300
    assert map_payload.MAX_DISPLAY_POINTS == 200_000
    assert len(sample_for_display(250_000)) == 200_000


def test_colours_go_to_the_most_frequent_values_first_and_none_is_named():
    values = ["neg", "pos", None, "pos", "neg", "pos", None, "zzz"]
    codes, legend = colour_codes(values)
    assert legend == ["pos", "(none)", "neg", "zzz"]  # ties: alphabetical
    assert codes.dtype == np.uint16
    assert [legend[c] for c in codes] == [v or "(none)" for v in values]


def test_rare_values_beyond_the_cap_share_one_other_entry():
    values = [f"label-{i:02d}" for i in range(15) for _ in range(20 - i)]
    codes, legend = colour_codes(values, max_entries=12)
    assert legend == [f"label-{i:02d}" for i in range(12)] + ["(other)"]
    named = [legend[c] for c in codes]
    assert named.count("(other)") == (20 - 12) + (20 - 13) + (20 - 14)
    assert named.count("label-00") == 20
