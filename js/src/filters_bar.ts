// The filter menus (predicted as, annotated as, agents, status, ok/ko, score,
// metadata) and the chips of the active filters.
import { bdi, type Child, h } from "./dom";
import { clip, clipTitle, count, MAX_TITLE } from "./format";
import type { Counts, Facets, Filters } from "./types";

type ListFilter = "predicted_as" | "annotated_as" | "predicted_by" | "annotated_by" | "status";

export const LIST_FILTERS: [ListFilter, string][] = [
  ["predicted_as", "Predicted as"],
  ["annotated_as", "Annotated as"],
  ["predicted_by", "Predicted by"],
  ["annotated_by", "Annotated by"],
  ["status", "Status"],
];
const STATUSES = ["Default", "Edited", "Validated", "Discarded"];
const MENU_SEARCH_FROM = 8; // show a filter box in menus with this many values or more

export interface FilterBarState {
  open: string | null; // which menu is open
  menuSearch: string;
}

export interface FilterBarProps {
  labelled: boolean; // label filters (predicted/annotated as, ok/ko) apply to this task
  facets: Facets;
  filters: Filters;
  state: FilterBarState;
  setFilters(filters: Filters): void;
  toggleMenu(name: string | null): void;
  setMenuSearch(text: string): void;
}

function withCounts(
  values: Counts | undefined,
  chosen: (string | number | boolean)[],
  fixed?: string[],
): Counts {
  const counts = new Map<string, [string | number, number]>();
  for (const [value, n] of values ?? []) counts.set(String(value), [value, n]);
  for (const value of [...(fixed ?? []), ...chosen.map((v) => v as string | number)]) {
    if (!counts.has(String(value))) counts.set(String(value), [value, 0]);
  }
  const out = [...counts.values()];
  if (fixed) out.sort((a, b) => fixed.indexOf(String(a[0])) - fixed.indexOf(String(b[0])));
  return out;
}

function checkList(
  name: string,
  values: Counts,
  chosen: (string | number | boolean)[],
  search: string,
  onToggle: (value: string | number, on: boolean) => void,
): HTMLElement {
  const needle = search.trim().toLowerCase();
  const shown = needle ? values.filter(([v]) => String(v).toLowerCase().includes(needle)) : values;
  const picked = new Set(chosen.map(String));
  return h(
    "ul",
    { class: "rw-checklist" },
    shown.length === 0 ? h("li", { class: "rw-muted" }, "No values") : null,
    shown.map(([value, n]) =>
      h(
        "li",
        null,
        h(
          "label",
          null,
          h("input", {
            type: "checkbox",
            checked: picked.has(String(value)),
            "data-key": `filter:${name}:${String(value)}`,
            onchange: (e: Event) => onToggle(value, (e.target as HTMLInputElement).checked),
          }),
          h(
            "span",
            { class: "rw-check-text", title: clipTitle(String(value)) },
            clip(String(value)),
          ),
          h("span", { class: "rw-count" }, count(n)),
        ),
      ),
    ),
  );
}

function menu(
  props: FilterBarProps,
  name: string,
  title: string,
  active: number,
  body: () => Child,
): HTMLElement {
  const open = props.state.open === name;
  return h(
    "div",
    { class: "rw-menu-wrap" },
    h(
      "button",
      {
        type: "button",
        class: active ? "rw-menu-button rw-active" : "rw-menu-button",
        "aria-expanded": open ? "true" : "false",
        "aria-haspopup": "true",
        "data-key": `menu:${name}`,
        onclick: () => props.toggleMenu(open ? null : name),
      },
      title,
      active ? h("span", { class: "rw-badge" }, String(active)) : null,
      h("span", { class: "rw-caret", "aria-hidden": "true" }, "▾"),
    ),
    open
      ? h("div", { class: "rw-menu", role: "group", "aria-label": `${title} filter` }, body())
      : null,
  );
}

function menuSearch(props: FilterBarProps, size: number, title: string): HTMLElement | null {
  if (size < MENU_SEARCH_FROM) return null;
  return h("input", {
    type: "search",
    class: "rw-menu-search",
    "aria-label": `Find ${title.toLowerCase()} values`,
    placeholder: "Find…",
    value: props.state.menuSearch,
    "data-key": "menu-search",
    oninput: (e: Event) => props.setMenuSearch((e.target as HTMLInputElement).value),
  });
}

function toggled<T>(values: T[] | undefined, value: T, on: boolean): T[] {
  const rest = (values ?? []).filter((v) => String(v) !== String(value));
  return on ? [...rest, value] : rest;
}

