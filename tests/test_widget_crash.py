"""kill -9 right after an acknowledged widget click: the annotation is there after restart.

A stand-in kernel (tests/widget_workers.py) opens the dataset page, sends the
page's own action messages through a fake comm, and prints each ``ack`` the
moment the widget sends it: the write is on disk, but the index commit and
facet recount ("settle") wait :data:`SETTLE_DELAY` in the kernel's loop. The
test kills the kernel with SIGKILL right after the last ack (or a little
later: into the settle, or inside its index commit), then, as a restarted
kernel, checks every record against what the acknowledged clicks promised:
through ``rb.load``, through searches (the index catches up from the records)
and through a new page.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import ipywidgets.comm
import pytest

import rubrix_widgets as rb
from rubrix_widgets import token_validation
from rubrix_widgets.store import dataset_store
from rubrix_widgets.store import workspace as ws
from rubrix_widgets.widgets.dataset_page import SETTLE_DELAY

WORKER = Path(__file__).with_name("widget_workers.py")
LABELS = ["fresh", "rotten", "plot", "mixed"]  # "mixed" is new: no record has it at first
STATUSES = ["Default", "Validated", "Discarded", "Edited"]


# -- the stand-in kernel -----------------------------------------------------------------------
class Kernels:
    """The forking worker (tests/widget_workers.py): ``start(plan)`` runs a fresh kernel
    process for each plan; its messages arrive as dicts through ``next()``."""

    def __init__(self, log: Path):
        self.log = log
        self.stderr = log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
            env=os.environ.copy(),
        )
        self.lines: queue.Queue = queue.Queue()
        self.gone: set[int] = set()  # pids of kernels that have exited (or been killed)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.next(timeout=120)  # {"imported": pid}

    def _read(self) -> None:
        decoder = json.JSONDecoder()
        for line in self.proc.stdout:
            try:
                message, end = decoder.raw_decode(line)
                assert not line[end:].strip()
            except (ValueError, AssertionError):
                message = {"error": f"not one JSON message: {line!r}"}
            self.lines.put(message)
        self.lines.put({"eof": True})

    def next(self, timeout: float = 60) -> dict:
        try:
            message = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(
                f"the kernel said nothing for {timeout} s{self.errors()}"
            ) from None
        if "gone" in message:
            self.gone.add(message["gone"])
        if "error" in message or "eof" in message or message.get("code"):
            raise AssertionError(f"the kernel failed: {message}{self.errors()}")
        return message

    def errors(self) -> str:
        text = self.log.read_text() if self.log.exists() else ""
        return f"\n--- kernel stderr ---\n{text[-3000:]}" if text.strip() else ""

    def start(self, plan: dict) -> int:
        while not self.lines.empty():  # what an earlier, failed round left unread
            self.lines.get_nowait()
        self.proc.stdin.write(json.dumps(plan) + "\n")
        self.proc.stdin.flush()
        return self.wait_for("ready")["ready"]

    def wait_for(self, key: str, value=None) -> dict:
        while True:
            message = self.next()
            if key in message and (value is None or message[key] == value):
                return message
            if "gone" in message:
                raise AssertionError(f"the kernel exited before {key!r}: {message}{self.errors()}")

    def acks(self, count: int, then_kill: int | None = None) -> list[dict]:
        """The next ``count`` acks; with ``then_kill`` (a pid) SIGKILL it right after the last."""
        acks = []
        while len(acks) < count:
            message = self.next()
            if "gone" in message:
                raise AssertionError(f"the kernel exited after {len(acks)} acks{self.errors()}")
            if "ack" in message:
                acks.append(message["ack"])
        if then_kill is not None:
            os.kill(then_kill, signal.SIGKILL)
        return acks

    def kill_inside_the_commit(self, pid: int, folder: Path, before: set) -> bool:
        """SIGKILL inside the settle's index commit: as soon as it has written a delete
        file (``*.del``, not in ``before``), before it can write its ``meta.json``.
        False when the commit ended first (the kill came after it)."""
        self.wait_for("commit", "start")
        deadline = time.monotonic() + 30
        inside = False
        while not inside and time.monotonic() < deadline and self.lines.empty():
            inside = any(n.endswith(".del") and n not in before for n in os.listdir(folder))
            if not inside:
                time.sleep(0.0003)  # leave the (shared) cores to the commit
        os.kill(pid, signal.SIGKILL)
        return inside

    def kill(self, pid: int) -> None:
        """SIGKILL (no grace); returns once the process is gone."""
        if pid in self.gone:
            return
        with contextlib.suppress(ProcessLookupError):  # exited meanwhile
            os.kill(pid, signal.SIGKILL)
        while pid not in self.gone:
            self.next()

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(timeout=10)
        self.proc.stdout.close()
        self.stderr.close()


@pytest.fixture(scope="module")
def kernels(tmp_path_factory):
    kernels = Kernels(tmp_path_factory.mktemp("kernels") / "stderr.txt")
    yield kernels
    kernels.close()


class QuietComm:
    """For the page the test itself opens after the crash (as a restarted notebook would)."""

    kernel = "fake kernel"

    def __init__(self, **kwargs):
        self.comm_id = "quiet"

    def send(self, data=None, metadata=None, buffers=None):
        pass

    def on_msg(self, callback):
        pass

    def on_close(self, callback):
        pass

    def close(self, data=None, metadata=None, buffers=None, deleting=False):
        pass


@pytest.fixture(autouse=True)
def quiet_comm(monkeypatch):
    monkeypatch.setattr(ipywidgets.comm, "create_comm", lambda **kwargs: QuietComm(**kwargs))


# -- what the acknowledged clicks promise ------------------------------------------------------
class Expected:
    """Every record's annotation, status and annotator, as the acknowledged clicks left them."""

    def __init__(self, name: str):
        df = rb.load(name)
        self.name = name
        self.ids = df.id.tolist()
        self.texts = df.text.tolist()
        self.rows = {
            i: (a, s, by)
            for i, a, s, by in zip(
                df.id, df.annotation, df.status, df.annotation_agent, strict=True
            )
        }
        self.top = {i: p[0][0] if p else None for i, p in zip(df.id, df.prediction, strict=True)}
        self.spans = {i: p for i, p in zip(df.id, df.prediction, strict=True)}
        self.tokens = dict(zip(df.id, df.tokens, strict=True)) if "tokens" in df else {}

    def click(self, action: str, ids, annotation, agent: str) -> int:
        """Apply one acknowledged action; returns how many records it changes."""
        changed = 0
        for i in dict.fromkeys(ids):
            old = self.rows[i][0]
            if action == "annotate":
                label = annotation[0] if isinstance(annotation, list) else annotation
                self.rows[i] = (label, "Validated", agent)
            elif action == "edit":
                self.rows[i] = (annotation, "Edited", agent)
            elif action == "validate":
                chosen = old if old is not None else self.top[i]
                if chosen is None:
                    continue
                self.rows[i] = (chosen, "Validated", agent)
            elif action == "discard":
                self.rows[i] = (old, "Discarded", agent if old is not None else None)
            changed += 1
        return changed

    def add_span(self, i, label: str, start: int, end: int, agent: str) -> None:
        old = self.rows[i][0]
        spans = list(old) if old is not None else [tuple(s[:3]) for s in self.spans[i] or ()]
        spans = [s for s in spans if s[2] <= start or s[1] >= end]
        spans.append((label, start, end))
        self.rows[i] = (sorted(spans, key=lambda s: (s[1], s[2], s[0])), "Edited", agent)

    def having(self, test) -> set:
        return {i for i, row in self.rows.items() if test(*row)}


