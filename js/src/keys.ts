// Keys typed in a widget must not reach the notebook's shortcuts (a, b, d d, m, ...).
// The notebook front ends (JupyterLab, Notebook 7, VS Code, Colab, marimo, Panel) listen
// at the document, so the widget listens at the window in the capture phase, before them,
// stops the event there and handles it itself. Stopping it at the window also keeps
// it from the widget's own elements: the caller's `onKey` is the only handler (the
// default action, typing into an input or activating a button, still happens).
//
// In marimo and Panel the widget lives in a shadow root: a listener outside it sees the
// event retargeted to the shadow host, so the element typed into is read from
// `composedPath()`, never from `event.target`.

/** Fields where keys are text, not commands. */
export const TYPING =
  "input:not([type=checkbox]):not([type=radio]):not([type=button]):not([type=submit]), textarea, select, [contenteditable]";

/** The element the key was typed into, across shadow boundaries. */
export function keyTarget(e: Event): Element | null {
  const first = e.composedPath?.()[0] ?? e.target;
  return first instanceof Element ? first : null;
}

/** Route keydown events typed inside `root` to `onKey`, and nowhere else.
 * Also marks `root` for JupyterLab's own shortcut suppression. Returns the remover. */
export function captureKeys(root: HTMLElement, onKey: (e: KeyboardEvent) => void): () => void {
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  const win = root.ownerDocument.defaultView;
  const listener = (e: KeyboardEvent) => {
    const target = keyTarget(e);
    if (target && root.contains(target)) {
      e.stopPropagation();
      onKey(e);
    }
  };
  win?.addEventListener("keydown", listener, true);
  return () => win?.removeEventListener("keydown", listener, true);
}

/** Whether a key event was typed into a text field (see {@link TYPING}). */
export function isTyping(e: KeyboardEvent): boolean {
  return keyTarget(e)?.matches?.(TYPING) ?? false;
}