export function filterMenus(props: FilterBarProps): HTMLElement {
  const { facets, filters } = props;
  const shown = props.labelled
    ? LIST_FILTERS
    : LIST_FILTERS.filter(([n]) => n.endsWith("_by") || n === "status");
  const menus: HTMLElement[] = shown.map(([name, title]) => {
    const chosen = filters[name] ?? [];
    const values = withCounts(facets[name], chosen, name === "status" ? STATUSES : undefined);
    return menu(props, name, title, chosen.length, () => [
      menuSearch(props, values.length, title),
      checkList(name, values, chosen, props.state.menuSearch, (value, on) =>
        props.setFilters({ ...filters, [name]: toggled(filters[name], String(value), on) }),
      ),
    ]);
  });

  const outcome = new Map((facets.predicted ?? []).map(([v, n]) => [String(v), n]));
  if (props.labelled)
    menus.push(
      menu(props, "predicted", "Predicted ok/ko", filters.predicted ? 1 : 0, () =>
        h(
          "ul",
          { class: "rw-checklist" },
          (["ok", "ko"] as const).map((value) =>
            h(
              "li",
              null,
              h(
                "label",
                null,
                h("input", {
                  type: "checkbox",
                  checked: filters.predicted === value,
                  "data-key": `filter:predicted:${value}`,
                  onchange: (e: Event) => {
                    const on = (e.target as HTMLInputElement).checked;
                    props.setFilters({ ...filters, predicted: on ? value : undefined });
                  },
                }),
                h(
                  "span",
                  { class: "rw-check-text" },
                  value === "ok" ? "Predicted ok" : "Predicted ko",
                ),
                h("span", { class: "rw-count" }, count(outcome.get(value) ?? 0)),
              ),
            ),
          ),
        ),
      ),
    );

  menus.push(menu(props, "score", "Score", filters.score ? 1 : 0, () => scoreForm(props)));

  const metadata = facets.metadata ?? {};
  const keys = Object.keys(metadata);
  const chosenMeta = filters.metadata ?? {};
  const activeMeta = Object.values(chosenMeta).reduce((n, v) => n + v.length, 0);
  if (keys.length) {
    menus.push(
      menu(props, "metadata", "Metadata", activeMeta, () => [
        menuSearch(
          props,
          keys.reduce((n, k) => n + metadata[k].length, 0),
          "Metadata",
        ),
        keys.map((key) =>
          h(
            "section",
            { class: "rw-menu-section", "aria-label": clip(key, MAX_TITLE) },
            h("h4", { title: clipTitle(key) }, clip(key)),
            checkList(
              `metadata.${key}`,
              withCounts(metadata[key], chosenMeta[key] ?? []),
              chosenMeta[key] ?? [],
              props.state.menuSearch,
              (value, on) => {
                const next = { ...chosenMeta, [key]: toggled(chosenMeta[key], value, on) };
                if (!next[key].length) delete next[key];
                props.setFilters({ ...filters, metadata: next });
              },
            ),
          ),
        ),
      ]),
    );
  }
  return h("div", { class: "rw-filters", role: "toolbar", "aria-label": "Filters" }, menus);
}

function scoreForm(props: FilterBarProps): HTMLElement {
  const [low, high] = props.filters.score ?? [null, null];
  const min = h("input", {
    type: "number",
    min: "0",
    max: "1",
    step: "0.05",
    "aria-label": "Minimum score",
    value: low === null ? "" : String(low),
    placeholder: "0",
  });
  const max = h("input", {
    type: "number",
    min: "0",
    max: "1",
    step: "0.05",
    "aria-label": "Maximum score",
    value: high === null ? "" : String(high),
    placeholder: "1",
  });
  const parse = (input: HTMLInputElement): number | null => {
    const value = Number.parseFloat(input.value);
    return Number.isFinite(value) ? value : null;
  };
  return h(
    "form",
    {
      class: "rw-score-form",
      onsubmit: (e: Event) => {
        e.preventDefault();
        const range: [number | null, number | null] = [parse(min), parse(max)];
        const next = {
          ...props.filters,
          score: range[0] === null && range[1] === null ? undefined : range,
        };
        props.setFilters(next);
      },
    },
    h("label", null, "From ", min),
    h("label", null, "to ", max),
    h("button", { type: "submit" }, "Apply"),
  );
}

/** Chips of the active filters, each removable, and "Clear all". */
export function filterChips(
  filters: Filters,
  setFilters: (f: Filters) => void,
): HTMLElement | null {
  // [what the filter is, its (untrusted) value or null, the filters without it]
  const chips: [string, string | null, () => Filters][] = [];
  for (const [name, title] of LIST_FILTERS) {
    for (const value of filters[name] ?? []) {
      chips.push([
        title,
        value,
        () => ({ ...filters, [name]: toggled(filters[name], value, false) }),
      ]);
    }
  }
  if (filters.predicted) {
    chips.push([
      `Predicted ${filters.predicted}`,
      null,
      () => ({ ...filters, predicted: undefined }),
    ]);
  }
  if (filters.score) {
    const [low, high] = filters.score;
    chips.push([
      `Score: ${low ?? 0} – ${high ?? 1}`,
      null,
      () => ({ ...filters, score: undefined }),
    ]);
  }
  for (const [key, values] of Object.entries(filters.metadata ?? {})) {
    for (const value of values) {
      chips.push([
        key,
        String(value),
        () => {
          const metadata = { ...filters.metadata, [key]: toggled(values, value, false) };
          if (!metadata[key].length) delete metadata[key];
          return { ...filters, metadata };
        },
      ]);
    }
  }
  if (!chips.length) return null;
  return h(
    "div",
    { class: "rw-chips", "aria-label": "Active filters" },
    chips.map(([what, value, without]) => {
      const text = value === null ? what : `${clip(what, MAX_TITLE)}: ${clip(value, MAX_TITLE)}`;
      return h(
        "span",
        { class: "rw-chip", title: value === null ? undefined : clipTitle(text) },
        value === null ? what : [bdi(clip(what)), ": ", bdi(clip(value))],
        h(
          "button",
          {
            type: "button",
            class: "rw-chip-remove",
            "aria-label": `Remove filter ${text}`,
            "data-key": `chip:${what}:${value ?? ""}`,
            onclick: () => setFilters(clean(without())),
          },
          "×",
        ),
      );
    }),
    h("button", { type: "button", class: "rw-link", onclick: () => setFilters({}) }, "Clear all"),
  );
}

/** Drop empty entries (the kernel does too; this keeps the trait tidy). */
export function clean(filters: Filters): Filters {
  const out: Filters = {};
  for (const [key, value] of Object.entries(filters) as [keyof Filters, unknown][]) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value) && !value.length) continue;
    if (key === "metadata" && !Object.keys(value as object).length) continue;
    (out as Record<string, unknown>)[key] = value;
  }
  return out;
}
