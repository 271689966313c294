"""The same person-level checks in every notebook host (issue 13), and issue 16's host details.

Hosts and their apps: see ``conftest.py``. Each test opens the host's app once and
runs a group of named checks (:class:`Checklist`); every write is checked on disk
from this process (``rb.load`` in the host's workspace). Groups:

- page: the first view shows everything the kernel computed (16a), search, a filter
  chip, click a label, the keyboard right after that click (16c), 1 / Enter /
  Backspace on the focused record, the host's own shortcuts untouched, Undo;
- home: the list, open a dataset (16b: no AssertionError in marimo), back;
- ner_text2text: an NER span, a Text2Text edit;
- themes: light and dark screenshots ``host-<host>-<theme>-<what>.png`` (16d), and
  the widget's text follows the host's theme.
"""

from __future__ import annotations

import re

import pytest

import rubrix_widgets as rb

from ..jupyter_server import screenshot
from .checklist import (
    DEEP_FOCUS_JS,
    Checklist,
    card,
    eventually,
    eventually_equal,
    expect,
    host_document,
    relative_luminance,
    stored,
    widget,
)
from .conftest import off_host_problems
from .host_data import N_REVIEWS, NER, REPLIES, REVIEWS, TWEETS

LABELS = ["fresh", "plot", "rotten"]  # the reviews' labels, in the page's order (1, 2, 3)


def rendered(page, name: str, timeout: float = 60_000):
    """The page of dataset ``name`` once visible; if it never shows, say what was blocked."""
    root = widget(page, name)
    try:
        expect(root).to_be_visible(timeout=timeout)
    except AssertionError as exc:
        raise AssertionError(
            f"the {name!r} page did not render; aborted requests off 127.0.0.1: "
            f"{page.off_host}; browser errors: {page.errors[-5:]}"
        ) from exc
    return root


def saved(root) -> None:
    expect(root.get_by_role("status")).to_have_text(re.compile(r"^Saved"), timeout=20_000)


def total(root):
    return root.locator(".rw-total")


def test_page_checklist(host, open_app):
    page = open_app()
    checks = Checklist(host.name, "page", page)
    root = rendered(page, REVIEWS)
    articles = root.get_by_role("article")

    with checks.step("render"):
        expect(articles).to_have_count(10)
        expect(total(root)).to_have_text(f"{N_REVIEWS} records")

    with checks.step("first view shows all the kernel computed (16a)"):
        # No search was run: these come from the kernel's first refresh.
        expect(root.locator("button.rw-menu-button", has_text="Metadata")).to_be_visible(
            timeout=15_000
        )
        expect(root.get_by_role("region", name="Model vs annotations")).to_be_visible()
        expect(root.get_by_role("region", name="Predicted as")).to_be_visible()
        expect(root.get_by_role("region", name="Keywords")).to_be_visible()

    with checks.step("search"):
        word = next(w for w in ("funny", "comedy", "film") if len(rb.load(REVIEWS, query=w)) > 0)
        search = root.get_by_role("searchbox", name="Search records")
        search.fill(word)
        search.press("Enter")
        expect(total(root)).to_have_text(f"{len(rb.load(REVIEWS, query=word))} records")
        expect(articles.first).to_contain_text(re.compile(word, re.IGNORECASE))
        search.fill("")
        search.press("Enter")
        expect(total(root)).to_have_text(f"{N_REVIEWS} records")

    with checks.step("filter chip"):
        menu = root.locator("button.rw-menu-button", has_text="Predicted as")
        menu.click()
        root.get_by_role("group", name="Predicted as filter").get_by_role(
            "checkbox", name=re.compile("^fresh")
        ).check()
        menu.click()  # closed: the open menu covers the chips
        fresh = rb.load(REVIEWS, query="predicted_as:fresh")
        expect(total(root)).to_have_text(f"{len(fresh)} records")
        chip = root.get_by_role("button", name="Remove filter Predicted as: fresh")
        chip.click()
        expect(total(root)).to_have_text(f"{N_REVIEWS} records")

    with checks.step("click a label to annotate"):
        expect(root.get_by_role("button", name="Annotate", exact=True)).to_have_attribute(
            "aria-pressed", "true"
        )
        card(root, 0).get_by_role("button", name="rotten", exact=True).click()
        saved(root)
        assert stored(REVIEWS, 0) == ("rotten", "Validated")

    with checks.step("keyboard right after a click, no click on a card (16c)"):
        # Focus stays on record 0 (1 relabels it "fresh") or moved to record 1.
        page.keyboard.press("1")
        eventually(
            lambda: stored(REVIEWS, 0)[0] == LABELS[0] or stored(REVIEWS, 1)[1] != "Default",
            "record 0 or 1 changed by the key 1",
        )

    before = host_document(page, host.name)
    with checks.step("keyboard 1 / Enter / Backspace on the focused record"):
        card(root, 3).focus()
        page.keyboard.press("1")
        eventually(lambda: stored(REVIEWS, 3) == (LABELS[0], "Validated"), "record 3 after 1")
        expect(card(root, 4)).to_be_focused()
        page.keyboard.press("Enter")
        eventually(lambda: stored(REVIEWS, 4)[1] == "Validated", "record 4 after Enter")
        expect(card(root, 5)).to_be_focused()
        page.keyboard.press("Backspace")
        eventually(lambda: stored(REVIEWS, 5)[1] == "Discarded", "record 5 after Backspace")

    with checks.step("keys typed in the widget leave the host's document alone"):
        # Keys the page does not use but the host does (Jupyter: m = markdown, a / b = new
        # cell; marimo: a / b = new cell), typed on a focused card.
        card(root, 7).focus()
        for key in ("m", "a", "b"):
            page.keyboard.press(key)
        assert host_document(page, host.name) == before
        chain = page.evaluate(DEEP_FOCUS_JS)
        assert any("rw-card" in el or el.startswith("article") for el in chain), chain

    with checks.step("undo"):
        card(root, 6).get_by_role("button", name="plot", exact=True).click()
        eventually(lambda: stored(REVIEWS, 6) == ("plot", "Validated"), "record 6 after a click")
        root.get_by_role("button", name="Undo").click()
        eventually(lambda: stored(REVIEWS, 6)[1] == "Default", "record 6 after Undo")

    with checks.step("no request left 127.0.0.1 but the host's own chrome"):
        assert off_host_problems(host.name, page) == []
    with checks.step("no page errors"):
        assert not page.errors, " | ".join(page.errors)
    checks.verify()


