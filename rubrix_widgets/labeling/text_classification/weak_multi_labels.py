"""Weak labels of multi-label datasets: records x rules x labels of 1 (vote), 0, -1 (abstain).

>>> from rubrix_widgets.labeling.text_classification import Rule, WeakMultiLabels
>>> wl = WeakMultiLabels("news", rules=[Rule("vaccine AND flu", ["health", "science"])])
>>> wl.matrix().shape                  # (records, rules, labels)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ._base import WeakLabelsBase, _output_labels
from .rule import Rule


class WeakMultiLabels(WeakLabelsBase):
    """Weak labels of a multi-label text classification dataset.

    A rule votes for one label or a list of labels (``Rule(query, ["a", "b"])``, or a
    function returning a list); ``matrix()[i, j]`` holds a 1 for each label rule j gives
    record i and 0 for the others, or -1 for every label when the rule abstains.

    Parameters
    ----------
    dataset : str
    rules : list of Rule or callable, optional
        By default the rules stored with the dataset.
    ids : list, optional
    query : str, optional
        As for :class:`WeakLabels`.

    Examples
    --------
    >>> wl = WeakMultiLabels("news")
    >>> wl.labels
    ['health', 'science', 'sports']
    >>> wl.summary()
    """

    def __init__(
        self,
        dataset: str,
        rules: list[Rule | Callable] | None = None,
        ids: list[int | str] | None = None,
        query: str | None = None,
    ):
        super().__init__(dataset, rules=rules, ids=ids, query=query)
        self._labels = sorted(self._found_labels())  # as Rubrix: sorted, not by appearance
        self._matrix = self._fill_matrix()
        self._annotation = self._fill_annotation()

    def _fill_matrix(self) -> np.ndarray:
        index = {label: k for k, label in enumerate(self._labels)}
        n, shape = len(self._seqs), (len(self._rules), len(self._labels))
        matrix = np.full((n, *shape), -1, dtype=np.int8)
        for j, (rule, votes) in enumerate(zip(self._rules, self._votes, strict=True)):
            if isinstance(rule, Rule):
                if not len(votes):  # a rule that never votes brings no label (as in Rubrix)
                    continue
                matrix[votes, j, :] = 0
                for label in rule.labels:
                    matrix[votes, j, index[label]] = 1
                continue
            for i, output in enumerate(votes):
                if output is not None:
                    matrix[i, j, :] = 0
                    labels = _output_labels(output, self._rules_index2name[j])
                    matrix[i, j, [index[label] for label in labels]] = 1
        return matrix

    def _fill_annotation(self) -> np.ndarray:
        annotations = self._annotations
        annotation = np.full((len(self._seqs), len(self._labels)), -1, dtype=np.int8)
        annotation[annotations.valid] = 0
        annotation[annotations.rows, annotations.codes(self._labels)] = 1
        return annotation

    def _has_annotation(self) -> np.ndarray:
        return self._annotation.min(1) >= 0

    def _abstains(self, matrix: np.ndarray) -> np.ndarray:
        return (matrix == -1).all(2)

    @property
    def labels(self) -> list[str]:
        """The labels, in the order of the matrix's last axis."""
        return self._labels

    @property
    def cardinality(self) -> int:
        """The number of labels."""
        return len(self._labels)

    def matrix(self, has_annotation: bool | None = None) -> np.ndarray:
        """The records x rules x labels weak label matrix (1 vote, 0 no vote, -1 abstain).

        >>> wl.matrix(has_annotation=True).shape
        (120, 4, 3)
        """
        return self._current_matrix()[self._rows(has_annotation)]

    def annotation(self, include_missing: bool = False) -> np.ndarray:
        """The annotations as records x labels of 1/0 (-1 rows for records without one,
        with ``include_missing=True``).

        >>> wl.annotation()[0]
        array([1, 0, 1], dtype=int8)
        """
        if include_missing:
            return self._annotation
        return self._annotation[self._has_annotation()]

    def summary(
        self, normalize_by_coverage: bool = False, annotation: np.ndarray | None = None
    ) -> pd.DataFrame:
        """Statistics per rule and a ``total`` row: label, coverage, annotated_coverage,
        overlaps, correct, incorrect, precision (as :meth:`WeakLabels.summary`, without
        conflicts). Correct counts the labels a rule gives that the annotation has;
        incorrect those it gives that the annotation lacks.

        >>> wl.summary()["precision"]
        """
        if annotation is None:
            annotation = self._annotation
        elif np.shape(annotation) != self._annotation.shape:
            raise ValueError(
                f"annotation must have the shape (records, labels) {self._annotation.shape}, "
                f"not {np.shape(annotation)}"
            )
        matrix = self._current_matrix()
        has = (matrix != -1).any(2)
        polarity = [
            {self._labels[k] for k in np.flatnonzero((matrix[:, j, :] == 1).any(0))}
            for j in range(len(self._rules))
        ]
        columns = self._base_summary(has, polarity, normalize_by_coverage)
        annotated = np.asarray(annotation).min(1) >= 0
        if annotated.any():
            covered = has[annotated]
            columns["annotated_coverage"] = (
                np.append(covered.sum(0), covered.any(1).sum()) / annotated.sum()
            )
            given = np.asarray(annotation)[:, None, :]
            votes = matrix == 1
            right = (votes & (given == 1)).sum((0, 2))
            wrong = (votes & (given == 0)).sum((0, 2))
            correct, incorrect = np.append(right, right.sum()), np.append(wrong, wrong.sum())
            with np.errstate(divide="ignore", invalid="ignore"):
                precision = correct / (correct + incorrect)
            columns.update(correct=correct, incorrect=incorrect, precision=precision)
        order = ["label", "coverage", "annotated_coverage", "overlaps"]
        order += ["correct", "incorrect", "precision"]
        return self._summary_frame({k: columns[k] for k in order if k in columns})

    def show_records(
        self, labels: list[str] | None = None, rules: list[str | int] | None = None
    ) -> pd.DataFrame:
        """The records (``rb.load`` columns) with all of ``labels`` among their weak labels
        and for which all of ``rules`` voted.

        >>> wl.show_records(labels=["health", "science"])
        """
        matrix = self._current_matrix()
        keep = np.ones(len(self._seqs), dtype=bool)
        if labels is not None:
            unknown = [label for label in labels if label not in self._labels]
            if unknown:
                raise ValueError(f"unknown labels {unknown}; the labels are {self._labels}")
            voted = (matrix == 1).any(1)
            keep &= voted[:, [self._labels.index(label) for label in labels]].all(1)
        if rules is not None:
            columns = self._rule_indices(rules)
            keep &= (matrix[:, columns, :] != -1).any(2).all(1)
        return self._shown(keep)
