// The embedding map: the records' vectors projected to 2-D (computed in the kernel), drawn
// with WebGL so a million points pan and zoom fluidly (canvas 2D when WebGL is missing).
// The kernel sends the points as one binary buffer (map_data.ts parses it); this component
// owns the gestures: a lasso selects points (onLasso gets their seqs), hovering a point asks
// for its text (onHover; the page answers with showHover, shown as text), the wheel zooms
// and a drag in Pan mode (or with Shift held) pans. It holds no record data beyond the
// buffer and knows nothing of the page: the page mounts it with mountEmbeddingMap.
import { bdi, h, replaceChildren } from "./dom";
import { count } from "./format";
import { captureKeys, keyTarget } from "./keys";
import { GridIndex, legendCounts, type MapData, parseMap, pointsInPolygon } from "./map_data";
import { GREY, type Renderer, renderer, type View } from "./map_render";

export interface EmbeddingMapOptions {
  /** The points inside a finished lasso (never called for a cancelled one). */
  onLasso?: (seqs: Uint32Array) => void;
  /** The point under the pointer changed (null: none). Answer with showHover(text, seq). */
  onHover?: (seq: number | null) => void;
  /** What the map shows, for screen readers ("Embedding map of the vector mini-lm"). */
  label?: string;
  /** Which renderer to try first (tests and the benchmark force one). */
  renderer?: "webgl" | "canvas";
}

/** A categorical palette that reads on light and dark backgrounds (Tableau 10 and two
 * more); "(none)" and "(other)" are grey, like codes past the palette. */
export const PALETTE: [number, number, number][] = [
  [78, 121, 167],
  [242, 142, 43],
  [225, 87, 89],
  [118, 183, 178],
  [89, 161, 79],
  [237, 201, 72],
  [176, 122, 161],
  [255, 157, 167],
  [156, 117, 95],
  [23, 190, 207],
  [188, 189, 34],
  [140, 107, 177],
];
const UNNAMED = new Set(["(none)", "(other)"]);

/** The colour of each legend entry: the palette in order, grey for "(none)"/"(other)". */
export function coloursFor(legend: string[], size: number): [number, number, number][] {
  const out: [number, number, number][] = [];
  let next = 0;
  for (let code = 0; code < size; code++) {
    const name = legend[code];
    out.push(UNNAMED.has(name) || next >= PALETTE.length ? GREY : PALETTE[next++]);
  }
  return out;
}

export const HOVER_PX = 6;
const NO_WEBGL = "drawn with canvas 2D (WebGL is not available)"; // how near the pointer a point must be to be hovered
const LASSO_STEP_PX = 2; // a lasso vertex every this many pixels of drag
const ZOOM_STEP = 1.25;

/** Mount an embedding map into `el`; `destroy()` removes it and every listener. */
export function mountEmbeddingMap(el: HTMLElement, options: EmbeddingMapOptions = {}) {
  const map = new EmbeddingMap(options);
  el.appendChild(map.root);
  return map;
}

export class EmbeddingMap {
  readonly root: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private overlay: HTMLCanvasElement;
  private tip: HTMLElement;
  private note: HTMLElement;
  private status: HTMLElement;
  private legendList: HTMLElement;
  private modeButton: HTMLButtonElement;
  private draw: Renderer | null;
  private data: MapData | null = null;
  private grid: GridIndex | null = null;
  private legend: string[] = [];
  private view: View = { k: 1, tx: 0, ty: 0 };
  private panMode = false;
  private lasso: number[] | null = null; // screen pixels x0, y0, x1, y1, ...
  private pan: { x: number; y: number; tx: number; ty: number } | null = null;
  private hovered = -1;
  private frame = 0;
  private removers: (() => void)[] = [];
  private destroyed = false;

