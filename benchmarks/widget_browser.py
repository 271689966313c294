"""``make bench`` (widget, browser part): first page visible in JupyterLab in headless Chromium.

    python benchmarks/widget_browser.py              # 1M records
    python benchmarks/widget_browser.py --n 100000

W4b  time from running ``rb.show(name, page_size=50)`` in a cell to its 50 record cards
     in the page, vs ``display(HTML(df.to_html()))`` of the same 50 records (loaded
     beforehand) in the same notebook, same browser, alternating, repeated.
Results are appended to benchmarks/results.md as a "Widget (browser)" section.
Needs /usr/bin/chromium and playwright (`make test` installs both).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import bench_data  # noqa: E402
from run import fmt  # noqa: E402
from widget import write_section  # noqa: E402

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORT  # noqa: E402
from tests.browser.jupyter_server import JupyterServer, open_notebook, screenshot  # noqa: E402

MARKER = "\n## Widget (browser)"

# Resolves with ms from "run this cell" to ``count`` elements matching ``selector``
# in the cell's output (checked every animation frame, i.e. when painted).
TIME_CELL_JS = """async ([index, selector, count]) => {
  const app = window.jupyterapp;
  const notebook = app.shell.currentWidget.content;
  await app.commands.execute('notebook:clear-all-cell-outputs');
  notebook.activeCellIndex = index;
  const cell = notebook.widgets[index].node;
  const start = performance.now();
  app.commands.execute('notebook:run-cell');
  return await new Promise((resolve, reject) => {
    const give_up = start + 60000;
    const check = () => {
      if (cell.querySelectorAll(selector).length >= count) resolve(performance.now() - start);
      else if (performance.now() > give_up) reject(new Error('timeout: ' + selector));
      else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  });
}"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    import rubrix_widgets as rb

    scratch = Path(tempfile.mkdtemp(prefix="rb-bench-browser-"))
    try:
        workspace = scratch / "ws"
        rb.init(workspace=workspace)
        print(f"logging {args.n:,} records...", flush=True)
        frame = bench_data.records_frame(args.n)
        rb.log(frame, "browser", verbose=False)
        del frame
        gc.collect()
        cells = [
            "from IPython.display import HTML, display\n"
            "first50 = rb.load('browser', limit=50)\n"
            "table = first50[['id', 'text', 'prediction', 'annotation', 'status', 'metadata']]\n"
            "report(ready=True)",
            "rb.show('browser', page_size=50)",
            "display(HTML(table.to_html()))",
        ]
        ours, base = [], []
        with JupyterServer("lab", root_dir=scratch / "root") as server, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_context(viewport=VIEWPORT).new_page()
            report = scratch / "report.json"
            open_notebook(
                page, server, cells, name="bench", report_path=report, workspace=workspace
            )
            from tests.browser.jupyter_server import wait_for_report

            wait_for_report(report, "ready", timeout=120)
            page.wait_for_function(
                "() => window.jupyterapp.shell.currentWidget.sessionContext.session"
                ".kernel.status === 'idle'"
            )
            first_cell = 3  # after the report and workspace preludes
            for r in range(args.repeats + 1):  # the first round warms both paths up
                t_ours = page.evaluate(TIME_CELL_JS, [first_cell, ".rw-root article", 50])
                if r == 0:
                    screenshot(page, "bench-first-page-1M")
                t_base = page.evaluate(TIME_CELL_JS, [first_cell + 1, "table tbody tr", 50])
                if r:
                    ours.append(t_ours / 1e3)
                    base.append(t_base / 1e3)
            browser.close()
        ratio = [o / b for o, b in zip(ours, base, strict=True)]
        text = "\n".join(
            [
                MARKER.strip("\n"),
                "",
                f"{dt.date.today().isoformat()}, {args.n:,} records, JupyterLab + headless Debian "
                f"Chromium, {args.repeats} alternating repeats after a warm-up",
                "",
                "| measure | result | goal |",
                "|---|---|---|",
                f"| W4 cell run -> 50 record cards painted (rb.show) | {fmt(ours, 'ms', 1e3)} | ≤ 1 s |",
                f"| baseline: display(HTML(df.to_html())) of the same 50 | {fmt(base, 'ms', 1e3)} | |",
                f"| ratio | {fmt(ratio, 'x')} (median of ratios {statistics.median(ratio):.2f}) "
                "| ≤ 2x |",
                "",
            ]
        )
        print(text)
        write_section(args.out, MARKER, text)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
