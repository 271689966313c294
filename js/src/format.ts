// Small formatting helpers shared by the components.

/** A count for people ("12,345"); "—" for a value that is not a number yet (a view may draw
 * from state the kernel is still filling in, e.g. the home switching between list and page). */
export function count(n: number | null | undefined): string {
  return typeof n === "number" && Number.isFinite(n) ? n.toLocaleString("en-US") : "—";
}

export function percent(score: number): string {
  return `${(score * 100).toFixed(score >= 0.9995 || score < 0.0005 ? 0 : 1)}%`;
}

// Well-separated hues for a dataset's labels, in the order of its label list.
const PALETTE = [210, 28, 140, 330, 265, 48, 185, 0, 95, 300, 230, 160];
let labelOrder = new Map<string, number>();

/** Give the dataset's labels the palette's hues in order (called before each render). */
export function setLabelOrder(labels: string[]): void {
  labelOrder = new Map(labels.map((label, i) => [label, i]));
}

/** A stable colour per label: palette slot for the dataset's labels, a hash beyond that. */
export function labelHue(label: string): number {
  const slot = labelOrder.get(label);
  if (slot !== undefined && slot < PALETTE.length) return PALETTE[slot];
  let hash = 2166136261;
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 16777619);
  }
  return (hash >>> 0) % 360;
}

/** Characters of an untrusted short string (label, key, agent, id, tag...) shown in
 * the page; `clip(s, MAX_TITLE)` for tooltips and accessible names. A 1 MB label
 * must not become a 1 MB button: the full value still goes back to the kernel. */
export const MAX_SHOWN = 200;
export const MAX_TITLE = 1000;

export function clip(text: string, max = MAX_SHOWN): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? max - 1 : max; // keep surrogate pairs whole
  return `${text.slice(0, end)}…`;
}

/** A tooltip for a clipped string (undefined when it is shown whole). */
export function clipTitle(text: string, max = MAX_SHOWN): string | undefined {
  return text.length > max ? clip(text, MAX_TITLE) : undefined;
}

export function plainValue(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

export const FIELD_NAMES: Record<string, string> = {
  score: "Score",
  id: "Id",
  last_updated: "Last updated",
  event_timestamp: "Event timestamp",
};

export function fieldName(field: string): string {
  return FIELD_NAMES[field] ?? (field.startsWith("metadata.") ? field.slice(9) : field);
}