def index_state(name: str) -> str:
    """Read before anything opens the dataset: did the kill land before the index commit?"""
    folder = ws.root() / name
    records = json.loads((folder / "dataset.json").read_text())["version"]
    try:
        indexed = json.loads((folder / "index" / "rb_state.json").read_text())["version"]
    except FileNotFoundError:
        return "index missing"
    assert indexed <= records
    return "index behind" if indexed < records else "index caught up"


def found(query: str, name: str) -> set:
    return set(rb.load(name, query=query).id)


def check_after_restart(expected: Expected, agents: set, words: dict, page_first: bool) -> None:
    """A restarted kernel sees every acknowledged click, in the records and the index."""
    name = expected.name
    dataset_store._cache.clear()  # forget this process's open files: a fresh view
    if page_first:  # the dataset page is what opens the crashed dataset (and catches up)
        page = rb.show(name)
        statuses = Counter(row[1] for row in expected.rows.values())
        progress = {k: page._progress[k.lower()] for k in ("Validated", "Discarded", "Edited")}
        assert progress == {k: statuses[k] for k in progress}
        if page.task == "TextClassification":
            labels = Counter(row[0] for row in expected.rows.values() if row[0] is not None)
            assert dict(page._facets["annotated_as"]) == dict(labels)
        assert page.total == len(expected.ids)
        page.close()

    df = rb.load(name)
    assert df.id.tolist() == expected.ids, "records are missing, duplicated or moved"
    assert df.text.tolist() == expected.texts
    got = {
        i: (a, s, by)
        for i, a, s, by in zip(df.id, df.annotation, df.status, df.annotation_agent, strict=True)
    }
    wrong = {i: (got[i], want) for i, want in expected.rows.items() if got[i] != want}
    assert not wrong, f"{len(wrong)} records differ from their acknowledged clicks: {wrong}"

    assert sorted(found("*", name)) == sorted(expected.ids), "the index disagrees with records"
    for status in STATUSES:
        assert found(f"status:{status}", name) == expected.having(lambda a, s, by, x=status: s == x)
    for agent in agents:
        assert found(f"annotated_by:{agent}", name) == expected.having(
            lambda a, s, by, x=agent: by == x
        )
    for query, test in words.items():
        assert found(query, name) == expected.having(test), query


