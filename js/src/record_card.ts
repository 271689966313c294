// One record: its inputs, prediction bars, annotation, status and (in
// Annotate mode) the label controls and Validate / Discard.
import { bdi, h } from "./dom";
import { attributedText, explanationLabels, explanationLegend } from "./explanation";
import { clip, clipTitle, labelHue, MAX_TITLE, percent, plainValue } from "./format";
import { type NerProps, nerBody } from "./ner";
import { findSimilar, type SimilarCardProps, similarityBadge } from "./similar";
import type {
  PageRecord,
  Text2TextRecord,
  TextClassificationRecord,
  TokenAttribution,
  TokenClassificationRecord,
} from "./types";

export const TEXT2TEXT = "Text2Text";
export const TEXT_CLASSIFICATION = "TextClassification";
export const TOKEN_CLASSIFICATION = "TokenClassification";

export const COLLAPSED_CHARS = 600;
export const PREDICTION_CHARS = COLLAPSED_CHARS; // of one Text2Text prediction shown ("Use this" takes it whole)

/** What a card of any task takes. */
export interface CardCommon {
  labels: string[];
  annotating: boolean;
  selected: boolean;
  pending: boolean;
  expanded: Set<string>; // `${seq}:${key}` of inputs shown in full
  fullTexts: Map<string, string>; // full texts fetched from the kernel
  showMetadata: boolean;
  /** Its similarity when the page shows a neighbourhood (null: none). */
  similarity?: number | null;
  /** Its "Find similar" control (absent: the record has no vectors). */
  similar?: SimilarCardProps;
  onSelect(on: boolean): void;
  onValidate(): void;
  onDiscard(): void;
  /** Show an input in full (`on`) or collapsed; `cut`: the kernel sent only its start. */
  onExpand(key: string, on: boolean, cut: boolean): void;
  onMetadata(on: boolean): void;
}

/** A text classification card: label choices and the explanation shown. */
export interface TextClassificationCard extends CardCommon {
  task: typeof TEXT_CLASSIFICATION;
  record: TextClassificationRecord;
  explainLabel?: string;
  onAnnotate(labels: string[]): void;
  onExplainLabel(label: string): void;
}

/** A token classification card: its span editor's state (ner_editor.ts). */
export interface TokenClassificationCard extends CardCommon {
  task: typeof TOKEN_CLASSIFICATION;
  record: TokenClassificationRecord;
  ner: NerProps;
}

/** A Text2Text card: the draft being typed, not yet saved. */
export interface Text2TextCard extends CardCommon {
  task: typeof TEXT2TEXT;
  record: Text2TextRecord;
  draft?: string;
  onEdit(text: string): void;
  onUse(text: string): void;
}

/** A card's props, one type per task: `task` says which record the card shows. */
export type CardProps = TextClassificationCard | TokenClassificationCard | Text2TextCard;

export function annotationLabels(record: TextClassificationRecord): string[] {
  const a = record.annotation;
  if (a === null) return [];
  return Array.isArray(a) ? a : [a];
}

function labelChip(label: string, extra = ""): HTMLElement {
  return h(
    "span",
    {
      class: `rw-label ${extra}`.trim(),
      title: clipTitle(label),
      style: { "--rw-hue": String(labelHue(label)) },
    },
    clip(label),
  );
}

/** One input of a record: the text the kernel sent (`sent`, cut) of a text `length` long,
 * collapsed when long; shaded by its attributions (`tokens`) to `label` when explained. */
interface InputText {
  key: string;
  sent: string;
  length: number;
  tokens?: TokenAttribution[];
  label?: string;
}

function inputField(
  props: CardCommon & { record: PageRecord },
  input: InputText,
  showKey: boolean,
): HTMLElement {
  const { record } = props;
  const { key, sent, length, tokens, label } = input;
  const id = `${record.seq}:${key}`;
  const full = props.fullTexts.get(id) ?? sent;
  const open = props.expanded.has(id);
  const long = length > COLLAPSED_CHARS;
  const text = open ? full : long ? `${sent.slice(0, COLLAPSED_CHARS)}…` : sent;
  return h(
    "div",
    { class: "rw-field" },
    showKey ? h("div", { class: "rw-field-key", title: clipTitle(key) }, clip(key)) : null,
    tokens?.length && label !== undefined
      ? attributedText(tokens, label)
      : h("p", { class: open && long ? "rw-text rw-text-open" : "rw-text" }, text),
    long
      ? h(
          "button",
          {
            type: "button",
            class: "rw-link",
            "aria-expanded": open ? "true" : "false",
            "data-key": `expand:${id}`,
            onclick: () => props.onExpand(key, !open, length > sent.length),
          },
          open ? "Show less" : `Show more (${length.toLocaleString("en-US")} characters)`,
        )
      : null,
  );
}

