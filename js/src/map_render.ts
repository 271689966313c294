// Drawing the embedding map's points: WebGL (one draw call per pass, the parsed buffer
// uploaded as is, no per-point objects), or canvas 2D where WebGL is missing. Two passes so
// the points matching the search are drawn over the dimmed rest.
import type { MapData } from "./map_data";

/** Zoom `k` and pan (`tx`, `ty`, in CSS pixels) of the map. */
export interface View {
  k: number;
  tx: number;
  ty: number;
}

/** A view with `s`, the pixels of the unit square at zoom 1; data (x, y) is drawn at
 * (x·s·k + tx, (1 - y)·s·k + ty). */
export interface RenderView extends View {
  s: number;
}

export interface Renderer {
  readonly kind: "webgl" | "canvas";
  setPoints(data: MapData): void;
  /** Colours of the codes, as [r, g, b] in 0..255 (codes past the end are grey). */
  setColours(colours: [number, number, number][]): void;
  render(width: number, height: number, view: RenderView): void;
  dispose(): void;
}

export const GREY: [number, number, number] = [158, 158, 158];
const MAX_COLOURS = 16;
const DIM_ALPHA = 0.15;
const ALPHA = 0.8;

/** The point size in CSS pixels: smaller when there are many, larger when zoomed in. */
export function pointSize(n: number, k: number): number {
  const base = n > 300_000 ? 1.5 : n > 50_000 ? 2.5 : n > 5_000 ? 3.5 : 5;
  return Math.min(12, base * Math.max(1, Math.sqrt(k)));
}

/** The best renderer the canvas offers (WebGL, then canvas 2D), or null. */
export function renderer(canvas: HTMLCanvasElement, prefer?: "webgl" | "canvas"): Renderer | null {
  if (prefer !== "canvas") {
    const gl = context(canvas, "webgl") as WebGLRenderingContext | null;
    if (gl) {
      try {
        return new WebGLPoints(canvas, gl);
      } catch {
        // a WebGL without what we need (shader limits): fall back below
      }
    }
  }
  const ctx = context(canvas, "2d") as CanvasRenderingContext2D | null;
  return ctx ? new CanvasPoints(canvas, ctx) : null;
}

function context(canvas: HTMLCanvasElement, kind: "webgl" | "2d"): RenderingContext | null {
  try {
    return kind === "webgl"
      ? canvas.getContext("webgl", { antialias: false, premultipliedAlpha: true })
      : canvas.getContext("2d");
  } catch {
    return null; // DOMs without canvas throw instead of returning null
  }
}

function fitCanvas(canvas: HTMLCanvasElement, width: number, height: number): number {
  const dpr = globalThis.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(width * dpr));
  const h = Math.max(1, Math.round(height * dpr));
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  return dpr;
}

const VERTEX = `
attribute vec2 a_pos;
attribute float a_code;
uniform vec2 u_scale;
uniform vec2 u_offset;
uniform float u_size;
uniform float u_pass;
uniform vec3 u_colours[${MAX_COLOURS}];
varying vec4 v_colour;
void main() {
  // u_pass: 0 = every point (no search), 1 = not matching (dimmed), 2 = matching
  gl_Position = vec4(a_pos * u_scale + u_offset, 0.0, 1.0);
  int c = int(min(a_code, ${MAX_COLOURS - 1}.0));
  vec3 colour = vec3(${GREY.map((v) => (v / 255).toFixed(4)).join(", ")});
  for (int i = 0; i < ${MAX_COLOURS}; i++) { if (i == c) colour = u_colours[i]; }
  v_colour = vec4(colour, u_pass == 1.0 ? ${DIM_ALPHA} : ${ALPHA});
  gl_PointSize = u_pass == 2.0 ? u_size + 1.5 : u_size;
}`;

const FRAGMENT = `
precision mediump float;
varying vec4 v_colour;
void main() {
  vec2 d = gl_PointCoord - 0.5;
  if (dot(d, d) > 0.25) discard;
  gl_FragColor = vec4(v_colour.rgb * v_colour.a, v_colour.a);
}`;

