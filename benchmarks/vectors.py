"""``make bench`` (vectors part): nearest-neighbour search on a dataset with vectors.

    python benchmarks/vectors.py               # 1M records x 384
    python benchmarks/vectors.py --n 100000

The vectors are synthetic: clustered random float32 (``--clusters`` Gaussian centres, each
record its centre plus noise, about as spread as sentence embeddings of one topic), logged
with ``rb.log`` into a dataset whose records carry a ``bucket`` metadata field (0-99) so a
query can keep 1% of them. Queries are fresh points drawn the same way.

V1  top-50 search p50 / p99: ``rb.load(name, vector=..., limit=50)`` and
    ``vectors.search.nearest`` (the layer under it), vs exact numpy top-50 over the same
    unit vectors in memory (the baseline, and the truth for recall@50)
V2  the same with a query keeping 1% of the records (``metadata.bucket:7``): must be exact
V3  index build (``ann_index``, from the stored records) vs faiss's own build of the same
    vectors with the same parameters (HNSW M=32, efConstruction 80, 8-bit SQ, inner product)
V4  memory the index adds to a process that has the dataset open (RSS before/after
    opening it, in a fresh process) vs the quantised vectors' size (n x d bytes)
Results are appended to benchmarks/results.md as a "Vectors" section.
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import percentile, versions  # noqa: E402
from widget import write_section  # noqa: E402

MARKER = "\n## Vectors (nearest-neighbour search)"
K = 50
NAME = "vectors"
BATCH = 100_000


def clustered(n: int, dim: int, clusters: int, seed: int) -> np.ndarray:
    """``n`` float32 vectors around ``clusters`` random centres (fixed by ``clusters``)."""
    centres = np.random.default_rng(0).normal(size=(clusters, dim)).astype(np.float32)
    rng = np.random.default_rng(seed)
    which = rng.integers(0, clusters, n)
    return centres[which] + rng.normal(0, 0.8, (n, dim)).astype(np.float32)


def unit(matrix: np.ndarray) -> np.ndarray:
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def log_dataset(n: int, dim: int, clusters: int) -> tuple[np.ndarray, float]:
    """Log ``n`` records with vectors (in batches); returns their unit vectors and the time."""
    import pandas as pd

    import rubrix_widgets as rb

    start = time.perf_counter()
    all_unit = np.empty((n, dim), np.float32)
    for first in range(0, n, BATCH):
        count = min(BATCH, n - first)
        vectors = clustered(count, dim, clusters, seed=1 + first)
        all_unit[first : first + count] = unit(vectors)
        frame = pd.DataFrame(
            {
                "id": np.arange(first, first + count),
                "text": [f"record {i}" for i in range(first, first + count)],
                "metadata": [{"bucket": i % 100} for i in range(first, first + count)],
                "vectors": [{"v": row} for row in vectors],
            }
        )
        rb.log(frame, NAME, verbose=False)
        del frame, vectors
        gc.collect()
        print(f"  logged {first + count:,}", flush=True)
    return all_unit, time.perf_counter() - start


def exact_top(all_unit: np.ndarray, query: np.ndarray, rows: np.ndarray | None = None):
    """The baseline: exact numpy top-50 (row numbers = ids = seqs here)."""
    matrix = all_unit if rows is None else all_unit[rows]
    sims = matrix @ query
    top = np.argpartition(-sims, K - 1)[:K]
    top = top[np.argsort(-sims[top])]
    return top if rows is None else rows[top]


def timed_calls(fn, queries) -> tuple[list[float], list]:
    took, results = [], []
    for q in queries:
        start = time.perf_counter()
        results.append(fn(q))
        took.append(time.perf_counter() - start)
    return took, results


def search_runs(all_unit: np.ndarray, queries: np.ndarray) -> dict:
    import rubrix_widgets as rb
    from rubrix_widgets.store import workspace as ws
    from rubrix_widgets.vectors import ann_index
    from rubrix_widgets.vectors.search import nearest

    store = ws.existing(NAME)
    view = store.view()
    start = time.perf_counter()
    ann_index.index_for(store.folder, "v", view)  # first use builds it from the records
    build = time.perf_counter() - start

    def load(q):
        return rb.load(NAME, vector=("v", q), limit=K, include_vectors=False).id.to_numpy()

    def layer(q):
        return nearest(store.folder, view, "v", q, K)[0]

    load(queries[0])  # warm: the index opened, the frame code imported
    out = {"build": build}
    out["exact"], truth = timed_calls(lambda q: exact_top(all_unit, q), queries)
    out["load"], by_load = timed_calls(load, queries)
    out["nearest"], by_layer = timed_calls(layer, queries)
    out["recall_load"] = np.mean(
        [len(set(a) & set(b)) / K for a, b in zip(by_load, truth, strict=True)]
    )
    out["recall_nearest"] = np.mean(
        [len(set(a) & set(b)) / K for a, b in zip(by_layer, truth, strict=True)]
    )

    bucket = np.arange(len(all_unit))[np.arange(len(all_unit)) % 100 == 7]

    def load_filtered(q):
        return rb.load(
            NAME, vector=("v", q), query="metadata.bucket:7", limit=K, include_vectors=False
        ).id.to_numpy()

    def layer_filtered(q):
        seqs, _, _ = view.search("metadata.bucket:7")
        return nearest(store.folder, view, "v", q, K, candidates=seqs)[0]

    out["exact_1pc"], truth_1pc = timed_calls(lambda q: exact_top(all_unit, q, bucket), queries)
    out["load_1pc"], by_load_1pc = timed_calls(load_filtered, queries)
    out["nearest_1pc"], by_layer_1pc = timed_calls(layer_filtered, queries)
    out["recall_load_1pc"] = np.mean(
        [len(set(a) & set(b)) / K for a, b in zip(by_load_1pc, truth_1pc, strict=True)]
    )
    out["recall_nearest_1pc"] = np.mean(
        [len(set(a) & set(b)) / K for a, b in zip(by_layer_1pc, truth_1pc, strict=True)]
    )
    return out


def faiss_build(all_unit: np.ndarray) -> float:
    """faiss's own build of the same unit vectors, same parameters as ann_index."""
    import faiss

    from rubrix_widgets.vectors import ann_index

    start = time.perf_counter()
    index = faiss.IndexHNSWSQ(
        all_unit.shape[1],
        faiss.ScalarQuantizer.QT_8bit,
        ann_index.HNSW_M,
        faiss.METRIC_INNER_PRODUCT,
    )
    index.hnsw.efConstruction = ann_index.EF_CONSTRUCTION
    index.train(all_unit)
    index.add(all_unit)
    return time.perf_counter() - start


