// The embedding map's data and geometry, with no DOM: the binary layout the kernel sends
// (rubrix_widgets/vectors/map_payload.py documents it; tests/data/map_payload_v1.bin is
// the fixture both sides check), lasso selection and the hover index. Everything works
// on typed arrays, never one object per point: 1M points must stay cheap.

export const MAGIC = "RWMP";
export const VERSION = 1;
export const HEADER_BYTES = 24;
const BYTES_PER_POINT = 15;
const SEARCH_ACTIVE = 1;

/** The map's points, as parsed from the kernel's buffer. Positions are in [0, 1]. */
export interface MapData {
  n: number;
  /** How many points there are before sampling (>= n). */
  total: number;
  legendSize: number;
  /** Whether a search is active (then `highlight` says which points match it). */
  searchActive: boolean;
  /** x0, y0, x1, y1, ... */
  xy: Float32Array;
  seqs: Uint32Array;
  codes: Uint16Array;
  highlight: Uint8Array;
}

/** Read the kernel's map buffer. Throws an Error naming what is wrong with it. */
export function parseMap(data: DataView | ArrayBuffer | Uint8Array): MapData {
  const bytes =
    data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (bytes.byteLength < HEADER_BYTES)
    throw new Error(`map data too short: ${bytes.byteLength} bytes, the header alone is 24`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
  if (magic !== MAGIC) throw new Error(`not map data: it starts with "${magic}", not "RWMP"`);
  const version = view.getUint32(4, true);
  if (version !== VERSION)
    throw new Error(`map data version ${version}; this page reads version ${VERSION}`);
  const n = view.getUint32(8, true);
  const total = view.getUint32(12, true);
  const legendSize = view.getUint32(16, true);
  const flags = view.getUint32(20, true);
  const expected = HEADER_BYTES + BYTES_PER_POINT * n;
  if (bytes.byteLength !== expected)
    throw new Error(`map data of ${n} points must be ${expected} bytes, not ${bytes.byteLength}`);
  // Views in place when the buffer is aligned (it is, from the kernel); else one copy.
  const aligned = bytes.byteOffset % 4 === 0;
  const source = aligned ? bytes : bytes.slice();
  const at = source.byteOffset;
  const buf = source.buffer;
  return {
    n,
    total,
    legendSize,
    searchActive: (flags & SEARCH_ACTIVE) !== 0,
    xy: new Float32Array(buf, at + HEADER_BYTES, 2 * n),
    seqs: new Uint32Array(buf, at + HEADER_BYTES + 8 * n, n),
    codes: new Uint16Array(buf, at + HEADER_BYTES + 12 * n, n),
    highlight: new Uint8Array(buf, at + HEADER_BYTES + 14 * n, n),
  };
}

/** How many points have each colour code (codes past the legend are not counted). */
export function legendCounts(codes: Uint16Array, legendSize: number): Uint32Array {
  const counts = new Uint32Array(legendSize);
  for (let i = 0; i < codes.length; i++) if (codes[i] < legendSize) counts[codes[i]]++;
  return counts;
}

/** The indices of the points inside `polygon` (x0, y0, x1, y1, ...; closed implicitly),
 * ascending. A point on an edge or a vertex is inside; a self-crossing lasso follows the
 * even-odd rule. The polygon's bounding box filters first, so a small lasso on 1M points
 * tests few of them. */
export function pointsInPolygon(xy: Float32Array, polygon: ArrayLike<number>): Uint32Array {
  const m = Math.floor(polygon.length / 2);
  if (m < 3) return new Uint32Array(0);
  const edges = new Edges(polygon, m);
  const { minX, maxX, minY, maxY, eps } = edges;
  const out = new Uint32Array(xy.length / 2);
  let found = 0;
  for (let i = 0; i < out.length; i++) {
    const x = xy[2 * i];
    const y = xy[2 * i + 1];
    if (x < minX - eps || x > maxX + eps || y < minY - eps || y > maxY + eps) continue;
    if (edges.contains(x, y)) out[found++] = i;
  }
  return out.slice(0, found);
}

/** A polygon's edges, with what each point test needs computed once per lasso. */
class Edges {
  readonly minX: number;
  readonly maxX: number;
  readonly minY: number;
  readonly maxY: number;
  readonly eps: number;
  private readonly m: number;
  // per edge k, from vertex k-1 (a) to vertex k (b)
  private readonly ax: Float64Array;
  private readonly ay: Float64Array;
  private readonly dx: Float64Array;
  private readonly dy: Float64Array;
  private readonly by: Float64Array; // b's y as given: a vertex compares alike for both edges
  private readonly box: Float64Array; // x0, x1, y0, y1 of the edge, widened by eps
  private readonly tol: Float64Array; // |cross| under this: on the edge's line

  constructor(polygon: ArrayLike<number>, m: number) {
    this.m = m;
    this.ax = new Float64Array(m);
    this.ay = new Float64Array(m);
    this.dx = new Float64Array(m);
    this.dy = new Float64Array(m);
    this.by = new Float64Array(m);
    this.box = new Float64Array(4 * m);
    this.tol = new Float64Array(m);
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (let k = 0; k < m; k++) {
      minX = Math.min(minX, polygon[2 * k]);
      maxX = Math.max(maxX, polygon[2 * k]);
      minY = Math.min(minY, polygon[2 * k + 1]);
      maxY = Math.max(maxY, polygon[2 * k + 1]);
    }
    // Tolerance for "on the edge": float32 positions rounded from the kernel's float64.
    const eps = 1e-7 * Math.max(maxX - minX, maxY - minY, 1e-12);
    for (let k = 0, j = m - 1; k < m; j = k++) {
      const ax = polygon[2 * j];
      const ay = polygon[2 * j + 1];
      const bx = polygon[2 * k];
      const by = polygon[2 * k + 1];
      this.ax[k] = ax;
      this.ay[k] = ay;
      this.dx[k] = bx - ax;
      this.dy[k] = by - ay;
      this.by[k] = by;
      this.box[4 * k] = Math.min(ax, bx) - eps;
      this.box[4 * k + 1] = Math.max(ax, bx) + eps;
      this.box[4 * k + 2] = Math.min(ay, by) - eps;
      this.box[4 * k + 3] = Math.max(ay, by) + eps;
      this.tol[k] = eps * Math.max(Math.hypot(bx - ax, by - ay), 1e-12);
    }
    this.minX = minX;
    this.maxX = maxX;
    this.minY = minY;
    this.maxY = maxY;
    this.eps = eps;
  }

  contains(x: number, y: number): boolean {
    let inside = false;
    const { ax, ay, dx, dy, by, box, tol } = this;
    for (let k = 0; k < this.m; k++) {
      const ry = y - ay[k];
      // On the edge: within its (widened) box and on its line.
      if (
        x >= box[4 * k] &&
        x <= box[4 * k + 1] &&
        y >= box[4 * k + 2] &&
        y <= box[4 * k + 3] &&
        Math.abs(dx[k] * ry - dy[k] * (x - ax[k])) <= tol[k]
      )
        return true;
      // Even-odd: does a ray to +x cross the edge? (half-open in y: a vertex counts once)
      if (ay[k] > y !== by[k] > y && x < (dx[k] * ry) / dy[k] + ax[k]) inside = !inside;
    }
    return inside;
  }
}

/** A uniform grid over the points' box, built once per data set: the nearest point to a
 * position within a radius looks only at the cells the radius touches. */
export class GridIndex {
  private readonly size: number;
  private readonly minX: number;
  private readonly minY: number;
  private readonly cell: number;
  private readonly starts: Uint32Array; // points of cell c: order[starts[c] .. starts[c+1])
  private readonly order: Uint32Array;

  constructor(private readonly xy: Float32Array) {
    const n = xy.length / 2;
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      minX = Math.min(minX, xy[2 * i]);
      maxX = Math.max(maxX, xy[2 * i]);
      minY = Math.min(minY, xy[2 * i + 1]);
      maxY = Math.max(maxY, xy[2 * i + 1]);
    }
    if (n === 0) minX = minY = maxX = maxY = 0;
    // About 4 points per cell on average, at most 1024 cells a side.
    this.size = Math.max(1, Math.min(1024, Math.ceil(Math.sqrt(n / 4))));
    this.minX = minX;
    this.minY = minY;
    this.cell = Math.max(maxX - minX, maxY - minY, 1e-9) / this.size;
    const cells = this.size * this.size;
    const counts = new Uint32Array(cells + 1);
    const cellOf = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const c = this.cellAt(xy[2 * i], xy[2 * i + 1]);
      cellOf[i] = c;
      counts[c + 1]++;
    }
    for (let c = 0; c < cells; c++) counts[c + 1] += counts[c];
    this.starts = counts;
    const fill = counts.slice(0, cells);
    this.order = new Uint32Array(n);
    for (let i = 0; i < n; i++) this.order[fill[cellOf[i]]++] = i;
  }

  private clampCell(v: number): number {
    return Math.min(this.size - 1, Math.max(0, Math.floor(v)));
  }

  private cellAt(x: number, y: number): number {
    const cx = this.clampCell((x - this.minX) / this.cell);
    const cy = this.clampCell((y - this.minY) / this.cell);
    return cy * this.size + cx;
  }

  /** The index of the point nearest to (x, y) within `radius` (same units as the
   * points), or -1. Ties go to the lower index. */
  nearest(x: number, y: number, radius: number): number {
    const x0 = this.clampCell((x - radius - this.minX) / this.cell);
    const x1 = this.clampCell((x + radius - this.minX) / this.cell);
    const y0 = this.clampCell((y - radius - this.minY) / this.cell);
    const y1 = this.clampCell((y + radius - this.minY) / this.cell);
    let best = -1;
    let bestD = radius * radius;
    for (let cy = y0; cy <= y1; cy++) {
      for (let cx = x0; cx <= x1; cx++) {
        const c = cy * this.size + cx;
        for (let k = this.starts[c]; k < this.starts[c + 1]; k++) {
          const i = this.order[k];
          const dx = this.xy[2 * i] - x;
          const dy = this.xy[2 * i + 1] - y;
          const d = dx * dx + dy * dy;
          if (d < bestD || (d === bestD && (best < 0 || i < best))) {
            best = i;
            bestD = d;
          }
        }
      }
    }
    return best;
  }
}