function predictionBars(record: TextClassificationRecord): HTMLElement | null {
  if (!record.prediction.length) return null;
  const sorted = [...record.prediction].sort((a, b) => b[1] - a[1]);
  return h(
    "div",
    { class: "rw-prediction", "aria-label": "Prediction" },
    sorted.map(([label, score]) =>
      h(
        "div",
        { class: "rw-bar-row" },
        h("span", { class: "rw-bar-label", title: clip(label, MAX_TITLE) }, clip(label)),
        h(
          "span",
          { class: "rw-bar-track", "aria-hidden": "true" },
          h("span", {
            class: "rw-bar-fill",
            style: {
              width: `${Math.max(0, Math.min(1, score)) * 100}%`,
              "--rw-hue": String(labelHue(label)),
            },
          }),
        ),
        h("span", { class: "rw-bar-value" }, percent(score)),
      ),
    ),
  );
}

function outcome(record: TextClassificationRecord, annotated: string[]): HTMLElement | null {
  if (!annotated.length || !record.prediction.length) return null;
  let predicted: string[];
  if (record.multi_label) predicted = record.prediction.filter(([, s]) => s > 0.5).map(([l]) => l);
  else predicted = [[...record.prediction].sort((a, b) => b[1] - a[1])[0][0]];
  const ok = predicted.length === annotated.length && predicted.every((l) => annotated.includes(l));
  return h(
    "span",
    { class: ok ? "rw-outcome rw-ok" : "rw-outcome rw-ko" },
    ok ? "Predicted ok" : "Predicted ko",
  );
}

/** The labels offered for a record, in shortcut order: the dataset's, then any others it carries. */
export function choicesFor(record: TextClassificationRecord, labels: string[]): string[] {
  const choices = [...labels];
  for (const label of annotationLabels(record)) if (!choices.includes(label)) choices.push(label);
  for (const [label] of record.prediction) if (!choices.includes(label)) choices.push(label);
  return choices;
}

function labelControls(props: TextClassificationCard, annotated: string[]): HTMLElement {
  const { record } = props;
  const choices = choicesFor(record, props.labels);
  const group = h("div", {
    class: "rw-choices",
    role: "group",
    "aria-label": `Labels for record ${clip(String(record.id))}`,
  });
  choices.forEach((label, i) => {
    const shortcut = i < 9 ? String(i + 1) : null;
    const chosen = annotated.includes(label);
    if (record.multi_label) {
      group.appendChild(
        h(
          "label",
          {
            class: chosen ? "rw-choice rw-chosen" : "rw-choice",
            style: { "--rw-hue": String(labelHue(label)) },
          },
          h("input", {
            type: "checkbox",
            checked: chosen,
            disabled: props.pending,
            "aria-keyshortcuts": shortcut ?? undefined,
            "data-key": `label:${record.seq}:${label}`,
            onchange: (e: Event) => {
              const on = (e.target as HTMLInputElement).checked;
              props.onAnnotate(on ? [...annotated, label] : annotated.filter((l) => l !== label));
            },
          }),
          h("span", { class: "rw-choice-text", title: clipTitle(label) }, clip(label)),
          shortcut ? h("kbd", { "aria-hidden": "true" }, shortcut) : null,
        ),
      );
    } else {
      group.appendChild(
        h(
          "button",
          {
            type: "button",
            class: chosen ? "rw-choice rw-chosen" : "rw-choice",
            "aria-pressed": chosen ? "true" : "false",
            "aria-label": clip(label, MAX_TITLE),
            title: clipTitle(label),
            "aria-keyshortcuts": shortcut ?? undefined,
            disabled: props.pending,
            style: { "--rw-hue": String(labelHue(label)) },
            "data-key": `label:${record.seq}:${label}`,
            onclick: () => props.onAnnotate([label]),
          },
          h("span", { class: "rw-choice-text" }, clip(label)),
          shortcut ? h("kbd", { "aria-hidden": "true" }, shortcut) : null,
        ),
      );
    }
  });
  return group;
}

