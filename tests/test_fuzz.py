"""Fuzzing with hypothesis: the promises of search and of record validation.

1. Any query string, however odd or huge, ends in results or a
   QuerySyntaxError: never another exception, a tantivy panic or a hang.
   Queries run in a worker process so that a hang or a crash of the engine
   is caught and reported instead of freezing the test run.
2. On random small datasets, the search returns exactly the records that a
   slow pure-Python reference evaluator (below) picks for random queries.
3. Valid random records round-trip exactly through rb.log / rb.load; invalid
   ones are refused with a ValueError naming the field, and nothing is stored.

The bigger variants run with ``-m slow``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import itertools
import json
import math
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rubrix_widgets as rb
from rubrix_widgets.store import workspace as ws

HANG_SECONDS = 10.0  # a query (or a log) taking longer than this counts as a hang
UTC = dt.timezone.utc
STATUSES = ("Default", "Edited", "Discarded", "Validated")
_names = itertools.count()


def fresh_name(prefix: str) -> str:
    return f"{prefix}-{next(_names)}"


def fuzz_settings(max_examples: int):
    return settings(
        max_examples=max_examples,
        derandomize=True,  # the same examples on every run: a failure is reproducible
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,  # each example uses its own dataset names
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


@contextlib.contextmanager
def time_limit(seconds: float, what: str):
    """Fail when the block runs longer than ``seconds`` (the alarm interrupts Python code;
    the clock check catches time spent in one long native call)."""

    def on_alarm(signum, frame):
        raise TimeoutError(f"{what} is still running after {seconds:g} s (a hang)")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    start = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    elapsed = time.monotonic() - start
    assert elapsed < seconds, f"{what} took {elapsed:.1f} s (a hang)"


def short(text: str, limit: int = 120) -> str:
    text = str.__str__(text)
    return repr(text if len(text) <= limit else text[:limit] + f"...<{len(text):,} chars>")


class Big(str):
    """A query whose repr (in tracebacks and hypothesis reports) is short."""

    def __repr__(self) -> str:
        return f"Big({short(self)})"


# =============================================================================================
# 1. Adversarial query strings: results or QuerySyntaxError, within the time limit
# =============================================================================================
_WORKER = r"""
import json, sys, time, traceback, warnings
import rubrix_widgets as rb
rb.init(workspace=sys.argv[1])
warnings.simplefilter("ignore")
for line in sys.stdin:
    name, query = json.loads(line)
    start = time.perf_counter()
    try:
        frame = rb.load(name, query=query)
        reply = {"ids": [str(i) for i in frame.id]}
    except rb.QuerySyntaxError as error:
        reply = {"syntax": str(error)[:3000], "length": len(str(error)),
                 "position": error.position, "same_query": error.query == query}
    except BaseException as error:  # a tantivy PanicException is a BaseException
        reply = {"crash": f"{type(error).__module__}.{type(error).__qualname__}: {error}"[:3000],
                 "traceback": traceback.format_exc()[-3000:]}
    reply["seconds"] = time.perf_counter() - start
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
"""


class QueryWorker:
    """A process that runs rb.load(name, query=...) for us, one query at a time.

    A query that panics the engine, kills the process or runs past the time
    limit fails the test with the query; the worker is then restarted.
    """

    def __init__(self, folder):
        self.folder = str(folder)
        self.proc: subprocess.Popen | None = None
        self.log = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _WORKER, self.folder],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            encoding="utf-8",
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def run(self, name: str, query: str, limit: float = HANG_SECONDS) -> dict[str, Any]:
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        assert self.proc is not None and self.proc.stdin is not None
        assert self.proc.stdout is not None
        try:
            self.proc.stdin.write(json.dumps([name, query]) + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass
        ready, _, _ = select.select([self.proc.stdout], [], [], limit + 20)  # + start-up
        line = self.proc.stdout.readline() if ready else ""
        if not line:
            died = self.proc.poll() is not None
            self.stop()
            self.log.seek(0)
            tail = self.log.read()[-2000:]
            what = "killed the search process" if died else f"ran over {limit + 20:g} s"
            pytest.fail(f"{short(query)} {what} (a crash or hang)\n{tail}")
        reply = json.loads(line)
        assert reply["seconds"] < limit, f"{short(query)} took {reply['seconds']:.1f} s"
        return reply


def check_outcome(reply: dict[str, Any], query: str, known_ids: list[str]) -> None:
    """Results (in logged order) or a QuerySyntaxError that points into the query."""
    if "crash" in reply:
        pytest.fail(f"{short(query)} raised {reply['crash']}\n{reply['traceback']}")
    if "syntax" in reply:
        assert reply["same_query"], f"the error of {short(query)} carries another query"
        position = reply["position"]
        assert position is None or 0 <= position <= len(query), (query, position)
        assert reply["length"] < 3000, f"the message echoes a huge query: {reply['syntax'][:300]}"
        return
    found = reply["ids"]
    order = {k: i for i, k in enumerate(known_ids)}
    assert all(i in order for i in found), (query, found)
    assert [order[i] for i in found] == sorted(order[i] for i in found), (query, found)


def fuzz_records():
    R = rb.TextClassificationRecord
    return [
        R(
            id=1,
            text="The quick brown fox jumps over the lazy dog",
            prediction=[("Sports", 0.9), ("World", 0.1)],
            prediction_agent="model-a",
            annotation="Sports",
            annotation_agent="alice",
            metadata={
                "page": 1,
                "source": "new york",
                "ratio": 0.25,
                "flag": True,
                "tags": ["x", "y"],
                "nested": {"k": "v", "n": 3},
                "my key": "a b",
                "long": "a" * 300 + "c",
            },
            event_timestamp=dt.datetime(2021, 5, 4, 10, 0),
        ),
        R(
            id="two",
            inputs={"title": "Big news 😀 today", "body": ["Café society", "Über ﬁne"]},
            prediction=[("World", 0.7), ("Sports", 0.3)],
            metadata={"page": 2.5, "source": "Boston", "\u202eodd key": "\u200fx"},
        ),
        R(
            id=3,
            text="Lazy dogs sleep all day \u202e long \U0001d54f",
            prediction=[("A", 0.6), ("B", 0.3), ("C", 0.1)],  # one dataset, one kind: single
            annotation="C",
            status="Edited",
            metadata={"page": -5, "source": "boston", "tags": []},
        ),
        R(id=4, text="e-mail and phone numbers", status="Discarded"),
    ]


@pytest.fixture(scope="module")
def fuzz_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz_workspace")
    ws.set_workspace(folder)
    try:
        rb.log(fuzz_records(), "tc")
        rb.log(
            [
                rb.TokenClassificationRecord(
                    id=1,
                    text="Michael lives in Paris",
                    tokens=["Michael", "lives", "in", "Paris"],
                    annotation=[("PER", 0, 7)],
                    prediction=[("PER", 0, 7, 0.9), ("LOC", 17, 22, 0.4)],
                    metadata={"page": 1},
                ),
                rb.TokenClassificationRecord(id=2, text="nothing here", tokens=["nothing", "here"]),
            ],
            "tok",
        )
        rb.log(
            [
                rb.Text2TextRecord(
                    id=1, text="Hola mundo", prediction=[("Hello world", 0.9)], annotation="Hi"
                ),
                rb.Text2TextRecord(id=2, text="Adios", metadata={"page": 2}),
            ],
            "t2t",
        )
    finally:
        ws.set_workspace(None)
    return folder


@pytest.fixture(scope="module")
def worker(fuzz_folder):
    runner = QueryWorker(fuzz_folder)
    yield runner
    runner.stop()
    runner.log.close()


KNOWN_IDS = {"tc": ["1", "two", "3", "4"], "tok": ["1", "2"], "t2t": ["1", "2"]}
DATASETS = st.sampled_from(["tc", "tc", "tc", "tok", "t2t"])

# Pieces of the query language, and the characters that break parsers.
_FIELDS = [
    "text",
    "words",
    "inputs.title",
    "inputs.body",
    "inputs.text",
    "inputs.*",
    "inputs.nokey",
    "*",
    "annotated_as",
    "predicted_as",
    "annotated_by",
    "predicted_by",
    "predicted",
    "status",
    "score",
    "id",
    "multi_label",
    "event_timestamp",
    "last_updated",
    "tokens",
    "annotation",
    "prediction",
    "metadata.page",
    "metadata.source",
    "metadata.ratio",
    "metadata.tags",
    "metadata.nested.k",
    "metadata.nested",
    "metadata.long",
    "metadata.my\\ key",
    "metadata.\u202eodd\\ key",
    "metadata",
    "metadata.",
    "_exists_",
    "nofield",
    "Status",
]
_ODD_CHARS = (
    "\x00\x01\x07\x08\t\n\x0b\x0c\r\x1b\x1f\x7f\x85\xa0\xad"
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2028\u2029\u2066\u2069"
    "\u3000\ufeff\ufffd\uffff\U0001f600\U0001f3fb\U0001d54f\U00010000\U0010ffff\u0301"
    "ﬁİßǅé"
    "\ud800\udfff"  # lone surrogates: not text, but a str can hold them
)
_SYNTAX_CHARS = '()[]{}"\\/:*?~^!+-<>=&|'
_PIECES = [
    *_FIELDS,
    "fox",
    "FOX",
    "lazy",
    "café",
    "😀",
    "AND",
    "OR",
    "NOT",
    "and",
    "or",
    "&&",
    "||",
    "!",
    "-",
    "+",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    " TO ",
    "TO",
    "*",
    "?",
    "~",
    "~1",
    "~3",
    "^2",
    "^",
    ":",
    ":>",
    ":>=",
    ":<",
    '"',
    "\\",
    "/",
    "/.*/",
    "/[/",
    " ",
    "\u3000",
    "1",
    "-1",
    "2.5",
    "1e309",
    "nan",
    "inf",
    "99999999999999999999",
    "now",
    "now-1d/d",
    "now/hH",
    "2021-05-04",
    "2021-05-04T10:00:00",
    "2021-02-30",
    "0000-01-01",
    "Sports",
    "Validated",
    "ok",
    "true",
    "new\\ york",
    '"new york"',
]


_BOUNDS = st.sampled_from(
    [
        *["*", "", "1", "-1", "0.5", "1e309", "-1e309", "nan", "abc", '"x y"', "2021-05-04"],
        *["now-1d", "now/x", "99999999999999999999", "1.5.5", "TO", "]", "\\", "😀", "\x1f"],
    ]
) | st.text(alphabet=_ODD_CHARS + _SYNTAX_CHARS + "a1. ", max_size=6)


@st.composite
def field_queries(draw):
    """``field:value`` with odd fields and values: ranges with garbage bounds, comparisons,
    wildcards, fuzzy terms, regexes, phrases."""
    field = draw(
        st.sampled_from(_FIELDS)
        | st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(_ODD_CHARS), max_size=8)
        | st.text(alphabet="metadat.x_\\ \u202e", max_size=14)
    )
    bound = _BOUNDS
    value = draw(
        st.one_of(
            st.builds(
                "{}{} TO {}{}".format,
                st.sampled_from("[{"),
                bound,
                bound,
                st.sampled_from("]}"),
            ),
            st.builds("{}{}".format, st.sampled_from([">", ">=", "<", "<=", "="]), bound),
            bound,
            st.builds(
                "{}{}".format,
                st.text(alphabet="ab*?é😀\\", min_size=1, max_size=8),
                st.sampled_from(["", "~", "~1", "~2", "~9", "^2", "*"]),
            ),
            st.builds("/{}/".format, st.text(alphabet="a.*+?()[]{}|\\^$1,", max_size=10)),
            st.builds('"{}"{}'.format, st.text(max_size=8), st.sampled_from(["", "~2", "~99999"])),
            st.builds("({})".format, st.text(alphabet="ab OR NOT-*()", max_size=10)),
        )
    )
    separator = draw(st.sampled_from([":", ": ", ">", ">=", "<", "::", ""]))
    return f"{field}{separator}{value}"


RANDOM_QUERIES = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.sampled_from(_ODD_CHARS + _SYNTAX_CHARS + "ab :TO"), max_size=40),
    st.lists(st.sampled_from(_PIECES), min_size=1, max_size=12).map("".join),
    st.lists(st.sampled_from(_PIECES), min_size=1, max_size=12).map(" ".join),
    field_queries(),
    st.lists(field_queries(), min_size=2, max_size=5).flatmap(
        lambda parts: st.sampled_from([" AND ", " OR ", " ", " AND NOT ", ")("]).map(
            lambda op: op.join(parts)
        )
    ),
)


def _random_queries_give_results_or_syntax_errors(worker, name, query):
    check_outcome(worker.run(name, query), query, KNOWN_IDS[name])


@fuzz_settings(400)
@given(name=DATASETS, query=RANDOM_QUERIES)
def test_random_query_strings_give_results_or_a_syntax_error_quickly_never_a_crash(
    worker, name, query
):
    _random_queries_give_results_or_syntax_errors(worker, name, query)


@pytest.mark.slow
@fuzz_settings(3_000)
@given(name=DATASETS, query=RANDOM_QUERIES)
def test_many_random_query_strings_give_results_or_a_syntax_error_quickly_never_a_crash(
    worker, name, query
):
    _random_queries_give_results_or_syntax_errors(worker, name, query)


# Huge queries: a small random piece, scaled up (repeated, chained, nested, numbered).
_HEAVY_PIECES = st.one_of(
    st.sampled_from(
        [
            "fox",
            "a*",
            "*a*",
            "?",
            "a?b*",
            "fox~2",
            "/qu.*/",
            "/(.*a){20}/",
            '"quick brown"~5',
            "annotated_as:Sp*",
            "annotated_as:Sprots~1",
            "status:Def~1",
            "id:t*",
            "score:[0.1 TO 0.9]",
            "score:[* TO *]",
            "id:[1 TO 5]",
            "event_timestamp:[2021 TO now]",
            "metadata.page:[1 TO 2]",
            "metadata.source:*o*",
            "metadata.source:/b.*/",
            "metadata.source:bostn~1",
            "metadata.long:*a*a*a*a*a*a*a*a*b",
            "_exists_:annotated_by",
            "_exists_:metadata.source",
            "predicted_as:(NOT Sports)",
            "NOT fox",
            "-fox",
            "😀",
            "\u202e",
            "\x1f",
        ]
    ),
    st.text(alphabet=st.sampled_from(_ODD_CHARS + _SYNTAX_CHARS + "ab :"), min_size=1, max_size=6),
)


HEAVY_SHAPES = st.tuples(
    _HEAVY_PIECES,
    st.sampled_from(["repeat", "or", "and", "nest", "not", "numbered", "one"]),
    st.sampled_from([20_000, 99_990, 100_001, 1_000_000]),
    st.sampled_from([63, 64, 65, 1_000, 50_000]),
    st.sampled_from(["NOT ", "-", "!", "NOT(", "("]),
    st.booleans(),
)


def heavy_query(piece: str, shape: str, size: int, depth: int, prefix: str, unbalanced: bool):
    """A small piece scaled up: repeated, chained, nested, negated, numbered or stretched.
    (Hypothesis draws these arguments, so a failure prints them, not a megabyte of query.)"""
    if shape == "nest":
        return "(" * depth + piece + ")" * (depth - unbalanced)
    if shape == "not":
        return prefix * (size // len(prefix)) + piece + ")" * (unbalanced * depth)
    if shape == "one":  # one huge term
        return (piece * (size // len(piece) + 1))[:size]
    if shape == "numbered":  # distinct leaves: nothing to deduplicate
        out, total, k = [], 0, 0
        while total < size:
            part = f"{piece}{k}"
            out.append(part)
            total += len(part) + 4
            k += 1
        return " OR ".join(out)
    separator = {"repeat": " ", "or": " OR ", "and": " AND "}[shape]
    return separator.join([piece] * (size // (len(piece) + len(separator)) + 1))[:size]


@fuzz_settings(15)
@given(shape=HEAVY_SHAPES)
def test_huge_and_deeply_nested_queries_give_results_or_a_syntax_error_quickly(worker, shape):
    query = Big(heavy_query(*shape))
    check_outcome(worker.run("tc", query), query, KNOWN_IDS["tc"])


@pytest.mark.slow
@fuzz_settings(150)
@given(name=DATASETS, shape=HEAVY_SHAPES)
def test_many_huge_queries_give_results_or_a_syntax_error_quickly(worker, name, shape):
    query = Big(heavy_query(*shape))
    check_outcome(worker.run(name, query), query, KNOWN_IDS[name])


def _near_limit(piece: str, separator: str = " OR ") -> Big:
    """``piece`` repeated to just under the 100,000-character limit."""
    return Big(separator.join([piece] * (99_990 // (len(piece) + len(separator)))))


@pytest.mark.parametrize(
    "query",
    [
        # each of these hung for minutes, crashed, or leaked a non-syntax error before
        pytest.param(_near_limit("a*", " "), id="33k-wildcards"),
        pytest.param(_near_limit("*a*", " "), id="25k-infix-wildcards"),
        pytest.param(_near_limit("?", " "), id="50k-single-char-wildcards"),
        pytest.param(_near_limit("/qu.*/"), id="regexes"),
        pytest.param(_near_limit("fox~2", " "), id="fuzzy-terms"),
        pytest.param(_near_limit("annotated_as:Sp*"), id="keyword-wildcards"),
        pytest.param(
            Big(" OR ".join(f"w{i}*" for i in range(15_000))[:99_990]), id="distinct-wildcards"
        ),
        pytest.param(
            Big(" OR ".join(f"metadata.source:w{i}~1" for i in range(4_000))[:99_990]),
            id="distinct-metadata-fuzzy",
        ),
        pytest.param("metadata.long:" + "*a" * 20 + "*b", id="metadata-wildcard-backtracking"),
        pytest.param("metadata.long:/(a|aa)*b/", id="metadata-regex-backtracking"),
        pytest.param("metadata.long:/(a+)+b/", id="metadata-regex-nested-quantifier"),
        pytest.param(Big("x" * 90_000 + "~2"), id="huge-fuzzy-text-term"),
        pytest.param(Big("annotated_as:" + "x" * 90_000 + "~2"), id="huge-fuzzy-label"),
        pytest.param(Big("(" * 5_000 + "fox" + ")" * 5_000), id="deep-nesting"),
        pytest.param(Big("x" * 1_000_000), id="1MB-query"),
        pytest.param(Big("a*" * 10_000), id="huge-wildcard-in-the-error-message"),
        pytest.param(Big("x" * 90_000 + ":y"), id="huge-field-name-in-the-error-message"),
        pytest.param(Big("score:" + "9" * 90_000 + "x"), id="huge-number-in-the-error-message"),
        pytest.param(Big("a~" + "1." * 40_000), id="huge-fuzzy-distance-in-the-error-message"),
        pytest.param('"quick fox"~99999999999999999999', id="phrase-slop-overflow"),
        pytest.param("fox \ud800", id="lone-surrogate"),
        pytest.param("metadata.source:\udfff*", id="lone-surrogate-in-a-metadata-wildcard"),
        pytest.param("score:[* TO *]", id="score-open-range"),
        pytest.param("event_timestamp:{* TO *}", id="date-open-range"),
        pytest.param("event_timestamp:now/hH", id="date-rounding-two-units"),
        pytest.param("event_timestamp:now-1d/", id="date-rounding-empty-unit"),
    ],
)
def test_queries_that_once_hung_or_crashed_give_results_or_a_syntax_error(worker, query):
    check_outcome(worker.run("tc", query), query, KNOWN_IDS["tc"])


def test_open_ranges_and_rounding_mean_what_elasticsearch_means(worker):
    def ids(query):
        reply = worker.run("tc", query)
        assert "ids" in reply, (query, reply)
        return reply["ids"]

    assert ids("score:[* TO *]") == ids("_exists_:score") == ["1", "two", "3"]
    assert ids("event_timestamp:[* TO *]") == ["1"]
    assert ids("last_updated:{* TO *}") == KNOWN_IDS["tc"]
    assert ids("id:[* TO *]") == ids("id:>=-9999") == ["1", "3", "4"]  # id ranges are numeric
    assert ids("_exists_:*") == ids("_exists_:inputs.*") == KNOWN_IDS["tc"]
    assert ids('"quick fox"~99999999999999999999') == ["1"]
    assert ids("metadata.long:/a+c/") == ids("metadata.long:*c") == ["1"]
    for query in ("event_timestamp:now/hH", "event_timestamp:now-1d/", "event_timestamp:now/yM"):
        assert "syntax" in worker.run("tc", query), query


# =============================================================================================
# 2. The search agrees with a pure-Python reference evaluator
# =============================================================================================
WORDS = ["alpha", "beta", "gamma", "fox", "dog", "café", "über", "x1", "42", "é"]
SEPARATORS = [" ", " ", ", ", "-", "_", ". ", "! ", "\n", "/", " (", ") "]
LABELS = ["pos", "neg", "Mixed", "sci-fi"]
AGENTS = ["m1", "model-x", "Dr Who"]
SCORES = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]
META_STRINGS = ["Boston", "boston", "new york", "x-1", "Bo", "1", "2.5"]
META_NUMBERS = [-2, -1, 0, 1, 3, -1.5, 0.25, 2.5, 3.75]
DAY = dt.timedelta(days=1)


class Invalid(Exception):
    """The reference says: this query must be refused with a QuerySyntaxError."""


def tokens_of(text: str) -> list[str]:
    """tantivy's default analysis: split on what is not a letter or digit, lowercase."""
    return [t for t in re.findall(r"[^\W_]+", text.lower()) if len(t.encode()) <= 40]


