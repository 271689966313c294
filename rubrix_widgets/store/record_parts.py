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

from ..errors import StorageError
from .files import atomic_write


def write_part(path: Path, table: pa.Table) -> None:
    def write(tmp: Path) -> None:
        with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table, max_chunksize=64 * 1024)

    atomic_write(path, write)


def read_part(path: Path) -> pa.Table:
    try:
        source = pa.memory_map(str(path), "r")
        return pa.ipc.open_file(source).read_all()
    except FileNotFoundError:
        raise
    except (pa.ArrowInvalid, pa.ArrowIOError, OSError) as exc:
        raise StorageError(
            f"the records file {path} is damaged ({exc}); the dataset cannot be read. "
            "Restore the folder from a backup, or load a snapshot with rb.load(name, snapshot=...)"
        ) from exc


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
        return self.concat.take(pa.array(self.position[seqs]))

    def column(self, name: str) -> pa.ChunkedArray:
        """One live column, in first-logged order (cheap when nothing was updated)."""
        if self._live is not None or self.in_order:
            return self.table().column(name)
        return self.concat.column(name).take(pa.array(self.position))