/** The points reordered so those matching the search come last (drawn over the others). */
export function matchesLast(data: MapData): {
  xy: Float32Array;
  codes: Uint16Array;
  matching: number;
} {
  const { n, highlight } = data;
  let matching = 0;
  for (let i = 0; i < n; i++) matching += highlight[i] ? 1 : 0;
  const xy = new Float32Array(2 * n);
  const codes = new Uint16Array(n);
  let dim = 0;
  let hit = n - matching;
  for (let i = 0; i < n; i++) {
    const to = highlight[i] ? hit++ : dim++;
    xy[2 * to] = data.xy[2 * i];
    xy[2 * to + 1] = data.xy[2 * i + 1];
    codes[to] = data.codes[i];
  }
  return { xy, codes, matching };
}

class WebGLPoints implements Renderer {
  readonly kind = "webgl";
  private program: WebGLProgram;
  private buffers: { pos: WebGLBuffer; code: WebGLBuffer };
  private n = 0;
  private matching = -1; // points matching the search (drawn last), -1: no search
  private colours = new Float32Array(3 * MAX_COLOURS);

  constructor(
    private canvas: HTMLCanvasElement,
    private gl: WebGLRenderingContext,
  ) {
    this.program = this.link();
    const buffer = () => {
      const b = gl.createBuffer();
      if (!b) throw new Error("no WebGL buffer");
      return b;
    };
    this.buffers = { pos: buffer(), code: buffer() };
    this.colours.fill(GREY[0] / 255);
  }

  private link(): WebGLProgram {
    const gl = this.gl;
    const shader = (type: number, source: string) => {
      const s = gl.createShader(type);
      if (!s) throw new Error("no WebGL shader");
      gl.shaderSource(s, source);
      gl.compileShader(s);
      if (!gl.getShaderParameter(s, gl.COMPILE_STATUS))
        throw new Error(gl.getShaderInfoLog(s) ?? "");
      return s;
    };
    const program = gl.createProgram();
    if (!program) throw new Error("no WebGL program");
    gl.attachShader(program, shader(gl.VERTEX_SHADER, VERTEX));
    gl.attachShader(program, shader(gl.FRAGMENT_SHADER, FRAGMENT));
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS))
      throw new Error(gl.getProgramInfoLog(program) ?? "");
    return program;
  }

  setPoints(data: MapData): void {
    const gl = this.gl;
    this.n = data.n;
    const { xy, codes, matching } = data.searchActive
      ? matchesLast(data)
      : { xy: data.xy, codes: data.codes, matching: -1 };
    this.matching = matching;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers.pos);
    gl.bufferData(gl.ARRAY_BUFFER, xy, gl.STATIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffers.code);
    gl.bufferData(gl.ARRAY_BUFFER, codes, gl.STATIC_DRAW);
  }

  setColours(colours: [number, number, number][]): void {
    this.colours.fill(GREY[0] / 255);
    colours.slice(0, MAX_COLOURS).forEach((rgb, i) => {
      for (let c = 0; c < 3; c++) this.colours[3 * i + c] = rgb[c] / 255;
    });
  }

  render(width: number, height: number, view: RenderView): void {
    const gl = this.gl;
    const dpr = fitCanvas(this.canvas, width, height);
    gl.viewport(0, 0, this.canvas.width, this.canvas.height);
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    if (!this.n) return;
    gl.useProgram(this.program);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    const attribute = (name: string, buffer: WebGLBuffer, size: number, type: number) => {
      const at = gl.getAttribLocation(this.program, name);
      gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
      gl.enableVertexAttribArray(at);
      gl.vertexAttribPointer(at, size, type, false, 0, 0);
    };
    attribute("a_pos", this.buffers.pos, 2, gl.FLOAT);
    attribute("a_code", this.buffers.code, 1, gl.UNSIGNED_SHORT);
    const u = (name: string) => gl.getUniformLocation(this.program, name);
    const sk = view.s * view.k;
    gl.uniform2f(u("u_scale"), (2 * sk) / width, (2 * sk) / height);
    gl.uniform2f(u("u_offset"), (2 * view.tx) / width - 1, 1 - (2 * (sk + view.ty)) / height);
    gl.uniform1f(u("u_size"), pointSize(this.n, view.k) * dpr);
    gl.uniform3fv(u("u_colours"), this.colours);
    if (this.matching < 0) {
      gl.uniform1f(u("u_pass"), 0);
      gl.drawArrays(gl.POINTS, 0, this.n);
    } else {
      const dimmed = this.n - this.matching;
      gl.uniform1f(u("u_pass"), 1);
      gl.drawArrays(gl.POINTS, 0, dimmed);
      gl.uniform1f(u("u_pass"), 2);
      gl.drawArrays(gl.POINTS, dimmed, this.matching);
    }
  }

  dispose(): void {
    const gl = this.gl;
    for (const b of Object.values(this.buffers)) gl.deleteBuffer(b);
    gl.deleteProgram(this.program);
    gl.getExtension("WEBGL_lose_context")?.loseContext();
  }
}