def glob_regex(pattern: str, lower: bool) -> re.Pattern:
    out = []
    for c in pattern:
        out.append(".*" if c == "*" else "." if c == "?" else re.escape(c.lower() if lower else c))
    return re.compile("".join(out), re.DOTALL)


@dataclasses.dataclass
class Doc:
    """What the reference evaluator knows of one logged record."""

    id: int | str
    inputs: dict[str, list[list[str]]]  # key -> analysed tokens of each value
    annotated_as: list[str]
    predicted_as: list[str]
    scores: list[float]
    predicted: str | None
    annotated_by: str | None
    predicted_by: str | None
    status: str
    multi_label: bool
    metadata: dict[str, Any]
    event_timestamp: dt.datetime | None

    @classmethod
    def of(cls, record: rb.TextClassificationRecord) -> Doc:
        inputs = {
            key: [tokens_of(v) for v in ([value] if isinstance(value, str) else value)]
            for key, value in record.inputs.items()
        }
        annotation = record.annotation
        annotated = (
            []
            if annotation is None
            else [annotation]
            if isinstance(annotation, str)
            else annotation
        )
        prediction = record.prediction or []
        if record.multi_label:
            predicted_as = [label for label, score in prediction if score > 0.5]
            scores = [score for _, score in prediction]
        else:
            predicted_as = [prediction[0][0]] if prediction else []
            scores = [prediction[0][1]] if prediction else []
        predicted = None
        if prediction and annotation is not None:
            predicted = "ok" if set(predicted_as) == set(annotated) else "ko"
        stamp = record.event_timestamp
        if stamp is not None and stamp.tzinfo is not None:
            stamp = stamp.astimezone(UTC).replace(tzinfo=None)
        return cls(
            record.id,
            inputs,
            annotated,
            predicted_as,
            scores,
            predicted,
            record.annotation_agent,
            record.prediction_agent,
            record.status,
            record.multi_label,
            record.metadata,
            stamp,
        )

    def metadata_values(self, path: str) -> list[Any]:
        value: Any = self.metadata
        for part in path.split("."):
            if not isinstance(value, dict) or part not in value:
                return []
            value = value[part]
        values = value if isinstance(value, list) else [value]
        return [v for v in values if v is not None and not isinstance(v, dict | list)]


