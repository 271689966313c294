// An in-memory stand-in for anywidget's model: traits, change events, custom messages.
import type { Model, PageRecord, Traits } from "../src/types";

type Callback = (...args: unknown[]) => void;

/** Traits, change events and custom messages, for any widget's traits ``T``. */
export class FakeWidgetModel<T extends object> {
  sent: Record<string, unknown>[] = [];
  saves = 0;
  private handlers = new Map<string, Set<Callback>>();

  constructor(public traits: T) {}

  get<K extends keyof T>(name: K): T[K] {
    return this.traits[name];
  }

  set<K extends keyof T>(name: K, value: T[K]): void {
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

/** The dataset page's model; an ack reports one changed record unless told otherwise. */
export class FakeModel extends FakeWidgetModel<Traits> implements Model {
  constructor(overrides: Partial<Traits> = {}) {
    super({ ...defaultTraits(), ...overrides });
  }

  ack(extra: Record<string, unknown> = {}): void {
    super.ack({ changed: 1, ...extra });
  }
}

export function record(overrides: Partial<PageRecord> = {}): PageRecord {
  return {
    seq: 0,
    id: 1,
    status: "Default",
    prediction_agent: "model-1",
    annotation_agent: null,
    metadata: { split: "train" },
    event_timestamp: null,
    inputs: { text: "A gripping, beautifully shot film." },
    lengths: { text: 34 },
    prediction: [["rotten", 0.2], ["fresh", 0.8]],
    annotation: null,
    multi_label: false,
    ...overrides,
  };
}

export function defaultTraits(): Traits {
  return {
    query: "",
    filters: {},
    sort: [],
    page: 0,
    page_size: 20,
    mode: "explore",
    total: 0,
    dataset_name: "reviews",
    task: "TextClassification",
    _records: [],
    _facets: {},
    _labels: ["fresh", "rotten"],
    _progress: { total: 0, validated: 0, discarded: 0, edited: 0, default: 0, percent: 0 },
    _keywords: [],
    _mentions: {},
    _error: "",
    _warnings: [],
    _history: { can_undo: false, can_redo: false },
    _sortable: ["score", "last_updated", "event_timestamp", "id"],
    _schema_locked: false,
    _saved: 0,
    _epoch: "uid-1:0",
  };
}

export const flush = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
