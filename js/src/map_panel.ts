// The dataset page's collapsible "Embedding map" panel: the map helper's component
// (embedding_map.ts) fed from the kernel's traits. The kernel computes the points only
// while the panel is open (`map_open`), as one binary buffer (`_map_points`) with its
// legend (`_map_legend`); the panel picks the vector and what colours the points. A lasso
// restricts the page to the points inside ("<N> selected on the map"); hovering a point
// asks the kernel for its text, shown as text.
import { h, replaceChildren } from "./dom";
import { type EmbeddingMap, mountEmbeddingMap } from "./embedding_map";
import { clip } from "./format";
import type { Traits } from "./types";

export interface MapPanelHost {
  get<K extends keyof Traits>(name: K): Traits[K];
  set(values: Partial<Traits>): void;
  /** A lasso: restrict the page to these records (positions of the drawn epoch). */
  select(seqs: number[]): void;
  /** The text of the record at `seq`, or null when it cannot be had. */
  text(seq: number): Promise<string | null>;
}

/** The bytes of a Bytes trait as ipywidgets delivers them (DataView), or as tests do. */
function bytesOf(value: unknown): DataView | null {
  if (value instanceof DataView) return value.byteLength ? value : null;
  if (value instanceof ArrayBuffer) return value.byteLength ? new DataView(value) : null;
  if (ArrayBuffer.isView(value) && value.byteLength)
    return new DataView(value.buffer, value.byteOffset, value.byteLength);
  return null;
}

export class MapPanel {
  readonly root: HTMLElement;
  private body: HTMLElement;
  private stage: HTMLElement;
  private map: EmbeddingMap | null = null;
  private shownPoints: unknown = null;
  private shownLegend: unknown = null;

  constructor(private readonly host: MapPanelHost) {
    this.stage = h("div", { class: "rw-map-host" });
    this.body = h("div", { class: "rw-map-body" });
    this.root = h("section", { class: "rw-map-panel", "aria-label": "Embedding map" });
  }

  /** Redraw the panel's controls; the map itself keeps its element (and its zoom). */
  render(): void {
    const vectors = this.host.get("_vector_names") ?? [];
    if (!vectors.length) {
      replaceChildren(this.root);
      return;
    }
    const open = this.host.get("map_open") ?? false;
    const toggle = h(
      "button",
      {
        type: "button",
        class: "rw-link rw-map-toggle",
        "aria-expanded": open ? "true" : "false",
        "data-key": "map-toggle",
        onclick: () => this.host.set({ map_open: !open }),
      },
      open ? "▾ Embedding map" : "▸ Embedding map",
    );
    if (!open) {
      replaceChildren(this.root, toggle);
      return;
    }
    this.ensureMap();
    this.feed();
    const info = this.host.get("_map_info") ?? {};
    const vector = this.host.get("map_vector") || vectors[0];
    const colourBy = this.host.get("map_colour_by") ?? "annotation";
    const metadata = Object.keys(this.host.get("_facets")?.metadata ?? {});
    const colours = ["annotation", "prediction", "status", ...metadata.map((k) => `metadata.${k}`)];
    replaceChildren(
      this.body,
      h(
        "div",
        { class: "rw-map-controls" },
        vectors.length > 1
          ? h(
              "label",
              null,
              "Vector ",
              h(
                "select",
                {
                  "aria-label": "Map vector",
                  onchange: (e: Event) =>
                    this.host.set({ map_vector: (e.target as HTMLSelectElement).value }),
                },
                vectors.map((v) => h("option", { value: v, selected: v === vector }, clip(v, 80))),
              ),
            )
          : null,
        h(
          "label",
          null,
          "Colour by ",
          h(
            "select",
            {
              "aria-label": "Colour by",
              onchange: (e: Event) =>
                this.host.set({ map_colour_by: (e.target as HTMLSelectElement).value }),
            },
            colours.map((c) => h("option", { value: c, selected: c === colourBy }, clip(c, 80))),
          ),
        ),
        h(
          "span",
          { class: "rw-muted" },
          info.error
            ? null
            : info.points === undefined
              ? "Projecting the vectors…"
              : "Drag a lasso to select points",
        ),
      ),
      info.error
        ? h("p", { class: "rw-search-error", role: "alert" }, clip(String(info.error), 2000))
        : null,
      this.stage,
    );
    replaceChildren(this.root, toggle, this.body);
  }

  private ensureMap(): void {
    if (this.map) return;
    this.map = mountEmbeddingMap(this.stage, {
      label: "Embedding map of the records",
      onLasso: (seqs) => {
        if (seqs.length) this.host.select(Array.from(seqs));
      },
      onHover: (seq) => {
        if (seq === null) {
          this.map?.showHover(null);
          return;
        }
        void this.host.text(seq).then((text) => this.map?.showHover(text, seq));
      },
    });
  }

  /** Give the map the kernel's points and legend when they changed. */
  private feed(): void {
    if (!this.map) return;
    const points = this.host.get("_map_points");
    const legend = this.host.get("_map_legend") ?? [];
    if (legend !== this.shownLegend) {
      this.shownLegend = legend;
      this.map.setLegend(legend);
    }
    if (points !== this.shownPoints) {
      this.shownPoints = points;
      const bytes = bytesOf(points);
      if (bytes) this.map.setData(bytes);
    }
  }

  dispose(): void {
    this.map?.destroy();
    this.map = null;
  }
}
