"""Processes the reliability tests start, kill and race (run as ``python workers.py CMD ...``).

Each prints ``ready`` once it is about to do the work under test, so the
parent can time a kill into the middle of it.
"""

from __future__ import annotations

import json
import sys

import rubrix_widgets as rb


def big_log(name: str, start: int, count: int) -> None:
    import pandas as pd

    ids = range(start, start + count)
    frame = pd.DataFrame(
        {
            "id": list(ids),
            "text": [f"crash test record {i} about health news" for i in ids],
            "annotation": "batch",
            "prediction": [[("batch", 0.7), ("other", 0.3)]] * count,
            "metadata": [{"n": i} for i in ids],
        }
    )
    print("ready", flush=True)
    rb.log(frame, name, verbose=False)
    print("done", flush=True)


def log_killed_at(name: str, start: int, count: int, stage: str) -> None:
    """:func:`big_log`, killed (SIGKILL, by itself) at one ``stage`` of the write.

    ``records file``: once the new records file is written, before the manifest;
    ``commit``: as the manifest is about to be replaced; ``after commit``: right after it;
    ``index``: in the middle of indexing the new records (after the commit).
    """
    import os
    import signal

    from rubrix_widgets.search import search_index
    from rubrix_widgets.store import dataset_store

    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    write_part, write_manifest = dataset_store.write_part, dataset_store.write_manifest
    documents = search_index.documents
    if stage == "records file":
        dataset_store.write_part = lambda *a: (write_part(*a), die())
    elif stage == "commit":
        dataset_store.write_manifest = lambda *a: die()
    elif stage == "after commit":
        dataset_store.write_manifest = lambda *a: (write_manifest(*a), die())
    elif stage == "index":

        def some_documents(*args):
            for k, doc in enumerate(documents(*args)):
                if k == count // 2:
                    die()
                yield doc

        search_index.documents = some_documents
    else:
        raise SystemExit(f"unknown stage {stage!r}")
    big_log(name, start, count)


def writer(name: str, prefix: str, count: int) -> None:
    """``count`` new records, one call each; after every odd one, annotate the one before."""
    print("ready", flush=True)
    for i in range(count):
        rb.log(rb.TextClassificationRecord(text=f"{prefix} {i}", id=f"{prefix}-{i}"), name)
        if i % 2 == 1:
            rb.log(
                rb.TextClassificationRecord(
                    text=f"{prefix} {i - 1}", id=f"{prefix}-{i - 1}", annotation=prefix
                ),
                name,
            )
    print("done", flush=True)


def reader(name: str, seconds: float) -> None:
    """Load repeatedly; report any view that is not a whole, consistent state."""
    import time

    problems, seen, last = [], 0, 0
    print("ready", flush=True)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            # records only grow and gain annotations here, so what a search finds
            # must be in any later full load
            annotated = rb.load(name, query="_exists_:annotated_as")
            df = rb.load(name)
        except rb.NotFoundError:
            continue
        seen += 1
        if len(df) < last:
            problems.append(f"records went from {last} to {len(df)}")
        last = len(df)
        if df.text.isna().any() or df.id.duplicated().any():
            problems.append("a record is incomplete or duplicated")
        if not set(annotated.id) <= set(df.id):
            problems.append("the index returned records the table does not have")
        if annotated.annotation.isna().any():
            problems.append("a search hit has no annotation")
    print(json.dumps({"loads": seen, "problems": problems[:5]}), flush=True)


def vector_of_text(texts):
    """A deterministic 8-d vector per text (the crash tests check values after a kill)."""
    import numpy as np

    return np.array([[len(t) + k for k in range(8)] for t in texts], dtype=float)


def add_vectors_slowly(name: str) -> None:
    """``rb.add_vectors`` in batches of 50, a little slow per batch, to be killed midway."""
    import time

    def embed(texts):
        time.sleep(0.05)
        return vector_of_text(texts)

    print("ready", flush=True)
    rb.add_vectors(name, embed, vector_name="v", batch_size=50, verbose=False)
    print("done", flush=True)


def index_killed_before_commit(name: str) -> None:
    """Build the nearest-neighbour index of vector ``v``; die as its state file is written."""
    import os
    import signal

    from rubrix_widgets.vectors import ann_index, search

    search.EXACT_MAX = 10
    ann_index.atomic_write_text = lambda *a: os.kill(os.getpid(), signal.SIGKILL)
    print("ready", flush=True)
    rb.load(name, vector=("v", vector_of_text(["x"])[0]), limit=5)
    print("done", flush=True)


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "big_log":
        big_log(args[0], int(args[1]), int(args[2]))
    elif command == "log_killed_at":
        log_killed_at(args[0], int(args[1]), int(args[2]), args[3])
    elif command == "writer":
        writer(args[0], args[1], int(args[2]))
    elif command == "reader":
        reader(args[0], float(args[1]))
    elif command == "add_vectors_slowly":
        add_vectors_slowly(args[0])
    elif command == "index_killed_before_commit":
        index_killed_before_commit(args[0])
    else:
        raise SystemExit(f"unknown command {command}")
