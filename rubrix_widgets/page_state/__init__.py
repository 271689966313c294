"""The kernel side of a dataset page, without any widget: the session on a dataset
(search, pages, facets, writes, undo), the Rules panel's and metrics' computations,
record positions and their epoch, the page's JSON, following other writers, and
running work when the kernel is idle.

The AnyWidget classes in ``rubrix_widgets.widgets`` hold one of each and sync their
results to the browser; nothing here imports ipywidgets or anywidget, so it can be
used (and tested) without a front end.
"""
