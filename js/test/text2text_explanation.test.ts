import { describe, expect, it, vi } from "vitest";
import { DRAFT_SAVE_MS } from "../src/drafts";
import { mountPage } from "../src/page_view";
import type { Text2TextRecord } from "../src/types";
import { FakeModel, flush, record, t2tRecord } from "./fake_model";
import { host } from "./host";

const mount = (model: FakeModel) => {
  host.cleanup = mountPage(model, host.el);
  return host.el;
};
const button = (root: ParentNode, name: string, n = 0) =>
  Array.from(root.querySelectorAll<HTMLButtonElement>("button")).filter(
    (b) => (b.getAttribute("aria-label") ?? b.textContent?.trim()) === name,
  )[n];

const translation = (overrides: Partial<Text2TextRecord> = {}) =>
  t2tRecord({
    text: "Der Hund schläft.",
    prediction: [
      ["The dog sleeps.", 0.6],
      ["The dog is sleeping.", 0.9],
    ],
    ...overrides,
  });

describe("Text2Text records", () => {
  it("show the source, the predictions best first, and the annotation", () => {
    const root = mount(
      new FakeModel({
        task: "Text2Text",
        _labels: [],
        total: 1,
        _records: [translation({ annotation: "The dog naps." })],
      }),
    );
    const card = root.querySelector("article")!;
    expect(card.textContent).toContain("Der Hund schläft.");
    const items = Array.from(card.querySelectorAll(".rw-t2t-predictions li .rw-text")).map(
      (e) => e.textContent,
    );
    expect(items).toEqual(["The dog is sleeping.", "The dog sleeps."]);
    expect(card.textContent).toContain("The dog naps.");
    // label tools make no sense for free text
    const names = Array.from(root.querySelectorAll("button")).map((b) => b.textContent);
    expect(names.some((n) => n?.startsWith("Predicted as"))).toBe(false);
    expect(names).not.toContain("+ new label");
  });

  it("'Use this' copies a prediction into the text area and saves it as a draft (Edited)", async () => {
    const model = new FakeModel({
      task: "Text2Text",
      mode: "annotate",
      _labels: [],
      total: 1,
      _records: [translation()],
    });
    const root = mount(model);
    button(root, "Use this", 1).click();
    expect(model.sent.at(-1)).toMatchObject({
      action: "edit",
      seqs: [0],
      annotation: "The dog sleeps.",
    });
    await flush();
    expect(
      root.querySelector<HTMLTextAreaElement>('textarea[aria-label="Annotation for record 1"]')!
        .value,
    ).toBe("The dog sleeps.");
  });

  it("saves typing once it pauses, then Validate stores the text as the annotation", () => {
    vi.useFakeTimers();
    const model = new FakeModel({
      task: "Text2Text",
      mode: "annotate",
      _labels: [],
      total: 1,
      _records: [translation()],
    });
    const root = mount(model);
    const area = root.querySelector<HTMLTextAreaElement>("textarea")!;
    for (const text of ["The", "The cat", "The cat sleeps."]) {
      area.value = text;
      area.dispatchEvent(new Event("input"));
    }
    expect(model.intents).toHaveLength(0);
    vi.advanceTimersByTime(DRAFT_SAVE_MS + 1);
    expect(model.intents).toHaveLength(1);
    expect(model.intents[0]).toMatchObject({ action: "edit", annotation: "The cat sleeps." });
    button(root, "Validate").click();
    expect(model.sent.at(-1)).toMatchObject({
      action: "annotate",
      seqs: [0],
      annotation: "The cat sleeps.",
    });
  });

  it("keeps the text a person selected to type over when the kernel's reply redraws the page", async () => {
    const model = new FakeModel({
      task: "Text2Text",
      mode: "annotate",
      _labels: [],
      total: 1,
      _records: [translation()],
    });
    const root = mount(model);
    const area = () => root.querySelector<HTMLTextAreaElement>("textarea")!;
    button(root, "Use this", 1).click();
    await flush();
    area().focus();
    area().select(); // about to type over the whole used prediction
    model.ack(); // the save's reply: the card is redrawn, no longer pending...
    model.set("_records", [translation({ annotation: "The dog sleeps.", status: "Edited" })]);
    await flush();
    const redrawn = area();
    expect(redrawn.ownerDocument.activeElement).toBe(redrawn);
    expect([redrawn.selectionStart, redrawn.selectionEnd]).toEqual([0, "The dog sleeps.".length]);
    // ...and what is typed now replaces the selection, as it would have before the redraw
    redrawn.setRangeText("Thanks", redrawn.selectionStart!, redrawn.selectionEnd!, "end");
    redrawn.dispatchEvent(new Event("input"));
    button(root, "Validate").click();
    expect(model.sent.at(-1)).toMatchObject({
      action: "annotate",
      seqs: [0],
      annotation: "Thanks",
    });
  });

  it("validates the top prediction when nothing was typed, and keeps typing keys in the text area", () => {
    const model = new FakeModel({
      task: "Text2Text",
      mode: "annotate",
      _labels: [],
      total: 1,
      _records: [translation()],
    });
    const root = mount(model);
    const area = root.querySelector<HTMLTextAreaElement>("textarea")!;
    for (const k of ["1", "Enter", "Backspace", "j"]) {
      area.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true }));
    }
    expect(model.intents).toHaveLength(0);
    button(root, "Validate").click();
    expect(model.sent.at(-1)).toMatchObject({ action: "validate", seqs: [0] });
  });

  it("picks a prediction with its number key on the focused record", () => {
    const model = new FakeModel({
      task: "Text2Text",
      mode: "annotate",
      _labels: [],
      total: 1,
      _records: [translation()],
    });
    const root = mount(model);
    const card = root.querySelector<HTMLElement>("article")!;
    card.focus();
    card.dispatchEvent(new KeyboardEvent("keydown", { key: "1", bubbles: true, cancelable: true }));
    expect(model.sent.at(-1)).toMatchObject({ action: "edit", annotation: "The dog is sleeping." });
  });
});

