// An in-memory stand-in for anywidget's model of the dataset list (see fake_model.ts).
import type { DatasetRow, ListModel, ListTraits } from "../src/dataset_list";

type Callback = (...args: unknown[]) => void;

export class FakeListModel implements ListModel {
  traits: ListTraits;
  sent: Record<string, unknown>[] = [];
  saves = 0;
  private handlers = new Map<string, Set<Callback>>();

  constructor(overrides: Partial<ListTraits> = {}) {
    this.traits = { query: "", sort: ["updated_at", "desc"], workspace: "/tmp/workspace", _datasets: [], ...overrides };
  }

  get<K extends keyof ListTraits>(name: K): ListTraits[K] {
    return this.traits[name];
  }

  set<K extends keyof ListTraits>(name: K, value: ListTraits[K]): void {
    this.traits[name] = value;
    this.emit(`change:${String(name)}`);
  }

  save_changes(): void {
    this.saves++;
  }

  on(event: string, callback: Callback): void {
    if (!this.handlers.has(event)) this.handlers.set(event, new Set());
    this.handlers.get(event)!.add(callback);
  }

  off(event?: string | null, callback?: Callback | null): void {
    if (!event) this.handlers.clear();
    else if (!callback) this.handlers.delete(event);
    else this.handlers.get(event)?.delete(callback);
  }

  send(content: unknown): void {
    this.sent.push(content as Record<string, unknown>);
  }

  emit(event: string, ...args: unknown[]): void {
    for (const callback of this.handlers.get(event) ?? []) callback(...args);
  }

  /** The kernel's answer to the last intent. */
  ack(extra: Record<string, unknown> = {}): void {
    const last = this.sent[this.sent.length - 1];
    this.emit("msg:custom", { type: "ack", request: last.request, ok: true, ...extra });
  }

  listenerCount(): number {
    let n = 0;
    for (const set of this.handlers.values()) n += set.size;
    return n;
  }
}

export function dataset(overrides: Partial<DatasetRow> = {}): DatasetRow {
  return {
    name: "reviews",
    task: "TextClassification",
    tags: {},
    records: 100,
    annotated: 25,
    annotated_percent: 25.0,
    created_at: "2024-05-01T10:00:00Z",
    updated_at: "2024-05-02T10:00:00Z",
    ...overrides,
  };
}

export const flush = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