def test_home_open_a_dataset_and_back(host, open_app):
    page = open_app()
    checks = Checklist(host.name, "home", page)
    rendered(page, REVIEWS)  # the app's first widget: the rest is coming
    home = page.locator(".rw-home")
    rows = home.locator("tbody tr[data-name]")

    with checks.step("home list renders"):
        expect(home).to_be_visible()
        expect(rows).to_have_count(4)

    with checks.step("open a dataset from the list (16b)"):
        home.get_by_role("button", name=TWEETS, exact=True).click()
        opened = rendered(page, TWEETS, timeout=10_000)
        expect(opened.get_by_role("article")).to_have_count(15)
        assert "AssertionError" not in host.log_tail(200)

    with checks.step("back to the list"):
        page.get_by_role("button", name="Back to datasets").click()
        expect(page.locator(".rw-home")).to_be_visible()
        expect(page.locator(".rw-home tbody tr[data-name]")).to_have_count(4)
        expect(widget(page, TWEETS)).to_have_count(0)

    with checks.step("no page errors"):
        errors = [e for e in page.errors if "AssertionError" in e or "pageerror" in e]
        assert not errors, " | ".join(errors)
    checks.verify()


def test_ner_span_and_text2text_edit(host, open_app, ner_sentences, chatterbot_pairs):
    page = open_app()
    checks = Checklist(host.name, "ner_text2text", page)
    ner = rendered(page, NER)
    replies = rendered(page, REPLIES)

    with checks.step("NER: drag over two tokens, pick PER"):
        tokens = [t for t, _ in ner_sentences[0]]
        # As a person does: drag once the page shows it is in Annotate mode.
        expect(ner.get_by_role("button", name="Annotate", exact=True)).to_have_attribute(
            "aria-pressed", "true"
        )
        first = card(ner, 0)
        toks = first.locator(".rw-tok")
        expect(toks).to_have_count(len(tokens))
        picker = first.get_by_role("listbox", name="Entity")
        # A person whose drag did not take drags again. Under load (2 cores, the whole
        # suite) a synthetic drag in `marimo edit` was once lost; the retry is printed, so a
        # drag that never takes still fails and one that needs retries stays visible.
        for attempt in range(1, 4):
            toks.nth(0).drag_to(toks.nth(1))
            try:
                expect(picker).to_be_visible(timeout=5_000)
                break
            except AssertionError:
                print(f"{host.name}: the NER drag did not open the picker (try {attempt} of 3)")
        picker.get_by_role("option", name=re.compile("^PER")).click()
        span = ("PER", 0, len(tokens[0]) + 1 + len(tokens[1]))
        eventually(lambda: stored(NER, 0)[0] == [span], "the NER span on disk")

    with checks.step("Text2Text: use a prediction, edit, validate"):
        reply = card(replies, 0)
        reply.get_by_role("button", name="Use this").first.click()
        eventually_equal(
            lambda: stored(REPLIES, 0), (chatterbot_pairs[0][1], "Edited"), "the used prediction"
        )
        editor = reply.get_by_role("textbox", name="Annotation for record 0")
        expect(editor).to_have_value(chatterbot_pairs[0][1])  # a person edits what they see
        editor.fill("Thanks, and you?")
        reply.get_by_role("button", name="Validate").click()
        eventually_equal(
            lambda: stored(REPLIES, 0), ("Thanks, and you?", "Validated"), "the edit on disk"
        )

    with checks.step("no page errors"):
        assert not page.errors, " | ".join(page.errors)
    checks.verify()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_themes(host, open_app, theme):
    page = open_app(theme)
    checks = Checklist(host.name, f"theme-{theme}", page)
    root = rendered(page, REVIEWS)
    expect(root.get_by_role("article")).to_have_count(10)
    page.wait_for_timeout(500)  # let the host's own theme stylesheet settle before the picture
    screenshot(page, f"host-{host.name}-{theme}-page")
    home = page.locator(".rw-home")
    with checks.step("home list screenshot"):
        expect(home).to_be_visible()
        home.scroll_into_view_if_needed()
        home.screenshot(path=str(screenshot(page, f"host-{host.name}-{theme}-home")))
    with checks.step(f"the widget's text follows the host's {theme} theme"):
        color = root.locator("h2").evaluate("el => getComputedStyle(el).color")
        light_text = relative_luminance(color) > 0.5
        assert light_text == (theme == "dark"), f"title color {color} in the {theme} theme"
    checks.verify()
