"""rb.load(name, query=...): every query form, with the ids it must return.

The small hand-made datasets are logged once per module into a shared
workspace (they are only read); tests that write use their own workspace.
The real-data tests compare queries with an equivalent pandas filter.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rubrix_widgets as rb
from rubrix_widgets.store import workspace as ws

UTC = dt.timezone.utc
PLUS_2 = dt.timezone(dt.timedelta(hours=2))
NOW = dt.datetime.now(UTC)
R = rb.TextClassificationRecord
ALL_TC = [1, 2, 3, 4, 5, 6]


def text_classification_records():
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
            },
            event_timestamp=dt.datetime(2021, 5, 4, 10, 0),
        ),
        R(
            id=2,
            text="Lazy dogs sleep all day long",
            prediction=[("World", 0.6), ("Sports", 0.4)],
            prediction_agent="model-b",
            annotation="Sports",
            annotation_agent="bob",
            metadata={
                "page": 2,
                "source": "boston",
                "ratio": 1.5,
                "flag": False,
                "tags": ["y"],
                "temp": 12,
            },
            event_timestamp=dt.datetime(2021, 5, 5, 1, 0),
        ),
        R(id=3, text="E-mail and phone numbers", metadata={"page": 3, "temp": -5}),
        R(
            id=4,
            inputs={"title": "Big news today", "my key": "hello world"},
            prediction=[("World", 0.7), ("Sports", 0.3)],
            prediction_agent="model-a",
            metadata={"page": 2.5, "source": "Boston"},
        ),
        R(
            id=5,
            text="Café society: Über drivers 😀 and more",
            annotation="Science Fiction",
            annotation_agent="Dr. Who",
            status="Edited",
            metadata={"page": 10},
            # 21:30 UTC, still May 4th
            event_timestamp=dt.datetime(2021, 5, 4, 23, 30, tzinfo=PLUS_2),
        ),
        R(
            id=6,
            text="World cup final tonight",
            prediction=[("World", 0.95), ("Sports", 0.05)],
            prediction_agent="model-c",
            annotation="World",
            annotation_agent="alice",
            metadata={"code": "1"},
            event_timestamp=NOW - dt.timedelta(hours=2),
        ),
    ]


def multi_label_records():
    return [
        R(
            id=1,
            text="alpha beta",
            multi_label=True,
            prediction=[("A", 0.8), ("B", 0.6), ("C", 0.2)],
            annotation=["A", "B"],
        ),
        R(
            id=2,
            text="gamma",
            multi_label=True,
            prediction=[("A", 0.3), ("B", 0.55)],
            annotation=["A"],
        ),
        R(id=3, text="delta", multi_label=True, prediction=[("C", 0.1)], annotation=["C"]),
        R(id=4, text="epsilon", multi_label=True, annotation=["C"]),
        R(id=5, text="zeta", multi_label=True, prediction=[("A", 0.5)]),
    ]


def token_records():
    T = rb.TokenClassificationRecord
    return [
        T(
            id=1,
            text="Michael lives in Paris",
            tokens=["Michael", "lives", "in", "Paris"],
            annotation=[("PER", 0, 7), ("LOC", 17, 22)],
            prediction=[("PER", 0, 7, 0.9), ("LOC", 17, 22, 0.8)],
            prediction_agent="spacy",
            annotation_agent="ann",
        ),
        T(
            id=2,
            text="Anna visits New York",
            tokens=["Anna", "visits", "New", "York"],
            annotation=[("PER", 0, 4), ("LOC", 12, 20)],
            prediction=[("PER", 0, 4, 0.7), ("ORG", 12, 20, 0.4)],
            prediction_agent="flair",
        ),
        T(id=3, text="nothing here at all", tokens=["nothing", "here", "at", "all"]),
        T(
            id=4,
            text="Paris Hilton",
            tokens=["Paris", "Hilton"],
            prediction=[("PER", 0, 12, 0.6)],
            metadata={"page": 1},
        ),
    ]


def text2text_records():
    X = rb.Text2TextRecord
    return [
        X(
            id=1,
            text="Hola mundo",
            prediction=[("Hello world", 0.9), ("Hi earth", 0.3)],
            annotation="Hello world!",
            prediction_agent="mt",
            annotation_agent="ann",
        ),
        X(id=2, text="Buenos dias", prediction=["Good morning"]),
        X(id=3, text="Adios amigo", metadata={"page": 2}),
    ]


@pytest.fixture(scope="module")
def shared_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("search_workspace")
    ws.set_workspace(folder)
    try:
        rb.log(text_classification_records(), "tc")
        rb.log(multi_label_records(), "ml")
        rb.log(token_records(), "tok")
        rb.log(text2text_records(), "t2t")
    finally:
        ws.set_workspace(None)
    return folder


@pytest.fixture
def shared(shared_folder):
    """Read the module's datasets (after the autouse fixture isolated the test)."""
    rb.init(workspace=str(shared_folder))
    return shared_folder


