"""The store's promises: atomic writes, a derived index, crash and concurrency safety."""

from __future__ import annotations

import gc
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

import rubrix_widgets as rb
from rubrix_widgets.store import dataset_store

WORKERS = Path(__file__).with_name("workers.py")


def tc(i, **kw):
    return rb.TextClassificationRecord(text=f"record {i}", id=i, **kw)


def start(*args: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, str(WORKERS), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
    return proc


def folder(workspace: Path, name: str) -> Path:
    return workspace / name


def forget_open_files() -> None:
    """Act as a new process: drop this one's open (memory-mapped) files before damaging them."""
    dataset_store._cache.clear()
    gc.collect()


# -- the index is derived data ------------------------------------------------------------
def test_a_deleted_index_is_rebuilt_from_records_with_a_warning(workspace):
    rb.log([tc(i, annotation="a" if i % 3 == 0 else None) for i in range(30)], "idx")
    shutil.rmtree(folder(workspace, "idx") / "index")
    dataset_store._cache.clear()
    with pytest.warns(UserWarning, match="rebuilding"):
        hits = rb.load("idx", query="annotated_as:a")
    assert hits.id.tolist() == list(range(0, 30, 3))


def test_a_corrupt_index_is_rebuilt_from_records(workspace):
    rb.log([tc(i) for i in range(10)], "corrupt")
    forget_open_files()
    index = folder(workspace, "corrupt") / "index"
    for path in index.iterdir():
        if path.suffix in (".idx", ".term", ".store") or path.name == "meta.json":
            path.write_bytes(b"\x00garbage")
    dataset_store._cache.clear()
    with pytest.warns(UserWarning, match="rebuilding"):
        assert len(rb.load("corrupt", query="record")) == 10


def test_a_record_changed_twice_before_the_index_catches_up_is_indexed_once(workspace):
    from rubrix_widgets.page_state.dataset_session import DatasetSession

    rb.log([tc(i) for i in range(3)], "twice")
    session = DatasetSession("twice")
    # clicks: on disk now, indexed later
    session.act("annotate", [1], "a", epoch=session.epoch())
    session.act("annotate", [1], "b", epoch=session.epoch())
    session.store.sync_index()
    assert rb.load("twice", query="annotated_as:a").empty  # not its old value
    assert rb.load("twice", query="annotated_as:b").id.tolist() == [1]
    assert rb.load("twice", query="*").id.tolist() == [0, 1, 2]  # once each


def test_files_of_a_commit_killed_before_meta_json_do_not_block_the_next_one(workspace):
    """A kill -9 inside tantivy's commit leaves its files but not meta.json; the replayed
    catch-up would write the same file names."""
    from rubrix_widgets.page_state.dataset_session import DatasetSession

    rb.log([tc(i) for i in range(10)], "dead")
    session = DatasetSession("dead")
    session.act("annotate", [3], "x", epoch=session.epoch())  # on disk, index deferred
    forget_open_files()
    index = folder(workspace, "dead") / "index"
    twin = workspace.parent / "twin"
    shutil.copytree(folder(workspace, "dead"), twin / "dead")
    rb.init(workspace=twin)
    rb.load("dead", query="*")  # the same commit, done in the copy
    forget_open_files()
    before = {p.name for p in index.iterdir()}
    for path in (twin / "dead" / "index").iterdir():  # its files, without its meta.json
        if path.name == ".managed.json" or (
            path.name not in before and path.name not in ("meta.json", "rb_state.json")
        ):
            shutil.copy(path, index / path.name)
    assert {p.name for p in index.iterdir()} - before, "the copy left no files behind"
    rb.init(workspace=workspace)
    assert rb.load("dead", query="annotated_as:x").id.tolist() == [3]


def test_an_index_behind_the_records_catches_up_without_a_rebuild(workspace):
    rb.log([tc(1)], "behind")
    state = folder(workspace, "behind") / "index" / "rb_state.json"
    old = state.read_text()
    rb.log([tc(2, annotation="x")], "behind")
    rb.log([tc(1, annotation="y")], "behind")
    state.write_text(old)  # as if the process died between the commit and the index update
    dataset_store._cache.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a catch-up is routine, not a rebuild
        assert rb.load("behind", query="record").id.tolist() == [1, 2]
        assert rb.load("behind", query="annotated_as:y").id.tolist() == [1]
        assert len(rb.load("behind", query="*")) == 2


def test_deferred_indexing_is_caught_up_by_the_next_search(workspace):
    from rubrix_widgets.ingest import table_from_records
    from rubrix_widgets.store import workspace as ws

    rb.log([tc(i) for i in range(5)], "deferred")
    store = ws.existing("deferred")
    batch = table_from_records([tc(3, annotation="late")], "TextClassification")
    store.write(batch, index_now=False, seqs=[3])
    assert rb.load("deferred").annotation.tolist() == [None, None, None, "late", None]
    assert rb.load("deferred", query="annotated_as:late").id.tolist() == [3]
    with pytest.raises(ValueError, match="seqs"):
        store.write(batch, seqs=[2])


def test_a_truncated_records_file_is_a_clear_error_naming_the_file(workspace):
    rb.log([tc(i) for i in range(100)], "trunc")
    forget_open_files()
    (part,) = (folder(workspace, "trunc") / "records").iterdir()
    part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])
    dataset_store._cache.clear()
    with pytest.raises(rb.StorageError, match=part.name):
        rb.load("trunc")


