import { describe, expect, it, vi } from "vitest";
import { DatasetPageView, mountPage, SEARCH_DEBOUNCE_MS } from "../src/page_view";
import { FakeModel, flush, record } from "./fake_model";
import { host } from "./host";

function mount(model: FakeModel): HTMLElement {
  host.cleanup = mountPage(model, host.el);
  return host.el;
}

const byRole = (root: ParentNode, role: string) =>
  Array.from(root.querySelectorAll<HTMLElement>(`[role="${role}"]`));
const buttons = (root: ParentNode, name: string) =>
  Array.from(root.querySelectorAll<HTMLButtonElement>("button")).filter(
    (b) => (b.getAttribute("aria-label") ?? b.textContent?.trim()) === name,
  );
const button = (root: ParentNode, name: string) => {
  const found = buttons(root, name);
  if (!found.length) throw new Error(`no button named ${name}`);
  return found[0];
};
const articles = (root: ParentNode) => Array.from(root.querySelectorAll<HTMLElement>("article"));
const key = (target: HTMLElement, k: string, extra: KeyboardEventInit = {}) =>
  target.dispatchEvent(
    new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true, ...extra }),
  );

const page = (n = 3, overrides = {}) =>
  Array.from({ length: n }, (_, i) => record({ seq: i, id: 100 + i, ...overrides }));

describe("rendering a page", () => {
  it("shows one article per record, named by its id, with its text and prediction", () => {
    const root = mount(new FakeModel({ _records: page(3), total: 3 }));
    const cards = articles(root);
    expect(cards.map((c) => c.getAttribute("aria-label"))).toEqual([
      "Record 100",
      "Record 101",
      "Record 102",
    ]);
    expect(cards[0].textContent).toContain("A gripping, beautifully shot film.");
    const bars = cards[0].querySelectorAll(".rw-bar-row");
    expect(Array.from(bars).map((b) => b.textContent)).toEqual(["fresh80.0%", "rotten20.0%"]);
  });

  it("renders untrusted record text, labels and metadata as text, never HTML", () => {
    const evil = '<img src=x onerror="window.pwned=1"><b>bold</b>';
    const model = new FakeModel({
      mode: "annotate",
      _labels: [evil],
      _records: [
        record({
          inputs: { text: evil },
          prediction: [[evil, 0.9]],
          metadata: { [evil]: evil },
          annotation: evil,
        }),
      ],
      total: 1,
    });
    const root = mount(model);
    button(root, "Metadata").click();
    return flush().then(() => {
      expect(root.querySelector("img")).toBeNull();
      expect(root.querySelector("b")).toBeNull();
      expect(root.textContent).toContain(evil);
      expect(buttons(root, evil).length).toBe(1);
    });
  });

  it("tells an empty search apart from an empty dataset", async () => {
    const model = new FakeModel({ query: "zzz" });
    const root = mount(model);
    const note = () => root.querySelector(".rw-empty")?.textContent;
    const searched = note();
    model.set("query", "");
    await flush();
    const empty = note();
    expect(searched).toBe("No records match this search.");
    expect(empty).toBe("This dataset has no records yet.");
    expect(searched).not.toBe(empty);
    model.set("filters", { status: ["Validated"] }); // a filter alone is a search too
    await flush();
    expect(note()).toBe("No records match this search.");
  });

  it("shows the Progress region with the validated count and the total", () => {
    const root = mount(
      new FakeModel({
        _progress: {
          total: 12345,
          validated: 1234,
          discarded: 5,
          edited: 1,
          default: 11105,
          percent: 10.0,
        },
      }),
    );
    const region = byRole(root, "region").find((r) => r.getAttribute("aria-label") === "Progress")!;
    expect(region.textContent).toContain("1,234");
    expect(region.textContent).toContain("12,345");
  });

  it("re-renders when the kernel changes a trait, once per batch of changes", async () => {
    const model = new FakeModel({ _records: page(1), total: 1 });
    const root = mount(model);
    const spy = vi.spyOn(DatasetPageView.prototype, "render");
    model.set("_records", page(2));
    model.set("total", 2);
    await flush();
    expect(spy).toHaveBeenCalledTimes(1);
    expect(articles(root)).toHaveLength(2);
    spy.mockRestore();
  });

  it("collapses long text and fetches the part the kernel did not send", async () => {
    const long = "word ".repeat(300);
    const model = new FakeModel({
      _records: [record({ inputs: { text: long.slice(0, 1000) }, lengths: { text: 5000 } })],
      total: 1,
    });
    const root = mount(model);
    expect(root.querySelector(".rw-text")!.textContent!.length).toBeLessThan(700);
    button(root, "Show more (5,000 characters)").click();
    expect(model.sent.at(-1)).toMatchObject({
      type: "action",
      action: "full_text",
      seq: 0,
      key: "text",
    });
    model.ack({ result: "full ".repeat(1000) });
    await flush();
    expect(root.querySelector(".rw-text")!.textContent).toBe("full ".repeat(1000));
  });
});

