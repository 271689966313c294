"""Benchmark of the embedding map: drawing and lasso in headless Chromium, projection in the kernel.

    python benchmarks/map.py                       # 100k and 1M points, projection of 10k / 100k
    python benchmarks/map.py --skip-projection     # the browser part only

M1  first paint of 100k and 1M points (goals: <= 1 s and <= 3 s): from the map's bytes in
    hand to the first frame showing them (parse, upload, draw, next animation frame), with
    WebGL, and with the canvas-2D fallback as the baseline drawn in the same run.
M2  lasso of ~50k of the 1M points (goal: page updated <= 300 ms; this is the map's share:
    point-in-polygon and the seqs handed to onLasso; the page's update is measured with it).
M3  one redraw (a pan/zoom frame) at 1M points.
M4  the kernel: packing the buffer (pack_map, colour_codes) and the projection of 10k and
    100k vectors (UMAP on a 10k sample, the rest placed), against PCA of the same vectors.
    The projection runs in a fresh process, after a first small call that pays numba's
    compilation (reported on its own).

Points are clustered like real embeddings (Gaussian blobs of varied size and density).
The bundle is built with esbuild from js/node_modules into /tmp/map/bench; the page is
served from 127.0.0.1. Needs /usr/bin/chromium and playwright (never `playwright install`).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from rubrix_widgets.vectors.map_payload import colour_codes, pack_map  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
# Software WebGL (SwiftShader): headless Chromium here has no GPU.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OUT = Path("/tmp/map/bench")
GOALS = {"paint_100k": 1000.0, "paint_1m": 3000.0, "lasso_50k": 300.0}


def clustered_xy(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` 2-D points in [0, 1] in 40 blobs of varied size and weight, and blob labels."""
    rng = np.random.default_rng(seed)
    k = 40
    centres = rng.uniform(0.1, 0.9, size=(k, 2))
    spread = rng.uniform(0.01, 0.06, size=k)
    weights = rng.dirichlet(np.ones(k) * 0.8)
    labels = rng.choice(k, size=n, p=weights)
    xy = centres[labels] + rng.normal(size=(n, 2)) * spread[labels, None]
    xy = (xy - xy.min(0)) / (xy.max(0) - xy.min(0))
    return xy.astype(np.float32), labels


def write_payloads() -> dict[str, float]:
    """The map buffers the browser loads; times of packing them (kernel side)."""
    timings = {}
    for name, n in [("100k", 100_000), ("1m", 1_000_000)]:
        xy, labels = clustered_xy(n)
        values = [f"label {b % 15}" for b in labels]
        start = time.perf_counter()
        codes, legend = colour_codes(values)
        timings[f"colour_codes_{name}"] = (time.perf_counter() - start) * 1000
        highlight = labels % 7 == 0
        start = time.perf_counter()
        data = pack_map(np.arange(n), xy, codes, highlight, n, legend_size=len(legend))
        timings[f"pack_{name}"] = (time.perf_counter() - start) * 1000
        (OUT / f"points_{name}.bin").write_bytes(data)
        timings[f"bytes_{name}"] = len(data)
    return timings


def build_bundle() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    js = ROOT / "js"
    subprocess.run(
        [
            str(js / "node_modules" / ".bin" / "esbuild"),
            str(HERE / "map_harness" / "harness.ts"),
            "--bundle",
            "--format=esm",
            "--minify",
            "--target=es2020",
            f"--outfile={OUT / 'harness.js'}",
            "--log-level=warning",
        ],
        check=True,
        cwd=js,
    )
    shutil.copy(HERE / "map_harness" / "index.html", OUT / "index.html")
    shutil.copy(js / "src" / "theme.css", OUT / "theme.css")
    shutil.copy(js / "src" / "embedding_map.css", OUT / "embedding_map.css")


def serve() -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(QuietHandler, directory=str(OUT))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/index.html"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def browser_timings(repeats: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    server, url = serve()
    results: dict[str, list[float]] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto(url)
            page.wait_for_function("typeof window.firstPaint === 'function'")
            for _ in range(repeats):
                for name in ["100k", "1m"]:
                    for renderer in ["webgl", "canvas"]:
                        got = page.evaluate(
                            "([f, r]) => window.firstPaint(f, r)", [f"points_{name}.bin", renderer]
                        )
                        if got["kind"] != renderer:
                            raise RuntimeError(f"asked for {renderer}, the map drew with {got}")
                        results.setdefault(f"paint_{name}_{renderer}", []).append(got["ms"])
                        if name == "1m":
                            results.setdefault(f"redraw_1m_{renderer}", []).append(
                                page.evaluate("() => window.redraw(5)")
                            )
                # a lasso of ~50k of the 1M points (the map last drawn, with canvas 2D)
                got = page.evaluate("() => window.lasso(0.5, 0.5, 0.058)")
                results.setdefault("lasso_1m", []).append(got["ms"])
                results.setdefault("lasso_selected", []).append(got["selected"])
            note = page.evaluate("() => document.querySelector('.rw-map-note').textContent")
            print(f"(map note at 1M: {note!r})")
            browser.close()
    finally:
        server.shutdown()
    return results


