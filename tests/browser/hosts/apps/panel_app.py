"""The Panel app: ``panel serve panel_app.py`` (tests/browser/hosts).

``pn.panel(widget)`` renders an anywidget through ipywidgets_bokeh, which loads
every third-party widget front end (here ``anywidget``'s) from a CDN, unpkg.com by
default. :func:`serve_widget_front_ends_locally` points it at ``/npm`` instead,
where the server serves anywidget's own AMD bundle (``panel serve
--static-dirs npm=<folder>``, the folder made by :func:`npm_folder`), so the app
works offline. ``RUBRIX_WIDGETS_HOME`` (set by the server) is the host's workspace.
"""

from __future__ import annotations

import shutil
from pathlib import Path

LOCAL_NPM = "/npm"


def npm_folder(target: Path) -> Path:
    """Lay out anywidget's AMD front end as ipywidgets_bokeh asks a CDN for it:
    ``<target>/anywidget@<its _model_module_version>/dist/index`` (no extension: the
    loader asks for ``<cdn>/<package>@<version>/dist/<file>`` with file ``index``)."""
    import anywidget

    version = anywidget.AnyWidget._model_module_version.default_value
    bundle = Path(anywidget.__file__).parent / "nbextension" / "index.js"
    dest = target / f"anywidget@{version}" / "dist" / "index"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(bundle, dest)
    return target


def serve_widget_front_ends_locally(npm: str = LOCAL_NPM) -> None:
    """Make ipywidgets_bokeh fetch widget front ends from ``npm`` (this server),
    and drop the Font Awesome stylesheet Panel adds from cdnjs (no widget of ours uses it)."""
    import panel.io.ipywidget  # noqa: F401 - must load before ipywidgets_bokeh (Panel's rule)
    from ipywidgets_bokeh.widget import IPyWidget

    if getattr(IPyWidget, "_rubrix_local_npm", None) == npm:
        return
    init = IPyWidget.__init__

    def local_init(self, *, widget, **kwargs):
        kwargs.setdefault("cdn", npm)
        init(self, widget=widget, **kwargs)

    IPyWidget.__init__ = local_init
    IPyWidget.__css__ = []
    IPyWidget._rubrix_local_npm = npm


if __name__.startswith("bokeh_app"):  # run by `panel serve`
    import panel as pn

    import rubrix_widgets as rb

    serve_widget_front_ends_locally()
    pn.extension()
    rb.init(annotator="ada")
    pn.Column(
        pn.panel(rb.show("reviews", mode="annotate", page_size=10)),
        pn.panel(rb.home()),
        pn.panel(rb.show("ner", mode="annotate", page_size=4)),
        pn.panel(rb.show("replies", mode="annotate", page_size=4)),
        sizing_mode="stretch_width",
    ).servable()
