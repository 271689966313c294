// One record type per task. The `@ts-expect-error` lines are checked by `tsc --noEmit`
// (the first half of `npm test`): each says a read or a value that must not compile; if
// the types were loosened back into one record with optional fields, tsc would report the
// directive as unused and fail. The runtime checks below them mount each task's page from
// a record of its own type (the kernel's keys per task are checked against these types by
// tests/test_page_json_types.py).
import { describe, expect, it } from "vitest";
import { mountPage } from "../src/page_view";
import type { CardProps } from "../src/record_card";
import {
  type PageRecord,
  recordAt,
  type TaskRecord,
  type Text2TextRecord,
  type TextClassificationRecord,
  type TokenClassificationRecord,
  taskRecords,
} from "../src/types";
import { FakeModel, flush, nerRecord, record, t2tRecord } from "./fake_model";
import { host } from "./host";

const mount = (model: FakeModel) => {
  host.cleanup = mountPage(model, host.el);
  return host.el;
};
const button = (root: ParentNode, name: string) =>
  Array.from(root.querySelectorAll<HTMLButtonElement>("button")).find(
    (b) => (b.getAttribute("aria-label") ?? b.textContent?.trim()) === name,
  );

describe("one record type per task (compile-time)", () => {
  it("a text classification record has no token or Text2Text fields", () => {
    const r: TextClassificationRecord = record();
    // @ts-expect-error tokens belong to token classification records
    expect(r.tokens).toBeUndefined();
    // @ts-expect-error offsets belong to token classification records
    expect(r.offsets).toBeUndefined();
    // @ts-expect-error the source text of Text2Text: a text classification record has inputs
    expect(r.text).toBeUndefined();
    expect(r.inputs.text).toContain("gripping");
  });

  it("a token classification record has no inputs, labels or multi_label", () => {
    const r: TokenClassificationRecord = nerRecord();
    // @ts-expect-error inputs belong to text classification records
    expect(r.inputs).toBeUndefined();
    // @ts-expect-error multi_label belongs to text classification records
    expect(r.multi_label).toBeUndefined();
    // @ts-expect-error its annotation is spans, not a label
    const label: TokenClassificationRecord["annotation"] = "PER";
    expect(label).toBe("PER");
    expect(r.tokens).toEqual(["Ada", "visits", "Paris"]);
  });

  it("a Text2Text record's annotation is one text and its predictions are texts with scores", () => {
    const r: Text2TextRecord = t2tRecord();
    // @ts-expect-error tokens belong to token classification records
    expect(r.tokens).toBeUndefined();
    // @ts-expect-error a Text2Text annotation is a text, not a list of labels
    const labels: Text2TextRecord["annotation"] = ["fresh"];
    expect(labels).toEqual(["fresh"]);
    // @ts-expect-error a prediction carries its score
    const unscored: Text2TextRecord["prediction"] = [["The dog sleeps."]];
    expect(unscored).toHaveLength(1);
  });

  it("a record of any task shows only the shared fields until narrowed on its task", () => {
    const records: PageRecord[] = [nerRecord({ seq: 7 })];
    const any = records[0];
    expect(any.seq).toBe(7);
    // @ts-expect-error tokens: only once the task says token classification
    expect(any.tokens).toEqual(["Ada", "visits", "Paris"]);
    const item: TaskRecord | undefined = recordAt(taskRecords("TokenClassification", records), 7);
    // @ts-expect-error still any task: not narrowed yet
    expect(item?.record.offsets).toHaveLength(3);
    if (item?.task !== "TokenClassification")
      throw new Error("the record of a token classification page");
    expect(item.record.offsets).toHaveLength(3); // narrowed: compiles
  });

  it("a card's props pair its task with that task's record", () => {
    const common = {
      labels: [],
      annotating: false,
      selected: false,
      pending: false,
      expanded: new Set<string>(),
      fullTexts: new Map<string, string>(),
      showMetadata: false,
      onSelect() {},
      onValidate() {},
      onDiscard() {},
      onExpand() {},
      onMetadata() {},
    };
    const ok: CardProps = {
      ...common,
      task: "Text2Text",
      record: t2tRecord(),
      onEdit() {},
      onUse() {},
    };
    // @ts-expect-error a Text2Text card cannot show a text classification record
    const wrong: CardProps = {
      ...common,
      task: "Text2Text",
      record: record(),
      onEdit() {},
      onUse() {},
    };
    expect(ok.task).toBe(wrong.task);
  });

  it("the page's task reads records as that task's; an unknown task as none", () => {
    const records = [record({ seq: 3 })];
    expect(taskRecords("TextClassification", records)?.task).toBe("TextClassification");
    expect(taskRecords("Dependency parsing", records)).toBeNull();
    expect(recordAt(taskRecords("TextClassification", records), 3)?.record.seq).toBe(3);
    expect(recordAt(taskRecords("TextClassification", records), 4)).toBeUndefined();
  });
});

