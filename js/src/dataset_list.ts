// Rubrix's home page: the datasets of the workspace. The kernel sends the rows of
// rb.datasets() (counts and percentages computed there) and the workspaces; this view
// filters and sorts that short list, and sends intents back: open a dataset, delete one
// (after an inline confirmation), refresh, switch workspace (workspace_picker.ts).
// Open and delete name the workspace the list showed, so a click made just before a
// switch is refused rather than applied to a same-named dataset of the new workspace.
// When rendered, the view says `hello` and renders again from the whole state the kernel
// sends back (a view made late shows what the kernel computed before it connected).
// It works inside a shadow root (marimo, Panel): the focused element is read from the
// root node, the key typed into from `composedPath()` (keys.ts).
// Intents and their results are typed by ListIntent/ListResults (protocol.ts); listening,
// state, `hello` and disposal are ViewBase's (view_base.ts), as for the page view.
// See rubrix_widgets/widgets/dataset_list.py; home.ts shows this view in the one-widget
// home, through a model adapter that renames `query`/`sort` to `list_query`/`list_sort`.
import type { AnyWidget } from "@anywidget/types";
import { bdi, h, replaceChildren } from "./dom";
import { clip, clipTitle, count } from "./format";
import { captureKeys, isTyping, keyTarget } from "./keys";
import type { Acks, ListIntent, ListResults, Reply } from "./protocol";
import { activeIn, ViewBase, type ViewModel } from "./view_base";
import { WorkspacePicker } from "./workspace_picker";

export interface DatasetRow {
  name: string;
  task: string;
  tags: Record<string, string>;
  records: number;
  annotated: number;
  annotated_percent: number;
  created_at: string;
  updated_at: string;
}

export type SortColumn =
  | "name"
  | "tags"
  | "task"
  | "records"
  | "annotated"
  | "created_at"
  | "updated_at";
export type Direction = "asc" | "desc";

export interface ListTraits {
  query: string;
  sort: [SortColumn, Direction];
  workspace: string; // the workspace shown: its name (a folder workspace: the folder)
  _workspace_folder?: string;
  _workspaces?: string[]; // the named workspaces (absent in a model made before them)
  _datasets: DatasetRow[];
  _acks?: Acks; // the kernel's replies (rpc.ts reads them when a custom message is lost)
}

/** The part of anywidget's model the list uses (the home's adapter is one too). */
export type ListModel = ViewModel<ListTraits>;

/** The kernel's reply to the list's intent `A`, its result typed per action. */
export type ListReply<A extends ListIntent["action"]> = Reply<ListResults[A]>;

export const COLUMNS: { key: SortColumn; title: string; first: Direction }[] = [
  { key: "name", title: "Name", first: "asc" },
  { key: "tags", title: "Tags", first: "asc" },
  { key: "task", title: "Task", first: "asc" },
  { key: "records", title: "Records", first: "desc" },
  { key: "annotated", title: "Annotated (%)", first: "desc" },
  { key: "created_at", title: "Created", first: "desc" },
  { key: "updated_at", title: "Updated", first: "desc" },
];

const TASK_NAMES: Record<string, string> = {
  TextClassification: "Text classification",
  TokenClassification: "Token classification",
  Text2Text: "Text2Text",
};

const TAG_CHARS = 60; // of a tag's key and of its value in the list (the tooltip has more)

export function tagText(tags: Record<string, string>): string[] {
  return Object.entries(tags).map(([k, v]) => (v ? `${k}: ${v}` : k));
}

/** Rows whose name, tags or task contain every word of `query` (case-insensitive). */
export function filterRows(rows: DatasetRow[], query: string): DatasetRow[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return rows;
  return rows.filter((row) => {
    const haystack = [row.name, row.task, TASK_NAMES[row.task] ?? "", ...tagText(row.tags)]
      .join("\n")
      .toLowerCase();
    return words.every((w) => haystack.includes(w));
  });
}

function sortValue(row: DatasetRow, column: SortColumn): string | number {
  switch (column) {
    case "tags":
      return tagText(row.tags).join(", ").toLowerCase();
    case "annotated":
      return row.annotated_percent;
    case "records":
      return row.records;
    case "name":
      return row.name;
    case "task":
      return row.task;
    default:
      return row[column];
  }
}

/** Rows sorted by `column` (ties: by name, ascending). */
export function sortRows(
  rows: DatasetRow[],
  [column, direction]: [SortColumn, Direction],
): DatasetRow[] {
  const sign = direction === "desc" ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = sortValue(a, column);
    const y = sortValue(b, column);
    const order =
      typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
    return order !== 0 ? sign * order : a.name.localeCompare(b.name);
  });
}