MEMORY_PROBE = """
import json, sys, gc
sys.path.insert(0, {here!r})
from widget import rss
import rubrix_widgets as rb
from rubrix_widgets.store import workspace as ws
from rubrix_widgets.vectors import ann_index
rb.init(workspace={workspace!r})
store = ws.existing({name!r})
view = store.view()
view.live.table()
gc.collect()
before = rss()
built = ann_index.index_for(store.folder, "v", view)
gc.collect()
print(json.dumps({{"before": before, "after": rss(), "ntotal": built.index.ntotal}}))
"""


def index_memory(workspace: Path) -> dict:
    """RSS a fresh process adds by opening the stored index (MB)."""
    code = MEMORY_PROBE.format(here=str(HERE), workspace=str(workspace), name=NAME)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def ms(values: list[float], q: float) -> str:
    return f"{percentile(values, q) * 1e3:.1f} ms"


def report(n: int, dim: int, r: dict, faiss_s: float, mem: dict, log_s: float, q: int) -> str:
    quantised = n * dim / 1e6
    added = mem["after"] - mem["before"]
    rows = [
        ("top-50, whole dataset: exact numpy (baseline, in memory)", r["exact"], 1.0),
        ("top-50: `rb.load(vector=...)`", r["load"], r["recall_load"]),
        ("top-50: `vectors.search.nearest`", r["nearest"], r["recall_nearest"]),
        ("top-50 in 1% (`metadata.bucket:7`): exact numpy", r["exact_1pc"], 1.0),
        ("top-50 in 1%: `rb.load(vector=..., query=...)`", r["load_1pc"], r["recall_load_1pc"]),
        (
            "top-50 in 1%: search + `nearest(candidates=)`",
            r["nearest_1pc"],
            r["recall_nearest_1pc"],
        ),
    ]
    lines = [
        MARKER.strip(),
        "",
        f"{n:,} records x {dim} float32 vectors, synthetic: clustered random (1,000 Gaussian "
        f"centres, noise sd 0.8), logged with `rb.log` in {log_s:.0f} s; {q} queries drawn the "
        f"same way; {versions()}. Recall@50 against exact numpy top-50 on the same unit "
        "vectors (same run).",
        "",
        "| search | p50 | p99 | recall@50 |",
        "|---|---|---|---|",
    ]
    lines += [f"| {label} | {ms(t, 0.5)} | {ms(t, 0.99)} | {rec:.3f} |" for label, t, rec in rows]
    lines += [
        "",
        "| index | ours | baseline | ratio |",
        "|---|---|---|---|",
        f"| build (HNSW M=32, efC 80, 8-bit) | {r['build']:.1f} s | faiss alone {faiss_s:.1f} s "
        f"| {r['build'] / faiss_s:.2f}× |",
        f"| memory added by opening the index | {added:.0f} MB | quantised vectors "
        f"{quantised:.0f} MB | {added / quantised:.2f}× |",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--clusters", type=int, default=1_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    args = parser.parse_args()
    import rubrix_widgets as rb

    scratch = Path(tempfile.mkdtemp(prefix="rb-bench-vectors-"))
    try:
        rb.init(workspace=scratch / "ws", annotator="bench")
        print(f"logging {args.n:,} records with vectors...", flush=True)
        all_unit, log_s = log_dataset(args.n, args.dim, args.clusters)
        queries = unit(clustered(args.queries, args.dim, args.clusters, seed=999_999))
        print("index build and searches...", flush=True)
        results = search_runs(all_unit, queries)
        print("faiss's own build...", flush=True)
        faiss_s = faiss_build(all_unit)
        del all_unit
        gc.collect()
        print("memory...", flush=True)
        mem = index_memory(scratch / "ws")
        text = report(args.n, args.dim, results, faiss_s, mem, log_s, args.queries)
        print(text)
        write_section(args.out, MARKER, text)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