function explanationControls(props: TextClassificationCard): HTMLElement | null {
  const { record } = props;
  const all = Object.values(record.explanation ?? {}).flat();
  if (!all.length || props.explainLabel === undefined) return null;
  const labels = explanationLabels(all);
  const label = props.explainLabel;
  const max = Math.max(0, ...all.map((t) => Math.abs(t.attributions[label] ?? 0)));
  return h(
    "div",
    { class: "rw-explain" },
    h(
      "label",
      null,
      "Explain ",
      h(
        "select",
        {
          "aria-label": `Explained label for record ${clip(String(record.id))}`,
          "data-key": `explain:${record.seq}`,
          onchange: (e: Event) => props.onExplainLabel((e.target as HTMLSelectElement).value),
        },
        labels.map((l) => h("option", { value: l, selected: l === label }, clip(l, 80))),
      ),
    ),
    explanationLegend(max.toFixed(2)),
  );
}

/** The label whose attributions a record shows first: its top prediction, if explained. */
export function defaultExplainLabel(record: TextClassificationRecord): string | undefined {
  const all = Object.values(record.explanation ?? {}).flat();
  if (!all.length) return undefined;
  const labels = explanationLabels(all);
  const top = [...record.prediction].sort((a, b) => b[1] - a[1])[0]?.[0];
  return top !== undefined && labels.includes(top) ? top : labels[0];
}

function text2textBody(props: Text2TextCard): HTMLElement {
  const { record } = props;
  const stored = record.annotation ?? "";
  const predictions = [...record.prediction].sort((a, b) => b[1] - a[1]);
  return h(
    "div",
    { class: "rw-card-body rw-t2t" },
    h(
      "div",
      { class: "rw-inputs" },
      h("div", { class: "rw-field-key" }, "Source"),
      inputField(props, { key: "text", sent: record.text, length: record.length }, false),
    ),
    h(
      "div",
      { class: "rw-t2t-side" },
      predictions.length ? h("div", { class: "rw-field-key" }, "Predictions") : null,
      h(
        "ol",
        { class: "rw-t2t-predictions", "aria-label": "Predictions" },
        predictions.map(([text, score], i) =>
          h(
            "li",
            null,
            h(
              "p",
              { class: "rw-text", title: clipTitle(text, PREDICTION_CHARS) },
              clip(text, PREDICTION_CHARS),
            ),
            h("span", { class: "rw-muted" }, percent(score)),
            props.annotating
              ? h(
                  "button",
                  {
                    type: "button",
                    class: "rw-link",
                    disabled: props.pending,
                    "aria-keyshortcuts": i < 9 ? String(i + 1) : undefined,
                    "data-key": `use:${record.seq}:${i}`,
                    onclick: () => props.onUse(text),
                  },
                  "Use this",
                )
              : null,
          ),
        ),
      ),
      h("div", { class: "rw-field-key" }, "Annotation"),
      props.annotating
        ? h("textarea", {
            class: "rw-t2t-edit",
            rows: "3",
            "aria-label": `Annotation for record ${clip(String(record.id))}`,
            placeholder: "Type the corrected text, or pick a prediction",
            value: props.draft ?? stored,
            "data-key": `edit:${record.seq}`,
            oninput: (e: Event) => props.onEdit((e.target as HTMLTextAreaElement).value),
          })
        : h("p", { class: stored ? "rw-text" : "rw-muted" }, stored || "—"),
    ),
  );
}

