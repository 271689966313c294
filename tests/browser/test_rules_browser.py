"""The Rules panel and the "Model vs annotations" table in a real JupyterLab page.

A person writes a rule in the panel, sees its coverage, saves it and finds it in the
list; then annotates a few records and sees the F1 table appear. What the page shows is
checked against the library computed in this process on the same workspace
(``rule_metrics``, ``load_rules``, ``summary_numbers``).
"""

from __future__ import annotations

import pytest

import rubrix_widgets as rb
from rubrix_widgets.labeling.text_classification import load_rules, rule_metrics
from rubrix_widgets.metrics import summary_numbers
from rubrix_widgets.record_query import matching_table

from .jupyter_server import screenshot, wait_for_report

expect = pytest.importorskip("playwright.sync_api").expect

DATASET = "reviews"
N = 200
RULE = "funny OR hilarious OR laugh*"


@pytest.fixture
def reviews(rotten_tomatoes):
    """200 real reviews predicted by a TF-IDF + logistic regression model trained on others;
    nobody has annotated them yet."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    data = rotten_tomatoes.dropna(subset=["text"]).reset_index(drop=True)
    train, shown = data.iloc[:3000], data.iloc[3000 : 3000 + N]
    model = make_pipeline(TfidfVectorizer(min_df=2), LogisticRegression(max_iter=500))
    model.fit(train.text, train.category)
    rb.log(
        [
            rb.TextClassificationRecord(
                id=i,
                text=text,
                prediction=list(zip(model.classes_, map(float, row), strict=True)),
                prediction_agent="tfidf-logreg",
            )
            for i, (text, row) in enumerate(
                zip(shown.text, model.predict_proba(shown.text), strict=True)
            )
        ],
        DATASET,
        verbose=False,
    )
    return shown


def percent(value: float) -> str:
    """As the page writes a share (format.ts ``percent``)."""
    digits = 0 if value >= 0.9995 or value < 0.0005 else 1
    return f"{value * 100:.{digits}f}%"


def test_write_check_and_save_a_rule_then_see_f1_after_annotating(
    lab_server, page, page_errors, run_notebook, report_path, reviews
):
    run_notebook(
        lab_server,
        [
            f"w = rb.show({DATASET!r}, mode='annotate', page_size=10)\n"
            "display(w)\nreport(ready=True, total=w.total)"
        ],
    )
    assert wait_for_report(report_path, "ready")["total"] == N
    root = page.locator(".rw-root")
    expect(root).to_be_visible(timeout=60_000)
    metrics = root.get_by_role("region", name="Model vs annotations")
    expect(metrics).to_contain_text("No annotated records in this search yet")

    # Search first: the Rules panel's query box starts from the current search.
    matching = rb.load(DATASET, query=RULE)
    assert len(matching) >= 3
    search = root.get_by_role("searchbox", name="Search records")
    search.fill(RULE)
    search.press("Enter")
    expect(root.locator(".rw-total")).to_have_text(f"{len(matching)} records")
    root.get_by_role("button", name="Rules").click()
    query = root.get_by_role("textbox", name="Rule query")
    expect(query).to_have_value(RULE)

    # Type a rule: its coverage shows up while typing (no Enter, no button).
    label = root.get_by_role("combobox", name="Rule label")
    label.fill("fresh")
    query.fill("")
    query.press_sequentially(RULE, delay=15)
    expected = rule_metrics(DATASET, RULE, "fresh")
    coverage = root.locator('[data-metric="coverage"]')
    shown = f"{percent(expected['coverage'])} ({len(matching)} of {N})"
    expect(coverage).to_have_text(shown)
    expect(root.locator('[data-metric="precision"]')).to_have_text("—")  # nothing annotated

    # A syntax error shows under the box, as the search bar shows it.
    query.fill(f"{RULE} AND (")
    expect(root.locator(".rw-rules .rw-search-error")).to_contain_text("^")
    expect(root.get_by_role("button", name="Save rule")).to_be_disabled()
    query.fill(RULE)
    expect(coverage).to_have_text(shown)

    # Save it: it is stored with the dataset and listed with its numbers.
    root.get_by_role("button", name="Save rule").click()
    expect(root.locator(".rw-rule-status")).to_have_text("Rule saved")
    assert [(r.query, r.label) for r in load_rules(DATASET)] == [(RULE, "fresh")]
    saved_rule = root.get_by_role("list", name="Saved rules").get_by_role("listitem")
    expect(saved_rule).to_have_count(1)
    expect(saved_rule).to_contain_text(RULE)
    expect(saved_rule).to_contain_text(f"coverage {percent(expected['coverage'])} · precision —")

    # Annotate three of the matches: the F1 table appears once the clicks settle.
    cards = root.get_by_role("article")
    for i, name in enumerate(["fresh", "rotten", "plot"]):
        cards.nth(i).get_by_role("button", name=name, exact=True).click()
        expect(cards.nth(i).locator(".rw-status")).to_have_text("Validated", timeout=20_000)
    table = metrics.locator("table")
    expect(table.locator("caption")).to_have_text(
        "3 records with an annotation and a prediction", timeout=20_000
    )
    f1 = summary_numbers(*matching_table(DATASET, RULE))["f1"]
    assert f1["records"] == 3
    micro = f1["micro"]
    expect(table.locator("tfoot tr").first).to_have_text(
        f"micro avg{micro['precision']:.2f}{micro['recall']:.2f}{micro['f1']:.2f}3"
    )
    expect(table.locator("tbody tr")).to_have_count(len(f1["per_label"]))
    # the saved rule was recounted: one of the three it covers is "fresh"
    assert rule_metrics(DATASET, RULE, "fresh")["precision"] == pytest.approx(1 / 3)
    expect(saved_rule).to_contain_text("precision 33.3%")
    expect(root.locator('[data-metric="correct"]')).to_have_text("1 / 2")  # the typed rule too
    screenshot(page, "rules-and-metrics-lab")
    assert not page_errors()
