// Keys typed in a widget must not reach the notebook's shortcuts (a, b, d d, m, ...).
// The notebook front ends (JupyterLab, Notebook 7, VS Code, Colab) listen at the
// document, so the widget listens at the window in the capture phase, before them,
// stops the event there and handles it itself. Stopping it at the window also keeps
// it from the widget's own elements: the caller's `onKey` is the only handler (the
// default action, typing into an input or activating a button, still happens).

/** Fields where keys are text, not commands. */
export const TYPING =
  "input:not([type=checkbox]):not([type=radio]):not([type=button]):not([type=submit]), textarea, select, [contenteditable]";

/** Route keydown events whose target is inside `root` to `onKey`, and nowhere else.
 * Also marks `root` for JupyterLab's own shortcut suppression. Returns the remover. */
export function captureKeys(root: HTMLElement, onKey: (e: KeyboardEvent) => void): () => void {
  root.setAttribute("data-lm-suppress-shortcuts", "true");
  const win = root.ownerDocument.defaultView;
  const listener = (e: KeyboardEvent) => {
    if (e.target instanceof Node && root.contains(e.target)) {
      e.stopPropagation();
      onKey(e);
    }
  };
  win?.addEventListener("keydown", listener, true);
  return () => win?.removeEventListener("keydown", listener, true);
}

/** Whether a key event was typed into a text field (see {@link TYPING}). */
export function isTyping(e: KeyboardEvent): boolean {
  const target = e.target as Element | null;
  return target?.matches?.(TYPING) ?? false;
}
