// The dataset page's view: search, filters, pages of records, annotation and progress
// for one dataset. The kernel owns the data; this view renders the page from the
// model's state and sends intents back (protocol.ts; the kernel side is
// rubrix_widgets/widgets/dataset_page.py). `mountPage` mounts it: the page widget's
// bundle (dataset_page.ts) and the one-widget home (home.ts) both use it, the home
// repeatedly on one model (open a dataset, back, open another).
// Intents name records by position (seq) with the epoch of the page they were drawn
// on (`_epoch`): after records are deleted the kernel refuses an old position instead
// of changing the record that moved into it, and this view forgets what it kept per
// position (selection, opened texts) when the epoch changes. The view asks the kernel
// to `sync` (show writes made elsewhere) when the kernel bumps `_store_changes` (another
// writer in it changed the dataset), and every SYNC_MS while it is shown (other
// processes' writes).
//
// State is the source of truth: the view renders from the model when created, says
// `hello` (the kernel answers with its whole state) and renders again; a reply is read
// from the `_acks` state when its custom message is lost (rpc.ts).
import { h, replaceChildren } from "./dom";
import { Drafts } from "./drafts";
import { clean, type FilterBarState, filterChips, filterMenus } from "./filters_bar";
import { clip, count, setLabelOrder } from "./format";
import { captureKeys, isTyping, keyTarget } from "./keys";
import { MapPanel } from "./map_panel";
import { NerEditor } from "./ner_editor";
import { type Controls, pager, toolbar, topBar } from "./page_controls";
import type { Annotation, PageIntent, PageResults, Reply } from "./protocol";
import {
  annotationLabels,
  type CardCommon,
  choicesFor,
  defaultExplainLabel,
  recordCard,
  TEXT_CLASSIFICATION,
  TEXT2TEXT,
  TOKEN_CLASSIFICATION,
} from "./record_card";
import { RulesPanel } from "./rules_panel";
import { sidebar } from "./sidebar";
import {
  defaultChoice,
  type SimilarCardProps,
  type SimilarChoice,
  scopeChip,
  semanticSwitch,
} from "./similar";
import {
  type Filters,
  type Model,
  type PageRecord,
  recordAt,
  type SavedRule,
  type TaskRecord,
  type TaskRecords,
  type Traits,
  taskRecords,
} from "./types";
import { activeIn, ViewBase } from "./view_base";

export const SEARCH_DEBOUNCE_MS = 350;
export const SYNC_MS = 3_000; // how often a shown page asks for writes made by other processes
const WATCHED: (keyof Traits)[] = [
  "query",
  "filters",
  "sort",
  "page",
  "page_size",
  "mode",
  "total",
  "dataset_name",
  "task",
  "_records",
  "_facets",
  "_labels",
  "_progress",
  "_keywords",
  "_error",
  "_warnings",
  "_history",
  "_sortable",
  "_schema_locked",
  "_mentions",
  "metrics",
  "rules",
  "_rules_error",
  "_epoch",
  "similar_to",
  "_vector_names",
  "_semantic",
  "_similarity",
  "map_open",
  "map_vector",
  "map_colour_by",
  "_map_points",
  "_map_legend",
  "_map_info",
];
/** Intents that change what is shown, not the records: no "Saving…" for them. */
const READS = new Set<string>([
  "full_text",
  "find_similar",
  "semantic_search",
  "more_like_label",
  "select_on_map",
]);
const SEARCH_PLACEHOLDER = "Search records (e.g. text:goal AND predicted:ko, score:[0.5 TO *])";
const SEMANTIC_PLACEHOLDER = "Describe what you are looking for (search by meaning)";
const NO_RULES: SavedRule[] = [];

type Scope = { seqs: number[] } | { scope: "query" };
/** Where the text cursor was in a text box before a redraw, to put it back. */
type TextSelection = { start: number; end: number; direction: "forward" | "backward" | "none" };

export class DatasetPageView extends ViewBase<Traits, PageIntent, PageResults> {
  readonly root: HTMLElement;
  private search: HTMLInputElement;
  private searchTimer: ReturnType<typeof setTimeout> | null = null;
  private syncTimer: ReturnType<typeof setInterval>;
  private syncing = false;
  private parts: Record<
    "top" | "searchNotes" | "filters" | "chips" | "toolbar" | "bulk" | "list" | "pager" | "side",
    HTMLElement
  >;
  private status: HTMLElement;
  private alert: HTMLElement;
  private scheduled = false;
  private controls: Controls = {
    get: (name) => this.get(name),
    set: (values) => this.setTraits(values),
    act: (action) => void this.act({ action }),
  };