PROJECTION_SCRIPT = """
import json, sys, time
import numpy as np
from rubrix_widgets.vectors.projection import project

def clustered(n, d=384, k=30, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, d)).astype(np.float32)
    labels = rng.integers(0, k, n)
    x = centres[labels] + rng.normal(scale=0.6, size=(n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True), labels

out = {}
start = time.perf_counter()
project(clustered(2_000)[0][:200])
out["first_call_200"] = time.perf_counter() - start
for n in [int(a) for a in sys.argv[1:]]:
    x, labels = clustered(n)
    start = time.perf_counter()
    xy = project(x)
    out[f"project_{n}"] = time.perf_counter() - start
    from sklearn.decomposition import PCA
    start = time.perf_counter()
    PCA(2, svd_solver="randomized", random_state=0).fit_transform(x)
    out[f"pca_{n}"] = time.perf_counter() - start
    # neighbourhoods kept: how often a point's nearest map neighbour is in its cluster
    sample = np.random.default_rng(1).choice(n, 2_000, replace=False)
    d = ((xy[sample, None, :] - xy[None, :, :]) ** 2).sum(-1)
    d[np.arange(len(sample)), sample] = np.inf
    out[f"agree_{n}"] = float((labels[d.argmin(1)] == labels[sample]).mean())
print(json.dumps(out))
"""


def projection_timings(sizes: list[int]) -> dict[str, float]:
    python = ROOT / ".venv" / "bin" / "python"
    done = subprocess.run(
        [str(python if python.exists() else sys.executable), "-c", PROJECTION_SCRIPT]
        + [str(n) for n in sizes],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def fmt_ms(values: list[float]) -> str:
    return f"{min(values):.0f} / {statistics.median(values):.0f} / {max(values):.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-projection", action="store_true")
    parser.add_argument("--projection-sizes", default="10000,100000")
    args = parser.parse_args()

    build_bundle()
    kernel = write_payloads()
    b = browser_timings(args.repeats)
    med = {k: statistics.median(v) for k, v in b.items()}
    print("\n### Embedding map (headless Chromium, SwiftShader WebGL; min / median / max ms)\n")
    print("| measure | WebGL | canvas 2D (baseline) | goal | median / goal |")
    print("|---|---|---|---|---|")
    for name, label in [("100k", "first paint, 100k points"), ("1m", "first paint, 1M points")]:
        goal = GOALS[f"paint_{name}"]
        print(
            f"| {label} | {fmt_ms(b[f'paint_{name}_webgl'])} | {fmt_ms(b[f'paint_{name}_canvas'])}"
            f" | {goal:.0f} | {med[f'paint_{name}_webgl'] / goal:.2f} |"
        )
    print(
        f"| redraw (pan/zoom frame), 1M | {fmt_ms(b['redraw_1m_webgl'])} | "
        f"{fmt_ms(b['redraw_1m_canvas'])} | - | - |"
    )
    selected = int(statistics.median(b["lasso_selected"]))
    print(
        f"| lasso of {selected:,} of 1M points (map's share) | {fmt_ms(b['lasso_1m'])} | - | "
        f"{GOALS['lasso_50k']:.0f} (with the page update) | "
        f"{med['lasso_1m'] / GOALS['lasso_50k']:.2f} |"
    )
    print("\n### Embedding map, kernel side\n")
    print("| measure | value |")
    print("|---|---|")
    for name in ["100k", "1m"]:
        print(f"| colour_codes, {name} values | {kernel[f'colour_codes_{name}']:.0f} ms |")
        print(
            f"| pack_map, {name} points | {kernel[f'pack_{name}']:.0f} ms "
            f"({kernel[f'bytes_{name}'] / 1e6:.1f} MB) |"
        )
    if not args.skip_projection:
        sizes = [int(s) for s in args.projection_sizes.split(",")]
        p = projection_timings(sizes)
        print(
            f"| first projection in a process (200 points: numba compiles) | "
            f"{p['first_call_200']:.1f} s |"
        )
        for n in sizes:
            print(
                f"| project {n:,} x 384 (then) | {p[f'project_{n}']:.1f} s; PCA of the same: "
                f"{p[f'pca_{n}']:.2f} s; ratio {p[f'project_{n}'] / p[f'pca_{n}']:.0f}x; "
                f"nearest map neighbour in the same cluster: {p[f'agree_{n}']:.3f} |"
            )


if __name__ == "__main__":
    main()
