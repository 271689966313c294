"""``prepare_for_training``: check the arguments, read the task's rows, split, build."""

from __future__ import annotations

import enum
import importlib
import math
import numbers
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..tasks import TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION
from . import spacy_docs
from .text_classification import LabelledTexts
from .token_classification import TaggedTokens

FRAMEWORKS = ("transformers", "spacy", "spark-nlp")
TRAINING_TASKS = (TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION)


def prepare_for_training(
    frame: pd.DataFrame,
    task: str,
    framework: str | enum.Enum = "transformers",
    lang: Any = None,
    train_size: float | None = None,
    test_size: float | None = None,
    seed: int | None = None,
    export: Callable[[np.ndarray], Any] | None = None,
):
    """Training data for ``framework`` from the annotated rows of a records frame.

    Only rows with an annotation are used (for multi-label and NER records an
    empty annotation counts: it says "no label" / "no entity"); with none, the
    result is empty (as in Rubrix), with a warning. Without
    ``train_size``/``test_size`` the rows keep their order; with them, they are
    split at random (seeded by ``seed``; single-label classes keep their
    proportions in both parts, to within one record) and each part is shuffled.

    Parameters
    ----------
    frame : pandas.DataFrame
        Records in ``rb.load`` columns (``text``/``inputs``, ``annotation``,
        ``multi_label``, ``tokens``, ``id``; others are ignored).
    task : {"TextClassification", "TokenClassification"}
    framework : {"transformers", "spacy", "spark-nlp"}
    lang : spacy.language.Language
        Needed for ``framework="spacy"``, e.g. ``spacy.blank("en")``.
    train_size, test_size : float, optional
        Shares of the records, ``train_size`` in (0, 1], ``test_size`` in [0, 1);
        when both are given they add up to 1.
    seed : int, optional
        Makes the split repeatable.
    export : callable, optional
        ``export(rows)`` gives the ``to_datasets()`` dataset of those rows of
        ``frame``: NER data for transformers holds every record field, as in
        Rubrix. By default the frame's own rows are exported.

    Returns
    -------
    ``datasets.Dataset`` (``DatasetDict`` with "train" and "test" when split),
    ``spacy.tokens.DocBin`` (a (train, test) tuple when split), or a
    ``pandas.DataFrame`` for Spark NLP (a tuple when split).

    Examples
    --------
    >>> frame = rb.load("reviews")
    >>> prepare_for_training(frame, "TextClassification", train_size=0.8, seed=1)
    DatasetDict({train: Dataset(...), test: Dataset(...)})
    """
    framework = _framework(framework)
    if task not in TRAINING_TASKS:
        raise ValueError(
            f"prepare_for_training works on {' and '.join(TRAINING_TASKS)} records, not {task!r}"
        )
    test_fraction = _test_fraction(train_size, test_size)
    _check_seed(seed)
    nlp = spacy_docs.language(lang) if framework == "spacy" else None
    if framework == "transformers":
        datasets = _require("datasets", "pip install 'rubrix_widgets[datasets]'")
    data = LabelledTexts.read(frame) if task == TEXT_CLASSIFICATION else TaggedTokens.read(frame)
    if data.n == 0 and test_fraction is None:
        warnings.warn(
            f"none of the {len(frame)} records has an annotation, so the training data is "
            "empty; annotate some first (e.g. rb.show(name, mode='annotate'))",
            UserWarning,
            stacklevel=3,
        )
        return data.empty(framework, datasets if framework == "transformers" else None)
    if test_fraction is None:
        parts = [np.arange(data.n)]
    else:
        parts = _split(data.n, test_fraction, seed, data.strata())
    if framework == "transformers":
        if isinstance(data, TaggedTokens):  # the token task
            export = export or _frame_export(frame, task)
            table, features = data.arrow(datasets, export(np.asarray(data.rows, dtype=np.int64)))
        else:
            table, features = data.arrow(datasets)
        info = datasets.DatasetInfo(features=features)
        tables = [table] if test_fraction is None else [table.take(p) for p in parts]
        made = [datasets.Dataset(t, info=info) for t in tables]
        if len(made) == 1:
            return made[0]
        return datasets.DatasetDict(train=made[0], test=made[1])
    if framework == "spacy":
        made = [data.docbin(nlp, p) for p in parts]
    else:
        made = [data.spark_nlp(p) for p in parts]
    return made[0] if len(made) == 1 else tuple(made)


