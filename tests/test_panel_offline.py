"""Panel apps need no CDN: the helper lays out anywidget's front end and points Panel at it."""

from __future__ import annotations

import doctest
import subprocess
import sys
from pathlib import Path

import pytest

from rubrix_widgets import panel_offline


def test_the_folder_holds_anywidgets_bundle_where_ipywidgets_bokeh_asks_for_it(tmp_path):
    import anywidget

    version = anywidget.AnyWidget._model_module_version.default_value
    folder = panel_offline.front_end_folder(tmp_path / "npm")
    bundle = folder / f"anywidget@{version}" / "dist" / "index"
    shipped = Path(anywidget.__file__).parent / "nbextension" / "index.js"
    assert bundle.read_bytes() == shipped.read_bytes()


def test_running_the_module_lays_out_the_folder_and_prints_it(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "rubrix_widgets.panel_offline", str(tmp_path / "static")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert out == str(tmp_path / "static")
    assert list((tmp_path / "static").glob("anywidget@*/dist/index"))


def test_panels_widget_bridge_loads_front_ends_from_the_server_not_unpkg():
    pytest.importorskip("panel")
    pytest.importorskip("ipywidgets_bokeh")
    # In a child process: importing Panel's ipywidgets bridge patches ipywidgets' comms
    # for the whole process, which the other widget tests must not inherit.
    probe = """
import ipywidgets
from rubrix_widgets import panel_offline
panel_offline.use_local_front_ends()
panel_offline.use_local_front_ends()  # twice is harmless
from ipywidgets_bokeh.widget import IPyWidget
print(IPyWidget(widget=ipywidgets.IntSlider()).cdn, len(IPyWidget.__css__))
"""
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["/npm", "0"]  # the server's folder, and no stylesheet from cdnjs


def test_the_modules_examples_run():
    result = doctest.testmod(panel_offline, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 2 and result.failed == 0
