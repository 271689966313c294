// Intents sent to the kernel as custom messages, each answered by an "ack"
// with the same request id once the change is on disk.
import type { Ack, Model } from "./types";

export const ACK_TIMEOUT_MS = 30_000;

export class Requests {
  private next = 1;
  private pending = new Map<number, { resolve: (ack: Ack) => void; timer: ReturnType<typeof setTimeout> }>();

  constructor(private model: Model) {}

  /** Send an intent; resolves with the kernel's ack (ok: false on error or timeout). */
  send(content: Record<string, unknown>): Promise<Ack> {
    const request = this.next++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(request);
        resolve({ type: "ack", request, ok: false, error: "no answer from the kernel (is it running?)" });
      }, ACK_TIMEOUT_MS);
      this.pending.set(request, { resolve, timer });
      this.model.send({ ...content, type: "action", request });
    });
  }

  /** Route a custom message from the kernel; returns true when it was an ack. */
  receive(message: unknown): boolean {
    const ack = message as Ack;
    if (!ack || ack.type !== "ack") return false;
    const waiting = this.pending.get(ack.request);
    if (!waiting) return true;
    clearTimeout(waiting.timer);
    this.pending.delete(ack.request);
    waiting.resolve(ack);
    return true;
  }

  get busy(): boolean {
    return this.pending.size > 0;
  }

  dispose(): void {
    for (const { timer } of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }
}
