"""Panel apps without a CDN: serve anywidget's front end from the Panel server itself.

``pn.panel(rb.show("news"))`` renders the page through ``ipywidgets_bokeh``, which loads
every third-party widget front end (here anywidget's) from ``https://unpkg.com`` unless told
otherwise: behind a firewall, or offline, the page never renders. Two steps keep it local::

    # app.py
    import panel as pn
    import rubrix_widgets as rb
    from rubrix_widgets.panel_offline import use_local_front_ends

    use_local_front_ends()          # before the first pn.panel(widget)
    pn.panel(rb.show("news")).servable()

and serve the folder this module lays out at ``/npm``::

    panel serve app.py --static-dirs npm=$(python -m rubrix_widgets.panel_offline)

``python -m rubrix_widgets.panel_offline [FOLDER]`` writes anywidget's bundle (from the
installed ``anywidget`` package) where ipywidgets_bokeh asks for it and prints the folder.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

LOCAL_NPM = "/npm"
DEFAULT_FOLDER = Path.home() / ".cache" / "rubrix_widgets" / "npm"


def front_end_folder(target: str | Path = DEFAULT_FOLDER) -> Path:
    """Lay out anywidget's front end as ipywidgets_bokeh asks a CDN for it
    (``<target>/anywidget@<version>/dist/index``) and return ``target``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = front_end_folder(pathlib.Path(tempfile.mkdtemp()) / "npm")
    >>> [p.name for p in folder.iterdir()]   # doctest: +ELLIPSIS
    ['anywidget@...']
    """
    import anywidget

    target = Path(target)
    version = anywidget.AnyWidget._model_module_version.default_value
    bundle = Path(anywidget.__file__).parent / "nbextension" / "index.js"
    if not bundle.exists():
        raise FileNotFoundError(
            f"anywidget's front end is not where anywidget {version} keeps it ({bundle}); "
            "reinstall anywidget (pip install --force-reinstall anywidget)"
        )
    dest = target / f"anywidget@{version}" / "dist" / "index"  # the loader adds no extension
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(bundle, dest)
    return target


def use_local_front_ends(npm: str = LOCAL_NPM) -> None:
    """Make Panel's widget bridge (ipywidgets_bokeh) load widget front ends from ``npm`` on
    the Panel server instead of unpkg.com, and drop the Font Awesome stylesheet it adds from
    cdnjs (our widgets do not use it). Call it once, before the first ``pn.panel(widget)``.
    """
    import panel.io.ipywidget  # noqa: F401  (Panel's rule: it loads before ipywidgets_bokeh)
    from ipywidgets_bokeh.widget import IPyWidget

    if getattr(IPyWidget, "_rubrix_local_npm", None) == npm:
        return
    original = getattr(IPyWidget, "_rubrix_original_init", IPyWidget.__init__)

    def local_init(self, *, widget, **kwargs):
        kwargs.setdefault("cdn", npm)
        original(self, widget=widget, **kwargs)

    IPyWidget._rubrix_original_init = original
    IPyWidget.__init__ = local_init
    IPyWidget.__css__ = []
    IPyWidget._rubrix_local_npm = npm


if __name__ == "__main__":
    print(front_end_folder(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_FOLDER))
