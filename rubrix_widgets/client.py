"""The Rubrix client API, served from a local workspace instead of a server.

>>> import rubrix_widgets as rb
>>> rb.log(records, name="news")
>>> df = rb.load("news", query="predicted:ko AND score:{0.9 TO *}")
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import tantivy

from . import rules
from .ingest import table_from_frame, table_from_records
from .record_table import RecordsFrame, frame_from_table
from .search.query_parser import parse_query
from .search.search_index import run_search
from .settings import SETTINGS_CLASSES, _LabelSchemaSettings, check_label_schema
from .store import workspace as ws
from .store.dataset_store import DatasetStore
from .store.manifest import Manifest, Snapshot
from .tasks import TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION, spec, task_of_record
from .timing import timed

if TYPE_CHECKING:
    from .records import BulkResponse

PROGRESS_MIN_RECORDS = 5_000


def init(
    api_url: str | None = None,
    api_key: str | None = None,
    workspace: str | None = None,
    annotator: str | None = None,
    timeout: int | None = None,
) -> None:
    """Choose the workspace folder and the annotator name for this process.

    ``api_url``/``api_key`` are accepted so Rubrix code runs unchanged; there
    is no server to connect to.
    """
    if api_url is not None or api_key is not None:
        warnings.warn(
            "rubrix_widgets needs no server: api_url and api_key are ignored and datasets "
            f"are kept in the local workspace ({ws.root() if workspace is None else workspace})",
            UserWarning,
            stacklevel=2,
        )
    if workspace is not None:
        ws.set_workspace(workspace)
    if annotator is not None:
        ws.set_annotator(annotator)


def get_workspace() -> str:
    """The workspace folder datasets are read from and written to."""
    return str(ws.root())


# -- log -------------------------------------------------------------------------------
def _as_batch(records: Any, task: str | None, existing_task: str | None) -> tuple[str, pa.Table]:
    from .dataset_classes import DatasetBase

    if isinstance(records, DatasetBase):
        return records.task, table_from_records(list(records), records.task)
    if isinstance(records, pd.DataFrame):
        task = task or records.attrs.get("task") or existing_task
        if task is None:
            task = TOKEN_CLASSIFICATION if "tokens" in records.columns else TEXT_CLASSIFICATION
        spec(task)
        if len(records) == 0:
            raise ValueError("the DataFrame has no rows; there is nothing to log")
        return task, table_from_frame(records, task)
    if hasattr(records, "task") and type(records).__name__.endswith("Record"):
        records = [records]
    if isinstance(records, str | bytes | dict) or not isinstance(records, Iterable):
        raise ValueError(
            f"cannot log a {type(records).__name__}; log a record, a list of records, a "
            "DatasetFor*, or a pandas DataFrame"
        )
    records = list(records)
    if not records:
        raise ValueError("the record list is empty; there is nothing to log")
    tasks = {task_of_record(r) for r in records}
    if len(tasks) > 1:
        raise ValueError(
            f"the records mix tasks ({', '.join(sorted(tasks))}); log each task to its own dataset"
        )
    (found,) = tasks
    if task is not None and task != found:
        raise ValueError(f"task={task!r} was given but the records are {found} records")
    return found, table_from_records(records, found)


def log(
    records: Any,
    name: str,
    tags: dict[str, str] | None = None,
    metadata: dict[str, Any] | None = None,
    chunk_size: int = 500,
    verbose: bool = True,
    task: str | None = None,
) -> BulkResponse:
    """Store records in dataset ``name`` (created if needed); same id = update.

    Parameters
    ----------
    records : record, iterable of records, DatasetFor*, or pandas.DataFrame
        A DataFrame is the fast path: one ``rb.load`` returned logs back
        unchanged, and a plain one with a ``text`` column works too.
    name : str
        Dataset name, matching ``^(?!-|_)[a-z0-9-_]+$``.
    tags, metadata : dict, optional
        Dataset-level; merged into what the dataset already has.
    chunk_size : int
        Kept for Rubrix compatibility; a call is written at once, atomically.
    task : str, optional
        For a DataFrame that could be either task.

    Returns
    -------
    BulkResponse
    """
    ws.check_name(name)
    if tags is not None and not isinstance(tags, dict):
        raise ValueError(f"tags must be a dict of str -> str, not {type(tags).__name__}")
    if metadata is not None and not isinstance(metadata, dict):
        raise ValueError(f"metadata must be a dict, not {type(metadata).__name__}")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size < 1):
        raise ValueError(f"chunk_size must be a positive int, not {chunk_size!r}")
    dataset = ws.store(name)
    existing_task = dataset.manifest().task if dataset.exists() else None
    with timed("log: check and convert records"):
        found, batch = _as_batch(records, task, existing_task)
    if existing_task is not None and existing_task != found:
        raise ValueError(
            f"dataset {name!r} holds {existing_task} records; cannot log {found} records into it"
        )

    def check(manifest: Manifest) -> None:
        if manifest.task != found:
            raise ValueError(
                f"dataset {name!r} holds {manifest.task} records; "
                f"cannot log {found} records into it"
            )
        check_label_schema(batch, found, manifest.settings, name)

    def info(manifest: Manifest) -> Manifest:
        if tags:
            manifest.tags = {**manifest.tags, **{str(k): str(v) for k, v in tags.items()}}
        if metadata:
            manifest.metadata = {**manifest.metadata, **rules.check_metadata(metadata)}
        return manifest

    if not dataset.exists():
        dataset.create(name, found)
    with _progress(len(batch), verbose and len(batch) >= PROGRESS_MIN_RECORDS, name) as progress:
        processed = dataset.write(batch, check=check, info=info, progress=progress)
    ws.notify(name)
    from .records import BulkResponse

    return BulkResponse(dataset=name, processed=processed, failed=0)


class _progress:
    def __init__(self, total: int, enabled: bool, name: str):
        self.bar = None
        if enabled:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, desc=f"Logging to {name}", unit="records", leave=False)

    def __enter__(self):
        return self.bar.update if self.bar is not None else None

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()


# -- load ------------------------------------------------------------------------------
def load(
    name: str,
    query: str | None = None,
    ids: list[int | str] | None = None,
    limit: int | None = None,
    snapshot: int | str | None = None,
) -> RecordsFrame:
    """Records of dataset ``name`` as a DataFrame, in first-logged order.

    Parameters
    ----------
    query : str, optional
        Rubrix / Elasticsearch query string, e.g. ``"status:Validated AND score:>0.9"``.
    ids : list, optional
        Only these record ids.
    limit : int, optional
        At most this many records (the first ones in logged order).
    snapshot : int, optional
        Load a snapshot made with :func:`create_snapshot` instead of the live records.
    """
    task, table = matching_table(name, query, ids, limit, snapshot)
    return frame_from_table(table, task, name)


def matching_table(
    name: str,
    query: str | None = None,
    ids: list[int | str] | None = None,
    limit: int | None = None,
    snapshot: int | str | None = None,
) -> tuple[str, pa.Table]:
    """The task and the stored Arrow rows :func:`load` would return, before pandas:
    what metrics, rules and exports compute on."""
    if limit is not None and (not isinstance(limit, int | np.integer) or limit < 0):
        raise ValueError(f"limit must be a non-negative int, not {limit!r}")
    dataset = ws.existing(name)
    if snapshot is not None:
        _, table = dataset.snapshot_table(snapshot)
        task = dataset.manifest().task
        return task, _filter_table(table, task, query, ids, limit)
    view = dataset.view()
    if query is None and ids is None:
        table = view.table()
        return view.task, table if limit is None else table.slice(0, limit)
    compiled, messages = view.index.compile(query)
    for message in messages:
        warnings.warn(message, UserWarning, stacklevel=3)
    if ids is not None:
        compiled = tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Must, compiled),
                (tantivy.Occur.Must, _ids_query(ids, view.index.index.schema)),
            ]
        )
    seqs, _ = run_search(view.searcher, compiled, limit, count=False, query_text=query or "")
    return view.task, view.live.rows(seqs)


def matching_count(name: str, query: str | None = None) -> int:
    """How many records of ``name`` match ``query`` (a count, no rows read)."""
    view = ws.existing(name).view()
    if query is None:
        return view.manifest.records
    compiled, _ = view.index.compile(query)
    return run_search(view.searcher, compiled, 0, count=True, query_text=query)[1]


def _ids_query(ids: Any, schema) -> tantivy.Query:
    if isinstance(ids, str | int) or not isinstance(ids, Iterable):
        raise ValueError(f"ids must be a list of ids, not {type(ids).__name__}")
    keys = [str(rules.check_id(i)) for i in ids if i is not None]
    return tantivy.Query.term_set_query(schema, "id", keys)


def _filter_table(table: pa.Table, task: str, query, ids, limit) -> pa.Table:
    """Query a snapshot: index it in memory with the same schema and compiler."""
    if query is None and ids is None:
        return table if limit is None else table.slice(0, limit)
    from .search.index_documents import documents, input_keys_of
    from .search.index_schema import MIN_SLOTS, build_schema, register_tokenizers
    from .search.query_compiler import QueryCompiler

    keys = input_keys_of(table, task)
    slot_of = {k: i for i, k in enumerate(keys)}
    index = tantivy.Index(build_schema(task, max(MIN_SLOTS, len(keys))))
    register_tokenizers(index)
    with index.writer(num_threads=1) as writer:
        for doc in documents(table, task, slot_of):
            writer.add_document(doc)
        writer.commit()
    index.reload()
    compiled = QueryCompiler(index, task, slot_of, query or "").compile(parse_query(query).node)
    if ids is not None:
        compiled = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, compiled), (tantivy.Occur.Must, _ids_query(ids, index.schema))]
        )
    seqs, _ = run_search(index.searcher(), compiled, limit, count=False, query_text=query or "")
    order = np.argsort(table.column("_seq").to_numpy())
    positions = order[np.searchsorted(table.column("_seq").to_numpy(), seqs, sorter=order)]
    return table.take(pa.array(positions))


# -- datasets ---------------------------------------------------------------------------
def delete(name: str) -> None:
    """Delete dataset ``name`` and everything in it (snapshots included)."""
    ws.delete(name)
    ws.notify(name)


def copy(dataset: str, name_of_copy: str) -> None:
    """Copy a dataset (records, settings, tags, snapshots) under a new name."""
    ws.check_name(name_of_copy)
    ws.copy(dataset, name_of_copy)
    ws.notify(name_of_copy)


def datasets() -> pd.DataFrame:
    """All datasets of the workspace: name, task, tags, metadata, counts and dates."""
    rows = [
        {
            "name": m.name,
            "task": m.task,
            "tags": m.tags,
            "metadata": m.metadata,
            "records": m.records,
            "annotated": m.annotated,
            "created_at": pd.Timestamp(m.created_at),
            "updated_at": pd.Timestamp(m.updated_at),
        }
        for m in ws.list_datasets()
    ]
    columns = [
        "name",
        "task",
        "tags",
        "metadata",
        "records",
        "annotated",
        "created_at",
        "updated_at",
    ]
    return pd.DataFrame(rows, columns=columns)


def create_snapshot(name: str) -> int:
    """Freeze the current records of ``name``; returns the snapshot id for ``rb.load``."""
    return ws.existing(name).create_snapshot().id


def snapshots(name: str) -> list[Snapshot]:
    """The snapshots of ``name`` (``.id``, ``.created_at``, ``.records``), oldest first."""
    return list(ws.existing(name).manifest().snapshots)


def configure_dataset(name: str, settings: _LabelSchemaSettings) -> None:
    """Set a dataset's label schema, creating the (empty) dataset if needed."""
    task = getattr(settings, "task", None)
    if task not in SETTINGS_CLASSES:
        raise ValueError(
            "settings must be rb.TextClassificationSettings or rb.TokenClassificationSettings, "
            f"not {type(settings).__name__}"
        )
    dataset = ws.store(name)
    if not dataset.exists():
        dataset.create(name, task, settings.to_dict())
        ws.notify(name)
        return
    current = dataset.manifest().task
    if current != task:
        raise ValueError(
            f"dataset {name!r} holds {current} records; {type(settings).__name__} "
            f"is for {task} datasets (task type mismatch)"
        )
    _check_schema_covers(dataset, settings)
    dataset.update_info(lambda m: _with_settings(m, settings.to_dict()))
    ws.notify(name)


def _with_settings(manifest: Manifest, settings: dict) -> Manifest:
    manifest.settings = settings
    return manifest


def _check_schema_covers(dataset: DatasetStore, settings: _LabelSchemaSettings) -> None:
    if not settings.label_schema:  # no schema: any label goes
        return
    table = dataset.view().table()
    annotation = table.column("annotation")
    labels = pc.list_flatten(annotation)
    if settings.task == TOKEN_CLASSIFICATION:
        labels = pc.struct_field(labels, "label")
    used = set(pc.unique(labels).to_pylist()) - {None}
    missing = sorted(used - set(settings.label_schema))
    if missing:
        raise ValueError(
            f"dataset {dataset.folder.name!r} already has annotations with labels {missing} "
            f"that the label schema {settings.label_schema} leaves out; add them to the schema"
        )


def load_dataset_settings(name: str) -> _LabelSchemaSettings | None:
    """The settings of ``name``, or None if it has none."""
    manifest = ws.existing(name).manifest()
    if not manifest.settings:
        return None
    return SETTINGS_CLASSES[manifest.task].from_dict(manifest.settings)