# -- rounds: clicks, kill -9, restart, check ---------------------------------------------------
def _kill_rounds(
    kernels: Kernels,
    name: str,
    make_round,
    rounds: int,
    seed: int,
    delay=None,
    into: str | None = None,
) -> Counter:
    """``rounds`` kernels, each killed with SIGKILL right after its last ack (or after
    ``delay(rng)`` more seconds, or ``into="settle"``: a moment after its settle starts,
    or ``into="commit"``: inside its index commit); after each, a restarted
    view checks every record. ``make_round(rng, k, expected, agent)`` gives a round's
    steps (applied to ``expected``), each ack's ``result``, and the searches that must
    find what the clicks wrote."""
    rng = random.Random(seed)
    expected = Expected(name)
    searches: dict = {}
    outcomes: Counter = Counter()
    for k in range(rounds):
        agent = f"clicker{k}"
        steps, changes, queries = make_round(rng, k, expected, agent)
        searches.update(queries)
        pid = kernels.start(
            {
                "workspace": str(ws.root()),
                "name": name,
                "annotator": agent,
                "steps": steps,
                "hold": 3.0,
            }
        )
        try:
            right_away = delay is None and into is None
            acks = kernels.acks(len(changes), then_kill=pid if right_away else None)
            index_files = set(os.listdir(ws.root() / name / "index"))
            if into == "settle":
                kernels.wait_for("settle", "start")
                time.sleep(rng.uniform(0, 0.03))
            elif into == "commit":
                folder = ws.root() / name / "index"
                if kernels.kill_inside_the_commit(pid, folder, index_files):
                    outcomes["killed after the commit's delete file"] += 1
            elif delay is not None:
                time.sleep(delay(rng))
        finally:
            kernels.kill(pid)
        where = f"round {k}: {steps}, acks {acks}"
        assert [a["ok"] for a in acks] == [True] * len(acks), where
        assert [a["result"] for a in acks] == changes, where
        outcomes[index_state(name)] += 1
        try:
            check_after_restart(expected, {agent, "critic"}, searches, page_first=k % 2 == 0)
        except AssertionError as exc:
            raise AssertionError(f"{where}: {exc}") from exc
    return outcomes


# -- text classification: real movie reviews ----------------------------------------------------
@pytest.fixture
def reviews(rotten_tomatoes) -> str:
    """300 real reviews; a made-up prediction each; a third annotated, some discarded."""
    data = rotten_tomatoes.dropna(subset=["text"]).sample(n=300, random_state=5)
    records = []
    for i, (text, category) in enumerate(zip(data.text, data.category, strict=True)):
        top = category if i % 3 else [c for c in LABELS[:3] if c != category][i % 2]
        rest = [c for c in LABELS[:3] if c != top]
        records.append(
            rb.TextClassificationRecord(
                id=i,
                text=text,
                prediction=[(top, 0.7), (rest[0], 0.2), (rest[1], 0.1)],
                annotation=category if i % 3 == 0 else None,
                annotation_agent="critic" if i % 3 == 0 else None,
                status="Discarded" if i % 10 == 7 else "Validated" if i % 3 == 0 else "Default",
            )
        )
    rb.log(records, "reviews", verbose=False)
    return "reviews"


LABEL_SEARCHES = {f"annotated_as:{x}": (lambda a, s, by, x=x: a == x) for x in LABELS}


def _query_word(rng: random.Random, expected: Expected) -> tuple[str, list]:
    """A word of a review that a few (not most) reviews contain, and those reviews."""
    while True:
        words = re.findall(r"\b[a-z]{6,}\b", rng.choice(expected.texts))
        if words:
            word = rng.choice(words)
            hits = sorted(found(word, expected.name))
            if 2 <= len(hits) <= len(expected.ids) // 4:
                return word, hits


