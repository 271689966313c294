// Finding records by meaning in the dataset page: a card's "Find similar" menu, the
// similarity a card shows, the chip of the neighbourhood the page is restricted to
// (`similar_to`, rubrix_widgets/page_state/similarity.py) and the search bar's "Semantic"
// switch. Record text, ids, labels and vector names are untrusted: text nodes only.
import { bdi, h } from "./dom";
import { clip, clipTitle, count } from "./format";
import type { SimilarTo } from "./types";

export const DEFAULT_K = 50;
export const DEFAULT_THRESHOLD = 0.95;
export const MAX_K = 10_000;

/** The choices of one open "Find similar" menu (kept by the page across redraws). */
export interface SimilarChoice {
  seq: number;
  vector: string;
  mostSimilar: boolean;
  k: number;
}

export function defaultChoice(seq: number, vectors: string[]): SimilarChoice {
  return { seq, vector: vectors[0] ?? "", mostSimilar: true, k: DEFAULT_K };
}

/** What a card needs for its "Find similar" control (absent: the record has no vectors). */
export interface SimilarCardProps {
  vectors: string[]; // the vectors this record has
  open: SimilarChoice | null; // the menu's choices when it is open on this card
  onToggle(open: boolean): void;
  /** A choice changed (the page keeps the current choices: the menu may be redrawn). */
  onChange(patch: Partial<SimilarChoice>): void;
  /** Find with the current choices. */
  onFind(): void;
}

/** "0.87 similar" (similarity of a record in the neighbourhood shown). */
export function similarityText(similarity: number): string {
  return `${similarity.toFixed(2)} similar`;
}

export function similarityBadge(similarity: number | null | undefined): HTMLElement | null {
  if (similarity === null || similarity === undefined) return null;
  return h(
    "span",
    { class: "rw-similarity", title: `Cosine similarity ${similarity}` },
    similarityText(similarity),
  );
}

/** The "Find similar" button of a card and, when open, its menu: which vector (when the
 * record has several), most or least similar, how many. A form: Enter in it finds. */
export function findSimilar(seq: number, id: string, props: SimilarCardProps): HTMLElement {
  const choice = props.open;
  const button = h(
    "button",
    {
      type: "button",
      class: "rw-link rw-find-similar",
      "aria-expanded": choice ? "true" : "false",
      "aria-haspopup": "dialog",
      "data-key": `similar:${seq}`,
      onclick: () => props.onToggle(!choice),
    },
    "Find similar",
  );
  if (!choice) return h("span", { class: "rw-similar-wrap" }, button);
  const update = (patch: Partial<SimilarChoice>) => props.onChange(patch);
  const menu = h(
    "form",
    {
      class: "rw-similar-menu",
      role: "dialog",
      "aria-label": `Find records similar to #${clip(id)}`,
      onsubmit: (e: Event) => {
        e.preventDefault();
        props.onFind();
      },
    },
    props.vectors.length > 1
      ? h(
          "label",
          null,
          "Vector ",
          h(
            "select",
            {
              "aria-label": "Vector",
              "data-key": `similar-vector:${seq}`,
              onchange: (e: Event) => update({ vector: (e.target as HTMLSelectElement).value }),
            },
            props.vectors.map((v) =>
              h("option", { value: v, selected: v === choice.vector }, clip(v, 80)),
            ),
          ),
        )
      : h("span", { class: "rw-muted", title: clipTitle(choice.vector) }, [
          "Vector ",
          bdi(clip(choice.vector, 80)),
        ]),
    h(
      "label",
      null,
      "Show ",
      h(
        "select",
        {
          "aria-label": "Most or least similar",
          "data-key": `similar-order:${seq}`,
          onchange: (e: Event) =>
            update({ mostSimilar: (e.target as HTMLSelectElement).value === "most" }),
        },
        h("option", { value: "most", selected: choice.mostSimilar }, "most similar"),
        h("option", { value: "least", selected: !choice.mostSimilar }, "least similar"),
      ),
    ),
    h(
      "label",
      null,
      "How many ",
      h("input", {
        type: "number",
        min: "1",
        max: String(MAX_K),
        step: "1",
        value: String(choice.k),
        "aria-label": "How many records",
        "data-key": `similar-k:${seq}`,
        oninput: (e: Event) => {
          const k = Math.round(Number((e.target as HTMLInputElement).value));
          if (Number.isFinite(k) && k >= 1 && k <= MAX_K) update({ k });
        },
      }),
    ),
    h(
      "div",
      { class: "rw-similar-buttons" },
      h(
        "button",
        { type: "submit", class: "rw-primary", "data-key": `similar-go:${seq}` },
        "Show similar records",
      ),
      h("button", { type: "button", onclick: () => props.onToggle(false) }, "Cancel"),
    ),
  );
  return h("span", { class: "rw-similar-wrap" }, button, menu);
}