  // View state that is not the kernel's business.
  private selected = new Set<number>();
  private scopeAll = false;
  private pending = new Set<number>();
  private expanded = new Set<string>();
  private fullTexts = new Map<string, string>();
  private metadataOpen = new Set<number>();
  private menu: FilterBarState = { open: null, menuSearch: "" };
  private bulkLabel = "";
  // A draft being typed is saved quietly (no "saving" state): its text area stays usable.
  private drafts = new Drafts(
    (record, text, epoch) =>
      void this.act({ action: "edit", seqs: [record.seq], annotation: text, epoch }),
  );
  private renderedEpoch = ""; // the epoch of the records drawn now
  private explainLabels = new Map<number, string>();
  private ner = new NerEditor({
    labels: () => this.get("_labels") ?? [],
    annotating: () => this.annotating,
    record: (seq) => {
      const found = recordAt(this.taskPage, seq);
      return found?.task === TOKEN_CLASSIFICATION ? found.record : undefined;
    },
    act: (action, span) => void this.act({ action, ...span, epoch: this.renderedEpoch }),
    focusNext: (key) => {
      this.focusNext = key;
    },
    schedule: () => this.schedule(),
  });
  private focusNext: string | null = null;
  private similarMenu: SimilarChoice | null = null; // the open "Find similar" menu
  private semanticOn = false; // the "Semantic" switch (also on while similar_to is a text)
  private duplicatesVector = ""; // the vector chosen for "Near-duplicates" ("" : the first)
  private semanticWrap: HTMLElement;
  private mapPanel: MapPanel;
  private viewKey = "";
  private metricsAll = false;
  private sideContent: HTMLElement;
  private rules: RulesPanel | null = null; // text classification only

  constructor(model: Model, el: HTMLElement) {
    super(model);
    this.search = h("input", {
      type: "search",
      class: "rw-search",
      "aria-label": "Search records",
      placeholder: SEARCH_PLACEHOLDER,
      spellcheck: "false",
      autocomplete: "off",
      value: model.get("query"),
      oninput: () => this.searchSoon(),
    });
    this.semanticWrap = h("span", { class: "rw-semantic-wrap" });
    this.mapPanel = new MapPanel({
      get: (name) => this.get(name),
      set: (values) => this.setTraits(values),
      select: (seqs) => void this.act({ action: "select_on_map", seqs, epoch: this.renderedEpoch }),
      text: (seq) =>
        this.requests
          .call({ action: "map_text", seq, epoch: this.renderedEpoch })
          .then((reply) => (reply.ok ? reply.result : null)),
    });
    const part = (cls: string, props: Record<string, unknown> = {}) =>
      h("div", { class: cls, ...props });
    this.parts = {
      top: part("rw-top"),
      searchNotes: part("rw-search-notes"),
      filters: part("rw-filters-row"),
      chips: part("rw-chips-row"),
      toolbar: part("rw-toolbar"),
      bulk: part("rw-bulk-row"),
      list: part("rw-list"),
      pager: h("nav", { class: "rw-pager", "aria-label": "Pages" }),
      side: part("rw-side-wrap"),
    };
    this.sideContent = h("div", { class: "rw-side-content" });
    this.parts.side.appendChild(this.sideContent);
    if (model.get("task") === TEXT_CLASSIFICATION) {
      this.rules = new RulesPanel((intent) => this.requests.call(intent));
      this.parts.side.appendChild(this.rules.root);
    }
    this.status = h("div", { class: "rw-notice", role: "status", "aria-live": "polite" });
    this.alert = h("div", { class: "rw-action-error", role: "alert" });
    const p = this.parts;
    this.root = h(
      "div",
      {
        class: "rw-root",
        onclick: (e: MouseEvent) => this.onClick(e),
        onmouseup: () => this.ner.endDrag(),
      },
      p.top,
      h(
        "div",
        { class: "rw-main" },
        h(
          "div",
          { class: "rw-content" },
          h(
            "div",
            { class: "rw-searchbar" },
            h("span", { class: "rw-search-icon", "aria-hidden": "true" }, "⌕"),
            this.search,
            this.semanticWrap,
          ),
          p.searchNotes,
          p.filters,
          p.chips,
          this.mapPanel.root,
          p.toolbar,
          this.alert,
          p.bulk,
          p.list,
          p.pager,
        ),
        p.side,
      ),
    );
    el.appendChild(this.root);
    this.onDispose(captureKeys(this.root, (e) => this.onKey(e))); // never to notebook shortcuts
    for (const name of WATCHED) this.listen(`change:${name}`, () => this.schedule());
    this.listen("change:_store_changes", () => {
      if (this.shown) this.sync();
    });
    this.render();
    this.hello(() => this.schedule());
    this.syncTimer = setInterval(() => {
      if (this.shown) this.sync();
    }, SYNC_MS);
  }