describe("searching", () => {
  it("labels the search input and debounces typing into one query change", () => {
    vi.useFakeTimers();
    const model = new FakeModel();
    const root = mount(model);
    const input = root.querySelector<HTMLInputElement>('input[aria-label="Search records"]')!;
    for (const text of ["g", "go", "goal"]) {
      input.value = text;
      input.dispatchEvent(new Event("input", { bubbles: true }));
    }
    expect(model.get("query")).toBe("");
    vi.advanceTimersByTime(SEARCH_DEBOUNCE_MS + 1);
    expect(model.get("query")).toBe("goal");
    expect(model.saves).toBe(1);
  });

  it("searches at once on Enter", () => {
    const model = new FakeModel();
    const root = mount(model);
    const input = root.querySelector<HTMLInputElement>('input[aria-label="Search records"]')!;
    input.value = "predicted:ko";
    key(input, "Enter");
    expect(model.get("query")).toBe("predicted:ko");
  });

  it("shows a syntax error as an alert and marks the input invalid", async () => {
    const model = new FakeModel();
    const root = mount(model);
    model.set("_error", "unexpected end of query\n  text AND (\n            ^");
    await flush();
    const alert = byRole(root, "alert").find((a) => a.textContent!.includes("unexpected end"));
    expect(alert).toBeDefined();
    expect(
      root.querySelector('input[aria-label="Search records"]')!.getAttribute("aria-invalid"),
    ).toBe("true");
  });

  it("shows a query set from Python in the search box", async () => {
    const model = new FakeModel();
    const root = mount(model);
    model.set("query", "score:[0.9 TO *]");
    await flush();
    expect(root.querySelector<HTMLInputElement>('input[aria-label="Search records"]')!.value).toBe(
      "score:[0.9 TO *]",
    );
  });
});