/** The chip's words for a neighbourhood: "Similar to #17", "Semantic: refunds"... */
export function scopeWords(similar: SimilarTo): [what: string, value: string | null] {
  switch (similar.kind) {
    case "record":
      return [
        similar.most_similar === false ? "Least similar to" : "Similar to",
        `#${String(similar.id)}`,
      ];
    case "text":
      return ["Semantic", similar.text];
    case "label":
      return ["More like", similar.label];
    case "selection":
      return [`${count(similar.ids.length)} selected on the map`, null];
    case "duplicates":
      return [`Near-duplicates ≥ ${thresholdText(similar.threshold)}`, null];
  }
}

/** "0.95": a threshold with its significant decimals (at least two). */
export function thresholdText(threshold: number): string {
  const text = String(Number(threshold.toFixed(4)));
  return text.includes(".") && text.split(".")[1].length >= 2 ? text : threshold.toFixed(2);
}

/** What the sidebar's "Near-duplicates" control needs (absent: the dataset has no vectors). */
export interface NearDuplicatesProps {
  vectors: string[]; // the dataset's vectors
  vector: string; // the one chosen
  onVector(vector: string): void;
  /** Show the records in a near-duplicate pair (similar_to kind "duplicates"). */
  onFind(vector: string, threshold: number): void;
}

/** The sidebar's "Near-duplicates" section: pick the vector when there are several, then
 * a button showing the records that have a near copy (to review and discard them). */
export function nearDuplicatesSection(props: NearDuplicatesProps): HTMLElement {
  const vector = props.vectors.includes(props.vector) ? props.vector : (props.vectors[0] ?? "");
  return h(
    "section",
    { class: "rw-side-section rw-duplicates", "aria-label": "Near-duplicates" },
    props.vectors.length > 1
      ? h(
          "label",
          null,
          "Vector ",
          h(
            "select",
            {
              "aria-label": "Near-duplicates vector",
              "data-key": "duplicates-vector",
              onchange: (e: Event) => props.onVector((e.target as HTMLSelectElement).value),
            },
            props.vectors.map((v) =>
              h("option", { value: v, selected: v === vector }, clip(v, 80)),
            ),
          ),
        )
      : null,
    h(
      "button",
      {
        type: "button",
        class: "rw-link rw-near-duplicates",
        title: clipTitle(
          `Records whose ${vector} vector is at least ${thresholdText(DEFAULT_THRESHOLD)} ` +
            "similar to another's, next to it: review and discard the copies",
        ),
        "data-key": "duplicates",
        onclick: () => props.onFind(vector, DEFAULT_THRESHOLD),
      },
      "Near-duplicates",
    ),
  );
}

/** The removable chip of the neighbourhood the page shows (null: none). */
export function scopeChip(similar: SimilarTo | null | undefined, onRemove: () => void) {
  if (!similar) return null;
  const [what, value] = scopeWords(similar);
  const text = value === null ? what : `${what} ${clip(value, 200)}`;
  return h(
    "div",
    { class: "rw-chips rw-scope-chips", "aria-label": "Similarity filter" },
    h(
      "span",
      { class: "rw-chip rw-scope-chip", title: clipTitle(text) },
      value === null ? what : [what, " ", bdi(clip(value))],
      h(
        "button",
        {
          type: "button",
          class: "rw-chip-remove",
          "aria-label": `Remove filter ${text}`,
          "data-key": "chip:similar",
          onclick: onRemove,
        },
        "×",
      ),
    ),
  );
}

/** The search bar's "Semantic" switch: off and disabled (with the reason as its title)
 * when the page has no embedder for this dataset's vectors. */
export function semanticSwitch(
  on: boolean,
  semantic: { available: boolean; reason: string } | undefined,
  onToggle: (on: boolean) => void,
): HTMLElement {
  const available = semantic?.available ?? false;
  const reason = available ? "Search by meaning (the text is embedded)" : semantic?.reason;
  return h(
    "label",
    { class: available ? "rw-semantic" : "rw-semantic rw-disabled", title: reason || undefined },
    h("input", {
      type: "checkbox",
      role: "switch",
      checked: on && available,
      disabled: !available,
      "aria-checked": on && available ? "true" : "false",
      "data-key": "semantic",
      onchange: (e: Event) => onToggle((e.target as HTMLInputElement).checked),
    }),
    "Semantic",
  );
}
