// The element each test renders a widget into: a fresh one per test, attached to the
// document, and after the test the widget's cleanup runs and the element goes.
import { afterEach, beforeEach, vi } from "vitest";

export const host: { el: HTMLElement; cleanup: (() => void) | null } = {
  el: document.createElement("div"),
  cleanup: null,
};

beforeEach(() => {
  host.el = document.createElement("div");
  document.body.appendChild(host.el);
});

afterEach(() => {
  host.cleanup?.();
  host.cleanup = null;
  host.el.remove();
  vi.useRealTimers();
});
