// Record positions go with the epoch of the page they were drawn on: after records are
// deleted (a new `_epoch`), what the view kept per position is forgotten, drafts stay
// with their record, and the kernel's refusal of an old position is shown. The view asks
// the kernel to sync when its `_store_changes` count goes up (other writers in the
// kernel), and every SYNC_MS while shown.
import { describe, expect, it, vi } from "vitest";
import { DRAFT_SAVE_MS } from "../src/drafts";
import { mountPage, SYNC_MS } from "../src/page_view";
import type { PageRecord, TextClassificationRecord } from "../src/types";
import { FakeModel, flush, nerRecord, record, t2tRecord } from "./fake_model";
import { host } from "./host";

const DRAWN = "uid-1:0";
const AFTER_DELETE = "uid-1:7";

const mount = (model: FakeModel) => {
  host.cleanup = mountPage(model, host.el);
  return host.el;
};
const buttons = (root: ParentNode, name: string) =>
  Array.from(root.querySelectorAll<HTMLButtonElement>("button")).filter(
    (b) => (b.getAttribute("aria-label") ?? b.textContent?.trim()) === name,
  );
const button = (root: ParentNode, name: string, n = 0) => {
  const found = buttons(root, name);
  if (!found[n]) throw new Error(`no button named ${name}`);
  return found[n];
};
const check = (root: ParentNode, key: string) => {
  const box = root.querySelector<HTMLInputElement>(`[data-key="${key}"]`)!;
  box.checked = true;
  box.dispatchEvent(new Event("change"));
};
const mouse = (target: HTMLElement, type: string) =>
  target.dispatchEvent(new MouseEvent(type, { bubbles: true, cancelable: true }));

const page = (ids: number[], overrides: Partial<TextClassificationRecord> = {}) =>
  ids.map((id, seq) => record({ seq, id, ...overrides }));
const t2tPage = (ids: number[]) =>
  ids.map((id, seq) => t2tRecord({ seq, id, text: "Source", prediction: [["A reply.", 0.9]] }));

/** The kernel after records 100 and 101 were deleted: every later record moved up two. */
function deleteFirstTwo(
  model: FakeModel,
  ids: number[],
  records: (ids: number[]) => PageRecord[] = page,
): void {
  model.traits._records = records(ids.slice(2));
  model.set("_epoch", AFTER_DELETE);
  model.set("total", ids.length - 2);
}

