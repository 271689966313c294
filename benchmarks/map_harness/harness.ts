// Timings of the embedding map in a real browser (benchmarks/map.py drives it).
// firstPaint: from the buffer in hand (as the widget gets it from the kernel) to the first
// frame showing the points: parse, upload, draw, then the next animation frame.
import { type EmbeddingMap, mountEmbeddingMap } from "../../js/src/embedding_map";

const host = document.getElementById("host") as HTMLElement;
let map: EmbeddingMap | null = null;
const frame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));

async function load(file: string): Promise<ArrayBuffer> {
  const response = await fetch(file);
  return await response.arrayBuffer();
}

/** ms from the bytes to the painted frame, with the renderer used. */
async function firstPaint(file: string, renderer: "webgl" | "canvas") {
  map?.destroy();
  const bytes = await load(file);
  await frame();
  const start = performance.now();
  map = mountEmbeddingMap(host, { renderer, label: "benchmark map" });
  map.setData(bytes);
  map.setLegend(Array.from({ length: 13 }, (_, i) => (i < 12 ? `label ${i}` : "(other)")));
  map.paint();
  finish(map);
  await frame();
  const ms = performance.now() - start;
  const note = host.querySelector(".rw-map-note")?.textContent ?? "";
  return { ms, note, kind: map.rendererKind };
}

/** ms to select the points inside a circle around (cx, cy) of radius r (data units),
 * as a 64-vertex lasso, and how many were selected. */
function lasso(cx: number, cy: number, r: number) {
  if (!map) throw new Error("no map");
  const polygon: number[] = [];
  for (let k = 0; k < 64; k++) {
    const a = (2 * Math.PI * k) / 64;
    polygon.push(cx + r * Math.cos(a), cy + r * Math.sin(a));
  }
  let selected = 0;
  const start = performance.now();
  selected = map.select(polygon).length;
  return { ms: performance.now() - start, selected };
}

/** Wait until the drawing is really done: reading a pixel back makes the GPU process
 * (SwiftShader here) finish its queue, which a frame callback alone does not. */
function finish(m: EmbeddingMap): void {
  const pixel = new Uint8Array(4);
  if (m.rendererKind === "webgl") {
    const gl = m.canvas.getContext("webgl") as WebGLRenderingContext;
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel);
  } else if (m.rendererKind === "canvas") {
    m.canvas.getContext("2d")?.getImageData(0, 0, 1, 1);
  }
}

/** ms per redraw (a pan/zoom frame), median of `n`. */
async function redraw(n: number) {
  if (!map) throw new Error("no map");
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    map.paint();
    finish(map);
    await frame();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(n / 2)];
}

Object.assign(window, { firstPaint, lasso, redraw });