# -- the query tree: leaves render themselves and evaluate a Doc ------------------------------
@dataclasses.dataclass(frozen=True)
class Leaf:
    kind: str  # word, phrase, wildcard, keyword, kw_wildcard, exists, score, id, ...
    field: str | None
    value: Any = None
    extra: Any = None

    def render_value(self) -> str:
        k, v = self.kind, self.value
        if k in ("word", "wildcard", "kw_wildcard", "meta_wildcard", "id", "id_wildcard"):
            return str(v)
        if k == "phrase":
            return '"' + v + '"'
        if k in ("keyword", "meta_term"):
            text = str(v)
            if " " in text:
                return '"' + text + '"' if self.extra else text.replace(" ", "\\ ")
            return text
        if k in ("score", "meta_range", "id_range", "date"):
            return v  # already a range, comparison or value
        if k == "star":
            return "*"
        if k == "bad":
            return v
        raise AssertionError(k)

    def render(self) -> str:
        if self.kind == "exists":
            return f"_exists_:{self.field}"
        if self.kind == "bad":
            return self.value
        if self.field is None:
            return self.render_value()
        return f"{self.field}:{self.render_value()}"


@dataclasses.dataclass(frozen=True)
class Group:
    """``field:( ... )``: leaves inside are written without their field."""

    field: str
    node: Any


@dataclasses.dataclass(frozen=True)
class Op:
    kind: str  # and, or, not
    children: tuple


def render(node, ctx: str, draw_style) -> str:
    """Write ``node`` with as few parentheses as the precedence OR < AND < NOT needs."""
    if isinstance(node, Leaf):
        text = node.render()
        return f"({text})" if draw_style("redundant") else text
    if isinstance(node, Group):
        return f"{node.field}:({render_bare(node.node, 'or', draw_style)})"
    if node.kind == "not":
        (child,) = node.children
        prefix = draw_style("not")
        # after "-" comes a term or a group; NOT and ! take any negated clause
        text = prefix + render(child, "primary" if prefix == "-" else "unary", draw_style)
        return f"({text})" if ctx == "primary" else text
    ops = {"and": draw_style("and"), "or": draw_style("or")}
    text = ops[node.kind].join(render(c, node.kind, draw_style) for c in node.children)
    needs = (node.kind == "or" and ctx != "or") or (
        node.kind == "and" and ctx in ("unary", "primary")
    )
    return f"({text})" if needs or draw_style("redundant") else text


