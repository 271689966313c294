"""What single- and multi-label weak labels share: rules, records, annotations, summaries.

Query rules cost one search each (:mod:`._search`); annotations are read column-wise
(:mod:`._columns`); record objects are built only for Python labeling functions and
``records()``.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ...record_table import RecordsFrame, frame_from_table
from ...tasks import RUBRIX_FIELDS, TEXT_CLASSIFICATION
from . import _extend, _search
from ._columns import Annotations
from .errors import (
    DuplicatedRuleNameError,
    MultiLabelError,
    NoRecordsFoundError,
    NoRulesFoundError,
    WeakLabelsError,
)
from .rule import Rule, load_rules

# Rubrix's show_records is a DataFrame of ``record.dict()``: the record's fields, in order.
_RECORD_FIELDS = RUBRIX_FIELDS[TEXT_CLASSIFICATION]


class WeakLabelsBase:
    """What single- and multi-label weak labels share: rules, records, annotations."""

    def __init__(
        self,
        dataset: str,
        rules: list[Rule | Callable] | None = None,
        ids: list[int | str] | None = None,
        query: str | None = None,
    ):
        if not isinstance(dataset, str):
            raise TypeError(f"the dataset name must be a str, not {type(dataset).__name__}")
        view = _search.text_view(dataset)
        self._dataset = dataset
        self._view = view
        self._rules: list[Rule | Callable] = _rule_list(rules) if rules else [*load_rules(dataset)]
        if not self._rules:
            raise NoRulesFoundError(
                f"no rules were given and dataset {dataset!r} has none stored; pass "
                "rules=[...] or store some with add_rules"
            )
        self._rules_index2name = {i: _rule_name(rule, i) for i, rule in enumerate(self._rules)}
        repeated = {k: v for k, v in Counter(self._rules_index2name.values()).items() if v > 1}
        if repeated:
            raise DuplicatedRuleNameError(
                f"rule names must be unique; these repeat (name: times): {repeated}. "
                "Give the rules distinct names with Rule(..., name=...)"
            )
        self._rules_name2index = {name: i for i, name in self._rules_index2name.items()}

        self._seqs = _selected_seqs(view, query, ids)
        if len(self._seqs) == 0:
            where = " and ".join(
                part
                for part in (
                    f"query {query!r}" if query is not None else "",
                    f"ids {list(ids)[:5]}" if ids is not None else "",
                )
                if part
            )
            raise NoRecordsFoundError(
                f"no records found in dataset {dataset!r}" + (f" with {where}" if where else "")
            )
        everything = len(self._seqs) == view.live.size
        self._table = view.table() if everything else view.live.rows(self._seqs)
        self._annotations = Annotations.of(self._table)
        self._record_objects: list[Any] | None = None
        # per rule: the record positions it labels (query rules) or its outputs (functions)
        self._votes = [self._apply(rule, everything) for rule in self._rules]
        self._matrix: np.ndarray
        # extend_matrix: the extended matrix, and the nearest-neighbour search it reuses
        self._extended_matrix: np.ndarray | None = None
        self._extension_queries: tuple[list[np.ndarray], list[np.ndarray]] | None = None

    def _apply(self, rule: Rule | Callable, everything: bool) -> np.ndarray | list:
        if isinstance(rule, Rule):
            seqs = rule._apply_view(self._view, self._dataset)
            return seqs if everything else _search.positions_in(self._seqs, seqs)
        return [rule(record) for record in self._objects()]

    def _objects(self) -> list[Any]:
        if self._record_objects is None:
            self._record_objects = self._frame().records
        return self._record_objects

    def _frame(self, rows: np.ndarray | None = None) -> RecordsFrame:
        """The records (or those at ``rows``) as ``rb.load`` returns them."""
        table = self._table if rows is None else self._table.take(pa.array(rows, pa.int64()))
        return frame_from_table(table, TEXT_CLASSIFICATION, self._dataset)

    def _found_labels(self) -> set[str]:
        """Every label of the annotations and the rules' outputs."""
        return self._annotations.unique() | set(self._first_appearances())

    def _first_appearances(self) -> dict[str, tuple[int, int]]:
        """Label -> (record, slot) where a record-by-record pass meets it first, as Rubrix's
        does: in each record its annotation (slot 0), then rule j's output (slot j + 1).

        Annotations count by their first label (single-label records have one).
        """
        seen = {label: (row, 0) for label, row in self._annotations.first_rows().items()}

        def meet(label: str, where: tuple[int, int]) -> None:
            if label not in seen or where < seen[label]:
                seen[label] = where

        for j, (rule, votes) in enumerate(zip(self._rules, self._votes, strict=True)):
            if isinstance(rule, Rule):
                if len(votes):
                    first = int(np.min(votes))  # a query rule's votes are its record positions
                    for label in rule.labels:
                        meet(label, (first, j + 1))
                continue
            name = self._rules_index2name[j]
            for i, output in enumerate(votes):
                if output is not None:
                    for label in _output_labels(output, name):
                        meet(label, (i, j + 1))
        return seen

    # -- public -------------------------------------------------------------------------
    @property
    def dataset(self) -> str:
        """The name of the dataset the rules were applied to."""
        return self._dataset

    @property
    def rules(self) -> list[Rule | Callable]:
        """The rules (labeling functions) behind the weak labels, in matrix column order."""
        return self._rules

    @property
    def labels(self) -> list[str]:
        """The labels, in the order of their ints / matrix columns."""
        raise NotImplementedError

    @property
    def cardinality(self) -> int:
        """The number of labels."""
        return len(self.labels)

    def _has_annotation(self) -> np.ndarray:
        raise NotImplementedError

    def _rows(self, has_annotation: bool | None) -> np.ndarray | slice:
        if has_annotation is None:
            return slice(None)
        mask = self._has_annotation()
        return np.flatnonzero(mask if has_annotation else ~mask)

    def records(self, has_annotation: bool | None = None) -> list[Any]:
        """The records behind the matrix rows, as ``TextClassificationRecord`` objects.

        ``has_annotation=True`` gives only the annotated ones, ``False`` only the others.
        Builds one pydantic object per record (about 40 µs each); for many records,
        :meth:`show_records` returns a DataFrame much faster.

        >>> wl.records(has_annotation=True)[0].annotation
        'bbchealth'
        """
        objects = self._objects()
        rows = self._rows(has_annotation)
        if isinstance(rows, slice):
            return list(objects)
        return [objects[i] for i in rows]

    def _shown(self, keep: np.ndarray) -> RecordsFrame:
        """The records at ``keep``, columns in Rubrix's order (its record fields' order)."""
        frame = self._frame(np.flatnonzero(keep))
        first = [column for column in _RECORD_FIELDS if column in frame.columns]
        return frame[first + [column for column in frame.columns if column not in first]]

    def _current_matrix(self) -> np.ndarray:
        """The weak label matrix, extended by :meth:`extend_matrix` if it was called."""
        return self._matrix if self._extended_matrix is None else self._extended_matrix

    def _abstains(self, matrix: np.ndarray) -> np.ndarray:
        """Records x rules: where each rule abstains."""
        raise NotImplementedError

    def _keep_voted_rows(self, extended: np.ndarray) -> None:
        """Adjust an extended matrix in place (single-label keeps rows a rule voted on)."""

    def extend_matrix(
        self,
        thresholds: list[float] | np.ndarray,
        embeddings: np.ndarray | None = None,
        gpu: bool = False,
    ) -> None:
        """Extend the weak labels through embeddings (Epoxy), as Rubrix's ``extend_matrix``.

        Where a rule abstains on a record, it takes the vote it gave the most similar record
        it voted on (cosine similarity of the embeddings), if that similarity is above the
        rule's threshold. Afterwards ``matrix()``, ``summary()``, ``show_records()`` and the
        label models use the extended matrix. For single-label weak labels, records some
        rule voted on keep their votes unchanged.

        Parameters
        ----------
        thresholds : list of float
            One minimum similarity per rule (between -1 and 1; 1 never extends).
        embeddings : np.ndarray, optional
            One vector per record (``records()`` order). Needed the first time; later calls
            without it reuse the similarity search of the last call (cheap).
        gpu : bool
            Ignored, with a warning: the search is an exact numpy search on the CPU (Rubrix
            used faiss, on the GPU with ``gpu=True``).

        Examples
        --------
        >>> embeddings = model.encode(wl.show_records().text.tolist())
        >>> wl.extend_matrix([0.8] * len(wl.rules), embeddings)
        >>> wl.extend_matrix([0.9] * len(wl.rules))      # reuses the search
        """
        if gpu:
            warnings.warn(
                "gpu=True is ignored: the similarity search runs with numpy on the CPU",
                UserWarning,
                stacklevel=2,
            )
        thresholds = _extend.checked_thresholds(thresholds, len(self._rules))
        abstains_mask = self._abstains(self._matrix)
        abstains = [np.flatnonzero(column) for column in abstains_mask.T]
        supports = [np.flatnonzero(~column) for column in abstains_mask.T]
        if embeddings is not None:
            vectors = _extend.checked_embeddings(embeddings, len(self._seqs))
            self._extension_queries = _extend.nearest_supports(vectors, abstains, supports)
        elif self._extension_queries is None:
            raise ValueError(
                "embeddings are needed the first time a matrix is extended: pass one vector "
                "per record (records() order)"
            )
        extended = _extend.extended(
            self._matrix, abstains, supports, self._extension_queries, thresholds
        )
        self._keep_voted_rows(extended)
        self._extended_matrix = extended

    def _rule_indices(self, rules: Iterable[str | int]) -> list[int]:
        out = []
        for rule in rules:
            if isinstance(rule, str):
                if rule not in self._rules_name2index:
                    known = ", ".join(map(repr, self._rules_name2index))
                    raise ValueError(f"there is no rule named {rule!r}; the rules are {known}")
                out.append(self._rules_name2index[rule])
            elif isinstance(rule, int | np.integer) and -len(self._rules) <= rule < len(
                self._rules
            ):
                out.append(int(rule) % len(self._rules))
            else:
                raise ValueError(
                    f"rules are named by their name or their index 0-{len(self._rules) - 1}, "
                    f"not {rule!r}"
                )
        return out

    def _base_summary(
        self, has_weak_label: np.ndarray, polarity: list[set], normalize: bool
    ) -> dict[str, Any]:
        """label, coverage and overlaps per rule plus the total, from a records x rules mask."""
        n = len(has_weak_label)
        coverage = np.append(has_weak_label.sum(0), has_weak_label.any(1).sum()) / n
        polarity = [*polarity, set().union(*polarity)]
        overlaps = self._per_rule(has_weak_label, has_weak_label.sum(1) > 1, coverage, normalize)
        return {"label": polarity, "coverage": coverage, "overlaps": overlaps}

    def _per_rule(
        self, has_weak_label: np.ndarray, flag: np.ndarray, coverage: np.ndarray, normalize: bool
    ) -> np.ndarray:
        """Fraction of records each rule labels that are ``flag``-ged, and the total."""
        n = len(has_weak_label)
        fractions = np.append((has_weak_label & flag[:, None]).sum(0), flag.sum()) / n
        if normalize:
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.nan_to_num(fractions / coverage)
        return fractions

    def _summary_frame(self, columns: dict[str, Any]) -> pd.DataFrame:
        index = [*self._rules_name2index, "total"]
        return pd.DataFrame(columns, index=index)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(dataset={self._dataset!r}, records={len(self._seqs)}, "
            f"rules={len(self._rules)}, labels={len(self.labels)})"
        )