class CanvasPoints implements Renderer {
  readonly kind = "canvas";
  private data: MapData | null = null;
  private colours: [number, number, number][] = [];

  constructor(
    private canvas: HTMLCanvasElement,
    private ctx: CanvasRenderingContext2D,
  ) {}

  setPoints(data: MapData): void {
    this.data = data;
  }

  setColours(colours: [number, number, number][]): void {
    this.colours = colours.slice(0, MAX_COLOURS);
  }

  render(width: number, height: number, view: RenderView): void {
    const ctx = this.ctx;
    const dpr = fitCanvas(this.canvas, width, height);
    const w = this.canvas.width;
    const h = this.canvas.height;
    const data = this.data;
    if (!data) {
      ctx.clearRect(0, 0, w, h);
      return;
    }
    // Pixels written straight into an image (fillRect per point takes ~50 s at 1M points):
    // square points, the later one wins where they overlap; matching points last.
    const image = ctx.createImageData(w, h);
    const pixels = new Uint32Array(image.data.buffer);
    const rgba = (code: number, alpha: number) => {
      const [r, g, b] = this.colours[Math.min(code, MAX_COLOURS - 1)] ?? GREY;
      return ((Math.round(alpha * 255) << 24) | (b << 16) | (g << 8) | r) >>> 0; // little-endian
    };
    const full = Array.from({ length: MAX_COLOURS }, (_, c) => rgba(c, ALPHA));
    const dim = Array.from({ length: MAX_COLOURS }, (_, c) => rgba(c, DIM_ALPHA));
    const size = Math.max(1, Math.round(pointSize(data.n, view.k) * dpr));
    const sk = view.s * view.k * dpr;
    const { xy, codes, highlight, searchActive } = data;
    for (const pass of searchActive ? [1, 2] : [0]) {
      const side = pass === 2 ? size + 1 : size;
      for (let i = 0; i < data.n; i++) {
        if (pass && (highlight[i] === 1) !== (pass === 2)) continue;
        const x0 = Math.round(xy[2 * i] * sk + view.tx * dpr - side / 2);
        const y0 = Math.round((1 - xy[2 * i + 1]) * sk + view.ty * dpr - side / 2);
        if (x0 >= w || y0 >= h || x0 + side <= 0 || y0 + side <= 0) continue;
        const colour = (pass === 1 ? dim : full)[Math.min(codes[i], MAX_COLOURS - 1)];
        for (let y = Math.max(0, y0); y < Math.min(h, y0 + side); y++)
          for (let x = Math.max(0, x0); x < Math.min(w, x0 + side); x++) pixels[y * w + x] = colour;
      }
    }
    ctx.putImageData(image, 0, 0);
  }

  dispose(): void {
    this.data = null;
  }
}
