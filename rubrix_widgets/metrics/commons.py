"""Metrics for datasets of every task (Rubrix's ``rb.metrics.commons``).

Each function takes a dataset name and an optional query in the Rubrix query
language, computes on the records matching it, and returns a
:class:`~rubrix_widgets.metrics.MetricSummary`.
"""

from __future__ import annotations

from . import _columns as cols
from . import _plots
from ._dataset import positive_int, rows, summary
from .summary import MetricSummary

__all__ = ["keywords", "records_status", "text_length"]
METRICS = __all__  # the metrics this module offers, named in wrong-task errors


def text_length(name: str, query: str | None = None) -> MetricSummary:
    """The distribution of text lengths, in characters.

    A record's text is all its inputs joined (text classification records can have
    several inputs, each separator counting one). Lengths are counted as Rubrix's
    server counted them, in UTF-16 code units: an emoji counts 2.

    Parameters
    ----------
    name
        The dataset name.
    query
        A search in the Rubrix query language; all records when None.

    Returns
    -------
    MetricSummary
        ``data`` maps a length to the number of records of that length, as Rubrix's
        histogram: string keys, every length from the shortest to the longest, 0 for
        those no record has (``{"11.0": 1, "12.0": 0, "13.0": 2}``).

    Examples
    --------
    >>> from rubrix_widgets.metrics.commons import text_length
    >>> summary = text_length(name="reviews", query="annotated_as:fresh")
    >>> summary.data
    {'12.0': 1, '13.0': 0, '14.0': 2, ...}
    >>> summary.visualize()  # a histogram
    """
    return summary(
        name,
        query,
        "commons.text_length",
        "text_length",
        lambda d, title: _plots.histogram(d, title, "characters", 1),
        "Text length",
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
    return summary(
        name,
        query,
        "commons.records_status",
        "status_distribution",
        lambda d, title: _plots.bar(d, title, "status"),
        "Records status",
    )


def keywords(name: str, query: str | None = None, size: int = 20) -> MetricSummary:
    """The most frequent words of the records' texts (not a Rubrix 0.18 function).

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
