import { describe, expect, it } from "vitest";
import { codePointIndex, utf16Offsets } from "../src/ner";
import { mountPage } from "../src/page_view";
import type { TokenClassificationRecord } from "../src/types";
import { FakeModel, flush, nerRecord } from "./fake_model";
import { host } from "./host";

describe("offsets between the kernel (code points) and the DOM (UTF-16)", () => {
  const cases: [string, string][] = [
    ["ascii", "Ada lives in Paris"],
    ["emoji with ZWJ", "Ada 👩‍💻 loves 🇫🇷 Paris"],
    ["CJK", "東京で会いましょう"],
    ["combining accents", "Zu\u0308rich and Bjo\u0308rn"],
    ["right to left", "שלום Ada مرحبا"],
  ];
  for (const [name, text] of cases) {
    it(`round-trips every code point index: ${name}`, () => {
      const u = utf16Offsets(text);
      const points = [...text];
      expect(u).toHaveLength(points.length + 1);
      expect(u[points.length]).toBe(text.length);
      for (let i = 0; i <= points.length; i++) {
        expect(codePointIndex(u, u[i])).toBe(i);
        expect(text.slice(u[i], u[i + 1] ?? text.length)).toBe(points[i] ?? "");
      }
    });
  }

  it("refuses a UTF-16 index inside a surrogate pair", () => {
    expect(() => codePointIndex(utf16Offsets("a😀b"), 2)).toThrow(/splits a character/);
  });
});

// "Ada 👩‍💻 visits Zürich": code points: Ada(0,3) 👩‍💻(4,7) visits(8,14) Zürich(15,21)
const text = "Ada 👩‍💻 visits Zürich";
const ner = (overrides: Partial<TokenClassificationRecord> = {}) =>
  nerRecord({
    text,
    offsets: [
      [0, 3],
      [4, 7],
      [8, 14],
      [15, 21],
    ],
    prediction: [
      ["PER", 0, 3, 0.9],
      ["LOC", 15, 21, 0.7],
    ],
    ...overrides,
  });

const mount = (model: FakeModel) => {
  host.cleanup = mountPage(model, host.el);
  return host.el;
};
const tokens = (root: ParentNode) => Array.from(root.querySelectorAll<HTMLElement>(".rw-tok"));
const mouse = (target: HTMLElement, type: string, init: MouseEventInit = {}) =>
  target.dispatchEvent(new MouseEvent(type, { bubbles: true, cancelable: true, ...init }));