describe("filters, sort and pages", () => {
  const facets = {
    predicted_as: [
      ["fresh", 7],
      ["rotten", 3],
    ] as [string, number][],
    status: [
      ["Default", 9],
      ["Validated", 1],
    ] as [string, number][],
    metadata: {
      split: [
        ["train", 8],
        ["test", 2],
      ] as [string, number][],
    },
  };

  it("sets a filter from a menu, shows it as a chip, and removes it", async () => {
    const model = new FakeModel({ _facets: facets });
    const root = mount(model);
    button(root, "Predicted as▾").click();
    await flush();
    const menu = byRole(root, "group").find(
      (g) => g.getAttribute("aria-label") === "Predicted as filter",
    )!;
    expect(menu.textContent).toContain("fresh7");
    const box = Array.from(menu.querySelectorAll<HTMLInputElement>("input[type=checkbox]"))[1];
    box.checked = true;
    box.dispatchEvent(new Event("change"));
    expect(model.get("filters")).toEqual({ predicted_as: ["rotten"] });
    await flush();
    button(root, "Remove filter Predicted as: rotten").click();
    expect(model.get("filters")).toEqual({});
  });

  it("filters by metadata values and clears everything with Clear all", async () => {
    const model = new FakeModel({ _facets: facets, filters: { status: ["Validated"] } });
    const root = mount(model);
    button(root, "Metadata▾").click();
    await flush();
    const box = root.querySelector<HTMLInputElement>(".rw-menu input[type=checkbox]")!;
    box.checked = true;
    box.dispatchEvent(new Event("change"));
    expect(model.get("filters")).toEqual({ status: ["Validated"], metadata: { split: ["train"] } });
    await flush();
    button(root, "Clear all").click();
    expect(model.get("filters")).toEqual({});
  });

  it("lists every status in the status menu, even with no records yet", async () => {
    const root = mount(new FakeModel({ _facets: facets }));
    button(root, "Status▾").click();
    await flush();
    const menu = root.querySelector(".rw-menu")!;
    expect(Array.from(menu.querySelectorAll(".rw-check-text")).map((e) => e.textContent)).toEqual([
      "Default",
      "Edited",
      "Validated",
      "Discarded",
    ]);
  });

  it("applies a score range", async () => {
    const model = new FakeModel();
    const root = mount(model);
    button(root, "Score▾").click();
    await flush();
    const low = root.querySelector<HTMLInputElement>('input[aria-label="Minimum score"]')!;
    low.value = "0.5";
    expect(button(root, "Apply").type).toBe("submit");
    root
      .querySelector("form.rw-score-form")!
      .dispatchEvent(new Event("submit", { cancelable: true }));
    expect(model.get("filters")).toEqual({ score: [0.5, null] });
  });

  it("sorts and changes the page size from the toolbar", () => {
    const model = new FakeModel({ _sortable: ["score", "id", "metadata.split"] });
    const root = mount(model);
    const [sort, size] = Array.from(root.querySelectorAll<HTMLSelectElement>(".rw-toolbar select"));
    sort.value = "metadata.split:asc";
    sort.dispatchEvent(new Event("change"));
    expect(model.get("sort")).toEqual([["metadata.split", "asc"]]);
    size.value = "50";
    size.dispatchEvent(new Event("change"));
    expect(model.get("page_size")).toBe(50);
  });

  it("pages with Previous page / Next page within the total", async () => {
    const model = new FakeModel({ _records: page(20), total: 45 });
    const root = mount(model);
    expect(button(root, "Previous page").disabled).toBe(true);
    button(root, "Next page").click();
    expect(model.get("page")).toBe(1);
    model.set("page", 2);
    await flush();
    expect(button(root, "Next page").disabled).toBe(true);
    expect(root.querySelector(".rw-page-info")!.textContent).toContain("41–45 of 45");
  });
});

