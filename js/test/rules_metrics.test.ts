// The sidebar's "Model vs annotations" table and the Rules panel, rendered from a fake
// model: what they show, what they send to the kernel (debounced), and that untrusted
// rule names and labels stay text.
import { describe, expect, it, vi } from "vitest";
import { METRIC_ROWS } from "../src/metrics_panel";
import { mountPage } from "../src/page_view";
import { RULE_METRICS_DEBOUNCE_MS } from "../src/rules_panel";
import type { RuleMetrics, SavedRule, SearchMetrics, Traits } from "../src/types";
import { FakeModel, flush } from "./fake_model";
import { host } from "./host";

function mount(overrides: Partial<Traits> = {}): { model: FakeModel; root: HTMLElement } {
  const model = new FakeModel(overrides);
  host.cleanup = mountPage(model, host.el);
  return { model, root: host.el };
}

const section = (root: ParentNode, name: string) =>
  root.querySelector<HTMLElement>(`section[aria-label="${name}"]`);
const buttonNamed = (root: ParentNode, name: string) => {
  const found = Array.from(root.querySelectorAll<HTMLButtonElement>("button")).find(
    (b) => (b.getAttribute("aria-label") ?? b.textContent?.trim()) === name,
  );
  if (!found) throw new Error(`no button named ${name}`);
  return found;
};
const cells = (row: Element) => Array.from(row.children).map((c) => c.textContent);
const type = (input: HTMLInputElement, value: string) => {
  input.value = value;
  input.dispatchEvent(new Event("input", { bubbles: true }));
};
const ruleRequests = (model: FakeModel, action = "rule_metrics") =>
  model.sent.filter((m) => m.action === action);
const answer = (model: FakeModel, request: unknown, result: unknown, ok = true, error = "") =>
  model.reply(request, ok ? { ok, result } : { ok: false, error });

const scores = (precision: number, recall: number, f1: number, support: number) => ({
  precision,
  recall,
  f1,
  support,
});

const F1: SearchMetrics = {
  f1: {
    records: 120,
    micro: { precision: 0.8, recall: 0.8, f1: 0.8 },
    macro: { precision: 0.7512, recall: 0.6, f1: 0.66 },
    per_label: {
      fresh: scores(0.9, 0.85, 0.874, 70),
      plot: scores(0.5, 0.25, 0.333, 10),
      rotten: scores(0.75, 0.8, 0.774, 40),
    },
  },
  empty: null,
};

const METRICS: RuleMetrics = {
  coverage: 0.042,
  annotated_coverage: 0.05,
  correct: 12,
  incorrect: 3,
  precision: 0.8,
  total: 1234,
  annotated: 300,
};

describe("the Model vs annotations table", () => {
  it("lists each label by support with precision, recall, F1 and support, then micro and macro", () => {
    const { root } = mount({ metrics: F1 });
    const table = section(root, "Model vs annotations")!.querySelector("table")!;
    expect(table.querySelector("caption")!.textContent).toBe(
      "120 records with an annotation and a prediction",
    );
    expect(cells(table.querySelector("thead tr")!)).toEqual(["Label", "P", "R", "F1", "N"]);
    expect(Array.from(table.querySelectorAll("tbody tr")).map(cells)).toEqual([
      ["fresh", "0.90", "0.85", "0.87", "70"],
      ["rotten", "0.75", "0.80", "0.77", "40"],
      ["plot", "0.50", "0.25", "0.33", "10"],
    ]);
    expect(Array.from(table.querySelectorAll("tfoot tr")).map(cells)).toEqual([
      ["micro avg", "0.80", "0.80", "0.80", "120"],
      ["macro avg", "0.75", "0.60", "0.66", "120"],
    ]);
  });

  it("shows the first labels and the rest on demand", async () => {
    const many = Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [`label-${i}`, scores(0.5, 0.5, 0.5, 100 - i)]),
    );
    const { root } = mount({ metrics: { f1: { ...F1.f1!, per_label: many }, empty: null } });
    expect(root.querySelectorAll(".rw-metrics table tbody tr")).toHaveLength(METRIC_ROWS);
    buttonNamed(root, "Show all 12 labels").click();
    await flush();
    expect(root.querySelectorAll(".rw-metrics table tbody tr")).toHaveLength(12);
    expect(document.activeElement?.textContent).toBe("Show fewer");
  });

  it("says why it is empty instead of showing an empty table", () => {
    const { root } = mount({ metrics: { f1: null, empty: "no_annotations" } });
    const found = section(root, "Model vs annotations")!;
    expect(found.querySelector("table")).toBeNull();
    expect(found.textContent).toContain("No annotated records in this search yet");
  });

  it("names the rows entities for NER, and is absent for Text2Text", () => {
    const ner = mount({ task: "TokenClassification", metrics: F1 }).root;
    expect(ner.querySelector(".rw-metrics thead th")!.textContent).toBe("Entity");
    host.cleanup?.();
    const t2t = mount({ task: "Text2Text", metrics: {} }).root;
    expect(section(t2t, "Model vs annotations")).toBeNull();
  });

  it("follows the kernel's new numbers", async () => {
    const { model, root } = mount({ metrics: { f1: null, empty: "no_annotations" } });
    model.set("metrics", F1);
    await flush();
    expect(root.querySelectorAll(".rw-metrics tbody tr")).toHaveLength(3);
  });
});

