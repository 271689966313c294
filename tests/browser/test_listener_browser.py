"""A listener in a real JupyterLab kernel, woken by a person's clicks in the dataset page.

The active-learning loop as a person lives it: the page shows a batch; they label each
record by clicking; when the last one of the batch is saved, a listener (defined in the
notebook) runs in the kernel, moves the page to the next batch, and the page shows it,
without anyone running a cell.
"""

from __future__ import annotations

import time

import pytest

import rubrix_widgets as rb

from .jupyter_server import read_report, screenshot, wait_for_report

expect = pytest.importorskip("playwright.sync_api").expect

DATASET = "batches"
BATCH = 4


@pytest.fixture
def batches(rotten_tomatoes):
    """12 real reviews in three batches of 4, with a model-like prediction each."""
    data = rotten_tomatoes.dropna(subset=["text"]).reset_index(drop=True).iloc[: 3 * BATCH]
    rb.log(
        [
            rb.TextClassificationRecord(
                id=i,
                text=text,
                prediction=[("fresh", 0.6), ("rotten", 0.4)],
                metadata={"batch": i // BATCH},
            )
            for i, text in enumerate(data.text)
        ],
        DATASET,
        verbose=False,
    )
    return data


LISTENER_CELL = f"""
import threading

w = rb.show({DATASET!r}, query="metadata.batch:0", mode="annotate", page_size=10)

@rb.listener({DATASET!r}, query="status:Validated AND metadata.batch:{{batch}}",
             condition=lambda search: search.total >= {BATCH}, batch=0)
def next_batch(records, ctx):
    ctx.query_params["batch"] += 1
    w.query = f"metadata.batch:{{ctx.query_params['batch']}}"
    report(
        moved_to=ctx.query_params["batch"],
        labelled=sorted(records.id.tolist()),
        kernel_thread=threading.current_thread() is threading.main_thread(),
    )

next_batch.start()
display(w)
report(ready=True)
"""


def test_labelling_the_last_record_of_a_batch_moves_the_page_to_the_next(
    lab_server, page, page_errors, run_notebook, report_path, batches
):
    run_notebook(lab_server, [LISTENER_CELL])
    wait_for_report(report_path, "ready")
    root = page.locator(".rw-root")
    expect(root).to_be_visible(timeout=60_000)
    cards = root.get_by_role("article")
    expect(cards).to_have_count(BATCH)

    for i in range(BATCH - 1):
        cards.nth(i).get_by_role("button", name="fresh", exact=True).click()
        expect(cards.nth(i).get_by_text("Validated", exact=True)).to_be_visible()
    time.sleep(1.0)  # long enough for a listener that wrongly fired to have reported
    assert "moved_to" not in read_report(report_path), "the batch is not done yet"

    cards.nth(BATCH - 1).get_by_role("button", name="rotten", exact=True).click()
    report = wait_for_report(report_path, "moved_to", timeout=30)
    assert report["moved_to"] == 1 and report["labelled"] == list(range(BATCH))
    assert report["kernel_thread"], "the action ran on the kernel's own thread, between cells"
    expect(root.get_by_role("searchbox", name="Search records")).to_have_value("metadata.batch:1")
    expect(cards).to_have_count(BATCH)
    expect(cards.first).to_contain_text(batches.text[BATCH][:40])
    screenshot(page, "listener-next-batch-lab")

    stored = rb.load(DATASET, query="status:Validated")
    assert sorted(stored.id) == list(range(BATCH))
    assert dict(zip(stored.id, stored.annotation)) == {
        0: "fresh",
        1: "fresh",
        2: "fresh",
        3: "rotten",
    }
