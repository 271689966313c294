"""Hostile content in a real browser (JupyterLab 4; one Notebook 7 case).

Records whose text, labels, metadata keys and values, agents, ids and input keys
hold ``<script>``, ``<img onerror>``, ``<svg onload>``, ``javascript:`` links,
``<iframe srcdoc>``, ``<style>`` with ``url(javascript:)``, attribute breakouts,
template syntax, an unterminated RTL override (U+202E), control characters and
1 MB strings: every one renders as inert text.

Each payload would set ``window.__pwned`` (or open a dialog) if it ever ran; the
tests check that it stays undefined, that no dialog opened and no console error
was logged, that the widgets hold no element a payload could have made (no
``<script>``, ``<img>``, ``<iframe>``, ``<svg>``, ``<a>``, no ``on*`` attribute),
that the payloads are visible literally, that every text node carrying a bidi
control sits in an isolating element (``unicode-bidi: isolate``), and that the
page still works: filters, sidebar, the NER picker, Text2Text predictions,
explanations and annotation clicks reach the kernel (checked with ``rb.load``),
also next to a 1 MB text (shown in a scrolling box once expanded) and a 1 MB
token classification text (the page shows its first 2,000 tokens and says so).
Nothing is wider than its widget. A control at the end shows the checks can see a
payload that does run (the same ``<img onerror>`` parsed as HTML).

Dataset names cannot be hostile: they are refused before anything touches the
disk (see tests/test_names.py); here the kernel checks that ``rb.show`` and
``rb.log`` refuse them, and the home list shows a dataset by its folder name even
when its ``dataset.json`` claims a hostile one.
"""

from __future__ import annotations

import json
import re
import time

import pytest

import rubrix_widgets as rb

from .jupyter_server import SCREENSHOTS, screenshot, wait_for_report

expect = pytest.importorskip("playwright.sync_api").expect

# -- payloads -----------------------------------------------------------------------------

PWN = "window.__pwned=(window.__pwned||0)+1"
SCRIPT = f"<script>{PWN}</script>"
IMG = f'<img src=x onerror="{PWN}">'
SVG = f"<svg onload={PWN}><circle r=9></svg>"
LINK = f'<a href="javascript:{PWN}">click me</a>'
IFRAME = f"<iframe srcdoc='<script>parent.{PWN}</script>'></iframe>"
STYLE = f'<style>*{{background:url("javascript:{PWN}")}}</style><b style="width:expression({PWN})">'
BREAKOUT = f"\"'><img src=x onerror={PWN}>"
TEMPLATE = "{{constructor.constructor('" + PWN + "')()}} ${" + PWN + "} <%= 7*7 %>"
JS_URL = f"javascript:{PWN}//"
DIALOG = "<img src=x onerror=alert(1)><script>confirm(1)</script>"
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE, never closed: it would flip what follows
RTL = f"{RLO}override{RLO}"
CONTROL = "ctl\x01\x07\x08\x0b\x0c\x1b[31mred\x1b[0m\x7f\u200b\ufeff\u2028\r\n\tend"

PAYLOADS = [SCRIPT, IMG, SVG, LINK, IFRAME, STYLE, BREAKOUT, TEMPLATE, JS_URL, DIALOG]
HOSTILE = " ".join([*PAYLOADS, RTL, CONTROL, "\x00nul"])

# Labels (no NUL or U+001F: rb.log refuses those in labels).
L_SCRIPT = SCRIPT
L_IMG = IMG
L_RTL = f"{RLO}rtl-label"
L_JS = JS_URL
L_CTL = "ctl\x07\x1b[31m\r\n\tlabel"
LABELS = [L_SCRIPT, L_IMG, L_RTL, L_JS, L_CTL]