  constructor(private readonly options: EmbeddingMapOptions = {}) {
    this.canvas = h("canvas", {
      class: "rw-map-canvas",
      role: "img",
      tabindex: "0",
      "aria-label": options.label ?? "Embedding map of the records",
    });
    this.overlay = h("canvas", { class: "rw-map-overlay", "aria-hidden": "true" });
    this.tip = h("div", { class: "rw-map-tip", role: "tooltip", hidden: true });
    this.note = h("div", { class: "rw-map-note" });
    this.status = h("div", { class: "rw-map-status", role: "status", "aria-live": "polite" });
    this.legendList = h("ul", { class: "rw-map-legend", "aria-label": "Colours" });
    this.modeButton = h(
      "button",
      {
        type: "button",
        class: "rw-map-mode",
        "aria-pressed": "false",
        title: "Pan mode: drag to move the map (or hold Shift while dragging)",
        onclick: () => this.setPanMode(!this.panMode),
      },
      "Pan",
    );
    this.root = h(
      "div",
      { class: "rw-map" },
      h(
        "div",
        { class: "rw-map-tools" },
        this.modeButton,
        h("button", { type: "button", onclick: () => this.zoomBy(ZOOM_STEP) }, "Zoom in"),
        h("button", { type: "button", onclick: () => this.zoomBy(1 / ZOOM_STEP) }, "Zoom out"),
        h("button", { type: "button", onclick: () => this.resetView() }, "Reset view"),
        this.note,
      ),
      h("div", { class: "rw-map-stage" }, this.canvas, this.overlay, this.tip),
      this.legendList,
      this.status,
    );
    this.draw = renderer(this.canvas, options.renderer);
    if (!this.draw) this.status.textContent = "This browser cannot draw the map (no canvas).";
    else if (this.draw.kind === "canvas") this.note.textContent = NO_WEBGL;
    this.on(this.canvas, "pointerdown", (e) => this.pointerDown(e as PointerEvent));
    this.on(this.canvas, "pointermove", (e) => this.pointerMove(e as PointerEvent));
    this.on(this.canvas, "pointerup", (e) => this.pointerUp(e as PointerEvent));
    this.on(this.canvas, "pointercancel", () => this.cancelGesture());
    this.on(this.canvas, "pointerleave", () => this.setHovered(-1));
    this.on(this.canvas, "wheel", (e) => this.wheel(e as WheelEvent), { passive: false });
    this.removers.push(captureKeys(this.root, (e) => this.key(e)));
  }

  private on(
    target: EventTarget,
    type: string,
    fn: (e: Event) => void,
    opts?: AddEventListenerOptions,
  ): void {
    target.addEventListener(type, fn, opts);
    this.removers.push(() => target.removeEventListener(type, fn, opts));
  }

  // --- data ------------------------------------------------------------------------------
  /** Show the points of the kernel's buffer (layout: rubrix_widgets/vectors/map_payload.py).
   * A buffer that cannot be read leaves the map empty and says why. */
  setData(bytes: DataView | ArrayBuffer | Uint8Array): void {
    try {
      this.data = parseMap(bytes);
    } catch (error) {
      this.data = null;
      this.grid = null;
      this.status.textContent = `The map cannot be shown: ${(error as Error).message}`;
      this.schedule();
      return;
    }
    this.grid = new GridIndex(this.data.xy);
    this.hovered = -1;
    this.tip.hidden = true;
    const { n, total } = this.data;
    this.note.textContent =
      (n < total
        ? `Showing ${count(n)} of ${count(total)} points (sampled)`
        : `${count(n)} points`) + (this.draw?.kind === "canvas" ? ` · ${NO_WEBGL}` : "");
    this.draw?.setPoints(this.data);
    this.renderLegend();
    this.schedule();
  }

  /** Colours for the legend's entries; also given to the renderer. */
  private get colours(): [number, number, number][] {
    return coloursFor(this.legend, this.data?.legendSize ?? this.legend.length);
  }

