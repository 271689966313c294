"""The kernel side of a dataset page: searching one dataset and changing its records.

No widget code here: the page widget (and tests) call these methods, and
every click ends up in :meth:`DatasetSession.act`, which writes to the
store before returning. Indexing is deferred (``index_now=False``), so a
click is on disk in a few milliseconds and the index catches up right after.

Records are named by position (seq) together with the epoch of the numbering those
positions come from (``seq_epoch``): an action with an old epoch is refused, never
applied to the record that moved into the position. Undo and redo, which the kernel
keeps, follow their records by id across a deletion.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from dataclasses import dataclass

import numpy as np
import orjson
import pyarrow as pa

from ..metrics import all_texts, keyword_counts
from ..record_table import BOOKKEEPING, nested_tuples
from ..search import keyword_queries as kq
from ..search.index_schema import KEYWORD_NAMES
from ..search.query_parser import parse_query
from ..search.search_index import run_search
from ..search.sorting import sorted_page
from ..settings import check_label_schema
from ..store import workspace as ws
from ..store.dataset_store import DatasetView
from ..store.manifest import Manifest
from ..tasks import TEXT2TEXT, TOKEN_CLASSIFICATION
from . import actions
from .filters import combine
from .history import History, Step
from .page_json import page_json
from .seq_epoch import StalePageError, check_epoch, epoch_of

METADATA_FACETS = 12
FACET_VALUES = 30
KEYWORD_SAMPLE = 1_000


@dataclass
class ActionResult:
    changed: int
    skipped: int = 0
    seqs: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    base_version: int | None = None  # the dataset version this write was applied to


class DatasetSession:
    """One dataset seen through a page: queries, pages, facets and annotation actions."""

    def __init__(self, name: str):
        self.name = ws.check_name(name)
        self.store = ws.existing(name)
        self.history = History()
        self.writing = False  # True while this session's own write commits
        self._compiled: dict[tuple, tuple[kq.Query, list[str]]] = {}
        self._metadata_keys: tuple[tuple[str, int] | None, list[str]] = (None, [])
        self._bool_keys: set[str] = set()
        self._labels: tuple[object, list[str]] = (None, [])
        self._facets: tuple[kq.Query, tuple, dict] | None = None

    # -- reading ---------------------------------------------------------------------
    def view(self, index_may_lag: bool = False) -> DatasetView:
        return self.store.view(index_may_lag)

    @property
    def task(self) -> str:
        return self.store.manifest().task

    def epoch(self) -> str:
        """The epoch of the dataset's record positions now (see :mod:`.seq_epoch`)."""
        return epoch_of(self.store.manifest())

    def compile(self, view: DatasetView, query: str, filters: dict) -> tuple[kq.Query, list[str]]:
        """The search with its filters, as a compiled query (cached per version)."""
        # uid: a dataset deleted and logged again restarts its versions
        key = (query, json.dumps(filters, sort_keys=True), view.manifest.uid, view.manifest.version)
        hit = self._compiled.get(key)
        if hit is None:
            parsed = parse_query(query)
            node = combine(parsed.node, filters)
            hit = (view.index.compiler(query).compile(node), parsed.warnings)
            if len(self._compiled) > 32:
                self._compiled.clear()
            self._compiled[key] = hit
        return hit

    def page(
        self,
        view: DatasetView,
        compiled: kq.Query,
        sort,
        page: int,
        page_size: int,
        everything: bool = False,
    ) -> tuple[list[dict], int, np.ndarray]:
        """The records of one page (JSON for the browser), the total, and their seqs."""
        if everything and not sort:
            total = view.live.size
            start = min(page * page_size, total)
            seqs = np.arange(start, min(start + page_size, total), dtype=np.int64)
        else:
            seqs, total = sorted_page(view, compiled, sort, page * page_size, page_size)
        return page_json(view.live.rows(seqs), view.task, seqs), total, seqs

    def matching_seqs(self, view: DatasetView, compiled: kq.Query) -> np.ndarray:
        seqs, _ = run_search(view.searcher, compiled, None, count=False)
        return seqs

    def seqs_for_ids(self, view: DatasetView, ids) -> np.ndarray:
        """Stored positions of these record ids (in the order given); unknown ids raise."""
        if isinstance(ids, str | int) or not hasattr(ids, "__iter__"):
            ids = [ids]
        ids = list(ids)
        seqs = positions(view, [str(i) for i in ids])
        missing = [i for i, seq in zip(ids, seqs, strict=True) if seq < 0]
        if missing:
            raise ValueError(f"dataset {self.name!r} has no records with ids {missing[:5]!r}")
        return seqs

    def facets(self, view: DatasetView, compiled: kq.Query) -> dict:
        """Counts per label, agent, status and metadata value among the matches.

        Kept until the search or the index changes: turning pages costs nothing.
        """
        version = (view.manifest.version, view.index.state and view.index.state["version"])
        cached = self._facets
        if cached is not None and cached[0] is compiled and cached[1] == version:
            return cached[2]
        out = self._count_facets(view, compiled)
        self._facets = (compiled, version, out)  # holding ``compiled`` keeps the identity valid
        return out

    def _count_facets(self, view: DatasetView, compiled: kq.Query) -> dict:
        out: dict = {name: [] for name in KEYWORD_NAMES}
        for token, count in view.searcher.terms_with_prefix("kw", "", filter_query=compiled):
            name, _, value = token.partition(":")
            if name in out:
                out[name].append([value, count])
        for values in out.values():
            values.sort(key=lambda pair: (-pair[1], pair[0]))
        keys = self.metadata_keys(view)
        out["metadata"] = {}
        if keys:
            request = {
                f"m{i}": {"terms": {"field": f"metadata.{k}", "size": FACET_VALUES}}
                for i, k in enumerate(keys)
            }
            result = view.searcher.aggregate(compiled, request)
            for i, key in enumerate(keys):
                buckets = result.get(f"m{i}", {}).get("buckets", [])
                as_bool = key in self._bool_keys
                out["metadata"][key] = [
                    [bool(b["key"]) if as_bool else _facet_value(b["key"]), b["doc_count"]]
                    for b in buckets
                ]
        return out

    def metadata_keys(self, view: DatasetView) -> list[str]:
        """Metadata keys with plain values, most frequent first (from a sample of records).

        Annotation actions never change metadata: recomputed when the record count changes.
        """
        records, keys = self._metadata_keys
        if records == (view.manifest.uid, view.manifest.records):
            return keys
        column = view.live.column("metadata")
        sample = (
            column.slice(0, 1000).to_pylist() + column.slice(max(0, len(column) - 1000)).to_pylist()
        )
        counts: Counter[str] = Counter()
        kinds: dict[str, set[type]] = {}
        for text in sample:
            if text:
                for key, value in orjson.loads(text).items():
                    kinds.setdefault(key, set()).add(type(value))
                    if isinstance(value, str | int | float | bool) or (
                        isinstance(value, list)
                        and all(isinstance(v, str | int | float) for v in value)
                    ):
                        counts[key] += 1
        keys = [k for k, _ in counts.most_common(METADATA_FACETS)]
        self._bool_keys = {k for k in keys if kinds.get(k) == {bool}}
        self._metadata_keys = (view.manifest.uid, view.manifest.records), keys
        return keys

    def labels(self, view: DatasetView) -> list[str]:
        """The labels a person can pick: the schema, or every label seen plus added ones."""
        schema = (view.manifest.settings or {}).get("label_schema")
        if schema:
            return list(schema)
        version, labels = self._labels
        key = (view.manifest.uid, view.manifest.version, tuple(view.manifest.labels))
        if version != key:
            seen: set[str] = set(view.manifest.labels)
            for token, _ in view.searcher.terms_with_prefix("kw", "predicted_as:"):
                seen.add(token.partition(":")[2])
            for token, _ in view.searcher.terms_with_prefix("kw", "annotated_as:"):
                seen.add(token.partition(":")[2])
            labels = sorted(seen)
            self._labels = (key, labels)
        return labels

    @staticmethod
    def progress(view: DatasetView) -> dict:
        counts = view.manifest.status_counts
        total = view.manifest.records
        validated, discarded = counts.get("Validated", 0), counts.get("Discarded", 0)
        return {
            "total": total,
            "validated": validated,
            "discarded": discarded,
            "edited": counts.get("Edited", 0),
            "default": counts.get("Default", 0),
            "percent": round(100 * (validated + discarded) / total, 1) if total else 0.0,
        }

    def keywords(self, view: DatasetView, compiled: kq.Query, limit: int = 20) -> list:
        """Most frequent words of the first matches (like Rubrix's Keywords panel): the words
        ``rb.metrics.commons.keywords`` counts, over the first ``KEYWORD_SAMPLE`` matches."""
        seqs, _ = run_search(view.searcher, compiled, KEYWORD_SAMPLE, count=False)
        if not len(seqs):
            return []
        texts = all_texts(view.live.rows(seqs), view.task).drop_null()
        return [[word, count] for word, count in keyword_counts(texts, limit).items()]

    def full_text(self, seq, key, *, epoch: str) -> str:
        """The whole text of one input (``key``) of the record at ``seq`` (pages send cut
        texts); ``epoch``: that of the page showing ``seq``."""
        manifest, live = self.store.records()
        check_epoch(epoch, manifest, self.name)
        if not isinstance(seq, int) or not 0 <= seq < live.size:
            raise ValueError(f"no record at position {seq!r}")
        row = live.rows([seq]).to_pylist()[0]
        key = "text" if key is None else key
        inputs = orjson.loads(row["inputs"]) if row.get("inputs") else {"text": row.get("text")}
        if key not in inputs or inputs[key] is None:
            raise ValueError(
                f"record at position {seq} has no input {key!r}; it has {list(inputs)}"
            )
        value = inputs[key]
        return "\n".join(value) if isinstance(value, list) else str(value)

    def mentions(self, view: DatasetView, compiled: kq.Query, top: int = 8) -> dict:
        """NER: the most frequent annotated and predicted mentions per entity label, among
        the first matches (like keywords, from a sample)."""
        if view.task != TOKEN_CLASSIFICATION:
            return {}
        seqs, _ = run_search(view.searcher, compiled, KEYWORD_SAMPLE, count=False)
        if not len(seqs):
            return {"annotated": {}, "predicted": {}}
        rows = view.live.rows(seqs)
        texts = rows.column("text").to_pylist()
        out = {}
        for kind, column in (("annotated", "annotation"), ("predicted", "prediction")):
            spans = nested_tuples(rows.column(column), ("label", "start", "end"))
            counts: dict[str, Counter[str]] = {}
            for text, record_spans in zip(texts, spans, strict=True):
                for label, start, end in record_spans or ():
                    counts.setdefault(label, Counter())[text[start:end]] += 1
            out[kind] = {
                label: [[m, n] for m, n in c.most_common(top)]
                for label, c in sorted(counts.items())
            }
        return out

    # -- writing ---------------------------------------------------------------------
    def act(
        self, kind: str, seqs, annotation=None, annotator: str | None = None, *, epoch: str
    ) -> ActionResult:
        """Annotate, validate or discard the records at ``seqs`` (positions of ``epoch``,
        see :mod:`.seq_epoch`); on disk when this returns."""
        annotator = annotator or ws.annotator()
        manifest, live = self.store.records()
        check_epoch(epoch, manifest, self.name)
        seqs = np.unique(np.asarray(seqs, dtype=np.int64))  # a record named twice is one record
        if not len(seqs):
            return ActionResult(0)
        if seqs[0] < 0 or seqs[-1] >= live.size:
            bad = seqs[(seqs < 0) | (seqs >= live.size)]
            raise ValueError(
                f"no records at positions {bad[:5].tolist()}; dataset {self.name!r} has "
                f"{live.size} records (positions 0 to {live.size - 1})"
            )
        before = live.rows(seqs)
        task = self.task
        if kind in ("annotate", "edit"):
            if annotation is None:
                raise ValueError(
                    "annotate needs an annotation (a label, a list of labels, or for Text2Text "
                    "the corrected text)"
                )
            if kind == "edit" and task != TEXT2TEXT:
                raise ValueError(f"edit (a draft text) works on Text2Text records, not {task}")
            status = "Edited" if kind == "edit" else None
            after, skipped = actions.annotate(before, task, annotation, annotator, status)
        elif kind == "validate":
            after, skipped = actions.validate(before, task, annotator)
        elif kind == "discard":
            after, skipped = actions.discard(before, task, annotator)
        else:
            raise ValueError(
                f"unknown action {kind!r}; actions are annotate, edit, validate, discard"
            )
        after, kept = actions.keep_rows(after, seqs, skipped)
        before, _ = actions.keep_rows(before, seqs, skipped)
        base = None
        if len(kept):
            base = self._write(after, kept, epoch)
            self.history.push(Step(kind, kept, before, after, epoch))
        return ActionResult(len(kept), len(skipped), kept, base)

    def edit_span(
        self, op: str, seq, label, start, end, annotator: str | None = None, *, epoch: str
    ) -> ActionResult:
        """Add (``op="add"``, snapped to tokens) or remove one span of the record at ``seq``
        (a position of ``epoch``)."""
        manifest, live = self.store.records()
        check_epoch(epoch, manifest, self.name)
        if manifest.task != TOKEN_CLASSIFICATION:
            raise ValueError(
                f"spans are edited on TokenClassification records, not {manifest.task}"
            )
        annotator = annotator or ws.annotator()
        if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq < live.size:
            raise ValueError(f"no record at position {seq!r}; the dataset has {live.size}")
        seqs = np.array([seq], dtype=np.int64)
        before = live.rows(seqs)
        overlap = bool((manifest.settings or {}).get("allow_overlapping"))
        after, _ = actions.edit_span(before, op, label, start, end, annotator, overlap)
        base = self._write(after, seqs, epoch)
        self.history.push(Step(f"{op}_span", seqs, before, after, epoch))
        return ActionResult(1, 0, seqs, base)

    def undo(self) -> ActionResult:
        step = self.history.undo()
        if step is None:
            return ActionResult(0)
        gone = self._follow(step)
        base = self._write(step.before, step.seqs, step.epoch)
        return ActionResult(len(step.seqs), gone, step.seqs, base)

    def redo(self) -> ActionResult:
        step = self.history.redo()
        if step is None:
            return ActionResult(0)
        gone = self._follow(step)
        base = self._write(step.after, step.seqs, step.epoch)
        return ActionResult(len(step.seqs), gone, step.seqs, base)

    def _follow(self, step: Step) -> int:
        """Bring a history step's positions to the current epoch: its records are found by
        id (records deleted since are dropped from it). Returns how many were dropped;
        raises (and forgets the step) when none of its records is left."""
        if step.epoch == epoch_of(self.store.manifest()):
            return 0
        view = self.view()  # the uid, the positions and their epoch from one view
        now = epoch_of(view.manifest)
        if step.epoch.partition(":")[0] != view.manifest.uid:
            self.history.clear()
            raise StalePageError(
                f"dataset {self.name!r} was deleted and created again since this change: "
                "nothing was changed, and there is nothing left to undo or redo (the history "
                "is cleared)"
            )
        found = positions(view, step.before.column("id").to_pylist())
        keep = found >= 0
        if not keep.any():
            self.history.forget(step)
            raise ValueError(
                f"the {len(found)} record(s) this change touched were deleted from dataset "
                f"{self.name!r} since: nothing to undo or redo"
            )
        mask = pa.array(keep)
        step.seqs, step.epoch = found[keep], now
        step.before, step.after = step.before.filter(mask), step.after.filter(mask)
        return int((~keep).sum())

    def _write(self, rows: pa.Table, seqs: np.ndarray, epoch: str) -> int:
        """Write rows back at their seqs (positions of ``epoch``, checked again under the
        write lock); returns the dataset version they were applied to."""
        batch = rows.drop_columns(list(BOOKKEEPING))
        name = self.name
        base: list[int] = []

        def check(manifest: Manifest) -> None:
            check_epoch(epoch, manifest, name)
            check_label_schema(batch, manifest.task, manifest.settings, name)
            base.append(manifest.version)

        self.writing = True  # the page ignores the change notice of its own write
        try:
            self.store.write(batch, check=check, index_now=False, seqs=seqs)
        finally:
            self.writing = False
        return base[-1]

    def add_label(self, label: str) -> list[str]:
        """Add a label to the dataset's list (not allowed past a label schema)."""
        label = label.strip() if isinstance(label, str) else label
        if not isinstance(label, str) or not label:
            raise ValueError(f"label {label!r} must be a non-empty str")
        manifest = self.store.manifest()
        schema = (manifest.settings or {}).get("label_schema")
        if schema and label not in schema:
            raise ValueError(
                f"label {label!r} is not in the label schema of dataset {self.name!r}: {schema}; "
                "change the schema with rb.configure_dataset"
            )
        if label not in manifest.labels and not schema:

            def change(m: Manifest) -> Manifest:
                m.labels = [*m.labels, label] if label not in m.labels else m.labels
                return m

            self.store.update_info(change)
        self._labels = (None, [])
        return self.labels(self.view())


def positions(view: DatasetView, ids: list[str]) -> np.ndarray:
    """The stored position of each record id (str) in ``view``, -1 for unknown ids."""
    if not ids:
        return np.zeros(0, dtype=np.int64)
    query = kq.ids_query(view.schema, ids)
    found, _ = run_search(view.searcher, query, len(ids), count=False)
    stored = view.live.rows(found).column("id").to_pylist() if len(found) else []
    where = dict(zip(stored, found.tolist(), strict=True))
    return np.array([where.get(i, -1) for i in ids], dtype=np.int64)


def _facet_value(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