def ids(name, query, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no query here should warn
        return rb.load(name, query=query, **kwargs).id.tolist()


def check(name, query, expected):
    assert ids(name, query) == expected, query


# -- text: the default field, text/words, inputs ---------------------------------------------
@pytest.mark.parametrize(
    "query, expected",
    [
        ("fox", [1]),
        ("FOX", [1]),
        ("Fox", [1]),
        ("text:fox", [1]),
        ("words:fox", [1]),
        ("dog", [1]),  # no stemming: dog and dogs are different words
        ("dogs", [2]),
        ("lazy", [1, 2]),
        ("news", [4]),  # every input is searched by default
        ("text:news", [4]),
        ("words:hello", [4]),
        ("inputs.title:news", [4]),
        ("inputs.title:hello", []),
        (r"inputs.my\ key:hello", [4]),
        (r'inputs.my\ key:"hello world"', [4]),
        ("inputs.text:fox", [1]),
        ("inputs.text:news", []),
        ("café", [5]),
        ("CAFÉ", [5]),
        ("cafe", []),
        ("über", [5]),
        ("😀", [5]),
        ("mail", [3]),
        ("e-mail", [3]),
        (r"e\-mail", [3]),
        ("email", []),
    ],
)
def test_text_terms(shared, query, expected):
    check("tc", query, expected)


@pytest.mark.parametrize(
    "query, expected",
    [
        ('"quick brown"', [1]),
        ('"QUICK Brown"', [1]),
        ('"quick fox"', []),
        ('"quick fox"~1', [1]),
        ('"brown quick"', []),
        ('"lazy dog"', [1]),
        ('"lazy dogs"', [2]),
        ('text:"lazy dogs"', [2]),
        ('"big news"', [4]),
        ('inputs.title:"news today"', [4]),
        ('"e-mail and"', [3]),  # punctuation in a phrase is skipped like in the text
        ('"café society"', [5]),
        ('text:("lazy dog" OR news)', [1, 4]),
    ],
)
def test_phrases(shared, query, expected):
    check("tc", query, expected)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("qu?ck", [1]),
        ("qui*", [1]),
        ("QUI*", [1]),
        ("*ogs", [2]),
        ("do?", [1]),
        ("d*g", [1]),
        ("inputs.title:ne*", [4]),
        ("text:caf*", [5]),
        ("zzz*", []),
        ("quikc~1", [1]),  # a transposition is one edit
        ("brwn~1", [1]),
        ("lazzy~1", [1, 2]),
        ("lazzzy~1", []),
        ("lazzzy~2", [1, 2]),
        ("lazzzy~", [1, 2]),  # default distance 2
        ("FOXX~1", [1]),
        ("/qu.*k/", [1]),
        ("text:/do[gx]s?/", [1, 2]),
    ],
)
def test_wildcards_fuzzy_and_regex_on_text(shared, query, expected):
    check("tc", query, expected)


# -- boolean logic ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "query, expected",
    [
        ("fox dog", [1]),  # default operator is AND
        ("fox dogs", []),
        ("fox AND dogs", []),
        ("fox && dog", [1]),
        ("fox OR dogs", [1, 2]),
        ("fox || dogs", [1, 2]),
        ("lazy AND NOT dogs", [1]),
        ("lazy NOT dogs", [1]),
        ("lazy -dogs", [1]),
        ("lazy !dogs", [1]),
        ("lazy && !dogs", [1]),
        ("+lazy +dog", [1]),
        ("+lazy -dog", [2]),
        ("NOT lazy", [3, 4, 5, 6]),
        ("!lazy", [3, 4, 5, 6]),
        ("-lazy", [3, 4, 5, 6]),
        ("NOT fox AND NOT dogs", [3, 4, 5, 6]),
        ("-fox -dogs", [3, 4, 5, 6]),
        ("NOT (fox OR dogs)", [3, 4, 5, 6]),
        ("NOT NOT fox", [1]),
        ("(fox OR news) AND annotated_as:Sports", [1]),
        ("(fox OR dogs) AND (status:Validated OR status:Default)", [1, 2]),
        ("fox OR dogs AND long", [1, 2]),
        ("(fox OR dogs) AND long", [2]),
        ("fox OR (NOT lazy)", [1, 3, 4, 5, 6]),
        ("(NOT fox) AND lazy", [2]),
        ("text:(lazy -dogs)", [1]),
        ("text:(lazy AND NOT dogs) OR news", [1, 4]),
        ("lazy AND (NOT dogs)", [1]),
        ("lazy AND NOT (dogs OR fox)", []),
        ("((((fox))))", [1]),
    ],
)
def test_boolean_operators(shared, query, expected):
    check("tc", query, expected)


@pytest.mark.parametrize("query", [None, "", "   ", "*", "*:*", '""'])
def test_empty_star_and_empty_phrase_match_everything(shared, query):
    check("tc", query, ALL_TC)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("lazy and dogs", []),  # 'and' is a word: record 2 has no 'and'
        ("mail and phone", [3]),
        ("phone or mail", []),
        ("(fox or dogs)", []),
    ],
)
def test_lowercase_and_or_are_searched_as_words_with_a_warning(shared, query, expected):
    with pytest.warns(UserWarning, match="searched as a word"):
        df = rb.load("tc", query=query)
    assert df.id.tolist() == expected


def test_uppercase_operators_do_not_warn(shared):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rb.load("tc", query="lazy AND dogs OR fox")


