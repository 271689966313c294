// The sidebar: annotation progress, the model against the annotations (F1 per label),
// label counts of the current search, and its top keywords (click one to add it to the
// search).
import { bdi, h } from "./dom";
import { clip, clipTitle, count, labelHue, MAX_TITLE } from "./format";
import { type MetricsProps, metricsSection } from "./metrics_panel";
import { type NearDuplicatesProps, nearDuplicatesSection } from "./similar";
import type { Counts, Facets, Progress, Traits } from "./types";

export interface SidebarProps {
  progress: Progress;
  metrics: MetricsProps;
  facets: Facets;
  keywords: [string, number][];
  mentions: Traits["_mentions"];
  annotating: boolean;
  schemaLocked: boolean;
  onKeyword(word: string): void;
  onAddLabel(label: string): void;
  /** "More like <label>": records without annotation nearest to that label's (absent:
   * the dataset has no vectors). */
  onMoreLike?(label: string): void;
  /** The "Near-duplicates" control (absent: the dataset has no vectors). */
  duplicates?: NearDuplicatesProps;
}

function progressRegion(p: Progress): HTMLElement {
  const done = p.validated + p.discarded;
  const share = (n: number) => (p.total ? `${(100 * n) / p.total}%` : "0%");
  return h(
    "section",
    { class: "rw-side-section", role: "region", "aria-label": "Progress" },
    h("h3", null, "Progress"),
    h(
      "p",
      { class: "rw-progress-big" },
      `${p.percent}%`,
      h("span", { class: "rw-muted" }, " annotated"),
    ),
    h(
      "div",
      {
        class: "rw-progress-track",
        role: "img",
        "aria-label": `${count(done)} of ${count(p.total)} records annotated`,
      },
      h("span", { class: "rw-progress-validated", style: { width: share(p.validated) } }),
      h("span", { class: "rw-progress-discarded", style: { width: share(p.discarded) } }),
    ),
    h(
      "dl",
      { class: "rw-progress-counts" },
      h("dt", null, "Validated"),
      h("dd", null, count(p.validated)),
      h("dt", null, "Discarded"),
      h("dd", null, count(p.discarded)),
      h("dt", null, "Edited"),
      h("dd", null, count(p.edited)),
      h("dt", null, "Pending"),
      h("dd", null, count(p.default)),
      h("dt", null, "Total"),
      h("dd", null, count(p.total)),
    ),
  );
}

function labelCounts(
  title: string,
  counts: Counts | undefined,
  onMoreLike?: (label: string) => void,
): HTMLElement | null {
  if (!counts?.length) return null;
  const top = Math.max(...counts.map(([, n]) => n), 1);
  return h(
    "section",
    { class: "rw-side-section", "aria-label": title },
    h("h3", null, title),
    h(
      "ul",
      { class: "rw-side-list" },
      counts.slice(0, 15).map(([label, n]) =>
        h(
          "li",
          null,
          h(
            "span",
            { class: "rw-side-name", title: clip(String(label), MAX_TITLE) },
            clip(String(label)),
          ),
          h(
            "span",
            { class: "rw-side-bar", "aria-hidden": "true" },
            h("span", {
              style: {
                width: `${(100 * n) / top}%`,
                "--rw-hue": String(labelHue(String(label))),
              },
            }),
          ),
          h("span", { class: "rw-count" }, count(n)),
          onMoreLike
            ? h(
                "button",
                {
                  type: "button",
                  class: "rw-link rw-more-like",
                  title: clipTitle(`Records without annotation most like those annotated ${label}`),
                  "aria-label": `More like ${clip(String(label))}`,
                  "data-key": `more-like:${String(label)}`,
                  onclick: () => onMoreLike(String(label)),
                },
                "More like",
              )
            : null,
        ),
      ),
    ),
  );
}

function newLabelForm(props: SidebarProps): HTMLElement {
  const input = h("input", {
    type: "text",
    "aria-label": "New label",
    placeholder: "New label",
    disabled: props.schemaLocked,
    "data-key": "new-label",
  });
  return h(
    "form",
    {
      class: "rw-new-label",
      title: props.schemaLocked
        ? "This dataset has a label schema: change it with rb.configure_dataset"
        : undefined,
      onsubmit: (e: Event) => {
        e.preventDefault();
        const label = input.value.trim();
        if (label) props.onAddLabel(label);
        input.value = "";
      },
    },
    input,
    h("button", { type: "submit", disabled: props.schemaLocked }, "+ new label"),
  );
}

/** NER: the most frequent mentions per entity label (annotated first, else predicted). */
function mentionsPanel(mentions: Traits["_mentions"]): HTMLElement | null {
  const kinds = (["annotated", "predicted"] as const).filter(
    (k) => Object.keys(mentions?.[k] ?? {}).length,
  );
  if (!kinds.length) return null;
  return h(
    "section",
    { class: "rw-side-section", "aria-label": "Mentions" },
    h("h3", null, "Mentions"),
    kinds.map((kind) =>
      h(
        "div",
        { class: "rw-mentions" },
        h("h4", null, kind === "annotated" ? "Annotated" : "Predicted"),
        Object.entries(mentions[kind] ?? {}).map(([label, top]) =>
          h(
            "div",
            { class: "rw-mention-group" },
            h(
              "span",
              {
                class: "rw-label",
                title: clipTitle(label),
                style: { "--rw-hue": String(labelHue(label)) },
              },
              clip(label),
            ),
            h(
              "ul",
              { class: "rw-keywords" },
              top.map(([mention, n]) =>
                h(
                  "li",
                  { class: "rw-mention", title: clipTitle(mention) },
                  bdi(clip(mention)),
                  h("span", { class: "rw-count" }, count(n)),
                ),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

export function sidebar(props: SidebarProps): HTMLElement {
  return h(
    "aside",
    { class: "rw-sidebar" },
    progressRegion(props.progress),
    props.annotating ? newLabelForm(props) : null,
    metricsSection(props.metrics),
    labelCounts("Annotated as", props.facets.annotated_as, props.onMoreLike),
    labelCounts("Predicted as", props.facets.predicted_as),
    props.duplicates ? nearDuplicatesSection(props.duplicates) : null,
    mentionsPanel(props.mentions),
    props.keywords.length
      ? h(
          "section",
          { class: "rw-side-section", "aria-label": "Keywords" },
          h("h3", null, "Keywords"),
          h(
            "ul",
            { class: "rw-keywords" },
            props.keywords.map(([word, n]) =>
              h(
                "li",
                null,
                h(
                  "button",
                  {
                    type: "button",
                    class: "rw-keyword",
                    title: `${count(n)} times; click to search`,
                    onclick: () => props.onKeyword(word),
                  },
                  bdi(clip(word)),
                  h("span", { class: "rw-count" }, count(n)),
                ),
              ),
            ),
          ),
        )
      : null,
  );
}
