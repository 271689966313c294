// Token classification records: text with predicted spans (underlined) and
// annotated spans (coloured marks with their label), token selection by drag or
// click + Shift+click, and the entity picker. The kernel speaks Python str
// offsets (code points); the DOM speaks UTF-16: convert here, at the boundary.
import { h } from "./dom";
import { clip, clipTitle, count, labelHue, MAX_TITLE, percent } from "./format";
import type { Span } from "./protocol";
import type { TokenClassificationRecord } from "./types";

export type { Span }; // [label, start, end] in code points (protocol.ts)

/** utf16[i] = UTF-16 index of code point i (one entry past the end). */
export function utf16Offsets(text: string): number[] {
  const out = [0];
  for (const ch of text) out.push(out[out.length - 1] + ch.length);
  return out;
}

/** The code point index of a UTF-16 index (which must fall on a code point boundary). */
export function codePointIndex(utf16: number[], index: number): number {
  let lo = 0;
  let hi = utf16.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (utf16[mid] < index) lo = mid + 1;
    else hi = mid;
  }
  if (utf16[lo] !== index) throw new Error(`UTF-16 index ${index} splits a character`);
  return lo;
}

export interface Selection {
  seq: number;
  anchor: number; // token indices
  focus: number;
}

export function selectedRange(sel: Selection): [number, number] {
  return sel.anchor <= sel.focus ? [sel.anchor, sel.focus] : [sel.focus, sel.anchor];
}

/** Character span (code points) of tokens first..last. */
export function tokenSpan(
  record: TokenClassificationRecord,
  first: number,
  last: number,
): [number, number] {
  return [record.offsets[first][0], record.offsets[last][1]];
}

export interface NerProps {
  record: TokenClassificationRecord;
  labels: string[];
  annotating: boolean;
  selection: Selection | null;
  pickerFilter: string;
  onTokenDown(i: number, shift: boolean): void;
  onTokenEnter(i: number): void;
  onTokenUp(i: number): void;
  onPick(label: string): void;
  onPickerFilter(text: string): void;
  onCancel(): void;
  onRemove(span: Span): void;
}

/** The spans a person sees and edits: the annotation, or the predictions before any. */
export function editableSpans(record: TokenClassificationRecord): Span[] {
  return (
    record.annotation ?? record.prediction.map(([label, start, end]): Span => [label, start, end])
  );
}

export function pickerLabels(labels: string[], filter: string): string[] {
  const needle = filter.trim().toLowerCase();
  return needle ? labels.filter((l) => l.toLowerCase().includes(needle)) : labels;
}

function picker(props: NerProps): HTMLElement {
  const shown = pickerLabels(props.labels, props.pickerFilter);
  return h(
    "div",
    { class: "rw-picker" },
    h("input", {
      type: "text",
      class: "rw-picker-filter",
      "aria-label": "Filter entities",
      placeholder: "Entity… (type to filter, Enter picks)",
      value: props.pickerFilter,
      "data-key": "picker-filter",
      "data-picker": "true",
      oninput: (e: Event) => props.onPickerFilter((e.target as HTMLInputElement).value),
    }),
    h(
      "div",
      { role: "listbox", "aria-label": "Entity", class: "rw-picker-list" },
      shown.length === 0
        ? h("div", { class: "rw-muted" }, "No entity matches; Enter adds it as a new label")
        : null,
      shown.map((label, i) =>
        h(
          "div",
          {
            role: "option",
            "aria-selected": i === 0 ? "true" : "false",
            class: "rw-option",
            tabindex: "-1",
            style: { "--rw-hue": String(labelHue(label)) },
            "aria-keyshortcuts": i < 9 ? `${i + 1} Control+${i + 1}` : undefined,
            onmousedown: (e: Event) => e.preventDefault(),
            onclick: () => props.onPick(label),
          },
          h("span", { class: "rw-swatch", "aria-hidden": "true" }),
          h("span", { class: "rw-option-text", title: clipTitle(label) }, clip(label)),
          i < 9 ? h("kbd", { "aria-hidden": "true" }, String(i + 1)) : null,
        ),
      ),
    ),
    h("button", { type: "button", class: "rw-link", onclick: () => props.onCancel() }, "Cancel"),
  );
}