def render_bare(node, ctx: str, draw_style) -> str:
    """Inside ``field:( ... )``: the same, leaves without their field."""
    if isinstance(node, Leaf):
        return node.render_value()
    if node.kind == "not":
        return "NOT " + render_bare(node.children[0], "unary", draw_style)
    op = " AND " if node.kind == "and" else " OR "
    text = op.join(render_bare(c, node.kind, draw_style) for c in node.children)
    needs = (node.kind == "or" and ctx != "or") or (node.kind == "and" and ctx == "unary")
    return f"({text})" if needs else text


class Reference:
    """Evaluates query trees over the logged records, the slow and obvious way."""

    def __init__(self, docs: list[Doc]):
        self.docs = docs
        self.input_keys = {key for d in docs for key in d.inputs}

    def validate(self, node) -> None:
        """Raise Invalid if the query names something the dataset does not have."""
        if isinstance(node, Group):
            self.validate(node.node)
        elif isinstance(node, Op):
            for child in node.children:
                self.validate(child)
        elif node.kind == "bad":
            raise Invalid(node.value)
        elif (
            node.field
            and node.field.startswith("inputs.")
            and node.field != "inputs.*"
            and node.field[len("inputs.") :] not in self.input_keys
        ):
            raise Invalid(node.field)

    def ids(self, node) -> list:
        self.validate(node)
        return [d.id for d in self.docs if self.match(node, d, None)]

    def match(self, node, d: Doc, field: str | None) -> bool:
        if isinstance(node, Group):
            return self.match(node.node, d, node.field)
        if isinstance(node, Op):
            if node.kind == "not":
                return not self.match(node.children[0], d, field)
            results = [self.match(c, d, field) for c in node.children]
            return all(results) if node.kind == "and" else any(results)
        if field is not None:
            node = dataclasses.replace(node, field=field)
        return self.leaf(node, d)

    def texts(self, d: Doc, field: str | None) -> list[list[str]]:
        if field in (None, "text", "words", "inputs.*"):
            return [tokens for values in d.inputs.values() for tokens in values]
        return d.inputs.get(field[len("inputs.") :], [])

    def leaf(self, leaf: Leaf, d: Doc) -> bool:
        k, f, v = leaf.kind, leaf.field, leaf.value
        if k == "star":
            if f in (None, "text", "words", "inputs.*"):
                return True
            return f[len("inputs.") :] in d.inputs
        if k in ("word", "phrase"):
            words = tokens_of(v)
            if not words:
                return False
            return any(
                tokens[i : i + len(words)] == words
                for tokens in self.texts(d, f)
                for i in range(len(tokens) - len(words) + 1)
            )
        if k == "wildcard":
            pattern = glob_regex(v, lower=True)
            return any(pattern.fullmatch(t) for tokens in self.texts(d, f) for t in tokens)
        if k in ("keyword", "kw_wildcard"):
            values = {
                "annotated_as": d.annotated_as,
                "predicted_as": d.predicted_as,
                "annotated_by": [d.annotated_by] if d.annotated_by else [],
                "predicted_by": [d.predicted_by] if d.predicted_by else [],
                "status": [d.status],
                "predicted": [d.predicted] if d.predicted else [],
                "multi_label": ["true" if d.multi_label else "false"],
            }[f]
            if k == "kw_wildcard":
                pattern = glob_regex(v, lower=False)
                return any(pattern.fullmatch(x) for x in values)
            if f in ("status", "predicted", "multi_label"):
                return v.lower() in [x.lower() for x in values]
            return v in values
        if k == "exists":
            return self.exists(f, d)
        if k == "score":
            return any(leaf.extra(s) for s in d.scores)
        if k == "id":
            return str(d.id) == str(v)
        if k == "id_range":
            return isinstance(d.id, int) and leaf.extra(d.id)
        if k == "id_wildcard":
            return bool(glob_regex(v, lower=False).fullmatch(str(d.id)))
        if k == "meta_term":
            return any(meta_equal(x, str(v)) for x in d.metadata_values(f[len("metadata.") :]))
        if k == "meta_range":
            values = d.metadata_values(f[len("metadata.") :])
            return any(
                isinstance(x, int | float) and not isinstance(x, bool) and leaf.extra(x)
                for x in values
            )
        if k == "meta_wildcard":
            pattern = glob_regex(v, lower=False)
            values = d.metadata_values(f[len("metadata.") :])
            return any(isinstance(x, str) and pattern.fullmatch(x) for x in values)
        if k == "date":
            return d.event_timestamp is not None and leaf.extra(d.event_timestamp)
        raise AssertionError(k)

    def exists(self, name: str, d: Doc) -> bool:
        if name.startswith("metadata."):
            value: Any = d.metadata
            for part in name[len("metadata.") :].split("."):
                value = value.get(part) if isinstance(value, dict) else None
            return has_value(value)
        if name.startswith("inputs."):
            return name[len("inputs.") :] in d.inputs
        return {
            "annotated_as": bool(d.annotated_as),
            "predicted_as": bool(d.predicted_as),
            "annotated_by": d.annotated_by is not None,
            "predicted_by": d.predicted_by is not None,
            "predicted": d.predicted is not None,
            "score": bool(d.scores),
            "event_timestamp": d.event_timestamp is not None,
            "status": True,
            "text": True,
            "id": True,
        }[name]


def has_value(value: Any) -> bool:
    """Elasticsearch's ``_exists_``: some non-null value, at this path or below it."""
    if isinstance(value, dict):
        return any(has_value(v) for v in value.values())
    if isinstance(value, list):
        return any(has_value(v) for v in value)
    return value is not None


def meta_equal(value: Any, text: str) -> bool:
    """``metadata.k:text``: the string itself, or the number or bool it spells."""
    if isinstance(value, bool):
        return text == ("true" if value else "false")
    if isinstance(value, int | float):
        try:
            return float(text) == value
        except ValueError:
            return False
    return value == text


# -- strategies --------------------------------------------------------------------------------
# Strategies are built once: hypothesis validates each new strategy object, which is
# slower than drawing from it.
BOOL = st.booleans()
_CACHE: dict = {}


def pick(draw, options):
    key = ("pick", tuple(options))
    if key not in _CACHE:
        _CACHE[key] = st.sampled_from(list(options))
    return draw(_CACHE[key])


def ints(low: int, high: int):
    key = ("ints", low, high)
    if key not in _CACHE:
        _CACHE[key] = st.integers(low, high)
    return _CACHE[key]


CASED_WORDS = st.sampled_from(
    list(dict.fromkeys(v for w in WORDS for v in (w, w.upper(), w.capitalize())))
)
LABEL_LISTS = st.lists(st.sampled_from(LABELS), unique=True, max_size=3)
SOME_LABELS = LABEL_LISTS.filter(bool)
LEAF_KINDS = [
    *["word"] * 6,
    *["phrase", "hyphenated", "wildcard", "wildcard", "star"],
    *["keyword"] * 4,
    *["kw_wildcard", "exists", "exists", "score", "score", "id", "id_range"],
    *["meta_term", "meta_term", "meta_range", "meta_wildcard", "date", "bad"],
]
META_FIELDS = [
    ("n", st.integers(-3, 3)),
    ("f", st.sampled_from([-1.5, 0.25, 2.5, 3.75])),
    ("m", st.sampled_from([*META_NUMBERS, *META_STRINGS, True, False])),
    ("s", st.sampled_from(META_STRINGS)),
    ("b", st.booleans()),
    ("tags", st.lists(st.sampled_from(["x", "y", "Bo"]), max_size=3)),
    ("inner", st.builds(dict, k=st.sampled_from(["v", "w", "Boston"]))),
]


@st.composite
def texts(draw, min_words: int = 1) -> str:
    words = [draw(CASED_WORDS) for _ in range(draw(ints(min_words, 7)))]
    out = ""
    for w in words:
        out += w + pick(draw, SEPARATORS)
    return out.strip() or pick(draw, WORDS)