def test_many_small_writes_are_compacted_and_stay_correct(workspace):
    rb.log([tc(i) for i in range(50)], "compact")
    for i in range(40):
        rb.log(tc(i % 50, annotation=f"l{i}"), "compact")
        rb.log(tc(100 + i), "compact")
    parts = list((folder(workspace, "compact") / "records").iterdir())
    assert len(parts) <= dataset_store.MAX_PARTS
    df = rb.load("compact")
    assert df.id.tolist() == list(range(50)) + list(range(100, 140))
    assert df.set_index("id").annotation[39] == "l39"
    assert rb.load("compact", query="annotated_as:l7").id.tolist() == [7]
    dataset_store._cache.clear()  # a fresh process reads the same thing
    assert rb.load("compact").equals(df)


def test_a_fresh_process_sees_what_another_wrote(workspace):
    rb.log([tc(1)], "shared")
    rb.load("shared")  # warm this process's cache
    code = (
        "import rubrix_widgets as rb; "
        "rb.log(rb.TextClassificationRecord(text='other', id=2, annotation='x'), 'shared')"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=os.environ.copy())
    assert rb.load("shared").id.tolist() == [1, 2]
    assert rb.load("shared", query="annotated_as:x").id.tolist() == [2]


def test_read_only_workspace_gives_a_clear_error_and_keeps_data(workspace):
    if os.geteuid() == 0:
        pytest.skip("root ignores file permissions; the full-disk test covers the error path")
    rb.log([tc(1)], "ro")
    os.chmod(folder(workspace, "ro") / "records", 0o500)
    try:
        with pytest.raises(rb.StorageError, match="permission"):
            rb.log([tc(2)], "ro")
    finally:
        os.chmod(folder(workspace, "ro") / "records", 0o700)
    assert rb.load("ro").id.tolist() == [1]


def test_a_full_disk_gives_a_clear_error_and_keeps_data(workspace, monkeypatch):
    import errno

    from rubrix_widgets.store import record_parts

    rb.log([tc(1)], "full")

    def no_space(path, write):
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(record_parts, "atomic_write", no_space)
        with pytest.raises(rb.StorageError, match="disk is full.*intact"):
            rb.log([tc(2)], "full")
    assert rb.load("full").id.tolist() == [1]
    rb.log([tc(3)], "full")
    assert rb.load("full", query="record").id.tolist() == [1, 3]


