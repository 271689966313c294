"""``make bench`` (widget part): the dataset page on a large dataset, kernel side.

    python benchmarks/widget.py               # 1M records
    python benchmarks/widget.py --n 100000 --click-seconds 10

W4k  rb.show(name) -> first page ready in the kernel (traits set), vs rb.load(name, limit=50)
W5   annotation click (custom message) -> on disk, w.df updated, acknowledged:
     p50/p99, then 20 clicks/s sustained with every click checked on disk afterwards
Msg  the largest message the widget sends (state, a page of 200 long records, acks)
Mem  RSS a widget open on the dataset adds to the kernel (without and with w.df)
Results are appended to benchmarks/results.md as a "Widget" section.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_data  # noqa: E402
from run import fmt, percentile, versions  # noqa: E402

MARKER = "\n## Widget (kernel side)"


def write_section(path: Path, marker: str, text: str) -> None:
    """Put ``text`` in results.md in place of the section starting with ``marker``."""
    previous = path.read_text() if path.exists() else ""
    head, _, rest = previous.partition(marker)
    tail = rest[rest.find("\n## ") :] if "\n## " in rest else ""
    parts = [head.rstrip("\n"), text.rstrip("\n"), tail.strip("\n")]
    path.write_text("\n\n".join(p for p in parts if p) + "\n")


def rss() -> float:
    """Resident memory of this process, MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1e3
    return 0.0


class RecordingComm:
    """A comm that measures what the widget would send to the front end."""

    kernel = object()
    comm_id = "bench"

    def __init__(self):
        self.sizes: list[int] = []
        self.acks: list[dict] = []

    def send(self, data=None, metadata=None, buffers=None):
        self.sizes.append(len(json.dumps(data, default=str)))
        content = (data or {}).get("content") if (data or {}).get("method") == "custom" else None
        if content and content.get("type") == "ack":
            self.acks.append({**content, "at": time.perf_counter()})

    def on_msg(self, callback):
        pass

    def on_close(self, callback):
        pass

    def close(self, *args, **kwargs):
        pass


def open_page(name: str):
    from rubrix_widgets.widgets.dataset_page import DatasetPage

    page = DatasetPage(name)
    page.comm = RecordingComm()
    return page


def w4_kernel(name: str, rounds: int) -> dict:
    import rubrix_widgets as rb

    ours, base = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        page = open_page(name)
        ours.append(time.perf_counter() - start)
        assert len(page._records) == 20
        page.close()
        start = time.perf_counter()
        rb.load(name, limit=50)
        base.append(time.perf_counter() - start)
    return {"ours": ours, "base": base}


