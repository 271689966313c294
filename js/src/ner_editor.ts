// The dataset page's NER editing state: which tokens are selected (by drag or
// click + Shift+click), the entity picker's filter, and turning a pick into an
// "add_span" intent. Rendering lives in ner.ts; this holds what the clicks change.
import { type NerProps, pickerLabels, type Selection, selectedRange, tokenSpan } from "./ner";
import type { TokenClassificationRecord } from "./types";

export interface NerHost {
  labels(): string[];
  annotating(): boolean;
  record(seq: number): TokenClassificationRecord | undefined;
  /** Add or remove one span of one record (the page adds the drawn epoch). */
  act(
    action: "add_span" | "remove_span",
    span: { seq: number; label: string; start: number; end: number },
  ): void;
  focusNext(key: string): void;
  schedule(): void;
}

export class NerEditor {
  private selection: Selection | null = null;
  private dragging = false;
  private filter = "";

  constructor(private host: NerHost) {}

  /** Forget the selection (a new search or page). */
  reset(): void {
    this.selection = null;
  }

  /** A mouse button released anywhere in the widget ends a drag. */
  endDrag(): void {
    this.dragging = false;
  }

  private close(): void {
    this.selection = null;
    this.host.schedule();
  }

  private pick(label: string): void {
    const sel = this.selection;
    const record = sel && this.host.record(sel.seq);
    if (!sel || !record) return;
    const [first, last] = selectedRange(sel);
    const [start, end] = tokenSpan(record, first, last);
    this.selection = null;
    this.filter = "";
    this.host.focusNext(`card:${record.seq}`);
    this.host.act("add_span", { seq: record.seq, label, start, end });
  }

  /** Keys in the picker: Enter picks, 1-9 (or Ctrl+1-9) pick by position, Escape closes.
   * Returns whether the key was handled. */
  onPickerKey(e: KeyboardEvent): boolean {
    const shown = pickerLabels(this.host.labels(), this.filter);
    const digit = /^[1-9]$/.test(e.key) ? Number(e.key) - 1 : -1;
    if (e.key === "Escape") {
      this.close();
    } else if (e.key === "Enter") {
      const label = shown[0] ?? this.filter.trim();
      if (label) this.pick(label);
    } else if (digit >= 0 && (e.ctrlKey || e.metaKey || !this.filter)) {
      if (shown[digit] === undefined) return false;
      this.pick(shown[digit]);
    } else {
      return false;
    }
    e.preventDefault();
    return true;
  }

  props(record: TokenClassificationRecord): NerProps {
    const { host } = this;
    return {
      record,
      labels: host.labels(),
      annotating: host.annotating(),
      selection: this.selection,
      pickerFilter: this.filter,
      onTokenDown: (i, shift) => {
        const sel = this.selection;
        this.selection =
          shift && sel?.seq === record.seq
            ? { ...sel, focus: i }
            : { seq: record.seq, anchor: i, focus: i };
        this.dragging = !shift;
        this.filter = "";
        if (shift) host.focusNext("picker-filter");
        host.schedule();
      },
      onTokenEnter: (i) => {
        if (this.dragging && this.selection?.seq === record.seq && this.selection.focus !== i) {
          this.selection = { ...this.selection, focus: i };
          host.schedule();
        }
      },
      onTokenUp: (i) => {
        if (this.selection?.seq === record.seq && this.dragging) {
          this.selection = { ...this.selection, focus: i };
          host.focusNext("picker-filter");
          host.schedule();
        }
        this.dragging = false;
      },
      onPick: (label) => this.pick(label),
      onPickerFilter: (text) => {
        this.filter = text;
        host.schedule();
      },
      onCancel: () => this.close(),
      onRemove: ([label, start, end]) =>
        host.act("remove_span", { seq: record.seq, label, start, end }),
    };
  }
}