  /** The names of the colour codes, in code order (the kernel's colour_codes legend). */
  setLegend(entries: string[]): void {
    this.legend = [...entries];
    this.renderLegend();
    this.schedule();
  }

  /** Which points match the search (1 = match), or null when there is no search. */
  setHighlight(flags: Uint8Array | null): void {
    if (!this.data) return;
    if (flags && flags.length !== this.data.n)
      throw new Error(`highlight has ${flags.length} flags for ${this.data.n} points`);
    this.data.searchActive = flags !== null;
    this.data.highlight = flags ?? new Uint8Array(this.data.n);
    this.draw?.setPoints(this.data);
    this.renderLegend();
    this.schedule();
  }

  /** The text of the hovered point, shown as text (never HTML). With `seq`, a late answer
   * for a point no longer hovered is ignored. */
  showHover(text: string | null, seq?: number): void {
    if (seq !== undefined && seq !== this.hoveredSeq) return;
    if (text === null || this.hovered < 0) {
      this.tip.hidden = true;
      return;
    }
    replaceChildren(this.tip, bdi(text));
    this.tip.hidden = false;
  }

  /** How the map draws: "webgl", "canvas" (2D), or null (it cannot). */
  get rendererKind(): "webgl" | "canvas" | null {
    return this.draw?.kind ?? null;
  }

  get hoveredSeq(): number | null {
    return this.data && this.hovered >= 0 ? this.data.seqs[this.hovered] : null;
  }

  private renderLegend(): void {
    const data = this.data;
    const counts = data ? legendCounts(data.codes, data.legendSize) : new Uint32Array(0);
    const items: HTMLElement[] = [];
    const colours = this.colours;
    this.draw?.setColours(colours);
    for (let code = 0; code < counts.length; code++) {
      const name = this.legend[code] ?? `colour ${code + 1}`;
      items.push(
        h(
          "li",
          { class: "rw-map-legend-item" },
          h("span", {
            class: "rw-map-swatch",
            "aria-hidden": "true",
            style: { background: `rgb(${colours[code].join(", ")})` },
          }),
          bdi(name, "rw-map-legend-name"),
          h("span", { class: "rw-map-legend-count" }, count(counts[code])),
        ),
      );
    }
    if (data?.searchActive) {
      let matches = 0;
      for (let i = 0; i < data.n; i++) matches += data.highlight[i];
      items.push(
        h(
          "li",
          { class: "rw-map-legend-item rw-map-legend-search" },
          `${count(matches)} match the search`,
        ),
      );
    }
    replaceChildren(this.legendList, items);
  }

  // --- view ------------------------------------------------------------------------------
  private size(): { w: number; h: number } {
    // A canvas not laid out (hidden, or a DOM without layout) still gets a usable size.
    return { w: this.canvas.clientWidth || 600, h: this.canvas.clientHeight || 400 };
  }

  /** Data [0, 1]² fits the canvas with a margin; y grows upwards. */
  private base(): { s: number; ox: number; oy: number } {
    const { w, h: ht } = this.size();
    const s = Math.max(1, Math.min(w, ht) - 24);
    return { s, ox: (w - s) / 2, oy: (ht - s) / 2 };
  }

  /** Screen pixel (relative to the canvas) -> data coordinates. */
  toData(px: number, py: number): [number, number] {
    const { s, ox, oy } = this.base();
    const { k, tx, ty } = this.view;
    return [(px - tx - ox) / (s * k), 1 - (py - ty - oy) / (s * k)];
  }

  private resetView(): void {
    this.view = { k: 1, tx: 0, ty: 0 };
    this.schedule();
  }

  private zoomBy(factor: number, px?: number, py?: number): void {
    const { w, h: ht } = this.size();
    // About the pointer; the centre for the buttons and keys (or an event without a position).
    const cx = Number.isFinite(px) ? (px as number) : w / 2;
    const cy = Number.isFinite(py) ? (py as number) : ht / 2;
    const k = Math.min(4096, Math.max(0.25, this.view.k * factor));
    const f = k / this.view.k;
    // Keep the data under (cx, cy) where it is.
    const { ox, oy } = this.base();
    this.view = {
      k,
      tx: cx - ox - (cx - ox - this.view.tx) * f,
      ty: cy - oy - (cy - oy - this.view.ty) * f,
    };
    this.schedule();
  }

