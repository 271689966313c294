"""Stored annotation columns -> label arrays, column-wise (no record objects)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True)
class Annotations:
    """The annotated labels of n records: ``labels[rows == i]`` are record i's labels."""

    valid: np.ndarray  # bool, n: the record has an annotation (an empty list for multi-label)
    rows: np.ndarray  # int64: the record of each label in ``labels``
    labels: pa.Array  # str: every annotated label, record after record
    first: np.ndarray  # int64, n: index in ``labels`` of the record's first label, -1 if none

    @classmethod
    def of(cls, table: pa.Table) -> Annotations:
        column = table.column("annotation")
        lists = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
        lengths = pc.list_value_length(lists).fill_null(0).to_numpy(zero_copy_only=False)
        lengths = lengths.astype(np.int64)
        labels = lists.flatten()  # honours slicing and null lists
        starts = np.cumsum(lengths) - lengths
        return cls(
            valid=lists.is_valid().to_numpy(zero_copy_only=False),
            rows=np.repeat(np.arange(len(lists), dtype=np.int64), lengths),
            labels=labels,
            first=np.where(lengths > 0, starts, -1),
        )

    def unique(self) -> set[str]:
        return set(pc.unique(self.labels).to_pylist()) - {None}

    def first_rows(self) -> dict[str, int]:
        """Each label that is some record's first annotated label -> the first such record.

        Column-wise: one dictionary encoding and one ``np.unique``, no loop over records.
        """
        rows = np.flatnonzero(self.first >= 0)
        if len(rows) == 0:
            return {}
        firsts = self.labels.take(pa.array(self.first[rows], pa.int64()))
        encoded = pc.dictionary_encode(firsts)
        codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
        found, where = np.unique(codes, return_index=True)
        names = encoded.dictionary.to_pylist()
        return {names[c]: int(rows[w]) for c, w in zip(found, where, strict=True) if c >= 0}

    def codes(self, labels: list[str]) -> np.ndarray:
        """Index of each annotated label in ``labels`` (-1 for a label not there)."""
        found = pc.index_in(self.labels, value_set=pa.array(labels, pa.string()))
        return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