describe("record positions carry the epoch of the page they were drawn on", () => {
  it("every intent naming positions sends the drawn epoch; intents without positions do not", async () => {
    const model = new FakeModel({
      mode: "annotate",
      _records: page([100, 101, 102]),
      total: 3,
      _epoch: DRAWN,
    });
    const root = mount(model);
    button(root, "rotten", 1).click();
    expect(model.sent.at(-1)).toMatchObject({
      action: "annotate",
      seqs: [1],
      annotation: ["rotten"],
      epoch: DRAWN,
    });
    button(root, "Validate", 0).click();
    expect(model.sent.at(-1)).toMatchObject({ action: "validate", seqs: [0], epoch: DRAWN });
    button(root, "Discard", 2).click();
    expect(model.sent.at(-1)).toMatchObject({ action: "discard", seqs: [2], epoch: DRAWN });
    check(root, "select:0");
    check(root, "select:2");
    await flush();
    button(root, "Validate selected").click();
    expect(model.sent.at(-1)).toMatchObject({ action: "validate", seqs: [0, 2], epoch: DRAWN });
    model.set("_history", { can_undo: true, can_redo: false });
    await flush();
    button(root, "Undo").click();
    expect(model.sent.at(-1)).toEqual({
      type: "action",
      request: model.sent.at(-1)!.request,
      action: "undo",
    });
  });

  it("sends it with NER span edits and full-text requests", async () => {
    const text = "Ada visits Paris";
    const ner = nerRecord({
      seq: 4,
      id: 9,
      text,
      offsets: [
        [0, 3],
        [4, 10],
        [11, 16],
      ],
      prediction: [["PER", 0, 3, 0.9]],
    });
    const model = new FakeModel({
      task: "TokenClassification",
      mode: "annotate",
      _labels: ["LOC", "PER"],
      total: 1,
      _records: [ner],
      _epoch: DRAWN,
    });
    const root = mount(model);
    button(root, "Remove PER").click();
    expect(model.sent.at(-1)).toMatchObject({
      action: "remove_span",
      seq: 4,
      label: "PER",
      epoch: DRAWN,
    });
    const tokens = Array.from(root.querySelectorAll<HTMLElement>(".rw-tok"));
    mouse(tokens[2], "mousedown");
    mouse(tokens[2], "mouseup");
    await flush();
    root.querySelectorAll<HTMLElement>('[role="listbox"] [role="option"]')[0].click();
    expect(model.sent.at(-1)).toMatchObject({
      action: "add_span",
      seq: 4,
      label: "LOC",
      start: 11,
      end: 16,
      epoch: DRAWN,
    });
    host.cleanup?.();

    const long = new FakeModel({
      _records: [
        record({ seq: 3, inputs: { text: "word ".repeat(200) }, lengths: { text: 5000 } }),
      ],
      total: 1,
      _epoch: DRAWN,
    });
    const other = mount(long);
    button(other, "Show more (5,000 characters)").click();
    expect(long.sent.at(-1)).toMatchObject({ action: "full_text", seq: 3, epoch: DRAWN });
  });

  it("forgets the selection, opened texts and metadata kept per position when the epoch changes", async () => {
    const ids = [100, 101, 102, 103, 104];
    const model = new FakeModel({ mode: "annotate", _records: page(ids), total: 5, _epoch: DRAWN });
    const root = mount(model);
    check(root, "select:2");
    check(root, "select:3");
    button(root, "Metadata", 2).click();
    await flush();
    expect(root.textContent).toContain("2 selected");
    expect(root.querySelectorAll(".rw-metadata")).toHaveLength(1);
    deleteFirstTwo(model, ids);
    await flush();
    expect(root.textContent).toContain("None selected");
    expect(button(root, "Validate selected").disabled).toBe(true);
    expect(root.querySelectorAll(".rw-metadata")).toHaveLength(0);
    // the next click names the new positions with the new epoch
    button(root, "Validate", 0).click();
    expect(model.sent.at(-1)).toMatchObject({ action: "validate", seqs: [0], epoch: AFTER_DELETE });
  });

  it("does not show a full text that arrives after the epoch changed on the card now at its position", async () => {
    const model = new FakeModel({
      _records: [
        record({ seq: 0, id: 1, inputs: { text: "word ".repeat(200) }, lengths: { text: 5000 } }),
      ],
      total: 1,
      _epoch: DRAWN,
    });
    const root = mount(model);
    button(root, "Show more (5,000 characters)").click();
    const asked = model.sent.at(-1)!;
    model.traits._records = [
      record({ seq: 0, id: 2, inputs: { text: "other ".repeat(200) }, lengths: { text: 5000 } }),
    ];
    model.set("_epoch", AFTER_DELETE);
    await flush();
    model.reply(asked.request, { ok: true, result: "FULL TEXT OF RECORD 1" });
    await flush();
    expect(root.textContent).not.toContain("FULL TEXT OF RECORD 1");
    button(root, "Show more (5,000 characters)").click(); // record 2's own text is fetched
    await flush();
    expect(root.textContent).not.toContain("FULL TEXT OF RECORD 1");
    expect(model.sent.at(-1)).toMatchObject({ action: "full_text", seq: 0, epoch: AFTER_DELETE });
  });

  it("keeps a Text2Text draft with its record; its pending save names where it was typed", async () => {
    vi.useFakeTimers();
    const ids = [100, 101, 102];
    const model = new FakeModel({
      task: "Text2Text",
      mode: "annotate",
      _labels: [],
      _records: t2tPage(ids),
      total: 3,
      _epoch: DRAWN,
    });
    const root = mount(model);
    const area = root.querySelector<HTMLTextAreaElement>(
      'textarea[aria-label="Annotation for record 102"]',
    )!;
    area.value = "My reply to 102.";
    area.dispatchEvent(new Event("input"));
    deleteFirstTwo(model, ids, t2tPage); // record 102 moves to position 0 before the save
    await vi.advanceTimersByTimeAsync(0);
    vi.advanceTimersByTime(DRAFT_SAVE_MS + 1);
    expect(model.sent.at(-1)).toMatchObject({
      action: "edit",
      seqs: [2],
      annotation: "My reply to 102.",
      epoch: DRAWN,
    });
    // the kernel refuses it: the refusal is shown, the draft stays on record 102's card
    model.emit("msg:custom", {
      type: "ack",
      request: model.sent.at(-1)!.request,
      ok: false,
      stale: true,
      error: "records of dataset 'replies' were deleted since this page was drawn",
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(root.querySelector('[role="alert"]')!.textContent).toContain(
      "were deleted since this page was drawn",
    );
    expect(
      root.querySelector<HTMLTextAreaElement>('textarea[aria-label="Annotation for record 102"]')!
        .value,
    ).toBe("My reply to 102.");
    button(root, "Validate").click();
    expect(model.sent.at(-1)).toMatchObject({
      action: "annotate",
      seqs: [0],
      annotation: "My reply to 102.",
      epoch: AFTER_DELETE,
    });
  });
});

describe("following writes made elsewhere", () => {
  const syncs = (model: FakeModel) => model.sent.filter((m) => m.action === "sync");

  it("asks the kernel to sync when its store-changes count goes up, one request at a time", async () => {
    const model = new FakeModel({
      _records: page([100]),
      total: 1,
      _epoch: DRAWN,
      _store_changes: 0,
    });
    mount(model);
    expect(syncs(model)).toHaveLength(0);
    model.set("_store_changes", 1);
    model.set("_store_changes", 2); // the first is not answered yet
    expect(syncs(model)).toHaveLength(1);
    expect(syncs(model)[0]).toMatchObject({ type: "action", action: "sync" });
    model.ack({ result: true });
    await flush();
    model.set("_store_changes", 3);
    expect(syncs(model)).toHaveLength(2);
  });

  it("does not sync on a store change while the page is not shown", () => {
    const model = new FakeModel({
      _records: page([100]),
      total: 1,
      _epoch: DRAWN,
      _store_changes: 0,
    });
    mount(model);
    host.el.remove(); // e.g. the output was cleared or the home went back to the list
    model.set("_store_changes", 1);
    expect(syncs(model)).toHaveLength(0);
  });

  it("asks every SYNC_MS while it is shown, and stops when hidden or disposed", async () => {
    vi.useFakeTimers();
    const model = new FakeModel({ _records: page([100]), total: 1, _epoch: DRAWN });
    mount(model);
    vi.advanceTimersByTime(SYNC_MS - 1);
    expect(syncs(model)).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(syncs(model)).toHaveLength(1);
    vi.advanceTimersByTime(SYNC_MS); // still unanswered (a busy kernel): no second request
    expect(syncs(model)).toHaveLength(1);
    model.ack({ result: false });
    await vi.advanceTimersByTimeAsync(SYNC_MS);
    expect(syncs(model)).toHaveLength(2);
    model.ack({ result: false });
    await vi.advanceTimersByTimeAsync(0);
    const visibility = vi.spyOn(document, "visibilityState", "get").mockReturnValue("hidden");
    vi.advanceTimersByTime(SYNC_MS * 3);
    expect(syncs(model)).toHaveLength(2);
    visibility.mockRestore();
    host.cleanup?.();
    host.cleanup = null;
    vi.advanceTimersByTime(SYNC_MS * 3);
    expect(syncs(model)).toHaveLength(2);
  });
});
