"""The marimo app: served by ``marimo run`` and ``marimo edit`` (tests/browser/hosts).

The reviews page and the Text2Text page are cells' outputs (a bare anywidget);
the home list and the NER page go through ``mo.ui.anywidget``. ``RUBRIX_WIDGETS_HOME``
(set by the server) is the host's workspace.
"""

import marimo

app = marimo.App(width="full")


@app.cell
def _():
    import marimo as mo

    import rubrix_widgets as rb

    rb.init(annotator="ada")
    return mo, rb


@app.cell
def _(rb):
    page = rb.show("reviews", mode="annotate", page_size=10)
    page  # noqa: B018 - the cell's output
    return


@app.cell
def _(mo, rb):
    home = mo.ui.anywidget(rb.home())
    home  # noqa: B018
    return


@app.cell
def _(mo, rb):
    ner = mo.ui.anywidget(rb.show("ner", mode="annotate", page_size=4))
    ner  # noqa: B018
    return


@app.cell
def _(rb):
    replies = rb.show("replies", mode="annotate", page_size=4)
    replies  # noqa: B018
    return


if __name__ == "__main__":
    app.run()
