"""``make bench`` (scale part, W7/W8): the sidebar and a fresh process on a large dataset.

    python benchmarks/scale.py                    # 1M records
    python benchmarks/scale.py --n 100000 --repeats 2

W7  what the dataset page's sidebar recomputes on each search (DatasetPage.refresh
    without quick): the view (manifest + searcher), facets (counts per status,
    label, agent, predicted ok/ko, metadata value among the matches), progress,
    the label list; keywords (recomputed when the search changes) apart. p50/p99
    per query, against (same run, same rounds, interleaved) pandas ``value_counts``
    of the same fields on a preloaded categorical frame restricted to the same
    matches (positions found beforehand), and a bare tantivy count of the same query.
W8  a new process: ``import rubrix_widgets`` + ``rb.load(name, query, limit=50)`` on
    the existing dataset vs ``import pandas, pyarrow, tantivy``: whole-process wall
    time of fresh interpreters, alternating, after one warm-up each; ``-X importtime``
    names what the import adds beyond the baseline.
Results go to benchmarks/results.md as a "Scale (W7, W8)" section.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import bench_data  # noqa: E402
from run import fmt, percentile, stats, versions  # noqa: E402
from widget import write_section  # noqa: E402

MARKER = "\n## Scale (W7, W8)"
NAME = "scale"
SIDEBAR_QUERIES = {
    "everything": "",
    "label term": "predicted_as:bbchealth",
    "word": "ebola",
    "status (10%)": "status:Validated",
    "negation (94%)": "NOT predicted_as:bbchealth",
}
LOAD_QUERY = "health AND predicted_as:bbchealth"
KEYWORD_FIELDS = ("status", "annotated_as", "predicted_as", "annotated_by", "predicted_by")
# W7 timings per round, in order (sidebar = view + facets + progress + labels)
W7_PARTS = ("view", "facets", "progress", "labels", "sidebar", "keywords", "pandas", "count")
W7_PARTS += ("kw_terms", "metadata_agg")
LAZY_CANDIDATES = (
    "rubrix_widgets.records",
    "pydantic",
    "rubrix_widgets.dataset_classes",
    "rubrix_widgets.validation",
    "rubrix_widgets.settings",
    "pyarrow.parquet",
)
WIDGET_STACK = ("ipywidgets", "anywidget", "traitlets", "IPython", "comm", "sklearn", "tqdm")


# -- W7 ------------------------------------------------------------------------------------
def flat_frame(name: str):
    """The facet fields of every record as categorical columns, in seq order (the
    pandas user's fastest preloaded form for repeated counts)."""
    import numpy as np
    import pandas as pd

    import rubrix_widgets as rb

    df = rb.load(name)
    top = [p[0][0] if p else None for p in df.prediction]
    annotated = df.annotation.notna().to_numpy()
    predicted = np.where(
        annotated,
        np.where(df.annotation.to_numpy() == np.array(top, dtype=object), "ok", "ko"),
        None,
    )
    metadata = pd.DataFrame.from_records(df.metadata.to_list())
    flat = pd.DataFrame(
        {
            "status": df.status,
            "annotated_as": df.annotation,
            "predicted_as": top,
            "annotated_by": df.annotation_agent,
            "predicted_by": df.prediction_agent,
            "predicted": predicted,
            "multi_label": np.where(df.multi_label.to_numpy(), "true", None),
            **{f"metadata.{k}": metadata[k] for k in metadata.columns},
        }
    )
    return flat.astype("category")


def pandas_facets(flat, positions) -> dict:
    sub = flat if positions is None else flat.take(positions)
    out = {}
    for column in sub.columns:
        counts = sub[column].value_counts(sort=True)
        counts = counts[counts > 0]
        out[column] = counts.head(30) if column.startswith("metadata.") else counts
    return out


def w7(name: str, rounds: int) -> dict:
    from rubrix_widgets.page_state.dataset_session import FACET_VALUES, DatasetSession

    flat = flat_frame(name)
    results = {}
    for label, query in SIDEBAR_QUERIES.items():
        session = DatasetSession(name)  # a fresh page: its first search compiles
        view = session.view()
        compiled, _ = session.compile(view, query, {})
        positions = None if not query else session.matching_seqs(view, compiled)
        total = len(flat) if positions is None else len(positions)
        # the same counts both ways
        facets = session.facets(view, compiled)
        ref = pandas_facets(flat, positions)
        for field in KEYWORD_FIELDS:
            assert dict(map(tuple, facets[field])) == ref[field].to_dict(), (query, field)
        # the two parts of facets, as DatasetSession.facets runs them
        request = {
            f"m{i}": {"terms": {"field": f"metadata.{k}", "size": FACET_VALUES}}
            for i, k in enumerate(session.metadata_keys(view))
        }
        times: dict[str, list[float]] = {k: [] for k in W7_PARTS}
        for r in range(rounds + 1):  # round 0 warms up
            # a new search each round: drop the facets kept for page turns
            session._facets = None
            t0 = time.perf_counter()
            view = session.view()
            compiled, _ = session.compile(view, query, {})
            t1 = time.perf_counter()
            session.facets(view, compiled)
            t2 = time.perf_counter()
            session.progress(view)
            t3 = time.perf_counter()
            session.labels(view)
            t4 = time.perf_counter()
            session.keywords(view, compiled)
            t5 = time.perf_counter()
            pandas_facets(flat, positions)
            t6 = time.perf_counter()
            count = view.searcher.search(compiled, 1, count=True).count
            t7 = time.perf_counter()
            assert count == total
            list(view.searcher.terms_with_prefix("kw", "", filter_query=compiled))
            t8 = time.perf_counter()
            if request:
                view.searcher.aggregate(compiled, request)
            t9 = time.perf_counter()
            if r:
                spans = (t0, t1), (t1, t2), (t2, t3), (t3, t4), (t0, t4), (t4, t5), (t5, t6)
                spans += (t6, t7), (t7, t8), (t8, t9)
                for k, (a, b) in zip(W7_PARTS, spans, strict=True):
                    times[k].append(b - a)
        results[label] = {"query": query, "total": total, **times}
    del flat
    gc.collect()
    return results


# -- W8 ------------------------------------------------------------------------------------
def ours_code(workspace: Path) -> str:
    return (
        "import time; t0 = time.perf_counter()\n"
        "import rubrix_widgets as rb\n"
        "t1 = time.perf_counter()\n"
        f"rb.init(workspace={str(workspace)!r})\n"
        f"df = rb.load({NAME!r}, query={LOAD_QUERY!r}, limit=50)\n"
        "t2 = time.perf_counter()\n"
        "assert 0 < len(df) <= 50, len(df)\n"
        "import sys\n"
        f"print(t1 - t0, t2 - t1, ','.join(m for m in {WIDGET_STACK!r} if m in sys.modules))\n"
    )


BASE_CODE = (
    "import time; t0 = time.perf_counter()\n"
    "import pandas, pyarrow, tantivy\n"
    "print(time.perf_counter() - t0)\n"
)


def run_python(code: str, env: dict, *flags: str) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *flags, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )
    elapsed = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"python -c failed ({done.returncode}):\n{code}\n{done.stderr}")
    return elapsed, done