describe("each task's page renders from a record of its own type", () => {
  it("text classification: inputs, prediction bars, annotation and label choices", () => {
    const root = mount(
      new FakeModel({
        task: "TextClassification",
        mode: "annotate",
        total: 1,
        _labels: ["fresh", "rotten"],
        _records: [record({ annotation: "fresh", status: "Validated" })],
      }),
    );
    const card = root.querySelector("article.rw-card")!;
    expect(card.querySelector(".rw-text")!.textContent).toBe("A gripping, beautifully shot film.");
    expect(Array.from(card.querySelectorAll(".rw-bar-label"), (e) => e.textContent)).toEqual([
      "fresh",
      "rotten",
    ]);
    expect(card.querySelector(".rw-annotation .rw-label")!.textContent).toBe("fresh");
    expect(card.querySelector(".rw-outcome")!.textContent).toBe("Predicted ok");
    expect(button(card, "fresh")!.getAttribute("aria-pressed")).toBe("true");
    expect(card.querySelector(".rw-tok, .rw-t2t")).toBeNull();
  });

  it("token classification: the tokens, the predicted spans suggested, no label choices", () => {
    const root = mount(
      new FakeModel({
        task: "TokenClassification",
        mode: "annotate",
        total: 1,
        _labels: ["LOC", "PER"],
        _records: [nerRecord()],
      }),
    );
    const card = root.querySelector("article.rw-card")!;
    const tokens = Array.from(card.querySelectorAll<HTMLElement>(".rw-tok"));
    expect(tokens.map((t) => t.textContent)).toEqual(["Ada", "visits", "Paris"]);
    expect(tokens[0].classList.contains("rw-ent-suggested")).toBe(true);
    expect(card.querySelector(".rw-ent-tag")!.textContent).toContain("PER");
    expect(card.textContent).toContain("Showing the predictions: edit them or Validate to accept.");
    expect(card.querySelector(".rw-choices, .rw-bar-label")).toBeNull();
  });

  it("Text2Text: the source, the predictions best first, and the annotation being edited", () => {
    const root = mount(
      new FakeModel({
        task: "Text2Text",
        mode: "annotate",
        total: 1,
        _labels: [],
        _records: [t2tRecord({ annotation: "The dog naps." })],
      }),
    );
    const card = root.querySelector("article.rw-card")!;
    expect(card.querySelector(".rw-inputs .rw-text")!.textContent).toBe("Der Hund schläft.");
    expect(
      Array.from(card.querySelectorAll(".rw-t2t-predictions .rw-text"), (e) => e.textContent),
    ).toEqual(["The dog is sleeping.", "The dog sleeps."]);
    expect(card.querySelector<HTMLTextAreaElement>("textarea.rw-t2t-edit")!.value).toBe(
      "The dog naps.",
    );
    expect(card.querySelector(".rw-choices, .rw-tok")).toBeNull();
  });

  it("a task the page does not know: says so, instead of drawing another task's card", () => {
    const root = mount(
      new FakeModel({ task: "Dependency parsing" as never, total: 1, _records: [record()] }),
    );
    expect(root.querySelector("article.rw-card")).toBeNull();
    expect(root.querySelector(".rw-list [role=alert]")!.textContent).toBe(
      'This page cannot show records of the task "Dependency parsing".',
    );
  });

  it("Text2Text: Show more fetches the rest of a long source the kernel cut, and shows it", async () => {
    const whole = `${"Ein langer Satz. ".repeat(300)}Ende.`;
    const model = new FakeModel({
      task: "Text2Text",
      total: 1,
      _labels: [],
      _records: [t2tRecord({ text: whole.slice(0, 1000), length: whole.length })],
    });
    const root = mount(model);
    button(root, `Show more (${whole.length.toLocaleString("en-US")} characters)`)!.click();
    expect(model.sent.at(-1)).toMatchObject({ action: "full_text", seq: 0, key: "text" });
    model.ack({ result: whole });
    await flush();
    expect(root.querySelector(".rw-text-open")!.textContent).toBe(whole);
  });
});
