"""Weak labels: the votes of every rule on every record, as a matrix.

>>> from rubrix_widgets.labeling.text_classification import WeakLabels
>>> wl = WeakLabels("health")          # the rules stored with the dataset
>>> wl.matrix()                        # records x rules, label ints, -1 = abstain
>>> wl.summary()                       # coverage, overlaps, conflicts, precision per rule

Query rules cost one search each, whatever the size of the dataset; annotations are read
column-wise from the stored records. Rules written as Python functions
(``record -> label | None``) are supported too; they need the record objects, built once
(about 40 µs per record), then one call per record and function.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from ._base import WeakLabelsBase, _single
from .errors import (
    DuplicatedRuleNameError,
    MissingLabelError,
    MultiLabelError,
    NoRecordsFoundError,
    NoRulesFoundError,
    WeakLabelsError,
)
from .rule import Rule
from .weak_multi_labels import WeakMultiLabels

__all__ = [
    "DuplicatedRuleNameError",
    "MissingLabelError",
    "MultiLabelError",
    "NoRecordsFoundError",
    "NoRulesFoundError",
    "WeakLabels",
    "WeakLabelsBase",
    "WeakLabelsError",
    "WeakMultiLabels",
]


class WeakLabels(WeakLabelsBase):
    """Weak labels of a single-label text classification dataset.

    Parameters
    ----------
    dataset : str
        The dataset the rules are applied to.
    rules : list of Rule or callable, optional
        Query rules and/or functions ``record -> label | None``. By default the rules
        stored with the dataset (:func:`add_rules`).
    ids : list, optional
        Only the records with these ids.
    query : str, optional
        Only the records matching this query.
    label2int : dict, optional
        Label -> int, including ``None`` (the abstain value, ``{None: -1, ...}``). By
        default, as in Rubrix: -1 for None, then 0, 1, ... in order of first appearance,
        going through the records in order and, in each, its annotation then each rule's
        vote in rule order.

    Raises
    ------
    NoRulesFoundError, DuplicatedRuleNameError, NoRecordsFoundError, MultiLabelError,
    MissingLabelError

    Examples
    --------
    >>> wl = WeakLabels("health", rules=[Rule("vaccine", "cnnhealth"), Rule("NHS", "bbchealth")])
    >>> wl.matrix()[:3]
    array([[-1, -1], [ 0, -1], [-1,  1]], dtype=int16)
    >>> wl.summary()
    """

    def __init__(
        self,
        dataset: str,
        rules: list[Rule | Callable] | None = None,
        ids: list[int | str] | None = None,
        query: str | None = None,
        label2int: dict[str | None, int] | None = None,
    ):
        super().__init__(dataset, rules=rules, ids=ids, query=query)
        if pc.any(self._table.column("multi_label")).as_py():
            raise MultiLabelError(
                f"dataset {dataset!r} holds multi-label records; use WeakMultiLabels for them"
            )
        self._label2int = self._mapping(label2int)
        self._int2label = {v: k for k, v in self._label2int.items()}
        self._matrix = self._fill_matrix()
        self._annotation = self._fill_annotation()

    def _mapping(self, label2int: dict | None) -> dict[str | None, int]:
        if label2int is None:
            seen = self._first_appearances()
            labels = sorted(seen, key=seen.__getitem__)
            return {None: -1, **{label: i for i, label in enumerate(labels)}}
        if not isinstance(label2int, dict):
            raise TypeError(f"label2int must be a dict, not {type(label2int).__name__}")
        if None not in label2int:
            raise MissingLabelError(
                "label2int must map None (the abstain value) to an int, e.g. {None: -1, ...}"
            )
        values = list(label2int.values())
        small = np.iinfo(np.int16)
        if not all(
            isinstance(v, int | np.integer) and small.min <= v <= small.max for v in values
        ) or len(set(values)) != len(values):
            raise ValueError(
                f"label2int must map labels to distinct ints between {small.min} and "
                f"{small.max}, not {label2int}"
            )
        missing = sorted(self._found_labels() - set(label2int))
        if missing:
            raise MissingLabelError(
                f"the labels {missing} (from annotations or rules) are missing in label2int "
                f"{label2int}"
            )
        return dict(label2int)

    def _fill_matrix(self) -> np.ndarray:
        abstain = self._label2int[None]
        matrix = np.full((len(self._seqs), len(self._rules)), abstain, dtype=np.int16)
        for j, (rule, votes) in enumerate(zip(self._rules, self._votes, strict=True)):
            if isinstance(rule, Rule):
                if len(rule.labels) != 1:
                    raise MultiLabelError(
                        f"rule {rule.name!r} votes for {rule.labels}; rules with several "
                        "labels need WeakMultiLabels"
                    )
                if len(votes):  # a rule that never votes brings no label (as in Rubrix)
                    matrix[votes, j] = self._label2int[rule.labels[0]]
            else:
                name = self._rules_index2name[j]
                matrix[:, j] = [self._label2int[_single(output, name)] for output in votes]
        return matrix

    def _fill_annotation(self) -> np.ndarray:
        labels = self.labels
        codes = np.array([self._label2int[label] for label in labels], dtype=np.int16)
        found = self._annotations.codes(labels)  # every annotated label is in label2int
        first = self._annotations.first
        has = first >= 0
        annotation = np.full(len(self._seqs), self._label2int[None], dtype=np.int16)
        annotation[has] = codes[found[first[has]]]
        return annotation

    def _has_annotation(self) -> np.ndarray:
        return self._annotation != self._label2int[None]

    def _abstains(self, matrix: np.ndarray) -> np.ndarray:
        return matrix == self._label2int[None]

    def _keep_voted_rows(self, extended: np.ndarray) -> None:
        # as Rubrix: a record some rule voted on keeps exactly its original votes
        voted = (self._matrix != self._label2int[None]).any(1)
        extended[voted] = self._matrix[voted]

    @property
    def labels(self) -> list[str]:
        """The labels (every key of ``label2int`` but None)."""
        return [label for label in self._label2int if label is not None]

    @property
    def cardinality(self) -> int:
        """The number of labels."""
        return len(self._label2int) - 1

    @property
    def label2int(self) -> dict[str | None, int]:
        """Label -> int of the matrix and annotation arrays (None -> the abstain value)."""
        return self._label2int

    @property
    def int2label(self) -> dict[int, str | None]:
        """Int -> label, the inverse of ``label2int``."""
        return self._int2label

    def matrix(self, has_annotation: bool | None = None) -> np.ndarray:
        """The weak label matrix: records x rules of label ints, ``label2int[None]`` = abstain.

        ``has_annotation=True`` keeps the rows of annotated records, ``False`` the others.

        >>> wl.matrix(has_annotation=False).shape
        (58326, 10)
        """
        return self._current_matrix()[self._rows(has_annotation)]

    def annotation(
        self, include_missing: bool = False, exclude_missing_annotations: bool | None = None
    ) -> np.ndarray:
        """The annotations as label ints: of the annotated records, or of every record
        (``include_missing=True``, ``label2int[None]`` for the others).

        >>> wl.annotation()[:5]
        array([3, 3, 0, 7, 1], dtype=int16)
        """
        if exclude_missing_annotations is not None:
            warnings.warn(
                "exclude_missing_annotations is deprecated; use include_missing",
                FutureWarning,
                stacklevel=2,
            )
            include_missing = not exclude_missing_annotations
        if include_missing:
            return self._annotation
        return self._annotation[self._has_annotation()]

    def summary(
        self, normalize_by_coverage: bool = False, annotation: np.ndarray | None = None
    ) -> pd.DataFrame:
        """Statistics per rule, and a ``total`` row, in a DataFrame indexed by rule name.

        - **label**: the labels the rule voted for.
        - **coverage**: fraction of the records it labels.
        - **annotated_coverage**: fraction of the annotated records it labels.
        - **overlaps**: fraction of the records it labels that another rule labels too.
        - **conflicts**: fraction of the records it labels where rules disagree.
        - **correct** / **incorrect**: annotated records it labels right / wrong.
        - **precision**: correct / (correct + incorrect); abstaining is not penalised.

        The last four columns are there only when some records are annotated (Rubrix
        does the same). ``normalize_by_coverage`` divides overlaps and conflicts by the
        coverage; ``annotation`` replaces the stored annotations (one int per record).

        >>> wl.summary().loc["total", "coverage"]
        0.31
        """
        annotation = self._checked_annotation(annotation)
        abstain = self._label2int[None]
        matrix = self._current_matrix()
        has = matrix != abstain
        polarity = [
            {self._int2label[int(v)] for v in np.unique(matrix[has[:, j], j])}
            for j in range(len(self._rules))
        ]
        columns = self._base_summary(has, polarity, normalize_by_coverage)
        big = np.iinfo(matrix.dtype)
        lowest = np.where(has, matrix, big.max).min(1)
        highest = np.where(has, matrix, big.min).max(1)
        conflict = has.any(1) & (lowest != highest)
        coverage = columns["coverage"]
        columns["conflicts"] = self._per_rule(has, conflict, coverage, normalize_by_coverage)
        annotated = annotation != abstain
        if annotated.any():
            covered = has[annotated]
            columns["annotated_coverage"] = (
                np.append(covered.sum(0), covered.any(1).sum()) / annotated.sum()
            )
            right = has & (matrix == annotation[:, None])
            wrong = has & annotated[:, None] & (matrix != annotation[:, None])
            correct = np.append(right.sum(0), right.sum())
            incorrect = np.append(wrong.sum(0), wrong.sum())
            with np.errstate(divide="ignore", invalid="ignore"):
                precision = correct / (correct + incorrect)
            columns.update(correct=correct, incorrect=incorrect, precision=precision)
        order = ["label", "coverage", "annotated_coverage", "overlaps", "conflicts"]
        order += ["correct", "incorrect", "precision"]
        return self._summary_frame({k: columns[k] for k in order if k in columns})

    def _checked_annotation(self, annotation: np.ndarray | None) -> np.ndarray:
        if annotation is None:
            return self._annotation
        annotation = np.asarray(annotation)
        if annotation.shape != self._annotation.shape:
            raise ValueError(
                f"annotation must hold one label int per record ({len(self._annotation)}), "
                f"not an array of shape {annotation.shape}"
            )
        return annotation

    def show_records(
        self, labels: list[str] | None = None, rules: list[str | int] | None = None
    ) -> pd.DataFrame:
        """The records (``rb.load`` columns) with all of ``labels`` among their weak labels
        and for which all of ``rules`` voted.

        >>> wl.show_records(labels=["bbchealth"], rules=["NHS"])
        """
        matrix = self._current_matrix()
        keep = np.ones(len(self._seqs), dtype=bool)
        if labels is not None:
            unknown = [label for label in labels if label not in self._label2int]
            if unknown:
                raise ValueError(f"unknown labels {unknown}; the labels are {self.labels}")
            for label in labels:
                keep &= (matrix == self._label2int[label]).any(1)
        if rules is not None:
            columns = self._rule_indices(rules)
            keep &= (matrix[:, columns] != self._label2int[None]).all(1)
        return self._shown(keep)

    def change_mapping(self, label2int: dict[str | None, int]) -> None:
        """Use other ints for the labels (matrix and annotation are re-coded).

        >>> wl.change_mapping({None: -1, "bbchealth": 1, "cnnhealth": 0})
        """
        missing = [label for label in self._label2int if label not in label2int]
        if missing:
            raise MissingLabelError(f"the labels {missing} are missing in the new mapping")
        old = np.array(sorted(self._int2label), dtype=np.int64)
        new = np.array([label2int[self._int2label[i]] for i in old], dtype=np.int64)

        def recoded(values: np.ndarray) -> np.ndarray:
            return new[np.searchsorted(old, values)].astype(np.int16)

        self._matrix = recoded(self._matrix)
        if self._extended_matrix is not None:
            self._extended_matrix = recoded(self._extended_matrix)
        self._annotation = recoded(self._annotation)
        self._label2int = dict(label2int)
        self._int2label = {v: k for k, v in self._label2int.items()}