# -- labels, agents, status, predicted, score (text classification) -----------------------------
@pytest.mark.parametrize(
    "query, expected",
    [
        ("annotated_as:Sports", [1, 2]),
        ("annotated_as:sports", []),  # labels are exact
        ("annotated_as:World", [6]),
        ('annotated_as:"Science Fiction"', [5]),
        (r"annotated_as:Science\ Fiction", [5]),
        ("annotated_as:Science", []),
        ("annotated_as:(Sports OR World)", [1, 2, 6]),
        ("annotated_as:Sp*", [1, 2]),
        ("annotated_as:sp*", []),
        ("annotated_as:Wor?d", [6]),
        ("annotated_as:*Fiction", [5]),
        ("annotated_as:Sprots~1", [1, 2]),
        ("annotated_by:alice", [1, 6]),
        ("annotated_by:Alice", []),
        ('annotated_by:"Dr. Who"', [5]),
        ("annotated_by:Dr*", [5]),
        ("predicted_as:Sports", [1]),  # the top label only
        ("predicted_as:World", [2, 4, 6]),
        ("predicted_as:world", []),
        ("predicted_as:(NOT Sports)", [2, 3, 4, 5, 6]),  # records without prediction too
        ("predicted_as:(NOT World)", [1, 3, 5]),
        ("-predicted_as:World", [1, 3, 5]),
        ("NOT predicted_as:World", [1, 3, 5]),
        ("predicted_as:World AND NOT annotated_as:World", [2, 4]),
        ("predicted_by:model-a", [1, 4]),
        (r"predicted_by:model\-a", [1, 4]),
        ('predicted_by:"model-a"', [1, 4]),
        ("predicted_by:Model-a", []),
        ("predicted_by:model-?", [1, 2, 4, 6]),
        ("predicted_by:(model-b OR model-c)", [2, 6]),
        ("predicted:ok", [1, 6]),
        ("predicted:ko", [2]),
        ("NOT predicted:ok", [2, 3, 4, 5]),
        ("predicted:ko OR predicted:ok", [1, 2, 6]),
        ("status:Validated", [1, 2, 6]),
        ("status:Edited", [5]),
        ("status:Default", [3, 4]),
        ("status:Discarded", []),
        ("-status:Default", [1, 2, 5, 6]),
        ("NOT status:Default", [1, 2, 5, 6]),
        ("status:(Edited OR Default)", [3, 4, 5]),
        ("status:(NOT Validated)", [3, 4, 5]),
        ("id:3", [3]),
        ("id:(1 OR 6)", [1, 6]),
        ("id:[2 TO 4]", [2, 3, 4]),
        ("id:{2 TO 4}", [3]),
        ("id:[2 TO 4}", [2, 3]),
        ("id:>=5", [5, 6]),
        ("id:<2", [1]),
        ("multi_label:false", ALL_TC),
        ("multi_label:true", []),
    ],
)
def test_keyword_fields(shared, query, expected):
    check("tc", query, expected)


@pytest.mark.parametrize(
    "query, expected",
    [
        # single-label: the top label's score only (1: .9, 2: .6, 4: .7, 6: .95)
        ("score:0.9", [1]),
        ("score:0.1", []),
        ("score:0.4", []),
        ("score:[0.6 TO 0.9]", [1, 2, 4]),
        ("score:{0.6 TO 0.9}", [4]),
        ("score:[0.6 TO 0.9}", [2, 4]),
        ("score:{0.6 TO 0.9]", [1, 4]),
        ("score:{0.9 TO *}", [6]),
        ("score:[* TO 0.6]", [2]),
        ("score:[0 TO 1]", [1, 2, 4, 6]),
        ("score:>0.65", [1, 4, 6]),
        ("score:>=0.7", [1, 4, 6]),
        ("score:<0.7", [2]),
        ("score:<=0.7", [2, 4]),
        ("score>0.65", [1, 4, 6]),
        ("score:>0.5 AND predicted:ko", [2]),
        ("NOT score:>0.65", [2, 3, 5]),
    ],
)
def test_score(shared, query, expected):
    check("tc", query, expected)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("predicted_as:A", [1]),  # labels scoring more than 0.5 (5 scores exactly 0.5)
        ("predicted_as:B", [1, 2]),
        ("predicted_as:C", []),
        ("predicted_as:(A AND B)", [1]),
        ("annotated_as:A", [1, 2]),
        ("annotated_as:C", [3, 4]),
        ("annotated_as:(A AND B)", [1]),
        ("annotated_as:(A OR C) AND NOT annotated_as:B", [2, 3, 4]),
        # every label's score counts
        ("score:0.2", [1]),
        ("score:0.3", [2]),
        ("score:[0.5 TO *]", [1, 2, 5]),
        ("score:<0.25", [1, 3]),
        ("score:{0.55 TO 0.8}", [1]),
        ("predicted:ok", [1]),
        ("predicted:ko", [2, 3]),  # 3: nothing predicted (C scores 0.1) but C annotated
        ("NOT _exists_:predicted", [4, 5]),
        ("multi_label:true", [1, 2, 3, 4, 5]),
        ("multi_label:false", []),
        ("predicted_as:(NOT A)", [2, 3, 4, 5]),
    ],
)
def test_multi_label(shared, query, expected):
    check("ml", query, expected)


# -- dates ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "query, expected",
    [
        ("event_timestamp:2021-05-04", [1, 5]),  # the whole day (UTC)
        ("event_timestamp:2021-05-05", [2]),
        ("event_timestamp:2021-05", [1, 2, 5]),
        ("event_timestamp:2021", [1, 2, 5]),
        ("event_timestamp:2021-05-04T10", [1]),
        (r"event_timestamp:2021-05-04T21\:30\:00", [5]),
        (r"event_timestamp:2021-05-04T10\:00\:00Z", [1]),
        (r"event_timestamp:2021-05-04T12\:00\:00+02\:00", [1]),
        ("event_timestamp:[2021-05-04 TO 2021-05-05]", [1, 2, 5]),
        ("event_timestamp:[2021-05-04 TO 2021-05-05}", [1, 5]),
        ("event_timestamp:{2021-05-04 TO 2021-05-05]", [2]),
        ("event_timestamp:{2021-05-04 TO *}", [2, 6]),
        ("event_timestamp:[* TO 2021-05-04]", [1, 5]),
        ("event_timestamp:>2021-05-04T10:00:00", [2, 5, 6]),
        ("event_timestamp:>=2021-05-04T10:00:00", [1, 2, 5, 6]),
        ("event_timestamp:<2021-05-04T12:00", [1]),
        ("event_timestamp:<=2021-05-04", [1, 5]),
        ("event_timestamp:<2021-05-05", [1, 5]),
        ("event_timestamp:[now-1d TO now]", [6]),
        ("event_timestamp:[now-1d TO *]", [6]),
        ("event_timestamp:>now-1d", [6]),
        ("event_timestamp:<now-1d", [1, 2, 5]),
        ("event_timestamp:[now-7d/d TO now+1d/d]", [6]),
        ("event_timestamp:[2000-01-01 TO now]", [1, 2, 5, 6]),
        ("_exists_:event_timestamp", [1, 2, 5, 6]),
        ("NOT _exists_:event_timestamp", [3, 4]),
        ("NOT(_exists_:event_timestamp)", [3, 4]),
        ("last_updated:[now-1h TO now+1h]", ALL_TC),
        ("last_updated:>=now-1d", ALL_TC),
        ("last_updated:<now-1d", []),
        ("last_updated:[* TO now-1d]", []),
        (
            f"last_updated:{NOW:%Y-%m-%d} OR last_updated:{NOW + dt.timedelta(hours=1):%Y-%m-%d}",
            ALL_TC,
        ),
    ],
)
def test_dates(shared, query, expected):
    check("tc", query, expected)


