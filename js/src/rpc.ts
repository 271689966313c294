// Intents sent to the kernel as custom messages, each answered once the change is on
// disk. The answer travels twice: as an "ack" custom message and as an entry of the
// synced `_acks` trait (request id -> reply). Custom messages can be lost (a view made
// in an earlier cell than the one that sent them, Colab's and VS Code's widget managers,
// a reconnect), state is not: a request settles on whichever copy arrives first and the
// other is ignored. Nothing here relies on binary buffers.
import type { Acks, Reply } from "./protocol";

export const ACK_TIMEOUT_MS = 30_000;

/** The events a request channel listens to: replies as custom messages, and in state. */
type ChannelEvent = "msg:custom" | "change:_acks";

/** The part of an anywidget model a request channel needs. */
export interface ChannelModel {
  get(name: "_acks"): Acks | undefined;
  on(event: ChannelEvent, callback: (message: unknown) => void): void;
  off(event: ChannelEvent, callback: (message: unknown) => void): void;
  send(content: unknown): void;
}

/** A random id for one view: request ids are unique across the views of one model (two
 * views of a widget share its `_acks`). */
export function viewId(): string {
  const random = globalThis.crypto?.getRandomValues?.(new Uint32Array(2));
  return random
    ? Array.from(random, (n) => n.toString(36)).join("")
    : Math.random().toString(36).slice(2);
}

type Waiting = { resolve: (reply: Reply<unknown>) => void; timer: ReturnType<typeof setTimeout> };

/** One view's requests to the kernel, typed by its protocol: `I` the union of intents,
 * `R` the result type of each action (protocol.ts). */
export class Requests<
  I extends { action: string } = { action: string },
  R extends { [A in I["action"]]: unknown } = Record<I["action"], unknown>,
> {
  readonly view = viewId();
  private next = 1;
  private pending = new Map<string, Waiting>();
  private onMessage = (message: unknown) => void this.receive(message);
  private onAcks = () => this.readAcks();

  constructor(private model: ChannelModel) {
    model.on("msg:custom", this.onMessage);
    model.on("change:_acks", this.onAcks);
  }

  /** Send an intent; resolves with the kernel's reply (ok: false on error or timeout). */
  call<T extends I>(intent: T): Promise<Reply<R[T["action"]]>> {
    return this.post(intent) as Promise<Reply<R[T["action"]]>>;
  }

  private post(content: object): Promise<Reply<unknown>> {
    const request = `${this.view}:${this.next++}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(request);
        resolve({ request, ok: false, error: "no answer from the kernel (is it running?)" });
      }, ACK_TIMEOUT_MS);
      this.pending.set(request, { resolve, timer });
      this.model.send({ ...content, type: "action", request });
    });
  }

  /** Route a custom message from the kernel; returns true when it was an ack. */
  receive(message: unknown): boolean {
    const ack = message as (Reply<unknown> & { type?: string }) | null;
    if (!ack || typeof ack !== "object" || ack.type !== "ack") return false;
    const { type: _type, ...reply } = ack;
    this.settle(reply as Reply<unknown>);
    return true;
  }

  private readAcks(): void {
    const acks = this.model.get("_acks") ?? {};
    for (const [request, reply] of Object.entries(acks)) {
      if (this.pending.has(request)) this.settle({ ...reply, request } as Reply<unknown>);
    }
  }

  /** The first copy of a reply settles its request; a later copy finds nothing waiting. */
  private settle(reply: Reply<unknown>): void {
    const waiting = this.pending.get(reply.request);
    if (!waiting) return;
    clearTimeout(waiting.timer);
    this.pending.delete(reply.request);
    waiting.resolve(reply);
  }

  get busy(): boolean {
    return this.pending.size > 0;
  }

  dispose(): void {
    this.model.off("msg:custom", this.onMessage);
    this.model.off("change:_acks", this.onAcks);
    for (const { timer } of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }
}
