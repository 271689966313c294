// The Rules panel (text classification): write a rule as a query and a label, see its
// coverage and precision while typing (asked of the kernel once typing pauses for
// RULE_METRICS_DEBOUNCE_MS), save it with the dataset, delete a saved one after a
// confirmation. The kernel side is rubrix_widgets/page_state/rules_panel.py.
//
// Unlike the sidebar, the panel keeps its elements between renders: the query box is
// being typed in while the page re-renders around it.
import { bdi, h, replaceChildren } from "./dom";
import { clip, clipTitle, count, labelHue, percent } from "./format";
import type { PageIntent, PageResults, Reply, RuleCheck } from "./protocol";
import type { SavedRule } from "./types";
import { activeIn } from "./view_base";

export const RULE_METRICS_DEBOUNCE_MS = 250;

export interface RulesPanelProps {
  query: string; // the page's search: the query box follows it until someone types in it
  labels: string[];
  schemaLocked: boolean; // only the schema's labels (a select), else free text too
  rules: SavedRule[];
  error: string; // the saved rules could not be read
}

/** The panel's intents. */
export type RuleIntent = Extract<
  PageIntent,
  { action: "rule_metrics" | "add_rule" | "delete_rule" }
>;

/** Send an intent to the kernel; resolves with its reply. */
export type Ask = <T extends RuleIntent>(intent: T) => Promise<Reply<PageResults[T["action"]]>>;

type Checked = RuleCheck;

const ruleKey = (rule: SavedRule) => JSON.stringify([rule.query, rule.label]);
const labelText = (label: string | string[]) => (Array.isArray(label) ? label.join(", ") : label);
const share = (value: number | null | undefined) =>
  value === null || value === undefined ? "—" : percent(value);

export class RulesPanel {
  readonly root: HTMLElement;
  private body: HTMLElement;
  private toggle: HTMLButtonElement;
  private queryBox: HTMLInputElement;
  private labelBox: HTMLInputElement;
  private labelSelect: HTMLSelectElement;
  private labelOptions: HTMLDataListElement;
  private notes: HTMLElement;
  private outcome: HTMLElement;
  private saveButton: HTMLButtonElement;
  private status: HTMLElement;
  private list: HTMLElement;

  private props: RulesPanelProps = {
    query: "",
    labels: [],
    schemaLocked: false,
    rules: [],
    error: "",
  };
  private open = false;
  private edited = false; // the query box was typed in: it stops following the search
  private labelTouched = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private asked = 0; // the latest metrics request; older answers are dropped
  private checking = false;
  private checked: Checked | null = null;
  private error = "";
  private saving = false;
  private confirming: string | null = null;
  private deleting = new Set<string>();
  private disposed = false;

  constructor(private ask: Ask) {
    const id = Math.random().toString(36).slice(2);
    this.toggle = h(
      "button",
      {
        type: "button",
        class: "rw-rules-toggle",
        "aria-expanded": "false",
        "aria-controls": `rw-rules-${id}`,
        "data-key": "rules-toggle",
        onclick: () => this.setOpen(!this.open),
      },
      "Rules",
    );
    this.queryBox = h("input", {
      type: "text",
      class: "rw-rule-query-box",
      "aria-label": "Rule query",
      placeholder: "Query, e.g. funny OR hilarious",
      spellcheck: "false",
      autocomplete: "off",
      "data-key": "rule-query",
      oninput: () => {
        this.edited = true;
        this.checkSoon();
      },
    });
    this.labelOptions = h("datalist", { id: `rw-rule-labels-${id}` });
    this.labelBox = h("input", {
      type: "text",
      "aria-label": "Rule label",
      placeholder: "Label",
      list: this.labelOptions.id,
      spellcheck: "false",
      autocomplete: "off",
      "data-key": "rule-label",
      oninput: () => {
        this.labelTouched = true;
        this.checkSoon();
      },
    });
    this.labelSelect = h("select", {
      "aria-label": "Rule label",
      "data-key": "rule-label-select",
      onchange: () => this.checkSoon(),
    });
    this.notes = h("div", { class: "rw-rule-notes" });
    this.outcome = h("div", {
      class: "rw-rule-outcome",
      role: "status",
      "aria-live": "polite",
      "aria-label": "Rule metrics",
    });
    this.saveButton = h(
      "button",
      { type: "button", class: "rw-primary", onclick: () => void this.save() },
      "Save rule",
    );
    this.status = h("span", { class: "rw-muted rw-rule-status", role: "status" });
    this.list = h("div", { class: "rw-rules-saved" });
    this.body = h(
      "div",
      { class: "rw-rules-body", id: `rw-rules-${id}`, hidden: true },
      h(
        "form",
        {
          class: "rw-rule-form",
          onsubmit: (e: Event) => {
            e.preventDefault(); // Enter checks the rule now; saving is the button's job
            this.checkNow();
          },
        },
        this.queryBox,
        h(
          "button",
          {
            type: "button",
            class: "rw-link rw-rule-from-search",
            title: "Copy the current search into the query box",
            onclick: () => this.followSearch(),
          },
          "Use the search",
        ),
        this.notes,
        this.labelBox,
        this.labelOptions,
        this.labelSelect,
      ),
      this.outcome,
      h("div", { class: "rw-rule-actions" }, this.saveButton, this.status),
      this.list,
    );
    this.root = h(
      "section",
      { class: "rw-side-section rw-rules", "aria-label": "Rules" },
      h("h3", null, this.toggle),
      this.body,
    );
    this.setLabels([], false);
  }