  private setPanMode(on: boolean): void {
    this.panMode = on;
    this.modeButton.setAttribute("aria-pressed", String(on));
    this.root.classList.toggle("rw-map-panning", on);
  }

  private schedule(): void {
    if (this.frame || this.destroyed) return;
    const raf =
      globalThis.requestAnimationFrame ?? ((f: FrameRequestCallback) => setTimeout(f, 16));
    this.frame = raf(() => {
      this.frame = 0;
      this.paint();
    }) as unknown as number;
  }

  /** Draw now (the benchmark times this; normally a frame does it). */
  paint(): void {
    if (this.destroyed) return;
    const { w, h: ht } = this.size();
    const { s, ox, oy } = this.base();
    const view = { k: this.view.k, tx: this.view.tx + ox, ty: this.view.ty + oy, s };
    this.draw?.render(w, ht, view);
    this.paintOverlay(w, ht);
  }

  private paintOverlay(w: number, ht: number): void {
    const ctx = this.overlay.getContext?.("2d") ?? null;
    if (!ctx) return;
    const dpr = globalThis.devicePixelRatio || 1;
    if (this.overlay.width !== Math.round(w * dpr)) this.overlay.width = Math.round(w * dpr);
    if (this.overlay.height !== Math.round(ht * dpr)) this.overlay.height = Math.round(ht * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, ht);
    const line = getComputedStyle(this.root).getPropertyValue("--rw-fg").trim() || "#333";
    if (this.lasso && this.lasso.length >= 4) {
      ctx.beginPath();
      ctx.moveTo(this.lasso[0], this.lasso[1]);
      for (let i = 2; i < this.lasso.length; i += 2) ctx.lineTo(this.lasso[i], this.lasso[i + 1]);
      ctx.closePath();
      ctx.setLineDash([4, 3]);
      ctx.strokeStyle = line;
      ctx.stroke();
      ctx.setLineDash([]);
    }
    if (this.data && this.hovered >= 0) {
      const [x, y] = this.pointOnScreen(this.hovered);
      ctx.beginPath();
      ctx.arc(x, y, 5, 0, 2 * Math.PI);
      ctx.strokeStyle = line;
      ctx.stroke();
    }
  }

  /** Data coordinates -> screen pixel (relative to the canvas). */
  toScreen(x: number, y: number): [number, number] {
    const { s, ox, oy } = this.base();
    const { k, tx, ty } = this.view;
    return [x * s * k + tx + ox, (1 - y) * s * k + ty + oy];
  }

  private pointOnScreen(i: number): [number, number] {
    const xy = (this.data as MapData).xy;
    return this.toScreen(xy[2 * i], xy[2 * i + 1]);
  }

  // --- gestures --------------------------------------------------------------------------
  private local(e: MouseEvent): [number, number] {
    const box = this.canvas.getBoundingClientRect();
    return [e.clientX - box.left, e.clientY - box.top];
  }

  private pointerDown(e: PointerEvent): void {
    if (e.button !== 0) return;
    const [x, y] = this.local(e);
    this.canvas.setPointerCapture?.(e.pointerId);
    this.canvas.focus(); // so Escape reaches the map (the pointer's default is prevented)
    this.setHovered(-1);
    if (this.panMode || e.shiftKey) this.pan = { x, y, tx: this.view.tx, ty: this.view.ty };
    else this.lasso = [x, y];
    e.preventDefault();
  }

