"""The dataset page in a real JupyterLab 4 / Notebook 7 page, driven like a person would.

The test process logs real movie reviews (with a real model's predictions)
into the test's workspace; the notebook's kernel opens them with ``rb.show``.
Every change made in the browser is then checked from the kernel's side:
on disk (``rb.load`` in this process reads the same workspace) and in
``w.df`` (the kernel reports each new frame through ``report()``).
"""

from __future__ import annotations

import re

import pytest

import rubrix_widgets as rb

from .jupyter_server import screenshot, wait_for_report

expect = pytest.importorskip("playwright.sync_api").expect

DATASET = "reviews"
N = 300

SHOW_CELL = f"""\
rb.init(annotator="ada")
w = rb.show({DATASET!r}, page_size=10)

def _report_df(change):
    frame = change["new"]
    report(df_rows=len(frame), df_annotations={{
        str(i): a for i, a, s in zip(frame.id, frame.annotation, frame.status) if s != "Default"
    }}, df_statuses=frame.status.value_counts().to_dict())

w.observe(_report_df, names="df")
display(w)
report(ready=True, total=w.total)"""


@pytest.fixture
def reviews(rotten_tomatoes):
    """300 real reviews, predicted by a TF-IDF + logistic regression model trained on others."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    data = rotten_tomatoes.dropna(subset=["text"])
    data = data[data.category.isin(["fresh", "rotten", "plot"])].reset_index(drop=True)
    train, test = data.iloc[:3000], data.iloc[3000 : 3000 + N]
    model = make_pipeline(TfidfVectorizer(min_df=2), LogisticRegression(max_iter=500))
    model.fit(train.text, train.category)
    probabilities = model.predict_proba(test.text)
    records = [
        rb.TextClassificationRecord(
            id=i,
            text=text,
            prediction=list(zip(model.classes_, map(float, row), strict=True)),
            prediction_agent="tfidf-logreg",
            metadata={"movie": movie, "gold": gold},
        )
        for i, (text, movie, gold, row) in enumerate(
            zip(test.text, test.movie_name, test.category, probabilities, strict=True)
        )
    ]
    rb.log(records, DATASET, verbose=False)
    return rb.load(DATASET)


def stored(record_id):
    row = rb.load(DATASET, ids=[record_id]).iloc[0]
    return row.annotation, row.status, row.annotation_agent


def widget_of(page):
    root = page.locator(".rw-root")
    expect(root).to_be_visible(timeout=60_000)
    return root


def saved(root):
    expect(root.get_by_role("status")).to_have_text(re.compile(r"^Saved"), timeout=20_000)


def test_search_filter_annotate_bulk_and_undo(
    jupyter, page, page_errors, run_notebook, report_path, reviews
):
    run_notebook(jupyter, [SHOW_CELL])
    assert wait_for_report(report_path, "ready")["total"] == N
    root = widget_of(page)
    articles = root.get_by_role("article")
    expect(articles).to_have_count(10)
    expect(root.get_by_role("region", name="Progress")).to_contain_text("300")

    # Search: a bad query says why, in the widget.
    search = root.get_by_role("searchbox", name="Search records")
    search.fill("funny and (")
    search.press("Enter")
    expect(root.get_by_role("alert").first).to_contain_text("Hint: operators are uppercase")
    word = "funny"
    expected = rb.load(DATASET, query=word)
    search.fill(word)
    search.press("Enter")
    expect(root.locator(".rw-total")).to_have_text(f"{len(expected)} records")
    expect(articles.first).to_contain_text(re.compile(word, re.IGNORECASE))

    # Filter: predicted as fresh, shown as a chip.
    search.fill("")
    search.press("Enter")
    expect(root.locator(".rw-total")).to_have_text(f"{N} records")
    root.get_by_role("button", name=re.compile("^Predicted as")).click()
    root.get_by_role("group", name="Predicted as filter").get_by_role(
        "checkbox", name=re.compile("^fresh")
    ).check()
    fresh = rb.load(DATASET, query="predicted_as:fresh")
    expect(root.locator(".rw-total")).to_have_text(f"{len(fresh)} records")
    chip = root.get_by_role("button", name="Remove filter Predicted as: fresh")
    expect(chip).to_be_visible()
    chip.click()
    expect(root.locator(".rw-total")).to_have_text(f"{N} records")

    # Annotate by clicking: single-label, one click = annotated and Validated.
    root.get_by_role("button", name="Annotate", exact=True).click()
    first = articles.nth(0)
    first_id = int(first.get_attribute("aria-label").split()[-1])
    first.get_by_role("button", name="rotten", exact=True).click()
    saved(root)
    assert stored(first_id) == ("rotten", "Validated", "ada")  # ada: the kernel's rb.init
    report = wait_for_report(report_path, "df_annotations")
    assert report["df_annotations"][str(first_id)] == "rotten"

    # Keyboard: 1 picks the first label and moves on, Enter validates, Backspace discards.
    ids = [int(articles.nth(i).get_attribute("aria-label").split()[-1]) for i in range(4)]
    articles.nth(1).focus()
    page.keyboard.press("1")
    saved(root)
    expect(articles.nth(2)).to_be_focused()
    page.keyboard.press("Enter")
    saved(root)
    expect(articles.nth(3)).to_be_focused()
    page.keyboard.press("Backspace")
    saved(root)
    first_label = sorted({label for pred in reviews.prediction for label, _ in pred})[0]
    assert stored(ids[1])[:2] == (first_label, "Validated")
    top = max(reviews.set_index("id").prediction[ids[2]], key=lambda p: p[1])[0]
    assert stored(ids[2])[:2] == (top, "Validated")  # validated = the top prediction
    assert stored(ids[3])[1] == "Discarded"

    # Keys typed in the widget never reach the notebook (a/b would insert cells).
    cells_before = page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.content.widgets.length"
    )
    articles.nth(4).focus()
    for key in ["a", "b", "m", "d", "d"]:
        page.keyboard.press(key)
    cells_after = page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.content.widgets.length"
    )
    assert cells_after == cells_before

    # Bulk: every record matching a search, not only the page.
    query = "movie OR film"
    matching = rb.load(DATASET, query=query)
    assert len(matching) > 10
    search.fill(query)
    search.press("Enter")
    expect(root.locator(".rw-total")).to_have_text(f"{len(matching)} records")
    root.locator('[data-key="select-page"]').check()
    root.get_by_role(
        "button", name=f"Select all {len(matching)} records matching this search"
    ).click()
    root.get_by_label("Annotate selected as").select_option("plot")
    root.get_by_role("button", name="Annotate selected").click()
    saved(root)
    after = rb.load(DATASET, query=query)
    assert set(after.annotation) == {"plot"} and set(after.status) == {"Validated"}
    report = wait_for_report(report_path, "df_statuses")
    expect(root.get_by_role("region", name="Progress")).to_contain_text(str(N))
    screenshot(page, f"dataset-page-{jupyter.app}-annotated")

    # Undo (button), then redo (keyboard): the kernel keeps the history.
    root.get_by_role("button", name="Undo").click()
    saved(root)
    undone = rb.load(DATASET, ids=matching.id.tolist()).set_index("id")
    was = matching.set_index("id")
    assert (undone.status == was.status).all()
    articles.first.focus()
    page.keyboard.press("Control+Shift+Z")
    saved(root)
    assert set(rb.load(DATASET, query=query).annotation) == {"plot"}
    assert not page_errors()


def test_state_survives_a_page_reload(
    lab_server, page, page_errors, run_notebook, report_path, reviews
):
    run_notebook(lab_server, [SHOW_CELL])
    wait_for_report(report_path, "ready")
    root = widget_of(page)
    root.get_by_role("button", name="Annotate", exact=True).click()
    search = root.get_by_role("searchbox", name="Search records")
    search.fill("predicted_as:plot")
    search.press("Enter")
    plot = rb.load(DATASET, query="predicted_as:plot")
    expect(root.locator(".rw-total")).to_have_text(f"{len(plot)} records")
    target = root.get_by_role("article").first
    target_id = int(target.get_attribute("aria-label").split()[-1])
    target.get_by_role("button", name="Discard").click()
    saved(root)
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_timeout(1000)
    page.reload()
    root = widget_of(page)
    expect(root.get_by_role("searchbox", name="Search records")).to_have_value("predicted_as:plot")
    expect(root.get_by_role("button", name="Annotate", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    card = root.get_by_role("article", name=f"Record {target_id}")
    expect(card.locator(".rw-status")).to_have_text("Discarded")
    expect(root.get_by_role("button", name="Undo")).to_be_enabled()
    screenshot(page, "dataset-page-lab-after-reload")
    assert stored(target_id)[1] == "Discarded"
    assert not page_errors()


def test_text2text_use_a_prediction_edit_it_and_validate(
    lab_server, page, page_errors, run_notebook, report_path, chatterbot_pairs
):
    pairs = chatterbot_pairs[:30]
    rb.log(
        [
            rb.Text2TextRecord(
                id=i, text=prompt, prediction=[(reply, 0.9), (pairs[(i + 5) % 30][1], 0.2)]
            )
            for i, (prompt, reply) in enumerate(pairs)
        ],
        "replies",
        verbose=False,
    )
    run_notebook(
        lab_server,
        ["w = rb.show('replies', mode='annotate', page_size=5); display(w); report(ready=True)"],
    )
    wait_for_report(report_path, "ready")
    root = widget_of(page)
    card = root.get_by_role("article", name="Record 0")
    expect(card).to_contain_text(pairs[0][0])
    card.get_by_role("button", name="Use this").first.click()
    saved(root)
    assert rb.load("replies", ids=[0]).status.tolist() == ["Edited"]
    editor = card.get_by_role("textbox", name="Annotation for record 0")
    expect(editor).to_have_value(pairs[0][1])
    editor.fill("Thanks, and you?")
    editor.press("j")  # typing keys stay in the text area
    card.get_by_role("button", name="Validate").click()
    saved(root)
    row = rb.load("replies", ids=[0]).iloc[0]
    assert (row.annotation, row.status) == ("Thanks, and you?j", "Validated")
    expect(card.locator(".rw-status")).to_have_text("Validated")
    screenshot(page, "text2text-lab")
    assert not page_errors()


NER_EMOJI = ["Ada", "👩\u200d💻", "flies", "to", "Zu\u0308rich", "🇨🇭", "with", "Björn"]


def test_ner_create_relabel_and_remove_spans(
    lab_server, page, page_errors, run_notebook, report_path, ner_sentences
):
    records = [
        rb.TokenClassificationRecord(
            id=i, tokens=[t for t, _ in s], prediction=None, metadata={"source": "wnut"}
        )
        for i, s in enumerate(ner_sentences[:5])
    ]
    records.append(rb.TokenClassificationRecord(id=99, tokens=NER_EMOJI, text=" ".join(NER_EMOJI)))
    rb.log(records, "ner", verbose=False)
    rb.configure_dataset("ner", rb.TokenClassificationSettings(label_schema=["PER", "LOC", "ORG"]))
    run_notebook(
        lab_server,
        ["w = rb.show('ner', query='id:99', mode='annotate'); display(w); report(ready=True)"],
    )
    wait_for_report(report_path, "ready")
    root = widget_of(page)
    card = root.get_by_role("article", name="Record 99")
    tokens = card.locator(".rw-tok")
    expect(tokens).to_have_count(len(NER_EMOJI))
    expect(tokens.nth(1)).to_have_text(NER_EMOJI[1])

    # drag from "Ada" over the emoji: one PER span of two tokens
    tokens.nth(0).hover()
    page.mouse.down()
    tokens.nth(1).hover()
    page.mouse.up()
    picker = card.get_by_role("listbox", name="Entity")
    expect(picker).to_be_visible()
    picker.get_by_role("option", name=re.compile("^PER")).click()
    saved(root)
    text = " ".join(NER_EMOJI)
    assert rb.load("ner", ids=[99]).annotation.iloc[0] == [("PER", 0, len("Ada 👩\u200d💻"))]

    # click + Shift+click "Zürich" .. "🇨🇭", type to filter, Enter
    tokens.nth(4).click()
    tokens.nth(5).click(modifiers=["Shift"])
    card.get_by_label("Filter entities").fill("lo")
    card.get_by_label("Filter entities").press("Enter")
    saved(root)
    start = text.index("Zu\u0308rich")
    loc = ("LOC", start, start + len("Zu\u0308rich 🇨🇭"))
    assert rb.load("ner", ids=[99]).annotation.iloc[0][1] == loc

    # relabel: remove LOC, mark the same tokens ORG with a number key
    card.get_by_role("button", name="Remove LOC").click()
    saved(root)
    tokens.nth(4).hover()
    page.mouse.down()
    tokens.nth(5).hover()
    page.mouse.up()
    page.keyboard.press("3")  # the picker's filter has focus: 3 = ORG
    saved(root)
    stored = rb.load("ner", ids=[99]).iloc[0]
    assert stored.annotation == [("PER", 0, len("Ada 👩\u200d💻")), ("ORG", *loc[1:])]
    assert stored.status == "Edited"
    expect(card.locator(".rw-ent-tag")).to_have_count(2)
    screenshot(page, "ner-lab")
    card.get_by_role("button", name="Validate").click()
    saved(root)
    assert rb.load("ner", ids=[99]).status.iloc[0] == "Validated"
    assert not page_errors()