  /** The page's current state; called on every page render. */
  update(props: RulesPanelProps): void {
    const before = this.props;
    this.props = props;
    if (!this.edited && this.queryBox.value !== props.query) {
      this.queryBox.value = props.query;
      this.checkSoon();
    }
    if (
      props.labels.join("\n") !== before.labels.join("\n") ||
      props.schemaLocked !== before.schemaLocked
    ) {
      this.setLabels(props.labels, props.schemaLocked);
    }
    if (props.rules !== before.rules && this.open) this.checkNow(); // the dataset changed: recount
    this.renderForm();
    this.renderList();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
  }

  get label(): string {
    return this.props.schemaLocked ? this.labelSelect.value : this.labelBox.value.trim();
  }

  get query(): string {
    return this.queryBox.value.trim();
  }

  private setOpen(open: boolean): void {
    this.open = open;
    this.toggle.setAttribute("aria-expanded", String(open));
    this.body.hidden = !open;
    if (open) this.checkNow();
  }

  private followSearch(): void {
    this.edited = false;
    this.queryBox.value = this.props.query;
    this.checkNow();
  }

  private setLabels(labels: string[], locked: boolean): void {
    const current = this.labelSelect.value;
    replaceChildren(
      this.labelSelect,
      labels.map((l) => h("option", { value: l }, clip(l, 80))),
    );
    this.labelSelect.value = labels.includes(current) ? current : (labels[0] ?? "");
    replaceChildren(
      this.labelOptions,
      labels.map((l) => h("option", { value: l })),
    );
    if (!this.labelTouched && !this.labelBox.value && labels.length)
      this.labelBox.value = labels[0];
    this.labelSelect.hidden = !locked;
    this.labelBox.hidden = locked;
    this.checkSoon();
  }

