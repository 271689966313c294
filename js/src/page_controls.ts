// The dataset page's bars: title, mode and undo/redo on top; count, sort and page
// size above the records; the pager below. Pure functions of the traits.
import { type Child, h } from "./dom";
import { clip, count, fieldName } from "./format";
import type { Traits } from "./types";

export const PAGE_SIZES = [10, 20, 50, 100, 200];

export interface Controls {
  get<K extends keyof Traits>(name: K): Traits[K];
  set(values: Partial<Traits>): void;
  act(action: "undo" | "redo"): void;
}

export function topBar(c: Controls): Child[] {
  const mode = c.get("mode");
  const history = c.get("_history") ?? { can_undo: false, can_redo: false };
  return [
    h(
      "div",
      { class: "rw-title" },
      h("h2", null, c.get("dataset_name")),
      h("span", { class: "rw-task" }, c.get("task")),
    ),
    h(
      "div",
      { class: "rw-modes", role: "group", "aria-label": "Mode" },
      (["explore", "annotate"] as const).map((m) =>
        h(
          "button",
          {
            type: "button",
            class: mode === m ? "rw-mode rw-on" : "rw-mode",
            "aria-pressed": mode === m ? "true" : "false",
            "data-key": `mode:${m}`,
            onclick: () => c.set({ mode: m }),
          },
          m === "explore" ? "Explore" : "Annotate",
        ),
      ),
    ),
    h(
      "div",
      { class: "rw-history" },
      h(
        "button",
        {
          type: "button",
          disabled: !history.can_undo,
          "aria-keyshortcuts": "Control+Z",
          title: "Undo (Ctrl+Z)",
          "data-key": "undo",
          onclick: () => c.act("undo"),
        },
        "Undo",
      ),
      h(
        "button",
        {
          type: "button",
          disabled: !history.can_redo,
          "aria-keyshortcuts": "Control+Shift+Z",
          title: "Redo (Ctrl+Shift+Z)",
          "data-key": "redo",
          onclick: () => c.act("redo"),
        },
        "Redo",
      ),
    ),
  ];
}

export function toolbar(c: Controls): Child[] {
  const total = c.get("total");
  const sort = c.get("sort") ?? [];
  const current = sort.length ? `${sort[0][0]}:${sort[0][1]}` : "";
  const options = [h("option", { value: "", selected: current === "" }, "First logged")];
  for (const field of c.get("_sortable") ?? []) {
    for (const dir of ["desc", "asc"] as const) {
      const value = `${field}:${dir}`;
      options.push(
        h(
          "option",
          { value, selected: value === current },
          `${clip(fieldName(field), 80)} ${dir === "desc" ? "↓ high to low" : "↑ low to high"}`,
        ),
      );
    }
  }
  return [
    h(
      "span",
      { class: "rw-total", "aria-live": "polite" },
      `${count(total)} record${total === 1 ? "" : "s"}`,
    ),
    h("span", { class: "rw-spacer" }),
    h(
      "label",
      null,
      "Sort by ",
      h(
        "select",
        {
          "data-key": "sort",
          onchange: (e: Event) => {
            const value = (e.target as HTMLSelectElement).value;
            const at = value.lastIndexOf(":");
            c.set({
              sort: value ? [[value.slice(0, at), value.slice(at + 1) as "asc" | "desc"]] : [],
            });
          },
        },
        options,
      ),
    ),
    h(
      "label",
      null,
      "Per page ",
      h(
        "select",
        {
          "data-key": "page-size",
          onchange: (e: Event) =>
            c.set({ page_size: Number((e.target as HTMLSelectElement).value), page: 0 }),
        },
        [...new Set([...PAGE_SIZES, c.get("page_size")])]
          .sort((a, b) => a - b)
          .map((n) =>
            h("option", { value: String(n), selected: n === c.get("page_size") }, String(n)),
          ),
      ),
    ),
  ];
}

export function pager(c: Controls): Child[] {
  const total = c.get("total");
  const page = c.get("page");
  const size = c.get("page_size");
  const pages = Math.max(1, Math.ceil(total / size));
  const first = total ? page * size + 1 : 0;
  const last = Math.min(total, (page + 1) * size);
  return [
    h(
      "button",
      {
        type: "button",
        disabled: page <= 0,
        "data-key": "prev",
        onclick: () => c.set({ page: page - 1 }),
      },
      "Previous page",
    ),
    h(
      "span",
      { class: "rw-page-info" },
      `${count(first)}–${count(last)} of ${count(total)} · page ${count(page + 1)} of ${count(pages)}`,
    ),
    h(
      "button",
      {
        type: "button",
        disabled: page >= pages - 1,
        "data-key": "next",
        onclick: () => c.set({ page: page + 1 }),
      },
      "Next page",
    ),
  ];
}
