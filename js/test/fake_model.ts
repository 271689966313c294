// An in-memory stand-in for anywidget's model: traits, change events, custom messages.
// Like the kernel, an answer to an intent goes both as an "ack" custom message and into
// the `_acks` state; `dropMessages` makes it a host that loses every custom message from
// the kernel (a view made in an earlier cell, Colab, VS Code), and no binary buffer is
// ever delivered to a view.
import type { Acks, Reply } from "../src/protocol";
import type {
  Model,
  RecordBase,
  Text2TextRecord,
  TextClassificationRecord,
  TokenClassificationRecord,
  Traits,
} from "../src/types";

// The fake stands in for anywidget's model: its callbacks have the type anywidget gives them.
type Callback = Parameters<Model["on"]>[1];

/** Traits, change events and custom messages, for any widget's traits ``T``. */
/** How a test answers: a `result` (`changed`: its old name), or a refusal. */
type AckExtra =
  | { result?: unknown; changed?: unknown }
  | { ok: false; error: string; stale?: boolean };

export class FakeWidgetModel<T extends object> {
  sent: Record<string, unknown>[] = [];
  saves = 0;
  /** Lose every custom message from the kernel (the state still arrives). */
  dropMessages = false;
  /** Buffers a view tried to send (none should: not every host delivers them). */
  sentBuffers: unknown[] = [];
  widget_manager = {
    get_model: (): Promise<never> => Promise.reject(new Error("no other widgets in these tests")),
  };
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

  send(content: unknown, _callbacks?: unknown, buffers?: unknown): void {
    this.sent.push(content as Record<string, unknown>);
    if (buffers !== undefined) this.sentBuffers.push(buffers);
  }

  /** What the views sent, without their `hello`s. */
  get intents(): Record<string, unknown>[] {
    return this.sent.filter((m) => m.action !== "hello");
  }

  /** A custom message from the kernel, with no buffers (lost when `dropMessages`). */
  message(content: unknown): void {
    if (!this.dropMessages) this.emit("msg:custom", content, []);
  }

  /** The kernel's reply to `request`: the ack message, then the same reply in `_acks`. */
  reply(
    request: unknown,
    reply: { ok: true; result: unknown } | { ok: false; error: string; stale?: boolean },
  ): void {
    const entry = { request: String(request), ...reply } as Reply<unknown>;
    this.message({ type: "ack", ...entry });
    const traits = this.traits as { _acks?: Acks };
    this.set("_acks" as keyof T, { ...(traits._acks ?? {}), [entry.request]: entry } as T[keyof T]);
  }

  /** The kernel's answer to every `hello` not answered yet (it sends its state first). */
  answerHellos(state: Partial<T> = {}): void {
    for (const [name, value] of Object.entries(state))
      this.set(name as keyof T, value as T[keyof T]);
    const acks = (this.traits as { _acks?: Acks })._acks ?? {};
    for (const m of this.sent) {
      if (m.action === "hello" && !(String(m.request) in acks))
        this.reply(m.request, { ok: true, result: true });
    }
  }

  emit(event: string, ...args: unknown[]): void {
    for (const callback of this.handlers.get(event) ?? []) callback(...args);
  }

  /** The kernel's answer to the last intent: `result` (true unless told), or pass
   * `{ ok: false, error }`. */
  ack(extra: AckExtra = {}): void {
    const last = this.sent[this.sent.length - 1];
    const legacy = extra as { changed?: unknown }; // the reply's old name for `result`
    const result = "result" in extra ? extra.result : "changed" in legacy ? legacy.changed : true;
    const reply = "ok" in extra ? extra : { ok: true as const, result };
    this.reply(last.request, reply);
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

  ack(extra: AckExtra = {}): void {
    super.ack("ok" in extra || "result" in extra || "changed" in extra ? extra : { result: 1 });
  }
}

function base(): RecordBase {
  return {
    seq: 0,
    id: 1,
    status: "Default",
    prediction_agent: "model-1",
    annotation_agent: null,
    metadata: { split: "train" },
    event_timestamp: null,
    vector_names: [],
  };
}

/** A text classification record, as the kernel sends it. */
export function record(
  overrides: Partial<TextClassificationRecord> = {},
): TextClassificationRecord {
  return {
    ...base(),
    inputs: { text: "A gripping, beautifully shot film." },
    lengths: { text: 34 },
    prediction: [
      ["rotten", 0.2],
      ["fresh", 0.8],
    ],
    annotation: null,
    multi_label: false,
    explanation: null,
    ...overrides,
  };
}

/** A token classification record, as the kernel sends it ("Ada visits Paris", Ada
 * predicted as PER, not annotated yet). */
export function nerRecord(
  overrides: Partial<TokenClassificationRecord> = {},
): TokenClassificationRecord {
  const text = overrides.text ?? "Ada visits Paris";
  const offsets = overrides.offsets ?? [
    [0, 3],
    [4, 10],
    [11, 16],
  ];
  return {
    ...base(),
    text,
    length: [...text].length,
    tokens: offsets.map(([start, end]) => [...text].slice(start, end).join("")),
    token_count: offsets.length,
    offsets,
    prediction: [["PER", 0, 3, 0.9]],
    annotation: null,
    ...overrides,
  };
}

/** A Text2Text record, as the kernel sends it. */
export function t2tRecord(overrides: Partial<Text2TextRecord> = {}): Text2TextRecord {
  const text = overrides.text ?? "Der Hund schläft.";
  return {
    ...base(),
    text,
    length: [...text].length,
    prediction: [
      ["The dog sleeps.", 0.6],
      ["The dog is sleeping.", 0.9],
    ],
    annotation: null,
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
    _acks: {},
    _store_changes: 0,
    _epoch: "uid-1:0",
  };
}

export const flush = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
