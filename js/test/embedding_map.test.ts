// The embedding map: the kernel's binary layout (the same fixture file the Python test
// pins), lasso selection and hover lookup on known points, and the component's text and
// gestures in a DOM without WebGL or canvas (the drawing itself is benchmarked in Chromium:
// benchmarks/map.py).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { coloursFor, type EmbeddingMap, mountEmbeddingMap, PALETTE } from "../src/embedding_map";
import { GridIndex, legendCounts, parseMap, pointsInPolygon } from "../src/map_data";
import { GREY, matchesLast } from "../src/map_render";

// Written by tests/test_projection.py (fixture_payload): 3 points of 10, 3 legend entries.
const FIXTURE = readFileSync(join(process.cwd(), "..", "tests", "data", "map_payload_v1.bin"));
const fixture = () => new Uint8Array(FIXTURE).buffer;
const IMG = '<img src=x onerror="window.__pwned=1">';

/** A map buffer built by hand, in the documented layout. */
function payload(xy: number[], opts: { total?: number; codes?: number[]; hl?: number[] } = {}) {
  const n = xy.length / 2;
  const buf = new ArrayBuffer(24 + 15 * n);
  const view = new DataView(buf);
  for (let i = 0; i < 4; i++) view.setUint8(i, "RWMP".charCodeAt(i));
  view.setUint32(4, 1, true);
  view.setUint32(8, n, true);
  view.setUint32(12, opts.total ?? n, true);
  view.setUint32(16, 2, true);
  view.setUint32(20, opts.hl ? 1 : 0, true);
  new Float32Array(buf, 24, 2 * n).set(xy);
  new Uint32Array(buf, 24 + 8 * n, n).set(Array.from({ length: n }, (_, i) => 100 + i));
  new Uint16Array(buf, 24 + 12 * n, n).set(opts.codes ?? new Array(n).fill(0));
  new Uint8Array(buf, 24 + 14 * n, n).set(opts.hl ?? new Array(n).fill(0));
  return buf;
}

describe("parsing the kernel's map buffer", () => {
  it("reads the fixture the Python side writes", () => {
    const data = parseMap(fixture());
    expect([data.n, data.total, data.legendSize, data.searchActive]).toEqual([3, 10, 3, true]);
    expect(Array.from(data.xy)).toEqual([0, 1, 0.25, 0.5, 1, 0]);
    expect(Array.from(data.seqs)).toEqual([7, 0, 4_000_000_000]);
    expect(Array.from(data.codes)).toEqual([2, 0, 1]);
    expect(Array.from(data.highlight)).toEqual([1, 0, 1]);
  });

  it("reads a DataView that starts at an unaligned offset (anywidget's buffers can)", () => {
    const bytes = new Uint8Array(FIXTURE.length + 3);
    bytes.set(FIXTURE, 3);
    const data = parseMap(new DataView(bytes.buffer, 3, FIXTURE.length));
    expect(Array.from(data.seqs)).toEqual([7, 0, 4_000_000_000]);
    expect(Array.from(data.xy)).toEqual([0, 1, 0.25, 0.5, 1, 0]);
  });

  it("refuses a buffer that is not map data, of another version, or cut short", () => {
    const other = new Uint8Array(fixture());
    other[0] = 0x58;
    expect(() => parseMap(other)).toThrow(/not map data: it starts with "XWMP"/);
    const v2 = new Uint8Array(fixture());
    v2[4] = 2;
    expect(() => parseMap(v2)).toThrow(/version 2; this page reads version 1/);
    expect(() => parseMap(fixture().slice(0, 60))).toThrow(/3 points must be 69 bytes, not 60/);
    expect(() => parseMap(new ArrayBuffer(10))).toThrow(/too short/);
  });

  it("counts the points of each legend entry", () => {
    expect(Array.from(legendCounts(new Uint16Array([0, 2, 2, 1, 2, 9]), 3))).toEqual([1, 1, 3]);
  });
});