/** Text between tokens, isolated like the tokens: a bidi control there stays there. */
function gap(text: string): HTMLElement {
  return h("span", { class: "rw-gap" }, text);
}

export function nerBody(props: NerProps): HTMLElement {
  const { record } = props;
  const { text, offsets } = record;
  const u = utf16Offsets(text);
  const gold = editableSpans(record);
  const annotated = record.annotation !== null;
  const predicted = record.prediction;
  const selected = props.selection?.seq === record.seq ? selectedRange(props.selection) : null;
  const line = h("p", { class: "rw-text rw-ner-text" });
  let cursor = 0;
  offsets.forEach(([start, end], i) => {
    if (start > cursor) line.appendChild(gap(text.slice(u[cursor], u[start])));
    const covering = gold.filter(([, s, e]) => s < end && e > start);
    const preds = predicted.filter(([, s, e]) => s < end && e > start);
    const classes = ["rw-tok"];
    const style: Record<string, string> = {};
    if (covering.length) {
      classes.push("rw-ent");
      style["--rw-hue"] = String(labelHue(covering[0][0]));
      if (covering.length > 1) classes.push("rw-stacked");
      if (!annotated) classes.push("rw-ent-suggested");
    }
    if (preds.length) {
      classes.push("rw-pred");
      style["--rw-pred-hue"] = String(labelHue(preds[0][0]));
    }
    if (selected && i >= selected[0] && i <= selected[1]) classes.push("rw-sel");
    line.appendChild(
      h(
        "span",
        {
          class: classes.join(" "),
          style,
          "data-token": String(i),
          title: preds.length
            ? preds
                .map(
                  ([l, , , s]) =>
                    `predicted ${clip(l)}${s === null || s === undefined ? "" : ` ${percent(s)}`}`,
                )
                .join("\n")
            : undefined,
          onmousedown: props.annotating
            ? (e: MouseEvent) => {
                e.preventDefault();
                props.onTokenDown(i, e.shiftKey);
              }
            : undefined,
          onmouseenter: props.annotating ? () => props.onTokenEnter(i) : undefined,
          onmouseup: props.annotating ? () => props.onTokenUp(i) : undefined,
        },
        text.slice(u[start], u[end]),
      ),
    );
    for (const span of gold.filter(([, , e]) => e === end)) {
      line.appendChild(
        h(
          "span",
          {
            class: "rw-ent-tag",
            title: clipTitle(span[0]),
            style: { "--rw-hue": String(labelHue(span[0])) },
          },
          clip(span[0]),
          props.annotating
            ? h(
                "button",
                {
                  type: "button",
                  class: "rw-ent-remove",
                  "aria-label": `Remove ${clip(span[0], MAX_TITLE)}`,
                  "data-key": `remove:${record.seq}:${span.join(":")}`,
                  onclick: () => props.onRemove(span),
                },
                "×",
              )
            : null,
        ),
      );
    }
    cursor = end;
  });
  if (cursor < u.length - 1) line.appendChild(gap(text.slice(u[cursor])));
  const hidden = record.token_count - offsets.length;
  if (hidden > 0) line.appendChild(document.createTextNode(" …"));
  const pickerOpen = props.annotating && selected !== null;
  return h(
    "div",
    { class: "rw-card-body rw-ner" },
    h(
      "div",
      { class: "rw-inputs" },
      line,
      hidden > 0
        ? h(
            "div",
            { class: "rw-muted rw-ner-help rw-ner-cut", role: "note" },
            `Showing the first ${count(offsets.length)} of ${count(record.token_count)} tokens ` +
              `(${count(u.length - 1)} of ${count(record.length)} characters): the rest of this text is ` +
              "not shown here; its spans are kept.",
          )
        : null,
      h(
        "div",
        { class: "rw-muted rw-ner-help" },
        annotated
          ? null
          : predicted.length
            ? "Showing the predictions: edit them or Validate to accept."
            : null,
      ),
      pickerOpen ? picker(props) : null,
    ),
  );
}