def _click(rng, expected: Expected, agent: str, action=None, ids=None):
    action = action or rng.choice(["annotate", "annotate", "validate", "discard"])
    step = {"action": action, "ids": ids or [rng.choice(expected.ids)]}
    if action == "annotate":
        step["annotation"] = [rng.choice(LABELS)]  # the page sends a list of labels
    return step, expected.click(action, step["ids"], step.get("annotation"), agent)


def label_round(kinds: list[str]):
    """Rounds of label clicks; round ``k`` is of kind ``kinds[k]``."""

    def make_round(rng: random.Random, k: int, expected: Expected, agent: str):
        kind = kinds[k]
        if kind == "burst":  # quick clicks (a settle may fall between the slower ones)
            steps, changes = [], []
            for _ in range(rng.randint(3, 6)):
                step, changed = _click(rng, expected, agent)
                steps.append({**step, "gap": rng.choice([0, 0, 0.01, 0.04, SETTLE_DELAY + 0.05])})
                changes.append(changed)
            return steps, changes, LABEL_SEARCHES
        if kind == "selection":  # several records ticked, then one button
            step, changed = _click(rng, expected, agent, ids=rng.sample(expected.ids, 4))
            return [step], [changed], LABEL_SEARCHES
        if kind == "bulk":  # "select all matching the search", then one button
            word, hits = _query_word(rng, expected)
            action = rng.choice(["annotate", "validate", "discard"])
            step = {"action": action, "scope": "query"}
            if action == "annotate":
                step["annotation"] = [rng.choice(LABELS)]
            changed = expected.click(action, hits, step.get("annotation"), agent)
            return [{"query": word, "gap": 0.01}, step], [changed], LABEL_SEARCHES
        step, changed = _click(rng, expected, agent, action=kind)
        return [step], [changed], LABEL_SEARCHES

    return make_round


TEN = ["annotate", "burst", "validate", "bulk", "discard", "burst", "selection", "bulk"]
TEN += ["burst", "annotate"]
KINDS = ["annotate", "validate", "discard", "burst", "selection", "bulk"]


def test_kill_minus_9_right_after_the_ack_keeps_every_acknowledged_click(kernels, reviews):
    outcomes = _kill_rounds(kernels, reviews, label_round(TEN), len(TEN), seed=1)
    # the kills landed before the settle's index commit (it waits SETTLE_DELAY after the ack)
    assert outcomes["index behind"] >= 8, outcomes


def test_kill_minus_9_while_the_page_settles_keeps_every_acknowledged_click(kernels, reviews):
    outcomes = _kill_rounds(
        kernels, reviews, label_round(TEN), len(TEN), seed=2, delay=lambda r: r.uniform(0, 0.3)
    )
    assert outcomes["index behind"] >= 1, outcomes


def test_a_record_clicked_twice_before_the_kill_is_found_once_by_its_last_label(kernels, reviews):
    # Both clicks' record files are newer than the index; catching up must index the record
    # once, as it is now (not once per file: a stale "annotated_as:mixed" would remain).
    def make_round(rng, k, expected, agent):
        steps = [
            {"action": "annotate", "ids": [5], "annotation": ["mixed"]},
            {"action": "discard", "ids": [8]},
            {"action": "annotate", "ids": [5], "annotation": ["plot"]},  # changed their mind
            {"action": "validate", "ids": [8]},
        ]
        changes = [expected.click(s["action"], s["ids"], s.get("annotation"), agent) for s in steps]
        return steps, changes, LABEL_SEARCHES

    outcomes = _kill_rounds(kernels, reviews, make_round, 1, seed=0)
    assert outcomes["index behind"] == 1, outcomes


@pytest.mark.slow
def test_kill_minus_9_right_after_the_ack_sixty_rounds(kernels, reviews):
    kinds = random.Random(3).choices(KINDS, k=60)
    outcomes = _kill_rounds(kernels, reviews, label_round(kinds), len(kinds), seed=3)
    assert outcomes["index behind"] >= 48, outcomes


@pytest.mark.slow
def test_kill_minus_9_at_random_times_into_the_settle_forty_rounds(kernels, reviews):
    kinds = random.Random(4).choices(KINDS, k=40)
    outcomes = _kill_rounds(
        kernels, reviews, label_round(kinds), len(kinds), seed=4, delay=lambda r: r.uniform(0, 0.3)
    )
    assert outcomes["index behind"] >= 1, outcomes


