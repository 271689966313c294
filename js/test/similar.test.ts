// Finding by meaning in the dataset page: "Find similar" on a card, the neighbourhood's
// chip and similarities, the "Semantic" switch and "More like <label>".
import { describe, expect, it } from "vitest";
import { mountPage } from "../src/page_view";
import type { SimilarTo } from "../src/types";
import { FakeModel, flush, record } from "./fake_model";
import { host } from "./host";

function mount(model: FakeModel): HTMLElement {
  host.cleanup = mountPage(model, host.el);
  return host.el;
}

const buttons = (root: ParentNode, name: string) =>
  Array.from(root.querySelectorAll<HTMLButtonElement>("button")).filter(
    (b) => (b.getAttribute("aria-label") ?? b.textContent?.trim()) === name,
  );
const articles = (root: ParentNode) => Array.from(root.querySelectorAll<HTMLElement>("article"));
const key = (target: HTMLElement, k: string) =>
  target.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true }));
const chips = (root: ParentNode) =>
  Array.from(root.querySelectorAll<HTMLElement>(".rw-scope-chip")).map((c) => c.textContent);

const withVectors = (vectors: string[]) => [
  record({ seq: 0, id: 17, vector_names: vectors }),
  record({ seq: 1, id: 18, vector_names: [] }),
];

describe("Find similar on a card", () => {
  it("is offered on the cards of records that have vectors, and only those", () => {
    const root = mount(new FakeModel({ _records: withVectors(["mini-lm"]), total: 2 }));
    const [withOne, without] = articles(root);
    expect(buttons(withOne, "Find similar")).toHaveLength(1);
    expect(buttons(without, "Find similar")).toHaveLength(0);
  });

  it("asks which vector, most or least similar and how many, then sends find_similar", async () => {
    const model = new FakeModel({ _records: withVectors(["mini-lm", "tfidf"]), total: 2 });
    const root = mount(model);
    buttons(articles(root)[0], "Find similar")[0].click();
    await flush();
    const dialog = root.querySelector<HTMLElement>('[role="dialog"]')!;
    expect(dialog.getAttribute("aria-label")).toBe("Find records similar to #17");
    const vector = dialog.querySelector<HTMLSelectElement>('select[aria-label="Vector"]')!;
    expect(Array.from(vector.options).map((o) => o.textContent)).toEqual(["mini-lm", "tfidf"]);
    expect(root.ownerDocument.activeElement).toBe(vector); // the keyboard lands in the menu
    vector.value = "tfidf";
    vector.dispatchEvent(new Event("change"));
    const order = dialog.querySelector<HTMLSelectElement>(
      'select[aria-label="Most or least similar"]',
    )!;
    order.value = "least";
    order.dispatchEvent(new Event("change"));
    const k = dialog.querySelector<HTMLInputElement>('input[aria-label="How many records"]')!;
    expect(k.value).toBe("50");
    k.value = "10";
    k.dispatchEvent(new Event("input"));
    await flush(); // a redraw keeps the choices
    root.querySelector<HTMLButtonElement>('[role="dialog"] button[type="submit"]')!.click();
    expect(model.intents.at(-1)).toMatchObject({
      action: "find_similar",
      seq: 0,
      epoch: "uid-1:0",
      vector: "tfidf",
      most_similar: false,
      k: 10,
    });
    await flush();
    expect(root.querySelector('[role="dialog"]')).toBeNull();
  });

  it("names the one vector as text instead of a choice, and closes on Escape", async () => {
    const model = new FakeModel({ _records: withVectors(["<b>mini</b>"]), total: 2 });
    const root = mount(model);
    const open = buttons(articles(root)[0], "Find similar")[0];
    open.click();
    await flush();
    const dialog = root.querySelector<HTMLElement>('[role="dialog"]')!;
    expect(dialog.querySelector('select[aria-label="Vector"]')).toBeNull();
    expect(dialog.textContent).toContain("<b>mini</b>");
    expect(dialog.querySelector("b")).toBeNull();
    key(root.ownerDocument.activeElement as HTMLElement, "Escape");
    await flush();
    expect(root.querySelector('[role="dialog"]')).toBeNull();
    expect((root.ownerDocument.activeElement as HTMLElement).textContent).toBe("Find similar");
    expect(model.intents).toEqual([]);
  });

  it("shows the kernel's refusal in the page's error area", async () => {
    const model = new FakeModel({ _records: withVectors(["mini-lm"]), total: 2 });
    const root = mount(model);
    buttons(articles(root)[0], "Find similar")[0].click();
    await flush();
    root.querySelector<HTMLButtonElement>('[role="dialog"] button[type="submit"]')!.click();
    model.ack({ ok: false, error: "record 17 has no vector 'mini-lm'" });
    await flush();
    expect(root.querySelector(".rw-action-error")!.textContent).toBe(
      "record 17 has no vector 'mini-lm'",
    );
  });
});