@st.composite
def tc_records(draw, id_value, multi: bool):
    kind = pick(draw, ["text", "text", "title_body", "text_title"])
    if kind == "text":
        inputs = {"text": draw(texts())}
    elif kind == "title_body":
        inputs = {"title": draw(texts()), "body": draw(texts())}
    else:
        inputs = {"text": draw(texts()), "title": draw(texts())}
    labels = LABEL_LISTS
    prediction = None
    if draw(BOOL):
        chosen = draw(SOME_LABELS)
        scores = [pick(draw, SCORES) for _ in chosen]
        if not multi:
            while sum(scores) > 1:
                chosen, scores = chosen[:-1], scores[:-1]
        prediction = list(zip(chosen, scores, strict=True)) or None
    annotation = None
    if draw(BOOL):
        annotation = draw(labels) if multi else pick(draw, LABELS)
    metadata = {}
    for key, values in META_FIELDS:
        if draw(BOOL):
            metadata[key] = draw(values)
    stamp = None
    if draw(BOOL):
        stamp = dt.datetime(2021, 5, 1) + draw(ints(0, 6 * 24 * 4)) * dt.timedelta(minutes=15)
        if draw(BOOL):
            offset = pick(draw, [-5, 2])
            stamp = (stamp + dt.timedelta(hours=offset)).replace(
                tzinfo=dt.timezone(dt.timedelta(hours=offset))
            )
    return rb.TextClassificationRecord(
        id=id_value,
        inputs=inputs,
        multi_label=multi,
        prediction=prediction,
        prediction_agent=pick(draw, AGENTS) if prediction and draw(BOOL) else None,
        annotation=annotation,
        annotation_agent=(pick(draw, AGENTS) if annotation is not None and draw(BOOL) else None),
        status=pick(draw, [None, None, *STATUSES]),
        metadata=metadata,
        event_timestamp=stamp,
    )


@st.composite
def datasets(draw):
    n = draw(ints(5, 30))
    ids = [k + 1 if draw(ints(0, 3)) else f"r{k + 1}" for k in range(n)]
    multi = draw(ints(0, 3)) == 0  # a dataset is single-label or multi-label, as in Rubrix
    return [draw(tc_records(i, multi)) for i in ids]


def _wildcard_of(word: str, draw) -> str:
    chars = list(word)
    for i in range(len(chars)):
        roll = draw(ints(0, 5))
        if roll == 0:
            chars[i] = "?"
        elif roll == 1:
            chars[i] = "*"
    pattern = "".join(chars)
    if draw(BOOL):
        pattern = pattern + "*"
    if set(pattern) <= {"*"}:
        pattern = word[:1] + pattern
    return re.sub(r"\*+", "*", pattern)


def _range(draw, bounds: list[str], to_number):
    """A range or a comparison, as text, and its predicate."""
    style = pick(draw, ["range", "range", ">", ">=", "<", "<="])
    if style == "range":
        lo, hi = pick(draw, [*bounds, "*"]), pick(draw, [*bounds, "*"])
        left, right = pick(draw, "[{"), pick(draw, "]}")
        low = None if lo == "*" else to_number(lo)
        high = None if hi == "*" else to_number(hi)

        def predicate(x, low=low, high=high, left=left, right=right):
            ok_low = low is None or (x >= low if left == "[" else x > low)
            ok_high = high is None or (x <= high if right == "]" else x < high)
            return ok_low and ok_high

        return f"{left}{lo} TO {hi}{right}", predicate
    bound = pick(draw, bounds)
    value = to_number(bound)
    predicate = {
        ">": lambda x: x > value,
        ">=": lambda x: x >= value,
        "<": lambda x: x < value,
        "<=": lambda x: x <= value,
    }[style]
    return f"{style}{bound}", predicate


def _dates(draw):
    """A date term, range or comparison with day precision, and its predicate (rounded as
    Elasticsearch rounds dates: a day is the interval [start, end))."""
    days = [f"2021-05-0{k}" for k in range(1, 9)]

    def start(text):
        return dt.datetime.fromisoformat(text)

    style = pick(draw, ["term", "range", ">", ">=", "<", "<="])
    if style == "term":
        day = pick(draw, days)
        return day, lambda t: start(day) <= t < start(day) + DAY
    if style == "range":
        lo, hi = pick(draw, [*days, "*"]), pick(draw, [*days, "*"])
        left, right = pick(draw, "[{"), pick(draw, "]}")
        low = None if lo == "*" else start(lo) if left == "[" else start(lo) + DAY
        high = None if hi == "*" else start(hi) + DAY if right == "]" else start(hi)
        if low is None and high is None:
            return f"{left}* TO *{right}", lambda t: True
        return (
            f"{left}{lo} TO {hi}{right}",
            lambda t: (low is None or t >= low) and (high is None or t < high),
        )
    day = pick(draw, days)
    s, e = start(day), start(day) + DAY
    predicate = {
        ">": lambda t: t >= e,
        ">=": lambda t: t >= s,
        "<": lambda t: t < s,
        "<=": lambda t: t < e,
    }[style]
    return style + day, predicate


TEXT_FIELDS = [None, None, None, "text", "words", "inputs.text", "inputs.title", "inputs.body"]
KEYWORDS = {
    "annotated_as": LABELS,
    "predicted_as": LABELS,
    "annotated_by": AGENTS,
    "predicted_by": AGENTS,
    "status": [*STATUSES, "validated", "DEFAULT"],
    "predicted": ["ok", "ko", "OK"],
    "multi_label": ["true", "false", "TRUE"],
}
EXISTS = [
    "annotated_as",
    "predicted_as",
    "annotated_by",
    "predicted_by",
    "predicted",
    "score",
    "event_timestamp",
    "status",
    "text",
    "id",
    "inputs.title",
    "inputs.text",
    "metadata.n",
    "metadata.m",
    "metadata.tags",
    "metadata.inner",
    "metadata.inner.k",
    "metadata.nokey",
]


@st.composite
def leaves(draw, field: str | None = None) -> Leaf:
    """One leaf; with ``field``, a leaf that can be written bare inside ``field:( ... )``."""
    if field is not None:
        if field in KEYWORDS:
            return Leaf("keyword", field, pick(draw, KEYWORDS[field]))
        if field.startswith("metadata."):
            # no "-1" here: at the start of a clause, "-" means NOT
            values = [*META_STRINGS, "x", "y", "v", "w", "3", "2.5", "true", "false"]
            return Leaf("meta_term", field, pick(draw, values))
        word = draw(CASED_WORDS)
        if draw(BOOL):
            return Leaf("wildcard", field, _wildcard_of(word, draw))
        return Leaf("word", field, word)
    kind = pick(draw, LEAF_KINDS)
    if kind in ("word", "hyphenated", "phrase", "wildcard", "star"):
        f = pick(draw, TEXT_FIELDS)
        word = draw(CASED_WORDS)
        if kind == "word":
            return Leaf("word", f, word)
        if kind == "hyphenated":  # one term the analyser splits: a phrase
            return Leaf("word", f, word + "-" + pick(draw, WORDS))
        if kind == "phrase":
            other = draw(CASED_WORDS)
            return Leaf("phrase", f, word + pick(draw, [" ", ", ", " - "]) + other)
        if kind == "star":
            return Leaf("star", f)
        return Leaf("wildcard", f, _wildcard_of(word.lower(), draw))
    if kind == "keyword":
        name = pick(draw, sorted(KEYWORDS))
        return Leaf("keyword", name, pick(draw, KEYWORDS[name]), draw(BOOL))
    if kind == "kw_wildcard":
        name = pick(draw, ["annotated_as", "predicted_as", "predicted_by"])
        pattern = _wildcard_of(pick(draw, KEYWORDS[name]), draw).replace(" ", "?")
        return Leaf("kw_wildcard", name, pattern)
    if kind == "exists":
        return Leaf("exists", pick(draw, EXISTS))
    if kind == "score":
        bounds = ["0", "0.1", "0.25", "0.5", "0.75", "0.9", "1", "0.3"]
        if draw(ints(0, 3)) == 0:
            value = pick(draw, bounds)
            return Leaf("score", "score", value, lambda s, v=float(value): s == v)
        text, predicate = _range(draw, bounds, float)
        return Leaf("score", "score", text, predicate)
    if kind == "id":
        if draw(BOOL):
            return Leaf("id_wildcard", "id", pick(draw, ["r*", "1*", "r?", "*1", "?", "r1?"]))
        return Leaf("id", "id", pick(draw, ["1", "2", "3", "r1", "r2", "r4", "7", "r"]))
    if kind == "id_range":
        text, predicate = _range(draw, ["0", "2", "3", "5", "9", "30"], int)
        return Leaf("id_range", "id", text, predicate)
    if kind == "meta_term":
        key = pick(draw, ["n", "f", "m", "s", "b", "tags", "inner.k", "nokey"])
        values = [*META_STRINGS, "x", "y", "v", "-1", "0", "3", "2.5", "0.25", "true", "false"]
        return Leaf("meta_term", f"metadata.{key}", pick(draw, values), draw(BOOL))
    if kind == "meta_range":
        key = pick(draw, ["n", "f", "m"])
        text, predicate = _range(draw, ["-2", "-1.5", "0", "0.25", "1", "2.5", "3", "3.75"], float)
        if text.startswith(("[* TO *", "{* TO *")):
            return Leaf("exists", f"metadata.{key}")
        return Leaf("meta_range", f"metadata.{key}", text, predicate)
    if kind == "meta_wildcard":
        key = pick(draw, ["s", "m", "tags", "inner.k"])
        word = pick(draw, ["Boston", "boston", "new york", "x-1", "Bo", "x", "v"])
        pattern = _wildcard_of(word, draw).replace(" ", "?")
        return Leaf("meta_wildcard", f"metadata.{key}", pattern)
    if kind == "date":
        text, predicate = _dates(draw)
        if text.startswith(("[* TO *", "{* TO *")):
            return Leaf("exists", "event_timestamp")
        return Leaf("date", "event_timestamp", text, predicate)
    bad = ["nofield:x", "inputs.nokey:fox", "score:abc", "status:Maybe", "text:[a TO b]"]
    return Leaf("bad", None, pick(draw, bad))