def _frame_export(frame: pd.DataFrame, task: str) -> Callable[[np.ndarray], Any]:
    from ..hf_datasets import frame_to_datasets

    def export(rows: np.ndarray):
        return frame_to_datasets(frame.iloc[rows], task)

    return export


# -- arguments ----------------------------------------------------------------------------
def _framework(framework: Any) -> str:
    value = getattr(framework, "value", framework)  # Argilla's Framework enum works too
    if value not in FRAMEWORKS:
        raise ValueError(
            f"framework {framework!r} is not supported; use one of "
            + ", ".join(repr(f) for f in FRAMEWORKS)
        )
    return value


def _test_fraction(train_size: Any, test_size: Any) -> float | None:
    """The test share, or None for no split; refuses sizes that are not shares."""
    for name, value in (("train_size", train_size), ("test_size", test_size)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Real)):
            raise TypeError(f"{name} must be a float (a share of the records), not {value!r}")
    if train_size is not None and not 0 < train_size <= 1:
        raise ValueError(
            f"train_size must be in (0, 1] (the share of records to train on), not {train_size!r}"
        )
    if test_size is not None and not 0 <= test_size < 1:
        raise ValueError(
            f"test_size must be in [0, 1) (the share of records to test on), not {test_size!r}"
        )
    both = train_size is not None and test_size is not None
    if both and abs(train_size + test_size - 1) > 1e-9:
        raise ValueError(
            f"train_size and test_size must add up to 1, not {train_size!r} + {test_size!r}"
        )
    if test_size is None:
        test_size = 0.0 if train_size is None else 1.0 - train_size
    return float(test_size) if test_size > 1e-12 else None


def _check_seed(seed: Any) -> None:
    if seed is None:
        return
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an int, not {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be a non-negative int, not {seed!r}")


def _require(module: str, install: str):
    try:
        return importlib.import_module(module)
    except ImportError:  # ModuleNotFoundError, as Rubrix raises (it is an ImportError too)
        raise ModuleNotFoundError(f"this needs the {module} package: {install}") from None


# -- splitting ----------------------------------------------------------------------------
def _split(n: int, test_fraction: float, seed: int | None, strata: np.ndarray | None):
    """Row numbers of the train and test parts, each in a random order.

    Stratified by systematic sampling: in a random order, the k-th of the n_c
    rows of class c gets the key (k + u_c) / n_c, with u_c uniform in [0, 1);
    the rows with the lowest keys form the test part. Every class then has
    round(test share * n_c) rows in it, give or take one, and the total is exact.
    """
    n_test = math.ceil(round(test_fraction * n, 6))
    if not 0 < n_test < n:
        empty = "test" if n_test == 0 else "train"
        raise ValueError(
            f"a {1 - test_fraction:g} / {test_fraction:g} split of {n} annotated records leaves "
            f"the {empty} part empty; change train_size / test_size or annotate more records"
        )
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    classes = np.zeros(n, dtype=np.int64) if strata is None else strata[order]
    counts = np.bincount(classes)
    by_class = np.argsort(classes, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[by_class] = np.arange(n) - np.repeat(np.cumsum(counts) - counts, counts)
    key = (rank + rng.random(len(counts))[classes]) / counts[classes]
    chosen = np.argsort(key, kind="stable")
    test = order[chosen[:n_test]]
    train = order[chosen[n_test:]]
    return [rng.permutation(train), rng.permutation(test)]