  private get shown(): boolean {
    return this.root.isConnected && this.root.ownerDocument.visibilityState !== "hidden";
  }

  /** Ask the kernel to show writes made elsewhere (one request at a time: a busy kernel
   * gets one, not a queue of them). */
  private sync(): void {
    if (this.syncing || this.disposed) return;
    this.syncing = true;
    void this.requests.call({ action: "sync" }).then(() => {
      this.syncing = false;
    });
  }

  dispose(): void {
    if (this.disposed) return;
    super.dispose();
    if (this.searchTimer) clearTimeout(this.searchTimer);
    clearInterval(this.syncTimer);
    this.drafts.dispose();
    this.rules?.dispose();
    this.mapPanel.dispose();
    this.root.remove();
  }

  // --- traits ---------------------------------------------------------------------------
  private get annotating(): boolean {
    return this.get("mode") === "annotate";
  }

  private get records(): PageRecord[] {
    return this.get("_records") ?? [];
  }

  /** The records typed by the page's task (null: a task this page does not know). */
  private get taskPage(): TaskRecords | null {
    return taskRecords(this.task, this.records);
  }

  // --- search ----------------------------------------------------------------------------
  private searchSoon(): void {
    if (this.searchTimer) clearTimeout(this.searchTimer);
    this.searchTimer = setTimeout(() => this.commitSearch(), SEARCH_DEBOUNCE_MS);
  }

  private commitSearch(): void {
    if (this.searchTimer) clearTimeout(this.searchTimer);
    this.searchTimer = null;
    if (this.semantic) {
      // the box holds the text searched by meaning, not the query language
      const text = this.search.value.trim();
      const shown = this.similarTo;
      const current = shown?.kind === "text" ? shown.text : "";
      if (text !== current) void this.act({ action: "semantic_search", text: text || null });
      return;
    }
    if (this.search.value !== this.get("query")) this.setTraits({ query: this.search.value });
  }

  private get similarTo() {
    return this.get("similar_to") ?? null;
  }

  /** Whether the search box searches by meaning now. */
  private get semantic(): boolean {
    return (
      (this.semanticOn || this.similarTo?.kind === "text") && !!this.get("_semantic")?.available
    );
  }

  /** The "Semantic" switch: on, the box's text is embedded (and `query` emptied: the
   * box is one or the other); off, the neighbourhood goes and the box is the query. */
  private setSemantic(on: boolean): void {
    this.semanticOn = on;
    if (this.searchTimer) clearTimeout(this.searchTimer);
    this.searchTimer = null;
    const text = this.search.value.trim();
    if (on) {
      if (this.get("query")) this.setTraits({ query: "" });
      if (text) void this.act({ action: "semantic_search", text });
    } else {
      this.search.value = "";
      if (this.similarTo?.kind === "text") this.setTraits({ similar_to: null });
    }
    this.search.placeholder = on ? SEMANTIC_PLACEHOLDER : SEARCH_PLACEHOLDER;
    this.focusNext = "semantic";
    this.schedule();
  }

  /** Remove the neighbourhood: the page shows every record matching the search again. */
  private clearSimilar(): void {
    if (this.similarTo?.kind === "text") {
      this.semanticOn = false;
      this.search.value = this.get("query");
    }
    this.setTraits({ similar_to: null });
    this.focusNext = null;
  }

  /** The "Find similar" control of a record's card (undefined: the record has no vectors). */
  private similarProps(record: PageRecord): SimilarCardProps | undefined {
    const vectors = record.vector_names ?? [];
    if (!vectors.length) return undefined;
    const open = this.similarMenu?.seq === record.seq ? this.similarMenu : null;
    return {
      vectors,
      open,
      onToggle: (on) => {
        this.similarMenu = on ? defaultChoice(record.seq, vectors) : null;
        this.focusNext = on
          ? vectors.length > 1
            ? `similar-vector:${record.seq}`
            : `similar-order:${record.seq}`
          : `similar:${record.seq}`;
        this.schedule();
      },
      onChange: (patch) => {
        if (this.similarMenu) this.similarMenu = { ...this.similarMenu, ...patch };
      },
      onFind: () => {
        const choice = this.similarMenu;
        if (!choice) return;
        this.similarMenu = null;
        this.focusNext = "chip:similar";
        void this.act({
          action: "find_similar",
          seq: record.seq,
          epoch: this.renderedEpoch,
          vector: choice.vector,
          most_similar: choice.mostSimilar,
          k: choice.k,
        });
      },
    };
  }

  private setFilters(filters: Filters): void {
    this.setTraits({ filters: clean(filters) });
  }