describe("lasso selection", () => {
  const grid = (step: number) => {
    const xy: number[] = [];
    for (let y = 0; y <= 1 + 1e-9; y += step)
      for (let x = 0; x <= 1 + 1e-9; x += step) xy.push(x, y);
    return new Float32Array(xy);
  };
  const picked = (xy: Float32Array, polygon: number[]) =>
    Array.from(pointsInPolygon(xy, polygon)).map((i) => [xy[2 * i], xy[2 * i + 1]]);

  it("selects the points inside a square, including those on its edges and corners", () => {
    const xy = new Float32Array([0.5, 0.5, 0.2, 0.5, 0.2, 0.2, 0.1, 0.5, 0.85, 0.5, 0.5, 0.9]);
    expect(picked(xy, [0.2, 0.2, 0.8, 0.2, 0.8, 0.8, 0.2, 0.8])).toEqual([
      [0.5, 0.5],
      [expect.closeTo(0.2), 0.5],
      [expect.closeTo(0.2), expect.closeTo(0.2)],
    ]);
  });

  it("leaves out the notch of a concave (U-shaped) lasso", () => {
    const xy = grid(0.25); // 5 x 5 points
    // A U: the bottom bar and two arms, open between x = 0.3 and 0.7 above y = 0.3.
    const u = [0, 0, 1, 0, 1, 1, 0.7, 1, 0.7, 0.3, 0.3, 0.3, 0.3, 1, 0, 1];
    const got = picked(xy, u);
    expect(got).toContainEqual([0.5, 0.25]); // in the bar
    expect(got).toContainEqual([0, 0.75]); // the left arm's edge
    expect(got).not.toContainEqual([0.5, 0.5]); // in the notch
    expect(got).not.toContainEqual([0.5, 1]);
    // everything but the notch's 3 points (x = 0.5, y = 0.5, 0.75, 1)
    expect(got).toHaveLength(25 - 3);
  });

  it("counts a point on a slanted edge as inside and one just outside as out", () => {
    const xy = new Float32Array([0.5, 0.5, 0.5, 0.51, 0.25, 0.25]);
    const triangle = [0, 0, 1, 1, 1, 0]; // below the diagonal y = x
    expect(Array.from(pointsInPolygon(xy, triangle))).toEqual([0, 2]);
  });

  it("selects nothing with fewer than three vertices or when the lasso misses every point", () => {
    const xy = grid(0.5);
    expect(pointsInPolygon(xy, [0, 0, 1, 1])).toHaveLength(0);
    expect(pointsInPolygon(xy, [0.1, 0.1, 0.4, 0.1, 0.4, 0.4])).toHaveLength(0);
  });

  it("agrees with a plain test of every point on a random lasso", () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const xy = new Float32Array(4000).map(rand);
    // a star-shaped (concave) polygon around the centre
    const star: number[] = [];
    for (let k = 0; k < 14; k++) {
      const r = k % 2 ? 0.15 : 0.45;
      star.push(0.5 + r * Math.cos((k * Math.PI) / 7), 0.5 + r * Math.sin((k * Math.PI) / 7));
    }
    const expected: number[] = [];
    for (let i = 0; i < 2000; i++) {
      let inside = false;
      for (let k = 0, j = 13; k < 14; j = k++) {
        const [ax, ay, bx, by] = [star[2 * j], star[2 * j + 1], star[2 * k], star[2 * k + 1]];
        if (ay > xy[2 * i + 1] !== by > xy[2 * i + 1]) {
          const cx = ((bx - ax) * (xy[2 * i + 1] - ay)) / (by - ay) + ax;
          if (xy[2 * i] < cx) inside = !inside;
        }
      }
      if (inside) expected.push(i);
    }
    expect(expected.length).toBeGreaterThan(100);
    expect(Array.from(pointsInPolygon(xy, star))).toEqual(expected);
  });
});

describe("hover lookup", () => {
  it("finds the nearest point within the radius, and none beyond it", () => {
    const xy = new Float32Array([0.1, 0.1, 0.5, 0.5, 0.52, 0.5, 0.9, 0.9]);
    const index = new GridIndex(xy);
    expect(index.nearest(0.505, 0.5, 0.05)).toBe(1);
    expect(index.nearest(0.518, 0.5, 0.05)).toBe(2);
    expect(index.nearest(0.3, 0.3, 0.05)).toBe(-1);
    expect(index.nearest(0.9, 0.95, 0.04)).toBe(-1);
    expect(index.nearest(0.9, 0.95, 0.06)).toBe(3);
  });

  it("matches a search of every point on many points", () => {
    let seed = 3;
    const rand = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const xy = new Float32Array(20_000).map(rand);
    const index = new GridIndex(xy);
    for (let q = 0; q < 200; q++) {
      const [x, y, r] = [rand(), rand(), 0.02 * rand()];
      let best = -1;
      let bestD = r * r;
      for (let i = 0; i < xy.length / 2; i++) {
        const d = (xy[2 * i] - x) ** 2 + (xy[2 * i + 1] - y) ** 2;
        if (d < bestD) [best, bestD] = [i, d];
      }
      expect(index.nearest(x, y, r)).toBe(best);
    }
  });
});