def _selected_seqs(view, query: str | None, ids: Iterable | None) -> np.ndarray:
    if query is None and ids is None:
        return np.arange(view.live.size, dtype=np.int64)
    compiled, messages = view.index.compile(query)
    for message in messages:
        warnings.warn(message, UserWarning, stacklevel=4)
    if ids is not None:
        compiled = _search.every(compiled, _search.ids_query(view, ids))
    return _search.matching_seqs(view, compiled, query or "")


def _rule_list(rules: Any) -> list[Rule | Callable]:
    if isinstance(rules, Rule) or callable(rules) or not isinstance(rules, Iterable):
        raise TypeError("rules must be a list of Rule objects and/or functions record -> label")
    rules = list(rules)
    for rule in rules:
        if not isinstance(rule, Rule) and not callable(rule):
            raise TypeError(f"a rule is a Rule or a function record -> label | None, not {rule!r}")
    return rules


def _rule_name(rule: Any, index: int) -> str:
    """Rubrix's naming: ``rule.name``, else the function's name (not for lambdas), else rule_i."""
    name = getattr(rule, "name", None)
    if not name:
        name = getattr(rule, "__name__", None)
        name = None if name == "<lambda>" else name
    return str(name) if name else f"rule_{index}"


def _output_labels(output: Any, rule_name: str) -> list[str]:
    if isinstance(output, str):
        return [output]
    if isinstance(output, list | tuple) and all(isinstance(v, str) for v in output):
        return list(output)
    raise WeakLabelsError(
        f"rule {rule_name!r} returned {output!r}; a rule returns a label (str), a list of "
        "labels, or None to abstain"
    )


def _single(output: Any, rule_name: str) -> str | None:
    if output is None:
        return None
    labels = _output_labels(output, rule_name)
    if len(labels) != 1:
        raise MultiLabelError(
            f"rule {rule_name!r} returned {labels}; rules returning several labels need "
            "WeakMultiLabels"
        )
    return labels[0]
