// What the kernel sends (traits of rubrix_widgets.widgets.dataset_page.DatasetPage).
import type { AnyModel } from "@anywidget/types";
import type { Acks } from "./protocol";

export type Label = string;
export type Prediction = [Label, number];

export interface PageRecord {
  seq: number;
  id: string | number;
  status: "Default" | "Edited" | "Discarded" | "Validated";
  prediction_agent: string | null;
  annotation_agent: string | null;
  metadata: Record<string, unknown>;
  event_timestamp: string | null;
  // TextClassification
  inputs: Record<string, string>;
  lengths: Record<string, number>;
  prediction: Prediction[]; // [label, score]; Text2Text: [text, score]
  annotation: Label | Label[] | null; // Text2Text: the corrected text
  multi_label: boolean;
  explanation?: Record<string, TokenAttribution[]> | null;
  // Text2Text (source text) and TokenClassification
  text?: string;
  length?: number;
  tokens?: string[]; // TokenClassification: the tokens shown (the first ones of a long text)
  token_count?: number; // TokenClassification: all the tokens of the text
  offsets?: [number, number][]; // token character offsets, Python str (code point) indices
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
  task: string;
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
};

/** Precision, recall and F1 (``rubrix_widgets.metrics`` F1 table). */
export interface Scores {
  precision: number;
  recall: number;
  f1: number;
}

/** The sidebar's "Model vs annotations" numbers for the current search
 * (rubrix_widgets/widgets/search_metrics.py); {} for Text2Text. */
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

/** A reply flattened into one object, for views not yet moved to `Requests.call`.
 * @deprecated use `Reply` (protocol.ts): the reply's `result` is typed per action. */
export interface Ack {
  type?: "ack";
  request: string;
  ok: boolean;
  error?: string;
  result?: unknown;
  changed?: unknown; // = result
  stale?: boolean; // refused: positions drawn before records were deleted (page redrawn)
}