def environments(scratch: Path) -> dict[str, dict]:
    """``cached``: bytecode cached as for an installed package (a private
    PYTHONPYCACHEPREFIX, filled by the warm-up, so nothing is written into the
    source tree); ``no_cache``: PYTHONDONTWRITEBYTECODE=1, as this machine's
    environment runs Python (rubrix_widgets is then compiled from source at every
    start; the other packages keep the bytecode their installation wrote)."""
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE",)}
    base.pop("PYTHONPYCACHEPREFIX", None)
    return {
        "cached": {**base, "PYTHONPYCACHEPREFIX": str(scratch / "pycache")},
        "no_cache": {**base, "PYTHONDONTWRITEBYTECODE": "1"},
    }


def import_times(stderr: str) -> dict[str, tuple[int, int]]:
    """``-X importtime`` output: module -> (self us, cumulative us)."""
    out = {}
    for line in stderr.splitlines():
        if line.startswith("import time:") and "self [us]" not in line:
            self_us, cumulative, name = line[len("import time:") :].split("|")
            out[name.strip()] = (int(self_us), int(cumulative))
    return out


def w8(workspace: Path, repeats: int, scratch: Path) -> dict:
    code = ours_code(workspace)
    envs = environments(scratch)
    out: dict = {"widget_stack": set(), "stderr": set()}
    for kind, env in envs.items():
        run_python(code, env)  # warm-ups: page cache, bytecode
        run_python(BASE_CODE, env)
        for key in ("ours", "base", "imports", "loads", "inside_base"):
            out[f"{kind}.{key}"] = []
    for _ in range(repeats):
        for kind, env in envs.items():
            wall, done = run_python(code, env)
            imported, loaded, *mods = done.stdout.split()
            out[f"{kind}.ours"].append(wall)
            out[f"{kind}.imports"].append(float(imported))
            out[f"{kind}.loads"].append(float(loaded))
            out["widget_stack"].update(m for m in (mods[0].split(",") if mods else []) if m)
            if done.stderr.strip():  # a warning (say, an index rebuild) explains an outlier
                out["stderr"].add(done.stderr.strip()[-2000:])
            wall, done = run_python(BASE_CODE, env)
            out[f"{kind}.base"].append(wall)
            out[f"{kind}.inside_base"].append(float(done.stdout))
    for kind in envs:
        out[f"{kind}.ratio"] = [
            o / b for o, b in zip(out[f"{kind}.ours"], out[f"{kind}.base"], strict=True)
        ]
    out["widget_stack"] = sorted(out["widget_stack"])
    # what import + load bring in beyond the baseline's modules (bytecode cached)
    _, ours_it = run_python(code, envs["cached"], "-X", "importtime")
    _, base_it = run_python(BASE_CODE, envs["cached"], "-X", "importtime")
    ours_mods, base_mods = import_times(ours_it.stderr), import_times(base_it.stderr)
    extra = {m: t for m, t in ours_mods.items() if m not in base_mods}
    packages: Counter[str] = Counter()
    for module, (self_us, _) in extra.items():
        packages[module.split(".")[0]] += self_us
    out["extra_total"] = sum(s for s, _ in extra.values()) / 1e3
    out["base_total"] = sum(s for s, _ in base_mods.values()) / 1e3
    out["packages"] = [(p, us / 1e3) for p, us in packages.most_common(8)]
    out["modules"] = [
        (m, s / 1e3, c / 1e3) for m, (s, c) in sorted(extra.items(), key=lambda kv: -kv[1][0])[:10]
    ]
    out["subtrees"] = [(m, ours_mods[m][1] / 1e3) for m in LAZY_CANDIDATES if m in ours_mods]
    return out