  // --- actions ---------------------------------------------------------------------------
  /** Send an intent; the records in `pending` show "saving" until the kernel acknowledges
   * it is on disk. Record positions go with an epoch: the epoch of the page they were
   * drawn on (clicks can only land on what is drawn). */
  act<T extends PageIntent>(
    intent: T,
    pending: number[] = [],
  ): Promise<Reply<PageResults[T["action"]]>> {
    for (const seq of pending) this.pending.add(seq);
    const writes = !READS.has(intent.action);
    this.alert.textContent = "";
    if (writes) this.status.textContent = "Saving…";
    this.schedule();
    return this.requests.call(intent).then((reply) => {
      for (const seq of pending) this.pending.delete(seq);
      if (this.disposed) return reply;
      if (reply.ok) {
        const n = typeof reply.result === "number" ? reply.result : 0;
        if (READS.has(intent.action) && intent.action !== "full_text") {
          this.status.textContent = `Showing ${count(n)} record${n === 1 ? "" : "s"}`;
        } else if (writes) {
          this.status.textContent =
            intent.action === "add_label"
              ? "Label added"
              : `Saved${n ? ` (${count(n)} record${n === 1 ? "" : "s"})` : ""}`;
        }
      } else {
        this.status.textContent = "";
        this.alert.textContent = clip(reply.error || "The kernel rejected this action", 2000);
      }
      this.schedule();
      return reply;
    });
  }

  /** An action on some records (or every record matching the search), at the drawn epoch. */
  private actOn(action: "validate" | "discard", target: Scope): Promise<boolean>;
  private actOn(action: "annotate", target: Scope, annotation: Annotation): Promise<boolean>;
  private actOn(
    action: "annotate" | "validate" | "discard",
    target: Scope,
    annotation?: Annotation,
  ): Promise<boolean> {
    const epoch = this.renderedEpoch;
    const pending = "seqs" in target ? target.seqs : [];
    const sent =
      action === "annotate"
        ? this.act({ action, ...target, annotation: annotation ?? [], epoch }, pending)
        : this.act({ action, ...target, epoch }, pending);
    return sent.then((reply) => reply.ok);
  }

  private annotate(record: PageRecord, labels: string[]): void {
    void this.actOn("annotate", { seqs: [record.seq] }, labels);
  }

  private get task(): Traits["task"] {
    return this.get("task");
  }

  /** Validate: a Text2Text draft becomes the annotation; otherwise accept what is there. */
  private validate(item: TaskRecord): void {
    const { seq } = item.record;
    const draft = item.task === TEXT2TEXT ? this.drafts.take(item.record) : undefined;
    if (draft !== undefined) void this.actOn("annotate", { seqs: [seq] }, draft);
    else void this.actOn("validate", { seqs: [seq] });
  }

  private bulk(action: "annotate" | "validate" | "discard"): void {
    const target: Scope = this.scopeAll ? { scope: "query" } : { seqs: [...this.selected] };
    const sent =
      action === "annotate"
        ? this.actOn(action, target, [this.bulkLabel])
        : this.actOn(action, target);
    void sent.then((ok) => {
      if (ok) {
        this.selected.clear();
        this.scopeAll = false;
        this.schedule();
      }
    });
  }

  // --- keyboard --------------------------------------------------------------------------
  private cards(): HTMLElement[] {
    return Array.from(this.parts.list.querySelectorAll<HTMLElement>("article.rw-card"));
  }

  private recordOf(card: Element | null): TaskRecord | undefined {
    const seq = Number((card as HTMLElement | null)?.dataset.seq);
    return recordAt(this.taskPage, seq);
  }

  private move(from: Element | null, delta: number): void {
    const cards = this.cards();
    const index = from ? cards.indexOf(from as HTMLElement) : -1;
    const next = index < 0 ? (delta > 0 ? 0 : cards.length - 1) : index + delta;
    if (next >= 0 && next < cards.length) {
      cards[next].focus();
      cards[next].scrollIntoView?.({ block: "nearest" });
      return;
    }
    const page = this.get("page");
    const last = Math.max(0, Math.ceil(this.get("total") / this.get("page_size")) - 1);
    if (delta > 0 && page < last) {
      this.focusNext = "first";
      this.setTraits({ page: page + 1 });
    } else if (delta < 0 && page > 0) {
      this.focusNext = "last";
      this.setTraits({ page: page - 1 });
    }
  }

  /** After an action on a card, keep going: focus the next record. */
  private advance(card: Element): void {
    const cards = this.cards();
    const next = cards[cards.indexOf(card as HTMLElement) + 1];
    if (next?.dataset.key) this.focusNext = next.dataset.key;
    else this.focusNext = (card as HTMLElement).dataset.key ?? null;
  }

