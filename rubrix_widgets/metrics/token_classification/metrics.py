"""Metrics for token classification (NER) datasets (Rubrix's
``rb.metrics.token_classification``).

Entity metrics count the predicted entities by default, or the annotated ones
with ``compute_for=Annotations``. As Rubrix's server did, they count *mentions*: in
each record, the entities over one same text (say "Paris" twice) count once.
Histograms come as Rubrix's: ``{"<bucket start>": count}`` with string keys
(``"1.0"``), every bucket between the smallest and the largest, empty ones 0.
:func:`f1` compares predictions and annotations entity by entity.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa

from ...tasks import TOKEN_CLASSIFICATION
from .. import _columns as cols
from .. import _plots
from .._dataset import (
    Annotations,
    ComputeFor,
    Predictions,
    parse_compute_for,
    positive_int,
    positive_number,
    rows,
    summary,
)
from ..summary import MetricSummary

__all__ = [
    "Annotations",
    "ComputeFor",
    "Predictions",
    "entity_capitalness",
    "entity_consistency",
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
_MODULE = "token_classification"


def tokens_length(name: str, query: str | None = None, interval: int = 1) -> MetricSummary:
    """The distribution of record lengths, in tokens.

    Parameters
    ----------
    name
        The dataset name.
    query
        A search in the Rubrix query language; all records when None.
    interval
        The width of the histogram's buckets (None: Rubrix's server default, 0.1).

    Returns
    -------
    MetricSummary
        ``data`` maps a bucket start to its number of records: ``{"5.0": 12, "10.0": 3}``
        with ``interval=5``.

    Examples
    --------
    >>> from rubrix_widgets.metrics.token_classification import tokens_length
    >>> tokens_length(name="tweets", interval=5).data
    {'5.0': 120, '10.0': 430, ...}
    """
    return _histogram(name, query, "tokens_length", "Tokens length", "tokens", interval)


def token_frequency(name: str, query: str | None = None, tokens: int = 1000) -> MetricSummary:
    """The most frequent tokens (exactly as written: case and punctuation kept).

    Parameters
    ----------
    name
        The dataset name.
    query
        A search in the Rubrix query language; all records when None.
    tokens
        How many tokens to return, the most frequent first (ties in token order).

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
    return _counts(name, query, "token_frequency", "Token frequency", "token", size=tokens)


def token_length(name: str, query: str | None = None) -> MetricSummary:
    """The distribution of token lengths, in characters.

    Returns
    -------
    MetricSummary
        ``data`` maps a length to its number of tokens: ``{"1.0": 410, "2.0": 230, ...}``.

    Examples
    --------
    >>> from rubrix_widgets.metrics.token_classification import token_length
    >>> token_length(name="tweets").data
    {'1.0': 410, '2.0': 230, ...}
    """
    return _histogram(name, query, "token_length", "Token length", "characters", None)


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
    return _counts(name, query, "token_capitalness", "Token capitalness", "capitalness")


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
        The width of the histogram's buckets for ``level="token"`` (None: Rubrix's
        server default, 0.1); character lengths always use 1, as in Rubrix.

    Returns
    -------
    MetricSummary
        ``data`` maps a bucket start to its number of mentions: ``{"1.0": 40, "2.0": 12}``.

    Examples
    --------
    >>> from rubrix_widgets.metrics.token_classification import Annotations, mention_length
    >>> mention_length(name="tweets", level="char", compute_for=Annotations).data
    {'2.0': 14, '3.0': 40, ...}
    """
    level = level or "token"  # as in Rubrix, no level means "token"
    if not isinstance(level, str) or level.strip().lower() not in ("token", "char"):
        raise ValueError(f"level {level!r} is not one of 'token', 'char'")
    level = level.strip().lower()
    which = parse_compute_for(compute_for)
    metric_id = f"{which.adjective}_mention_{level}_length"
    title = f"{which.adjective.capitalize()} mention length"
    return _histogram(name, query, metric_id, title, f"{level}s", interval, "mention_length")


def entity_labels(
    name: str,
    query: str | None = None,
    compute_for: str | ComputeFor = Predictions,
    labels: int = 50,
) -> MetricSummary:
    """How many mentions of each entity label there are.

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
        ``data`` maps each label to its number of mentions: ``{"PER": 210, "LOC": 130}``.

    Examples
    --------
    >>> from rubrix_widgets.metrics.token_classification import Annotations, entity_labels
    >>> entity_labels(name="tweets", compute_for=Annotations).data
    {'person': 449, 'geo-loc': 276, ...}
    """
    which = parse_compute_for(compute_for)
    return _counts(
        name,
        query,
        f"{which.adjective}_entity_labels",
        f"{which.adjective.capitalize()} entity labels",
        "label",
        size=labels,
        function="entity_labels",
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
        The width of the histogram's buckets (densities are between 0 and 1; None:
        Rubrix's server default, 0.1).

    Returns
    -------
    MetricSummary
        ``data`` maps a bucket start to its number of mentions: ``{"0.25": 4}``. As in
        Rubrix, densities are kept as 32-bit floats before they are bucketed.

    Examples
    --------
    >>> from rubrix_widgets.metrics.token_classification import entity_density
    >>> entity_density(name="tweets", interval=0.1).data
    {'0.0': 300, '0.1': 94, '0.2': 11}
    """
    which = parse_compute_for(compute_for)
    title = f"{which.adjective.capitalize()} entity density"
    metric_id = f"{which.adjective}_entity_density"
    return _histogram(name, query, metric_id, title, "density", interval, "entity_density")


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
    return _counts(
        name,
        query,
        f"{which.adjective}_entity_capitalness",
        f"{which.adjective.capitalize()} entity capitalness",
        "capitalness",
        function="entity_capitalness",
    )


