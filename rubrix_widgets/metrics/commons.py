"""Metrics for datasets of every task (Rubrix's ``rb.metrics.commons``).

Each function takes a dataset name and an optional query in the Rubrix query
language, computes on the records matching it, and returns a
:class:`~rubrix_widgets.metrics.MetricSummary`.
"""

from __future__ import annotations

from . import _columns as cols
from . import _plots
from ._dataset import positive_int, rows
from .summary import MetricSummary

__all__ = ["keywords", "records_status", "text_length"]
METRICS = __all__  # the metrics this module offers, named in wrong-task errors


def text_length(name: str, query: str | None = None) -> MetricSummary:
    """The distribution of text lengths, in characters.

    A record's text is all its inputs joined by spaces (text classification
    records can have several inputs).

    Parameters
    ----------
    name
        The dataset name.
    query
        A search in the Rubrix query language; all records when None.

    Returns
    -------
    MetricSummary
        ``data`` maps a length to the number of records of that length
        (``{41: 3, 42: 5, ...}``, increasing lengths, only lengths that occur).

    Examples
    --------
    >>> from rubrix_widgets.metrics.commons import text_length
    >>> summary = text_length(name="reviews", query="annotated_as:fresh")
    >>> summary.data
    {12: 1, 35: 2, ...}
    >>> summary.visualize()  # a histogram
    """
    task, table = rows(name, query, "text_length")
    data = cols.histogram(cols.text_lengths(table, task), 1)
    return MetricSummary(
        data,
        lambda d, title: _plots.histogram(d, title, "characters", 1),
        metric="Text length",
        dataset=name,
        query=query,
        records=len(table),
    )


def records_status(name: str, query: str | None = None) -> MetricSummary:
    """How many records have each status (Default, Edited, Discarded, Validated).

    Parameters
    ----------
    name
        The dataset name.
    query
        A search in the Rubrix query language; all records when None.

    Returns
    -------
    MetricSummary
        ``data`` maps each status that occurs to its number of records, most
        frequent first: ``{"Default": 120, "Validated": 30}``.

    Examples
    --------
    >>> from rubrix_widgets.metrics.commons import records_status
    >>> records_status(name="reviews").data
    {'Default': 120, 'Validated': 30}
    """
    _, table = rows(name, query, "records_status")
    return MetricSummary(
        cols.status_counts(table),
        lambda d, title: _plots.bar(d, title, "status"),
        metric="Records status",
        dataset=name,
        query=query,
        records=len(table),
    )


def keywords(name: str, query: str | None = None, size: int = 20) -> MetricSummary:
    """The most frequent words of the records' texts.

    Words are split as the search index splits them (on anything that is not a
    letter or digit) and lowercased; words of one or two characters, numbers
    and common English stop words (``the``, ``and``, ``http``...) are left out.

    Parameters
    ----------
    name
        The dataset name.
    query
        A search in the Rubrix query language; all records when None.
    size
        How many words to return (the most frequent first).

    Returns
    -------
    MetricSummary
        ``data`` maps each word to its number of occurrences:
        ``{"cancer": 812, "study": 640, ...}``.

    Examples
    --------
    >>> from rubrix_widgets.metrics.commons import keywords
    >>> keywords(name="tweets", query="predicted_as:bbchealth", size=5).data
    {'ebola': 311, 'nhs': 290, ...}
    """
    size = positive_int(size, "size")
    task, table = rows(name, query, "keywords")
    data = cols.keyword_counts(cols.all_texts(table, task).drop_null(), limit=size)
    return MetricSummary(
        data,
        lambda d, title: _plots.bar(d, title, "word"),
        metric="Keywords",
        dataset=name,
        query=query,
        records=len(table),
    )