def _extend(children):
    return st.one_of(
        st.builds(lambda c: Op("not", (c,)), children),
        st.lists(children, min_size=2, max_size=4).map(lambda cs: Op("and", tuple(cs))),
        st.lists(children, min_size=2, max_size=4).map(lambda cs: Op("or", tuple(cs))),
    )


GROUP_FIELDS = ["annotated_as", "status", "predicted_as", "text", "metadata.s", "metadata.tags"]
GROUP_TREES = {f: st.recursive(leaves(f), _extend, max_leaves=3) for f in GROUP_FIELDS}


@st.composite
def groups(draw):
    field = pick(draw, GROUP_FIELDS)
    return Group(field, draw(GROUP_TREES[field]))


TREES = st.recursive(leaves() | groups(), _extend, max_leaves=6)


STYLES = {
    "not": ["NOT ", "NOT ", "-", "!"],
    "and": [" AND ", " AND ", " ", " && "],
    "or": [" OR ", " OR ", " || "],
}


@st.composite
def queries(draw):
    tree = draw(TREES)

    def style(what):
        if what == "redundant":
            return draw(ints(0, 9)) == 0
        return pick(draw, STYLES[what])

    return tree, render(tree, "or", style)


def _search_agrees_with_the_reference(data, query_count: int):
    records = data.draw(datasets(), label="records")
    name = fresh_name("ref")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rb.log(records, name)
    reference = Reference([Doc.of(r) for r in records])
    for _ in range(query_count):
        tree, query = data.draw(queries(), label="query")
        try:
            expected = reference.ids(tree)
        except Invalid:
            expected = None
        with time_limit(HANG_SECONDS, f"rb.load(query={short(query)})"):
            try:
                found = rb.load(name, query=query).id.tolist()
            except rb.QuerySyntaxError as error:
                assert expected is None, f"{query!r} was refused: {error}"
                continue
        assert expected is not None, f"{query!r} should be refused, it found {found}"
        assert found == expected, f"{query!r}: search {found} != reference {expected}"
    rb.delete(name)


@fuzz_settings(12)
@given(data=st.data())
def test_search_returns_what_a_reference_evaluator_returns_on_random_data_and_queries(data):
    _search_agrees_with_the_reference(data, query_count=20)


@pytest.mark.slow
@fuzz_settings(150)
@given(data=st.data())
def test_search_agrees_with_the_reference_evaluator_on_many_random_datasets(data):
    _search_agrees_with_the_reference(data, query_count=25)


# =============================================================================================
# 3. Records: valid ones round-trip exactly, invalid ones are refused naming their field
# =============================================================================================
def no_surrogates(**kwargs):
    return st.text(alphabet=st.characters(codec="utf-8"), **kwargs)


LABEL_TEXT = no_surrogates(min_size=1, max_size=12).filter(
    lambda s: s.strip() and "\x00" not in s and "\x1f" not in s
)
KEY_TEXT = no_surrogates(min_size=1, max_size=10).filter(lambda s: not s.endswith('"'))
JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    no_surrogates(max_size=12),
)


def _json_containers(inner):
    return st.lists(inner, max_size=3) | st.dictionaries(KEY_TEXT, inner, max_size=3)


METADATA = st.dictionaries(
    KEY_TEXT,
    st.recursive(JSON_SCALARS, _json_containers, max_leaves=8),
    max_size=5,
)
IDS = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    no_surrogates(min_size=1, max_size=20).filter(lambda s: s.strip()),
)
UTC_OFFSETS = st.builds(
    dt.timezone,
    st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: dt.timedelta(minutes=m)),
)
TIMESTAMPS = st.one_of(
    st.none(),
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59)),
    # aware: kept a day inside the years 1-9999 so the moment in UTC is storable (the
    # edges, refused by both paths alike, have their own test below)
    st.datetimes(
        min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30), timezones=UTC_OFFSETS
    ),
)
# Any moment a datetime can hold, naive or in any UTC offset, often within a day of the
# ends: there the moment in UTC may fall outside what can be stored.
ANY_MOMENT = st.one_of(
    st.datetimes(
        min_value=dt.datetime(1, 1, 1), max_value=dt.datetime.max, timezones=st.none() | UTC_OFFSETS
    ),
    st.datetimes(
        min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(1, 1, 2), timezones=UTC_OFFSETS
    ),
    st.datetimes(
        min_value=dt.datetime(9999, 12, 31), max_value=dt.datetime.max, timezones=UTC_OFFSETS
    ),
)
SCORE = st.floats(0, 1)
FINITE = st.floats(allow_nan=False, allow_infinity=False)
COMMON = {
    "metadata": METADATA,
    "status": st.sampled_from([None, *STATUSES]),
    "event_timestamp": TIMESTAMPS,
    "prediction_agent": st.none() | no_surrogates(max_size=10),
}


SHORT_TEXT = no_surrogates(max_size=30)
TC_INPUTS = st.one_of(
    SHORT_TEXT,
    st.dictionaries(
        no_surrogates(min_size=1, max_size=8),
        SHORT_TEXT | st.lists(SHORT_TEXT, max_size=3),
        min_size=1,
        max_size=3,
    ),
)
LABEL_SETS = st.lists(LABEL_TEXT, unique=True, max_size=4)
ATTRIBUTIONS = st.builds(
    rb.TokenAttributions,
    token=no_surrogates(max_size=6),
    attributions=st.dictionaries(LABEL_TEXT, FINITE, max_size=3),
)
AGENT = no_surrogates(max_size=8)


@st.composite
def valid_tc_records(draw, multi: bool | None = None):
    inputs = draw(TC_INPUTS)
    multi = draw(BOOL) if multi is None else multi
    labels = draw(LABEL_SETS)
    prediction = None
    if labels and draw(BOOL):
        scores = [draw(SCORE) for _ in labels]
        if not multi and sum(scores) > 1:
            scores = [s / (sum(scores) + 1e-6) for s in scores]
        prediction = list(zip(labels, scores, strict=True))
    annotation = None
    if draw(BOOL):
        annotation = draw(LABEL_SETS) if multi else draw(LABEL_TEXT)
    keys = list(inputs) if isinstance(inputs, dict) else ["text"]
    explanation = None
    if draw(BOOL):
        chosen = {pick(draw, keys) for _ in range(draw(ints(0, 2)))}
        explanation = {key: [draw(ATTRIBUTIONS) for _ in range(draw(ints(0, 2)))] for key in chosen}
    return rb.TextClassificationRecord(
        inputs=inputs,
        prediction=prediction,
        annotation=annotation,
        multi_label=multi,
        explanation=explanation,
        annotation_agent=draw(AGENT) if annotation is not None and draw(BOOL) else None,
        **{name: draw(strategy) for name, strategy in COMMON.items()},
    )


TOKEN = no_surrogates(min_size=1, max_size=8).filter(lambda t: not any(c.isspace() for c in t))
TOKENS = st.lists(TOKEN, min_size=1, max_size=8)


@st.composite
def valid_token_records(draw):
    tokens = draw(TOKENS)
    text, offsets = "", []
    for token in tokens:
        text += pick(draw, ["", " ", "  ", "\n", "\t"]) if text else ""
        offsets.append((len(text), len(text) + len(token)))
        text += token
    text += pick(draw, ["", " ", "."])

    def spans(scored: bool):
        out = []
        for _ in range(draw(ints(0, 3))):
            i = draw(ints(0, len(tokens) - 1))
            j = draw(ints(i, len(tokens) - 1))
            span = (draw(LABEL_TEXT), offsets[i][0], offsets[j][1])
            if scored and draw(BOOL):
                span = (*span, draw(SCORE))
            out.append(span)
        return out if out or draw(BOOL) else None

    annotation = spans(False) if draw(BOOL) else None
    return rb.TokenClassificationRecord(
        text=text,
        tokens=tokens,
        prediction=spans(True) if draw(BOOL) else None,
        annotation=annotation,
        annotation_agent="ann" if annotation is not None and draw(BOOL) else None,
        **{name: draw(strategy) for name, strategy in COMMON.items()},
    )