# -- report --------------------------------------------------------------------------------
def ms(values: list[float], q: float) -> str:
    return f"{percentile(values, q) * 1e3:.2f}"


def report(n: int, rounds: int, repeats: int, r7: dict, r8: dict) -> str:
    lines = [
        MARKER.strip("\n"),
        "",
        f"{dt.date.today().isoformat()}, {n:,} records (real tweets, see bench_data.py); {versions()}",
        "",
        f"W7: what the sidebar recomputes on each search, {rounds} rounds per query after a "
        "warm-up, p50 / p99 in ms. *sidebar* = view (manifest + searcher) + facets + progress "
        "+ label list, as `DatasetPage.refresh` does after the page itself, with facets counted "
        "afresh every round (a page turn reuses them: ~0 ms); keywords are "
        "recomputed only when the search changes. Baselines, interleaved in the same rounds: "
        "pandas `value_counts` of the same fields (top 30 for metadata) on a preloaded "
        "categorical frame restricted to the same matches (positions found beforehand), and a "
        "bare tantivy count of the same query.",
        "",
        "| query | matches | view | facets | progress | **sidebar** | keywords | pandas value_counts | "
        "bare tantivy count | sidebar / pandas (p50) | goal |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, r in r7.items():
        cells = [
            f"{ms(r[k], 0.5)} / {ms(r[k], 0.99)}"
            for k in ("view", "facets", "progress", "sidebar", "keywords", "pandas", "count")
        ]
        cells[3] = f"**{cells[3]}**"
        ratio = percentile(r["sidebar"], 0.5) / percentile(r["pandas"], 0.5)
        lines.append(
            f"| {label}: `{r['query'] or '(empty)'}` | {r['total']:,} | {' | '.join(cells)} | "
            f"{ratio:.2f}× | |"
        )
    every = {k: [t for r in r7.values() for t in r[k]] for k in ("facets", "progress", "sidebar")}
    lines.append(
        f"| **all queries** | | | {ms(every['facets'], 0.5)} / {ms(every['facets'], 0.99)} | "
        f"{ms(every['progress'], 0.5)} / {ms(every['progress'], 0.99)} | "
        f"**{ms(every['sidebar'], 0.5)} / {ms(every['sidebar'], 0.99)}** | | | | | ≤ 20 ms |"
    )
    lines += [
        "",
        "Facets, its two parts run alone (p50 / p99 ms): label, status and agent counts "
        "(`terms_with_prefix` on the keyword field, filtered by the query) and the metadata "
        "terms aggregation.",
        "",
        "| query | keyword counts | metadata aggregation |",
        "|---|---|---|",
        *(
            f"| {label} | {ms(r['kw_terms'], 0.5)} / {ms(r['kw_terms'], 0.99)} | "
            f"{ms(r['metadata_agg'], 0.5)} / {ms(r['metadata_agg'], 0.99)} |"
            for label, r in r7.items()
        ),
    ]
    c, u = "cached.", "no_cache."
    missed = stats(r8[c + "ratio"])[1] > 1.5
    lines += [
        "",
        f"W8: a new process, `import rubrix_widgets` + `rb.load(name, query={LOAD_QUERY!r}, "
        f"limit=50)` on the {n:,}-record dataset, vs `import pandas, pyarrow, tantivy`: "
        f"whole-process wall time of fresh interpreters, {repeats} alternating pairs after a "
        "warm-up each; median (min–max). *Bytecode cached* is how an installed package starts "
        "(a private `PYTHONPYCACHEPREFIX`); this machine's environment sets "
        "`PYTHONDONTWRITEBYTECODE=1`, so a checkout compiles rubrix_widgets from source at "
        "every start (*no bytecode cache*).",
        "",
        "| measure | bytecode cached | no bytecode cache | goal |",
        "|---|---|---|---|",
        f"| new process: import + rb.load(query, limit=50) | {fmt(r8[c + 'ours'])} | "
        f"{fmt(r8[u + 'ours'])} | |",
        f"| baseline: new process importing pandas, pyarrow, tantivy | {fmt(r8[c + 'base'])} | "
        f"{fmt(r8[u + 'base'])} | |",
        f"| ratio (per pair) | **{fmt(r8[c + 'ratio'], '×')}** | {fmt(r8[u + 'ratio'], '×')} "
        "| ≤ 1.5× |",
        f"| in the process: `import rubrix_widgets` | {fmt(r8[c + 'imports'])} | "
        f"{fmt(r8[u + 'imports'])} | |",
        f"| in the process: `rb.init` + `rb.load(...)` | {fmt(r8[c + 'loads'], 'ms', 1e3)} | "
        f"{fmt(r8[u + 'loads'], 'ms', 1e3)} | |",
        f"| in the baseline process: `import pandas, pyarrow, tantivy` | "
        f"{fmt(r8[c + 'inside_base'])} | {fmt(r8[u + 'inside_base'])} | |",
        f"| widget stack loaded by import + load | {', '.join(r8['widget_stack']) or 'none'} | | "
        "none |",
        "",
        f"`-X importtime` (bytecode cached, one run each, inflated by the tracing): the baseline "
        f"imports {r8['base_total']:.0f} ms of modules; import + load add "
        f"{r8['extra_total']:.0f} ms of modules the baseline does not import. By package (self "
        "time): "
        + ", ".join(f"{p} {t:.0f} ms" for p, t in r8["packages"])
        + ". Largest modules (self / cumulative): "
        + ", ".join(f"`{m}` {s:.0f} / {c:.0f} ms" for m, s, c in r8["modules"])
        + ". Cumulative (with what each imports first): "
        + ", ".join(f"`{m}` {t:.0f} ms" for m, t in r8["subtrees"])
        + ".",
        "",
        "Goal " + ("**missed**" if missed else "met") + " (bytecode cached).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=7, help="W8 process pairs (at least 7)")
    parser.add_argument("--rounds", type=int, default=50, help="W7 rounds per query")
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    args = parser.parse_args()
    import rubrix_widgets as rb

    scratch = Path(tempfile.mkdtemp(prefix="rb-bench-scale-"))
    try:
        rb.init(workspace=scratch / "ws")
        print(f"logging {args.n:,} records...", flush=True)
        frame = bench_data.records_frame(args.n)
        rb.log(frame, NAME, verbose=False)
        del frame
        gc.collect()
        print("W7 sidebar...", flush=True)
        r7 = w7(NAME, args.rounds)
        print("W8 new process...", flush=True)
        r8 = w8(scratch / "ws", args.repeats, scratch)
        text = report(args.n, args.rounds, args.repeats, r7, r8)
        print(text)
        for stderr in r8["stderr"]:
            print("W8: a new process wrote to stderr:\n" + stderr)
        write_section(args.out, MARKER, text)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