describe("annotating", () => {
  it("switches modes with the Explore and Annotate buttons; Explore is read-only", async () => {
    const model = new FakeModel({ _records: page(1), total: 1 });
    const root = mount(model);
    expect(buttons(root, "Validate")).toHaveLength(0);
    button(root, "Annotate").click();
    expect(model.get("mode")).toBe("annotate");
    await flush();
    expect(button(root, "Annotate").getAttribute("aria-pressed")).toBe("true");
    expect(buttons(root, "Validate")).toHaveLength(1);
  });

  it("annotates a single-label record with one click and shows Saved only after the ack", async () => {
    const model = new FakeModel({ mode: "annotate", _records: page(2), total: 2 });
    const root = mount(model);
    const card = articles(root)[1];
    button(card, "rotten").click();
    expect(model.sent.at(-1)).toMatchObject({
      type: "action",
      action: "annotate",
      seqs: [1],
      annotation: ["rotten"],
    });
    await flush();
    expect(root.querySelector('[role="status"]')!.textContent).toBe("Saving…");
    expect(articles(root)[1].getAttribute("aria-busy")).toBe("true");
    model.ack();
    await flush();
    expect(root.querySelector('[role="status"]')!.textContent).toBe("Saved (1 record)");
    expect(articles(root)[1].getAttribute("aria-busy")).toBeNull();
  });

  it("gives multi-label records checkboxes named by label that send the whole label set", async () => {
    const model = new FakeModel({
      mode: "annotate",
      total: 1,
      _records: [record({ multi_label: true, annotation: ["fresh"], status: "Edited" })],
    });
    const root = mount(model);
    const boxes = Array.from(
      root.querySelectorAll<HTMLInputElement>(".rw-choices input[type=checkbox]"),
    );
    expect(boxes.map((b) => b.closest("label")!.querySelector("span")!.textContent)).toEqual([
      "fresh",
      "rotten",
    ]);
    expect(boxes[0].checked).toBe(true);
    boxes[1].checked = true;
    boxes[1].dispatchEvent(new Event("change"));
    expect(model.sent.at(-1)).toMatchObject({
      action: "annotate",
      annotation: ["fresh", "rotten"],
    });
  });

  it("validates and discards one record with its buttons", () => {
    const model = new FakeModel({ mode: "annotate", _records: page(1), total: 1 });
    const root = mount(model);
    button(root, "Validate").click();
    expect(model.sent.at(-1)).toMatchObject({ action: "validate", seqs: [0] });
    model.ack();
    button(root, "Discard").click();
    expect(model.sent.at(-1)).toMatchObject({ action: "discard", seqs: [0] });
  });

  it("shows the kernel's refusal as an alert", async () => {
    const model = new FakeModel({ mode: "annotate", _records: page(1), total: 1 });
    const root = mount(model);
    button(root, "fresh").click();
    model.ack({ ok: false, error: "label 'x' is not in the label schema" });
    await flush();
    expect(
      byRole(root, "alert").some((a) => a.textContent === "label 'x' is not in the label schema"),
    ).toBe(true);
  });

  it("bulk-annotates every record matching the search, not only the page", async () => {
    const model = new FakeModel({ mode: "annotate", _records: page(20), total: 500 });
    const root = mount(model);
    const selectPage = root.querySelector<HTMLInputElement>('[data-key="select-page"]')!;
    selectPage.checked = true;
    selectPage.dispatchEvent(new Event("change"));
    await flush();
    expect(root.textContent).toContain("20 selected");
    button(root, "Select all 500 records matching this search").click();
    await flush();
    expect(root.textContent).toContain("500 selected");
    button(root, "Annotate selected").click();
    expect(model.sent.at(-1)).toMatchObject({
      action: "annotate",
      scope: "query",
      annotation: ["fresh"],
    });
    expect(model.sent.at(-1)).not.toHaveProperty("seqs");
  });

  it("bulk-discards the records selected on the page", async () => {
    const model = new FakeModel({ mode: "annotate", _records: page(3), total: 3 });
    const root = mount(model);
    for (const i of [0, 2]) {
      const box = root.querySelector<HTMLInputElement>(`[data-key="select:${i}"]`)!;
      box.checked = true;
      box.dispatchEvent(new Event("change"));
    }
    await flush();
    button(root, "Discard selected").click();
    expect(model.sent.at(-1)).toMatchObject({ action: "discard", seqs: [0, 2] });
  });

  it("adds a label with + new label, and disables it under a label schema", async () => {
    const model = new FakeModel({ mode: "annotate" });
    const root = mount(model);
    const input = root.querySelector<HTMLInputElement>('input[aria-label="New label"]')!;
    input.value = "neutral";
    button(root, "+ new label").click();
    expect(model.sent.at(-1)).toMatchObject({ action: "add_label", label: "neutral" });
    model.set("_schema_locked", true);
    await flush();
    expect(button(root, "+ new label").disabled).toBe(true);
  });

  it("undoes and redoes from the buttons when the kernel says it can", async () => {
    const model = new FakeModel();
    const root = mount(model);
    expect(button(root, "Undo").disabled).toBe(true);
    model.set("_history", { can_undo: true, can_redo: true });
    await flush();
    button(root, "Undo").click();
    expect(model.sent.at(-1)).toMatchObject({ action: "undo" });
    model.ack();
    button(root, "Redo").click();
    expect(model.sent.at(-1)).toMatchObject({ action: "redo" });
  });
});

