"""The browser harness works: widgets render in JupyterLab 4 and Notebook 7, and a
change made in the browser reaches the kernel."""

from __future__ import annotations

import sys

import pytest

import rubrix_widgets as rb

from .jupyter_server import screenshot, wait_for_report

expect = pytest.importorskip("playwright.sync_api").expect

SENTENCES = [
    ("A gripping, beautifully acted thriller that never lets go.", "fresh"),
    ("Two hours of my life I will never get back.", "rotten"),
    ("A retired detective is pulled back for one last case.", "plot"),
    ("Smart, funny and surprisingly moving.", "fresh"),
    ("The script is a mess and the jokes fall flat.", "rotten"),
]

LOG_CELL = f"""\
records = [
    rb.TextClassificationRecord(text=text, prediction=[(label, 0.9)], metadata={{"i": i}})
    for i, (text, label) in enumerate({SENTENCES!r})
]
rb.log(records, name="smoke")
report(logged=len(rb.load("smoke")), workspace=rb.get_workspace())"""

WIDGETS_CELL = '''\
import sys
import anywidget, ipywidgets, traitlets

class Hello(anywidget.AnyWidget):
    _esm = """
    export default {
      render({ model, el }) {
        const label = document.createElement("span");
        label.className = "smoke-hello";
        const update = () => { label.textContent = "hello " + model.get("x"); };
        update();
        model.on("change:x", update);
        const button = document.createElement("button");
        button.className = "smoke-button";
        button.textContent = "click me";
        button.onclick = () => { model.set("x", "clicked"); model.save_changes(); };
        el.append(label, button);
      }
    }"""
    x = traitlets.Unicode("x").tag(sync=True)

hello = Hello()
hello.observe(lambda change: report(x=change["new"]), names="x")
slider = ipywidgets.IntSlider(value=5, min=0, max=10, description="smoke")
slider.observe(lambda change: report(slider=change["new"]), names="value")
display(slider, hello)
report(ready=True, executable=sys.executable)'''


def test_widgets_render_and_talk_to_the_kernel(
    jupyter, page, page_errors, run_notebook, report_path, workspace
):
    run_notebook(jupyter, [LOG_CELL, WIDGETS_CELL])
    ready = wait_for_report(report_path, "ready")
    assert ready["executable"] == sys.executable
    assert ready["logged"] == len(SENTENCES)
    assert ready["workspace"] == str(workspace)
    # The kernel wrote into this test's workspace: the test process reads it back.
    assert sorted(rb.load("smoke").text) == sorted(text for text, _ in SENTENCES)

    hello = page.locator(".smoke-hello")
    expect(hello).to_have_text("hello x")
    expect(page.locator(".widget-slider .noUi-handle")).to_be_visible()

    # Browser -> kernel: a click sets the trait; the kernel's observer reports it.
    page.locator(".smoke-button").click()
    assert wait_for_report(report_path, "x", equals="clicked", timeout=20)["x"] == "clicked"
    expect(hello).to_have_text("hello clicked")

    # Browser -> kernel through a stock ipywidgets control: a click at 80% of the
    # slider's track (keyboard arrows are taken by Notebook 7's command shortcuts).
    track = page.locator(".widget-slider .noUi-target").first
    box = track.bounding_box()
    track.click(position={"x": box["width"] * 0.8, "y": box["height"] / 2})
    assert wait_for_report(report_path, "slider", equals=8, timeout=20)["slider"] == 8

    screenshot(page, f"smoke-{jupyter.app}")
    assert not page_errors()
