"""The tantivy index of one dataset: derived from its records, rebuilt when in doubt.

``index/rb_state.json`` records which dataset version the index reflects;
it is written after tantivy commits. When it is missing, unreadable or
behind the manifest (a writer died between the two), the store rebuilds
the index from the records, never the other way round.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import tantivy

from .._fs import atomic_write_text
from ..errors import QuerySyntaxError, RubrixWidgetsError
from ..timing import timed
from .index_documents import documents
from .index_schema import INDEX_FORMAT, MIN_SLOTS, build_schema, register_tokenizers
from .query_compiler import QueryCompiler
from .query_parser import parse_query

STATE_FILE = "rb_state.json"
INDEX_DIR = "index"
_FATAL = (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError)
WRITER_HEAP = 64_000_000
WRITER_HEAP_LARGE = 256_000_000
WRITER_HEAP_SMALL = 15_000_000  # tantivy's minimum; a widget click indexes a handful of records
COMPILED_CACHE_SIZE = 64


def engine_failure(exc: BaseException, what: str) -> RubrixWidgetsError:
    """tantivy panics are BaseExceptions; turn them into an error users can catch."""
    return RubrixWidgetsError(f"the search engine failed while {what}: {exc}")


class SearchIndex:
    def __init__(self, dataset_folder: Path, task: str):
        self.path = dataset_folder / INDEX_DIR
        self.task = task
        self.index: tantivy.Index | None = None
        self.state: dict[str, Any] | None = None
        self._compiled: dict[tuple[str, int | None], tuple[tantivy.Query, list[str]]] = {}

    def opened(self) -> tantivy.Index:
        """The open index; callers open it first (``indexed_version`` or a build)."""
        if self.index is None:
            raise RuntimeError(f"the search index at {self.path} is not open")
        return self.index

    # -- state ---------------------------------------------------------------------
    def read_state(self) -> dict[str, Any] | None:
        try:
            return json.loads((self.path / STATE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def indexed_version(self, slot_of: dict[str, int]) -> int | None:
        """Open (or re-open) the index; the dataset version it reflects.

        None when it is missing, damaged, of another task, or has no slot
        for one of these input keys: then only a rebuild helps.
        """
        state = self.read_state()
        if state is None or state.get("task") != self.task or state.get("format") != INDEX_FORMAT:
            return None
        if any(key not in state.get("slot_of", {}) for key in slot_of):
            return None
        if self.index is None or self.state != state:
            try:
                index = tantivy.Index.open(str(self.path))
                register_tokenizers(index)
                index.reload()
                index.searcher()
            except BaseException as exc:  # a damaged index panics
                if isinstance(exc, _FATAL):
                    raise
                return None
            self.index, self.state = index, state
        return int(state["version"])

    def is_current(self, version: int, slot_of: dict[str, int]) -> bool:
        return self.indexed_version(slot_of) == version

    @property
    def slot_of(self) -> dict[str, int]:
        return dict(self.state["slot_of"]) if self.state else {}

    # -- writing -------------------------------------------------------------------
    def rebuild(self, table: pa.Table, version: int, input_keys: list[str], progress=None) -> None:
        """Index ``table`` (all live records) from scratch in a new folder, then swap it in."""
        slot_of = {key: k for k, key in enumerate(input_keys)}
        slots = max(MIN_SLOTS, len(slot_of))
        fresh = self.path.with_name(f".{INDEX_DIR}-{uuid.uuid4().hex[:8]}")
        fresh.mkdir()
        try:
            index = tantivy.Index(build_schema(self.task, slots), path=str(fresh))
            register_tokenizers(index)
            self._add(index, table, [], slot_of, progress)
            del index
            state = {
                "version": version,
                "task": self.task,
                "slots": slots,
                "slot_of": slot_of,
                "format": INDEX_FORMAT,
            }
            atomic_write_text(fresh / STATE_FILE, json.dumps(state))
            trash = self.path.with_name(f".{INDEX_DIR}-old-{uuid.uuid4().hex[:8]}")
            if self.path.exists():
                self.path.rename(trash)
            fresh.rename(self.path)
            shutil.rmtree(trash, ignore_errors=True)
        except BaseException:
            shutil.rmtree(fresh, ignore_errors=True)
            raise
        self.index = None
        with timed("index: open after rebuild"):
            current = self.is_current(version, slot_of)
        if not current:
            raise RubrixWidgetsError(f"the rebuilt search index at {self.path} cannot be opened")

    def apply(self, delta: pa.Table, replaced: np.ndarray, version: int, progress=None) -> None:
        """Replace the documents of ``replaced`` seqs and add ``delta``'s records."""
        self.catch_up([delta], [replaced], version, progress)

    def catch_up(
        self, tables: list[pa.Table], replaced: list[np.ndarray], version: int, progress=None
    ) -> None:
        """Index record files written since the index's version, in one commit.

        Re-indexing a record that is already indexed is harmless (its old
        document is deleted first), so any suffix of parts that covers the
        missing versions brings the index to ``version``.
        """
        assert self.index is not None and self.state is not None
        delta = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
        gone = np.concatenate(replaced) if replaced else np.zeros(0, dtype=np.int64)
        self._add(self.index, delta, gone, self.slot_of, progress)
        state = {**self.state, "version": version}
        atomic_write_text(self.path / STATE_FILE, json.dumps(state))
        self.state = state

    def _add(self, index, table, replaced, slot_of, progress) -> None:
        # Big batches get a bigger writer heap: fewer segments, so no merge to wait for.
        big = len(table) > 100_000
        threads = 2 if len(table) > 20_000 else 1
        heap = (
            WRITER_HEAP_LARGE if big else WRITER_HEAP if len(table) > 1_000 else WRITER_HEAP_SMALL
        )
        try:
            with index.writer(heap_size=heap, num_threads=threads) as writer:
                # A process killed inside a commit leaves files no meta.json names;
                # the same operations replayed would collide with them.
                writer.garbage_collect_files()
                for seq in replaced:
                    writer.delete_documents_by_term("_seq", int(seq))
                step = 0
                for k, doc in enumerate(documents(table, self.task, slot_of), 1):
                    writer.add_document(doc)
                    if progress is not None and k - step >= 10_000:
                        progress(k - step)
                        step = k
                if progress is not None:
                    progress(len(table) - step)
                with timed("index: commit"):
                    writer.commit()
                merging = timed("index: wait for merges")
                merging.__enter__()
            merging.__exit__(None, None, None)
            index.reload()
        except BaseException as exc:
            if isinstance(exc, (*_FATAL, RubrixWidgetsError, OSError)):
                raise
            raise engine_failure(exc, "indexing records") from exc

    # -- reading -------------------------------------------------------------------
    def compiler(self, query_text: str = "") -> QueryCompiler:
        assert self.index is not None
        return QueryCompiler(self.index, self.task, self.slot_of, query_text)

    def compile(self, query_text: str | None) -> tuple[tantivy.Query, list[str]]:
        """The tantivy query for ``query_text`` and the parser's warnings.

        Cached per index version: paging through a search, or a widget
        re-running it, skips parsing and translation (a tenth of a millisecond,
        and more for wildcards, whose automaton tantivy builds here).
        """
        key = (query_text or "", self.state["version"] if self.state else None)
        hit = self._compiled.get(key)
        if hit is None:
            parsed = parse_query(query_text)
            hit = (self.compiler(query_text or "").compile(parsed.node), parsed.warnings)
            if len(self._compiled) >= COMPILED_CACHE_SIZE:
                self._compiled.pop(next(iter(self._compiled)))
            self._compiled[key] = hit
        return hit