export function recordCard(props: CardProps): HTMLElement {
  if (props.task === TEXT2TEXT) return card(props, text2textBody(props), null);
  if (props.task === TOKEN_CLASSIFICATION) return card(props, nerBody(props.ner), null);
  const { record } = props;
  const annotated = annotationLabels(record);
  const keys = Object.keys(record.inputs);
  const showKeys = keys.length > 1 || (keys.length === 1 && keys[0] !== "text");
  const input = (key: string): InputText => {
    const sent = record.inputs[key] ?? "";
    const length = record.lengths[key] ?? sent.length;
    return { key, sent, length, tokens: record.explanation?.[key], label: props.explainLabel };
  };
  const body = h(
    "div",
    { class: "rw-card-body" },
    h(
      "div",
      { class: "rw-inputs" },
      explanationControls(props),
      keys.map((key) => inputField(props, input(key), showKeys)),
    ),
    h(
      "div",
      { class: "rw-labels-col" },
      predictionBars(record),
      h(
        "div",
        { class: "rw-annotation" },
        h("span", { class: "rw-muted" }, "Annotation "),
        annotated.length
          ? annotated.map((l) => labelChip(l))
          : h("span", { class: "rw-muted" }, "—"),
      ),
    ),
  );
  return card(props, body, props.annotating ? labelControls(props, annotated) : null);
}

function card(props: CardProps, body: HTMLElement, choices: HTMLElement | null): HTMLElement {
  const { record } = props;
  const annotated = props.task === TEXT_CLASSIFICATION ? annotationLabels(props.record) : [];
  const metadataKeys = Object.keys(record.metadata ?? {});
  return h(
    "article",
    {
      class: ["rw-card", props.selected ? "rw-selected" : "", props.pending ? "rw-pending" : ""]
        .join(" ")
        .trim(),
      "aria-label": `Record ${clip(String(record.id))}`,
      "aria-busy": props.pending ? "true" : undefined,
      tabindex: "0",
      "data-seq": String(record.seq),
      "data-key": `card:${record.seq}`,
    },
    h(
      "header",
      { class: "rw-card-head" },
      props.annotating
        ? h("input", {
            type: "checkbox",
            class: "rw-select",
            checked: props.selected,
            "aria-label": `Select record ${clip(String(record.id))}`,
            "data-key": `select:${record.seq}`,
            onchange: (e: Event) => props.onSelect((e.target as HTMLInputElement).checked),
          })
        : null,
      h(
        "span",
        { class: "rw-id", title: clipTitle(String(record.id)) },
        `#${clip(String(record.id))}`,
      ),
      h("span", { class: `rw-status rw-status-${record.status.toLowerCase()}` }, record.status),
      props.task === TEXT_CLASSIFICATION ? outcome(props.record, annotated) : null,
      similarityBadge(props.similarity),
      h("span", { class: "rw-spacer" }),
      props.similar ? findSimilar(record.seq, String(record.id), props.similar) : null,
      metadataKeys.length
        ? h(
            "button",
            {
              type: "button",
              class: "rw-link",
              "aria-expanded": props.showMetadata ? "true" : "false",
              "data-key": `meta:${record.seq}`,
              onclick: () => props.onMetadata(!props.showMetadata),
            },
            props.showMetadata ? "Hide metadata" : "Metadata",
          )
        : null,
    ),
    body,
    h(
      "div",
      { class: "rw-agents rw-muted" },
      record.prediction_agent ? ["predicted by ", bdi(clip(record.prediction_agent))] : null,
      record.prediction_agent && record.annotation_agent ? " · " : null,
      record.annotation_agent ? ["annotated by ", bdi(clip(record.annotation_agent))] : null,
    ),
    props.showMetadata
      ? h(
          "dl",
          { class: "rw-metadata" },
          metadataKeys.map((key) => [
            h("dt", { title: clipTitle(key) }, clip(key)),
            h("dd", null, clip(plainValue(record.metadata[key]), MAX_TITLE)),
          ]),
        )
      : null,
    props.annotating
      ? h(
          "div",
          { class: "rw-annotate" },
          choices ?? h("span"),
          h(
            "div",
            { class: "rw-record-actions" },
            h(
              "button",
              {
                type: "button",
                class: "rw-primary",
                disabled: props.pending,
                "aria-keyshortcuts": "Enter",
                "data-key": `validate:${record.seq}`,
                onclick: () => props.onValidate(),
              },
              "Validate",
            ),
            h(
              "button",
              {
                type: "button",
                disabled: props.pending,
                "aria-keyshortcuts": "Backspace",
                "data-key": `discard:${record.seq}`,
                onclick: () => props.onDiscard(),
              },
              "Discard",
            ),
          ),
        )
      : null,
  );
}
