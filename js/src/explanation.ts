// Token attributions of a text classification record: each token shaded on a
// diverging scale (blue = for the label, red = against), one label at a time.
import { h } from "./dom";
import type { TokenAttribution } from "./types";

export function explanationLabels(tokens: TokenAttribution[]): string[] {
  const labels = new Set<string>();
  for (const t of tokens) for (const label of Object.keys(t.attributions)) labels.add(label);
  return [...labels];
}

function shade(value: number, max: number): string {
  const alpha = max ? Math.min(1, Math.abs(value) / max) * 0.75 : 0;
  const rgb = value >= 0 ? "33, 110, 220" : "220, 50, 47";
  return `rgba(${rgb}, ${alpha.toFixed(3)})`;
}

/** The input's tokens shaded by their attribution to ``label``; hover shows all values. */
export function attributedText(tokens: TokenAttribution[], label: string): HTMLElement {
  const max = Math.max(0, ...tokens.map((t) => Math.abs(t.attributions[label] ?? 0)));
  const out = h("p", { class: "rw-text rw-explained" });
  tokens.forEach((t, i) => {
    const value = t.attributions[label] ?? 0;
    const all = Object.entries(t.attributions)
      .map(([l, v]) => `${l}: ${v >= 0 ? "+" : ""}${v.toFixed(3)}`)
      .join("\n");
    if (i) out.appendChild(document.createTextNode(" "));
    out.appendChild(
      h(
        "span",
        {
          class: "rw-token",
          title: `${t.token}\n${all}`,
          style: { background: shade(value, max) },
        },
        t.token,
      ),
    );
  });
  return out;
}

export function explanationLegend(max: string): HTMLElement {
  return h(
    "span",
    { class: "rw-legend", "aria-label": "Attribution scale" },
    h("span", null, `−${max}`),
    h("span", { class: "rw-legend-bar", "aria-hidden": "true" }),
    h("span", null, `+${max}`),
  );
}