def run_search(
    searcher: tantivy.Searcher,
    query: tantivy.Query,
    limit: int | None,
    offset: int = 0,
    count: bool = True,
    query_text: str = "",
) -> tuple[np.ndarray, int]:
    """Seqs of matching records in first-logged order (``limit`` from ``offset``) and the total.

    ``limit=None`` means all matches. Total is -1 when ``count`` is False.
    """
    wanted = searcher.num_docs - offset if limit is None else limit
    try:
        result = searcher.search(
            query,
            max(1, wanted),
            count=count,
            order_by_field="_seq",
            order=tantivy.Order.Asc,
            offset=offset,
        )
    except ValueError as exc:
        raise QuerySyntaxError(f"could not run this query: {exc}", query_text) from None
    except BaseException as exc:
        if isinstance(exc, _FATAL):
            raise
        raise engine_failure(exc, f"searching {query_text!r}") from exc
    hits = result.hits if wanted > 0 else []
    seqs = np.fromiter((h[0] for h in hits), dtype=np.int64, count=len(hits))
    # tantivy's stub omits SearchResult.count
    return seqs, (int(result.count) if count else -1)  # type: ignore[attr-defined]


def remove_stale_builds(dataset_folder: Path) -> None:
    """Delete index folders left by rebuilds that were interrupted."""
    for path in dataset_folder.glob(f".{INDEX_DIR}-*"):
        with contextlib.suppress(OSError):
            shutil.rmtree(path)
