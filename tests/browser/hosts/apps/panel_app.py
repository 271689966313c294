"""The Panel app: ``panel serve panel_app.py --static-dirs npm=<folder>`` (tests/browser/hosts).

It does what the README tells a Panel user to do offline: ``use_local_front_ends()`` and
the ``/npm`` static folder laid out by ``rubrix_widgets.panel_offline.front_end_folder``,
so nothing loads from unpkg. ``RUBRIX_WIDGETS_HOME`` (set by the server) is the host's
workspace.
"""

from __future__ import annotations

if __name__.startswith("bokeh_app"):  # run by `panel serve`
    import panel as pn

    import rubrix_widgets as rb
    from rubrix_widgets.panel_offline import use_local_front_ends

    use_local_front_ends()
    pn.extension()
    rb.init(annotator="ada")
    pn.Column(
        pn.panel(rb.show("reviews", mode="annotate", page_size=10)),
        pn.panel(rb.home()),
        pn.panel(rb.show("ner", mode="annotate", page_size=4)),
        pn.panel(rb.show("replies", mode="annotate", page_size=4)),
        sizing_mode="stretch_width",
    ).servable()