@pytest.mark.parametrize(
    "query, expected",
    [
        ('event_timestamp:"2021-05-04"', [1, 5]),
        ('event_timestamp:"2021-05-04T21:30:00"', [5]),
        ('event_timestamp:["2021-05-04T00:00:00" TO "2021-05-04T12:00:00"]', [1]),
        ('score:"0.9"', [1]),
    ],
)
def test_quoted_dates_and_numbers(shared, query, expected):
    """Elasticsearch accepts quoted values on date and number fields; a quoted
    timestamp is the usual way to write one with colons."""
    check("tc", query, expected)


# -- metadata ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "query, expected",
    [
        # typed numbers: ints and floats
        ("metadata.page:1", [1]),
        ("metadata.page:2", [2]),
        ("metadata.page:2.5", [4]),
        ("metadata.page:10", [5]),
        ("metadata.page:[1 TO 3]", [1, 2, 3, 4]),
        ("metadata.page:{1 TO 3}", [2, 4]),
        ("metadata.page:[2 TO *]", [2, 3, 4, 5]),
        ("metadata.page>1", [2, 3, 4, 5]),
        ("metadata.page:>1", [2, 3, 4, 5]),
        ("metadata.page>=2.5", [3, 4, 5]),
        ("metadata.page:<2", [1]),
        ("metadata.page:<=2", [1, 2]),
        ("metadata.page:>1 AND metadata.page:<10", [2, 3, 4]),
        ("metadata.ratio:0.25", [1]),
        ("metadata.ratio:1.5", [2]),
        ("metadata.ratio:>1", [2]),
        ("metadata.ratio:<1", [1]),
        ("metadata.temp:-5", [3]),
        ("metadata.temp:<0", [3]),
        ("metadata.temp:12", [2]),
        ("metadata.code:1", [6]),  # a string that looks like a number
        ('metadata.code:"1"', [6]),
        # strings are exact and case-sensitive
        ("metadata.source:boston", [2]),
        ("metadata.source:Boston", [4]),
        ('metadata.source:"new york"', [1]),
        (r"metadata.source:new\ york", [1]),
        ("metadata.source:new", []),
        ("metadata.source:york", []),
        ("metadata.source:(boston OR Boston)", [2, 4]),
        ("metadata.source:bos*", [2]),
        ("metadata.source:?oston", [2, 4]),
        ("metadata.source:new*", [1]),
        ("metadata.source:*york", [1]),
        ("metadata.source:bostn~1", [2]),
        ("metadata.source:/[bB]oston/", [2, 4]),
        ("-metadata.source:boston", [1, 3, 4, 5, 6]),
        ("NOT metadata.source:boston", [1, 3, 4, 5, 6]),
        # bools, lists, nested dicts, keys with spaces
        ("metadata.flag:true", [1]),
        ("metadata.flag:false", [2]),
        ("metadata.tags:x", [1]),
        ("metadata.tags:y", [1, 2]),
        ("metadata.tags:(x AND y)", [1]),
        ("metadata.nested.k:v", [1]),
        ("metadata.nested.n:3", [1]),
        ("metadata.nested.n:[1 TO 5]", [1]),
        ('metadata.my\\ key:"a b"', [1]),
        # existence
        ("_exists_:metadata.source", [1, 2, 4]),
        ("metadata.source:*", [1, 2, 4]),
        ("NOT _exists_:metadata.source", [3, 5, 6]),
        ("NOT(_exists_:metadata.source)", [3, 5, 6]),
        ("-_exists_:metadata.source", [3, 5, 6]),
        ("_exists_:metadata.nested", [1]),
        ("_exists_:metadata.nested.k", [1]),
        ("_exists_:metadata.temp", [2, 3]),
        ("_exists_:metadata.nokey", []),
        ("metadata.nokey:x", []),
        # combined with other fields
        ("metadata.page:[1 TO 2] AND annotated_as:Sports AND lazy", [1, 2]),
        ("metadata.source:boston OR fox", [1, 2]),
    ],
)
def test_metadata(shared, query, expected):
    check("tc", query, expected)


@pytest.mark.parametrize(
    "query, expected",
    [
        # closed ranges with decimal bounds
        ("metadata.page:[2.5 TO 10]", [3, 4, 5]),
        ("metadata.page:[1.5 TO 3.5]", [2, 3, 4]),
        ("metadata.ratio:[0.1 TO 0.5]", [1]),
        ("metadata.ratio:[0 TO 0.5]", [1]),
        ("metadata.ratio:[1 TO 2.5]", [2]),
        # negative bounds
        ("metadata.temp:[-10 TO 0]", [3]),
        ("metadata.temp:[-5 TO -5]", [3]),
        ("metadata.temp:>-10", [2, 3]),
        ("metadata.temp:>=-5", [2, 3]),
        ("metadata.temp:{-6 TO *}", [2, 3]),
        ("metadata.temp:[* TO -1]", [3]),
    ],
)
def test_metadata_number_ranges_with_decimals_and_negatives(shared, query, expected):
    check("tc", query, expected)


