// The widgets' protocol, typed once: every intent a view sends to the kernel and the type
// of the `result` the kernel's reply carries for it. The kernel side is the Python action
// registry of the same widgets; a Python test reads the unions below line by line and
// checks them against that registry, so keep the shape: one member per line, written
// `  | { action: "name"; field: type; ... }`, and one `  name: type;` line per result.
//
// Wire format. Intent, browser -> kernel (custom message):
//   { type: "action", action, request: "<random view id>:<n>", ...fields }
// Reply, kernel -> browser: the custom message { type: "ack", request, ok, result | error }
// and the same reply (without `type`) in the synced `_acks` trait (request id -> reply,
// the last 32). rpc.ts settles a request on whichever arrives first.
import type { RuleMetrics } from "./types";

/** A token classification span: [label, start, end] (characters, code points). */
export type Span = [label: string, start: number, end: number];

/** Labels (text classification), the corrected text (Text2Text) or spans (token classification). */
export type Annotation = string[] | string | Span[];

/** A rule's metrics while it is being written (the `rule_metrics` result). */
export interface RuleCheck {
  metrics: RuleMetrics;
  warnings: string[];
}

/** What `check_workspace` says of a folder typed into the workspace picker. */
export interface WorkspaceCheck {
  problem: string | null;
  new: boolean;
}

// --- the dataset page -------------------------------------------------------------------------
// Positions (`seqs`, `seq`) go with the `epoch` of the page they were drawn on (seq_epoch.py).
export type PageIntent =
  | { action: "annotate"; seqs?: number[]; scope?: "query"; annotation: Annotation; epoch: string }
  | { action: "edit"; seqs: number[]; annotation: Annotation; epoch: string }
  | { action: "validate"; seqs?: number[]; scope?: "query"; epoch: string }
  | { action: "discard"; seqs?: number[]; scope?: "query"; epoch: string }
  | { action: "add_span"; seq: number; label: string; start: number; end: number; epoch: string }
  | { action: "remove_span"; seq: number; label: string; start: number; end: number; epoch: string }
  | { action: "undo" }
  | { action: "redo" }
  | { action: "add_label"; label: string }
  | { action: "full_text"; seq: number; key: string; epoch: string }
  | { action: "sync" }
  | { action: "rule_metrics"; query: string; label: string }
  | { action: "add_rule"; query: string; label: string }
  | { action: "delete_rule"; query: string; label: string | string[] }
  | { action: "find_similar"; seq: number; epoch: string; vector?: string; most_similar?: boolean; k?: number }
  | { action: "semantic_search"; text: string | null }
  | { action: "more_like_label"; label: string; vector?: string; k?: number }
  | { action: "select_on_map"; seqs: number[]; epoch: string }
  | { action: "map_text"; seq: number; epoch: string }
  | { action: "hello" };

/** The `result` of each page action: how many records changed, the labels, the text... */
export interface PageResults {
  annotate: number;
  edit: number;
  validate: number;
  discard: number;
  add_span: number;
  remove_span: number;
  undo: number;
  redo: number;
  add_label: string[];
  full_text: string;
  sync: boolean;
  rule_metrics: RuleCheck;
  add_rule: boolean;
  delete_rule: true;
  find_similar: number;
  semantic_search: number;
  more_like_label: number;
  select_on_map: number;
  map_text: string;
  hello: true;
}

// --- the dataset list (and the one-widget home's list view) --------------------------------
export type ListIntent =
  | { action: "open"; name: string; workspace: string }
  | { action: "delete"; name: string; workspace: string }
  | { action: "refresh" }
  | { action: "switch_workspace"; workspace: string }
  | { action: "check_workspace"; workspace: string }
  | { action: "hello" };

export interface ListResults {
  open: string;
  delete: string[];
  refresh: string[];
  switch_workspace: string[];
  check_workspace: WorkspaceCheck;
  hello: true;
}

// --- the one-widget home: the list's and the page's actions, plus the way back -------------
export type HomeOnlyIntent =
  | { action: "back" };

export interface HomeOnlyResults {
  back: string[];
}

export type HomeIntent = PageIntent | ListIntent | HomeOnlyIntent;
export type HomeResults = PageResults & ListResults & HomeOnlyResults;

/** Every action name a widget accepts, for a protocol `I`. */
export type ActionOf<I extends { action: string }> = I["action"];

/** The kernel's reply to one request (the `_acks` entry; the message adds `type: "ack"`).
 * `stale`: refused because its positions were drawn before records were deleted. */
export type Reply<R> =
  | { request: string; ok: true; result: R }
  | { request: string; ok: false; error: string; stale?: boolean };

/** The kernel's recent replies, by request id (the synced `_acks` trait). */
export type Acks = Record<string, Reply<unknown>>;
