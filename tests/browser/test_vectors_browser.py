"""Finding records by meaning in a real JupyterLab page, driven like a person would.

The test process logs 200 real movie reviews with vectors from a small deterministic
embedder (hashed words; the same code runs in the notebook's kernel for the semantic
search); the kernel opens them with ``rb.show(..., embedder=...)``. What the browser does
is checked on disk with ``rb.load`` (this process reads the same workspace) against the
data layer's own nearest-neighbour answer (``rb.load(..., vector=...)``).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import rubrix_widgets as rb

from .jupyter_server import screenshot, wait_for_report

expect = pytest.importorskip("playwright.sync_api").expect

DATASET = "reviews"
N = 200
K = 50

EMBEDDER = """\
import re as _re, zlib as _zlib
import numpy as _np

class WordEmbedder:
    name, dimension = "words", 64

    def __call__(self, texts):
        out = _np.zeros((len(texts), 64), _np.float32)
        out[:, 0] = 0.01
        for i, text in enumerate(texts):
            for word in _re.findall(r"\\w+", text.lower()):
                out[i, _zlib.crc32(word.encode()) % 64] += 1
        return out / _np.linalg.norm(out, axis=1, keepdims=True)
"""

SHOW_CELL = f"""\
{EMBEDDER}
rb.init(annotator="ada")
w = rb.show({DATASET!r}, page_size=10, embedder=WordEmbedder())
display(w)
report(ready=True, total=w.total, semantic=w._semantic)"""


def word_embedder():
    scope: dict = {}
    exec(EMBEDDER, scope)
    return scope["WordEmbedder"]()


@pytest.fixture
def reviews(rotten_tomatoes):
    data = rotten_tomatoes.dropna(subset=["text"]).sample(n=N, random_state=7)
    texts = data.text.tolist()
    vectors = word_embedder()(texts)
    records = [
        rb.TextClassificationRecord(id=i, text=text, vectors={"words": vectors[i].tolist()})
        for i, text in enumerate(texts)
    ]
    rb.log(records, DATASET, verbose=False)
    return texts


def test_find_similar_then_annotate_the_neighbourhood_and_search_by_meaning(
    lab_server, page, page_errors, run_notebook, report_path, reviews
):
    run_notebook(lab_server, [SHOW_CELL])
    report = wait_for_report(report_path, "ready")
    assert report["total"] == N and report["semantic"]["available"] is True
    root = page.locator(".rw-root")
    expect(root).to_be_visible(timeout=60_000)
    articles = root.get_by_role("article")
    expect(articles).to_have_count(10)

    # Find similar on record #3: a menu (one vector: named as text), then the neighbourhood.
    card = root.get_by_role("article", name="Record 3", exact=True)
    card.get_by_role("button", name="Find similar").click()
    menu = root.get_by_role("dialog", name="Find records similar to #3")
    expect(menu).to_contain_text("words")
    expect(menu.get_by_label("How many records")).to_have_value(str(K))
    menu.get_by_role("button", name="Show similar records").click()
    expect(root.get_by_role("button", name="Remove filter Similar to #3")).to_be_visible()
    expect(root.locator(".rw-total")).to_have_text(f"{K} records")
    expect(articles.first).to_have_attribute("aria-label", "Record 3")
    expect(articles.first.locator(".rw-similarity")).to_have_text("1.00 similar")
    truth = rb.load(
        DATASET, vector=("words", rb.load(DATASET, ids=[3]).vectors[0]["words"]), limit=K
    )
    shown = [int(a.get_attribute("aria-label").split()[-1]) for a in articles.all()]
    assert shown == truth.id.tolist()[:10]
    screenshot(page, "vectors-find-similar")

    # Bulk: every record of the neighbourhood ("all matching"), checked on disk.
    root.get_by_role("button", name="Annotate", exact=True).click()
    new_label = root.get_by_role("textbox", name="New label")
    new_label.fill("plot")
    new_label.press("Enter")
    expect(root.get_by_label("Annotate selected as")).to_have_value("plot")
    root.locator('[data-key="select-page"]').check()
    root.get_by_role("button", name=f"Select all {K} records matching this search").click()
    root.get_by_role("button", name="Annotate selected").click()
    expect(root.locator(".rw-notice")).to_have_text(re.compile(r"^Saved"), timeout=20_000)
    stored = rb.load(DATASET)
    assert set(stored.id[stored.annotation == "plot"]) == set(truth.id)
    assert set(stored.status[stored.id.isin(truth.id)]) == {"Validated"}

    # Removing the chip shows every record again.
    root.get_by_role("button", name="Remove filter Similar to #3").click()
    expect(root.locator(".rw-total")).to_have_text(f"{N} records")

    # Semantic search: the typed text is embedded in the kernel.
    text = reviews[11]
    root.get_by_role("switch", name="Semantic").check()
    box = root.get_by_role("searchbox", name="Search records by meaning")
    box.fill(text)
    box.press("Enter")
    expect(root.locator(".rw-scope-chip")).to_contain_text("Semantic")
    expect(root.locator(".rw-total")).to_have_text(f"{K} records")
    query = np.asarray(word_embedder()([text])[0])
    nearest = rb.load(DATASET, vector=("words", query), limit=10)
    expect(articles.first).to_have_attribute("aria-label", f"Record {nearest.id.iloc[0]}")
    root.get_by_role("switch", name="Semantic").uncheck()
    expect(root.locator(".rw-total")).to_have_text(f"{N} records")

    # The embedding map: a lasso around the left part, then annotate the selection.
    root.get_by_role("button", name="▸ Embedding map").click()
    expect(root.locator(".rw-map-note")).to_have_text(f"{N} points", timeout=90_000)
    seqs, xy = map_positions()
    cut = widest_gap(np.sort(xy[:, 0]))
    inside = sorted(int(s) for s in seqs[xy[:, 0] < cut])  # ids are the seqs here
    assert 10 < len(inside) < N
    canvas = root.locator(".rw-map-canvas")
    canvas.scroll_into_view_if_needed()  # a drag outside the window draws nothing
    box = canvas.bounding_box()
    side = min(box["width"], box["height"]) - 24
    left, top = box["x"] + (box["width"] - side) / 2, box["y"] + (box["height"] - side) / 2

    def at(x, y):
        return left + x * side, top + (1 - y) * side

    corners = [(-0.02, -0.02), (cut, -0.02), (cut, 1.02), (-0.02, 1.02)]
    page.mouse.move(*at(*corners[0]))
    page.mouse.down()
    for corner in [*corners[1:], corners[0]]:
        page.mouse.move(*at(*corner), steps=20)
    page.mouse.up()
    chip = root.get_by_role("button", name=f"Remove filter {len(inside)} selected on the map")
    expect(chip).to_be_visible()
    expect(root.locator(".rw-total")).to_have_text(f"{len(inside)} records")
    screenshot(page, "vectors-map-lasso")
    new_label.fill("rotten")
    new_label.press("Enter")
    root.get_by_label("Annotate selected as").select_option("rotten")
    root.locator('[data-key="select-page"]').check()
    root.get_by_role(
        "button", name=f"Select all {len(inside)} records matching this search"
    ).click()
    root.get_by_role("button", name="Annotate selected").click()
    expect(root.locator(".rw-notice")).to_have_text(re.compile(r"^Saved"), timeout=20_000)
    stored = rb.load(DATASET)
    assert sorted(stored.id[stored.annotation == "rotten"]) == inside
    assert not page_errors()


def map_positions():
    """The map's positions as the kernel cached them (the projection cache)."""
    from rubrix_widgets.store import workspace as ws
    from rubrix_widgets.vectors import projection

    with np.load(projection.cache_path(ws.existing(DATASET).folder, "words")) as data:
        return data["seqs"], data["xy"]


def widest_gap(xs):
    """A cut between two points where they are farthest apart, in the middle of the map
    (a lasso edge there cannot land on a point)."""
    middle = (xs > 0.25) & (xs < 0.75)
    candidates = np.flatnonzero(middle[:-1] & middle[1:])
    i = candidates[np.argmax(np.diff(xs)[candidates])]
    return float((xs[i] + xs[i + 1]) / 2)
