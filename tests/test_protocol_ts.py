"""The protocol is typed once: the Python registry and js/src/protocol.ts say the same thing.

Each widget class declares its intents in Python (``@action`` handlers, whose keyword
parameters are the fields). The front end's TypeScript unions (``PageIntent``,
``ListIntent``, ``HomeOnlyIntent``) and result maps (``PageResults``, ...) must list the
same actions, with the same fields (required and optional alike) and the same result
types, so a field renamed on one side only fails here, not in a person's click.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rubrix_widgets.widgets.dataset_list import DatasetList
from rubrix_widgets.widgets.dataset_page import DatasetPage
from rubrix_widgets.widgets.home_page import Home
from rubrix_widgets.widgets.protocol import actions_of

PROTOCOL_TS = Path(__file__).resolve().parent.parent / "js" / "src" / "protocol.ts"
MEMBER = re.compile(r'^\s*\|\s*\{\s*action:\s*"(\w+)"\s*;?(.*?)\}\s*;?\s*$')
FIELD = re.compile(r"(\w+)(\?)?\s*:\s*([^;]+)")


def _block(source: str, opening: str) -> list[str]:
    """The lines of the TS declaration starting with ``opening``, up to its end."""
    lines = source.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(opening))
    block = []
    for line in lines[start + 1 :]:
        if not line.strip() or line.startswith("}") or line.startswith("export"):
            break
        block.append(line)
        if line.rstrip().endswith("};"):
            break
    return block


def ts_intents(name: str) -> dict[str, dict[str, bool]]:
    """``export type <name> =`` union: action -> {field: optional}."""
    source = PROTOCOL_TS.read_text(encoding="utf-8")
    intents = {}
    for line in _block(source, f"export type {name} ="):
        match = MEMBER.match(line)
        assert match, f"protocol.ts: {name} member not in the one-line shape: {line!r}"
        action, body = match.groups()
        intents[action] = {field: bool(optional) for field, optional, _type in FIELD.findall(body)}
    return intents


def ts_results(name: str) -> dict[str, str]:
    """``export interface <name> {`` lines: action -> result type."""
    source = PROTOCOL_TS.read_text(encoding="utf-8")
    results = {}
    for line in _block(source, f"export interface {name} {{"):
        action, _, kind = line.strip().rstrip(";").partition(":")
        results[action.strip()] = kind.strip()
    return results


def py_intents(cls: type, exclude: set[str] = frozenset()) -> dict[str, dict[str, bool]]:
    return {
        name: {
            **{f: False for f in spec.required},
            **{f: True for f in spec.optional},
        }
        for name, spec in actions_of(cls).items()
        if name not in exclude
    }


def py_results(cls: type, exclude: set[str] = frozenset()) -> dict[str, str]:
    return {name: spec.result for name, spec in actions_of(cls).items() if name not in exclude}


PAGE = set(actions_of(DatasetPage))
LIST = set(actions_of(DatasetList))


@pytest.mark.parametrize(
    ("cls", "intent", "results", "exclude"),
    [
        (DatasetPage, "PageIntent", "PageResults", set()),
        (DatasetList, "ListIntent", "ListResults", set()),
        # the one-widget home: the page's and the list's actions, and its own
        (Home, "HomeOnlyIntent", "HomeOnlyResults", PAGE | LIST),
    ],
    ids=["page", "list", "home"],
)
def test_python_and_typescript_declare_the_same_intents(cls, intent, results, exclude):
    assert py_intents(cls, exclude) == ts_intents(intent)
    assert py_results(cls, exclude) == ts_results(results)


def test_home_accepts_every_page_and_list_action():
    assert set(actions_of(Home)) >= PAGE | LIST


def test_the_parser_reads_every_union_member():
    # a member written on two lines would be skipped silently: count them by hand
    source = PROTOCOL_TS.read_text(encoding="utf-8")
    for name in ("PageIntent", "ListIntent", "HomeOnlyIntent"):
        body = source.split(f"export type {name} =", 1)[1].split(";\n\n", 1)[0]
        assert body.count('action: "') == len(ts_intents(name)), name