describe("explanations", () => {
  const explained = () =>
    record({
      prediction: [
        ["fresh", 0.8],
        ["rotten", 0.2],
      ],
      explanation: {
        text: [
          { token: "gripping", attributions: { fresh: 0.9, rotten: -0.4 } },
          { token: "<b>film</b>", attributions: { fresh: -0.1, rotten: 0.3 } },
        ],
      },
    });

  it("shade each token by its attribution to the top predicted label, values on hover", () => {
    const root = mount(new FakeModel({ total: 1, _records: [explained()] }));
    const tokens = Array.from(root.querySelectorAll<HTMLElement>(".rw-token"));
    expect(tokens.map((t) => t.textContent)).toEqual(["gripping", "<b>film</b>"]);
    expect(root.querySelector("b")).toBeNull();
    expect(tokens[0].style.background).toContain("33, 110, 220"); // for the label: blue
    expect(tokens[1].style.background).toContain("220, 50, 47"); // against: red
    expect(tokens[0].title).toContain("fresh: +0.900");
    expect(tokens[0].title).toContain("rotten: -0.400");
  });

  it("switch to another label with the selector", async () => {
    const root = mount(new FakeModel({ total: 1, _records: [explained()] }));
    const select = root.querySelector<HTMLSelectElement>(
      'select[aria-label="Explained label for record 1"]',
    )!;
    expect(select.value).toBe("fresh");
    select.value = "rotten";
    select.dispatchEvent(new Event("change"));
    await flush();
    const tokens = Array.from(root.querySelectorAll<HTMLElement>(".rw-token"));
    expect(tokens[0].style.background).toContain("220, 50, 47");
    expect(root.querySelector('[aria-label="Attribution scale"]')!.textContent).toContain("0.40");
  });
});