AGENT = f"{IMG}{RLO}agent"
ANNOTATOR = f"{SCRIPT}{RLO}annotator"
MB = 1_000_000
BIG = SCRIPT + "x" * MB + RTL  # 1 MB with payloads at both ends
BIG_WORDS = (SCRIPT + " ") + "lorem ipsum " * (MB // 12)  # 1 MB that wraps

# The strings that must show up literally in the page.
VISIBLE = ["<script>", "<img src=x onerror=", "<iframe srcdoc=", "javascript:", "<svg onload="]

# -- checks run in the page -----------------------------------------------------------------

INERT_JS = """(roots) => {
  const tags = 'script, img, iframe, frame, object, embed, svg, math, link, meta, base, style, a,'
    + ' [href], [src], [srcdoc], [action], [formaction], [xlink\\\\:href]';
  const bad = [];
  const handlers = [];
  for (const root of roots) {
    for (const el of root.querySelectorAll(tags)) bad.push(el.outerHTML.slice(0, 100));
    for (const el of [root, ...root.querySelectorAll('*')]) {
      for (const a of el.attributes) {
        if (/^on/i.test(a.name) || /javascript:/i.test(a.name)) handlers.push(`${el.tagName} ${a.name}`);
      }
    }
  }
  return {bad, handlers, pwned: window.__pwned ?? null};
}"""

# Every text node holding a bidi control must sit in an element that isolates it
# (unicode-bidi: isolate / plaintext), so it cannot reorder the text around it.
# Native <select>/<option> and <textarea> are atomic controls: their text cannot
# leak out, and Chromium draws them itself.
BIDI_JS = """(roots) => {
  const controls = /[\\u202a-\\u202e\\u2066-\\u2069]/;
  const leaks = [];
  let seen = 0;
  for (const root of roots) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!controls.test(n.data)) continue;
      const el = n.parentElement;
      if (el.closest('select, option, textarea')) continue;
      seen += 1;
      const bidi = getComputedStyle(el).unicodeBidi;
      if (!['isolate', 'isolate-override', 'plaintext'].includes(bidi)) {
        leaks.push(`${el.tagName}.${el.className}: ${bidi} ${JSON.stringify(n.data.slice(0, 50))}`);
      }
    }
  }
  return {seen, leaks};
}"""

# Nothing wider than the widget: a 1 MB word or label must wrap or be clipped.
OVERFLOW_JS = """(roots) => {
  const out = [];
  for (const root of roots) {
    const box = root.getBoundingClientRect();
    if (root.scrollWidth > root.clientWidth + 2) out.push(`${root.className} scrollWidth ${root.scrollWidth} > ${root.clientWidth}`);
    for (const el of root.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width && r.right > box.right + 2 && getComputedStyle(el).position !== 'absolute') {
        out.push(`${el.tagName}.${el.className} right ${Math.round(r.right)} > ${Math.round(box.right)}`);
      }
    }
  }
  return out.slice(0, 40);
}"""


def widget(page, name: str):
    """The dataset page widget showing dataset ``name``."""
    root = page.locator(".rw-root").filter(has=page.locator("h2", has_text=re.compile(f"^{name}$")))
    expect(root).to_be_visible(timeout=60_000)
    return root


def check_inert(page, roots, dialogs) -> None:
    """No payload ran or left an element; bidi controls are isolated; nothing overflows."""
    handles = [r.element_handle() for r in roots]
    result = page.evaluate(INERT_JS, handles)
    assert result["pwned"] is None, "a payload ran"
    assert result["bad"] == [], "elements a payload could have made"
    assert result["handlers"] == [], "inline event handlers"
    assert dialogs == [], f"a payload opened dialogs or fetched its src: {dialogs}"
    bidi = page.evaluate(BIDI_JS, handles)
    assert bidi["seen"] > 0, "no text with a bidi control rendered: the RTL check checked nothing"
    assert bidi["leaks"] == [], "bidi controls that are not isolated"
    overflow = page.evaluate(OVERFLOW_JS, handles)
    assert overflow == [], "content wider than the widget"


def shot(locator, name: str):
    """A PNG of one element (``test-output/screenshots/<name>.png``)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    locator.screenshot(path=str(path))
    return path


def saved(root) -> None:
    expect(root.get_by_role("status")).to_have_text(re.compile(r"^Saved"), timeout=30_000)


@pytest.fixture
def dialogs(page):
    """What the payloads would have done, as seen from outside the page: dialogs opened
    (``alert(1)``) and requests for ``src=x`` (an ``<img>`` parsed even once, even detached
    from the document, fetches it)."""
    seen: list[str] = []

    def on_dialog(dialog):
        seen.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_request(request):
        if re.search(r"/x(\?|$)", request.url) or request.url.startswith("javascript:"):
            seen.append(f"request: {request.url}")

    page.on("dialog", on_dialog)
    page.on("request", on_request)
    return seen


# -- data -----------------------------------------------------------------------------------


def explanation(text: str) -> dict:
    return {
        "text": [
            rb.TokenAttributions(token=t, attributions={L_SCRIPT: 0.5 - i / 20, L_IMG: -0.2})
            for i, t in enumerate(text.split()[:20])
        ]
    }


def hostile_text_classification() -> None:
    metadata = {
        SCRIPT: IMG,
        f"{RLO}key": RTL,
        "control": CONTROL,
        "link": LINK,
        "nested": {IFRAME: [SVG, 1, None]},
    }
    records = [
        rb.TextClassificationRecord(
            id=1,
            text=HOSTILE,
            prediction=[(L_SCRIPT, 0.5), (L_IMG, 0.3), (L_RTL, 0.2)],
            prediction_agent=AGENT,
            annotation=L_JS,
            annotation_agent=ANNOTATOR,
            metadata=metadata,
            explanation=explanation(HOSTILE),
        ),
        rb.TextClassificationRecord(
            id=2,
            text=BIG,
            prediction=[(L_CTL, 0.6), (L_RTL, 0.4)],
            prediction_agent="x" * MB,
            metadata={"big": BIG, "k" * MB: "big key"},
        ),
        rb.TextClassificationRecord(
            id=3,
            inputs={SCRIPT: HOSTILE, f"{RLO}key": "right to left key", IMG: BIG_WORDS},
            prediction=[(L_IMG, 0.7), (L_SCRIPT, 0.3)],
            metadata=metadata,
        ),
        rb.TextClassificationRecord(
            id=f"{IMG}{RLO}id", text=f"An id with markup. {RTL} and more text after it."
        ),
        rb.TextClassificationRecord(
            id=5, text="A huge label.", prediction=[("L" * MB, 0.1), (L_SCRIPT, 0.9)]
        ),
    ]
    rb.log(records, "hostile-tc", verbose=False)
    rb.log(
        [
            rb.TextClassificationRecord(
                id=i,
                text=f"Multi-label record {i}: {SCRIPT} {RTL}",
                prediction=[(label, 0.9 - i / 10) for label in LABELS],
                annotation=[LABELS[i], LABELS[i + 1]],
                multi_label=True,
                annotation_agent=ANNOTATOR,
            )
            for i in range(3)
        ],
        "hostile-ml",
        verbose=False,
    )


TC_CELLS = [
    'rb.init(annotator="ada")',
    "w = rb.show('hostile-tc', mode='annotate', page_size=10); display(w)",
    "m = rb.show('hostile-ml', mode='annotate'); display(m); report(ready=True)",
]


def test_text_classification_renders_hostile_content_as_inert_text(
    lab_server, page, page_errors, dialogs, run_notebook, report_path
):
    hostile_text_classification()
    run_notebook(lab_server, TC_CELLS)
    wait_for_report(report_path, "ready")
    root = widget(page, "hostile-tc")
    multi = widget(page, "hostile-ml")
    articles = root.get_by_role("article")
    expect(articles).to_have_count(5)
    first = root.get_by_role("article", name="Record 1")
    for literal in VISIBLE:
        expect(first).to_contain_text(literal)
    expect(first.locator(".rw-agents")).to_contain_text(f"predicted by {AGENT}")
    screenshot(page, "hostile-tc-lab")

    # Metadata: hostile keys and values, literally.
    first.get_by_role("button", name="Metadata").click()
    dl = first.locator(".rw-metadata")
    expect(dl).to_contain_text(SCRIPT)
    expect(dl).to_contain_text(IMG)
    check_inert(page, [root, multi], dialogs)
    shot(first, "hostile-tc-record-1-metadata")
    for record in ["Record 2", "Record 3", f"Record {IMG}{RLO}id", "Record 5"]:
        card = root.get_by_role("article", name=record, exact=True)
        shot(card, f"hostile-tc-{record.split()[1][:8]}".replace("<", "").replace('"', ""))

    # Filters: hostile label facets, pick one, the chip says it literally.
    root.get_by_role("button", name=re.compile("^Predicted as")).click()
    menu = root.get_by_role("group", name="Predicted as filter")
    expect(menu).to_contain_text(L_SCRIPT)
    menu.get_by_role("checkbox", name=re.compile(re.escape(L_IMG))).check()
    expect(root.locator(".rw-total")).to_have_text("1 record")  # its top prediction
    expect(articles).to_have_count(1)
    expect(articles.first).to_have_attribute("aria-label", "Record 3")
    screenshot(page, "hostile-tc-lab-filter")
    chip = root.get_by_role("button", name=f"Remove filter Predicted as: {L_IMG}")
    expect(chip).to_be_visible()
    check_inert(page, [root, multi], dialogs)
    chip.click()
    expect(root.locator(".rw-total")).to_have_text("5 records")

    # Sidebar: label counts with hostile labels, keywords.
    sidebar = root.locator(".rw-sidebar")
    expect(sidebar.get_by_role("region", name="Progress")).to_contain_text("Validated1")
    expect(sidebar.locator("section[aria-label='Predicted as']")).to_contain_text(L_SCRIPT)
    expect(sidebar.locator("section[aria-label='Keywords']")).to_contain_text("onerror")
    shot(sidebar, "hostile-tc-sidebar")

    # Explanations: the legend and hostile tokens.
    expect(first.locator(".rw-legend")).to_be_visible()
    expect(first.locator(".rw-explained")).to_contain_text("<script>window.__pwned")

    # Annotate the 1 MB record with a hostile label: the page still responds.
    big = root.get_by_role("article", name="Record 2")
    started = time.monotonic()
    big.get_by_role("button", name=L_RTL, exact=True).click()
    saved(root)
    elapsed = time.monotonic() - started
    row = rb.load("hostile-tc", ids=[2]).iloc[0]
    assert (row.annotation, row.status, row.annotation_agent) == (L_RTL, "Validated", "ada")
    assert elapsed < 15, f"annotating the 1 MB record took {elapsed:.1f} s"
    # Show the whole 1 MB text: it scrolls in its own box, the card's controls stay in
    # reach and still work; then show less again.
    more = big.get_by_role("button", name=re.compile("^Show more"))
    expect(more).to_contain_text(f"{len(BIG):,}")
    started = time.monotonic()
    more.click()
    expect(big.get_by_role("button", name="Show less")).to_be_visible(timeout=30_000)
    expanded = big.locator(".rw-text-open")
    expect(expanded).to_contain_text(RTL)
    assert time.monotonic() - started < 15
    assert expanded.evaluate("p => p.scrollHeight > 100 * p.clientHeight")
    assert expanded.bounding_box()["height"] <= 0.75 * page.viewport_size["height"]
    big.locator(".rw-text-open").scroll_into_view_if_needed()
    screenshot(page, "hostile-tc-lab-1mb-expanded")
    big.get_by_role("button", name=L_CTL, exact=True).click()
    saved(root)
    assert rb.load("hostile-tc", ids=[2]).annotation.iloc[0] == L_CTL
    big.get_by_role("button", name="Show less").click()
    expect(more).to_be_visible()

    # Multi-label: toggle a hostile label off.
    card = multi.get_by_role("article", name="Record 0")
    box = card.get_by_role("checkbox", name=L_SCRIPT, exact=True)
    expect(box).to_be_checked()
    box.uncheck()
    saved(multi)
    assert rb.load("hostile-ml", ids=[0]).annotation.iloc[0] == [L_IMG]
    check_inert(page, [root, multi], dialogs)
    screenshot(page, "hostile-tc-lab-end")
    assert not page_errors()

    # Control: the same payload parsed as HTML does run here, and the checks see it.
    page.evaluate("html => { document.createElement('div').innerHTML = html; }", IMG)
    page.wait_for_function("() => window.__pwned === 1")
    assert any(seen.startswith("request:") for seen in dialogs)


# -- token classification and Text2Text --------------------------------------------------

NER_TOKENS = [
    SCRIPT,
    "<img",
    "src=x",
    f"onerror={PWN}>",
    "Ada",
    "Lovelace",
    "met",
    RTL,
    "in",
    JS_URL,
]
# U+202E also between tokens (in no token): the text around the tokens is isolated too.
NER_TEXT = " ".join(NER_TOKENS[:6]) + f" {RLO} " + " ".join(NER_TOKENS[6:])
HUGE_NER = f"{SCRIPT} " + " ".join(["word"] * (MB // 5))
T2T_PREDICTION = f"{SCRIPT} {IMG} {RTL} {CONTROL}"


def offsets(tokens: list[str], text: str) -> list[tuple[int, int]]:
    out, cursor = [], 0
    for token in tokens:
        start = text.index(token, cursor)
        out.append((start, start + len(token)))
        cursor = start + len(token)
    return out


def hostile_ner_and_text2text() -> None:
    spans = offsets(NER_TOKENS, NER_TEXT)
    rb.log(
        [
            rb.TokenClassificationRecord(
                id=1,
                text=NER_TEXT,
                tokens=NER_TOKENS,
                prediction=[(L_SCRIPT, *spans[0]), (L_IMG, spans[1][0], spans[3][1], 0.7)],
                prediction_agent=AGENT,
                metadata={SCRIPT: IMG},
            ),
            rb.TokenClassificationRecord(
                id=2,
                text=NER_TEXT,
                tokens=NER_TOKENS,
                annotation=[(L_RTL, *spans[4]), (L_CTL, *spans[7]), (L_JS, *spans[9])],
                annotation_agent=ANNOTATOR,
            ),
            rb.TokenClassificationRecord(  # 1 MB, 200,000 tokens: the page shows the first
                id=3,
                text=HUGE_NER,
                tokens=[SCRIPT] + ["word"] * (MB // 5),
                prediction=[(L_SCRIPT, 0, len(SCRIPT)), (L_RTL, len(HUGE_NER) - 4, len(HUGE_NER))],
            ),
        ],
        "hostile-ner",
        verbose=False,
    )
    rb.configure_dataset("hostile-ner", rb.TokenClassificationSettings(label_schema=LABELS))
    rb.log(
        [
            rb.Text2TextRecord(
                id=1,
                text=HOSTILE,
                prediction=[(T2T_PREDICTION, 0.9), (BIG, 0.5), (f"{RLO}{LINK}", 0.2)],
                prediction_agent=AGENT,
                metadata={SCRIPT: IMG},
            ),
            rb.Text2TextRecord(
                id=2, text=BIG, annotation=f"{SCRIPT}{RTL}", annotation_agent=ANNOTATOR
            ),
        ],
        "hostile-t2t",
        verbose=False,
    )


NER_T2T_CELLS = [
    'rb.init(annotator="ada")',
    "n = rb.show('hostile-ner', mode='annotate'); display(n)",
    "t = rb.show('hostile-t2t', mode='annotate'); display(t); report(ready=True)",
]


def test_token_classification_and_text2text_render_hostile_content_as_inert_text(
    lab_server, page, page_errors, dialogs, run_notebook, report_path
):
    hostile_ner_and_text2text()
    run_notebook(lab_server, NER_T2T_CELLS)
    wait_for_report(report_path, "ready")
    ner = widget(page, "hostile-ner")
    t2t = widget(page, "hostile-t2t")

    # NER: hostile tokens, predicted and annotated spans with hostile labels, mentions.
    first = ner.get_by_role("article", name="Record 1")
    tokens = first.locator(".rw-tok")
    expect(tokens).to_have_count(len(NER_TOKENS))
    expect(tokens.first).to_have_text(SCRIPT)
    second = ner.get_by_role("article", name="Record 2")
    expect(second.locator(".rw-ent-tag")).to_have_count(3)
    expect(second.locator(".rw-ent-tag").last).to_contain_text(L_JS)
    # The 1 MB record: its first tokens, and a note that the rest is not shown.
    huge = ner.get_by_role("article", name="Record 3")
    expect(huge.locator(".rw-tok")).to_have_count(2_000)
    expect(huge.get_by_role("note")).to_contain_text("Showing the first 2,000 of 200,001 tokens")
    mentions = ner.get_by_role("region", name="Mentions").or_(ner.locator("[aria-label=Mentions]"))
    expect(mentions).to_contain_text(L_RTL)
    expect(mentions).to_contain_text("Ada")
    check_inert(page, [ner, t2t], dialogs)

    # The entity picker lists the hostile labels literally; pick one for "Ada Lovelace".
    started = time.monotonic()
    tokens.nth(4).hover()
    page.mouse.down()
    tokens.nth(5).hover()
    page.mouse.up()
    picker = first.get_by_role("listbox", name="Entity")
    expect(picker).to_be_visible()
    assert time.monotonic() - started < 5, "selecting two tokens took seconds"
    expect(picker.get_by_role("option")).to_have_count(len(LABELS))
    expect(picker).to_contain_text(L_SCRIPT)
    check_inert(page, [ner, t2t], dialogs)
    shot(first, "hostile-ner-picker")
    picker.get_by_role("option", name=L_IMG).click()
    saved(ner)
    spans = offsets(NER_TOKENS, NER_TEXT)
    stored = rb.load("hostile-ner", ids=[1]).annotation.iloc[0]
    assert (L_IMG, spans[4][0], spans[5][1]) in stored
    expect(first.locator(".rw-ent-tag")).to_contain_text([L_IMG[:20]])

    # Text2Text: hostile predictions listed literally; use one, edit, validate.
    card = t2t.get_by_role("article", name="Record 1")
    predictions = card.get_by_role("list", name="Predictions")
    expect(predictions.get_by_role("listitem")).to_have_count(3)
    expect(predictions.get_by_role("listitem").first).to_contain_text(SCRIPT)
    expect(predictions.get_by_role("listitem").nth(2)).to_contain_text(LINK)
    shot(card, "hostile-t2t-card")
    card.get_by_role("button", name="Use this").first.click()
    saved(t2t)
    row = rb.load("hostile-t2t", ids=[1]).iloc[0]
    assert (row.annotation, row.status) == (T2T_PREDICTION, "Edited")
    editor = card.get_by_role("textbox", name="Annotation for record 1")
    editor.fill(f"{SCRIPT} corrected {RLO}")
    card.get_by_role("button", name="Validate").click()
    saved(t2t)
    row = rb.load("hostile-t2t", ids=[1]).iloc[0]
    assert (row.annotation, row.status) == (f"{SCRIPT} corrected {RLO}", "Validated")
    # Using the 1 MB prediction works too, and the page keeps answering.
    card = t2t.get_by_role("article", name="Record 1")
    card.get_by_role("button", name="Use this").nth(1).click()
    saved(t2t)
    assert rb.load("hostile-t2t", ids=[1]).annotation.iloc[0] == BIG
    check_inert(page, [ner, t2t], dialogs)
    shot(ner.get_by_role("article", name="Record 2"), "hostile-ner-record-2")
    huge.locator(".rw-ner-cut").scroll_into_view_if_needed()
    screenshot(page, "hostile-ner-1mb")
    assert not page_errors()


# -- the home list --------------------------------------------------------------------------

BAD_NAMES = ["<script>x</script>", "../x", "a/b", "a\\b", "a\x00b", "con", "nul", RLO + "abc"]

HOME_CELL = f"""\
refused = {{}}
for bad in {BAD_NAMES!r}:
    for call in (rb.show, lambda n: rb.log(rb.TextClassificationRecord(text="x"), n)):
        try:
            call(bad)
        except ValueError as exc:
            refused.setdefault(bad, []).append(str(exc))
h = rb.home(); display(h)
report(ready=True, refused=refused, names=h.names)"""


def hostile_datasets(workspace) -> None:
    tags = {SCRIPT: IMG, f"{RLO}key": RTL, "link": LINK, "control": CONTROL, "big": BIG}
    metadata = {SCRIPT: IMG, "nested": {IFRAME: [SVG]}, "big": BIG}
    rb.log(
        rb.TextClassificationRecord(text=HOSTILE, prediction=[(L_SCRIPT, 0.6), (L_RTL, 0.3)]),
        "hostile-home",
        tags=tags,
        metadata=metadata,
        verbose=False,
    )
    rb.log(rb.Text2TextRecord(text="plain"), "plain", tags={"ok": "yes"}, verbose=False)
    # A dataset.json that claims a hostile name: the list shows the folder's name.
    manifest = workspace / "plain" / "dataset.json"
    data = json.loads(manifest.read_text())
    data["name"] = f"{SCRIPT}{RLO}"
    manifest.write_text(json.dumps(data))


def test_home_list_renders_hostile_tags_as_inert_text_and_refuses_hostile_names(
    jupyter, page, page_errors, dialogs, run_notebook, report_path, workspace
):
    hostile_datasets(workspace)
    run_notebook(jupyter, [HOME_CELL])
    report = wait_for_report(report_path, "ready")
    assert report["names"] == ["hostile-home", "plain"]
    assert sorted(report["refused"]) == sorted(BAD_NAMES)
    for bad, errors in report["refused"].items():
        assert len(errors) == 2 and all("is not allowed" in e for e in errors), (bad, errors)
    assert not list(workspace.parent.glob("x")), "a refused name wrote outside the workspace"

    home = page.locator(".rw-home")
    expect(home).to_be_visible(timeout=60_000)
    rows = home.locator("tbody tr[data-name]")
    expect(rows).to_have_count(2)
    row = home.locator('tr[data-name="hostile-home"]')
    for literal in [SCRIPT, "<img src=x onerror=", "javascript:"]:
        expect(row).to_contain_text(literal)
    expect(home.locator('tr[data-name="plain"]')).not_to_contain_text("<script>")
    check_inert(page, [home], dialogs)
    shot(home, f"hostile-home-{jupyter.app}")

    # Search by a hostile tag, open the dataset, come back.
    search = home.get_by_role("searchbox", name="Search datasets")
    search.fill("<script>")
    expect(rows).to_have_count(1)
    search.fill("")
    home.get_by_role("button", name="hostile-home", exact=True).click()
    dataset_page = widget(page, "hostile-home")
    expect(dataset_page.get_by_role("article")).to_have_count(1)
    expect(dataset_page.get_by_role("article")).to_contain_text(SCRIPT)
    check_inert(page, [dataset_page], dialogs)
    page.get_by_role("button", name="Back to datasets").click()
    expect(page.locator(".rw-home")).to_be_visible()

    # Delete the dataset whose manifest lied about its name: by its folder name.
    home = page.locator(".rw-home")
    home.get_by_role("button", name="Delete plain").click()
    home.get_by_role("alertdialog").get_by_role("button", name="Delete", exact=True).click()
    expect(home.get_by_role("status")).to_have_text("Deleted plain.", timeout=20_000)
    assert rb.datasets().name.tolist() == ["hostile-home"]
    check_inert(page, [home], dialogs)
    assert not page_errors()