/** "2024-05-01 14:03" in the reader's time zone; the ISO string when unparsable. */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  if (!iso || Number.isNaN(date.getTime())) return iso || "—";
  const two = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}`;
}

export class DatasetListView extends ViewBase<ListTraits, ListIntent, ListResults> {
  readonly root: HTMLElement;
  private search: HTMLInputElement;
  private header: HTMLElement;
  private title: HTMLElement;
  private picker: WorkspacePicker;
  private body: HTMLElement;
  private status: HTMLElement;
  private alert: HTMLElement;
  private scheduled = false;

  // View state that is not the kernel's business.
  private confirming: { name: string; workspace: string } | null = null;
  private deleting = new Set<string>();
  private focusNext: string | null = null;

  constructor(model: ListModel, el: HTMLElement) {
    super(model);
    this.search = h("input", {
      type: "search",
      class: "rw-home-search",
      "aria-label": "Search datasets",
      placeholder: "Search datasets by name, tag or task",
      spellcheck: "false",
      autocomplete: "off",
      value: model.get("query"),
      oninput: () => this.setTraits({ query: this.search.value }),
    });
    this.body = h("div", { class: "rw-home-body" });
    this.status = h("div", { class: "rw-home-notice", role: "status", "aria-live": "polite" });
    this.picker = new WorkspacePicker({
      call: (intent) => this.requests.call(intent),
      status: (text) => {
        this.status.textContent = text;
      },
    });
    this.title = h("div", { class: "rw-home-title" });
    this.header = h(
      "div",
      { class: "rw-home-top" },
      this.title,
      this.picker.root,
      h("span", { class: "rw-spacer" }),
      this.status,
      h(
        "button",
        {
          type: "button",
          "data-action": "refresh",
          "data-key": "refresh",
          title: "Re-read the workspace",
        },
        "Refresh",
      ),
    );
    this.alert = h("div", { class: "rw-home-error", role: "alert" });
    this.root = h(
      "div",
      { class: "rw-home", onclick: (e: MouseEvent) => this.onClick(e) },
      this.header,
      h(
        "div",
        { class: "rw-home-searchbar" },
        h("span", { class: "rw-home-search-icon", "aria-hidden": "true" }, "⌕"),
        this.search,
      ),
      this.alert,
      this.body,
    );
    el.appendChild(this.root);
    this.onDispose(captureKeys(this.root, (e) => this.onKey(e))); // never to notebook shortcuts
    this.onDispose(() => {
      this.picker.dispose();
      this.root.remove();
    });
    for (const name of [
      "query",
      "sort",
      "workspace",
      "_workspaces",
      "_workspace_folder",
      "_datasets",
    ]) {
      this.listen(`change:${name}`, () => this.schedule());
    }
    this.render();
    // A view made after the kernel computed the list (or whose messages were lost) asks
    // for the whole state, then shows it.
    this.hello(() => this.render());
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      if (!this.disposed) this.render();
    });
  }

  // --- intents ----------------------------------------------------------------------------
  /** Send an intent; a refusal shows in the alert line. Intents about a dataset name the
   * workspace the list showed. */
  private act<T extends ListIntent>(
    intent: T,
    done?: (reply: ListReply<T["action"]>) => void,
  ): Promise<ListReply<T["action"]>> {
    this.alert.textContent = "";
    return this.requests.call(intent).then((reply) => {
      if (!reply.ok) this.alert.textContent = clip(reply.error || `${intent.action} failed`, 2000);
      done?.(reply);
      return reply;
    });
  }

  /** Open a dataset's page (the kernel's Home swaps this list for it); the result is the
   * opened dataset's name. */
  open(name: string): Promise<ListReply<"open">> {
    this.status.textContent = `Opening ${name}…`;
    return this.act({ action: "open", name, workspace: this.get("workspace") }, () => {
      if (!this.disposed) this.status.textContent = "";
    });
  }

  /** Ask for confirmation before deleting `name`. */
  askDelete(name: string): void {
    this.confirming = { name, workspace: this.get("workspace") };
    this.focusNext = "confirm-cancel";
    this.render();
  }

  cancelDelete(): void {
    const asked = this.confirming;
    this.confirming = null;
    if (asked !== null) this.focusNext = `delete:${asked.name}`;
    this.render();
  }

  /** Delete the dataset the confirmation is about (in the workspace it was asked in); the
   * result is the names left. */
  confirmDelete(): Promise<ListReply<"delete">> | null {
    const asked = this.confirming;
    if (asked === null) return null;
    const { name, workspace } = asked;
    this.confirming = null;
    this.deleting.add(name);
    this.status.textContent = `Deleting ${name}…`;
    this.focusNext = "search";
    this.render();
    return this.act({ action: "delete", name, workspace }, (reply) => {
      this.deleting.delete(name);
      if (this.disposed) return;
      this.status.textContent = reply.ok ? `Deleted ${name}.` : "";
      this.render();
    });
  }

  /** Re-read the workspace; the result is its dataset names. */
  refresh(): Promise<ListReply<"refresh">> {
    return this.act({ action: "refresh" });
  }

  sortBy(column: SortColumn): void {
    const [current, direction] = this.get("sort");
    const first = COLUMNS.find((c) => c.key === column)?.first ?? "asc";
    const next: Direction = current === column ? (direction === "asc" ? "desc" : "asc") : first;
    this.focusNext = `sort:${column}`;
    this.setTraits({ sort: [column, next] });
  }

  // --- events -----------------------------------------------------------------------------
  private onClick(e: MouseEvent): void {
    const target = (e.target as Element).closest<HTMLElement>("[data-action]");
    if (!target || !this.root.contains(target) || (target as HTMLButtonElement).disabled) return;
    const name = target.dataset.name ?? "";
    switch (target.dataset.action) {
      case "open":
        void this.open(name);
        break;
      case "ask-delete":
        this.askDelete(name);
        break;
      case "confirm-delete":
        void this.confirmDelete();
        break;
      case "cancel-delete":
        this.cancelDelete();
        break;
      case "sort":
        this.sortBy(target.dataset.column as SortColumn);
        break;
      case "refresh":
        void this.refresh();
        break;
    }
  }

  private onKey(e: KeyboardEvent): void {
    if (this.picker.onKey(e)) return;
    if (e.key !== "Escape") return;
    if (this.confirming !== null) {
      e.preventDefault();
      this.cancelDelete();
    } else if (isTyping(e) && keyTarget(e) === this.search && this.search.value) {
      e.preventDefault();
      this.search.value = "";
      this.setTraits({ query: "" });
    } else if (isTyping(e)) {
      (keyTarget(e) as HTMLElement | null)?.blur();
    }
  }

  // --- rendering --------------------------------------------------------------------------
  render(): void {
    // In a shadow root the document's activeElement is the host: ask the root node.
    const active = activeIn(this.root) as HTMLElement | null;
    const activeKey = active && this.root.contains(active) ? (active.dataset.key ?? null) : null;
    const all = this.get("_datasets") ?? [];
    const query = this.get("query") ?? "";
    const workspace = this.get("workspace") ?? "";
    if (active !== this.search && this.search.value !== query) this.search.value = query;
    const asked = this.confirming;
    if (
      asked !== null &&
      (asked.workspace !== workspace || !all.some((r) => r.name === asked.name))
    )
      this.confirming = null;
    const rows = sortRows(filterRows(all, query), this.get("sort") ?? ["updated_at", "desc"]);

    replaceChildren(
      this.title,
      h("h2", null, "Datasets"),
      h(
        "span",
        { class: "rw-home-count" },
        query.trim() && rows.length !== all.length
          ? `${count(rows.length)} of ${count(all.length)}`
          : count(all.length),
      ),
    );
    this.picker.update(
      workspace,
      this.get("_workspaces") ?? [],
      this.get("_workspace_folder") ?? "",
    );

    if (!all.length) {
      replaceChildren(
        this.body,
        h(
          "p",
          { class: "rw-home-empty" },
          "No datasets yet in workspace ",
          bdi(clip(workspace, 200)),
          ". Log records with ",
          h("code", null, 'rb.log(records, name="my-dataset")'),
          ".",
        ),
      );
    } else if (!rows.length) {
      replaceChildren(
        this.body,
        h("p", { class: "rw-home-empty" }, `No datasets match “${query.trim()}”.`),
      );
    } else {
      replaceChildren(this.body, this.table(rows));
    }

    const wanted = this.focusNext ?? activeKey;
    this.focusNext = null;
    if (wanted === "search") this.search.focus();
    else if (wanted) {
      const el = Array.from(this.root.querySelectorAll<HTMLElement>("[data-key]")).find(
        (x) => x.dataset.key === wanted,
      );
      el?.focus();
    }
  }

  private table(rows: DatasetRow[]): HTMLElement {
    const [sortColumn, direction] = this.get("sort") ?? ["updated_at", "desc"];
    const head = h(
      "tr",
      null,
      COLUMNS.map(({ key, title }) => {
        const sorted = key === sortColumn;
        return h(
          "th",
          {
            scope: "col",
            class: `rw-home-col-${key}`,
            "aria-sort": sorted ? (direction === "asc" ? "ascending" : "descending") : "none",
          },
          h(
            "button",
            {
              type: "button",
              class: "rw-home-sort",
              "data-action": "sort",
              "data-column": key,
              "data-key": `sort:${key}`,
              title: `Sort by ${title}`,
            },
            title,
            h(
              "span",
              { class: "rw-home-arrow", "aria-hidden": "true" },
              sorted ? (direction === "asc" ? "▲" : "▼") : "↕",
            ),
          ),
        );
      }),
      h(
        "th",
        { scope: "col", class: "rw-home-col-actions" },
        h("span", { class: "rw-visually-hidden" }, "Actions"),
      ),
    );
    const body = h("tbody", null);
    for (const row of rows) {
      body.appendChild(this.row(row));
      if (row.name === this.confirming?.name) body.appendChild(this.confirmRow(row));
    }
    return h("table", { class: "rw-home-table" }, h("thead", null, head), body);
  }

  private row(row: DatasetRow): HTMLElement {
    const busy = this.deleting.has(row.name);
    const tags = tagText(row.tags);
    return h(
      "tr",
      { class: busy ? "rw-home-busy" : null, "data-name": row.name },
      h(
        "td",
        { class: "rw-home-col-name" },
        h(
          "button",
          {
            type: "button",
            class: "rw-link rw-home-name",
            "data-action": "open",
            "data-name": row.name,
            "data-key": `open:${row.name}`,
            title: `Open ${row.name}`,
            disabled: busy,
          },
          row.name,
        ),
      ),
      h(
        "td",
        { class: "rw-home-col-tags" },
        tags.length
          ? h(
              "span",
              { class: "rw-home-tags" },
              Object.entries(row.tags).map(([k, v]) =>
                h(
                  "span",
                  { class: "rw-home-tag", title: clipTitle(v ? `${k}: ${v}` : k, TAG_CHARS) },
                  bdi(clip(k, TAG_CHARS)),
                  v ? [": ", bdi(clip(v, TAG_CHARS))] : null,
                ),
              ),
            )
          : h("span", { class: "rw-muted" }, "—"),
      ),
      h("td", { class: "rw-home-col-task" }, TASK_NAMES[row.task] ?? clip(row.task)),
      h("td", { class: "rw-home-col-records rw-num" }, count(row.records)),
      h(
        "td",
        {
          class: "rw-home-col-annotated rw-num",
          title: `${count(row.annotated)} of ${count(row.records)} records validated or discarded`,
        },
        h(
          "span",
          { class: "rw-home-meter", "aria-hidden": "true" },
          h("span", {
            class: "rw-home-meter-fill",
            style: { width: `${Math.min(100, Math.max(0, row.annotated_percent))}%` },
          }),
        ),
        `${row.annotated_percent.toFixed(1)}%`,
      ),
      h(
        "td",
        { class: "rw-home-col-created_at", title: row.created_at },
        formatDate(row.created_at),
      ),
      h(
        "td",
        { class: "rw-home-col-updated_at", title: row.updated_at },
        formatDate(row.updated_at),
      ),
      h(
        "td",
        { class: "rw-home-col-actions" },
        h(
          "button",
          {
            type: "button",
            class: "rw-home-delete",
            "data-action": "ask-delete",
            "data-name": row.name,
            "data-key": `delete:${row.name}`,
            "aria-label": `Delete ${row.name}`,
            title: `Delete ${row.name}`,
            disabled: busy,
          },
          busy ? "Deleting…" : "Delete",
        ),
      ),
    );
  }

  private confirmRow(row: DatasetRow): HTMLElement {
    const textId = `rw-home-confirm-${Math.random().toString(36).slice(2)}`;
    return h(
      "tr",
      { class: "rw-home-confirm-row" },
      h(
        "td",
        { colspan: String(COLUMNS.length + 1) },
        h(
          "div",
          {
            class: "rw-home-confirm",
            role: "alertdialog",
            "aria-label": `Delete ${row.name}?`,
            "aria-describedby": textId,
          },
          h(
            "span",
            { id: textId },
            "Delete dataset ",
            h("strong", null, row.name),
            ` and its ${count(row.records)} records? This cannot be undone.`,
          ),
          h("span", { class: "rw-spacer" }),
          h(
            "button",
            {
              type: "button",
              class: "rw-home-danger",
              "data-action": "confirm-delete",
              "data-key": "confirm-delete",
            },
            "Delete",
          ),
          h(
            "button",
            { type: "button", "data-action": "cancel-delete", "data-key": "confirm-cancel" },
            "Cancel",
          ),
        ),
      ),
    );
  }
}

/** Mount the list for `model` in `el`; returns the cleanup (every listener and element
 * it added goes). */
export function mountList(model: ListModel, el: HTMLElement): () => void {
  const view = new DatasetListView(model, el);
  return () => view.dispose();
}

// Only the default export: anywidget deprecates a module's direct `render` export. The
// `satisfies` checks that anywidget's model is a ListModel.
export default {
  render({ model, el }: { model: ListModel; el: HTMLElement }): () => void {
    return mountList(model, el);
  },
} satisfies AnyWidget<ListTraits>;