describe("keyboard", () => {
  it("picks labels with number keys, validates with Enter, discards with Backspace, moving on", async () => {
    const model = new FakeModel({ mode: "annotate", _records: page(3), total: 3 });
    const root = mount(model);
    articles(root)[0].focus();
    key(articles(root)[0], "2");
    expect(model.sent.at(-1)).toMatchObject({
      action: "annotate",
      seqs: [0],
      annotation: ["rotten"],
    });
    model.ack();
    await flush();
    expect(document.activeElement?.getAttribute("aria-label")).toBe("Record 101");
    key(document.activeElement as HTMLElement, "Enter");
    expect(model.sent.at(-1)).toMatchObject({ action: "validate", seqs: [1] });
    model.ack();
    await flush();
    expect(document.activeElement?.getAttribute("aria-label")).toBe("Record 102");
    key(document.activeElement as HTMLElement, "Backspace");
    expect(model.sent.at(-1)).toMatchObject({ action: "discard", seqs: [2] });
  });

  it("moves between records with j/k and the arrow keys, and to the next page past the last", () => {
    const model = new FakeModel({ _records: page(2), total: 30, page_size: 2 });
    const root = mount(model);
    articles(root)[0].focus();
    key(articles(root)[0], "j");
    expect(document.activeElement).toBe(articles(root)[1]);
    key(articles(root)[1], "ArrowUp");
    expect(document.activeElement).toBe(articles(root)[0]);
    key(articles(root)[0], "ArrowDown");
    key(articles(root)[1], "k");
    key(articles(root)[0], "j");
    key(articles(root)[1], "j");
    expect(model.get("page")).toBe(1);
  });

  it("undoes with Ctrl+Z and redoes with Ctrl+Shift+Z", () => {
    const model = new FakeModel({
      _history: { can_undo: true, can_redo: true },
      _records: page(1),
      total: 1,
    });
    const root = mount(model);
    key(articles(root)[0], "z", { ctrlKey: true });
    expect(model.sent.at(-1)).toMatchObject({ action: "undo" });
    key(articles(root)[0], "Z", { ctrlKey: true, shiftKey: true });
    expect(model.sent.at(-1)).toMatchObject({ action: "redo" });
  });

  it("keeps every key inside the widget (notebook shortcuts never fire)", () => {
    const model = new FakeModel({ mode: "annotate", _records: page(1), total: 1 });
    const root = mount(model);
    const outside = vi.fn();
    // Notebook front ends listen on the document in the capture phase (Lumino does).
    document.addEventListener("keydown", outside, true);
    document.body.addEventListener("keydown", outside);
    for (const k of ["a", "b", "d", "Enter", "Escape", "1", "ArrowDown"]) key(articles(root)[0], k);
    key(root.querySelector<HTMLInputElement>('input[aria-label="Search records"]')!, "m");
    expect(outside).not.toHaveBeenCalled();
    expect(root.querySelector(".rw-root")!.hasAttribute("data-lm-suppress-shortcuts")).toBe(true);
    document.removeEventListener("keydown", outside, true);
    document.body.removeEventListener("keydown", outside);
  });

  it("does not annotate from keys typed into the search box", () => {
    const model = new FakeModel({ mode: "annotate", _records: page(1), total: 1 });
    const root = mount(model);
    key(root.querySelector<HTMLInputElement>('input[aria-label="Search records"]')!, "1");
    expect(model.intents).toHaveLength(0);
  });
});

describe("lifecycle", () => {
  it("removes its listeners and its DOM when the view is disposed (e.g. hot reload)", () => {
    const model = new FakeModel({ mode: "annotate", _records: page(1), total: 1 });
    const root = mount(model);
    const card = articles(root)[0];
    expect(model.listenerCount()).toBeGreaterThan(0);
    host.cleanup!();
    host.cleanup = null;
    expect(model.listenerCount()).toBe(0);
    expect(host.el.children).toHaveLength(0);
    host.el.appendChild(card);
    key(card, "1"); // the window-level key listener is gone too
    expect(model.intents).toHaveLength(0);
  });
});