describe("the neighbourhood shown", () => {
  it("shows each card's similarity and a removable chip that restores the page", async () => {
    const model = new FakeModel({
      _records: withVectors(["mini-lm"]),
      total: 2,
      similar_to: { kind: "record", id: 17, vector: "mini-lm", most_similar: true, k: 50 },
      _similarity: { "0": 1, "1": 0.8734 },
    });
    const root = mount(model);
    expect(articles(root).map((a) => a.querySelector(".rw-similarity")?.textContent)).toEqual([
      "1.00 similar",
      "0.87 similar",
    ]);
    expect(chips(root)).toEqual(["Similar to #17×"]);
    buttons(root, "Remove filter Similar to #17")[0].click();
    expect(model.get("similar_to")).toBeNull();
    await flush();
    expect(chips(root)).toEqual([]);
  });

  it("words each kind of neighbourhood, untrusted text as text", () => {
    const evil = "<img src=x onerror=alert(1)>";
    const cases: [SimilarTo, string][] = [
      [{ kind: "text", text: evil, vector: "v", k: 50 }, `Semantic ${evil}×`],
      [{ kind: "label", label: "fresh", vector: "v", k: 50 }, "More like fresh×"],
      [{ kind: "selection", ids: [1, 2, 3] }, "3 selected on the map×"],
      [{ kind: "record", id: "a", vector: "v", most_similar: false, k: 5 }, "Least similar to #a×"],
      [{ kind: "duplicates", vector: "v", threshold: 0.95 }, "Near-duplicates ≥ 0.95×"],
      [{ kind: "duplicates", vector: "v", threshold: 1 }, "Near-duplicates ≥ 1.00×"],
      [{ kind: "duplicates", vector: "v", threshold: 0.875 }, "Near-duplicates ≥ 0.875×"],
    ];
    for (const [similar_to, words] of cases) {
      host.cleanup?.();
      const root = mount(new FakeModel({ similar_to }));
      expect(chips(root)).toEqual([words]);
      expect(root.querySelector("img")).toBeNull();
    }
  });
});

describe("the Semantic switch", () => {
  it("is disabled with the kernel's reason when the page has no embedder", () => {
    const reason = "the embedder makes 'mini-lm' vectors and this dataset has none";
    const root = mount(
      new FakeModel({ _semantic: { available: false, vector: "mini-lm", reason } }),
    );
    const toggle = root.querySelector<HTMLInputElement>('input[role="switch"]')!;
    expect(toggle.disabled).toBe(true);
    expect(toggle.closest("label")!.title).toBe(reason);
  });

  it("turns the search box into text searched by meaning, and back", async () => {
    const model = new FakeModel({
      query: "status:Default",
      _semantic: { available: true, vector: "mini-lm", reason: "" },
    });
    const root = mount(model);
    const box = root.querySelector<HTMLInputElement>("input.rw-search")!;
    const toggle = root.querySelector<HTMLInputElement>('input[role="switch"]')!;
    toggle.checked = true;
    toggle.dispatchEvent(new Event("change"));
    await flush();
    expect(model.get("query")).toBe(""); // the box is the semantic text now
    box.value = "a refund for a broken film";
    box.dispatchEvent(new Event("input"));
    key(box, "Enter");
    expect(model.intents.at(-1)).toMatchObject({
      action: "semantic_search",
      text: "a refund for a broken film",
    });
    model.set("similar_to", {
      kind: "text",
      text: "a refund for a broken film",
      vector: "mini-lm",
      k: 50,
    });
    await flush();
    expect(box.getAttribute("aria-label")).toBe("Search records by meaning");
    const again = root.querySelector<HTMLInputElement>('input[role="switch"]')!;
    again.checked = false;
    again.dispatchEvent(new Event("change"));
    await flush();
    expect(model.get("similar_to")).toBeNull();
    expect(box.getAttribute("aria-label")).toBe("Search records");
  });
});

describe("More like a label", () => {
  it("is offered per annotated label when the dataset has vectors, and sends its label", () => {
    const facets = { annotated_as: [["fresh", 3] as [string, number]] };
    const without = mount(new FakeModel({ _facets: facets }));
    expect(buttons(without, "More like fresh")).toHaveLength(0);
    host.cleanup?.();
    const model = new FakeModel({ _facets: facets, _vector_names: ["mini-lm"] });
    const root = mount(model);
    buttons(root, "More like fresh")[0].click();
    expect(model.intents.at(-1)).toMatchObject({ action: "more_like_label", label: "fresh" });
  });
});

describe("Near-duplicates", () => {
  it("is offered only when the dataset has vectors and sets a duplicates neighbourhood", async () => {
    const without = mount(new FakeModel({}));
    expect(buttons(without, "Near-duplicates")).toHaveLength(0);
    host.cleanup?.();
    const model = new FakeModel({ _vector_names: ["mini-lm"] });
    const root = mount(model);
    expect(root.querySelector('select[aria-label="Near-duplicates vector"]')).toBeNull();
    buttons(root, "Near-duplicates")[0].click();
    expect(model.get("similar_to")).toEqual({
      kind: "duplicates",
      vector: "mini-lm",
      threshold: 0.95,
    });
    expect(model.intents).toEqual([]); // no intent: the browser sets the trait
    await flush();
    expect(chips(root)).toEqual(["Near-duplicates ≥ 0.95×"]);
    buttons(root, "Remove filter Near-duplicates ≥ 0.95")[0].click();
    expect(model.get("similar_to")).toBeNull();
  });

  it("asks which vector when the dataset has several, names untrusted text as text", async () => {
    const evil = "<img src=x onerror=alert(1)>";
    const model = new FakeModel({ _vector_names: ["mini-lm", evil] });
    const root = mount(model);
    const pick = root.querySelector<HTMLSelectElement>(
      'select[aria-label="Near-duplicates vector"]',
    )!;
    expect(Array.from(pick.options).map((o) => o.textContent)).toEqual(["mini-lm", evil]);
    expect(root.querySelector("img")).toBeNull();
    pick.value = evil;
    pick.dispatchEvent(new Event("change"));
    await flush(); // the choice survives a redraw
    buttons(root, "Near-duplicates")[0].click();
    expect(model.get("similar_to")).toMatchObject({ kind: "duplicates", vector: evil });
  });
});
