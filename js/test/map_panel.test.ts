// The dataset page's "Embedding map" panel: opened on request, fed the kernel's binary
// points and legend, a lasso restricting the page, hover text asked of the kernel.
import { describe, expect, it } from "vitest";
import { mountPage } from "../src/page_view";
import { FakeModel, flush } from "./fake_model";
import { host } from "./host";

function mount(model: FakeModel): HTMLElement {
  host.cleanup = mountPage(model, host.el);
  return host.el;
}

/** Points in the kernel's layout (rubrix_widgets/vectors/map_payload.py): seqs 10, 11... */
function points(xy: number[], codes: number[], legendSize: number): DataView {
  const n = xy.length / 2;
  const buf = new ArrayBuffer(24 + 15 * n);
  const view = new DataView(buf);
  for (let i = 0; i < 4; i++) view.setUint8(i, "RWMP".charCodeAt(i));
  view.setUint32(4, 1, true);
  view.setUint32(8, n, true);
  view.setUint32(12, n, true);
  view.setUint32(16, legendSize, true);
  new Float32Array(buf, 24, 2 * n).set(xy);
  new Uint32Array(buf, 24 + 8 * n, n).set(Array.from({ length: n }, (_, i) => 10 + i));
  new Uint16Array(buf, 24 + 12 * n, n).set(codes);
  return view;
}

/** Where data point (x, y) is drawn on a canvas jsdom does not lay out (600 x 400). */
const screen = (x: number, y: number): [number, number] => {
  const s = 400 - 24;
  return [(600 - s) / 2 + x * s, (400 - s) / 2 + (1 - y) * s];
};

describe("the Embedding map panel", () => {
  it("is offered only when the dataset has vectors, and opening it asks the kernel", async () => {
    const without = mount(new FakeModel());
    expect(without.querySelector(".rw-map-toggle")).toBeNull();
    host.cleanup?.();
    const model = new FakeModel({ _vector_names: ["mini-lm"] });
    const root = mount(model);
    const toggle = root.querySelector<HTMLButtonElement>(".rw-map-toggle")!;
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    toggle.click();
    expect(model.get("map_open")).toBe(true);
    await flush();
    expect(root.querySelector(".rw-map-toggle")!.getAttribute("aria-expanded")).toBe("true");
    expect(root.querySelector(".rw-map-panel")!.textContent).toContain("Projecting the vectors");
  });

  it("draws the kernel's points with its legend as text, and colours by the chosen field", async () => {
    const evil = "<img src=x onerror=alert(1)>";
    const model = new FakeModel({
      _vector_names: ["mini-lm"],
      map_open: true,
      _facets: { metadata: { genre: [["drama", 2]] } },
      _map_points: points([0.1, 0.1, 0.9, 0.9, 0.2, 0.8], [0, 1, 1], 2),
      _map_legend: ["fresh", evil],
      _map_info: { vector: "mini-lm", points: 3, shown: 3 },
    });
    const root = mount(model);
    await flush();
    const legend = root.querySelector(".rw-map-legend")!;
    expect(legend.textContent).toContain("fresh1");
    expect(legend.textContent).toContain(`${evil}2`);
    expect(root.querySelector("img")).toBeNull();
    const colour = root.querySelector<HTMLSelectElement>('select[aria-label="Colour by"]')!;
    expect(Array.from(colour.options).map((o) => o.value)).toEqual([
      "annotation",
      "prediction",
      "status",
      "metadata.genre",
    ]);
    colour.value = "metadata.genre";
    colour.dispatchEvent(new Event("change"));
    expect(model.get("map_colour_by")).toBe("metadata.genre");
  });

  it("restricts the page to the points inside a lasso", async () => {
    const model = new FakeModel({
      _vector_names: ["mini-lm"],
      map_open: true,
      _map_points: points([0.1, 0.1, 0.9, 0.9, 0.2, 0.3], [0, 0, 0], 1),
      _map_legend: ["(none)"],
      _map_info: { vector: "mini-lm", points: 3, shown: 3 },
    });
    const root = mount(model);
    await flush();
    const canvas = root.querySelector<HTMLCanvasElement>(".rw-map-canvas")!;
    const pointer = (type: string, [x, y]: [number, number]) =>
      canvas.dispatchEvent(
        new PointerEvent(type, { clientX: x, clientY: y, button: 0, bubbles: true }),
      );
    const corners: [number, number][] = [
      [0, 0],
      [0.5, 0],
      [0.5, 0.5],
      [0, 0.5],
    ];
    pointer("pointerdown", screen(...corners[0]));
    for (const c of corners.slice(1)) pointer("pointermove", screen(...c));
    pointer("pointerup", screen(...corners[3]));
    expect(model.intents.at(-1)).toMatchObject({
      action: "select_on_map",
      seqs: [10, 12],
      epoch: "uid-1:0",
    });
  });

  it("shows the kernel's error in the panel", () => {
    const root = mount(
      new FakeModel({
        _vector_names: ["mini-lm"],
        map_open: true,
        _map_info: { error: "dataset has no vector 'x'" },
      }),
    );
    expect(root.querySelector('.rw-map-panel [role="alert"]')!.textContent).toBe(
      "dataset has no vector 'x'",
    );
  });
});
