"""The home page (``rb.home``) in a real JupyterLab 4 / Notebook 7 page.

The test process logs two datasets of real movie reviews into the test's
workspace; the notebook's kernel shows the list. Search, sort, open a dataset
(its page, then back), refresh, and delete with the inline confirmation; the
deletion is checked from this process with ``rb.datasets()``. In JupyterLab, a
person also picks another workspace in the list, sees its datasets, opens one
and goes back.
"""

from __future__ import annotations

import re

import pytest

import rubrix_widgets as rb

from .jupyter_server import screenshot, wait_for_report

expect = pytest.importorskip("playwright.sync_api").expect

HOME_CELL = "h = rb.home(); display(h); report(ready=True, names=h.names)"


@pytest.fixture
def two_datasets(rotten_tomatoes):
    data = rotten_tomatoes.dropna(subset=["text"])
    fresh = data[data.category == "fresh"].head(40)
    rotten = data[data.category == "rotten"].head(25)
    rb.log(
        [
            rb.TextClassificationRecord(
                id=i,
                text=text,
                prediction=[("fresh", 0.7), ("rotten", 0.3)],
                annotation="fresh" if i < 10 else None,
                metadata={"movie": movie},
            )
            for i, (text, movie) in enumerate(zip(fresh.text, fresh.movie_name, strict=True))
        ],
        "fresh-reviews",
        tags={"source": "rotten tomatoes"},
        verbose=False,
    )
    rb.log(
        [
            rb.TextClassificationRecord(
                id=i, text=text, prediction=[("rotten", 0.6), ("fresh", 0.4)]
            )
            for i, text in enumerate(rotten.text)
        ],
        "rotten-reviews",
        verbose=False,
    )
    return ["fresh-reviews", "rotten-reviews"]


def rows(root):
    return root.locator("tbody tr[data-name]")


def row_names(root) -> list[str]:
    return rows(root).evaluate_all("trs => trs.map(tr => tr.dataset.name)")


def test_search_sort_open_back_and_delete(
    jupyter, page, page_errors, run_notebook, report_path, two_datasets
):
    run_notebook(jupyter, [HOME_CELL])
    assert wait_for_report(report_path, "ready")["names"] == two_datasets
    root = page.locator(".rw-home")
    expect(root).to_be_visible(timeout=60_000)
    expect(rows(root)).to_have_count(2)
    fresh_row = root.locator('tr[data-name="fresh-reviews"]')
    expect(fresh_row).to_contain_text("source: rotten tomatoes")
    expect(fresh_row).to_contain_text("25.0%")  # 10 of 40 annotated
    expect(fresh_row.locator("td").nth(3)).to_have_text("40")

    # Search by name, by tag, by task; keys typed there never reach the notebook.
    cells = "() => window.jupyterapp.shell.currentWidget.content.widgets.length"
    cells_before = page.evaluate(cells)
    search = root.get_by_role("searchbox", name="Search datasets")
    search.fill("rotten-rev")
    expect(rows(root)).to_have_count(1)
    assert row_names(root) == ["rotten-reviews"]
    search.fill("tomatoes")
    expect(rows(root)).to_have_count(1)
    assert row_names(root) == ["fresh-reviews"]
    search.fill("")
    search.press("a")
    search.press("b")
    search.press("Escape")
    expect(search).to_have_value("")
    expect(rows(root)).to_have_count(2)
    assert page.evaluate(cells) == cells_before
    search.fill("text classification")
    expect(rows(root)).to_have_count(2)
    search.fill("")

    # Sort by a column header (aria-sort on the th).
    records_th = root.locator("th", has=page.get_by_role("button", name=re.compile("^Records")))
    records_th.get_by_role("button").click()
    expect(records_th).to_have_attribute("aria-sort", "descending")
    assert row_names(root) == ["fresh-reviews", "rotten-reviews"]
    records_th.get_by_role("button").click()
    expect(records_th).to_have_attribute("aria-sort", "ascending")
    expect(rows(root).first).to_have_attribute("data-name", "rotten-reviews")
    screenshot(page, f"home-{jupyter.app}-list")

    # Open a dataset: its page replaces the list; back again.
    root.get_by_role("button", name="rotten-reviews", exact=True).click()
    dataset_page = page.locator(".rw-root")
    expect(dataset_page).to_be_visible(timeout=30_000)
    expect(dataset_page.locator("h2")).to_have_text("rotten-reviews")
    expect(dataset_page.get_by_role("article")).to_have_count(20)
    expect(root).to_have_count(0)
    screenshot(page, f"home-{jupyter.app}-opened")
    page.get_by_role("button", name="Back to datasets").click()
    expect(page.locator(".rw-home")).to_be_visible()
    expect(page.locator(".rw-root")).to_have_count(0)
    root = page.locator(".rw-home")
    expect(rows(root)).to_have_count(2)

    # A dataset logged by another process shows up on Refresh.
    rb.log(rb.TextClassificationRecord(text="A late review."), "late-reviews", verbose=False)
    root.get_by_role("button", name="Refresh").click()
    expect(rows(root)).to_have_count(3)

    # Delete: an inline confirmation first; Cancel keeps the dataset.
    root.get_by_role("button", name="Delete rotten-reviews").click()
    dialog = root.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Delete dataset rotten-reviews and its 25 records?")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    screenshot(page, f"home-{jupyter.app}-confirm")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    assert "rotten-reviews" in rb.datasets().name.tolist()
    root.get_by_role("button", name="Delete rotten-reviews").click()
    root.get_by_role("alertdialog").get_by_role("button", name="Delete", exact=True).click()
    expect(root.get_by_role("status")).to_have_text("Deleted rotten-reviews.", timeout=20_000)
    expect(rows(root)).to_have_count(2)
    assert sorted(rb.datasets().name) == ["fresh-reviews", "late-reviews"]
    assert not page_errors()


