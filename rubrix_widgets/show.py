"""``rb.show``: open a dataset page in the cell (logging the data first if given)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .client import log
from .home import home

if TYPE_CHECKING:  # the widget stack (ipywidgets, anywidget) loads on first show()
    from .widgets.dataset_page import DatasetPage
    from .widgets.home_page import Home


def show(
    data: Any = None,
    name: str | None = None,
    *,
    query: str = "",
    mode: str = "explore",
    page_size: int = 20,
    sort: list | None = None,
    filters: dict | None = None,
    similar_to: dict | None = None,
    embedder: Any = None,
    **log_options: Any,
) -> DatasetPage | Home:
    """The dataset page of ``name``, inline.

    ``rb.show("news")`` opens a stored dataset; ``rb.show(df_or_records, name="news")``
    logs the records into ``news`` first (same rules as :func:`rb.log`). ``rb.show()``
    with neither is the home page (:func:`rb.home`): one widget, the list of datasets
    and the page it opens, with the way back.

    Parameters
    ----------
    data : records, DataFrame or str, optional
        Records to log into ``name`` first; a str alone is the dataset's name.
    name : str, optional
        The dataset.
    query, mode, page_size, sort, filters
        The page's first state (``sort=[["metadata.loss", "desc"]]``,
        ``filters={"predicted_as": ["fresh"]}``); they are the page's traits afterwards.
    similar_to : dict, optional
        A neighbourhood to show first (see ``DatasetPage.similar_to``), e.g.
        ``{"kind": "record", "id": 17, "vector": "mini-lm", "k": 50}``.
    embedder : callable, optional
        ``list[str] -> array (n, d)`` for the search bar's "Semantic" switch; its ``name``
        attribute (if any) names the dataset's vector it makes. Default: the built-in
        ``rb.SentenceEmbedder`` when its optional extra is installed (built on first use).
    **log_options
        What :func:`rb.log` takes besides records and name (``tags``, ``metadata``, ...).

    Returns
    -------
    DatasetPage or Home
        The dataset's page; the home page when neither ``data`` nor ``name`` is given.

    Examples
    --------
    >>> page = rb.show([rb.TextClassificationRecord(text="Rain all week"),
    ...                 rb.TextClassificationRecord(text="Cup final")], name="news")
    >>> page.total
    2
    >>> rb.show("news", query="rain", mode="annotate").total
    1
    >>> type(rb.show()).__name__
    'Home'
    """
    if isinstance(data, str) and name is None:
        data, name = None, data
    if data is None and name is None:
        if log_options:
            raise TypeError(f"rb.show got log options {sorted(log_options)} without records to log")
        return home()
    if name is None:
        raise TypeError(
            "rb.show needs a dataset name: rb.show('news'), or rb.show(records, name='news') "
            "to log records first"
        )
    if data is not None:
        if isinstance(data, str):
            raise TypeError(
                f"rb.show got two names ({data!r} and {name!r}); pass records or a DataFrame "
                "as the first argument"
            )
        log(data, name, verbose=False, **log_options)
    elif log_options:
        raise TypeError(f"rb.show got log options {sorted(log_options)} without records to log")
    from .widgets.dataset_page import DatasetPage

    return DatasetPage(
        name,
        page_size=page_size,
        mode=mode,
        query=query,
        sort=[] if sort is None else sort,
        filters={} if filters is None else filters,
        similar_to=similar_to,
        embedder=embedder,
    )


__all__ = ["show"]
