"""One dataset on disk: atomic upserts, consistent views, snapshots.

Folder layout::

    <name>/dataset.json          the manifest; replacing it commits a write
    <name>/records/part-*.arrow  immutable record files (see record_parts)
    <name>/index/                tantivy index, derived from the records
    <name>/snapshots/*.parquet   frozen copies
    <name>/.lock                 writers hold it exclusively, readers shared

A write: take the lock, write the new part, replace the manifest (commit),
update the index, mark the index with the manifest version, delete files no
manifest refers to. A crash before the commit leaves the old dataset; after
it, the index is rebuilt on next use. Deleting records is a write too: the
remaining records become one new part with their seqs closed up, and the
manifest's ``seq_epoch`` tells an index written before it to rebuild.

Readers take the lock only long enough to grab the manifest, the open part
files and an index searcher; all three are immutable snapshots, so reading
then needs no lock.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import uuid
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import tantivy

from .. import vector_columns
from .._fs import atomic_write, is_temp, storage_errors
from ..errors import NotFoundError, StorageError
from ..search.index_documents import input_keys_of
from ..search.search_index import SearchIndex, remove_stale_builds, run_search
from ..tasks import spec
from ..timing import timed
from . import changes, locks
from .manifest import Manifest, Part, Snapshot, read_manifest, utcnow, write_manifest
from .record_parts import LiveRows, read_part, with_vectors_column, write_part

MAX_PARTS = 12


class StaleRecordsError(RuntimeError):
    """The records a write named by position moved (deleted) since they were read."""


ID_LOOKUP_VIA_INDEX = 2_000
RECORDS_DIR = "records"
SNAPSHOTS_DIR = "snapshots"


@dataclass
class DatasetView:
    """A consistent, immutable view of a dataset at one version."""

    manifest: Manifest
    live: LiveRows
    index: SearchIndex
    searcher: tantivy.Searcher

    @property
    def task(self) -> str:
        return self.manifest.task

    @property
    def schema(self) -> tantivy.Schema:
        """The index's schema, which queries built outside the parser need."""
        return self.index.opened().schema

    def table(self) -> pa.Table:
        return self.live.table()

    def search(
        self, query: str | None, limit: int | None = None, offset: int = 0
    ) -> tuple[np.ndarray, int, list[str]]:
        """Seqs of the records matching ``query`` (first-logged order), the total, warnings."""
        if query is None or not query.strip() or query.strip() in ("*", "*:*", '""'):
            # everything: seqs are dense, so the page needs no search at all
            total = self.live.size
            stop = total if limit is None else min(total, offset + limit)
            return np.arange(min(offset, stop), stop, dtype=np.int64), total, []
        compiled, warnings_ = self.index.compile(query)
        seqs, total = run_search(self.searcher, compiled, limit, offset, query_text=query or "")
        return seqs, total, warnings_


class _Cached:
    """What one process keeps open per dataset between calls."""

    def __init__(self, uid: str, task: str, folder: Path):
        self.uid = uid
        self.version = -1
        self.files: list[str] = []
        self.live = LiveRows(schema=spec(task).schema)
        self.index = SearchIndex(folder, task)


_cache: dict[Path, _Cached] = {}
_cache_guard = threading.Lock()