describe("NER records", () => {
  it("render every token exactly, emoji included, with predictions underlined", () => {
    const root = mount(
      new FakeModel({
        task: "TokenClassification",
        _labels: ["LOC", "PER"],
        total: 1,
        _records: [ner()],
      }),
    );
    expect(tokens(root).map((t) => t.textContent)).toEqual(["Ada", "👩‍💻", "visits", "Zürich"]);
    const line = root.querySelector(".rw-ner-text")!.cloneNode(true) as HTMLElement;
    for (const tag of line.querySelectorAll(".rw-ent-tag")) tag.remove();
    expect(line.textContent).toBe(text); // the text, exactly, between and around tokens
    expect(tokens(root)[0].classList.contains("rw-pred")).toBe(true);
    expect(tokens(root)[0].title).toBe("predicted PER 90.0%");
  });

  it("select tokens by dragging, pick an entity, and send code point offsets", async () => {
    const model = new FakeModel({
      task: "TokenClassification",
      mode: "annotate",
      _labels: ["LOC", "PER"],
      total: 1,
      _records: [ner()],
    });
    const root = mount(model);
    mouse(tokens(root)[1], "mousedown");
    mouse(tokens(root)[2], "mouseenter");
    mouse(tokens(root)[2], "mouseup");
    await flush();
    const listbox = root.querySelector('[role="listbox"][aria-label="Entity"]')!;
    expect(
      Array.from(listbox.querySelectorAll('[role="option"]')).map((o) => o.textContent),
    ).toEqual(["LOC1", "PER2"]);
    expect(
      tokens(root)
        .filter((t) => t.classList.contains("rw-sel"))
        .map((t) => t.textContent),
    ).toEqual(["👩‍💻", "visits"]);
    listbox.querySelectorAll<HTMLElement>('[role="option"]')[1].click();
    expect(model.sent.at(-1)).toMatchObject({
      action: "add_span",
      seq: 0,
      label: "PER",
      start: 4,
      end: 14,
    });
  });

  it("select with click + Shift+click, filter the picker by typing, Enter picks", async () => {
    const model = new FakeModel({
      task: "TokenClassification",
      mode: "annotate",
      _labels: ["LOC", "MISC", "PER"],
      total: 1,
      _records: [ner()],
    });
    const root = mount(model);
    mouse(tokens(root)[3], "mousedown");
    mouse(tokens(root)[3], "mouseup");
    await flush();
    mouse(tokens(root)[2], "mousedown", { shiftKey: true });
    await flush();
    const filter = root.querySelector<HTMLInputElement>('input[aria-label="Filter entities"]')!;
    expect(document.activeElement).toBe(filter);
    filter.value = "mi";
    filter.dispatchEvent(new Event("input"));
    await flush();
    const input = root.querySelector<HTMLInputElement>('input[aria-label="Filter entities"]')!;
    input.dispatchEvent(
      new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }),
    );
    expect(model.sent.at(-1)).toMatchObject({
      action: "add_span",
      label: "MISC",
      start: 8,
      end: 21,
    });
  });

  it("pick by number in the picker, and Escape closes it", async () => {
    const model = new FakeModel({
      task: "TokenClassification",
      mode: "annotate",
      _labels: ["LOC", "PER"],
      total: 1,
      _records: [ner()],
    });
    const root = mount(model);
    mouse(tokens(root)[0], "mousedown");
    mouse(tokens(root)[0], "mouseup");
    await flush();
    let filter = root.querySelector<HTMLInputElement>('input[aria-label="Filter entities"]')!;
    filter.dispatchEvent(
      new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true }),
    );
    await flush();
    expect(root.querySelector('[role="listbox"]')).toBeNull();
    mouse(tokens(root)[0], "mousedown");
    mouse(tokens(root)[0], "mouseup");
    await flush();
    filter = root.querySelector<HTMLInputElement>('input[aria-label="Filter entities"]')!;
    filter.dispatchEvent(
      new KeyboardEvent("keydown", { key: "2", bubbles: true, cancelable: true }),
    );
    expect(model.sent.at(-1)).toMatchObject({ action: "add_span", label: "PER", start: 0, end: 3 });
  });

  it("show annotated spans with their label and a Remove control", () => {
    const model = new FakeModel({
      task: "TokenClassification",
      mode: "annotate",
      _labels: ["LOC", "PER"],
      total: 1,
      _records: [ner({ annotation: [["LOC", 15, 21]], status: "Edited" })],
    });
    const root = mount(model);
    expect(tokens(root)[3].classList.contains("rw-ent")).toBe(true);
    const remove = root.querySelector<HTMLButtonElement>('button[aria-label="Remove LOC"]')!;
    remove.click();
    expect(model.sent.at(-1)).toMatchObject({
      action: "remove_span",
      seq: 0,
      label: "LOC",
      start: 15,
      end: 21,
    });
  });
});

describe("the mentions panel", () => {
  it("lists the most frequent mentions per entity label", () => {
    const root = mount(
      new FakeModel({
        task: "TokenClassification",
        total: 1,
        _records: [ner()],
        _mentions: {
          predicted: {
            LOC: [
              ["Zürich", 3],
              ["Paris", 1],
            ],
            PER: [["Ada", 2]],
          },
        },
      }),
    );
    const panel = root.querySelector('[aria-label="Mentions"]')!;
    expect(panel.textContent).toContain("Predicted");
    expect(Array.from(panel.querySelectorAll(".rw-mention")).map((m) => m.textContent)).toEqual([
      "Zürich3",
      "Paris1",
      "Ada2",
    ]);
  });
});
