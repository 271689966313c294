// The sidebar's "Model vs annotations" table: precision, recall and F1 of the predictions
// against the annotations, per label (per entity for NER), among the records matching
// the current search. The kernel computes it (rubrix_widgets/page_state/search_metrics.py).
import { h } from "./dom";
import { clip, clipTitle, count } from "./format";
import type { Scores, SearchMetrics } from "./types";

/** Labels listed before "Show all": the sidebar stays compact. */
export const METRIC_ROWS = 8;

export const EMPTY_NOTES: Record<string, string> = {
  no_matches: "No records match this search.",
  no_annotations:
    "No annotated records in this search yet: annotate some to compare the model with them.",
  no_predictions: "No predictions in this search: nothing to compare the annotations with.",
  no_overlap: "No record of this search has both an annotation and a prediction.",
};

export interface MetricsProps {
  metrics: SearchMetrics;
  entities: boolean; // NER: one row per entity label
  showAll: boolean;
  onShowAll(on: boolean): void;
}

const fixed = (n: number) => n.toFixed(2);

function row(cls: string, name: string, scores: Scores, support: number): HTMLElement {
  return h(
    "tr",
    { class: cls },
    h("th", { class: "rw-side-name", scope: "row", title: clipTitle(name, 60) }, clip(name, 60)),
    h("td", null, fixed(scores.precision)),
    h("td", null, fixed(scores.recall)),
    h("td", null, fixed(scores.f1)),
    h("td", null, count(support)),
  );
}

/** The section, or null when there is nothing to say (Text2Text, numbers not there yet). */
export function metricsSection(props: MetricsProps): HTMLElement | null {
  const { f1, empty } = props.metrics;
  if (!f1 && !empty) return null;
  const title = "Model vs annotations";
  const section = (...body: (HTMLElement | null)[]) =>
    h(
      "section",
      { class: "rw-side-section rw-metrics", "aria-label": title },
      h("h3", null, title),
      ...body,
    );
  if (!f1)
    return section(h("p", { class: "rw-muted rw-metrics-note" }, EMPTY_NOTES[empty ?? ""] ?? ""));
  const labels = Object.entries(f1.per_label).sort(
    (a, b) => b[1].support - a[1].support || (a[0] < b[0] ? -1 : 1),
  );
  const shown = props.showAll ? labels : labels.slice(0, METRIC_ROWS);
  const support = labels.reduce((sum, [, s]) => sum + s.support, 0);
  return section(
    h(
      "table",
      { class: "rw-metrics-table" },
      h(
        "caption",
        { class: "rw-muted" },
        `${count(f1.records)} record${f1.records === 1 ? "" : "s"} with an annotation and a prediction`,
      ),
      h(
        "thead",
        null,
        h(
          "tr",
          null,
          h("th", { scope: "col" }, props.entities ? "Entity" : "Label"),
          h("th", { scope: "col", title: "Precision" }, "P"),
          h("th", { scope: "col", title: "Recall" }, "R"),
          h("th", { scope: "col" }, "F1"),
          h("th", { scope: "col", title: "Support: how often annotated" }, "N"),
        ),
      ),
      h(
        "tbody",
        null,
        shown.map(([label, s]) => row("rw-metrics-label", label, s, s.support)),
      ),
      h(
        "tfoot",
        null,
        row("rw-metrics-avg", "micro avg", f1.micro, support),
        row("rw-metrics-avg", "macro avg", f1.macro, support),
      ),
    ),
    labels.length > METRIC_ROWS
      ? h(
          "button",
          {
            type: "button",
            class: "rw-link",
            "data-key": "metrics-all",
            onclick: () => props.onShowAll(!props.showAll),
          },
          props.showAll
            ? "Show fewer"
            : `Show all ${count(labels.length)} ${props.entities ? "entities" : "labels"}`,
        )
      : null,
  );
}
