// marimo and Panel put a widget in a shadow root: a listener outside it (the host's
// shortcuts, our window-level key capture) sees a key event retargeted to the shadow host,
// and `document.activeElement` is the shadow host too. The page must still take its keys,
// keep them from the host, and keep its focus across redraws.
import { afterEach, describe, expect, it, vi } from "vitest";
import { mountPage } from "../src/page_view";
import { FakeModel, flush, record } from "./fake_model";

const page = (n = 3) => Array.from({ length: n }, (_, i) => record({ seq: i, id: 100 + i }));

/** A key typed into `target`, seen as a browser shows it: listeners outside the shadow
 * root see `event.target` retargeted to the shadow host (happy-dom does not retarget, so
 * the test does); only `composedPath()` still starts at `target`. */
function key(target: Element, k: string, extra: KeyboardEventInit = {}): void {
  const event = new KeyboardEvent("keydown", {
    key: k,
    bubbles: true,
    composed: true,
    cancelable: true,
    ...extra,
  });
  const shadow = target.getRootNode() as ShadowRoot;
  Object.defineProperty(event, "target", {
    get() {
      const at = event.currentTarget;
      const inside = at instanceof Node && (at === shadow || shadow.contains(at));
      return inside || !shadow.host ? target : shadow.host;
    },
  });
  target.dispatchEvent(event);
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** The page mounted inside an open shadow root, as marimo and Panel do. */
function mountInShadow(model: FakeModel) {
  const shadowHost = document.createElement("div");
  document.body.appendChild(shadowHost);
  const shadow = shadowHost.attachShadow({ mode: "open" });
  const el = document.createElement("div");
  shadow.appendChild(el);
  const dispose = mountPage(model, el);
  cleanups.push(() => {
    dispose();
    shadowHost.remove();
  });
  const cards = () => Array.from(shadow.querySelectorAll<HTMLElement>("article.rw-card"));
  return { shadowHost, shadow, cards };
}

describe("the page inside a shadow root", () => {
  it("takes its keys from inside the shadow root: 2 annotates, Enter validates, Backspace discards", async () => {
    const model = new FakeModel({ mode: "annotate", _records: page(3), total: 3 });
    const { shadow, cards } = mountInShadow(model);
    cards()[0].focus();
    key(cards()[0], "2");
    expect(model.intents.at(-1)).toMatchObject({
      action: "annotate",
      seqs: [0],
      annotation: ["rotten"],
    });
    model.ack();
    await flush();
    expect(shadow.activeElement?.getAttribute("aria-label")).toBe("Record 101");
    key(shadow.activeElement!, "Enter");
    expect(model.intents.at(-1)).toMatchObject({ action: "validate", seqs: [1] });
    model.ack();
    await flush();
    key(shadow.activeElement!, "Backspace");
    expect(model.intents.at(-1)).toMatchObject({ action: "discard", seqs: [2] });
  });

  it("keeps every key typed in the widget from the host's own shortcuts", () => {
    const model = new FakeModel({
      mode: "annotate",
      _records: page(1),
      total: 1,
      _history: { can_undo: true, can_redo: true },
    });
    const { shadow, cards } = mountInShadow(model);
    const outside = vi.fn();
    // Hosts listen at the document (capture, as Lumino does, or bubble).
    document.addEventListener("keydown", outside, true);
    document.addEventListener("keydown", outside);
    try {
      for (const k of ["a", "b", "d", "m", "1", "Enter", "ArrowDown", "Backspace"])
        key(cards()[0], k);
      key(cards()[0], "z", { ctrlKey: true });
      key(shadow.querySelector<HTMLInputElement>('input[aria-label="Search records"]')!, "m");
      expect(outside).not.toHaveBeenCalled();
    } finally {
      document.removeEventListener("keydown", outside, true);
      document.removeEventListener("keydown", outside);
    }
  });

  it("reads what was typed into from the event's path: keys in the search box are text", () => {
    const model = new FakeModel({ mode: "annotate", _records: page(1), total: 1 });
    const { shadow } = mountInShadow(model);
    const search = shadow.querySelector<HTMLInputElement>('input[aria-label="Search records"]')!;
    key(search, "1");
    expect(model.intents).toHaveLength(0);
    search.value = "goal";
    key(search, "Enter");
    expect(model.get("query")).toBe("goal");
  });

  it("keeps the focused record focused when the kernel redraws the page", async () => {
    const model = new FakeModel({ mode: "annotate", _records: page(3), total: 3 });
    const { shadow, cards } = mountInShadow(model);
    cards()[1].focus();
    expect(shadow.activeElement).toBe(cards()[1]);
    model.set("_records", page(3)); // new record objects: every card is drawn again
    await flush();
    expect(shadow.activeElement?.getAttribute("aria-label")).toBe("Record 101");
    expect(shadow.activeElement).toBe(cards()[1]);
  });
});
