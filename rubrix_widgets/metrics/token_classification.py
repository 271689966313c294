"""Metrics for token classification (NER) datasets (Rubrix's
``rb.metrics.token_classification``).

Entity metrics count the predicted entities by default, or the annotated ones
with ``compute_for=Annotations``. :func:`f1` compares the two, entity by
entity, over the records that have both.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..tasks import TOKEN_CLASSIFICATION
from . import _columns as cols
from . import _plots
from ._dataset import (
    Annotations,
    ComputeFor,
    Predictions,
    parse_compute_for,
    positive_int,
    positive_number,
    rows,
)
from ._scores import span_f1
from .summary import MetricSummary

__all__ = [
    "Annotations",
    "ComputeFor",
    "Predictions",
    "entity_capitalness",
    "entity_density",
    "entity_labels",
    "f1",
    "mention_length",
    "token_capitalness",
    "token_frequency",
    "token_length",
    "tokens_length",
    "top_k_mentions",
]
METRICS = tuple(name for name in __all__ if name[0].islower())


def tokens_length(name: str, query: str | None = None, interval: int = 1) -> MetricSummary:
    """The distribution of record lengths, in tokens.

    Parameters
    ----------
    name
        The dataset name.
    query
        A search in the Rubrix query language; all records when None.
    interval
        The width of the histogram's buckets.

    Returns
    -------
    MetricSummary
        ``data`` maps a bucket start to its number of records: ``{0: 3, 5: 12, ...}``
        with ``interval=5``.

    Examples
    --------
    >>> from rubrix_widgets.metrics.token_classification import tokens_length
    >>> tokens_length(name="tweets", interval=5).data
    {5: 120, 10: 430, ...}
    """
    interval = positive_int(interval, "interval")
    table = _rows(name, query, "tokens_length")
    return _summary(
        cols.histogram(cols.token_counts(table), interval),
        lambda d, title: _plots.histogram(d, title, "tokens", interval),
        "Tokens length",
        name,
        query,
        table,
    )


def token_frequency(name: str, query: str | None = None, tokens: int = 1000) -> MetricSummary:
    """The most frequent tokens (exactly as written: case and punctuation kept).

    Parameters
    ----------
    name
        The dataset name.
    query
        A search in the Rubrix query language; all records when None.
    tokens
        How many tokens to return, the most frequent first.

    Returns
    -------
    MetricSummary
        ``data`` maps each token to its number of occurrences.

    Examples
    --------
    >>> from rubrix_widgets.metrics.token_classification import token_frequency
    >>> token_frequency(name="tweets", tokens=3).data
    {'the': 905, '.': 880, ',': 612}
    """
    tokens = positive_int(tokens, "tokens")
    table = _rows(name, query, "token_frequency")
    words = pc.list_flatten(cols.array(table.column("tokens")))
    return _summary(
        cols.counts(words, limit=tokens),
        lambda d, title: _plots.bar(d, title, "token"),
        "Token frequency",
        name,
        query,
        table,
    )


def token_length(name: str, query: str | None = None) -> MetricSummary:
    """The distribution of token lengths, in characters.

    Returns
    -------
    MetricSummary
        ``data`` maps a length to its number of tokens: ``{1: 410, 2: 230, ...}``.

    Examples
    --------
    >>> from rubrix_widgets.metrics.token_classification import token_length
    >>> token_length(name="tweets").data
    {1: 410, 2: 230, ...}
    """
    table = _rows(name, query, "token_length")
    words = pc.list_flatten(cols.array(table.column("tokens")))
    lengths = pc.utf8_length(words).to_numpy().astype(np.int64)
    return _summary(
        cols.histogram(lengths, 1),
        lambda d, title: _plots.histogram(d, title, "characters", 1),
        "Token length",
        name,
        query,
        table,
    )


def token_capitalness(name: str, query: str | None = None) -> MetricSummary:
    """How tokens are capitalized.

    ``UPPER``: all cased characters are upper case; ``LOWER``: all lower case;
    ``FIRST``: the first character is upper case (and not all are);
    ``MIDDLE``: the first character is not upper case but another one is.
    Tokens with no cased letter (numbers, punctuation) are not counted.

    Returns
    -------
    MetricSummary
        ``data`` maps each kind to its number of tokens: ``{"LOWER": 12, "FIRST": 4}``.

    Examples
    --------
    >>> from rubrix_widgets.metrics.token_classification import token_capitalness
    >>> token_capitalness(name="tweets").data
    {'LOWER': 20411, 'FIRST': 6012, 'UPPER': 1203, 'MIDDLE': 95}
    """
    table = _rows(name, query, "token_capitalness")
    words = pc.list_flatten(cols.array(table.column("tokens")))
    return _summary(
        cols.counts(cols.capitalness(words)),
        lambda d, title: _plots.bar(d, title, "capitalness", "tokens"),
        "Token capitalness",
        name,
        query,
        table,
    )


def mention_length(
    name: str,
    query: str | None = None,
    level: str = "token",
    compute_for: str | ComputeFor = Predictions,
    interval: int = 1,
) -> MetricSummary:
    """The distribution of entity mention lengths, in tokens or characters.

    Parameters
    ----------
    name
        The dataset name.
    query
        A search in the Rubrix query language; all records when None.
    level
        ``"token"`` (default) or ``"char"``.
    compute_for
        ``Predictions`` (default) or ``Annotations``, or their names as str.
    interval
        The width of the histogram's buckets.

    Returns
    -------
    MetricSummary
        ``data`` maps a bucket start to its number of mentions.

    Examples
    --------
    >>> from rubrix_widgets.metrics.token_classification import Annotations, mention_length
    >>> mention_length(name="tweets", level="char", compute_for=Annotations).data
    {2: 14, 3: 40, ...}
    """
    level = level.strip().lower() if isinstance(level, str) else level
    if level not in ("token", "char"):
        raise ValueError(f"level {level!r} is not one of 'token', 'char'")
    which, interval = parse_compute_for(compute_for), positive_int(interval, "interval")
    table = _rows(name, query, "mention_length")
    found = cols.spans(table, which.column)
    lengths = (
        cols.mention_token_lengths(table, found) if level == "token" else found.ends - found.starts
    )
    return _summary(
        cols.histogram(lengths, interval),
        lambda d, title: _plots.histogram(d, title, f"{level}s", interval),
        f"{which.adjective.capitalize()} mention length",
        name,
        query,
        table,
    )


def entity_labels(
    name: str,
    query: str | None = None,
    compute_for: str | ComputeFor = Predictions,
    labels: int = 50,
) -> MetricSummary:
    """How many entities of each label there are.

    Parameters
    ----------
    name
        The dataset name.
    query
        A search in the Rubrix query language; all records when None.
    compute_for
        ``Predictions`` (default) or ``Annotations``, or their names as str.
    labels
        How many labels to return, the most frequent first.

    Returns
    -------
    MetricSummary
        ``data`` maps each label to its number of entities: ``{"PER": 210, "LOC": 130}``.

    Examples
    --------
    >>> from rubrix_widgets.metrics.token_classification import Annotations, entity_labels
    >>> entity_labels(name="tweets", compute_for=Annotations).data
    {'person': 449, 'geo-loc': 276, ...}
    """
    which, labels = parse_compute_for(compute_for), positive_int(labels, "labels")
    table = _rows(name, query, "entity_labels")
    data = dict(list(cols.entity_counts(table, which.column).items())[:labels])
    return _summary(
        data,
        lambda d, title: _plots.bar(d, title, "label", "entities"),
        f"{which.adjective.capitalize()} entity labels",
        name,
        query,
        table,
    )


def entity_density(
    name: str,
    query: str | None = None,
    compute_for: str | ComputeFor = Predictions,
    interval: float = 0.005,
) -> MetricSummary:
    """The distribution of entity density: for each mention, its tokens divided by the
    tokens of its record.

    Parameters
    ----------
    name
        The dataset name.
    query
        A search in the Rubrix query language; all records when None.
    compute_for
        ``Predictions`` (default) or ``Annotations``, or their names as str.
    interval
        The width of the histogram's buckets (densities are between 0 and 1).

    Returns
    -------
    MetricSummary
        ``data`` maps a bucket start (float) to its number of mentions.

    Examples
    --------
    >>> from rubrix_widgets.metrics.token_classification import entity_density
    >>> entity_density(name="tweets", interval=0.1).data
    {0.0: 300, 0.1: 94, 0.2: 11}
    """
    which, interval = parse_compute_for(compute_for), positive_number(interval, "interval")
    table = _rows(name, query, "entity_density")
    found = cols.spans(table, which.column)
    density = cols.mention_token_lengths(table, found) / cols.token_counts(table)[found.rows]
    return _summary(
        cols.histogram(density, interval),
        lambda d, title: _plots.histogram(d, title, "density", interval),
        f"{which.adjective.capitalize()} entity density",
        name,
        query,
        table,
    )


def entity_capitalness(
    name: str, query: str | None = None, compute_for: str | ComputeFor = Predictions
) -> MetricSummary:
    """How entity mentions are capitalized (UPPER, LOWER, FIRST, MIDDLE; see
    :func:`token_capitalness`).

    Returns
    -------
    MetricSummary
        ``data`` maps each kind to its number of mentions: ``{"FIRST": 310, "UPPER": 40}``.

    Examples
    --------
    >>> from rubrix_widgets.metrics.token_classification import entity_capitalness
    >>> entity_capitalness(name="tweets").data
    {'FIRST': 310, 'UPPER': 40, 'LOWER': 22}
    """
    which = parse_compute_for(compute_for)
    table = _rows(name, query, "entity_capitalness")
    mentions = cols.mention_texts(table, cols.spans(table, which.column))
    return _summary(
        cols.counts(cols.capitalness(pa.array(mentions, pa.large_string()))),
        lambda d, title: _plots.bar(d, title, "capitalness", "mentions"),
        f"{which.adjective.capitalize()} entity capitalness",
        name,
        query,
        table,
    )


def top_k_mentions(
    name: str,
    query: str | None = None,
    compute_for: str | ComputeFor = Predictions,
    k: int = 100,
    threshold: int = 2,
    post_label_filter: Iterable[str] | None = None,
) -> MetricSummary:
    """The mentions labelled most inconsistently: those given ``threshold`` or more
    different labels across the dataset.

    Parameters
    ----------
    name
        The dataset name.
    query
        A search in the Rubrix query language; all records when None.
    compute_for
        ``Predictions`` (default) or ``Annotations``, or their names as str.
    k
        How many mentions to return: those with the most different labels first
        (then the most frequent).
    threshold
        The fewest different labels a mention needs (1 returns every mention).
    post_label_filter
        Keep only these labels in the result; mentions left with none are dropped
        (so fewer than ``k`` may remain).

    Returns
    -------
    MetricSummary
        ``data`` is ``{"mentions": [{"mention": "first", "entities": [{"label":
        "CARDINAL", "count": 2}, {"label": "PERSON", "count": 1}]}, ...]}``.

    Examples
    --------
    >>> from rubrix_widgets.metrics.token_classification import top_k_mentions
    >>> top_k_mentions(name="tweets", k=10).data["mentions"][0]
    {'mention': 'Apple', 'entities': [{'label': 'company', 'count': 5}, ...]}
    """
    which = parse_compute_for(compute_for)
    k, threshold = positive_int(k, "k"), positive_int(threshold, "threshold")
    keep = _label_filter(post_label_filter)
    table = _rows(name, query, "top_k_mentions")
    found = cols.spans(table, which.column)
    by_mention: dict[str, dict[str, int]] = {}
    if len(found):
        pairs = (
            pa.table({"mention": cols.mention_texts(table, found), "label": found.labels})
            .group_by(["mention", "label"])
            .aggregate([("label", "count")])
        )
        for mention, label, count in zip(
            *(pairs.column(c).to_pylist() for c in ("mention", "label", "label_count")),
            strict=True,
        ):
            by_mention.setdefault(mention, {})[label] = count
    ranked = sorted(
        (m for m, labels in by_mention.items() if len(labels) >= threshold),
        key=lambda m: (-len(by_mention[m]), -sum(by_mention[m].values()), m),
    )[:k]
    mentions = []
    for mention in ranked:
        entities = sorted(by_mention[mention].items(), key=lambda item: (-item[1], item[0]))
        entities = [{"label": lb, "count": n} for lb, n in entities if keep is None or lb in keep]
        if entities:
            mentions.append({"mention": mention, "entities": entities})
    return _summary(
        {"mentions": mentions},
        _draw_mentions,
        f"Top {k} {which.adjective} mentions by label variety",
        name,
        query,
        table,
    )


def f1(name: str, query: str | None = None) -> MetricSummary:
    """Entity-level precision, recall and F1, per label and averaged (CoNLL 2003).

    A predicted entity is correct only if the record's annotation has an
    entity with the same label, start and end. Only records that have both an
    annotation and a prediction count (an annotation with no entities counts:
    it says the record has none). Micro averages pool all entities; macro
    averages are the unweighted mean over labels (as scikit-learn and seqeval;
    Argilla's ``f1_macro`` was the harmonic mean of the macro precision and
    recall instead).

    Parameters
    ----------
    name
        The dataset name.
    query
        A search in the Rubrix query language; all records when None.

    Returns
    -------
    MetricSummary
        ``data`` has Argilla's keys: ``precision_macro``, ``recall_macro``,
        ``f1_macro``, the same ``_micro``, and ``<label>_precision``,
        ``<label>_recall``, ``<label>_f1``, ``<label>_support`` (annotated entities).
        Empty when no record has both.

    Examples
    --------
    >>> from rubrix_widgets.metrics.token_classification import f1
    >>> summary = f1(name="tweets", query="status:Validated")
    >>> summary.data["f1_micro"]
    0.58
    >>> summary.visualize()  # averages and per-label bars
    """
    table = _rows(name, query, "f1")
    scores = span_f1(table)
    as_json = None if scores is None else scores.to_json()
    return MetricSummary(
        {} if scores is None else scores.to_argilla(),
        lambda _data, title: _plots.f1(as_json, title),
        metric="Entity F1",
        dataset=name,
        query=query,
        records=0 if scores is None else scores.records,
    )


def _rows(name: str, query: str | None, metric: str) -> pa.Table:
    return rows(name, query, f"token_classification.{metric}", TOKEN_CLASSIFICATION)[1]


def _summary(data, draw, metric: str, name: str, query: str | None, table: pa.Table):
    return MetricSummary(data, draw, metric=metric, dataset=name, query=query, records=len(table))


def _label_filter(labels: Iterable[str] | None) -> set[str] | None:
    if labels is None:
        return None
    if isinstance(labels, str) or not isinstance(labels, Iterable):
        raise ValueError(f"post_label_filter must be a set of labels, not {labels!r}")
    return set(labels)


def _draw_mentions(data: dict, title: str):
    mentions = [m["mention"] for m in data["mentions"]]
    stacks: dict[str, list[int]] = {}
    for i, mention in enumerate(data["mentions"]):
        for entity in mention["entities"]:
            stacks.setdefault(entity["label"], [0] * len(mentions))[i] = entity["count"]
    return _plots.stacked_bar(mentions, stacks, title)
