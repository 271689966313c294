// Text2Text drafts: what a person has typed for a record but not validated yet.
// A pause in typing saves the draft (the kernel marks the record Edited); the
// text stays here until the kernel's record carries it. Drafts are kept by record
// id, not position: when records are deleted and positions move, a draft stays with
// its record, and a save still pending names the position (and epoch) it was typed on,
// so the kernel refuses it rather than saving it on another record.
import type { Text2TextRecord } from "./types";

export const DRAFT_SAVE_MS = 700;

type Save = (record: Text2TextRecord, text: string, epoch: string) => void;

const keyOf = (record: Text2TextRecord) => String(record.id);

export class Drafts {
  private texts = new Map<string, string>();
  private timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private save: Save) {}

  get(record: Text2TextRecord): string | undefined {
    return this.texts.get(keyOf(record));
  }

  private stopTimer(key: string): void {
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer);
    this.timers.delete(key);
  }

  /** Keep ``text`` for ``record`` (drawn at ``epoch``); save it now, or once typing pauses. */
  edit(record: Text2TextRecord, text: string, epoch: string, now = false): void {
    const key = keyOf(record);
    this.texts.set(key, text);
    this.stopTimer(key);
    const save = () => {
      this.timers.delete(key);
      if (text.trim() && text !== record.annotation) this.save(record, text, epoch);
    };
    if (now) save();
    else this.timers.set(key, setTimeout(save, DRAFT_SAVE_MS));
  }

  /** The draft to store on Validate (none if empty or already the annotation); stops its timer. */
  take(record: Text2TextRecord): string | undefined {
    const key = keyOf(record);
    this.stopTimer(key);
    const draft = this.texts.get(key);
    return draft?.trim() && draft !== record.annotation ? draft : undefined;
  }

  /** Forget drafts the kernel's records now carry. */
  prune(records: Text2TextRecord[]): void {
    for (const record of records) {
      const key = keyOf(record);
      const draft = this.texts.get(key);
      if (draft !== undefined && draft === record.annotation && !this.timers.has(key)) {
        this.texts.delete(key);
      }
    }
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
