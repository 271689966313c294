"""``make bench`` (workflow part, W9-W11): weak labels, metrics and listeners at scale.

    python benchmarks/workflows.py                 # 1M records
    python benchmarks/workflows.py --n 100000 --rounds 3

W9   ``WeakLabels`` with 10 rules (words, OR lists, a phrase, a wildcard) over the whole
     dataset, against the pandas way of applying the same rules: a case-insensitive
     whole-word regex per rule on a preloaded, lowercased text column (same run,
     interleaved). Also ``rule_metrics`` per keystroke as a rule is typed in the page's
     Rules panel (p50 / p99).
W10  ``rb.metrics.text_classification.f1`` and ``confusion_matrix`` (rows read from the
     store each call), against scikit-learn's ``precision_recall_fscore_support`` and
     ``confusion_matrix`` on preloaded label arrays; plus the page sidebar's F1 table for
     the whole dataset (index counts).
W11  a listener: from ``rb.log`` of one record returning to its action starting, in a
     running event loop (as in a kernel); and what an attached listener adds to that write
     (the same one-record ``rb.log`` with and without a listener, interleaved).
Results go to benchmarks/results.md as a "Workflows (W9-W11)" section.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_data  # noqa: E402
from run import fmt, percentile, times, versions  # noqa: E402
from widget import write_section  # noqa: E402

MARKER = "\n## Workflows (W9-W11)"
NAME = "workflows"
# (query, label, the same rule as a regex on lowercased text)
RULES = [
    ("ebola", "cnnhealth", r"\bebola\b"),
    ("cancer OR tumour OR tumor", "bbchealth", r"\b(?:cancer|tumour|tumor)\b"),
    ("obamacare OR insurance", "nytimeshealth", r"\b(?:obamacare|insurance)\b"),
    ("nhs", "bbchealth", r"\bnhs\b"),
    ('"heart disease"', "foxnewshealth", r"\bheart disease\b"),
    ("vaccin*", "cbchealth", r"\bvaccin\w*"),
    ("diet OR obesity OR weight", "goodhealth", r"\b(?:diet|obesity|weight)\b"),
    ("study", "reuters_health", r"\bstudy\b"),
    ("flu OR influenza", "cnnhealth", r"\b(?:flu|influenza)\b"),
    ("alzheimer*", "latimeshealth", r"\balzheimer\w*"),
]
TYPING = ["e", "eb", "ebo", "ebol", "ebola", "ebola OR v", "ebola OR va", "ebola OR vacc*"]


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def w9(rounds: int, texts) -> dict:
    from rubrix_widgets.labeling.text_classification import Rule, WeakLabels, rule_metrics

    rules = [Rule(query, label) for query, label, _ in RULES]
    patterns = [re.compile(pattern) for _, _, pattern in RULES]
    ours, pandas_way, keystrokes = [], [], []

    def with_pandas():
        matrix = np.full((len(texts), len(rules)), -1, dtype=np.int16)
        for column, pattern in enumerate(patterns):
            matrix[texts.str.contains(pattern, regex=True).to_numpy(), column] = column
        return matrix

    matrix = WeakLabels(NAME, rules=rules).matrix()
    reference = with_pandas()
    agreement = float(((matrix >= 0) == (reference >= 0)).mean())
    for _ in range(rounds):
        ours.append(timed(lambda: WeakLabels(NAME, rules=rules).matrix()))
        pandas_way.append(timed(with_pandas))
        for typed in TYPING:
            keystrokes.append(timed(lambda typed=typed: rule_metrics(NAME, typed, "cnnhealth")))
    return {
        "ours": ours,
        "pandas": pandas_way,
        "keys": keystrokes,
        "agreement": agreement,
        "coverage": float((matrix >= 0).any(axis=1).mean()),
    }


def w10(rounds: int) -> dict:
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    import rubrix_widgets as rb
    from rubrix_widgets.page_state.search_metrics import search_f1
    from rubrix_widgets.store import workspace as ws

    frame = rb.load(NAME, query="_exists_:annotated_as")
    truth = frame.annotation.to_numpy()
    predicted = frame.prediction.map(lambda p: p[0][0]).to_numpy()
    labels = sorted(set(truth) | set(predicted))
    result = {k: [] for k in ("f1", "sklearn_f1", "confusion", "sklearn_confusion", "sidebar")}
    ours = rb.metrics.text_classification.f1(NAME).data
    sklearn = precision_recall_fscore_support(truth, predicted, average="micro")
    result["agree"] = abs(ours["f1_micro"] - sklearn[2]) < 1e-9
    result["annotated"] = len(frame)
    view = ws.existing(NAME).view()
    everything, _ = view.index.compile("")
    for _ in range(rounds):
        result["f1"].append(timed(lambda: rb.metrics.text_classification.f1(NAME)))
        result["sklearn_f1"].append(
            timed(lambda: precision_recall_fscore_support(truth, predicted, labels=labels))
        )
        result["confusion"].append(
            timed(lambda: rb.metrics.text_classification.confusion_matrix(NAME))
        )
        result["sklearn_confusion"].append(
            timed(lambda: confusion_matrix(truth, predicted, labels=labels))
        )
        result["sidebar"].append(timed(lambda: search_f1(view, everything)))
    return result


def w11(rounds: int) -> dict:
    import rubrix_widgets as rb

    latencies, bare_writes, watched_writes = [], [], []

    def one_record(i: int):
        return rb.TextClassificationRecord(id=f"w11-{i}", text=f"listener probe {i}")

    async def measure():
        started: list[float] = []
        watcher = rb.listener(NAME, query="listener", with_records=False)(
            lambda ctx: started.append(time.perf_counter())
        )

        async def ran(before: int) -> None:
            while len(started) == before:
                await asyncio.sleep(0)

        for i in range(rounds):  # interleaved: a write without, then one with the listener
            bare_writes.append(timed(lambda i=i: rb.log(one_record(2 * i), NAME, verbose=False)))
            before = len(started)
            watcher.start()  # it runs once when started
            await ran(before)
            before = len(started)
            written = time.perf_counter()
            rb.log(one_record(2 * i + 1), NAME, verbose=False)
            watched_writes.append(time.perf_counter() - written)
            await ran(before)
            latencies.append(started[-1] - written - watched_writes[-1])
            watcher.stop()

    asyncio.run(measure())
    return {"latency": latencies, "bare": bare_writes, "watched": watched_writes}


def ratio(ours: list[float], baseline: list[float]) -> str:
    r = percentile(ours, 0.5) / percentile(baseline, 0.5)
    return f"{times(1 / r)} faster" if r < 0.8 else times(r)


def ms(values: list[float], q: float) -> str:
    return f"{percentile(values, q) * 1e3:.3g}"


def report(n: int, rounds: int, r9: dict, r10: dict, r11: dict) -> str:
    return "\n".join(
        [
            MARKER.strip("\n"),
            "",
            f"{dt.date.today().isoformat()}, {n:,} records (real tweets, see bench_data.py); "
            f"{versions()}. Medians of {rounds} rounds (min–max); baselines in the same rounds.",
            "",
            "| workload | ours | baseline (same run) | ours / baseline |",
            "|---|---|---|---|",
            f"| W9 `WeakLabels` matrix, 10 rules × {n:,} records | {fmt(r9['ours'])} | pandas "
            f"regex per rule on preloaded lowercased text: {fmt(r9['pandas'])} | "
            f"{ratio(r9['ours'], r9['pandas'])} |",
            f"| W9 `rule_metrics` per keystroke ({len(TYPING)} prefixes of a rule) | "
            f"p50 {ms(r9['keys'], 0.5)} ms, p99 {ms(r9['keys'], 0.99)} ms | | |",
            f"| W10 `f1` ({r10['annotated']:,} annotated records, rows read each call) | "
            f"{fmt(r10['f1'])} | scikit-learn on preloaded arrays: {fmt(r10['sklearn_f1'])} | "
            f"{ratio(r10['f1'], r10['sklearn_f1'])} |",
            f"| W10 `confusion_matrix` | {fmt(r10['confusion'])} | scikit-learn: "
            f"{fmt(r10['sklearn_confusion'])} | "
            f"{ratio(r10['confusion'], r10['sklearn_confusion'])} |",
            f"| W10 page sidebar F1 table, whole dataset | {fmt(r10['sidebar'], 'ms', 1e3)} | | |",
            f"| W11 `rb.log` of one record → listener action starts | p50 "
            f"{ms(r11['latency'], 0.5)} ms, p99 {ms(r11['latency'], 0.99)} ms | Rubrix polled "
            "every 30 s by default | |",
            f"| W11 one-record `rb.log` with a listener attached | {fmt(r11['watched'], 'ms', 1e3)}"
            f" | without: {fmt(r11['bare'], 'ms', 1e3)} | "
            f"{ratio(r11['watched'], r11['bare'])} |",
            "",
            f"W9 checks: the matrix and the pandas reference agree on {r9['agreement']:.3%} of "
            f"cells; the rules cover "
            f"{r9['coverage']:.1%} of records. W10: our micro F1 equals scikit-learn's: "
            f"{r10['agree']}. W11's latency is from `rb.log` returning to the action starting "
            "(the kernel's loop runs it once the cell yields); it includes the listener's search.",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    args = parser.parse_args()
    import rubrix_widgets as rb

    scratch = Path(tempfile.mkdtemp(prefix="rb-bench-workflows-"))
    try:
        rb.init(workspace=scratch / "ws")
        print(f"logging {args.n:,} records...", flush=True)
        frame = bench_data.records_frame(args.n)
        rb.log(frame, NAME, verbose=False)
        texts = frame.text.str.lower()
        del frame
        gc.collect()
        print("W9 weak labels...", flush=True)
        r9 = w9(args.rounds, texts)
        del texts
        print("W10 metrics...", flush=True)
        r10 = w10(args.rounds)
        print("W11 listener...", flush=True)
        r11 = w11(max(20, args.rounds * 10))
        text = report(args.n, args.rounds, r9, r10, r11)
        print(text)
        write_section(args.out, MARKER, text)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
