// A tiny DOM builder. Every string becomes a text node or an attribute value:
// record text, labels and metadata are never parsed as HTML.

export type Child = Node | string | number | null | undefined | false | Child[];
export type Props = Record<string, unknown>;

const PROPERTIES = new Set(["value", "checked", "disabled", "indeterminate", "selected"]);

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), value as EventListener);
    } else if (key === "style" && typeof value === "object") {
      for (const [name, v] of Object.entries(value as Record<string, string>)) {
        el.style.setProperty(name, v);
      }
    } else if (PROPERTIES.has(key)) {
      (el as unknown as Record<string, unknown>)[key] = value;
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

/** Untrusted text in a `<bdi>`: bidi controls in it (U+202E...) cannot reorder the
 * text around it. For text that shares an element with other text; an element whose
 * whole content is untrusted gets `unicode-bidi: isolate` from its class (theme.css). */
export function bdi(text: string, cls?: string): HTMLElement {
  return h("bdi", cls ? { class: cls } : null, text);
}

export function append(el: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

export function replaceChildren(el: Element, ...children: Child[]): void {
  while (el.firstChild) el.removeChild(el.firstChild);
  append(el, children);
}
