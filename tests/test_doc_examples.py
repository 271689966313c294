"""Every public ``rb.*`` function and class shows how it is used, and the example runs.

Each docstring's ``Examples`` section runs with :mod:`doctest`, as a reader would paste
it: ``rb`` is imported, the workspace is fresh and empty (the records an example reads are
logged in the example itself), and what an example prints must match what its docstring
shows (``...`` and white space may differ: ELLIPSIS, NORMALIZE_WHITESPACE). An example
that raises, or prints something else, fails the test named after the ``rb.*`` name.

Names whose examples another test runs, or that are not functions or classes, are listed
in :data:`NOT_HERE` with the reason; the test checks that list against ``rb.__all__``, so
a new public name cannot be left out silently.
"""

from __future__ import annotations

import doctest
import inspect

import pytest

import rubrix_widgets as rb

# rb.__all__ names this file does not run, and why (each is a promise of another test)
NOT_HERE = {
    "show": "a widget: its examples are the widgets' (tests of the widget package)",
    "home": "a widget: its examples are the widgets' (tests of the widget package)",
    "__version__": "a str, not a function or class",
    "labeling": "a module (rb.labeling.text_classification...); not a function or class",
    "listeners": "a module; rb.listener and rb.Metrics/Search/RBListenerContext are run here",
    "metrics": "a module (rb.metrics.commons...); not a function or class",
    "monitoring": "a module; rb.monitor is run here",
}
DOCUMENTED = sorted(set(rb.__all__) - set(NOT_HERE))
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def examples_section(docstring: str) -> str:
    """The text of a numpy-style ``Examples`` section ('' when there is none)."""
    lines = docstring.splitlines()
    for i in range(len(lines) - 1):
        if lines[i].strip() == "Examples" and set(lines[i + 1].strip()) == {"-"}:
            return "\n".join(lines[i + 2 :])
    return ""


def test_every_public_name_is_run_here_or_excused_by_name():
    assert set(NOT_HERE) <= set(rb.__all__), "NOT_HERE names a name rb no longer exports"
    assert DOCUMENTED, "rb.__all__ lists nothing to run"


@pytest.mark.parametrize("name", DOCUMENTED)
def test_docstring_example_runs_as_shown(name):
    obj = getattr(rb, name)
    docstring = inspect.getdoc(obj) or ""
    section = examples_section(docstring)
    assert section, f"rb.{name} has no numpy-style 'Examples' section"
    test = doctest.DocTestParser().get_doctest(
        section, {"rb": rb}, f"rb.{name}", inspect.getsourcefile(obj), 0
    )
    assert test.examples, f"rb.{name}'s Examples section has no >>> line"
    report: list[str] = []
    # the workspace fixture gives the example an empty workspace and undoes any switch
    result = doctest.DocTestRunner(optionflags=FLAGS).run(test, out=report.append)
    assert result.failed == 0, "".join(report)