# -- _exists_ on record fields -----------------------------------------------------------------
@pytest.mark.parametrize(
    "query, expected",
    [
        ("_exists_:annotated_as", [1, 2, 5, 6]),
        ("_exists_:annotated_by", [1, 2, 5, 6]),
        ("_exists_:predicted_as", [1, 2, 4, 6]),
        ("_exists_:predicted_by", [1, 2, 4, 6]),
        ("_exists_:score", [1, 2, 4, 6]),
        ("_exists_:predicted", [1, 2, 6]),
        ("NOT _exists_:predicted", [3, 4, 5]),
        ("_exists_:inputs.title", [4]),
        (r"_exists_:inputs.my\ key", [4]),
        ("_exists_:inputs.text", [1, 2, 3, 5, 6]),
        ("_exists_:text", ALL_TC),
        ("_exists_:status", ALL_TC),
        ("_exists_:id", ALL_TC),
        ("annotated_as:*", [1, 2, 5, 6]),
        ("predicted_as:* AND NOT annotated_as:*", [4]),
    ],
)
def test_exists(shared, query, expected):
    check("tc", query, expected)


# -- token classification ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "query, expected",
    [
        ("paris", [1, 4]),
        ("PARIS", [1, 4]),
        ('"new york"', [2]),
        ("text:visits", [2]),
        ("words:michael", [1]),
        ("tokens:Paris", [1, 4]),
        ("tokens:paris", []),  # tokens are exact
        ('tokens:"New York"', [2]),
        ("tokens:New", [2]),
        ("tokens:Par*", [1, 4]),
        ("tokens:(Anna OR Michael)", [1, 2]),
        ("annotated_as:LOC", [1, 2]),
        ("annotated_as:PER", [1, 2]),
        ("predicted_as:ORG", [2]),
        ("predicted_as:PER", [1, 2, 4]),
        ("predicted_as:(NOT PER)", [3]),
        ("predicted:ok", [1]),  # same spans
        ("predicted:ko", [2]),  # same text, different label
        ("NOT _exists_:predicted", [3, 4]),
        ("predicted_by:spacy", [1]),
        ("annotated_by:ann", [1]),
        ("_exists_:annotated_as", [1, 2]),
        ("status:Validated", [1, 2]),
        ("score:>0.75", [1]),
        ("metadata.page:1", [4]),
        ("paris AND NOT annotated_as:LOC", [4]),
    ],
)
def test_token_classification(shared, query, expected):
    check("tok", query, expected)


# -- text2text --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "query, expected",
    [
        ("hola", [1]),
        ("text:buenos", [2]),
        ("annotation:hello", [1]),
        ("annotation:HELLO", [1]),
        ('annotation:"hello world"', [1]),
        ("annotation:morning", []),
        ("prediction:earth", [1]),  # every prediction is searched
        ('prediction:"good morning"', [2]),
        ("prediction:hello AND annotation:hello", [1]),
        ("prediction:good*", [2]),
        ("hello", []),  # the default field is the source text only
        ("_exists_:annotation", [1]),
        ("NOT _exists_:prediction", [3]),
        ("predicted_by:mt", [1]),
        ("annotated_by:ann", [1]),
        ("status:Validated", [1]),
        ("score:1", [2]),
        ("score:<0.5", [1]),
        ("metadata.page:2", [3]),
    ],
)
def test_text2text(shared, query, expected):
    check("t2t", query, expected)


# -- errors --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, query, words",
    [
        ("tc", "score:abc", ["score", "abc"]),
        ("tc", "score:[0.5 TO high]", ["score", "high"]),
        ("tc", "score:0.*", ["score"]),
        ("tc", "event_timestamp:notadate", ["notadate", "date"]),
        ("tc", "event_timestamp:[2021-01-01 TO someday]", ["someday"]),
        ("tc", "event_timestamp:2021-02-30", ["2021-02-30"]),
        ("tc", "last_updated:>yesterday", ["yesterday"]),
        ("tc", "inputs.nokey:x", ["inputs.nokey", "inputs.title"]),
        ("tc", "_exists_:inputs.nokey", ["inputs.nokey"]),
        ("tc", "nofield:x", ["nofield", "annotated_as"]),
        ("tc", "_exists_:nofield", ["nofield"]),
        ("tc", "Status:Default", ["Status"]),
        ("tc", "id:[a TO b]", ["id"]),
        ("tc", "multi_label:maybe", ["multi_label"]),
        ("tc", "text:[a TO b]", ["text"]),
        ("tc", "annotated_as:[A TO B]", ["annotated_as"]),
        ("tc", "text:/[/", ["regular expression"]),
        ("tc", "tokens:Paris", ["tokens"]),
        ("tc", "annotation:x", ["annotation"]),
        ("tok", "multi_label:true", ["multi_label"]),
        ("tok", "inputs.text:paris", ["inputs.text"]),
        ("t2t", "tokens:x", ["tokens"]),
        ("tc", "status:(Default", ["')'"]),
    ],
)
def test_bad_fields_and_values_raise_query_syntax_errors(shared, name, query, words):
    with pytest.raises(rb.QuerySyntaxError) as info:
        rb.load(name, query=query)
    error = info.value
    assert isinstance(error, ValueError)
    assert error.query == query
    message = str(error)
    assert query in message and "^" in message
    for word in words:
        assert word in message, (word, message)