class DatasetStore:
    def __init__(self, folder: Path):
        self.folder = folder

    # -- reading ---------------------------------------------------------------------
    def exists(self) -> bool:
        return (self.folder / "dataset.json").exists()

    def manifest(self) -> Manifest:
        try:
            return read_manifest(self.folder)
        except FileNotFoundError:
            raise NotFoundError(f"dataset {self.folder.name!r} does not exist") from None

    def view(self, index_may_lag: bool = False) -> DatasetView:
        """Records and index as of now. ``index_may_lag``: skip the index catch-up
        (a page redrawn right after a widget write; writes that replace records
        keep their seqs, so the lagging index still finds the right rows)."""
        if not self.folder.is_dir():
            raise NotFoundError(f"dataset {self.folder.name!r} does not exist")
        with locks.shared(self.folder):
            manifest = self.manifest()
            cached = self._current(manifest)
            # A lagging index still finds the right rows, unless records were renumbered
            # (deleted) since it was written: then its seqs point elsewhere.
            lagging_ok = (
                index_may_lag
                and cached.index.index is not None
                and (cached.index.state or {}).get("version", -1) >= manifest.seq_epoch
            )
            if not lagging_ok and not cached.index.is_current(
                manifest.version, self._slot_of(manifest)
            ):
                with locks.exclusive(self.folder):
                    manifest = self.manifest()
                    cached = self._current(manifest)
                    self._ensure_index(manifest, cached)
            return DatasetView(
                manifest, cached.live, cached.index, cached.index.opened().searcher()
            )

    def records(self) -> tuple[Manifest, LiveRows]:
        """The manifest and live records, without touching the index (for writers
        that address records by seq and do not search)."""
        with locks.shared(self.folder):
            manifest = self.manifest()
            return manifest, self._current(manifest).live

    def sync_index(self) -> None:
        """Bring the index up to the records (after writes with ``index_now=False``)."""
        with locks.exclusive(self.folder):
            manifest = self.manifest()
            self._ensure_index(manifest, self._current(manifest))

    @staticmethod
    def _slot_of(manifest: Manifest) -> dict[str, int]:
        return {key: k for k, key in enumerate(manifest.input_keys)}

    def _current(self, manifest: Manifest) -> _Cached:
        """The process cache brought to ``manifest`` (reading only the new parts)."""
        key = self.folder.resolve()
        with _cache_guard:
            cached = _cache.get(key)
            if cached is None or cached.uid != manifest.uid:
                cached = _cache[key] = _Cached(manifest.uid, manifest.task, self.folder)
        if cached.version == manifest.version:
            return cached
        files = [p.file for p in manifest.parts]
        if files[: len(cached.files)] == cached.files:
            new = files[len(cached.files) :]
            live = cached.live
        else:
            new, live = files, LiveRows(schema=spec(manifest.task).schema)
        tables = [read_part(self.folder / f) for f in new]
        cached.live = live.extended(new, tables)
        cached.files, cached.version = files, manifest.version
        if cached.live.size != manifest.records:
            raise StorageError(
                f"dataset {manifest.name!r}: the manifest counts {manifest.records} records but "
                f"its files hold {cached.live.size}; the dataset is damaged"
            )
        return cached

    def _ensure_index(self, manifest: Manifest, cached: _Cached, progress=None) -> None:
        """Under the exclusive lock: make the index match the records.

        An index a few writes behind (widget saves defer indexing; a process
        may die in between) catches up from the parts written since; a
        missing or damaged one is rebuilt from all records.
        """
        indexed = cached.index.indexed_version(self._slot_of(manifest))
        if indexed == manifest.version:
            return
        if indexed is not None and manifest.seq_epoch <= indexed < manifest.version:
            newer = [
                (p, t)
                for p, t in zip(manifest.parts, cached.live.tables, strict=True)
                if p.version > indexed
            ]
            with timed("index: catch up", parts=len(newer)), storage_errors(self.folder):
                # A record written in several of these parts (clicked twice before
                # the index caught up) is indexed once, as it is now.
                seqs = np.unique(np.concatenate([t.column("_seq").to_numpy() for _, t in newer]))
                cached.index.catch_up([cached.live.rows(seqs)], [seqs], manifest.version, progress)
            return
        remove_stale_builds(self.folder)
        renumbered = indexed is not None and indexed < manifest.seq_epoch
        if not renumbered and (cached.index.read_state() is not None or manifest.version > 0):
            warnings.warn(
                f"the search index of dataset {manifest.name!r} was missing or damaged "
                "(or the folder was copied by hand); rebuilding it from the records",
                UserWarning,
                stacklevel=4,
            )
        with storage_errors(self.folder):
            cached.index.rebuild(
                cached.live.table(), manifest.version, manifest.input_keys, progress
            )

    # -- writing ---------------------------------------------------------------------
    def create(self, name: str, task: str, settings: dict | None = None) -> Manifest:
        with storage_errors(self.folder):
            self.folder.mkdir(parents=True, exist_ok=True)
            with locks.exclusive(self.folder):
                if self.exists():
                    return self.manifest()
                (self.folder / RECORDS_DIR).mkdir(exist_ok=True)
                manifest = Manifest(name=name, task=task, settings=settings, uid=uuid.uuid4().hex)
                write_manifest(self.folder, manifest)
                return manifest

    def update_info(self, change: Callable[[Manifest], Manifest]) -> Manifest:
        """Change tags, metadata, settings (no records) under the lock."""
        with locks.exclusive(self.folder):
            manifest = change(self.manifest())
            manifest.updated_at = utcnow()
            write_manifest(self.folder, manifest)
            return manifest

    def write(
        self,
        batch: pa.Table,
        check: Callable[[Manifest], None] | None = None,
        info: Callable[[Manifest], Manifest] | None = None,
        progress: Callable[[int], None] | None = None,
        index_now: bool = True,
        seqs: np.ndarray | None = None,
    ) -> int:
        """Upsert ``batch`` (stored schema minus bookkeeping) by id; return rows written.

        The records are on disk when this returns. With ``index_now=False`` the
        index catches up later (``sync_index``, or the next search): a widget
        acknowledges a click without waiting for tantivy's commit. ``seqs``, when
        the caller knows them (a widget showing these records), skips the id
        lookup; they are checked against the stored ids.
        """
        if seqs is None:
            batch = _last_per_id(batch)
        with locks.exclusive(self.folder), storage_errors(self.folder):
            self._write_locked(batch, check, info, progress, index_now, seqs)
        changes.changed(self.folder)
        return len(batch)

    def _write_locked(
        self,
        batch: pa.Table,
        check: Callable[[Manifest], None] | None = None,
        info: Callable[[Manifest], Manifest] | None = None,
        progress: Callable[[int], None] | None = None,
        index_now: bool = True,
        seqs: np.ndarray | None = None,
    ) -> None:
        """:meth:`write`, under the exclusive lock the caller holds (ids unique in ``batch``
        unless ``seqs`` are given)."""
        manifest = self.manifest()
        if check is not None:
            check(manifest)
        cached = self._current(manifest)
        with timed("write: id lookup", rows=len(batch)):
            if seqs is not None:
                seqs = self._checked_seqs(batch, np.asarray(seqs, dtype=np.int64), cached)
            else:
                seqs = self._lookup(batch, manifest, cached)
        replaced = seqs[seqs >= 0]
        new = seqs < 0
        seqs[new] = manifest.records + np.arange(int(new.sum()), dtype=np.int64)
        delta = _with_bookkeeping(batch, seqs, manifest.task)
        if len(seqs) > 1 and not np.all(seqs[1:] > seqs[:-1]):
            delta = delta.take(pa.array(np.argsort(seqs, kind="stable")))

        version = manifest.version + 1
        old_rows = cached.live.rows(replaced) if len(replaced) else None
        dims, changed = _vector_changes(delta, old_rows, manifest)
        file = f"{RECORDS_DIR}/part-{version:08d}-{uuid.uuid4().hex[:8]}.arrow"
        with timed("write: records file", rows=len(delta)):
            write_part(self.folder / file, delta)
        old_status = old_rows.column("status").to_pylist() if old_rows is not None else []
        live = cached.live.extended([file], [delta])
        parts = [*manifest.parts, Part(file, len(delta), version)]
        parts, live = self._compact(parts, live, version)

        counts = Counter(manifest.status_counts)
        counts.subtract(old_status)
        counts.update(delta.column("status").to_pylist())
        keys = list(dict.fromkeys([*manifest.input_keys, *input_keys_of(delta, manifest.task)]))
        updated = dataclasses.replace(
            manifest,
            version=version,
            parts=parts,
            records=live.size,
            status_counts={k: v for k, v in counts.items() if v},
            input_keys=keys,
            updated_at=utcnow(),
            vectors={**manifest.vectors, **dims},
            vector_versions={**manifest.vector_versions, **dict.fromkeys(changed, version)},
        )
        if info is not None:
            updated = info(updated)
        write_manifest(self.folder, updated)  # the commit

        cached.live, cached.version = live, version
        cached.files = [p.file for p in parts]
        if keys != manifest.input_keys or len(replaced) * 2 > max(manifest.records, 1):
            with timed("write: index rebuild", rows=len(delta)):
                cached.index.rebuild(live.table(), version, keys, progress)
        elif index_now:
            with timed("write: index", rows=len(delta)):
                self._ensure_index(updated, cached, progress)
        self._collect_garbage(parts)

    def set_vectors(self, seqs: np.ndarray, ids: pa.Array, column: pa.Array) -> int:
        """Replace the ``vectors`` of the records at ``seqs`` (which must still hold ``ids``)
        with ``column``, keeping everything else as it is now: a record annotated while
        its vector was computed keeps its annotation. Returns the records written."""
        seqs = np.asarray(seqs, dtype=np.int64)
        with locks.exclusive(self.folder), storage_errors(self.folder):
            manifest = self.manifest()
            cached = self._current(manifest)
            if len(seqs) and seqs.max() >= cached.live.size:
                raise StaleRecordsError("records were deleted while their vectors were computed")
            rows = cached.live.rows(seqs)
            if not rows.column("id").combine_chunks().equals(ids):
                raise StaleRecordsError("records were deleted while their vectors were computed")
            where = rows.schema.get_field_index("vectors")
            rows = rows.set_column(where, rows.schema.field(where), column)
            self._write_locked(rows.drop_columns(["_seq", "last_updated"]), seqs=seqs)
        changes.changed(self.folder)
        return len(seqs)

    def delete_records(
        self, select: Callable[[DatasetView], np.ndarray], discard_only: bool = False
    ) -> tuple[int, int]:
        """Delete the records ``select(view)`` names (seqs), or mark them Discarded.

        Returns (matched, processed) as Rubrix's server did: every matched record is
        processed (a record already Discarded counts, but is not rewritten).

        Selection and change happen under one exclusive lock, so no write slips in
        between. Deleting closes the gaps in ``_seq`` (seqs stay dense positions in
        first-logged order): the remaining records are written as one new part, the
        manifest replaced (the commit) with ``seq_epoch`` set, then the index follows
        (from the first deleted position on, or rebuilt). Column-wise throughout.
        """
        with locks.exclusive(self.folder), storage_errors(self.folder):
            manifest = self.manifest()
            cached = self._current(manifest)
            self._ensure_index(manifest, cached)
            view = DatasetView(
                manifest, cached.live, cached.index, cached.index.opened().searcher()
            )
            seqs = np.unique(np.asarray(select(view), dtype=np.int64))
            if not len(seqs):
                return 0, 0
            if discard_only:
                status = cached.live.rows(seqs).column("status")
                pending = pc.not_equal(status, pa.scalar("Discarded")).to_numpy(
                    zero_copy_only=False
                )
                todo = seqs[pending]
                if not len(todo):
                    return len(seqs), len(seqs)
                batch = cached.live.rows(todo).drop_columns(["_seq", "last_updated"])
                where = batch.schema.get_field_index("status")
                discarded = pa.repeat(pa.scalar("Discarded", pa.string()), len(batch))
                batch = batch.set_column(where, batch.schema.field(where), discarded)
                self._write_locked(batch, seqs=todo)
            else:
                self._remove_locked(manifest, cached, seqs)
        changes.changed(self.folder)
        return len(seqs), len(seqs)

    def _remove_locked(self, manifest: Manifest, cached: _Cached, seqs: np.ndarray) -> None:
        size = cached.live.size
        keep = np.ones(size, dtype=bool)
        keep[seqs] = False
        with timed("delete: records file", rows=int(keep.sum())):
            kept = cached.live.table().filter(pa.array(keep))
            where = kept.schema.get_field_index("_seq")
            renumbered = pa.array(np.arange(len(kept), dtype=np.int64), pa.int64())
            kept = kept.set_column(where, kept.schema.field(where), renumbered)
            version = manifest.version + 1
            parts = []
            if len(kept):
                file = f"{RECORDS_DIR}/part-{version:08d}-{uuid.uuid4().hex[:8]}.arrow"
                write_part(self.folder / file, kept)
                parts = [Part(file, len(kept), version)]
        counts = pc.value_counts(kept.column("status")).to_pylist() if len(kept) else []
        updated = dataclasses.replace(
            manifest,
            version=version,
            parts=parts,
            records=len(kept),
            status_counts={c["values"]: c["counts"] for c in counts},
            updated_at=utcnow(),
            seq_epoch=version,
        )
        write_manifest(self.folder, updated)  # the commit

        live = LiveRows(schema=spec(manifest.task).schema).extended(
            [p.file for p in parts], [read_part(self.folder / p.file) for p in parts]
        )
        cached.live, cached.version, cached.files = live, version, [p.file for p in parts]
        # Records before the first deleted one keep their seqs (and index documents);
        # the others moved, so their documents are replaced, unless that is most of them.
        first = int(seqs[0])
        with timed("delete: index", rows=len(kept) - first):
            if (size - first) * 2 > size:
                cached.index.rebuild(live.table(), version, manifest.input_keys)
            else:
                moved = np.arange(first, len(kept), dtype=np.int64)
                cached.index.catch_up(
                    [live.rows(moved)], [np.arange(first, size, dtype=np.int64)], version
                )
        self._collect_garbage(parts)

    @staticmethod
    def _checked_seqs(batch: pa.Table, seqs: np.ndarray, cached: _Cached) -> np.ndarray:
        if len(seqs) != len(batch) or (
            len(seqs) and (seqs.min() < 0 or seqs.max() >= cached.live.size)
        ):
            raise ValueError("seqs must give the stored position of every record in the batch")
        stored = cached.live.rows(seqs).column("id")
        if not stored.equals(batch.column("id")):
            raise ValueError("seqs do not match the ids of the records; reload the dataset view")
        return seqs.copy()

    def _lookup(self, batch: pa.Table, manifest: Manifest, cached: _Cached) -> np.ndarray:
        """Existing seq of each batch id, or -1 for new ids."""
        found = np.full(len(batch), -1, dtype=np.int64)
        if manifest.records == 0 or len(batch) == 0:
            return found
        ids = batch.column("id")
        if len(batch) <= ID_LOOKUP_VIA_INDEX:
            self._ensure_index(manifest, cached)
            searcher = cached.index.opened().searcher()
            query = tantivy.Query.term_set_query(
                cached.index.opened().schema, "id", ids.to_pylist()
            )
            hits = searcher.search(query, len(batch), order_by_field="_seq").hits
            seqs = [h[0] for h in hits]
            live_ids = cached.live.rows(seqs).column("id").to_pylist() if seqs else []
            where = dict(zip(live_ids, seqs, strict=True))
            found[:] = [where.get(i, -1) for i in ids.to_pylist()]
            return found
        positions = pc.index_in(ids, value_set=cached.live.column("id"))
        return positions.fill_null(-1).to_numpy().astype(np.int64)

    def _compact(
        self, parts: list[Part], live: LiveRows, version: int
    ) -> tuple[list[Part], LiveRows]:
        """Keep the number of part files small: merge the tail, or everything.

        A merged file takes the current version, so an index that has not
        seen it yet re-indexes its records (harmless for those it had).
        """
        if len(parts) <= MAX_PARTS:
            return parts, live
        head_rows = parts[0].rows
        tail_rows = sum(p.rows for p in parts[1:])
        tag = uuid.uuid4().hex[:8]
        if tail_rows * 5 >= head_rows:
            merged = live.table()
            file = f"{RECORDS_DIR}/compact-{tag}.arrow"
            write_part(self.folder / file, merged)
            new_parts = [Part(file, len(merged), version)]
        else:
            tail_seqs = np.unique(
                np.concatenate([t.column("_seq").to_numpy() for t in live.tables[1:]])
            )
            merged = live.rows(tail_seqs)
            file = f"{RECORDS_DIR}/tail-{tag}.arrow"
            write_part(self.folder / file, merged)
            new_parts = [parts[0], Part(file, len(merged), version)]
        fresh = LiveRows(schema=live.schema).extended(
            [p.file for p in new_parts], [read_part(self.folder / p.file) for p in new_parts]
        )
        return new_parts, fresh

    def _collect_garbage(self, parts: list[Part]) -> None:
        keep = {Path(p.file).name for p in parts}
        for path in (self.folder / RECORDS_DIR).iterdir():
            if path.name not in keep or is_temp(path.name):
                with contextlib.suppress(OSError):
                    path.unlink()

    # -- snapshots ---------------------------------------------------------------------
    def create_snapshot(self) -> Snapshot:
        with locks.exclusive(self.folder), storage_errors(self.folder):
            view_table = self._current(self.manifest()).live.table()
            (self.folder / SNAPSHOTS_DIR).mkdir(exist_ok=True)

            def change(manifest: Manifest) -> Manifest:
                next_id = max((s.id for s in manifest.snapshots), default=0) + 1
                file = f"{SNAPSHOTS_DIR}/snapshot-{next_id}-{uuid.uuid4().hex[:8]}.parquet"
                atomic_write(
                    self.folder / file,
                    lambda tmp: pq.write_table(view_table, tmp, compression="zstd"),
                )
                snap = Snapshot(id=next_id, created_at=utcnow(), records=len(view_table), file=file)
                return dataclasses.replace(manifest, snapshots=[*manifest.snapshots, snap])

            manifest = self.update_info(change)
            return manifest.snapshots[-1]

    def snapshot_table(self, snapshot_id: int | str) -> tuple[Snapshot, pa.Table]:
        manifest = self.manifest()
        for snap in manifest.snapshots:
            if str(snap.id) == str(snapshot_id):
                try:
                    return snap, with_vectors_column(pq.read_table(self.folder / snap.file))
                except (OSError, pa.ArrowInvalid) as exc:
                    raise StorageError(
                        f"snapshot file {self.folder / snap.file} is damaged: {exc}"
                    ) from exc
        known = ", ".join(str(s.id) for s in manifest.snapshots) or "none"
        raise NotFoundError(
            f"dataset {manifest.name!r} has no snapshot {snapshot_id!r}; its snapshots are: {known}"
        )