describe("the Rules panel", () => {
  const open = (root: HTMLElement) => {
    buttonNamed(root, "Rules").click();
    return {
      query: root.querySelector<HTMLInputElement>('input[aria-label="Rule query"]')!,
      label: root.querySelector<HTMLInputElement>('input[aria-label="Rule label"]')!,
      select: root.querySelector<HTMLSelectElement>('select[aria-label="Rule label"]')!,
      outcome: root.querySelector<HTMLElement>('[aria-label="Rule metrics"]')!,
    };
  };

  it("is there for text classification only", () => {
    expect(section(mount().root, "Rules")).not.toBeNull();
    host.cleanup?.();
    expect(section(mount({ task: "TokenClassification" }).root, "Rules")).toBeNull();
    host.cleanup?.();
    expect(section(mount({ task: "Text2Text" }).root, "Rules")).toBeNull();
  });

  it("starts closed and sends nothing until opened, then checks the current search", () => {
    const { model, root } = mount({ query: "funny", _labels: ["fresh", "rotten"] });
    expect(root.querySelector<HTMLElement>(".rw-rules-body")!.hidden).toBe(true);
    expect(ruleRequests(model)).toHaveLength(0);
    const { query, label } = open(root);
    expect(query.value).toBe("funny");
    expect(label.value).toBe("fresh");
    expect(ruleRequests(model).map((m) => [m.query, m.label])).toEqual([["funny", "fresh"]]);
  });

  it("sends one request once typing pauses, with the last query and label", () => {
    vi.useFakeTimers();
    const { model, root } = mount({ _labels: ["fresh", "rotten"] });
    const { query, label } = open(root);
    for (const text of ["f", "fu", "fun", "funny"]) {
      type(query, text);
      vi.advanceTimersByTime(RULE_METRICS_DEBOUNCE_MS - 50);
    }
    type(label, "rotten");
    expect(ruleRequests(model)).toHaveLength(0);
    vi.advanceTimersByTime(RULE_METRICS_DEBOUNCE_MS + 1);
    expect(ruleRequests(model).map((m) => [m.query, m.label])).toEqual([["funny", "rotten"]]);
  });

  it("shows the kernel's coverage and precision, and drops answers to older requests", async () => {
    const { model, root } = mount({ query: "funny", _labels: ["fresh"] });
    const { query, outcome } = open(root);
    const first = ruleRequests(model)[0].request;
    type(query, "funny OR hilarious");
    query.form!.dispatchEvent(new Event("submit", { cancelable: true })); // Enter: check now
    const second = ruleRequests(model)[1].request;
    answer(model, second, { metrics: METRICS, warnings: [] });
    answer(model, first, { metrics: { ...METRICS, coverage: 0.9 }, warnings: [] });
    await flush();
    expect(outcome.querySelector('[data-metric="coverage"]')!.textContent).toBe(
      "4.2% (52 of 1,234)",
    );
    expect(outcome.querySelector('[data-metric="precision"]')!.textContent).toBe("80.0%");
    expect(outcome.querySelector('[data-metric="correct"]')!.textContent).toBe("12 / 3");
  });

  it("shows a query syntax error under the box, as the search bar does, and cannot save", async () => {
    const { model, root } = mount({ query: "funny AND (", _labels: ["fresh"] });
    const { query } = open(root);
    const error = "the query ends where a search term was expected\n  funny AND (\n             ^";
    answer(model, ruleRequests(model)[0].request, null, false, error);
    await flush();
    const alert = root.querySelector<HTMLElement>(".rw-rules .rw-search-error pre")!;
    expect(alert.textContent).toBe(error);
    expect(query.getAttribute("aria-invalid")).toBe("true");
    expect(buttonNamed(root, "Save rule").disabled).toBe(true);
  });

  it("saves the rule in the box and says so", async () => {
    const { model, root } = mount({ query: "funny", _labels: ["fresh"] });
    open(root);
    answer(model, ruleRequests(model)[0].request, { metrics: METRICS, warnings: [] });
    await flush();
    buttonNamed(root, "Save rule").click();
    const sent = ruleRequests(model, "add_rule");
    expect(sent.map((m) => [m.query, m.label])).toEqual([["funny", "fresh"]]);
    answer(model, sent[0].request, true);
    await flush();
    expect(root.querySelector(".rw-rule-status")!.textContent).toBe("Rule saved");
  });

  it("asks again when the kernel recounts the saved rules (the records changed)", async () => {
    const { model, root } = mount({ query: "funny", _labels: ["fresh"] });
    open(root);
    answer(model, ruleRequests(model)[0].request, { metrics: METRICS, warnings: [] });
    await flush();
    model.set("rules", [
      { query: "funny", label: "fresh", name: "funny", author: null, ...METRICS },
    ]);
    await flush();
    expect(ruleRequests(model)).toHaveLength(2);
  });

  it("offers only the schema's labels under a label schema", () => {
    const { root } = mount({ _labels: ["fresh", "rotten"], _schema_locked: true });
    const { label, select } = open(root);
    expect(label.hidden).toBe(true);
    expect(select.hidden).toBe(false);
    expect(Array.from(select.options).map((o) => o.value)).toEqual(["fresh", "rotten"]);
  });

  it("stops following the search once typed in; 'Use the search' brings it back", async () => {
    const { model, root } = mount({ query: "funny", _labels: ["fresh"] });
    const { query } = open(root);
    type(query, "boring");
    model.set("query", "sad");
    await flush();
    expect(query.value).toBe("boring");
    buttonNamed(root, "Use the search").click();
    expect(query.value).toBe("sad");
  });

  it("lists saved rules with coverage and precision; Delete asks first, then sends the rule", async () => {
    const rules: SavedRule[] = [
      { query: "funny", label: "fresh", name: "funny", author: "ada", ...METRICS },
      {
        query: "boring",
        label: "rotten",
        name: "boring",
        author: "ada",
        ...METRICS,
        precision: null,
      },
    ];
    const { model, root } = mount({ _labels: ["fresh", "rotten"], rules });
    open(root);
    const items = Array.from(root.querySelectorAll(".rw-rules-list li"));
    expect(items.map((li) => li.querySelector(".rw-rule-nums")!.textContent)).toEqual([
      "coverage 4.2% · precision 80.0%",
      "coverage 4.2% · precision —",
    ]);
    buttonNamed(root, "Delete rule boring").click();
    const dialog = root.querySelector<HTMLElement>('[role="alertdialog"]')!;
    expect(dialog.textContent).toContain("Delete this rule?");
    expect(document.activeElement?.textContent).toBe("Cancel");
    buttonNamed(dialog, "Cancel").click();
    expect(root.querySelector('[role="alertdialog"]')).toBeNull();
    expect(ruleRequests(model, "delete_rule")).toHaveLength(0);
    buttonNamed(root, "Delete rule boring").click();
    buttonNamed(root.querySelector('[role="alertdialog"]')!, "Delete").click();
    expect(ruleRequests(model, "delete_rule").map((m) => [m.query, m.label])).toEqual([
      ["boring", "rotten"],
    ]);
  });

  it("renders hostile rule names, queries and labels as text", async () => {
    const evil = '<img src=x onerror="window.__pwned=1"><b>x</b>';
    const rules: SavedRule[] = [
      { query: evil, label: evil, name: `\u202e${evil}`, author: evil, ...METRICS },
    ];
    const { model, root } = mount({ query: evil, _labels: [evil], rules });
    const { query, label, select } = open(root);
    answer(model, ruleRequests(model)[0].request, null, false, evil);
    await flush();
    expect(root.querySelectorAll("img, b, script")).toHaveLength(0);
    expect(query.value).toBe(evil);
    expect(label.value).toBe(evil);
    expect(select.options[0].value).toBe(evil);
    expect(root.querySelector(".rw-rule-name")!.textContent).toBe(`\u202e${evil}`);
    expect(root.querySelector(".rw-rules .rw-search-error pre")!.textContent).toBe(evil);
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
  });
});