def test_kill_minus_9_inside_the_index_commit_keeps_every_acknowledged_click(kernels, reviews):
    kinds = ["annotate", "selection", "validate", "discard", "annotate", "bulk"]
    outcomes = _kill_rounds(kernels, reviews, label_round(kinds), len(kinds), seed=8, into="commit")
    assert outcomes["killed after the commit's delete file"] >= 1, outcomes


@pytest.mark.slow
def test_kill_minus_9_inside_the_settle_thirty_rounds(kernels, reviews):
    kinds = random.Random(5).choices(["annotate", "burst", "selection", "bulk"], k=30)
    outcomes = _kill_rounds(kernels, reviews, label_round(kinds), len(kinds), seed=5, into="settle")
    assert outcomes["index behind"] >= 1, outcomes


@pytest.mark.slow
def test_kill_minus_9_inside_the_index_commit_thirty_rounds(kernels, reviews):
    kinds = random.Random(9).choices(KINDS, k=30)
    outcomes = _kill_rounds(kernels, reviews, label_round(kinds), len(kinds), seed=9, into="commit")
    assert outcomes["killed after the commit's delete file"] >= 5, outcomes


# -- Text2Text: real dialogue -----------------------------------------------------------------
@pytest.fixture
def replies(chatterbot_pairs) -> str:
    pairs = chatterbot_pairs[:80]
    records = [
        rb.Text2TextRecord(
            id=i,
            text=prompt,
            prediction=[(reply, 0.9), (pairs[(i + 7) % len(pairs)][1], 0.3)],
            prediction_agent="corpus",
        )
        for i, (prompt, reply) in enumerate(pairs)
    ]
    rb.log(records, "replies", verbose=False)
    return "replies"


def text_round(rng: random.Random, k: int, expected: Expected, agent: str):
    """Drafts typed (``edit``) and corrections saved (``annotate``), each with a word of its
    own that ``annotation:<word>`` must find."""
    steps, changes, searches = [], [], {}
    for c in range(rng.randint(1, 3)):
        word = f"crashword{chr(97 + k)}{chr(97 + c)}"
        action = rng.choice(["edit", "annotate"])
        text = f"A reply typed just before the crash, {word}."
        steps.append({"action": action, "ids": [rng.choice(expected.ids)], "annotation": text})
        changes.append(expected.click(action, steps[-1]["ids"], text, agent))
        searches[f"annotation:{word}"] = lambda a, s, by, w=word: a is not None and w in a
    return steps, changes, searches


def test_kill_minus_9_after_text2text_drafts_and_corrections_keeps_them(kernels, replies):
    outcomes = _kill_rounds(kernels, replies, text_round, 4, seed=6)
    assert outcomes["index behind"] >= 3, outcomes


# -- TokenClassification: real tweets ------------------------------------------------------------
@pytest.fixture
def tweets(ner_sentences) -> str:
    """Real WNUT-style tweets with their gold tags as predictions and no annotation."""
    records = [
        rb.TokenClassificationRecord(
            id=i, tokens=[t for t, _ in sentence], tags=[tag for _, tag in sentence]
        )
        for i, sentence in enumerate(ner_sentences[:60])
    ]
    frame = rb.DatasetForTokenClassification(records).to_pandas()
    frame["prediction"] = frame["annotation"].map(lambda spans: [(*s, 0.8) for s in spans or []])
    frame["annotation"] = None
    rb.log(frame, "tweets", verbose=False)
    return "tweets"


def span_round(rng: random.Random, k: int, expected: Expected, agent: str):
    """Spans added by clicking a token (a new label per round)."""
    steps, changes = [], []
    label = f"CRASH{k}"
    for _ in range(rng.randint(1, 3)):
        i = rng.choice(expected.ids)
        text = expected.texts[expected.ids.index(i)]
        start, end = rng.choice(token_validation.token_offsets(text, expected.tokens[i]))
        steps.append({"action": "add_span", "id": i, "label": label, "start": start, "end": end})
        expected.add_span(i, label, start, end, agent)
        changes.append(1)
    has = lambda a, s, by, x=label: any(span[0] == x for span in a or ())  # noqa: E731
    return steps, changes, {f"annotated_as:{label}": has}


def test_kill_minus_9_after_added_spans_keeps_them(kernels, tweets):
    outcomes = _kill_rounds(kernels, tweets, span_round, 4, seed=7)
    assert outcomes["index behind"] >= 3, outcomes