  private onKey(e: KeyboardEvent): void {
    // The element typed into, also inside a shadow root (marimo, Panel), where a
    // listener outside it sees `e.target` retargeted to the shadow host.
    const target = keyTarget(e) as HTMLElement;
    if (target === this.search && e.key === "Enter") {
      this.commitSearch();
      return;
    }
    if (target.closest?.(".rw-map")) return; // the map handles its own keys
    const typing = isTyping(e);
    const mod = e.ctrlKey || e.metaKey;
    if (mod && !e.altKey && !typing && (e.key === "z" || e.key === "Z" || e.key === "y")) {
      e.preventDefault();
      const redo = e.key === "y" || e.shiftKey;
      if (this.get("_history")[redo ? "can_redo" : "can_undo"])
        void this.act({ action: redo ? "redo" : "undo" });
      return;
    }
    if (e.key === "Escape" && this.similarMenu && target.closest(".rw-similar-wrap")) {
      e.preventDefault();
      this.focusNext = `similar:${this.similarMenu.seq}`;
      this.similarMenu = null;
      this.schedule();
      return;
    }
    if (target.dataset?.picker && this.ner.onPickerKey(e)) return;
    if (typing) {
      if (e.key === "Escape") target.blur();
      return;
    }
    if (mod || e.altKey) return;
    const card = target.closest("article.rw-card");
    const item = this.recordOf(card);
    switch (e.key) {
      case "ArrowDown":
      case "j":
        e.preventDefault();
        this.move(card, 1);
        return;
      case "ArrowUp":
      case "k":
        e.preventDefault();
        this.move(card, -1);
        return;
    }
    if (!card || !item || !this.annotating || this.pending.has(item.record.seq)) return;
    if (e.key === "Enter" && target === card) {
      e.preventDefault();
      this.advance(card);
      this.validate(item);
    } else if (e.key === "Backspace" || e.key === "Delete") {
      e.preventDefault();
      this.advance(card);
      void this.actOn("discard", { seqs: [item.record.seq] });
    } else if (/^[1-9]$/.test(e.key) && item.task === TEXT2TEXT) {
      const { record } = item;
      const sorted = [...record.prediction].sort((a, b) => b[1] - a[1]);
      const chosen = sorted[Number(e.key) - 1];
      if (chosen === undefined) return;
      e.preventDefault();
      this.focusNext = (card as HTMLElement).dataset.key ?? null;
      this.drafts.edit(record, chosen[0], this.renderedEpoch, true);
      this.schedule();
    } else if (/^[1-9]$/.test(e.key) && item.task === TEXT_CLASSIFICATION) {
      const { record } = item;
      const label = choicesFor(record, this.get("_labels"))[Number(e.key) - 1];
      if (label === undefined) return;
      e.preventDefault();
      if (record.multi_label) {
        const current = annotationLabels(record);
        const on = !current.includes(label);
        this.focusNext = (card as HTMLElement).dataset.key ?? null;
        this.annotate(record, on ? [...current, label] : current.filter((l) => l !== label));
      } else {
        this.advance(card);
        this.annotate(record, [label]);
      }
    }
  }

  private onClick(e: MouseEvent): void {
    // Close an open filter menu when clicking elsewhere.
    if (this.menu.open && !(e.target as HTMLElement).closest(".rw-menu-wrap")) {
      this.menu = { open: null, menuSearch: "" };
      this.schedule();
    }
  }