# -- workspaces -------------------------------------------------------------------------------
# The kernel uses the test's home folder (the test process's $RUBRIX_WIDGETS_HOME), so the
# named workspaces this process writes are the ones the list offers; the default one first.
WORKSPACES_CELL = """\
import os
os.environ["RUBRIX_WIDGETS_HOME"] = {home!r}
rb.init(workspace="rubrix")
h = rb.home(); display(h)
h.observe(lambda change: report(workspace=change["new"]), names="workspace")
report(ready=True, workspaces=h._workspaces, names=h.names)"""


@pytest.fixture
def team_b(two_datasets, rotten_tomatoes):
    """Workspace "team-b": its own "fresh-reviews" (5 records) and "plot-summaries" (12)."""
    data = rotten_tomatoes.dropna(subset=["text"])
    fresh = data[data.category == "fresh"].iloc[100:105]
    plots = data[data.category == "plot"].head(12)
    rb.set_workspace("team-b")
    try:
        rb.log(
            [rb.TextClassificationRecord(id=i, text=t) for i, t in enumerate(fresh.text)],
            "fresh-reviews",
            verbose=False,
        )
        rb.log(
            [rb.TextClassificationRecord(id=i, text=t) for i, t in enumerate(plots.text)],
            "plot-summaries",
            verbose=False,
        )
    finally:
        rb.set_workspace("rubrix")
    return ["fresh-reviews", "plot-summaries"]


def test_pick_another_workspace_open_one_of_its_datasets_and_go_back(
    lab_server, page, page_errors, run_notebook, report_path, workspace, team_b
):
    run_notebook(lab_server, [WORKSPACES_CELL.format(home=str(workspace))])
    ready = wait_for_report(report_path, "ready")
    assert ready["workspaces"] == ["rubrix", "team-b"]
    assert ready["names"] == ["fresh-reviews", "rotten-reviews"]
    root = page.locator(".rw-home")
    expect(root).to_be_visible(timeout=60_000)
    selector = root.get_by_role("combobox", name="Workspace")
    expect(selector).to_have_value("rubrix")
    expect(rows(root)).to_have_count(2)
    expect(root.locator('tr[data-name="fresh-reviews"] td').nth(3)).to_have_text("40")

    # A typed name is checked by the kernel as one types; its verdict shows under the box.
    selector.select_option(label="New workspace…")
    box = root.get_by_role("textbox", name="New workspace name")
    expect(box).to_be_focused()
    box.fill("team b")
    expect(root.locator(".rw-home-ws-note")).to_contain_text("contains ' '")
    expect(box).to_have_attribute("aria-invalid", "true")
    screenshot(page, "home-lab-workspace-bad-name")
    box.press("Escape")
    expect(box).to_be_hidden()

    # Pick team-b: the kernel switches and the list shows team-b's datasets.
    selector.select_option("team-b")
    wait_for_report(report_path, "workspace", equals="team-b")
    expect(selector).to_have_value("team-b")
    expect(root.locator('tr[data-name="plot-summaries"]')).to_have_count(1)
    expect(rows(root)).to_have_count(2)
    assert sorted(row_names(root)) == team_b
    expect(root.locator('tr[data-name="fresh-reviews"] td').nth(3)).to_have_text("5")
    screenshot(page, "home-lab-workspace-team-b")

    # Open team-b's fresh-reviews (5 records, not the default workspace's 40), then go back.
    root.get_by_role("button", name="fresh-reviews", exact=True).click()
    dataset_page = page.locator(".rw-root")
    expect(dataset_page).to_be_visible(timeout=30_000)
    expect(dataset_page.locator("h2")).to_have_text("fresh-reviews")
    expect(dataset_page.get_by_role("article")).to_have_count(5)
    screenshot(page, "home-lab-workspace-opened")
    page.get_by_role("button", name="Back to datasets").click()
    root = page.locator(".rw-home")
    expect(root).to_be_visible()
    expect(root.get_by_role("combobox", name="Workspace")).to_have_value("team-b")
    expect(rows(root)).to_have_count(2)
    assert sorted(row_names(root)) == team_b
    assert not page_errors()