def _vector_changes(
    delta: pa.Table, old_rows: pa.Table | None, manifest: Manifest
) -> tuple[dict[str, int], set[str]]:
    """The vector dimensions ``delta`` brings (checked against the dataset's) and the names
    whose vectors it changes. ``old_rows``: the stored rows it replaces, in seq order."""
    column = delta.column("vectors")
    dims = vector_columns.dims_of(column)
    for name, dim in dims.items():
        expected = manifest.vectors.get(name, dim)
        found = vector_columns.first_with_other_dim(column, name, expected)
        if found is not None:
            row, other = found
            record = delta.column("id_int")[row].as_py()
            if record is None:
                record = delta.column("id")[row].as_py()
            raise ValueError(
                f"record id={record!r}: vector {name!r} has {other} dimensions; this "
                f"dataset's {name!r} vectors have {expected}. Nothing was stored"
            )
    if not dims and (old_rows is None or old_rows.column("vectors").null_count == len(old_rows)):
        return dims, set()
    if old_rows is None:
        return dims, set(dims)
    is_new = pc.greater_equal(delta.column("_seq"), manifest.records)
    new_names = set(vector_columns.dims_of(delta.filter(is_new).column("vectors")))
    replacing = delta.filter(pc.invert(is_new)).column("vectors")
    return dims, new_names | vector_columns.changed_names(replacing, old_rows.column("vectors"))


def _last_per_id(batch: pa.Table) -> pa.Table:
    """Within one call the last record with an id wins; it takes the first one's place."""
    ids = batch.column("id").to_numpy(zero_copy_only=False)
    codes, uniques = pd.factorize(ids)
    if len(uniques) == len(ids):
        return batch
    last = pd.Series(np.arange(len(ids))).groupby(codes, sort=True).last().to_numpy()
    return batch.take(pa.array(last))


def _with_bookkeeping(batch: pa.Table, seqs: np.ndarray, task: str) -> pa.Table:
    now = pa.scalar(utcnow(), type=pa.timestamp("us", tz="UTC"))
    columns = {
        "_seq": pa.array(seqs, type=pa.int64()),
        "last_updated": pa.repeat(now, len(batch)) if len(batch) else pa.array([], now.type),
    }
    schema = spec(task).schema
    arrays = [columns[f.name] if f.name in columns else batch.column(f.name) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)
