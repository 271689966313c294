// What the kernel sends (traits of rubrix_widgets.widgets.dataset_page.DatasetPage).
import type { AnyModel } from "@anywidget/types";
import type { Acks, Span } from "./protocol";

export type Label = string;
/** A predicted label and its score. */
export type Prediction = [label: Label, score: number];
/** A predicted span: [label, start, end, score] (characters, code points). */
export type PredictedSpan = [label: Label, start: number, end: number, score: number | null];

/** The tasks, as the kernel's `task` trait names them. */
export type Task = "TextClassification" | "TokenClassification" | "Text2Text";

// The records of a page: one type per task, each with exactly the keys the kernel's page
// JSON gives a record of that task (rubrix_widgets/page_state/page_json.py). Python reads
// this part of the file (tests/test_page_json_types.py) and checks real page JSON against
// it, so keep its shape: `export interface <Name> {` or `export interface <Name> extends
// RecordBase {`, then one `  name: type;` line per field (no `?`: the kernel sends every
// key, with null for "none"; no comment after the `;`), then `}`; and one
// `  <Task>: <Name>;` line per task in `RecordOf`. Comments on lines of their own are fine.

/** What a record of every task carries. */
export interface RecordBase {
  seq: number;
  id: string | number;
  status: "Default" | "Edited" | "Discarded" | "Validated";
  prediction_agent: string | null;
  annotation_agent: string | null;
  metadata: Record<string, unknown>;
  event_timestamp: string | null;
  vector_names: string[];
}

/** A text classification record: its inputs (cut; `lengths` are the whole lengths), the
 * predicted labels with their scores, and the annotated label(s). */
export interface TextClassificationRecord extends RecordBase {
  inputs: Record<string, string>;
  lengths: Record<string, number>;
  prediction: Prediction[];
  annotation: Label | Label[] | null;
  multi_label: boolean;
  explanation: Record<string, TokenAttribution[]> | null;
}

/** A token classification record: its text and tokens (the first ones of a long text:
 * `length` and `token_count` are the whole text's), spans predicted and annotated. */
export interface TokenClassificationRecord extends RecordBase {
  text: string;
  length: number;
  tokens: string[];
  token_count: number;
  offsets: [start: number, end: number][];
  prediction: PredictedSpan[];
  annotation: Span[] | null;
}

/** A Text2Text record: the source text (cut; `length` is the whole length), the predicted
 * texts with their scores, and the annotated text. */
export interface Text2TextRecord extends RecordBase {
  text: string;
  length: number;
  prediction: [text: string, score: number][];
  annotation: string | null;
}

/** The record type of each task. */
export interface RecordOf {
  TextClassification: TextClassificationRecord;
  TokenClassification: TokenClassificationRecord;
  Text2Text: Text2TextRecord;
}

/** A record of any task: only the fields every task has can be read before narrowing. */
export type PageRecord = RecordOf[Task];

/** One record with its task: narrow on `task` to read that task's fields. */
export type TaskRecord = { [K in Task]: { task: K; record: RecordOf[K] } }[Task];

/** A page's records with their task: narrow on `task` to read that task's fields. */
export type TaskRecords = { [K in Task]: { task: K; records: RecordOf[K][] } }[Task];

/** The page's records typed by the page's task, or null for a task this page does not
 * know. The one place records are taken to be of the page's task: the kernel sends only
 * its dataset's records, and tests/test_page_json_types.py checks their keys per task. */
export function taskRecords(task: string, records: PageRecord[]): TaskRecords | null {
  switch (task) {
    case "TextClassification":
      return { task, records: records as TextClassificationRecord[] };
    case "TokenClassification":
      return { task, records: records as TokenClassificationRecord[] };
    case "Text2Text":
      return { task, records: records as Text2TextRecord[] };
    default:
      return null;
  }
}

/** The record at position `seq` of a page, with its task. */
export function recordAt(page: TaskRecords | null, seq: number): TaskRecord | undefined {
  if (!page) return undefined;
  switch (page.task) {
    case "TextClassification": {
      const record = page.records.find((r) => r.seq === seq);
      return record && { task: page.task, record };
    }
    case "TokenClassification": {
      const record = page.records.find((r) => r.seq === seq);
      return record && { task: page.task, record };
    }
    case "Text2Text": {
      const record = page.records.find((r) => r.seq === seq);
      return record && { task: page.task, record };
    }
  }
}

export interface TokenAttribution {
  token: string;
  attributions: Record<string, number>;
}