  // --- metrics while typing -----------------------------------------------------------------
  private checkSoon(): void {
    if (!this.open) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.checkNow(), RULE_METRICS_DEBOUNCE_MS);
  }

  private checkNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const token = ++this.asked;
    const { query, label } = this;
    if (!this.open || !query || !label) {
      this.checked = null;
      this.error = "";
      this.checking = false;
      this.renderForm();
      return;
    }
    this.checking = true;
    this.renderForm();
    void this.ask({ action: "rule_metrics", query, label }).then((reply) => {
      if (this.disposed || token !== this.asked) return;
      this.checking = false;
      this.checked = reply.ok ? reply.result : null;
      this.error = reply.ok
        ? ""
        : reply.error || "The kernel could not compute this rule's metrics";
      this.renderForm();
    });
  }

  // --- saving and deleting ------------------------------------------------------------------
  async save(): Promise<boolean> {
    const { query, label } = this;
    if (!query || !label || this.saving) return false;
    this.saving = true;
    this.status.textContent = "Saving…";
    this.renderForm();
    const reply = await this.ask({ action: "add_rule", query, label });
    this.saving = false;
    if (this.disposed) return reply.ok;
    this.status.textContent = reply.ok
      ? reply.result === false
        ? "Already saved"
        : "Rule saved"
      : "";
    if (!reply.ok) this.error = reply.error || "The kernel did not save this rule";
    this.renderForm();
    return reply.ok;
  }

  private askDelete(rule: SavedRule): void {
    this.confirming = ruleKey(rule);
    this.renderList("rule-confirm-cancel");
  }

  private cancelDelete(rule: SavedRule): void {
    this.confirming = null;
    this.renderList(`rule-delete:${ruleKey(rule)}`);
  }

  async confirmDelete(rule: SavedRule): Promise<boolean> {
    const key = ruleKey(rule);
    this.confirming = null;
    this.deleting.add(key);
    this.renderList();
    const reply = await this.ask({ action: "delete_rule", query: rule.query, label: rule.label });
    this.deleting.delete(key);
    if (this.disposed) return reply.ok;
    this.status.textContent = reply.ok ? "Rule deleted" : "";
    if (!reply.ok) this.error = reply.error || "The kernel did not delete this rule";
    this.renderForm();
    this.renderList();
    return reply.ok;
  }

  // --- rendering ------------------------------------------------------------------------------
  private renderForm(): void {
    const { query, label } = this;
    this.queryBox.setAttribute("aria-invalid", this.error ? "true" : "false");
    replaceChildren(
      this.notes,
      this.error
        ? h(
            "div",
            { class: "rw-search-error", role: "alert" },
            h("pre", null, clip(this.error, 4000)),
          )
        : null,
      (this.checked?.warnings ?? []).map((w) =>
        h("div", { class: "rw-search-warning", role: "note" }, clip(w, 2000)),
      ),
    );
    this.outcome.classList.toggle("rw-stale", this.checking);
    const m = this.checked?.metrics;
    if (!query || !label) {
      replaceChildren(
        this.outcome,
        h(
          "p",
          { class: "rw-muted" },
          !query ? "Type a query to see its coverage." : "Pick a label to see its precision.",
        ),
      );
    } else if (m && !this.error) {
      const covered = m.coverage === null ? 0 : Math.round(m.coverage * m.total);
      replaceChildren(
        this.outcome,
        h(
          "dl",
          { class: "rw-rule-metrics" },
          h("dt", null, "Coverage"),
          h(
            "dd",
            { "data-metric": "coverage" },
            `${share(m.coverage)} (${count(covered)} of ${count(m.total)})`,
          ),
          h("dt", null, "Annotated coverage"),
          h("dd", { "data-metric": "annotated_coverage" }, share(m.annotated_coverage)),
          h("dt", null, "Correct / incorrect"),
          h(
            "dd",
            { "data-metric": "correct" },
            m.correct === null ? "—" : `${count(m.correct)} / ${count(m.incorrect ?? 0)}`,
          ),
          h("dt", null, "Precision"),
          h("dd", { "data-metric": "precision" }, share(m.precision)),
        ),
        m.annotated
          ? null
          : h("p", { class: "rw-muted" }, "No annotated records yet: precision needs some."),
      );
    } else if (!this.error) {
      replaceChildren(this.outcome, h("p", { class: "rw-muted" }, "Checking…"));
    } else {
      replaceChildren(this.outcome);
    }
    this.saveButton.disabled =
      !query || !label || this.saving || Boolean(this.error) || this.checking;
  }

  private renderList(focusKey: string | null = null): void {
    const active = activeIn(this.list) as HTMLElement | null;
    const keep =
      focusKey ?? (active && this.list.contains(active) ? (active.dataset.key ?? null) : null);
    const rules = this.props.rules;
    replaceChildren(
      this.list,
      this.props.error
        ? h("div", { class: "rw-search-error", role: "alert" }, clip(this.props.error, 2000))
        : null,
      h("h4", null, `Saved rules (${count(rules.length)})`),
      rules.length
        ? h(
            "ul",
            { class: "rw-rules-list", "aria-label": "Saved rules" },
            rules.map((rule) => this.ruleItem(rule)),
          )
        : h("p", { class: "rw-muted" }, "No saved rules yet."),
    );
    if (keep) {
      const target = Array.from(this.list.querySelectorAll<HTMLElement>("[data-key]")).find(
        (e) => e.dataset.key === keep,
      );
      target?.focus();
    }
  }

  private ruleItem(rule: SavedRule): HTMLElement {
    const key = ruleKey(rule);
    const label = labelText(rule.label);
    const busy = this.deleting.has(key);
    return h(
      "li",
      { class: "rw-rule" },
      h(
        "div",
        { class: "rw-rule-head" },
        h("span", { class: "rw-rule-name", title: clipTitle(rule.name) }, clip(rule.name)),
        h(
          "span",
          {
            class: "rw-label",
            title: clipTitle(label),
            style: { "--rw-hue": String(labelHue(label)) },
          },
          clip(label),
        ),
        h(
          "button",
          {
            type: "button",
            class: "rw-link rw-rule-delete",
            "data-key": `rule-delete:${key}`,
            disabled: busy,
            "aria-label": `Delete rule ${clip(rule.name, 1000)}`,
            onclick: () => this.askDelete(rule),
          },
          busy ? "Deleting…" : "Delete",
        ),
      ),
      rule.name !== rule.query
        ? h("div", { class: "rw-rule-query", title: clipTitle(rule.query) }, bdi(clip(rule.query)))
        : null,
      rule.error
        ? h("div", { class: "rw-ko rw-rule-nums" }, clip(rule.error, 500))
        : h(
            "div",
            { class: "rw-muted rw-rule-nums" },
            `coverage ${share(rule.coverage)} · precision ${share(rule.precision)}`,
          ),
      this.confirming === key
        ? h(
            "div",
            { class: "rw-rule-confirm", role: "alertdialog", "aria-label": "Delete this rule?" },
            "Delete this rule? ",
            h(
              "button",
              {
                type: "button",
                class: "rw-danger",
                "data-key": "rule-confirm-delete",
                onclick: () => void this.confirmDelete(rule),
              },
              "Delete",
            ),
            h(
              "button",
              {
                type: "button",
                "data-key": "rule-confirm-cancel",
                onclick: () => this.cancelDelete(rule),
              },
              "Cancel",
            ),
          )
        : null,
    );
  }
}