def test_unknown_field_errors_list_the_fields_of_the_task(shared):
    with pytest.raises(rb.QuerySyntaxError, match="tokens") as info:
        rb.load("tok", query="nofield:x")
    assert "multi_label" not in str(info.value)


@pytest.mark.parametrize(
    "query, allowed",
    [
        # valid queries: results, never an engine failure
        ("event_timestamp:[0001-01-01 TO 9999-12-31]", [[1, 2, 5, 6]]),
        ("event_timestamp:9999-12-31", [[]]),
        ("event_timestamp:>9999-12-31", [[]]),
        ("event_timestamp:<0001-01-01", [[]]),
        ("score:1e309", [[]]),
        ("score:[-1e309 TO 1e309]", [[1, 2, 4, 6]]),
        ("x" * 5000, [[]]),
        ("annotated_as:" + "x" * 70_000, [[]]),
        ("metadata.source:" + "x" * 70_000, [[]]),
        ('"' + "fox " * 5000 + '"', [[]]),
        ("fox " * 20_000, [[1]]),
        ("fox~2 " * 200, [[1]]),
        ("*a*b*c*d*e*f*g*h*i*j*k*", [[]]),
        ("metadata.source:*a*b*c*d*e*", [[]]),
        # queries that may be refused, but only with a QuerySyntaxError
        ("event_timestamp:now-999999999999d", [[], None]),
        ("event_timestamp:now+999999999y", [[], None]),
        ("id:[0 TO 99999999999999999999]", [ALL_TC, None]),
        ("id:99999999999999999999", [[], None]),
        ("score:[0.5 TO 0.1]", [[], None]),
        ("metadata.page:[5 TO 1]", [[], None]),
        ("a?b?c?d?e?f?g?h?i?j?k?l?m?n?o?p?q?r?s?t?u?v?w?x?y?z?" * 2, [[], None]),
        ("x" * 1000 + "*", [[], None]),
        ("/(a|aa)*b{1000}/", [[], None]),
        ("annotated_as:/x{100000}/", [[], None]),
        ("metadata.source:/(/", [[], None]),
    ],
)
def test_odd_queries_give_results_or_query_syntax_errors_never_engine_failures(
    shared, query, allowed
):
    try:
        found = rb.load("tc", query=query).id.tolist()
    except rb.QuerySyntaxError:
        assert None in allowed, f"{query[:60]!r} should work"
        return
    except BaseException as exc:  # that is the point: nothing else may escape
        pytest.fail(f"{query[:60]!r} raised {type(exc).__name__}: {str(exc)[:200]}")
    assert found in allowed


_PIECES = st.sampled_from(
    [
        "fox",
        "lazy",
        "AND",
        "OR",
        "NOT",
        "and",
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
        "*",
        "?",
        "~",
        "~1",
        "^2",
        ":",
        '"',
        "\\",
        "/",
        ">",
        "<",
        ">=",
        " ",
        " ",
        "score",
        "text",
        "status",
        "id",
        "metadata.page",
        "metadata.source",
        "metadata.ratio",
        "metadata.temp",
        "metadata.nested.n",
        "_exists_",
        "event_timestamp",
        "inputs.title",
        "predicted",
        "annotated_as",
        "1",
        "-1",
        "2.5",
        "now-1d",
        "2021-05-04",
        "Boston",
        "x y",
    ]
)


@settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(_PIECES, min_size=1, max_size=8).map("".join))
def test_any_query_gives_a_frame_or_a_query_syntax_error(shared, query):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            frame = rb.load("tc", query=query)
        except rb.QuerySyntaxError as error:
            assert error.position is None or 0 <= error.position <= len(query)
            return
    assert set(frame.id) <= set(ALL_TC)
    assert frame.id.tolist() == sorted(frame.id)


# -- limit, ids, order ---------------------------------------------------------------------------
def test_limit_gives_the_first_matches_in_logged_order(shared):
    assert ids("tc", "lazy OR news OR fox OR world", limit=2) == [1, 2]
    assert ids("tc", "lazy OR news OR fox OR world", limit=3) == [1, 2, 4]
    assert ids("tc", "lazy OR news OR fox OR world", limit=100) == [1, 2, 4, 6]
    assert ids("tc", "NOT lazy", limit=1) == [3]
    assert ids("tc", "*", limit=2) == [1, 2]
    assert ids("tc", "fox", limit=0) == []
    assert ids("tc", "nothingmatches", limit=5) == []


def test_ids_combined_with_a_query_intersect(shared):
    assert ids("tc", "predicted_as:World", ids=[4, 2, 99]) == [2, 4]
    assert ids("tc", "annotated_as:World", ids=[1, 3]) == []
    assert ids("tc", "NOT lazy", ids=[1, 2, 3, 5]) == [3, 5]
    assert ids("tc", "", ids=[6, 1]) == [1, 6]
    assert ids("tc", "lazy OR news OR world", ids=[6, 4, 2], limit=2) == [2, 4]


def test_results_follow_first_logged_order_after_updates():
    records = text_classification_records()
    rb.log(records[::-1], "order")  # logged 6, 5, ..., 1
    rb.log(R(id=3, text="lazy mail", annotation="World"), "order")  # updated, keeps its place
    assert ids("order", "lazy OR fox OR news") == [4, 3, 2, 1]
    assert ids("order", "lazy OR fox OR news", limit=2) == [4, 3]
    assert ids("order", "annotated_as:World") == [6, 3]
    assert ids("order", "phone") == []  # the old text is gone