export type Counts = [string | number, number][];

export interface Facets {
  status?: Counts;
  predicted_as?: Counts;
  annotated_as?: Counts;
  predicted_by?: Counts;
  annotated_by?: Counts;
  predicted?: Counts;
  metadata?: Record<string, Counts>;
}

export interface Filters {
  predicted_as?: string[];
  predicted_by?: string[];
  annotated_as?: string[];
  annotated_by?: string[];
  status?: string[];
  predicted?: "ok" | "ko";
  score?: [number | null, number | null];
  metadata?: Record<string, (string | number | boolean)[]>;
}

export interface Progress {
  total: number;
  validated: number;
  discarded: number;
  edited: number;
  default: number;
  percent: number;
}

/** The neighbourhood the page is restricted to (the `similar_to` trait; similarity.py). */
export type SimilarTo =
  | { kind: "record"; id: string | number; vector: string; most_similar: boolean; k: number }
  | { kind: "text"; text: string; vector: string; k: number }
  | { kind: "label"; label: string; vector: string; k: number }
  | { kind: "selection"; ids: (string | number)[] }
  | { kind: "duplicates"; vector: string; threshold: number };

/** Whether the search bar's "Semantic" switch can be used, and why not. */
export interface SemanticStatus {
  available: boolean;
  vector: string | null;
  reason: string;
}

// A type alias, not an interface: anywidget's model types want an indexable object type.
export type Traits = {
  query: string;
  filters: Filters;
  sort: [string, "asc" | "desc"][];
  page: number;
  page_size: number;
  mode: "explore" | "annotate";
  total: number;
  dataset_name: string;
  task: Task | ""; // "": no dataset (a one-widget home showing its list)
  _records: PageRecord[];
  _facets: Facets;
  _labels: string[];
  _progress: Progress;
  _keywords: [string, number][];
  _mentions: { annotated?: Record<string, [string, number][]>; predicted?: Record<string, [string, number][]> };
  _error: string;
  _warnings: string[];
  _history: { can_undo: boolean; can_redo: boolean };
  _sortable: string[];
  _schema_locked: boolean;
  _epoch: string; // the epoch of the records' positions (seq_epoch.py); sent back with them
  // Optional: absent in a model made before these panels existed (and in test fakes).
  metrics?: SearchMetrics;
  rules?: SavedRule[];
  _rules_error?: string;
  // The protocol (protocol.ts): the kernel's recent replies, and a count it bumps when
  // another writer changed the dataset (the view then asks it to `sync`).
  _acks?: Acks;
  _store_changes?: number;
  // Finding by meaning (optional: absent in older models and test fakes).
  similar_to?: SimilarTo | null;
  _vector_names?: string[];
  _similarity?: Record<string, number>; // str(seq) -> similarity, of the records shown
  _semantic?: SemanticStatus;
  // The "Embedding map" panel (map_panel.ts): the points are one binary buffer.
  map_open?: boolean;
  map_vector?: string;
  map_colour_by?: string;
  _map_points?: DataView | ArrayBuffer | Uint8Array | null;
  _map_legend?: string[];
  _map_info?: { vector?: string; points?: number; shown?: number; error?: string };
};

/** Precision, recall and F1 (``rubrix_widgets.metrics`` F1 table). */
export interface Scores {
  precision: number;
  recall: number;
  f1: number;
}

/** The sidebar's "Model vs annotations" numbers for the current search
 * (rubrix_widgets/page_state/search_metrics.py); {} for Text2Text. */
export interface SearchMetrics {
  f1?: {
    records: number;
    micro: Scores;
    macro: Scores;
    per_label: Record<string, Scores & { support: number }>;
  } | null;
  empty?: "no_matches" | "no_annotations" | "no_predictions" | "no_overlap" | null;
}

/** ``rule_metrics`` of the labeling package: null when it cannot be computed. */
export interface RuleMetrics {
  coverage: number | null;
  annotated_coverage: number | null;
  correct: number | null;
  incorrect: number | null;
  precision: number | null;
  total: number;
  annotated: number;
}

/** A rule saved with the dataset, with its metrics (or the error its query now gives). */
export interface SavedRule extends Partial<RuleMetrics> {
  query: string;
  label: string | string[];
  name: string;
  author: string | null;
  error?: string;
}

/** The page's model: anywidget's model with the page's traits (a one-widget home's
 * model has them all too). */
export type Model = AnyModel<Traits>;