  private pointerMove(e: PointerEvent): void {
    const [x, y] = this.local(e);
    if (this.pan) {
      this.view = {
        ...this.view,
        tx: this.pan.tx + x - this.pan.x,
        ty: this.pan.ty + y - this.pan.y,
      };
      this.schedule();
    } else if (this.lasso) {
      const n = this.lasso.length;
      if (Math.hypot(x - this.lasso[n - 2], y - this.lasso[n - 1]) >= LASSO_STEP_PX) {
        this.lasso.push(x, y);
        this.schedule();
      }
    } else if (this.grid) {
      const [dx, dy] = this.toData(x, y);
      const radius = HOVER_PX / (this.base().s * this.view.k);
      this.setHovered(this.grid.nearest(dx, dy, radius));
    }
  }

  private pointerUp(e: PointerEvent): void {
    this.canvas.releasePointerCapture?.(e.pointerId);
    if (this.pan) {
      this.pan = null;
      return;
    }
    const lasso = this.lasso;
    this.lasso = null;
    this.schedule();
    if (!lasso || !this.data) return;
    if (lasso.length < 6) return; // a click, not a lasso
    const polygon = new Float64Array(lasso.length);
    for (let i = 0; i < lasso.length; i += 2) {
      const [dx, dy] = this.toData(lasso[i], lasso[i + 1]);
      polygon[i] = dx;
      polygon[i + 1] = dy;
    }
    this.select(polygon);
  }

  /** Select the points inside `polygon` (data coordinates) and report their seqs. */
  select(polygon: ArrayLike<number>): Uint32Array {
    if (!this.data) return new Uint32Array(0);
    const inside = pointsInPolygon(this.data.xy, polygon);
    const seqs = new Uint32Array(inside.length);
    for (let i = 0; i < inside.length; i++) seqs[i] = this.data.seqs[inside[i]];
    this.status.textContent = `${count(seqs.length)} point${seqs.length === 1 ? "" : "s"} selected`;
    this.options.onLasso?.(seqs);
    return seqs;
  }

  private cancelGesture(): void {
    this.lasso = null;
    this.pan = null;
    this.schedule();
  }

  private setHovered(i: number): void {
    if (i === this.hovered) return;
    this.hovered = i;
    this.tip.hidden = true;
    if (i >= 0 && this.data) {
      const [x, y] = this.pointOnScreen(i);
      this.tip.style.left = `${Math.round(x + 10)}px`;
      this.tip.style.top = `${Math.round(y + 10)}px`;
    }
    this.schedule();
    this.options.onHover?.(this.hoveredSeq);
  }

  private wheel(e: WheelEvent): void {
    e.preventDefault(); // the notebook must not scroll under the map
    const [x, y] = this.local(e);
    this.zoomBy(e.deltaY < 0 ? ZOOM_STEP : 1 / ZOOM_STEP, x, y);
  }

  private key(e: KeyboardEvent): void {
    if (e.key === "Escape" && (this.lasso || this.pan)) {
      this.cancelGesture();
      this.status.textContent = "Lasso cancelled";
      e.preventDefault();
      return;
    }
    if (keyTarget(e) !== this.canvas) return;
    const step = 40;
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [step, 0],
      ArrowRight: [-step, 0],
      ArrowUp: [0, step],
      ArrowDown: [0, -step],
    };
    if (e.key in moves) {
      const [dx, dy] = moves[e.key];
      this.view = { ...this.view, tx: this.view.tx + dx, ty: this.view.ty + dy };
      this.schedule();
    } else if (e.key === "+" || e.key === "=") this.zoomBy(ZOOM_STEP);
    else if (e.key === "-") this.zoomBy(1 / ZOOM_STEP);
    else if (e.key === "0") this.resetView();
    else return;
    e.preventDefault();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.frame) (globalThis.cancelAnimationFrame ?? clearTimeout)(this.frame);
    for (const remove of this.removers.splice(0)) remove();
    this.draw?.dispose();
    this.draw = null;
    this.data = null;
    this.grid = null;
    this.root.remove();
  }
}