def test_string_and_int_ids():
    rb.log([R(id="abc", text="one"), R(id="my id", text="two"), R(id=7, text="three")], "sids")
    assert ids("sids", "id:abc") == ["abc"]
    assert ids("sids", 'id:"my id"') == ["my id"]
    assert ids("sids", r"id:my\ id") == ["my id"]
    assert ids("sids", "id:ab*") == ["abc"]
    assert ids("sids", "id:7") == [7]
    assert ids("sids", "id:[1 TO 10]") == [7]
    assert ids("sids", "NOT id:abc") == ["my id", 7]


def test_queries_on_a_snapshot_match_the_live_dataset():
    rb.log(text_classification_records(), "snap")
    snapshot = rb.create_snapshot("snap")
    rb.log(R(id=7, text="a lazy newcomer", annotation="Sports"), "snap")
    for query in ["lazy", "annotated_as:Sports", "metadata.page>1", "NOT _exists_:predicted"]:
        live = ids("snap", query)
        frozen = rb.load("snap", query=query, snapshot=snapshot).id.tolist()
        assert frozen == [i for i in live if i != 7], query


def test_a_snapshot_searched_by_query_and_ids_gives_the_rows_of_both_in_order():
    rb.log(text_classification_records(), "snap-ids")
    snapshot = rb.create_snapshot("snap-ids")
    both = rb.load("snap-ids", query="lazy OR phone", ids=[4, 3, 1, 99], snapshot=snapshot)
    assert both.id.tolist() == [1, 3] == ids("snap-ids", "(lazy OR phone) AND id:(1 OR 3 OR 4)")
    with pytest.raises(ValueError, match="ids must be a list of ids, not int"):
        rb.load("snap-ids", ids=3, snapshot=snapshot)


# -- the search API for code outside search/ (the page) -----------------------------------------
def scored(name: str, scores: dict[int, float | None], metadata: dict[int, object]) -> None:
    rb.log(
        [
            R(
                id=i,
                text=f"record {i}",
                prediction=None if scores[i] is None else [("a", scores[i])],
                metadata={} if metadata.get(i) is None else {"k": metadata[i]},
            )
            for i in scores
        ],
        name,
    )


def page_ids(view, query: str, sort, offset=0, limit=10) -> tuple[list, int]:
    from rubrix_widgets.search.sorting import sorted_page

    compiled, _ = view.index.compile(query)
    seqs, total = sorted_page(view, compiled, sort, offset, limit)
    return view.live.rows(seqs).column("id").to_pylist(), total


def test_pages_sorted_by_an_indexed_field_come_in_its_order_with_the_total():
    scored("sorted", {1: 0.2, 2: 0.9, 3: 0.5, 4: 0.7}, {})
    view = ws.existing("sorted").view()
    assert page_ids(view, "*", [["score", "desc"]]) == (["2", "4", "3", "1"], 4)
    assert page_ids(view, "*", [["score", "asc"]], offset=1, limit=2) == (["3", "4"], 4)
    assert page_ids(view, "NOT id:3", [["id", "desc"]]) == (["4", "2", "1"], 3)
    assert page_ids(view, "*", []) == (["1", "2", "3", "4"], 4)  # first-logged order


def test_pages_sorted_by_metadata_put_records_without_the_key_last_both_ways():
    scored("by-meta", {1: 0.1, 2: 0.1, 3: 0.1, 4: 0.1}, {1: 5, 2: None, 3: 1, 4: "x"})
    view = ws.existing("by-meta").view()
    # numbers before text, missing last, in either direction
    assert page_ids(view, "*", [["metadata.k", "asc"]])[0] == ["3", "1", "4", "2"]
    assert page_ids(view, "*", [["metadata.k", "desc"]])[0] == ["4", "1", "3", "2"]


def test_a_sort_the_page_cannot_do_is_refused_saying_what_it_can():
    from rubrix_widgets.search.sorting import check_sort

    assert check_sort([("score", "desc")]) == [["score", "desc"]]
    with pytest.raises(ValueError, match="sort by score, id, last_updated, event_timestamp"):
        check_sort([["text", "asc"]])
    with pytest.raises(ValueError, match="'up' is not 'asc' or 'desc'"):
        check_sort([["score", "up"]])


def test_queries_by_id_and_by_position_find_those_records_on_the_view_schema():
    from rubrix_widgets.search import keyword_queries as kq
    from rubrix_widgets.search.search_index import run_search

    rb.log(text_classification_records(), "by-key")
    view = ws.existing("by-key").view()

    def found(query) -> list:
        seqs, _ = run_search(view.searcher, query, None)
        return view.live.rows(seqs).column("id").to_pylist()

    assert found(kq.ids_query(view.schema, [5, "2", None, 99])) == ["2", "5"]
    sports = kq.term(view.schema, "annotated_as", "Sports")
    assert found(kq.every(kq.ids_query(view.schema, [1, 2, 5]), sports)) == ["1", "2"]
    assert found(kq.seqs_query(view.schema, [0, 2, 99])) == ["1", "3"]
    with pytest.raises(ValueError, match="ids must be a list of ids, not str"):
        kq.ids_query(view.schema, "2")


# -- real data -----------------------------------------------------------------------------------
def word(text: pd.Series, w: str) -> pd.Series:
    """Rows whose lowercased text has ``w`` as a whole word (close to the analyzer)."""
    return text.str.contains(rf"(?<!\w){re.escape(w)}(?!\w)", regex=True)


def phrase(text: pd.Series, *words: str) -> pd.Series:
    pattern = r"[^\w]+".join(re.escape(w) for w in words)
    return text.str.contains(rf"(?<!\w){pattern}(?!\w)", regex=True)


