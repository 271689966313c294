"""The docstring examples of the notebook widgets run, and show what they say they show.

Every public method and property of ``DatasetPage``, ``Home`` and ``DatasetList``, and the
functions ``rb.show`` and ``rb.home``, has an ``Examples`` section. Each example logs its
own few records in its first lines (a reader can paste it into a notebook as it is), so
each docstring runs with only ``rb`` in its globals, in a fresh workspace of its own (the
autouse fixture), outside a kernel, as a script would. An example whose output differs
from the docstring fails its test with doctest's report.
"""

from __future__ import annotations

import doctest
import inspect

import pytest

import rubrix_widgets as rb
from rubrix_widgets.widgets import DatasetList, DatasetPage, Home
from rubrix_widgets.widgets.dataset_list import ListActions

CLASSES = (DatasetPage, Home, ListActions, DatasetList)
FUNCTIONS = {"rb.show": rb.show, "rb.home": rb.home}
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def public_members() -> dict[str, object]:
    """``Class.name`` -> the method or property, for each public one a class defines."""
    found: dict[str, object] = {}
    for cls in CLASSES:
        for name, value in vars(cls).items():
            if name.startswith("_"):
                continue
            if inspect.isfunction(value) or isinstance(value, property):
                found[f"{cls.__name__}.{name}"] = value
    return found


def documented() -> dict[str, object]:
    return {**public_members(), **FUNCTIONS}


def docstring_of(member: object) -> str:
    return inspect.getdoc(member) or ""


def test_every_public_method_and_entry_point_has_an_examples_section():
    missing = [
        name
        for name, member in documented().items()
        if "\nExamples\n--------\n" not in docstring_of(member) or ">>>" not in docstring_of(member)
    ]
    assert not missing, "no Examples section (numpy style, with >>> lines): " + ", ".join(missing)


@pytest.mark.parametrize("name", sorted(documented()))
def test_the_docstring_example_runs_and_shows_its_output(name, capsys):
    member = documented()[name]
    text = docstring_of(member)
    parser = doctest.DocTestParser()
    test = parser.get_doctest(text, {"rb": rb}, name, None, 0)
    assert test.examples, f"{name}: no >>> examples"
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    report: list[str] = []
    try:
        result = runner.run(test, out=report.append, clear_globs=False)
    finally:
        for value in list(test.globs.values()):  # close the widgets the example made
            if isinstance(value, DatasetPage | DatasetList):
                value.close()
    assert result.failed == 0, f"{name}: the example's output differs:\n" + "".join(report)