def entity_consistency(
    name: str,
    query: str | None = None,
    compute_for: str | ComputeFor = Predictions,
    mentions: int = 100,
    threshold: int = 2,
) -> MetricSummary:
    """The mentions labelled inconsistently: among the ``mentions`` most frequent
    mentions, those given ``threshold`` or more different labels.

    Parameters
    ----------
    name
        The dataset name.
    query
        A search in the Rubrix query language; all records when None.
    compute_for
        ``Predictions`` (default) or ``Annotations``, or their names as str.
    mentions
        How many of the most frequent mentions to look at.
    threshold
        The fewest different labels a mention needs (at least 2: smaller values count
        as 2, as in Rubrix).

    Returns
    -------
    MetricSummary
        ``data`` is ``{"mentions": [{"mention": "first", "entities": [{"label":
        "CARDINAL", "count": 2}, {"label": "PERSON", "count": 1}]}, ...]}``: mentions
        with the most labels first, each one's labels most frequent first.

    Examples
    --------
    >>> from rubrix_widgets.metrics.token_classification import entity_consistency
    >>> entity_consistency(name="tweets", mentions=10).data["mentions"][0]
    {'mention': 'Apple', 'entities': [{'label': 'company', 'count': 5}, ...]}
    """
    which = parse_compute_for(compute_for)
    mentions = positive_int(mentions, "mentions")
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise ValueError(f"threshold must be a number (of labels), not {threshold!r}")
    return summary(
        name,
        query,
        f"{_MODULE}.entity_consistency",
        f"{which.adjective}_entity_consistency",
        _draw_mentions,
        f"{which.adjective.capitalize()} entity consistency",
        interval=max(threshold, 2),
        size=mentions,
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
    different labels across the dataset (Argilla's later name; not in Rubrix 0.18,
    whose :func:`entity_consistency` looks only at the most frequent mentions).

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
    table = rows(name, query, f"{_MODULE}.top_k_mentions", TOKEN_CLASSIFICATION)[1]
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
        counts = sorted(by_mention[mention].items(), key=lambda item: (-item[1], item[0]))
        entities = [{"label": lb, "count": n} for lb, n in counts if keep is None or lb in keep]
        if entities:
            mentions.append({"mention": mention, "entities": entities})
    return MetricSummary(
        {"mentions": mentions},
        _draw_mentions,
        metric=f"Top {k} {which.adjective} mentions by label variety",
        dataset=name,
        query=query,
        records=len(table),
    )


def f1(name: str, query: str | None = None) -> MetricSummary:
    """Entity-level precision, recall and F1, per annotated label and averaged, as
    Rubrix computed them (CoNLL 2003: a predicted entity is right only if the same
    record has an annotated entity with the same label, start and end).

    Every matching record counts (narrow with a query such as ``"status:Validated"``):
    a record's predicted entities count against precision even if nobody annotated it.
    Only labels that occur in annotations are scored: predicted entities of other labels
    are left out, also from the micro averages. Macro precision and recall are the means
    over labels and macro F1 is their harmonic mean (Rubrix's formula, not the mean of
    the labels' F1).

    Parameters
    ----------
    name
        The dataset name (token classification; a text classification dataset gives its
        single-label F1, as in Rubrix).
    query
        A search in the Rubrix query language; all records when None.

    Returns
    -------
    MetricSummary
        ``data`` has Rubrix's keys: ``precision_macro``, ``recall_macro``,
        ``f1_macro``, the same ``_micro``, and ``<label>_precision``,
        ``<label>_recall``, ``<label>_f1`` for each annotated label (in order of first
        appearance). A ratio over zero is 0.

    Examples
    --------
    >>> from rubrix_widgets.metrics.token_classification import f1
    >>> summary = f1(name="tweets", query="status:Validated")
    >>> summary.data["f1_micro"]
    0.58
    >>> summary.visualize()  # averages and per-label bars
    """
    return summary(name, query, f"{_MODULE}.f1", "F1", _plots.f1_flat, "Entity F1")


def _histogram(
    name: str,
    query: str | None,
    metric_id: str,
    title: str,
    xlabel: str,
    interval: float | None,
    function: str | None = None,
) -> MetricSummary:
    if interval is not None:
        interval = positive_number(interval, "interval")
    return summary(
        name,
        query,
        f"{_MODULE}.{function or metric_id}",
        metric_id,
        lambda data, chart_title: _plots.histogram(data, chart_title, xlabel, _width(data)),
        title,
        interval=interval,
    )


def _width(data: dict[str, int]) -> float:
    """The bucket width of a histogram: the step between its keys (1 with one bucket)."""
    keys = [float(k) for k in data]
    return keys[1] - keys[0] if len(keys) > 1 else 1.0


def _counts(
    name: str,
    query: str | None,
    metric_id: str,
    title: str,
    xlabel: str,
    size: int | None = None,
    function: str | None = None,
) -> MetricSummary:
    if size is not None:
        size = positive_int(size, {"token_frequency": "tokens"}.get(metric_id, "labels"))
    return summary(
        name,
        query,
        f"{_MODULE}.{function or metric_id}",
        metric_id,
        lambda data, chart_title: _plots.bar(data, chart_title, xlabel),
        title,
        size=size,
    )


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