T2T_PREDICTIONS = st.none() | st.lists(
    no_surrogates(max_size=10) | st.tuples(no_surrogates(max_size=10), SCORE), max_size=3
)
MAYBE_TEXT = st.none() | no_surrogates(max_size=10)
T2T_TEXT = no_surrogates(min_size=1, max_size=20).filter(lambda s: s.strip())


@st.composite
def valid_text2text_records(draw):
    annotation = draw(MAYBE_TEXT)
    return rb.Text2TextRecord(
        text=draw(T2T_TEXT),
        prediction=draw(T2T_PREDICTIONS),
        annotation=annotation,
        annotation_agent="ann" if annotation is not None and draw(BOOL) else None,
        **{name: draw(strategy) for name, strategy in COMMON.items()},
    )


VALID_RECORDS = {
    "TextClassification": valid_tc_records(),
    "TokenClassification": valid_token_records(),
    "Text2Text": valid_text2text_records(),
}


@st.composite
def record_batches(draw, task: str):
    # one call logs into one dataset, which is single-label or multi-label (Rubrix)
    kind = valid_tc_records(multi=draw(BOOL)) if task == "TextClassification" else None
    records = draw(st.lists(kind or VALID_RECORDS[task], min_size=1, max_size=6))
    ids = draw(st.lists(IDS, min_size=len(records), max_size=len(records), unique_by=str))
    for record, ident in zip(records, ids, strict=True):
        record.id = ident  # ids are keys: 5 and "5" are the same record, so keep them apart
    return records


def _records_round_trip(data, task: str):
    records = data.draw(record_batches(task), label="records")
    name = fresh_name("trip")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with time_limit(HANG_SECONDS, "rb.log"):
            rb.log(records, name)
        loaded = rb.load(name)
        assert loaded.records == records
        copy = fresh_name("frame")
        rb.log(loaded, copy)  # the loaded DataFrame logs back unchanged
        assert rb.load(copy).records == records
        rb.delete(copy)
    rb.delete(name)


@pytest.mark.parametrize("task", list(VALID_RECORDS))
@fuzz_settings(15)
@given(data=st.data())
def test_valid_random_records_round_trip_exactly_through_log_and_load(task, data):
    _records_round_trip(data, task)


@pytest.mark.slow
@pytest.mark.parametrize("task", list(VALID_RECORDS))
@fuzz_settings(150)
@given(data=st.data())
def test_many_valid_random_records_round_trip_exactly(task, data):
    _records_round_trip(data, task)


# Invalid values, each with the field its error must name (checked case-insensitively).
_NUMBERS_BUT_NOT_SCORES = st.sampled_from([math.nan, -0.001, 1.001, -1.0, 2.0, math.inf, -math.inf])
_NOT_NUMBERS = st.sampled_from(["0.5", b"1", None, [0.5], {"s": 1}, object()])
_BAD_LABELS = st.sampled_from(["", "   ", "\t\n", "a\x00b", "a\x1f", 1.5, None, ["x"], True])
INVALID_TC = {
    "inputs": st.sampled_from([{}, {"": "x"}, {"a": 5}, {"a": ["x", 1]}, {1: "x"}, 5, {"a": None}]),
    "prediction": st.one_of(
        _NUMBERS_BUT_NOT_SCORES.map(lambda s: [("a", s)]),
        _NOT_NUMBERS.map(lambda s: [("a", s)]),
        st.just([("a", True)]),
        _BAD_LABELS.map(lambda label: [(label, 0.5)]),
        st.sampled_from(
            [
                [("a", 0.5), ("a", 0.1)],
                [("a", 0.7), ("b", 0.7)],
                [("a",)],
                [("a", 0.1, 0.2)],
                "a",
                {"a": 1},
                ["a"],
            ]
        ),
    ),
    "annotation": st.one_of(
        _BAD_LABELS.filter(lambda v: v is not None and not isinstance(v, list)),
        st.sampled_from([["a", "b"], ["a", "a"], [""], 5.5]),  # ints are labels (as "5")
    ),
    "status": st.sampled_from(["validated", "VALIDATED", " ", "Unknown", 1, True, ["Default"]]),
    "event_timestamp": st.sampled_from(
        ["yesterday", "2021-13-01", "", 5, 1.5, True, ["2021"], {"y": 1}]
    ),
    "id": st.sampled_from(["", "   ", True, False, 1.5, math.inf, [1], {"id": 1}, b"x", object()]),
    "metadata": st.one_of(
        st.sampled_from(["x", 5, [1], True]),
        st.sampled_from(
            [
                {"": 1},
                {"a": {"": 1}},
                {1: "x"},
                {"a": 2**64},
                {"a": -(2**63) - 1},
                {"a": object()},
                {"a": {1, 2}},
            ]
        ),
    ),
    "prediction_agent": st.sampled_from([5, 1.5, True, ["m"], {"m": 1}]),
    "annotation_agent": st.sampled_from([5, 1.5, True, ["m"], {"m": 1}]),
    "multi_label": st.sampled_from(["maybe", 2, 0.5, [True], None]),
    "explanation": st.sampled_from(
        [
            5,
            "x",
            {"nokey": []},
            {"text": 5},
            {"text": ["x"]},
            {"text": [{"token": 5}]},
            {"text": [{"token": "a", "attributions": {"p": "x"}}]},
            {"text": [{"token": "a", "attributions": {"p": math.inf}}]},
            {"text": [{"token": "a", "attributions": {"p": math.nan}}]},
        ]
    ),
}
INVALID_TOKEN = {
    "text": st.sampled_from(["", "   ", "\n", 5]),
    "tokens": st.sampled_from([["nothere"], ["b", "a"], [""], "a b", [1], []]),
    "annotation": st.sampled_from(
        [
            [("L", 3, 9)],  # past the text and off the tokens: nothing to trim it to
            [("L", 1, 2)],
            [("L", 2, 2)],
            [("L", 3, 1)],
            [("", 0, 1)],
            [("L", 0, 1, 0.5)],
            [("L", -5, 0)],
            [("L", "0", 1)],
            [("L",)],
            "L",
        ]
    ),
    "prediction": st.one_of(
        _NUMBERS_BUT_NOT_SCORES.map(lambda s: [("L", 0, 1, s)]),
        st.sampled_from(
            [[("L", 3, 9, 0.5)], [("L", 1, 2)], [("L", 0, 1, "x")], [("L", 0)], [(5.5, 0, 1)]]
        ),
    ),
    "status": st.sampled_from(["validated", 1]),
    "metadata": st.sampled_from(["x", {"": 1}, {"a": 2**64}]),
    "id": st.sampled_from(["", True, 1.5]),
    "event_timestamp": st.sampled_from(["yesterday", 5]),
    "tags": st.sampled_from([["B-PER"], ["B-PER", "O", "O"]]),
}
INVALID_T2T = {
    "text": st.sampled_from([5, None, ["a"], b"a"]),  # empty text is allowed, as in Rubrix
    "prediction": st.one_of(
        _NUMBERS_BUT_NOT_SCORES.map(lambda s: [("hi", s)]),
        st.sampled_from([[("hi", "x")], [(5, 0.5)], [("hi",)], [5], [None]]),
    ),
    "annotation": st.sampled_from([5, ["a"], {"a": 1}, True]),
    "status": st.sampled_from(["validated", 1]),
    "metadata": st.sampled_from(["x", {"": 1}, {"a": 2**64}]),
    "id": st.sampled_from(["", True, 1.5]),
    "event_timestamp": st.sampled_from(["yesterday", 5]),
}
VALID_BASE = {
    "TextClassification": (rb.TextClassificationRecord, {"text": "a b", "id": 1}, INVALID_TC),
    "TokenClassification": (
        rb.TokenClassificationRecord,
        {"text": "a b", "tokens": ["a", "b"], "id": 1},
        INVALID_TOKEN,
    ),
    "Text2Text": (rb.Text2TextRecord, {"text": "a b", "id": 1}, INVALID_T2T),
}
# a message may name a field by the name users give it
ALSO_NAMED = {"text": ("text", "inputs"), "tags": ("tags", "annotation")}


def names_the_field(message: str, field: str) -> bool:
    return any(name in message.lower() for name in ALSO_NAMED.get(field, (field,)))


@st.composite
def invalid_payloads(draw, task: str):
    cls, base, bad = VALID_BASE[task]
    field = draw(st.sampled_from(sorted(bad)))
    value = draw(bad[field])
    payload = {**base, field: value}
    if task == "TextClassification" and field == "inputs":
        payload.pop("text")
    if field == "annotation_agent":
        payload["annotation"] = "a"
    return cls, field, value, payload