  // --- rendering -------------------------------------------------------------------------
  schedule(): void {
    if (this.scheduled || this.disposed) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      if (!this.disposed) this.render();
    });
  }

  render(): void {
    const active = activeIn(this.root);
    const focusKey =
      this.focusNext ??
      (this.root.contains(active) ? ((active as HTMLElement).dataset?.key ?? null) : null);
    // The whole selection, not only the caret: text selected to be typed over (as a
    // person does with Ctrl+A, or a test's fill) is still selected after the redraw.
    const caret: TextSelection | null =
      active instanceof HTMLTextAreaElement ||
      (active instanceof HTMLInputElement && /^(search|text)$/.test(active.type))
        ? {
            start: active.selectionStart ?? 0,
            end: active.selectionEnd ?? active.selectionStart ?? 0,
            direction: active.selectionDirection ?? "none",
          }
        : null;
    this.focusNext = null;

    const key = JSON.stringify([
      this.get("query"),
      this.get("filters"),
      this.get("sort"),
      this.get("page"),
      this.get("page_size"),
      this.similarTo,
    ]);
    if (key !== this.viewKey) {
      this.viewKey = key;
      this.ner.reset();
      this.selected.clear();
      this.scopeAll = false;
    }
    const epoch = this.get("_epoch") ?? "";
    if (epoch !== this.renderedEpoch) this.forgetPositions(epoch);
    const similar = this.similarTo;
    const semantic = this.semantic;
    const boxText = semantic ? (similar?.kind === "text" ? similar.text : null) : this.get("query");
    if (
      boxText !== null &&
      active !== this.search &&
      this.searchTimer === null &&
      this.search.value !== boxText
    ) {
      this.search.value = boxText;
    }
    this.search.placeholder = semantic ? SEMANTIC_PLACEHOLDER : SEARCH_PLACEHOLDER;
    this.search.setAttribute(
      "aria-label",
      semantic ? "Search records by meaning" : "Search records",
    );
    replaceChildren(
      this.semanticWrap,
      semanticSwitch(semantic, this.get("_semantic"), (on) => this.setSemantic(on)),
    );
    this.root.classList.toggle("rw-annotating", this.annotating);
    setLabelOrder(this.get("_labels") ?? []);
    this.renderTop();
    this.renderSearchNotes();
    replaceChildren(
      this.parts.filters,
      filterMenus({
        labelled: this.task !== TEXT2TEXT,
        facets: this.get("_facets") ?? {},
        filters: this.get("filters") ?? {},
        state: this.menu,
        setFilters: (f) => this.setFilters(f),
        toggleMenu: (name) => {
          this.menu = { open: name, menuSearch: "" };
          this.schedule();
        },
        setMenuSearch: (text) => {
          this.menu = { ...this.menu, menuSearch: text };
          this.schedule();
        },
      }),
    );
    replaceChildren(
      this.parts.chips,
      scopeChip(similar, () => this.clearSimilar()),
      filterChips(this.get("filters") ?? {}, (f) => this.setFilters(f)),
    );
    this.mapPanel.render();
    this.renderToolbar();
    this.renderBulk();
    this.renderList();
    this.renderPager();
    replaceChildren(
      this.sideContent,
      sidebar({
        progress: this.get("_progress") ?? {
          total: 0,
          validated: 0,
          discarded: 0,
          edited: 0,
          default: 0,
          percent: 0,
        },
        metrics: {
          metrics: this.get("metrics") ?? {},
          entities: this.task === TOKEN_CLASSIFICATION,
          showAll: this.metricsAll,
          onShowAll: (on) => {
            this.metricsAll = on;
            this.focusNext = "metrics-all";
            this.schedule();
          },
        },
        facets: this.get("_facets") ?? {},
        keywords: this.get("_keywords") ?? [],
        mentions: this.get("_mentions") ?? {},
        annotating: this.annotating && this.task !== TEXT2TEXT,
        schemaLocked: this.get("_schema_locked"),
        onKeyword: (word) => {
          const q = this.get("query").trim();
          this.search.value = q ? `${q} AND ${word}` : word;
          this.commitSearch();
        },
        onAddLabel: (label) => void this.act({ action: "add_label", label }),
        onMoreLike:
          this.task === TEXT_CLASSIFICATION && (this.get("_vector_names") ?? []).length
            ? (label) => {
                this.focusNext = "chip:similar";
                void this.act({ action: "more_like_label", label });
              }
            : undefined,
        duplicates: (this.get("_vector_names") ?? []).length
          ? {
              vectors: this.get("_vector_names") ?? [],
              vector: this.duplicatesVector,
              onVector: (vector) => {
                this.duplicatesVector = vector;
                this.focusNext = "duplicates-vector";
                this.schedule();
              },
              // no intent of its own: the page's neighbourhood is a trait the browser sets
              onFind: (vector, threshold) => {
                this.focusNext = "chip:similar";
                this.setTraits({ similar_to: { kind: "duplicates", vector, threshold } });
              },
            }
          : undefined,
      }),
    );
    this.rules?.update({
      query: this.get("query"),
      labels: this.get("_labels") ?? [],
      schemaLocked: this.get("_schema_locked"),
      rules: this.get("rules") ?? NO_RULES,
      error: this.get("_rules_error") ?? "",
    });
    this.restoreFocus(focusKey, caret);
  }

  /** Records were deleted (or the dataset logged again): positions name other records now.
   * Forget what was kept per position; drafts are kept per record id and stay. */
  private forgetPositions(epoch: string): void {
    const first = this.renderedEpoch === "";
    this.renderedEpoch = epoch;
    if (first) return;
    this.ner.reset();
    this.selected.clear();
    this.expanded.clear();
    this.fullTexts.clear();
    this.metadataOpen.clear();
    this.explainLabels.clear();
  }

  private restoreFocus(key: string | null, caret: TextSelection | null): void {
    if (!key) return;
    let target: HTMLElement | undefined;
    if (key === "first" || key === "last") {
      const cards = this.cards();
      target = key === "first" ? cards[0] : cards[cards.length - 1];
    } else {
      target = Array.from(this.root.querySelectorAll<HTMLElement>("[data-key]")).find(
        (e) => e.dataset.key === key,
      );
    }
    if (!target || activeIn(this.root) === target) return;
    const edge = key === "first" || key === "last"; // a page turned: show its first or last card
    target.focus({ preventScroll: !edge });
    if (
      caret !== null &&
      (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement)
    ) {
      target.setSelectionRange(caret.start, caret.end, caret.direction);
    }
  }

  private renderTop(): void {
    replaceChildren(this.parts.top, ...topBar(this.controls), this.status);
  }

  private renderSearchNotes(): void {
    const error = this.get("_error");
    const warnings = this.get("_warnings") ?? [];
    this.search.setAttribute("aria-invalid", error ? "true" : "false");
    replaceChildren(
      this.parts.searchNotes,
      error
        ? h("div", { class: "rw-search-error", role: "alert" }, h("pre", null, clip(error, 4000)))
        : null,
      warnings.map((w) => h("div", { class: "rw-search-warning", role: "note" }, clip(w, 2000))),
    );
  }

  private renderToolbar(): void {
    replaceChildren(this.parts.toolbar, ...toolbar(this.controls));
  }

  private renderBulk(): void {
    if (!this.annotating || !this.records.length) {
      replaceChildren(this.parts.bulk);
      return;
    }
    const records = this.records;
    const total = this.get("total");
    const allOnPage = records.every((r) => this.selected.has(r.seq));
    const n = this.scopeAll ? total : this.selected.size;
    // one label for many records: text classification only (spans and texts are per record)
    const labels = this.task === TOKEN_CLASSIFICATION ? [] : (this.get("_labels") ?? []);
    if (!labels.includes(this.bulkLabel)) this.bulkLabel = labels[0] ?? "";
    replaceChildren(
      this.parts.bulk,
      h(
        "label",
        { class: "rw-bulk-select" },
        h("input", {
          type: "checkbox",
          checked: allOnPage || this.scopeAll,
          indeterminate: !allOnPage && this.selected.size > 0 && !this.scopeAll,
          "data-key": "select-page",
          onchange: (e: Event) => {
            const on = (e.target as HTMLInputElement).checked;
            this.scopeAll = false;
            for (const r of records) on ? this.selected.add(r.seq) : this.selected.delete(r.seq);
            this.schedule();
          },
        }),
        "Select page",
      ),
      (allOnPage || this.scopeAll) && total > records.length
        ? this.scopeAll
          ? h(
              "span",
              null,
              `All ${count(total)} records matching this search are selected. `,
              h(
                "button",
                {
                  type: "button",
                  class: "rw-link",
                  onclick: () => {
                    this.scopeAll = false;
                    this.selected.clear();
                    this.schedule();
                  },
                },
                "Clear selection",
              ),
            )
          : h(
              "button",
              {
                type: "button",
                class: "rw-link",
                "data-key": "select-all",
                onclick: () => {
                  this.scopeAll = true;
                  this.schedule();
                },
              },
              `Select all ${count(total)} records matching this search`,
            )
        : null,
      h("span", { class: "rw-spacer" }),
      h("span", { class: "rw-muted" }, n ? `${count(n)} selected` : "None selected"),
      !labels.length
        ? null
        : h(
            "label",
            null,
            "Annotate selected as ",
            h(
              "select",
              {
                "aria-label": "Annotate selected as",
                disabled: !labels.length,
                onchange: (e: Event) => {
                  this.bulkLabel = (e.target as HTMLSelectElement).value;
                },
              },
              labels.map((l) =>
                h("option", { value: l, selected: l === this.bulkLabel }, clip(l, 80)),
              ),
            ),
          ),
      !labels.length
        ? null
        : h(
            "button",
            {
              type: "button",
              disabled: !n || !this.bulkLabel,
              onclick: () => this.bulk("annotate"),
            },
            "Annotate selected",
          ),
      h(
        "button",
        { type: "button", disabled: !n, onclick: () => this.bulk("validate") },
        "Validate selected",
      ),
      h(
        "button",
        { type: "button", disabled: !n, onclick: () => this.bulk("discard") },
        "Discard selected",
      ),
    );
  }

  private renderList(): void {
    const page = this.taskPage;
    const records = this.records;
    const empty =
      this.get("query").trim() || Object.keys(this.get("filters") ?? {}).length || this.similarTo
        ? "No records match this search."
        : "This dataset has no records yet.";
    let cards: HTMLElement[] = [];
    if (page?.task === TEXT_CLASSIFICATION) {
      cards = page.records.map((record) =>
        recordCard({
          ...this.cardCommon(record),
          task: page.task,
          record,
          explainLabel: this.explainLabels.get(record.seq) ?? defaultExplainLabel(record),
          onExplainLabel: (label) => {
            this.explainLabels.set(record.seq, label);
            this.schedule();
          },
          // A click keeps the keyboard flow going: focus moves on as after the same key
          // (the clicked control is redrawn, disabled while saving, and would drop it).
          onAnnotate: (chosen) => {
            this.keepFocus(record, !record.multi_label);
            this.annotate(record, chosen);
          },
        }),
      );
    } else if (page?.task === TOKEN_CLASSIFICATION) {
      cards = page.records.map((record) =>
        recordCard({
          ...this.cardCommon(record),
          task: page.task,
          record,
          ner: this.ner.props(record),
        }),
      );
    } else if (page?.task === TEXT2TEXT) {
      this.drafts.prune(page.records);
      cards = page.records.map((record) =>
        recordCard({
          ...this.cardCommon(record),
          task: page.task,
          record,
          draft: this.drafts.get(record),
          onEdit: (text) => this.drafts.edit(record, text, this.renderedEpoch),
          onUse: (text) => {
            this.drafts.edit(record, text, this.renderedEpoch, true);
            this.schedule();
          },
        }),
      );
    }
    replaceChildren(
      this.parts.list,
      page === null && records.length
        ? h(
            "p",
            { class: "rw-empty", role: "alert" },
            `This page cannot show records of the task ${clip(JSON.stringify(this.task))}.`,
          )
        : null,
      records.length === 0 && !this.get("_error") ? h("p", { class: "rw-empty" }, empty) : null,
      cards,
    );
  }

  /** What a record's card takes on every task: selection, saving, Validate / Discard... */
  private cardCommon(record: PageRecord): CardCommon {
    return {
      labels: this.get("_labels") ?? [],
      annotating: this.annotating,
      selected: this.scopeAll || this.selected.has(record.seq),
      pending: this.pending.has(record.seq),
      expanded: this.expanded,
      fullTexts: this.fullTexts,
      showMetadata: this.metadataOpen.has(record.seq),
      similarity: this.get("_similarity")?.[String(record.seq)] ?? null,
      similar: this.similarProps(record),
      onSelect: (on) => {
        if (this.scopeAll) {
          this.scopeAll = false;
          for (const r of this.records) this.selected.add(r.seq);
        }
        if (on) this.selected.add(record.seq);
        else this.selected.delete(record.seq);
        this.schedule();
      },
      onValidate: () => {
        this.keepFocus(record, true);
        const item = recordAt(this.taskPage, record.seq);
        if (item) this.validate(item);
      },
      onDiscard: () => {
        this.keepFocus(record, true);
        void this.actOn("discard", { seqs: [record.seq] });
      },
      onExpand: (key, on, cut) => {
        const id = `${record.seq}:${key}`;
        if (on) this.expanded.add(id);
        else this.expanded.delete(id);
        if (on && cut && !this.fullTexts.has(id)) this.fetchFullText(record, key);
        this.schedule();
      },
      onMetadata: (on) => {
        if (on) this.metadataOpen.add(record.seq);
        else this.metadataOpen.delete(record.seq);
        this.schedule();
      },
    };
  }

  /** Fetch the part of a long text the kernel did not send; dropped if the records moved
   * (a new epoch) before it arrives. */
  private fetchFullText(record: PageRecord, key: string): void {
    const epoch = this.renderedEpoch;
    void this.act({ action: "full_text", seq: record.seq, key, epoch }).then((reply) => {
      if (
        reply.ok &&
        typeof reply.result === "string" &&
        epoch === this.renderedEpoch &&
        !this.disposed
      ) {
        this.fullTexts.set(`${record.seq}:${key}`, reply.result);
        this.schedule();
      }
    });
  }

  /** After a click on a record's control: focus that record's card, or the next one. */
  private keepFocus(record: PageRecord, next: boolean): void {
    const card = this.cards().find((c) => c.dataset.seq === String(record.seq));
    if (!card) return;
    if (next) this.advance(card);
    else this.focusNext = card.dataset.key ?? null;
  }

  private renderPager(): void {
    replaceChildren(this.parts.pager, ...pager(this.controls));
  }
}

/** Mount the dataset page for `model` in `el`; returns the cleanup, which removes every
 * listener, timer and element it added (so the same model can be mounted again). */
export function mountPage(model: Model, el: HTMLElement): () => void {
  const view = new DatasetPageView(model, el);
  return () => view.dispose();
}
