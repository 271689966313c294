// What every view of a widget does with its model, in one place: listen to it (and stop
// listening when disposed), read and write its traits, send intents through one request
// channel (rpc.ts), say `hello` when rendered, and find what has the focus inside a
// shadow root. The page view, the dataset list and the one-widget home extend it.
import type { Acks } from "./protocol";
import { Requests } from "./rpc";

// A model's event callback is given what the event carries (a custom message, or nothing
// for a change): a listener takes it as unknown and checks it.
type Handler = (...args: unknown[]) => void;

/** The part of anywidget's model a view uses, for traits `T`. anywidget's `AnyModel<T>`
 * has it (the bundles' `satisfies AnyWidget<...>` checks that), and so does a model
 * adapter: the one-widget home gives its list view one that renames two traits. */
export interface ViewModel<T extends object> {
  get<K extends keyof T>(name: K): T[K];
  set<K extends keyof T>(name: K, value: T[K]): void;
  save_changes(): void;
  on(event: string, callback: Handler): void;
  off(event?: string | null, callback?: Handler | null): void;
  send(content: unknown): void;
}

/** A view of a widget whose traits are `T` (with the protocol's `_acks`), which sends the
 * intents `I` and gets the results `R` (protocol.ts). */
export abstract class ViewBase<
  T extends { _acks?: Acks },
  I extends { action: string } = { action: string },
  R extends { [A in I["action"]]: unknown } = Record<I["action"], unknown>,
> {
  protected disposed = false;
  protected readonly requests: Requests<I, R>;
  private listeners: [string, Handler][] = [];
  private cleanups: (() => void)[] = [];

  constructor(protected readonly model: ViewModel<T>) {
    this.requests = new Requests<I, R>(model);
  }

  /** Listen to the model until the view is disposed. */
  protected listen(event: string, callback: Handler): void {
    this.model.on(event, callback);
    this.listeners.push([event, callback]);
  }

  /** Run `cleanup` when the view is disposed (timers, window listeners...). */
  protected onDispose(cleanup: () => void): void {
    this.cleanups.push(cleanup);
  }

  protected get<K extends keyof T>(name: K): T[K] {
    return this.model.get(name);
  }

  /** Set traits and send them to the kernel in one message. */
  protected setTraits(values: Partial<T>): void {
    for (const [name, value] of Object.entries(values))
      this.model.set(name as keyof T, value as T[keyof T]);
    this.model.save_changes();
  }

  /** Tell the kernel this view exists: it answers with its whole current state (so a view
   * made after the kernel computed something still shows it), then `onState` runs. */
  protected hello(onState: () => void): void {
    void this.requests.call({ action: "hello" } as I).then((reply) => {
      if (reply.ok && !this.disposed) onState();
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const [event, callback] of this.listeners) this.model.off(event, callback);
    this.listeners = [];
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.requests.dispose();
  }
}

/** The element that has the focus in `node`'s document or shadow root: inside a shadow
 * root `document.activeElement` is the shadow host, not the focused element. */
export function activeIn(node: Node): Element | null {
  const root = node.getRootNode() as Document | ShadowRoot;
  return "activeElement" in root ? root.activeElement : (node.ownerDocument?.activeElement ?? null);
}