@pytest.mark.parametrize("task", list(VALID_BASE))
@fuzz_settings(40)
@given(data=st.data())
def test_invalid_record_values_are_refused_naming_the_field_and_nothing_is_stored(task, data):
    cls, field, value, payload = data.draw(invalid_payloads(task), label="payload")
    with pytest.raises(ValueError) as info:  # pydantic's ValidationError is a ValueError
        cls(**payload)
    assert names_the_field(str(info.value), field), (field, str(info.value))

    # assigning the value to a valid record is refused too, and leaves the record as it was
    if field in cls.model_fields and field not in ("text", "tokens", "inputs"):
        record = cls(**VALID_BASE[task][1])
        before = record.model_dump()
        with pytest.raises(ValueError) as info:
            setattr(record, field, value)
        assert names_the_field(str(info.value), field), (field, str(info.value))
        assert record.model_dump() == before, "a refused assignment changed the record"

    # a DataFrame whose second row has the value: refused, naming the field; nothing stored
    if field == "multi_label" and value is None:
        return  # an empty DataFrame cell is a field not given: multi_label's default, False
    name = f"bad-{task.lower()}"  # one per test (the workspace is the test's)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            before = rb.load(name).to_pandas()
        except rb.NotFoundError:
            rb.log(cls(**{**VALID_BASE[task][1], "id": "kept"}), name)
            before = rb.load(name).to_pandas()
        good = {**VALID_BASE[task][1], "id": 2}
        columns = {**good, **payload}
        frame = pd.DataFrame(
            {key: pd.Series([good.get(key), payload.get(key)], dtype=object) for key in columns}
        )
        with pytest.raises(ValueError) as info:
            rb.log(frame, name, task=task)
        assert names_the_field(str(info.value), field), (field, str(info.value))
        pd.testing.assert_frame_equal(rb.load(name).to_pandas(), before)


# -- bugs found by fuzzing, fixed: minimal repros ------------------------------------------
def test_ids_beyond_64_bits_are_refused_naming_the_id():
    with pytest.raises(ValueError, match="id"):
        rb.log(rb.TextClassificationRecord(text="a", id=2**64), "big")
    assert "big" not in rb.datasets().name.tolist() or len(rb.load("big")) == 0


@pytest.mark.parametrize("field", ["text", "annotation", "prediction_agent"])
def test_lone_surrogates_are_refused_naming_the_field(field):
    values = {"text": "a\ud800", "annotation": "a\ud800", "prediction_agent": "m\ud800"}
    payload = {"text": "a", "id": 1, "prediction": [("a", 0.5)], field: values[field]}
    with pytest.raises(ValueError) as info:
        rb.TextClassificationRecord(**payload)
    assert field in str(info.value) or (field == "text" and "inputs" in str(info.value))


def test_metadata_keys_ending_in_a_quote_are_accepted():
    record = rb.TextClassificationRecord(text="a", id=1, metadata={'say "hi"': 1})
    rb.log(record, "quote")
    assert rb.load("quote").records == [record]


@pytest.mark.parametrize(
    "task, column, value",
    [
        ("TextClassification", "prediction", "a"),
        ("TextClassification", "prediction", [("a", True)]),
        ("TextClassification", "multi_label", "maybe"),
        ("TextClassification", "explanation", {"text": 5}),
        ("TextClassification", "explanation", {"text": ["x"]}),
        ("Text2Text", "prediction", [None]),
    ],
)
def test_frame_cells_the_record_models_refuse_are_refused_naming_the_column(task, column, value):
    cls = rb.TextClassificationRecord if task == "TextClassification" else rb.Text2TextRecord
    with pytest.raises(ValueError, match=column):
        cls(text="a", id=1, **{column: value})  # the model refuses it...
    rb.log(cls(text="kept", id=0), "cells")
    frame = pd.DataFrame({"text": ["a"], "id": [1], column: [value]})
    with pytest.raises(ValueError, match=column):  # ...and so should the DataFrame path
        rb.log(frame, "cells")
    assert rb.load("cells").id.tolist() == [0]


@pytest.mark.parametrize(
    "cls, field",
    [
        (rb.TextClassificationRecord, "prediction"),
        (rb.TokenClassificationRecord, "prediction"),
        (rb.TokenClassificationRecord, "annotation"),
        (rb.Text2TextRecord, "prediction"),
    ],
)
def test_a_number_where_a_list_belongs_is_refused_with_a_value_error_naming_the_field(cls, field):
    with pytest.raises(ValueError, match=field):  # today: TypeError 'int' object is not iterable
        cls(text="a b", **{field: 5})


def test_a_loaded_frame_with_one_named_input_logs_back():
    record = rb.TextClassificationRecord(inputs={"review": "good"}, id=1)
    rb.log(record, "named")
    rb.log(rb.load("named"), "named-copy")
    assert rb.load("named-copy").records == [record]


# -- one timestamp rule for records and DataFrames ----------------------------------------------
def _stored_by_each_path(column: list) -> tuple[Any, Any]:
    """What the record path and the DataFrame path make of ``column`` as event timestamps:
    the loaded column, or the ValueError's text."""
    outcomes = []
    for path in ("records", "frame"):
        name = fresh_name(path)
        try:
            if path == "records":
                rb.log(
                    [
                        rb.TextClassificationRecord(text="a", id=k, event_timestamp=stamp)
                        for k, stamp in enumerate(column)
                    ],
                    name,
                )
            else:
                frame = pd.DataFrame({"text": ["a"] * len(column), "id": range(len(column))})
                frame["event_timestamp"] = pd.Series(column, dtype=object)
                rb.log(frame, name)
        except ValueError as exc:
            outcomes.append(str(exc))
            assert name not in rb.datasets().name.tolist() or rb.load(name).empty
            continue
        loaded = rb.load(name)
        outcomes.append([r.event_timestamp for r in loaded.records])  # .records works
        rb.delete(name)
    return outcomes[0], outcomes[1]


@fuzz_settings(40)
@given(stamps=st.lists(ANY_MOMENT, min_size=1, max_size=3))
def test_records_and_dataframes_store_any_timestamp_alike_or_both_refuse_it_naming_the_field(
    stamps,
):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        by_records, by_frame = _stored_by_each_path(stamps)
    if isinstance(by_records, str):
        assert isinstance(by_frame, str), (by_records, by_frame)
        for message in (by_records, by_frame):
            assert "event_timestamp" in message and "0001-01-01" in message, message
    else:
        assert by_frame == by_records
        assert all(s is None or s.tzinfo is None for s in by_frame)  # naive, in UTC


@pytest.mark.parametrize(
    "column",
    [
        pytest.param(
            [dt.datetime(1, 1, 1, 2, tzinfo=dt.timezone(dt.timedelta(hours=5)))], id="aware-year-1"
        ),
        pytest.param(
            [dt.datetime(9999, 12, 31, 23, tzinfo=dt.timezone(dt.timedelta(hours=-5)))],
            id="aware-past-9999",
        ),
        pytest.param(
            [
                dt.datetime(1, 1, 1, 2, tzinfo=dt.timezone(dt.timedelta(hours=5))),
                dt.datetime(2020, 1, 1),
            ],
            id="mixed-column",
        ),
    ],
)
def test_a_timestamp_outside_the_years_1_to_9999_in_utc_is_refused_naming_the_field(column):
    for as_frame in (False, True):
        frame = pd.DataFrame({"text": ["a"] * len(column), "id": range(len(column))})
        frame["event_timestamp"] = column if as_frame else pd.Series(column, dtype=object)
        with pytest.raises(
            ValueError, match=r"row 0 \(id=0\): event_timestamp: .* 0001-01-01T00:00:00 to 9999"
        ):
            rb.log(frame, "edges")
        assert "edges" not in rb.datasets().name.tolist()
    with pytest.raises(ValueError, match="event_timestamp: .* outside the range"):
        rb.TextClassificationRecord(text="a", event_timestamp=column[0])


def test_an_aware_timestamp_column_is_stored_in_utc_as_records_store_it():
    tokyo = pd.Series(pd.to_datetime(["2020-01-01 09:00"]).tz_localize("Asia/Tokyo"))
    rb.log(pd.DataFrame({"text": ["a"], "id": [1], "event_timestamp": tokyo}), "tokyo")
    rb.log(rb.TextClassificationRecord(text="a", id=1, event_timestamp=tokyo[0]), "tokyo-rec")
    expected = [dt.datetime(2020, 1, 1, 0, 0)]
    assert [r.event_timestamp for r in rb.load("tokyo").records] == expected
    assert [r.event_timestamp for r in rb.load("tokyo-rec").records] == expected
