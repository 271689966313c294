// Text2Text drafts: what a person has typed for a record but not validated yet.
// A pause in typing saves the draft (the kernel marks the record Edited); the
// text stays here until the kernel's record carries it.
import type { PageRecord } from "./types";

export const DRAFT_SAVE_MS = 700;

export class Drafts {
  private texts = new Map<number, string>();
  private timers = new Map<number, ReturnType<typeof setTimeout>>();

  constructor(private save: (record: PageRecord, text: string) => void) {}

  get(seq: number): string | undefined {
    return this.texts.get(seq);
  }

  private stopTimer(seq: number): void {
    const timer = this.timers.get(seq);
    if (timer) clearTimeout(timer);
    this.timers.delete(seq);
  }

  /** Keep ``text``; save it now, or once typing pauses. */
  edit(record: PageRecord, text: string, now = false): void {
    this.texts.set(record.seq, text);
    this.stopTimer(record.seq);
    const save = () => {
      this.timers.delete(record.seq);
      if (text.trim() && text !== record.annotation) this.save(record, text);
    };
    if (now) save();
    else this.timers.set(record.seq, setTimeout(save, DRAFT_SAVE_MS));
  }

  /** The draft to store on Validate (none if empty or already the annotation); stops its timer. */
  take(record: PageRecord): string | undefined {
    this.stopTimer(record.seq);
    const draft = this.texts.get(record.seq);
    return draft !== undefined && draft.trim() && draft !== record.annotation ? draft : undefined;
  }

  /** Forget drafts the kernel's records now carry. */
  prune(records: PageRecord[]): void {
    for (const record of records) {
      const draft = this.texts.get(record.seq);
      if (draft !== undefined && draft === record.annotation && !this.timers.has(record.seq)) {
        this.texts.delete(record.seq);
      }
    }
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