@pytest.fixture(scope="module")
def reviews(rotten_tomatoes, tmp_path_factory):
    frame = rotten_tomatoes.dropna(subset=["text"]).head(3000).reset_index(drop=True)
    folder = tmp_path_factory.mktemp("reviews_workspace")
    ws.set_workspace(folder)
    try:
        rb.log(
            pd.DataFrame(
                {
                    "text": frame.text,
                    "annotation": frame.category,
                    "id": range(len(frame)),
                    "metadata": [{"movie": m, "n": i} for i, m in enumerate(frame.movie_name)],
                }
            ),
            "reviews",
        )
    finally:
        ws.set_workspace(None)
    return folder, frame.assign(lower=frame.text.str.lower(), n=range(len(frame)))


_REVIEW_QUERIES = {
    "good": lambda f: word(f.lower, "good"),
    "GOOD": lambda f: word(f.lower, "good"),
    "text:film": lambda f: word(f.lower, "film"),
    "good AND funny": lambda f: word(f.lower, "good") & word(f.lower, "funny"),
    "good funny": lambda f: word(f.lower, "good") & word(f.lower, "funny"),
    "funny OR hilarious": lambda f: word(f.lower, "funny") | word(f.lower, "hilarious"),
    "film AND NOT good": lambda f: word(f.lower, "film") & ~word(f.lower, "good"),
    "NOT film": lambda f: ~word(f.lower, "film"),
    "-film -movie": lambda f: ~word(f.lower, "film") & ~word(f.lower, "movie"),
    '"special effects"': lambda f: phrase(f.lower, "special", "effects"),
    '"the best"': lambda f: phrase(f.lower, "the", "best"),
    "film*": lambda f: f.lower.str.contains(r"(?<!\w)film", regex=True),
    "annotated_as:rotten": lambda f: f.category == "rotten",
    "annotated_as:rotten AND (funny OR boring)": lambda f: (
        (f.category == "rotten") & (word(f.lower, "funny") | word(f.lower, "boring"))
    ),
    "annotated_as:(fresh OR plot) AND NOT film": lambda f: (
        f.category.isin(["fresh", "plot"]) & ~word(f.lower, "film")
    ),
    "metadata.n:[100 TO 499]": lambda f: f.n.between(100, 499),
    "metadata.n:{100 TO 499}": lambda f: (f.n > 100) & (f.n < 499),
    "metadata.n:>=2500": lambda f: f.n >= 2500,
    "metadata.n<10": lambda f: f.n < 10,
    "metadata.n:[1000 TO *] AND annotated_as:plot": lambda f: (
        (f.n >= 1000) & (f.category == "plot")
    ),
    "metadata.movie:about_a_boy": lambda f: f.movie_name == "about_a_boy",
    "metadata.movie:about*": lambda f: f.movie_name.str.startswith("about"),
    "metadata.movie:about_a_boy AND good": lambda f: (
        (f.movie_name == "about_a_boy") & word(f.lower, "good")
    ),
}


@pytest.mark.parametrize("query", list(_REVIEW_QUERIES))
def test_real_reviews_queries_match_a_pandas_filter(reviews, query):
    folder, frame = reviews
    rb.init(workspace=str(folder))
    expected = np.flatnonzero(_REVIEW_QUERIES[query](frame).to_numpy()).tolist()
    found = ids("reviews", query)
    assert found == expected  # same records, in logged order
    assert 0 < len(found) < len(frame) or query.startswith(("NOT", "-"))


def test_real_reviews_lowercase_or_is_a_word(reviews):
    folder, frame = reviews
    rb.init(workspace=str(folder))
    with pytest.warns(UserWarning, match="'or'"):
        found = rb.load("reviews", query="funny or sad").id.tolist()
    expected = word(frame.lower, "funny") & word(frame.lower, "or") & word(frame.lower, "sad")
    assert found == np.flatnonzero(expected.to_numpy()).tolist()


def test_real_reviews_limit_and_ids(reviews):
    folder, frame = reviews
    rb.init(workspace=str(folder))
    every = np.flatnonzero(word(frame.lower, "good").to_numpy()).tolist()
    assert ids("reviews", "good", limit=10) == every[:10]
    some = [*every[::3], 0, 1, 2]
    assert ids("reviews", "good", ids=some) == sorted(set(some) & set(every))


def test_real_tweets_labels_and_words(health_tweets):
    frame = health_tweets.dropna(subset=["text"]).head(2000).reset_index(drop=True)
    rb.log(
        pd.DataFrame(
            {
                "text": frame.text,
                "annotation": frame.label,
                "id": range(len(frame)),
                "metadata": [{"source": s} for s in frame.source_id],
            }
        ),
        "tweets",
    )
    lower = frame.text.str.lower()
    label = frame.label.iloc[0]
    cases = {
        f"annotated_as:{label}": frame.label == label,
        "health": word(lower, "health"),
        f"health AND NOT annotated_as:{label}": word(lower, "health") & (frame.label != label),
        f"metadata.source:{frame.source_id.iloc[0]}": frame.source_id == frame.source_id.iloc[0],
    }
    for query, mask in cases.items():
        assert ids("tweets", query) == np.flatnonzero(mask.to_numpy()).tolist(), query


def test_real_ner_tokens_and_entity_labels(ner_sentences):
    sentences = ner_sentences[:400]
    rb.log(
        [
            rb.TokenClassificationRecord(tokens=[t for t, _ in s], tags=[g for _, g in s], id=i)
            for i, s in enumerate(sentences)
        ],
        "ner",
    )
    tags = [{g.split("-", 1)[1] for _, g in s if g != "O"} for s in sentences]
    person = [i for i, t in enumerate(tags) if "person" in t]
    assert person and ids("ner", "annotated_as:person") == person
    not_person = [i for i, t in enumerate(tags) if "person" not in t]
    assert ids("ner", "NOT annotated_as:person") == not_person
    token = "Empire"
    having = [i for i, s in enumerate(sentences) if token in [t for t, _ in s]]
    assert having and ids("ner", f"tokens:{token}") == having
