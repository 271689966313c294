// Hostile strings render as inert, isolated, clipped text; the full value still goes back
// to the kernel. (The real-browser version: tests/browser/test_hostile_browser.py.)
import { describe, expect, it } from "vitest";
import type { ListTraits } from "../src/dataset_list";
import listWidget from "../src/dataset_list";
import { clip, MAX_SHOWN } from "../src/format";
import { mountPage } from "../src/page_view";
import { FakeModel, FakeWidgetModel, flush, nerRecord, record } from "./fake_model";
import { host } from "./host";

const PWN = "window.__pwned=1";
const SCRIPT = `<script>${PWN}</script>`;
const IMG = `<img src=x onerror="${PWN}">`;
const RLO = "\u202e";
const HUGE = "L".repeat(100_000);

const noMarkup = (root: Element) =>
  expect(
    root.querySelectorAll("script, img, iframe, svg, a, [href], [src], [srcdoc]"),
  ).toHaveLength(0);

describe("clip", () => {
  it("keeps short strings and cuts long ones without splitting a surrogate pair", () => {
    expect(clip("short")).toBe("short");
    expect(clip("x".repeat(MAX_SHOWN + 1))).toBe(`${"x".repeat(MAX_SHOWN)}…`);
    const emoji = `${"x".repeat(MAX_SHOWN - 1)}😀tail`; // the pair straddles the cut
    expect(clip(emoji)).toBe(`${"x".repeat(MAX_SHOWN - 1)}…`);
  });
});

describe("a record card with hostile content", () => {
  const hostile = () =>
    record({
      id: `${IMG}${RLO}id`,
      inputs: { text: `${SCRIPT} ${RLO}tail`, [SCRIPT]: "second" },
      lengths: { text: 40, [SCRIPT]: 6 },
      prediction: [
        [IMG, 0.6],
        [HUGE, 0.4],
      ],
      prediction_agent: `${RLO}agent`,
      annotation_agent: `${SCRIPT}`,
      metadata: { [SCRIPT]: IMG, [`${RLO}key`]: `${RLO}value` },
    });

  it("shows every payload as text and makes no element from it", async () => {
    const model = new FakeModel({
      mode: "annotate",
      total: 1,
      _labels: [IMG],
      _records: [hostile()],
    });
    host.cleanup = mountPage(model, host.el);
    const card = host.el.querySelector("article")!;
    card.querySelector<HTMLButtonElement>('[data-key="meta:0"]')!.click();
    await flush();
    const again = host.el.querySelector("article")!;
    noMarkup(host.el);
    for (const literal of [SCRIPT, IMG, "#<img src=x"])
      expect(again.textContent).toContain(literal);
    expect(again.querySelector(".rw-metadata")!.textContent).toContain(SCRIPT);
  });

  it("isolates agents in <bdi> so an RLO cannot flip the rest of the line", () => {
    host.cleanup = mountPage(new FakeModel({ total: 1, _records: [hostile()] }), host.el);
    const agents = host.el.querySelector(".rw-agents")!;
    const bdis = Array.from(agents.querySelectorAll("bdi")).map((b) => b.textContent);
    expect(bdis).toEqual([`${RLO}agent`, SCRIPT]);
    expect(agents.textContent).toBe(`predicted by ${RLO}agent · annotated by ${SCRIPT}`);
  });

  it("clips a huge label on screen but annotates with the whole label", () => {
    const model = new FakeModel({ mode: "annotate", total: 1, _labels: [], _records: [hostile()] });
    host.cleanup = mountPage(model, host.el);
    const choice = Array.from(host.el.querySelectorAll<HTMLButtonElement>("button.rw-choice")).find(
      (b) => b.textContent!.startsWith("LLLL"),
    )!;
    expect(choice.textContent!.length).toBeLessThan(MAX_SHOWN + 5);
    expect(
      host.el.querySelector(".rw-bar-label")!.parentElement!.parentElement!.textContent!.length,
    ).toBeLessThan(1000);
    choice.click();
    expect(model.sent.at(-1)).toMatchObject({ action: "annotate", annotation: [HUGE] });
  });

  it("puts a hostile filter value in a <bdi> in its chip", () => {
    const model = new FakeModel({
      total: 1,
      _records: [hostile()],
      filters: { predicted_as: [`${RLO}x`] },
    });
    host.cleanup = mountPage(model, host.el);
    const chip = host.el.querySelector(".rw-chip")!;
    expect(chip.querySelector("bdi:last-of-type")!.textContent).toBe(`${RLO}x`);
    expect(chip.querySelector("button")!.getAttribute("aria-label")).toBe(
      `Remove filter Predicted as: ${RLO}x`,
    );
  });
});

describe("the home list with hostile tags", () => {
  it("shows tags as clipped, isolated text", () => {
    const model = new FakeWidgetModel<ListTraits>({
      query: "",
      sort: ["name", "asc"],
      workspace: "/tmp/ws",
      _datasets: [
        {
          name: "news",
          task: "TextClassification",
          tags: { [SCRIPT]: `${RLO}${HUGE}` },
          records: 1,
          annotated: 0,
          annotated_percent: 0,
          created_at: "",
          updated_at: "",
        },
      ],
    });
    // the list's bundle exports only its default { render } (anywidget's deprecation)
    host.cleanup = listWidget.render({ model, el: host.el } as never) as () => void;
    noMarkup(host.el);
    const tag = host.el.querySelector(".rw-home-tag")!;
    expect(tag.querySelectorAll("bdi")).toHaveLength(2);
    expect(tag.textContent).toContain(SCRIPT);
    expect(tag.textContent!.length).toBeLessThan(200);
  });
});

describe("a token classification record cut by the kernel (1 MB text)", () => {
  it("shows its first tokens and says the rest is not shown", () => {
    const ner = nerRecord({
      text: `${SCRIPT} ${RLO}x`,
      length: 1_000_000,
      tokens: [SCRIPT, `${RLO}x`],
      token_count: 200_000,
      offsets: [
        [0, SCRIPT.length],
        [SCRIPT.length + 1, SCRIPT.length + 3],
      ],
      prediction: [[IMG, 0, SCRIPT.length, 0.9]],
    });
    host.cleanup = mountPage(
      new FakeModel({ task: "TokenClassification", total: 1, _labels: [IMG], _records: [ner] }),
      host.el,
    );
    noMarkup(host.el);
    expect(host.el.querySelectorAll(".rw-tok")).toHaveLength(2);
    expect(host.el.querySelector(".rw-tok")!.textContent).toBe(SCRIPT);
    expect(host.el.querySelector(".rw-ner-cut")!.textContent).toBe(
      "Showing the first 2 of 200,000 tokens (" +
        `${SCRIPT.length + 3} of 1,000,000 characters): ` +
        "the rest of this text is not shown here; its spans are kept.",
    );
  });
});