# -- crashes --------------------------------------------------------------------------------------
def _check_whole(name: str, before: set, batch: set) -> str:
    """Which of the call a reader finds: "none" or "all" (anything else fails here)."""
    dataset_store._cache.clear()
    df = rb.load(name)
    ids = set(df.id)
    assert ids in (before, before | batch), f"{len(ids - before)} of {len(batch)} new records"
    searched = rb.load(name, query="record OR test")
    assert set(searched.id) == ids, "the index does not agree with the records"
    annotated = rb.load(name, query="annotated_as:batch")
    assert set(annotated.id) == {i for i in ids if i >= 1000}
    return "all" if ids == before | batch else "none"


def _fresh(name: str, ids: set) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name in rb.datasets().name.tolist():
            rb.delete(name)
        rb.log([tc(i) for i in ids], name)


def _crash_runs(workspace: Path, runs: int, size: int) -> list[tuple[bool, str]]:
    """Kill a writer at a random moment of a big log, ``runs`` times; each starts afresh.

    Each run gives whether the writer had said its call returned before the kill, and
    what a reader then finds.
    """
    base = set(range(50))
    outcomes: list[tuple[bool, str]] = []
    rng = random.Random(7)
    for run in range(runs):
        if run == 0 or outcomes[-1][1] == "all":
            _fresh("crash", base)
        batch = set(range(1000, 1000 + size))
        proc = start("big_log", "crash", "1000", str(size))
        time.sleep(rng.uniform(0.0, 0.5 + size / 40_000))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        returned = "done" in proc.stdout.read()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outcomes.append((returned, _check_whole("crash", base, batch)))
    return outcomes


def test_kill_minus_9_during_log_leaves_none_or_all_of_the_call(workspace):
    outcomes = _crash_runs(workspace, runs=6, size=20_000)
    # every run left none or all of the call (_check_whole); a call that had returned is kept
    assert all(found == "all" for returned, found in outcomes if returned), outcomes


@pytest.mark.parametrize(
    "stage, found",
    [
        ("records file", "none"),  # written, but no manifest names it yet
        ("commit", "none"),  # the manifest is the commit: not replaced, nothing happened
        ("after commit", "all"),  # committed, not indexed: the index catches up
        ("index", "all"),  # committed, half indexed: the index catches up
    ],
)
def test_a_writer_killed_at_each_stage_of_a_log_leaves_none_before_the_commit_all_after(
    workspace, stage, found
):
    base, batch = set(range(50)), set(range(1000, 3000))
    _fresh("staged", base)
    proc = start("log_killed_at", "staged", "1000", str(len(batch)), stage)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read()  # it died at that stage
    assert "done" not in proc.stdout.read()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert _check_whole("staged", base, batch) == found
    rb.log([tc(5000)], "staged")  # and the dataset takes the next write
    assert 5000 in set(rb.load("staged", query="record").id)


@pytest.mark.slow
def test_kill_minus_9_during_a_200k_log_twenty_times(workspace):
    outcomes = _crash_runs(workspace, runs=20, size=200_000)
    assert all(found == "all" for returned, found in outcomes if returned), outcomes
    assert "none" in {found for _, found in outcomes}, "no kill landed mid-write"


# -- concurrency ----------------------------------------------------------------------------------
def _race(count: int, seconds: float) -> None:
    rb.log(tc(0), "race")
    writers = [start("writer", "race", prefix, str(count)) for prefix in ("a", "b")]
    reader = start("reader", "race", str(seconds))
    for proc in writers:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
    out, err = reader.communicate(timeout=600)
    report = json.loads(out.strip().splitlines()[-1])
    assert report["problems"] == [] and report["loads"] > 0
    dataset_store._cache.clear()
    df = rb.load("race")
    for prefix in ("a", "b"):
        mine = df[df.id.astype(str).str.startswith(f"{prefix}-")]
        assert len(mine) == count
        annotated = rb.load("race", query=f"annotated_as:{prefix}")
        assert len(annotated) == count // 2
    assert len(rb.load("race", query="*")) == len(df) == 2 * count + 1


def test_two_processes_writing_at_once_lose_nothing(workspace):
    _race(count=60, seconds=3)


@pytest.mark.slow
def test_two_processes_thousand_operations_each(workspace):
    _race(count=1000, seconds=20)
