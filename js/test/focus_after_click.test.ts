// After a click on a record's control the page redraws (and disables that control while
// saving): the focus must stay in the records, on the next record as after the same key,
// so 1-9 / Enter / Backspace keep working without another click.
import { describe, expect, it } from "vitest";
import { mountPage } from "../src/page_view";
import { FakeModel, flush, record } from "./fake_model";
import { host } from "./host";

const page = (n = 3, overrides = {}) =>
  Array.from({ length: n }, (_, i) => record({ seq: i, id: 100 + i, ...overrides }));
const articles = () => Array.from(host.el.querySelectorAll<HTMLElement>("article"));
const control = (card: HTMLElement, key: string) =>
  card.querySelector<HTMLElement>(`[data-key="${key}"]`)!;
/** A mouse click as a browser does it: the clicked control takes the focus first. */
const click = (el: HTMLElement) => {
  el.focus();
  el.click();
};
const key = (target: Element, k: string) =>
  target.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true }));

describe("focus after a mouse click", () => {
  it("moves to the next record after clicking a label, and the keys go on from there", async () => {
    const model = new FakeModel({ mode: "annotate", _records: page(3), total: 3 });
    host.cleanup = mountPage(model, host.el);
    click(control(articles()[0], "label:0:rotten"));
    expect(model.intents.at(-1)).toMatchObject({
      action: "annotate",
      seqs: [0],
      annotation: ["rotten"],
    });
    await flush();
    expect(document.activeElement?.getAttribute("aria-label")).toBe("Record 101");
    model.ack();
    await flush();
    expect(document.activeElement?.getAttribute("aria-label")).toBe("Record 101");
    key(document.activeElement!, "1");
    expect(model.intents.at(-1)).toMatchObject({
      action: "annotate",
      seqs: [1],
      annotation: ["fresh"],
    });
  });

  it("moves to the next record after clicking Validate or Discard", async () => {
    const model = new FakeModel({ mode: "annotate", _records: page(3), total: 3 });
    host.cleanup = mountPage(model, host.el);
    click(control(articles()[0], "validate:0"));
    model.ack();
    await flush();
    expect(document.activeElement?.getAttribute("aria-label")).toBe("Record 101");
    click(control(articles()[1], "discard:1"));
    model.ack();
    await flush();
    expect(document.activeElement?.getAttribute("aria-label")).toBe("Record 102");
  });

  it("stays on a multi-label record after ticking one of its labels", async () => {
    const model = new FakeModel({
      mode: "annotate",
      _records: page(2, { multi_label: true }),
      total: 2,
    });
    host.cleanup = mountPage(model, host.el);
    const box = control(articles()[0], "label:0:fresh") as HTMLInputElement;
    box.focus();
    box.checked = true;
    box.dispatchEvent(new Event("change"));
    expect(model.intents.at(-1)).toMatchObject({
      action: "annotate",
      seqs: [0],
      annotation: ["fresh"],
    });
    model.ack();
    await flush();
    expect(document.activeElement?.getAttribute("aria-label")).toBe("Record 100");
  });
});
