// Small formatting helpers shared by the components.

export function count(n: number): string {
  return n.toLocaleString("en-US");
}

export function percent(score: number): string {
  return `${(score * 100).toFixed(score >= 0.9995 || score < 0.0005 ? 0 : 1)}%`;
}

/** A stable colour per label (same label, same hue, in every widget). */
export function labelHue(label: string): number {
  let hash = 2166136261;
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 16777619);
  }
  return (hash >>> 0) % 360;
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