describe("drawing order", () => {
  it("draws the points matching the search last, over the dimmed ones", () => {
    const data = parseMap(
      payload([0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.4, 0.4], {
        codes: [0, 1, 2, 3],
        hl: [1, 0, 1, 0],
      }),
    );
    const { xy, codes, matching } = matchesLast(data);
    expect(matching).toBe(2);
    expect(Array.from(codes)).toEqual([1, 3, 0, 2]);
    expect(Array.from(xy)).toEqual(
      Array.from(new Float32Array([0.2, 0.2, 0.4, 0.4, 0.1, 0.1, 0.3, 0.3])),
    );
  });
});

describe("colours", () => {
  it("gives the palette in order and grey to (none) and (other)", () => {
    expect(coloursFor(["pos", "(none)", "neg", "(other)"], 4)).toEqual([
      PALETTE[0],
      GREY,
      PALETTE[1],
      GREY,
    ]);
  });
});

describe("the map component (no WebGL, no canvas here)", () => {
  let map: EmbeddingMap;
  afterEach(() => map?.destroy());

  const mount = (options: Parameters<typeof mountEmbeddingMap>[1] = {}) => {
    const el = document.createElement("div");
    document.body.appendChild(el);
    map = mountEmbeddingMap(el, { label: "Embedding map of mini-lm", ...options });
    return map;
  };
  const pointer = (type: string, [x, y]: [number, number], extra: PointerEventInit = {}) =>
    map.canvas.dispatchEvent(
      new PointerEvent(type, { clientX: x, clientY: y, button: 0, bubbles: true, ...extra }),
    );

  it("says in text that it cannot draw, and names the map for screen readers", () => {
    mount();
    expect(map.root.querySelector(".rw-map-status")?.textContent).toMatch(/cannot draw the map/);
    expect(map.canvas.getAttribute("aria-label")).toBe("Embedding map of mini-lm");
    expect(map.root.querySelector("button[aria-pressed]")?.textContent).toBe("Pan");
  });

  it("says when the points are a sample, and not when they are all there", () => {
    mount().setData(fixture());
    expect(map.root.querySelector(".rw-map-note")?.textContent).toBe(
      "Showing 3 of 10 points (sampled)",
    );
    map.setData(payload([0.1, 0.1, 0.2, 0.2]));
    expect(map.root.querySelector(".rw-map-note")?.textContent).toBe("2 points");
  });

  it("renders legend names and hover text as text, with counts", () => {
    mount({ onHover: () => {} }).setData(fixture());
    map.setLegend(["fresh", IMG, "(none)"]);
    const items = Array.from(map.root.querySelectorAll(".rw-map-legend-item"));
    expect(items.map((li) => li.textContent)).toEqual([
      "fresh1",
      `${IMG}1`,
      "(none)1",
      "2 match the search",
    ]);
    pointer("pointermove", map.toScreen(0.25, 0.5));
    map.showHover(`${IMG} great film`);
    const tip = map.root.querySelector(".rw-map-tip") as HTMLElement;
    expect(tip.hidden).toBe(false);
    expect(tip.textContent).toBe(`${IMG} great film`);
    expect(map.root.querySelectorAll("img, script")).toHaveLength(0);
  });

  it("reports the hovered point's seq, then null when the pointer leaves it", () => {
    const hovered: (number | null)[] = [];
    mount({ onHover: (seq) => hovered.push(seq) }).setData(fixture());
    pointer("pointermove", map.toScreen(0.25, 0.5));
    pointer("pointermove", map.toScreen(0.26, 0.5)); // still the same point: no new report
    pointer("pointermove", map.toScreen(0.6, 0.6));
    expect(hovered).toEqual([0, null]);
    map.showHover("late text", 0); // an answer for a point no longer hovered
    expect((map.root.querySelector(".rw-map-tip") as HTMLElement).hidden).toBe(true);
  });

  it("ignores a late text for the point hovered before, and shows the current one's", () => {
    mount({ onHover: () => {} }).setData(fixture());
    const tip = map.root.querySelector(".rw-map-tip") as HTMLElement;
    pointer("pointermove", map.toScreen(0.25, 0.5)); // seq 0
    pointer("pointermove", map.toScreen(0, 1)); // seq 7
    expect(map.hoveredSeq).toBe(7);
    map.showHover("text of seq 0", 0);
    expect(tip.hidden).toBe(true);
    map.showHover("text of seq 7", 7);
    expect([tip.hidden, tip.textContent]).toEqual([false, "text of seq 7"]);
  });

  it("sends the seqs inside a finished lasso", () => {
    const lassos: number[][] = [];
    mount({ onLasso: (seqs) => lassos.push(Array.from(seqs)) });
    map.setData(payload([0.2, 0.2, 0.5, 0.5, 0.8, 0.8, 0.45, 0.55]));
    const corners: [number, number][] = [
      [0.4, 0.4],
      [0.6, 0.4],
      [0.6, 0.6],
      [0.4, 0.6],
    ];
    pointer("pointerdown", map.toScreen(...corners[0]));
    for (const c of corners.slice(1)) pointer("pointermove", map.toScreen(...c));
    pointer("pointerup", map.toScreen(...corners[3]));
    expect(lassos).toEqual([[101, 103]]);
    expect(map.root.querySelector(".rw-map-status")?.textContent).toBe("2 points selected");
  });

  it("cancels a lasso with Escape, ignores a click, and pans instead in Pan mode", () => {
    const lassos: number[][] = [];
    mount({ onLasso: (seqs) => lassos.push(Array.from(seqs)) });
    map.setData(payload([0.5, 0.5]));
    const drag = () => {
      pointer("pointerdown", map.toScreen(0.4, 0.4));
      pointer("pointermove", map.toScreen(0.6, 0.4));
      pointer("pointermove", map.toScreen(0.6, 0.6));
      pointer("pointermove", map.toScreen(0.4, 0.6));
    };
    drag();
    map.canvas.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    pointer("pointerup", map.toScreen(0.4, 0.6));
    pointer("pointerdown", map.toScreen(0.5, 0.5));
    pointer("pointerup", map.toScreen(0.5, 0.5));
    expect(lassos).toEqual([]);
    const mode = map.root.querySelector("button[aria-pressed]") as HTMLButtonElement;
    mode.click();
    expect(mode.getAttribute("aria-pressed")).toBe("true");
    const before = map.toScreen(0.5, 0.5);
    drag();
    pointer("pointerup", map.toScreen(0.4, 0.6));
    expect(lassos).toEqual([]);
    expect(map.toScreen(0.5, 0.5)).not.toEqual(before); // the drag moved the map
  });

  it("zooms with the wheel around the pointer", () => {
    mount().setData(payload([0.5, 0.5]));
    const at = map.toScreen(0.3, 0.7);
    const wheel = new WheelEvent("wheel", { deltaY: -100, cancelable: true });
    // happy-dom's WheelEvent drops the mouse position: give it as a browser would
    Object.defineProperties(wheel, { clientX: { value: at[0] }, clientY: { value: at[1] } });
    map.canvas.dispatchEvent(wheel);
    expect(wheel.defaultPrevented).toBe(true); // the notebook does not scroll under the map
    const after = map.toScreen(0.3, 0.7);
    expect(after[0]).toBeCloseTo(at[0]);
    expect(after[1]).toBeCloseTo(at[1]);
    expect(map.toScreen(0.5, 0.5)).not.toEqual(at);
    const far = map.toScreen(0.9, 0.7)[0] - map.toScreen(0.3, 0.7)[0];
    expect(far).toBeCloseTo(0.6 * 376 * 1.25); // 376 px for the unit square at zoom 1
  });

  it("stops listening when destroyed", () => {
    const added = vi.spyOn(window, "addEventListener");
    const removed = vi.spyOn(window, "removeEventListener");
    const hovered: (number | null)[] = [];
    const lassos: number[][] = [];
    mount({ onHover: (s) => hovered.push(s), onLasso: (s) => lassos.push(Array.from(s)) });
    map.setData(payload([0.5, 0.5]));
    const canvas = map.canvas;
    const root = map.root;
    const at = map.toScreen(0.5, 0.5);
    map.destroy();
    expect(root.isConnected).toBe(false);
    expect(removed.mock.calls.length).toBe(added.mock.calls.length);
    canvas.dispatchEvent(new PointerEvent("pointermove", { clientX: at[0], clientY: at[1] }));
    canvas.dispatchEvent(new PointerEvent("pointerdown", { clientX: 0, clientY: 0, button: 0 }));
    canvas.dispatchEvent(new PointerEvent("pointermove", { clientX: 500, clientY: 0 }));
    canvas.dispatchEvent(new PointerEvent("pointermove", { clientX: 500, clientY: 500 }));
    canvas.dispatchEvent(new PointerEvent("pointerup", { clientX: 0, clientY: 500 }));
    expect(hovered).toEqual([]);
    expect(lassos).toEqual([]);
    added.mockRestore();
    removed.mockRestore();
  });
});
