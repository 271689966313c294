"""A stand-in notebook kernel the widget crash tests kill -9 (``python widget_workers.py``).

It imports the package once, then reads one JSON *plan* per line on stdin and
forks a child for it (a fresh kernel in milliseconds instead of seconds of
imports; the child is a separate process, so the kill is a real ``kill -9``).
The child runs an asyncio loop as ipykernel does, so the page settles (index
commit, facet recount) ``SETTLE_DELAY`` after the clicks, in the loop. It
opens the dataset page with a fake comm, prints ``{"ready": pid}``, delivers
the plan's messages through the comm as the front end sends them, and prints
every ``ack`` as a JSON line the moment the widget sends it (before the
settle). It also prints ``{"settle": "start"}`` / ``"done"`` around each
settle and ``{"commit": "start"}`` / ``"done"`` around each index commit. The
forking process prints ``{"gone": pid, ...}`` once the child has exited or
been killed.

A plan: ``{"workspace", "name", "annotator", "page_size", "hold", "steps"}``;
a step is ``{"query": q}`` (the search box), or an action message with
``ids`` (or ``id``) in place of the ``seqs`` (``seq``) the page shows, and an
optional ``gap`` (seconds to wait before the next step).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
import traceback

import ipywidgets.comm
from fake_comm import FakeComm

import rubrix_widgets as rb
from rubrix_widgets.search import search_index
from rubrix_widgets.widgets import dataset_page
from rubrix_widgets.widgets.dataset_page import DatasetPage


def say(message: dict) -> None:
    """One line, in one write: a kill never leaves half of it (and the forking process's
    lines never land inside a child's)."""
    sys.stdout.flush()
    os.write(sys.stdout.fileno(), (json.dumps(message) + "\n").encode())


class PrintingComm(FakeComm):
    """The tests' fake comm; prints every ack as it is sent."""

    def send(self, data=None, metadata=None, buffers=None):
        if data and data.get("method") == "custom" and data["content"].get("type") == "ack":
            say({"ack": data["content"]})


def _announce_settles() -> None:
    settle = DatasetPage._settle

    def announced(self) -> None:
        if not len(self._unsettled):
            return settle(self)
        say({"settle": "start"})
        start = time.perf_counter()
        settle(self)
        say({"settle": "done", "ms": round((time.perf_counter() - start) * 1e3, 1)})

    DatasetPage._settle = announced


def _announce_commits() -> None:
    """Print ``{"commit": "start"}`` as the index commit begins (tantivy's commit, wrapped
    in ``timed("index: commit")``), so the parent can kill -9 inside it."""
    original = search_index.timed

    @contextlib.contextmanager
    def timed(stage: str, **details):
        if stage != "index: commit":
            with original(stage, **details):
                yield
            return
        say({"commit": "start"})
        start = time.perf_counter()
        with original(stage, **details):
            yield
        say({"commit": "done", "ms": round((time.perf_counter() - start) * 1e3, 1)})

    search_index.timed = timed


def _messages(page: DatasetPage, steps: list[dict]) -> list[tuple[dict, float]]:
    """The comm messages of the plan's steps: ids become the seqs the page shows."""
    session = page._session
    view = session.view()
    out = []
    for request, step in enumerate(steps, 1):
        step = dict(step)
        gap = step.pop("gap", 0.0)
        if "query" in step:
            out.append(({"method": "update", "state": step, "buffer_paths": []}, gap))
            continue
        if "ids" in step:
            step["seqs"] = session.seqs_for_ids(view, step.pop("ids")).tolist()
        if "id" in step:
            step["seq"] = int(session.seqs_for_ids(view, [step.pop("id")])[0])
        content = {**step, "type": "action", "request": request, "epoch": page._epoch}
        out.append(({"method": "custom", "content": content}, gap))
    return out


async def _kernel(plan: dict) -> None:
    rb.init(workspace=plan["workspace"], annotator=plan["annotator"])
    page = rb.show(plan["name"], page_size=plan.get("page_size", 20))
    while not page._first_done:  # the cell has shown the page and its facets
        await asyncio.sleep(0.001)
    messages = _messages(page, plan["steps"])
    say({"ready": os.getpid()})
    for message, gap in messages:
        page.comm.deliver(message)
        await asyncio.sleep(gap)
    await asyncio.sleep(plan.get("hold", 5.0))  # the settle runs in here, unless killed
    say({"idle": os.getpid()})


def _child(plan: dict) -> None:
    code = 1
    try:
        _announce_settles()
        _announce_commits()
        asyncio.run(_kernel(plan))
        code = 0
    except BaseException:
        traceback.print_exc()
        say({"error": traceback.format_exc(limit=3)})
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def main() -> None:
    ipywidgets.comm.create_comm = lambda **kwargs: PrintingComm(**kwargs)
    assert dataset_page.SETTLE_DELAY > 0
    say({"imported": os.getpid()})
    for line in sys.stdin:
        if not line.strip():
            continue
        plan = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(plan)
        _, status = os.waitpid(pid, 0)
        say(
            {
                "gone": pid,
                "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
                "code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            }
        )


if __name__ == "__main__":
    main()
