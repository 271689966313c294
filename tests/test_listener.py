"""rb.listener: runs an action when its dataset changes, in a kernel's loop or a thread."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import textwrap
import threading

import ipywidgets.comm
import pytest
from fake_comm import FakeComm

import rubrix_widgets as rb

WAIT = 20  # seconds a test waits for a run before failing; runs normally take milliseconds


def records(ids, label=None, batch=0):
    return [
        rb.TextClassificationRecord(
            id=i,
            text=f"review number {i}",
            prediction=[("pos", 0.7), ("neg", 0.3)],
            annotation=label,
            metadata={"batch": batch},
        )
        for i in ids
    ]


class Calls:
    """What the action saw, with a way to wait for the n-th call from another thread."""

    def __init__(self):
        self.seen: list[tuple] = []
        self._changed = threading.Condition()

    def __call__(self, records, ctx):
        with self._changed:
            self.seen.append((len(records), ctx.search.total, ctx.query, threading.get_ident()))
            self._changed.notify_all()

    def wait_for(self, n: int) -> None:
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.seen) >= n, timeout=WAIT), self.seen


async def until(predicate, timeout=WAIT):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "the listener did not run"
        await asyncio.sleep(0.01)


# -- in a plain script: a daemon thread ---------------------------------------------------------
def test_in_a_script_it_runs_at_start_and_after_each_log():
    rb.log(records(range(3)), "reviews")
    calls = Calls()
    watcher = rb.listener("reviews", query="status:Validated")(calls)
    watcher.start()
    try:
        calls.wait_for(1)
        assert calls.seen[0][:2] == (0, 0)
        rb.log(records([0, 1], label="pos"), "reviews")
        calls.wait_for(2)
        assert calls.seen[-1][:2] == (2, 2)
        assert calls.seen[-1][3] != threading.get_ident()  # not the writer's thread
    finally:
        watcher.stop()
    rb.log(records([2], label="neg"), "reviews")
    assert not watcher.is_running()
    assert len(calls.seen) == 2  # stopped: no more runs


def test_starting_twice_or_stopping_twice_is_a_clear_error():
    rb.log(records(range(2)), "reviews")
    watcher = rb.listener("reviews")(lambda records, ctx: None)
    with pytest.raises(ValueError, match="not running"):
        watcher.stop()
    watcher.start()
    with pytest.raises(ValueError, match="already running"):
        watcher.start()
    watcher.stop()
    with pytest.raises(ValueError, match="not running"):
        watcher.stop()
    watcher.start()  # a stopped listener starts again
    watcher.stop()


# -- in a kernel: the kernel's own loop ----------------------------------------------------------
def test_in_a_kernel_runs_happen_on_the_loop_thread_once_the_cell_is_done():
    rb.log(records(range(5)), "reviews")
    calls = Calls()
    watcher = rb.listener("reviews", query="annotated_as:pos")(calls)

    async def kernel():
        watcher.start()
        await until(lambda: len(calls.seen) == 1)
        rb.log(records([0], label="pos"), "reviews")  # three writes in one "cell"...
        rb.log(records([1], label="pos"), "reviews")
        rb.log(records([2], label="pos"), "reviews")
        assert len(calls.seen) == 1  # ...nothing runs inside the cell
        await until(lambda: len(calls.seen) == 2)
        await asyncio.sleep(0.05)
        watcher.stop()

    asyncio.run(kernel())
    assert [s[1] for s in calls.seen] == [0, 3]  # coalesced into one run that sees all three
    assert {s[3] for s in calls.seen} == {threading.get_ident()}


def test_widget_clicks_wake_the_listener(monkeypatch):
    monkeypatch.setattr(ipywidgets.comm, "create_comm", lambda **kwargs: FakeComm(**kwargs))
    rb.log(records(range(4)), "reviews")
    calls = Calls()
    watcher = rb.listener("reviews", query="status:Validated")(calls)

    async def kernel():
        page = rb.show("reviews", mode="annotate")
        watcher.start()
        await until(lambda: len(calls.seen) == 1)
        page.annotate([0, 1], "neg")
        await until(lambda: len(calls.seen) == 2)
        page.undo()
        await until(lambda: len(calls.seen) == 3)
        watcher.stop()
        page.close()

    asyncio.run(kernel())
    assert [s[1] for s in calls.seen] == [0, 2, 0]


def test_changes_by_another_process_are_noticed_by_polling(workspace):
    rb.log(records(range(2)), "reviews")
    calls = Calls()
    watcher = rb.listener("reviews", query="annotated_as:pos", execution_interval_in_seconds=0.1)(
        calls
    )
    other = textwrap.dedent(
        f"""
        import rubrix_widgets as rb
        rb.init(workspace={str(workspace)!r})
        rb.log([rb.TextClassificationRecord(id=9, text="from elsewhere", annotation="pos")],
               "reviews")
        """
    )

    async def kernel():
        watcher.start()
        await until(lambda: len(calls.seen) == 1)
        await asyncio.to_thread(subprocess.run, [sys.executable, "-c", other], check=True)
        await until(lambda: len(calls.seen) == 2)
        watcher.stop()

    asyncio.run(kernel())
    assert calls.seen[-1][1] == 1


# -- queries, conditions, context ---------------------------------------------------------------
def test_query_placeholders_come_from_query_params_and_the_action_may_change_them():
    rb.log(records(range(0, 3), label="pos", batch=0) + records(range(3, 8), batch=1), "reviews")
    totals, queries = [], []

    @rb.listener(
        "reviews",
        query="status:Validated AND metadata.batch:{batch}",
        condition=lambda search: search.total >= 3,
        batch=0,
    )
    def next_batch(records, ctx):
        totals.append(ctx.search.total)
        queries.append(ctx.query)
        ctx.query_params["batch"] += 1

    async def kernel():
        next_batch.start()
        await until(lambda: len(totals) == 1)
        rb.log(records([3, 4], label="neg", batch=1), "reviews")  # 2 of batch 1: not yet
        await asyncio.sleep(0.05)
        assert len(totals) == 1
        rb.log(records([5], label="neg", batch=1), "reviews")  # the third one
        await until(lambda: len(totals) == 2)
        next_batch.stop()

    asyncio.run(kernel())
    assert totals == [3, 3]
    assert queries == [
        "status:Validated AND metadata.batch:0",
        "status:Validated AND metadata.batch:1",
    ]
    assert next_batch.query_params == {"batch": 2}


def test_a_missing_placeholder_is_an_error_naming_it():
    with pytest.raises(ValueError, match=r"placeholder \{batch\}.*batch=\.\.\."):
        rb.listener("reviews", query="metadata.batch:{batch}")(lambda r, c: None)
    with pytest.raises(ValueError, match="not a valid template"):
        rb.listener("reviews", query="metadata.batch:{}")(lambda r, c: None)


def test_bad_arguments_are_refused_before_anything_runs():
    with pytest.raises(ValueError, match="dataset name"):
        rb.listener("Not A Name")(lambda r, c: None)
    with pytest.raises(rb.QuerySyntaxError):
        rb.listener("reviews", query="text:(unclosed")(lambda r, c: None)
    with pytest.raises(ValueError, match="positive"):
        rb.listener("reviews", execution_interval_in_seconds=0)(lambda r, c: None)
    with pytest.raises(TypeError, match="callable"):
        rb.listener("reviews", condition="total > 3")(lambda r, c: None)


def test_without_records_the_action_gets_the_context_and_the_count():
    rb.log(records(range(6), label="pos"), "reviews")
    seen = []

    async def kernel():
        watcher = rb.listener("reviews", query="annotated_as:pos", with_records=False)(
            lambda extra, ctx: seen.append((ctx.search.total, ctx.dataset, extra))
        )
        watcher.start("an extra argument")
        await until(lambda: seen)
        watcher.stop()

    asyncio.run(kernel())
    assert seen == [(6, "reviews", "an extra argument")]


def test_the_actions_own_writes_do_not_wake_it_again():
    rb.log(records(range(3)), "reviews")
    runs = []

    def relabel(records, ctx):
        runs.append(len(records))
        rb.log(records.assign(annotation="neg", status="Validated"), "reviews")

    async def kernel():
        watcher = rb.listener("reviews", query="status:Default")(relabel)
        watcher.start()
        await until(lambda: runs)
        await asyncio.sleep(0.1)
        rb.log(records([7]), "reviews")  # a change from outside the action
        await until(lambda: len(runs) == 2)
        await asyncio.sleep(0.1)
        watcher.stop()

    asyncio.run(kernel())
    assert runs == [3, 1]


def test_a_failing_action_is_logged_and_the_listener_keeps_running(caplog):
    rb.log(records(range(2)), "reviews")
    runs = []

    def flaky(records, ctx):
        runs.append(len(records))
        if len(runs) == 1:
            raise RuntimeError("model server down")

    async def kernel():
        watcher = rb.listener("reviews")(flaky)
        watcher.start()
        await until(lambda: runs)
        rb.log(records([5]), "reviews")
        await until(lambda: len(runs) == 2)
        watcher.stop()
        return watcher

    with caplog.at_level(logging.ERROR, logger="rubrix_widgets"):
        watcher = asyncio.run(kernel())
    assert runs == [2, 3]
    assert isinstance(watcher.last_error, RuntimeError)
    assert "model server down" in caplog.text


def test_a_listener_started_before_its_dataset_exists_waits_for_it():
    seen = []

    async def kernel():
        watcher = rb.listener("later", query="pos")(lambda records, ctx: seen.append(len(records)))
        watcher.start()
        await asyncio.sleep(0.05)
        assert seen == []
        rb.log(records(range(2)), "later")
        await until(lambda: seen)
        watcher.stop()

    asyncio.run(kernel())
    assert seen == [0]  # "pos" is a label, not in the text: the query ran on the new dataset


def test_metrics_are_computed_each_run_and_given_to_the_condition():
    rb.log(records(range(4)), "reviews")
    seen = []

    def enough_validated(search, metrics):
        return metrics["records_status"].get("Validated", 0) >= 2

    async def kernel():
        watcher = rb.listener("reviews", metrics=["records_status"], condition=enough_validated)(
            lambda records, ctx: seen.append(ctx.metrics["records_status"])
        )
        watcher.start()
        await asyncio.sleep(0.05)
        rb.log(records([0], label="pos"), "reviews")
        await asyncio.sleep(0.05)
        assert seen == []
        rb.log(records([1], label="neg"), "reviews")
        await until(lambda: seen)
        watcher.stop()

    asyncio.run(kernel())
    assert seen[0]["Validated"] == 2 and seen[0]["Default"] == 2


def test_an_unknown_metric_is_an_error_naming_the_known_ones():
    rb.log(records(range(2)), "reviews")
    watcher = rb.listener("reviews", metrics=["accuracy"])(lambda records, ctx: None)
    with pytest.raises(
        ValueError, match="no metric 'accuracy'.*status_distribution.*records_status"
    ):
        watcher.start()
    assert not watcher.is_running()
