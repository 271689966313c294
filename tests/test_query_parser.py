"""The query parser: every query_string form Rubrix users type, and the errors they get.

Trees are compared without positions (``pos``) except where a test is about
positions; errors must show the query with a caret under the place that broke.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rubrix_widgets as rb
from rubrix_widgets.search.query_ast import (
    And,
    Exists,
    Fuzzy,
    MatchAll,
    Not,
    Or,
    Phrase,
    Range,
    Regex,
    Term,
    Wildcard,
)
from rubrix_widgets.search.query_parser import parse_query


def nopos(node):
    """The tree with every ``pos`` set to 0, to compare shapes and values only."""
    if isinstance(node, And | Or):
        return type(node)(tuple(nopos(c) for c in node.children))
    if isinstance(node, Not):
        return Not(nopos(node.child))
    if dataclasses.is_dataclass(node) and any(f.name == "pos" for f in dataclasses.fields(node)):
        return dataclasses.replace(node, pos=0)
    return node


def tree(query):
    return nopos(parse_query(query).node)


def T(text, field=None):
    return Term(field, text)


def syntax_error(query) -> rb.QuerySyntaxError:
    with pytest.raises(rb.QuerySyntaxError) as info:
        parse_query(query)
    return info.value


def caret_target(error: rb.QuerySyntaxError) -> str:
    """The character of the shown query that the caret line points at ("" = past the end)."""
    *_, shown, caret = str(error).split("\n")
    assert caret.strip() == "^", caret
    i = caret.index("^")
    return shown[i] if i < len(shown) else ""


# -- terms, fields, default field ----------------------------------------------------------
@pytest.mark.parametrize(
    "query, expected",
    [
        ("fox", T("fox")),
        ("text:fox", T("fox", "text")),
        ("words:fox", T("fox", "words")),
        ("status:Validated", T("Validated", "status")),
        ("predicted:ko", T("ko", "predicted")),
        ("metadata.source:boston", T("boston", "metadata.source")),
        ("metadata.nested.key:v", T("v", "metadata.nested.key")),
        (r"inputs.my\ key:hello", T("hello", "inputs.my key")),
        (r"a\:b", T("a:b")),
        (r"a\ b", T("a b")),
        (r"\(x\)", T("(x)")),
        (r"e\-mail", T("e-mail")),
        ("e-mail", T("e-mail")),  # '-' only negates at the start of a clause
        (r"\\", T("\\")),
        ("fox^2", T("fox")),  # boosts are accepted and ignored
        ("  fox  ", T("fox")),
    ],
)
def test_terms_and_fields(query, expected):
    assert tree(query) == expected


@pytest.mark.parametrize("query", [None, "", "   ", "*", "*:*", '""', '" "'])
def test_everything_queries_match_all(query):
    assert parse_query(query).node == MatchAll()
    assert parse_query(query).warnings == []


def test_field_star_means_the_field_exists():
    assert tree("metadata.source:*") == Exists("metadata.source")
    assert tree("annotated_as:*") == Exists("annotated_as")


# -- boolean operators ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "query, expected",
    [
        ("a b", And((T("a"), T("b")))),
        ("a AND b", And((T("a"), T("b")))),
        ("a && b", And((T("a"), T("b")))),
        ("a OR b", Or((T("a"), T("b")))),
        ("a || b", Or((T("a"), T("b")))),
        ("a\tOR\nb", Or((T("a"), T("b")))),
        ("a OR b OR c", Or((T("a"), T("b"), T("c")))),
        ("NOT a", Not(T("a"))),
        ("!a", Not(T("a"))),
        ("! a", Not(T("a"))),
        ("-a", Not(T("a"))),
        ("+a", T("a")),
        ("NOT NOT a", T("a")),
        ("a AND NOT b", And((T("a"), Not(T("b"))))),
        ("a NOT b", And((T("a"), Not(T("b"))))),
        ("+a -b", And((T("a"), Not(T("b"))))),
        # Lucene skips blanks after a modifier (Rubrix's own listener query "val + 100")
        ("a - b", And((T("a"), Not(T("b"))))),
        ("val + 100", And((T("val"), T("100")))),
        ("- a", Not(T("a"))),
        ("a && !b", And((T("a"), Not(T("b"))))),
        ("NOT a b", And((Not(T("a")), T("b")))),
        # precedence: NOT binds tighter than AND, AND tighter than OR
        ("a AND b OR c", Or((And((T("a"), T("b"))), T("c")))),
        ("a OR b AND c", Or((T("a"), And((T("b"), T("c")))))),
        ("a OR b c", Or((T("a"), And((T("b"), T("c")))))),
        ("a || b && !c", Or((T("a"), And((T("b"), Not(T("c"))))))),
        ("(a OR b) c", And((Or((T("a"), T("b"))), T("c")))),
        ("(a OR b) AND (c OR d)", And((Or((T("a"), T("b"))), Or((T("c"), T("d")))))),
        ("NOT (a OR b)", Not(Or((T("a"), T("b"))))),
        ("-(a b)", Not(And((T("a"), T("b"))))),
        ("((a))", T("a")),
        ("NOT(a)", Not(T("a"))),
    ],
)
def test_boolean_operators_and_precedence(query, expected):
    assert tree(query) == expected


def test_or_and_not_are_words_when_not_standalone():
    # ORacle / ANDroid / NOTebook are words, not operators
    assert tree("ORacle ANDroid NOTebook") == And((T("ORacle"), T("ANDroid"), T("NOTebook")))


@pytest.mark.parametrize(
    "query, expected",
    [
        ("status:(Default OR Edited)", Or((T("Default", "status"), T("Edited", "status")))),
        ("annotated_as:(a b)", And((T("a", "annotated_as"), T("b", "annotated_as")))),
        ("predicted_as:(NOT Sports)", Not(T("Sports", "predicted_as"))),
        ("text:(a -b)", And((T("a", "text"), Not(T("b", "text"))))),
        ('text:("a b" OR c)', Or((Phrase("text", "a b"), T("c", "text")))),
        # the field applies inside the group only
        ("text:(a) b", And((T("a", "text"), T("b")))),
        ("text:(a OR (b c))", Or((T("a", "text"), And((T("b", "text"), T("c", "text")))))),
        # an explicit field inside a group wins
        ("text:(a OR status:Default)", Or((T("a", "text"), T("Default", "status")))),
    ],
)
def test_field_groups(query, expected):
    assert tree(query) == expected


# -- phrases, wildcards, fuzzy, regex --------------------------------------------------------
@pytest.mark.parametrize(
    "query, expected",
    [
        ('"quick fox"', Phrase(None, "quick fox")),
        ('text:"quick fox"', Phrase("text", "quick fox")),
        ('"quick fox"~2', Phrase(None, "quick fox", slop=2)),
        (r'inputs.my\ key:"x y"~1', Phrase("inputs.my key", "x y", slop=1)),
        (r'"say \"hi\""', Phrase(None, 'say "hi"')),
        ('"a:b (c) AND [d]"', Phrase(None, "a:b (c) AND [d]")),
        ('"x" "y"', And((Phrase(None, "x"), Phrase(None, "y")))),
    ],
)
def test_phrases(query, expected):
    assert tree(query) == expected


@pytest.mark.parametrize(
    "query, expected",
    [
        ("wom*", Wildcard(None, (("lit", "wom"), ("star", "*")))),
        ("fe?inist", Wildcard(None, (("lit", "fe"), ("one", "?"), ("lit", "inist")))),
        ("*ogs", Wildcard(None, (("star", "*"), ("lit", "ogs")))),
        ("annotated_as:Sp*", Wildcard("annotated_as", (("lit", "Sp"), ("star", "*")))),
        (
            "metadata.source:bos?on",
            Wildcard("metadata.source", (("lit", "bos"), ("one", "?"), ("lit", "on"))),
        ),
        (r"a\*b", T("a*b")),  # an escaped star is literal
    ],
)
def test_wildcards(query, expected):
    assert tree(query) == expected


def test_wildcard_text_round_trips():
    assert parse_query("f?x*").node.text == "f?x*"


@pytest.mark.parametrize(
    "query, expected",
    [
        ("femenist~1", Fuzzy(None, "femenist", 1)),
        ("femenist~", Fuzzy(None, "femenist", 2)),
        ("femenist~0", Fuzzy(None, "femenist", 0)),
        ("text:fox~2", Fuzzy("text", "fox", 2)),
        ("metadata.source:bostn~1", Fuzzy("metadata.source", "bostn", 1)),
    ],
)
def test_fuzzy(query, expected):
    assert tree(query) == expected


def test_regex():
    assert tree("/ab+c/") == Regex(None, "ab+c")
    assert tree("status:/Val.*/") == Regex("status", "Val.*")
    assert tree(r"text:/a\/b/") == Regex("text", "a/b")


# -- ranges and comparisons ------------------------------------------------------------------
@pytest.mark.parametrize(
    "query, expected",
    [
        ("score:[0.5 TO 1]", Range("score", "0.5", "1", True, True)),
        ("score:{0.5 TO 1}", Range("score", "0.5", "1", False, False)),
        ("score:[0.5 TO 1}", Range("score", "0.5", "1", True, False)),
        ("score:{0.5 TO 1]", Range("score", "0.5", "1", False, True)),
        ("score:{0.99 TO *}", Range("score", "0.99", None, False, False)),
        ("score:[* TO 0.5]", Range("score", None, "0.5", True, True)),
        ("score:[ 0.5  TO  1 ]", Range("score", "0.5", "1", True, True)),
        ("id:[1 TO 5]", Range("id", "1", "5", True, True)),
        ("metadata.page:[-10 TO -1]", Range("metadata.page", "-10", "-1", True, True)),
        (
            'metadata.when:["2021-01-01" TO "2021-12-31"]',
            Range("metadata.when", "2021-01-01", "2021-12-31", True, True),
        ),
        ("event_timestamp:[now-1d TO now]", Range("event_timestamp", "now-1d", "now", True, True)),
        (
            "event_timestamp:[2021-01-01T10:00:00 TO *]",
            Range("event_timestamp", "2021-01-01T10:00:00", None, True, True),
        ),
        # comparisons
        ("score:>0.5", Range("score", "0.5", None, False, True)),
        ("score:>=0.5", Range("score", "0.5", None, True, True)),
        ("score:<0.5", Range("score", None, "0.5", True, False)),
        ("score:<=0.5", Range("score", None, "0.5", True, True)),
        ("score:> 0.5", Range("score", "0.5", None, False, True)),
        # the form Rubrix documents, without ':'
        ("metadata.page_number>1", Range("metadata.page_number", "1", None, False, True)),
        ("metadata.page_number>=1", Range("metadata.page_number", "1", None, True, True)),
        ("score<0.5", Range("score", None, "0.5", True, False)),
        # comparisons read colons into the value
        (
            "event_timestamp:>2021-01-01T10:00:00",
            Range("event_timestamp", "2021-01-01T10:00:00", None, False, True),
        ),
    ],
)
def test_ranges_and_comparisons(query, expected):
    assert tree(query) == expected


def test_ranges_combine_with_other_clauses():
    assert tree("score:[0.5 TO 1] AND status:Default") == And(
        (Range("score", "0.5", "1", True, True), T("Default", "status"))
    )
    assert tree("(score:>0.9)") == Range("score", "0.9", None, False, True)


# -- _exists_ ----------------------------------------------------------------------------------
def test_exists():
    assert tree("_exists_:metadata.format") == Exists("metadata.format")
    assert tree("NOT _exists_:annotated_as") == Not(Exists("annotated_as"))
    assert tree("NOT(_exists_:metadata.format)") == Not(Exists("metadata.format"))
    assert tree("-_exists_:score") == Not(Exists("score"))
    assert tree(r"_exists_:metadata.my\ key") == Exists("metadata.my key")


# -- positions ---------------------------------------------------------------------------------
def test_leaves_remember_where_they_start():
    node = parse_query('fox AND text:"a b" OR score:>1').node
    fox, phrase = node.children[0].children
    assert (fox.pos, phrase.pos) == (0, 13)
    assert node.children[1].pos == 22


# -- lowercase operators ---------------------------------------------------------------------
@pytest.mark.parametrize("word", ["and", "or"])
def test_lowercase_operators_are_words_with_a_warning(word):
    parsed = parse_query(f"fox {word} dogs")
    assert nopos(parsed.node) == And((T("fox"), T(word), T("dogs")))
    assert len(parsed.warnings) == 1
    assert f"'{word}'" in parsed.warnings[0] and word.upper() in parsed.warnings[0]


def test_lowercase_operator_warnings_inside_groups_and_several():
    assert len(parse_query("(a and b) OR (c or d)").warnings) == 2


@pytest.mark.parametrize(
    "query", ["a AND b", "a OR b", "and", '"a and b"', "text:and", "candy orange", "a && b"]
)
def test_no_warning_without_lowercase_operators_between_clauses(query):
    assert parse_query(query).warnings == []


# -- syntax errors ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "query, positions",
    [
        # unbalanced parentheses
        ("(fox", {0}),
        ("fox OR (dogs AND cats", {7}),
        ("((fox)", {0}),
        ("fox)", {3}),
        ("status:(Default", {7}),
        ("()", {0, 1}),
        # unbalanced quotes
        ('"quick fox', {0}),
        ('fox "quick', {4}),
        ('text:"quick', {5}),
        # unbalanced / malformed ranges
        ("score:[0.5 TO 1", {0, 6, 15}),
        ("score:[0.5 TO 1)", {0, 6, 15}),
        ("score:[0.5 1]", {11}),
        ("score:[0.5 TO]", {13}),
        ("score:[0.5 TO ]", {14}),
        ("]", {0}),
        ("fox]", {3}),
        ("[1 TO 2]", {0}),
        ("{", {0}),
        # trailing / leading operators
        ("fox AND", {4, 7}),
        ("fox OR", {4, 6}),
        ("fox &&", {4, 6}),
        ("fox ||", {4, 6}),
        ("fox AND ", {4, 8}),
        ("(fox OR)", {5, 7}),
        ("(fox AND)", {5, 8}),
        ("status:(Default OR)", {16, 18}),
        ("AND fox", {0}),
        ("OR fox", {0}),
        ("fox OR OR dogs", {7}),
        ("fox AND OR dogs", {8}),
        ("NOT", {0, 3}),
        ("fox NOT", {4, 7}),
        ("!", {0, 1}),
        # dangling '-' / '+'
        ("-", {0, 1}),
        ("fox -", {4, 5}),
        ("(fox -)", {5, 6}),
        # ':' without a field, field without a value
        (":fox", {0}),
        ("fox :dogs", {4}),
        ("status:", {7}),
        ("status: ", {7, 8}),
        ("(status:)", {8}),
        ("_exists_:", {9}),
        # comparisons without a value or field
        ("score:>", {7}),
        ("score:>=", {8}),
        (">0.5", {0}),
        # dangling escapes, boosts and fuzziness
        ("fox\\", {3}),
        ("fox^", {4}),
        ("~fox", {0}),
        ("fox~3", {3, 4, 5}),
        # unterminated regex
        ("/ab", {0}),
    ],
)
def test_syntax_errors_point_at_the_problem(query, positions):
    error = syntax_error(query)
    assert isinstance(error, ValueError)
    assert error.query == query
    assert error.position in positions, (error.position, str(error))
    # the message shows the query and a caret at that place
    assert query.strip() in str(error).replace("\t", " ")
    expected = query[error.position] if error.position < len(query) else ""
    assert caret_target(error) == expected


def test_syntax_error_message_says_what_is_wrong():
    assert "')'" in syntax_error("(fox").reason
    assert "'\"'" in syntax_error('"fox').reason
    assert "TO" in syntax_error("score:[1 2]").reason
    assert "field" in syntax_error(":fox").reason
    assert "AND" in syntax_error("fox AND").reason
    assert "-" in syntax_error("fox -").reason


def test_caret_stays_under_the_problem_in_a_long_query():
    query = "fox AND " * 30 + "(dogs OR cats" + " AND fox" * 30
    error = syntax_error(query)
    assert error.position == query.index("(")
    assert caret_target(error) == "("
    assert "..." in str(error)


def test_nesting_up_to_64_levels_parses_and_deeper_is_an_error():
    assert tree("(" * 64 + "fox" + ")" * 64) == T("fox")
    nested = tree("NOT (" * 64 + "fox" + ")" * 64)
    depth = 0
    while isinstance(nested, Not):
        nested, depth = nested.child, depth + 1
    assert nested == T("fox") and depth % 2 == 0  # an even number of NOTs
    query = "(" * 65 + "fox" + ")" * 65
    error = syntax_error(query)
    assert "64" in error.reason
    assert error.position == 64 and caret_target(error) == "("


def test_very_deep_nesting_is_an_error_not_a_recursion_error():
    error = syntax_error("(" * 100_000)
    assert "64" in error.reason
    syntax_error("text:(" * 10_000 + "a" + ")" * 10_000)


def test_queries_up_to_100000_characters_parse_and_longer_is_an_error():
    query = ("fox " * 25_000)[:100_000]
    assert len(parse_query(query).node.children) == 25_000
    error = syntax_error("x" * 100_001)
    assert "100,000" in str(error) or "100000" in str(error)
    assert len(str(error)) < 1_000  # the message does not echo the whole query


def test_non_string_and_nul_queries_are_syntax_errors():
    with pytest.raises(rb.QuerySyntaxError):
        parse_query(123)
    error = syntax_error("fox\x00dogs")
    assert error.position == 3


# -- the parser never fails in another way ----------------------------------------------------
_PIECES = st.sampled_from(
    [
        "fox",
        "a",
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
        "TO",
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
        "=",
        " ",
        "score",
        "text",
        "metadata.page",
        "_exists_",
        "1",
        "-1",
        "1.5",
        "now-1d",
        "2021-05-04",
    ]
)


@settings(
    max_examples=400,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(_PIECES, min_size=1, max_size=10).map("".join) | st.text(max_size=30))
def test_any_input_parses_or_raises_a_query_syntax_error(query):
    try:
        parsed = parse_query(query)
    except rb.QuerySyntaxError as error:
        assert error.position is None or 0 <= error.position <= len(query)
        if error.position is not None:
            expected = query[error.position] if error.position < len(query) else ""
            assert caret_target(error) == expected.replace("\n", " ").replace("\t", " ")
    else:
        assert isinstance(parsed.warnings, list)
