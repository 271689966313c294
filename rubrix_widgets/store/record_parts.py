"""The record files of a dataset and the live table they add up to.

Each ``rb.log`` call (and each annotation saved from a widget) writes one
immutable Arrow IPC file, a *part*, holding whole records. Every record has
a ``_seq``: its position in first-logged order, kept when it is updated.
The live version of record ``seq`` is the copy in the latest part that
holds it. :class:`LiveRows` keeps, per seq, where that copy is, and is
updated incrementally when parts are appended, so saving one annotation on
a million-record dataset costs a few milliseconds, not a rebuild.

Parts are memory-mapped: opening a dataset reads almost nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from .._fs import atomic_write
from ..errors import StorageError
from ..tasks import VECTORS


def write_part(path: Path, table: pa.Table) -> None:
    def write(tmp: Path) -> None:
        with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            # one record batch: reading it back gives single-chunk columns, which
            # ``take`` can index without copying the whole part first
            writer.write_table(table.combine_chunks())

    atomic_write(path, write)


def read_part(path: Path) -> pa.Table:
    try:
        source = pa.memory_map(str(path), "r")
        return with_vectors_column(pa.ipc.open_file(source).read_all())
    except FileNotFoundError:
        raise
    except (pa.ArrowInvalid, pa.ArrowIOError, OSError) as exc:
        raise StorageError(
            f"the records file {path} is damaged ({exc}); the dataset cannot be read. "
            "Restore the folder from a backup, or load a snapshot with rb.load(name, snapshot=...)"
        ) from exc


def with_vectors_column(table: pa.Table) -> pa.Table:
    """A table written before records had vectors, as today's schema: vectors all null.

    The ``vectors`` column is the schema's last, so appending it is the whole upgrade
    (no copy of the other columns).
    """
    if "vectors" in table.column_names:
        return table
    return table.append_column(VECTORS, pa.nulls(len(table), VECTORS.type))


def take_batches(batches: list[pa.RecordBatch], starts: np.ndarray, rows: np.ndarray) -> pa.Table:
    """Rows at global positions ``rows`` of batches starting at ``starts``, in that order.

    ``take`` on a multi-chunk table first copies every chunk into one, which
    for a page of 50 rows of a million-record dataset is a full copy; here
    each batch only gives up its own rows.
    """
    which = np.searchsorted(starts, rows, side="right") - 1
    if len(rows) and (which == which[0]).all():
        batch = int(which[0])
        return pa.Table.from_batches([batches[batch].take(pa.array(rows - starts[batch]))])
    order = np.argsort(which, kind="stable")
    pieces = [batches[b].take(pa.array(rows[which == b] - starts[b])) for b in np.unique(which)]
    grouped = pa.Table.from_batches(pieces)
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    return grouped.take(pa.array(back)).combine_chunks()


@dataclass
class LiveRows:
    """Where the live copy of every record is, across a list of parts."""

    schema: pa.Schema
    files: list[str] = field(default_factory=list)
    tables: list[pa.Table] = field(default_factory=list)
    offsets: list[int] = field(default_factory=lambda: [0])
    position: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    in_order: bool = True  # every part only appended new seqs, in order
    _concat: pa.Table | None = None
    _live: pa.Table | None = None
    _batches: tuple[list[pa.RecordBatch], np.ndarray] | None = None

    @property
    def size(self) -> int:
        return len(self.position)

    def extended(self, files: list[str], tables: list[pa.Table]) -> LiveRows:
        """A new LiveRows with ``tables`` appended (self is left unchanged)."""
        out = LiveRows(
            schema=self.schema,
            files=[*self.files, *files],
            tables=[*self.tables, *tables],
            offsets=list(self.offsets),
            position=self.position,
            in_order=self.in_order,
        )
        position = self.position
        for table in tables:
            seqs = table.column("_seq").to_numpy()
            start = out.offsets[-1]
            out.offsets.append(start + len(table))
            size = len(position)
            top = int(seqs.max()) + 1 if len(seqs) else size
            appends_in_order = bool(
                len(seqs) == 0 or (seqs[0] == size and np.all(np.diff(seqs) == 1))
            )
            out.in_order = out.in_order and appends_in_order
            if top > size:
                grown = np.full(top, -1, dtype=np.int64)
                grown[:size] = position
                position = grown
            elif len(seqs):
                position = position.copy()
            # within one part a seq appears once, so plain assignment is exact
            position[seqs] = start + np.arange(len(seqs), dtype=np.int64)
        if len(position) and position.min() < 0:
            missing = int(np.flatnonzero(position < 0)[0])
            raise StorageError(
                f"the records files skip record number {missing}; the dataset is damaged"
            )
        out.position = position
        return out

    @property
    def concat(self) -> pa.Table:
        if self._concat is None:
            self._concat = (
                pa.concat_tables(self.tables) if self.tables else self.schema.empty_table()
            )
        return self._concat

    def table(self) -> pa.Table:
        """All live records, in first-logged order."""
        if self._live is None:
            if self.in_order:
                self._live = self.concat
            else:
                self._live = self.concat.take(pa.array(self.position))
        return self._live

    def rows(self, seqs: np.ndarray | list[int]) -> pa.Table:
        """The live records with these seqs, in the order given."""
        seqs = np.asarray(seqs, dtype=np.int64)
        if len(seqs) == 0 or not self.tables:
            return self.schema.empty_table()
        batches, starts = self.batches
        return take_batches(batches, starts, self.position[seqs])

    @property
    def batches(self) -> tuple[list[pa.RecordBatch], np.ndarray]:
        """Every record batch of every part, and the global position where each starts."""
        if self._batches is None:
            batches = [b for t in self.tables for b in t.to_batches() if len(b)]
            starts = np.cumsum([0] + [len(b) for b in batches[:-1]]).astype(np.int64)
            self._batches = (batches, starts)
        return self._batches

    def column(self, name: str) -> pa.ChunkedArray:
        """One live column, in first-logged order (cheap when nothing was updated)."""
        if self._live is not None or self.in_order:
            return self.table().column(name)
        return self.concat.column(name).take(pa.array(self.position))
