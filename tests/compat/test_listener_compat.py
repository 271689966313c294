"""Rubrix 0.18 fidelity of ``rb.listener``: the action's arguments, the context, metrics.

Every listener here runs in an asyncio loop, as in a kernel: a run happens once the test
yields to the loop after ``start()`` or after a change.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import subprocess
import sys

import pytest

import rubrix_widgets as rb
from rubrix_widgets.listeners import (
    Metrics,
    MissingQueryParamError,
    RBDatasetListener,
    RBListenerContext,
    Search,
)

WAIT = 20  # seconds before a test gives up on a run


@pytest.fixture
def reviews(rotten_tomatoes) -> str:
    """300 real review snippets: the first 40 validated with their label, all predicted."""
    head = rotten_tomatoes.dropna(subset=["text"]).iloc[:300]
    labels = head.category.tolist()
    rb.log(
        [
            rb.TextClassificationRecord(
                id=i,
                text=text,
                prediction=[(label, 0.8), ("other", 0.2)],
                annotation=label if i < 40 else None,
                status="Validated" if i < 40 else "Default",
                metadata={"batch": i // 100},
            )
            for i, (text, label) in enumerate(zip(head.text, labels, strict=True))
        ],
        "reviews",
    )
    return "reviews"


def run_once(watcher: RBDatasetListener, *args, calls: list, **kwargs) -> None:
    """Start ``watcher`` in a loop, wait for its first run, stop it."""

    async def kernel():
        watcher.start(*args, **kwargs)
        deadline = asyncio.get_running_loop().time() + WAIT
        while not calls:
            assert asyncio.get_running_loop().time() < deadline, "the listener did not run"
            await asyncio.sleep(0.01)
        watcher.stop()

    asyncio.run(kernel())


def test_start_arguments_come_before_the_records_and_the_context(reviews):
    calls = []

    class Trainer:
        @rb.listener(reviews, query="status:Validated")
        def train(self, records, ctx, *, epochs):
            calls.append((self, len(records), ctx.dataset, epochs))

    trainer = Trainer()
    run_once(Trainer.train, trainer, calls=calls, epochs=3)
    assert calls == [(trainer, 40, reviews, 3)]


def test_a_partial_gets_its_own_arguments_then_the_start_ones(reviews):
    calls = []

    def action(tag, extra, records, ctx):
        calls.append((tag, extra, len(records), type(ctx).__name__))

    watcher = rb.listener(reviews)(functools.partial(action, "tagged"))
    run_once(watcher, "extra", calls=calls)
    assert calls == [("tagged", "extra", 300, "RBListenerContext")]


def test_without_records_the_action_gets_the_start_arguments_then_the_context(reviews):
    calls = []
    watcher = rb.listener(reviews, query="status:Default", with_records=False)(
        lambda first, ctx, *, flag: calls.append((first, ctx.search.total, flag))
    )
    run_once(watcher, "first", calls=calls, flag=True)
    assert calls == [("first", 260, True)]


def test_the_context_has_rubrixs_fields_in_rubrixs_order(reviews):
    assert [f.name for f in dataclasses.fields(RBListenerContext)] == [
        "listener",
        "search",
        "metrics",
        "query_params",
    ]
    calls = []
    watcher = rb.listener(reviews, query="metadata.batch:{batch}", batch=1)(
        lambda records, ctx: calls.append(ctx)
    )
    run_once(watcher, calls=calls)
    ctx = calls[0]
    assert ctx.__listener__ is watcher and ctx.listener is watcher
    assert "listener" not in repr(ctx)
    assert ctx.query_params is watcher.query_params  # the action's changes are kept
    assert ctx.query == "metadata.batch:1" and ctx.dataset == reviews
    assert ctx.metrics == {} and isinstance(ctx.metrics, Metrics)  # none asked: empty


def test_the_search_carries_a_copy_of_the_query_params_it_ran_with(reviews):
    seen = []

    def condition(search):
        seen.append(search)
        return True

    def action(records, ctx):
        ctx.query_params["batch"] += 1

    watcher = rb.listener(reviews, query="metadata.batch:{batch}", condition=condition, batch=0)(
        action
    )
    run_once(watcher, calls=seen)
    assert seen[0] == Search(total=100, query_params={"batch": 0})
    assert watcher.query_params == {"batch": 1}  # the search's copy did not follow


def test_the_condition_gets_the_metrics_only_when_some_are_asked_for(reviews):
    arities = []

    def one(search):
        arities.append(1)
        return False

    watcher = rb.listener(reviews, condition=one)(lambda records, ctx: None)
    run_once(watcher, calls=arities)
    assert arities == [1] and watcher.runs == 0  # false: the action did not run


def test_rubrix_metric_ids_give_the_metric_data_readable_as_attributes(reviews):
    seen = []

    def condition(search, metrics):
        seen.append(metrics)
        return metrics.status_distribution["Validated"] == 40

    query = "metadata.batch:0"  # the first 100 records: metrics are computed on them
    watcher = rb.listener(
        reviews,
        query=query,
        metrics=["F1", "status_distribution", "records_status"],
        condition=condition,
    )(lambda records, ctx: seen.append(ctx.metrics))
    run_once(watcher, calls=seen)
    assert len(seen) == 2  # the condition held: the action saw the same metrics
    for metrics in seen:
        assert rb.metrics.by_id(reviews, "F1", query) == metrics.F1  # what Rubrix's server sent
        assert metrics["F1"]["f1_micro"] == metrics.F1.f1_micro
        assert metrics.status_distribution == {"Validated": 40, "Default": 60}
        assert metrics.records_status == rb.metrics.commons.records_status(reviews, query).data


def test_an_unknown_metric_id_is_refused_at_start_naming_it(reviews):
    watcher = rb.listener(reviews, metrics=["accuracy"])(lambda records, ctx: None)
    with pytest.raises(ValueError, match="no metric 'accuracy'.*F1.*records_status"):
        watcher.start()
    assert not watcher.is_running()


def test_metrics_read_nested_data_as_attributes():
    metrics = Metrics.from_dict({"F1": {"f1_micro": 0.5, "per_label": [{"label": "a"}]}})
    assert metrics.F1.f1_micro == 0.5
    assert metrics.F1.per_label[0].label == "a"
    with pytest.raises(AttributeError, match="no metric 'recall'"):
        _ = metrics.recall


def test_formatted_query_is_a_property_and_a_missing_param_is_a_key_error():
    watcher = rb.listener("reviews", query="metadata.batch:{batch}", batch=2)(lambda r, c: None)
    assert watcher.formatted_query == "metadata.batch:2"
    del watcher.query_params["batch"]
    with pytest.raises(KeyError, match=r"placeholder \{batch\}"):
        _ = watcher.formatted_query
    with pytest.raises(MissingQueryParamError):
        rb.listener("reviews", query="metadata.batch:{batch}")(lambda r, c: None)


def test_positional_arguments_follow_rubrixs_field_order(reviews):
    params = {"batch": 0}
    watcher = RBDatasetListener(
        reviews, print, ["records_status"], "metadata.batch:{batch}", params, None, False, 5
    )
    assert watcher.metrics == ["records_status"]
    assert watcher.query == "metadata.batch:{batch}"
    assert watcher.query_params is params
    assert watcher.condition is None and watcher.query_records is False
    assert watcher.interval_in_seconds == 5


def test_importing_the_listeners_modules_keeps_rb_listener_a_decorator():
    # Rubrix's module paths (rubrix.listeners, rubrix.listeners.listener) must not hide the
    # decorator: Python sets a package attribute to a submodule when it is first imported
    code = (
        "import rubrix_widgets as rb\n"
        "from rubrix_widgets.listeners import RBListenerContext, Search, Metrics\n"
        "import rubrix_widgets.listeners.listener, rubrix_widgets.listeners.models\n"
        "watcher = rb.listener('reviews', query='status:Validated')(lambda r, c: None)\n"
        "print(type(watcher).__name__, watcher.query)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["RBDatasetListener", "status:Validated"]