def w5_clicks(name: str, n_clicks: int, seconds: float) -> dict:
    import rubrix_widgets as rb

    page = open_page(name)
    page.mode = "annotate"
    labels = page._labels

    def clicks(count: int, first_request: int, frames: list | None):
        latencies, settled = [], []
        for i in range(count):
            record = page._records[i % len(page._records)]
            content = {
                "type": "action",
                "request": f"bench:{first_request + i}",
                "action": "annotate",
                "epoch": page._epoch,
                "seqs": [record["seq"]],
                "annotation": [labels[i % len(labels)]],
            }
            before = len(frames) if frames is not None else 0
            start = time.perf_counter()
            page._on_message(page, content, [])
            settled.append(time.perf_counter() - start)
            ack = page.comm.acks[-1]
            latencies.append(ack["at"] - start)
            assert ack["ok"] and (frames is None or len(frames) > before)
        return latencies, settled

    plain, _ = clicks(n_clicks, 0, None)  # nobody reads w.df: it is never built
    frames: list = []
    page.observe(lambda change: frames.append(change["new"]), names="df")
    latencies, settled = clicks(n_clicks, 1_000, frames)
    # sustained: 20 clicks/s for `seconds`, each on a different record of the next pages,
    # inside an asyncio loop as in a kernel (the index and facets settle in pauses)
    interval = 1 / 20
    sustained, expected = [], {}
    state = {"i": 0, "late": 0}

    async def click_steadily() -> None:
        start_all = time.perf_counter()
        while time.perf_counter() - start_all < seconds:
            i = state["i"]
            due = start_all + i * interval
            now = time.perf_counter()
            if now < due:
                await asyncio.sleep(due - now)
            elif now - due > interval:
                state["late"] += 1
            if i % page.page_size == 0:
                page.page = (i // page.page_size) + 1
            record = page._records[i % page.page_size]
            label = labels[i % len(labels)]
            expected[record["id"]] = label
            t0 = time.perf_counter()
            page._on_message(
                page,
                {
                    "type": "action",
                    "request": f"bench:{10_000 + i}",
                    "action": "annotate",
                    "epoch": page._epoch,
                    "seqs": [record["seq"]],
                    "annotation": [label],
                },
                [],
            )
            sustained.append(time.perf_counter() - t0)
            state["i"] = i + 1
            await asyncio.sleep(0)  # let a due settle run, as the kernel's loop would
        state["elapsed"] = time.perf_counter() - start_all
        await asyncio.sleep(0.5)  # the last settle

    asyncio.run(click_steadily())
    i, late, elapsed = state["i"], state["late"], state["elapsed"]
    stored = rb.load(name, ids=list(expected))
    got = dict(zip(stored.id, stored.annotation, strict=True))
    lost = sum(1 for k, v in expected.items() if got.get(k) != v)
    ok_acks = sum(1 for a in page.comm.acks if a["ok"])
    messages = len(page.comm.sizes)
    largest = max(page.comm.sizes)
    page.close()
    return {
        "plain": plain,
        "latencies": latencies,
        "settled": settled,
        "sustained": sustained,
        "clicks": i,
        "elapsed": elapsed,
        "lost": lost,
        "acks": ok_acks,
        "late": late,
        "messages": messages,
        "largest": largest,
    }


def largest_page_message(name: str) -> int:
    page = open_page(name)
    page.page_size = 200
    state = page.get_state()
    size = len(json.dumps(state, default=str))
    page.close()
    return size


def memory(name: str) -> tuple[float, float]:
    gc.collect()
    before = rss()
    page = open_page(name)
    for p in range(5):
        page.page = p
    page.search("health")
    page.query = ""
    gc.collect()
    without_df = rss() - before
    _ = page.df
    gc.collect()
    with_df = rss() - before
    page.close()
    return without_df, with_df


def report(n: int, r4: dict, r5: dict, page_bytes: int, mem: tuple[float, float]) -> str:
    lat = [v * 1e3 for v in r5["latencies"]]
    sus = [v * 1e3 for v in r5["sustained"]]
    ratio = [o / b for o, b in zip(r4["ours"], r4["base"], strict=True)]
    return "\n".join(
        [
            MARKER.strip("\n"),
            "",
            f"{dt.date.today().isoformat()}, {n:,} records (real tweets, see bench_data.py); {versions()}",
            "",
            "| measure | result | goal |",
            "|---|---|---|",
            f"| W4 kernel: rb.show -> first page ready | {fmt(r4['ours'], 'ms', 1e3)} | ≤ 150 ms |",
            f"| W4 baseline rb.load(name, limit=50) | {fmt(r4['base'], 'ms', 1e3)} | |",
            f"| W4 ratio to the baseline | {fmt(ratio, 'x')} | |",
            f"| W5 click -> on disk + ack (w.df not observed), p50 / p99 | "
            f"{percentile([v * 1e3 for v in r5['plain']], 0.5):.1f} / "
            f"{percentile([v * 1e3 for v in r5['plain']], 0.99):.1f} ms | ≤ 30 / 100 ms |",
            f"| W5 click -> on disk + w.df updated + ack, p50 | {percentile(lat, 0.5):.1f} ms | ≤ 30 ms |",
            f"| W5 same, p99 ({len(lat)} clicks) | {percentile(lat, 0.99):.1f} ms | ≤ 100 ms |",
            f"| W5 click handled completely (index caught up, facets recomputed), p50 / p99 | "
            f"{percentile([v * 1e3 for v in r5['settled']], 0.5):.1f} / "
            f"{percentile([v * 1e3 for v in r5['settled']], 0.99):.1f} ms | |",
            f"| W5 sustained 20 clicks/s for {r5['elapsed']:.0f} s: clicks, acks ok, lost | "
            f"{r5['clicks']}, {r5['acks'] - 2 * len(lat)}, {r5['lost']} | none lost |",
            f"| W5 sustained p50 / p99 | {percentile(sus, 0.5):.1f} / {percentile(sus, 0.99):.1f} ms | |",
            f"| W5 messages to the front end per click | {r5['messages'] / (r5['clicks'] + 2 * len(lat)):.1f}"
            f" ({r5['messages'] / r5['elapsed']:.0f}/s at 20 clicks/s) | well under Jupyter's "
            "iopub_msg_rate_limit 1000/s |",
            f"| largest message: state with a 200-record page | {page_bytes / 1e3:.0f} kB | ≤ 1 MB |",
            f"| largest message during clicks | {r5['largest'] / 1e3:.0f} kB | ≤ 1 MB |",
            f"| kernel RSS added by an open widget (paged, searched) | {mem[0]:.0f} MB | ≤ 50 MB |",
            f"| ... and after reading w.df (all {n:,} rows as a DataFrame) | {mem[1]:.0f} MB | |",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--clicks", type=int, default=200)
    parser.add_argument("--click-seconds", type=float, default=60)
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    args = parser.parse_args()
    import rubrix_widgets as rb

    scratch = Path(tempfile.mkdtemp(prefix="rb-bench-widget-"))
    try:
        rb.init(workspace=scratch / "ws", annotator="bench")
        print(f"logging {args.n:,} records...", flush=True)
        frame = bench_data.records_frame(args.n)
        rb.log(frame, "widget", verbose=False)
        del frame
        gc.collect()
        print("memory...", flush=True)
        mem = memory("widget")
        print("W4 first page...", flush=True)
        r4 = w4_kernel("widget", rounds=10)
        print("largest message...", flush=True)
        page_bytes = largest_page_message("widget")
        print("W5 clicks...", flush=True)
        r5 = w5_clicks("widget", args.clicks, args.click_seconds)
        text = report(args.n, r4, r5, page_bytes, mem)
        print(text)
        write_section(args.out, MARKER, text)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
