"""The Rubrix client API, served from a local workspace instead of a server.

>>> import rubrix_widgets as rb
>>> rb.log(records, name="news")
>>> df = rb.load("news", query="predicted:ko AND score:{0.9 TO *}")

Signatures follow Rubrix 0.18 (``rubrix.client.api``): positional arguments in
Rubrix's order, our additions after them.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import validation
from .background_writes import settle_monitors, submit, wait_for_background
from .errors import DatasetRuleError, InputError
from .ingest import table_from_frame, table_from_records
from .record_query import matching_table, similar_table
from .record_table import RecordsFrame, frame_from_table
from .settings import (
    SETTINGS_CLASSES,
    LabelSchemaSettings,
    check_label_schema,
    label_schema_of,
    labels_in,
)
from .store import workspace as ws
from .store.dataset_store import DatasetStore, DatasetView
from .store.manifest import Manifest, Snapshot
from .tasks import TEXT_CLASSIFICATION, TOKEN_CLASSIFICATION, spec, task_of_record
from .timing import timed

if TYPE_CHECKING:
    import concurrent.futures

    from .records import BulkResponse

PROGRESS_MIN_RECORDS = 5_000
_log = logging.getLogger(__name__)


def init(
    api_url: str | None = None,
    api_key: str | None = None,
    workspace: str | os.PathLike | None = None,
    timeout: int = 60,
    extra_headers: dict[str, str] | None = None,
    annotator: str | None = None,
) -> None:
    """Choose the workspace and the annotator name for this process (Rubrix's ``rb.init``).

    Parameters
    ----------
    api_url, api_key, timeout, extra_headers
        Accepted so Rubrix code runs unchanged; there is no server to connect to
        (``api_url``, ``api_key`` and ``extra_headers`` warn that they are ignored).
    workspace : str or path, optional
        A workspace name (``"my-team"``: kept in the home folder, see
        :func:`set_workspace`) or a folder (absolute, or starting with ``.`` or ``~``).
        As in Rubrix, ``rb.init()`` without it goes back to ``$RUBRIX_WORKSPACE``, else the
        default workspace, except when only ``annotator`` is given.
    annotator : str, optional
        The name annotations made in the dataset page are recorded under.

    Examples
    --------
    >>> rb.init(workspace="my-team", annotator="ana")
    >>> rb.get_workspace()
    'my-team'
    >>> rb.init()  # back to $RUBRIX_WORKSPACE, else the default workspace
    >>> rb.get_workspace()
    'rubrix'
    """
    if workspace is not None and workspace != "":
        ws.folder_of(workspace)  # a bad name raises before anything changes
    settle_monitors()
    if annotator is not None:
        ws.set_annotator(annotator)
    ignored = [
        arg
        for arg, value in (
            ("api_url", api_url),
            ("api_key", api_key),
            ("extra_headers", extra_headers),
        )
        if value is not None
    ]
    if ignored:
        warnings.warn(
            f"rubrix_widgets needs no server: {', '.join(ignored)} "
            f"{'is' if len(ignored) == 1 else 'are'} ignored and datasets are kept in the "
            f"local workspace ({ws.folder_of(workspace or None)})",
            UserWarning,
            stacklevel=2,
        )
    # Rubrix's init makes a new client, whose workspace is the one given (or the default);
    # our own ``rb.init(annotator=...)`` leaves the workspace alone.
    if workspace is not None or annotator is None:
        ws.set_workspace(workspace or None)


def set_workspace(workspace: str | os.PathLike) -> None:
    """Use ``workspace`` from now on (Rubrix's ``rb.set_workspace``).

    Parameters
    ----------
    workspace : str or path
        A name matching ``^[a-zA-Z0-9][a-zA-Z0-9_\\-]*$`` (Rubrix's rule): a workspace kept
        in the home folder (``$RUBRIX_WIDGETS_HOME``, else ``~/.rubrix_widgets``), created on
        first use; ``"rubrix"`` is the default workspace, the home folder itself. Or a folder
        path (absolute, or starting with ``.`` or ``~``).

    Open dataset lists refresh.

    Examples
    --------
    >>> rb.set_workspace("my-team")
    >>> rb.log(rb.TextClassificationRecord(text="Great movie!"), "reviews", verbose=False)
    BulkResponse(dataset='reviews', processed=1, failed=0)
    >>> rb.datasets().name.tolist()
    ['reviews']
    >>> rb.set_workspace("rubrix")  # the default workspace has its own datasets
    >>> rb.datasets().name.tolist()
    []
    """
    if workspace is None:
        raise InputError(
            "Must provide a workspace: a workspace name such as 'my-team', or a folder path; "
            "rb.init() goes back to the default workspace"
        )
    settle_monitors()
    ws.set_workspace(workspace)


def get_workspace() -> str:
    """The current workspace: its name, or its folder for a folder workspace.

    Examples
    --------
    >>> rb.get_workspace()
    'rubrix'
    >>> rb.set_workspace("my-team")
    >>> rb.get_workspace()
    'my-team'
    """
    return ws.workspace_name()


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
            raise InputError("the DataFrame has no rows; there is nothing to log")
        return task, table_from_frame(records, task)
    if hasattr(records, "task") and type(records).__name__.endswith("Record"):
        records = [records]
    if isinstance(records, str | bytes | dict) or not isinstance(records, Iterable):
        raise InputError(
            f"cannot log a {type(records).__name__}; log a record, a list of records, a "
            "DatasetFor*, or a pandas DataFrame"
        )
    records = list(records)
    if not records:
        raise InputError("the record list is empty; there is nothing to log")
    try:
        tasks = {task_of_record(r) for r in records}
    except ValueError as exc:
        raise InputError(str(exc)) from None
    if len(tasks) > 1:
        raise InputError(
            f"the records mix tasks ({', '.join(sorted(tasks))}); log each task to its own dataset"
        )
    (found,) = tasks
    if task is not None and task != found:
        raise InputError(f"task={task!r} was given but the records are {found} records")
    return found, table_from_records(records, found)


def _label_kind(multi: bool) -> str:
    return "multi-label" if multi else "single-label"


def _batch_kind(batch: pa.Table) -> bool | None:
    """Whether a text classification batch is multi-label; mixing both is refused, as
    Rubrix's server refused it ("All records must be single/multi labelled")."""
    kinds = pc.unique(batch.column("multi_label")).to_pylist()
    if len(kinds) > 1:
        multi = int(pc.sum(batch.column("multi_label")).as_py())
        raise InputError(
            f"the records mix single-label and multi-label records ({multi} multi-label, "
            f"{len(batch) - multi} single-label); a dataset holds one kind: log them to "
            "separate datasets, or set multi_label the same on all"
        )
    return bool(kinds[0]) if kinds else None


def _stored_kind(dataset: DatasetStore) -> bool | None:
    """Whether the dataset's records are multi-label (None: no records yet). Like Rubrix's
    server, the first stored record says; all of them are of one kind."""
    _, live = dataset.records()
    if not live.size:
        return None
    return bool(live.rows([0]).column("multi_label")[0].as_py())


def log(
    records: Any,
    name: str,
    tags: dict[str, str] | None = None,
    metadata: dict[str, Any] | None = None,
    chunk_size: int = 500,
    verbose: bool = True,
    background: bool = False,
    *,
    task: str | None = None,
) -> BulkResponse | concurrent.futures.Future:
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
    verbose : bool
        Print ``"N records logged to <dataset folder>"`` when done (Rubrix printed the
        dataset's URL), with a progress bar for large calls.
    background : bool
        Return at once with a :class:`concurrent.futures.Future` (as Rubrix did);
        ``.result()`` gives the BulkResponse or raises the error. Background calls are
        written one at a time, in call order; later writes of this process wait for them.
    task : str, optional
        For a DataFrame that could be either task.

    Returns
    -------
    BulkResponse, or a Future of it with ``background=True``.

    Examples
    --------
    >>> record = rb.TextClassificationRecord(text="Great movie!", annotation="pos")
    >>> rb.log(record, "reviews")
    1 records logged to .../reviews
    BulkResponse(dataset='reviews', processed=1, failed=0)
    >>> rb.log([rb.TextClassificationRecord(text="Dull plot")], "reviews", verbose=False)
    BulkResponse(dataset='reviews', processed=1, failed=0)
    >>> len(rb.load("reviews"))
    2
    """
    if background:
        return submit(
            _log_now, records, name, tags, metadata, chunk_size, verbose, task, announce=True
        )
    wait_for_background()
    return _log_now(records, name, tags, metadata, chunk_size, verbose, task)


async def log_async(
    records: Any,
    name: str,
    tags: dict[str, str] | None = None,
    metadata: dict[str, Any] | None = None,
    chunk_size: int = 500,
    verbose: bool = True,
    *,
    task: str | None = None,
) -> BulkResponse:
    """:func:`log` as a coroutine (Rubrix's ``rb.log_async``): ``await rb.log_async(...)``.

    The write runs in the background writer thread, so the event loop is not blocked and
    writes keep their call order.

    Examples
    --------
    >>> import asyncio
    >>> record = rb.TextClassificationRecord(text="Great movie!")
    >>> asyncio.run(rb.log_async(record, "reviews", verbose=False))  # in a notebook: await ...
    BulkResponse(dataset='reviews', processed=1, failed=0)
    """
    import asyncio  # here: importing asyncio costs more than the rest of this module

    future = submit(_log_now, records, name, tags, metadata, chunk_size, verbose, task)
    return await asyncio.wrap_future(future)


def _log_now(records, name, tags, metadata, chunk_size, verbose, task) -> BulkResponse:
    ws.check_name(name)
    if tags is not None and not isinstance(tags, dict):
        raise InputError(f"tags must be a dict of str -> str, not {type(tags).__name__}")
    if metadata is not None and not isinstance(metadata, dict):
        raise InputError(f"metadata must be a dict, not {type(metadata).__name__}")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size < 1):
        raise InputError(f"chunk_size must be a positive int, not {chunk_size!r}")
    dataset = ws.store(name)
    existing_task = dataset.manifest().task if dataset.exists() else None
    with timed("log: check and convert records"):
        found, batch = _as_batch(records, task, existing_task)
    multi = _batch_kind(batch) if found == TEXT_CLASSIFICATION else None

    def check(manifest: Manifest) -> None:
        if manifest.task != found:
            raise DatasetRuleError(
                f"dataset {name!r} holds {manifest.task} records; "
                f"cannot log {found} records into it"
            )
        if multi is not None:
            stored = _stored_kind(dataset)
            if stored is not None and stored != multi:
                raise DatasetRuleError(
                    f"dataset {name!r} holds {_label_kind(stored)} records; cannot log "
                    f"{_label_kind(multi)} records into it (a dataset is single-label or "
                    "multi-label: log them to another dataset)"
                )
        check_label_schema(batch, found, manifest.settings, name)

    def info(manifest: Manifest) -> Manifest:
        if tags:
            manifest.tags = {**manifest.tags, **{str(k): str(v) for k, v in tags.items()}}
        if metadata:
            manifest.metadata = {**manifest.metadata, **validation.check_metadata(metadata)}
        return manifest

    if existing_task is not None:
        check(dataset.manifest())  # before anything is written; again under the lock
    else:
        dataset.create(name, found)
    with _progress(len(batch), verbose and len(batch) >= PROGRESS_MIN_RECORDS, name) as progress:
        processed = dataset.write(batch, check=check, info=info, progress=progress)
    ws.notify(name)
    if verbose:
        print(f"{processed} records logged to {dataset.folder}")
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
    id_from: int | str | None = None,
    as_pandas: bool | None = None,
    *,
    batch_size: int | None = None,
    snapshot: int | str | None = None,
    vector: tuple[str, Any] | None = None,
    most_similar: bool = True,
    include_vectors: bool = True,
) -> RecordsFrame:
    """Records of dataset ``name`` as a DataFrame, in first-logged order.

    Parameters
    ----------
    query : str, optional
        Rubrix / Elasticsearch query string, e.g. ``"status:Validated AND score:>0.9"``.
    ids : list, optional
        Only these record ids.
    limit : int, optional
        At most this many records (the first ones in logged order, or in id order with
        ``id_from``).
    id_from : int or str, optional
        As in Rubrix: only the records whose id comes after this one, in id order (numeric
        when every id is an int, else by the ids' text), to load a big dataset in batches::

            batch = rb.load(name, limit=1000, id_from="")   # "" or 0: from the start
            while len(batch):
                ...
                batch = rb.load(name, limit=1000, id_from=batch.id.iloc[-1])
    as_pandas : bool, optional
        Deprecated in Rubrix 0.18: ``False`` warns, ``True`` raises, as there. The result is
        a DataFrame (subclass) either way; ``.records`` gives the record objects.
    batch_size : int, optional
        Accepted for Argilla 1.x code; records are read in one go.
    snapshot : int, optional
        Load a snapshot made with :func:`create_snapshot` instead of the live records.
    vector : tuple (str, values), optional
        Argilla 1.x's vector search: ``("mini-lm", [0.1, ...])`` gives the records most
        similar (cosine) to these values among those matching ``query`` / ``ids``, most
        similar first, at most ``limit`` (default 50), with a ``similarity`` column last.
    most_similar : bool
        With ``vector``: ``False`` gives the least similar records, least similar first.
    include_vectors : bool
        The ``vectors`` column (dicts name -> float32 array; None for a record without)
        is there when the dataset has vectors; ``False`` leaves it out, as in Argilla.

    Examples
    --------
    >>> rb.log(
    ...     [
    ...         rb.TextClassificationRecord(text="Great movie!", annotation="pos"),
    ...         rb.TextClassificationRecord(text="Dull plot", prediction=[("neg", 0.8)]),
    ...     ],
    ...     "reviews",
    ...     verbose=False,
    ... )
    BulkResponse(dataset='reviews', processed=2, failed=0)
    >>> frame = rb.load("reviews")
    >>> frame[["text", "annotation", "status"]]
               text annotation     status
    0  Great movie!        pos  Validated
    1     Dull plot       None    Default
    >>> rb.load("reviews", query="predicted_as:neg").text.tolist()
    ['Dull plot']
    >>> frame.records[0].annotation
    'pos'
    """
    if as_pandas is False:
        warnings.warn(
            "The argument `as_pandas` is deprecated (Rubrix 0.18) and will be removed: "
            "rb.load returns a DataFrame whose .records are the record objects",
            FutureWarning,
            stacklevel=2,
        )
    elif as_pandas is True:
        raise InputError(
            "The argument `as_pandas` is deprecated (Rubrix 0.18 refuses as_pandas=True): "
            "drop it; rb.load already returns a pandas DataFrame"
        )
    elif as_pandas is not None:
        raise InputError(f"as_pandas must be None (or the deprecated False), not {as_pandas!r}")
    if batch_size is not None and (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, int | np.integer)
        or batch_size < 1
    ):
        raise InputError(f"batch_size must be a positive int, not {batch_size!r}")
    if not isinstance(include_vectors, bool):
        raise InputError(f"include_vectors must be True or False, not {include_vectors!r}")
    settle_monitors()  # predictions a monitor made before this call are part of the dataset
    with_vectors = include_vectors and bool(ws.existing(name).manifest().vectors)
    if vector is not None:
        if snapshot is not None or id_from is not None:
            raise InputError(
                "vector= searches the live records by similarity; it cannot be combined "
                "with snapshot= or id_from= (use query=, ids= and limit=)"
            )
        task, table, sims = similar_table(name, vector, query, ids, limit, most_similar)
        frame = frame_from_table(table, task, name, vectors=with_vectors)
        frame["similarity"] = sims
        return frame
    task, table = matching_table(name, query, ids, limit, snapshot, id_from=id_from)
    return frame_from_table(table, task, name, vectors=with_vectors)


# -- datasets ---------------------------------------------------------------------------
def delete(name: str) -> None:
    """Delete dataset ``name`` and everything in it (snapshots included).

    As in Rubrix, deleting a dataset that does not exist does nothing; a name that no
    dataset can have is still refused.

    Examples
    --------
    >>> rb.log(rb.TextClassificationRecord(text="Great movie!"), "reviews", verbose=False)
    BulkResponse(dataset='reviews', processed=1, failed=0)
    >>> rb.delete("reviews")
    >>> rb.datasets().name.tolist()
    []
    >>> rb.delete("reviews")  # gone already: nothing to do
    """
    wait_for_background()
    if ws.delete(name):
        ws.notify(name)


def delete_records(
    name: str,
    query: str | None = None,
    ids: list[int | str] | None = None,
    discard_only: bool = False,
    discard_when_forbidden: bool = True,
) -> tuple[int, int]:
    """Delete records of dataset ``name``, or mark them Discarded (Rubrix's
    ``rb.delete_records``).

    Parameters
    ----------
    query : str, optional
        The records matching this query (the language of :func:`load`).
    ids : list, optional
        The records with these ids; when given (and not empty), ``query`` is ignored, as
        in Rubrix. With neither, every record matches (the dataset stays, empty).
    discard_only : bool
        Keep the records and set their status to ``Discarded`` (nothing else changes).
    discard_when_forbidden : bool
        Accepted for Rubrix code: there are no users here, so deleting is never forbidden.

    Returns
    -------
    (matched, processed) : tuple of int
        The records that matched, and those deleted (or discarded; a record that was
        already Discarded counts as processed).

    Atomic, like every write: it happens whole or not at all, and open lists, listeners
    and ``rb.datasets()`` counts follow.

    Examples
    --------
    >>> rb.log(
    ...     [
    ...         rb.TextClassificationRecord(text="Great movie!", annotation="pos"),
    ...         rb.TextClassificationRecord(text="Dull plot"),
    ...     ],
    ...     "reviews",
    ...     verbose=False,
    ... )
    BulkResponse(dataset='reviews', processed=2, failed=0)
    >>> rb.delete_records("reviews", query="status:Default")  # (matched, deleted)
    (1, 1)
    >>> rb.load("reviews").text.tolist()
    ['Great movie!']
    >>> rb.delete_records("reviews", query="status:Validated", discard_only=True)
    (1, 1)
    >>> rb.load("reviews").status.tolist()
    ['Discarded']
    """
    wait_for_background()
    dataset = ws.existing(name)
    keys = None
    if ids is not None:
        if isinstance(ids, str | int) or not isinstance(ids, Iterable):
            raise InputError(f"ids must be a list of record ids, not {type(ids).__name__}")
        try:
            keys = [str(validation.check_id(i)) for i in ids if i is not None] or None
        except ValueError as exc:
            raise InputError(f"ids: {exc}") from None
    if keys is None and query is not None and not isinstance(query, str):
        raise InputError(f"query must be a str, not {type(query).__name__}")
    messages: list[str] = []

    def select(view: DatasetView) -> np.ndarray:
        if keys is not None:
            found = pc.is_in(view.live.column("id"), value_set=pa.array(keys, pa.string()))
            return np.flatnonzero(found.to_numpy())
        seqs, _, warned = view.search(query)
        messages.extend(warned)
        return seqs

    matched, processed = dataset.delete_records(select, discard_only=bool(discard_only))
    for message in messages:
        warnings.warn(message, UserWarning, stacklevel=2)
    if matched:
        ws.notify(name)
    return matched, processed


def copy(dataset: str, name_of_copy: str, workspace: str | None = None) -> None:
    """Copy a dataset (records, settings, tags, snapshots) under a new name.

    Parameters
    ----------
    dataset : str
        The dataset to copy, in the current workspace.
    name_of_copy : str
        Its name in the target workspace; an existing dataset there is an
        ``AlreadyExistsApiError`` (``rb.errors.AlreadyExistsError``).
    workspace : str, optional
        The workspace to copy to (a name, or a folder); the current one by default.

    Examples
    --------
    >>> rb.log(rb.TextClassificationRecord(text="Great movie!"), "reviews", verbose=False)
    BulkResponse(dataset='reviews', processed=1, failed=0)
    >>> rb.copy("reviews", name_of_copy="reviews_backup")
    >>> rb.datasets().name.tolist()
    ['reviews', 'reviews_backup']
    >>> rb.load("reviews_backup").text.tolist()
    ['Great movie!']
    """
    wait_for_background()
    ws.check_name(dataset)
    ws.check_name(name_of_copy)
    ws.copy(dataset, name_of_copy, workspace)
    ws.notify(name_of_copy)


def datasets() -> pd.DataFrame:
    """All datasets of the workspace: name, task, tags, metadata, counts and dates.

    Examples
    --------
    >>> rb.log(rb.TextClassificationRecord(text="Great movie!"), "reviews", verbose=False)
    BulkResponse(dataset='reviews', processed=1, failed=0)
    >>> rb.log(rb.Text2TextRecord(text="Hello", annotation="Hallo"), "translations", verbose=False)
    BulkResponse(dataset='translations', processed=1, failed=0)
    >>> rb.datasets()[["name", "task", "records", "annotated"]]
               name                task  records  annotated
    0       reviews  TextClassification        1          0
    1  translations            Text2Text        1          1
    """
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
    """Freeze the current records of ``name``; returns the snapshot id for ``rb.load``.

    Examples
    --------
    >>> rb.log(rb.TextClassificationRecord(text="Great movie!"), "reviews", verbose=False)
    BulkResponse(dataset='reviews', processed=1, failed=0)
    >>> snapshot = rb.create_snapshot("reviews")
    >>> rb.log(rb.TextClassificationRecord(text="Dull plot"), "reviews", verbose=False)
    BulkResponse(dataset='reviews', processed=1, failed=0)
    >>> len(rb.load("reviews")), len(rb.load("reviews", snapshot=snapshot))
    (2, 1)
    """
    wait_for_background()
    return ws.existing(name).create_snapshot().id


def snapshots(name: str) -> list[Snapshot]:
    """The snapshots of ``name`` (``.id``, ``.created_at``, ``.records``), oldest first.

    Examples
    --------
    >>> rb.log(rb.TextClassificationRecord(text="Great movie!"), "reviews", verbose=False)
    BulkResponse(dataset='reviews', processed=1, failed=0)
    >>> first = rb.create_snapshot("reviews")
    >>> [(s.id, s.records) for s in rb.snapshots("reviews")]
    [(1, 1)]
    """
    return list(ws.existing(name).manifest().snapshots)


def configure_dataset(name: str, settings: LabelSchemaSettings) -> None:
    """Set a dataset's label schema, creating the (empty) dataset if needed.

    Examples
    --------
    >>> settings = rb.TextClassificationSettings(label_schema=["pos", "neg"])
    >>> rb.configure_dataset("reviews", settings)
    >>> rb.load_dataset_settings("reviews").label_schema
    {'pos', 'neg'}
    >>> rb.log(rb.TextClassificationRecord(text="Meh", annotation="meh"), "reviews")
    Traceback (most recent call last):
    ...
    rubrix_widgets.errors.DatasetRuleError: record ...: annotation label 'meh' is not in ...
    """
    wait_for_background()
    task = getattr(settings, "task", None)
    if task not in SETTINGS_CLASSES:
        raise InputError(
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
        raise DatasetRuleError(
            f"dataset {name!r} holds {current} records; {type(settings).__name__} "
            f"is for {task} datasets (task type mismatch)"
        )
    _check_schema_covers(dataset, settings)
    dataset.update_info(lambda m: _with_settings(m, settings.to_dict()))
    ws.notify(name)


def _with_settings(manifest: Manifest, settings: dict) -> Manifest:
    manifest.settings = settings
    return manifest


def _check_schema_covers(dataset: DatasetStore, settings: LabelSchemaSettings) -> None:
    """A schema must cover every label the records already use, annotated or predicted
    (Rubrix's server counted both)."""
    schema = label_schema_of(settings.label_schema)
    if not schema:  # no schema: any label goes
        return
    for field_name, labels in labels_in(dataset.view().table(), settings.task).items():
        missing = sorted(set(pc.unique(labels).to_pylist()) - {None} - schema)
        if missing:
            raise DatasetRuleError(
                f"dataset {dataset.folder.name!r} already has {field_name}s with labels "
                f"{missing} that the label schema {list(schema)} leaves out; add them to the "
                "schema"
            )


def load_dataset_settings(name: str) -> LabelSchemaSettings | None:
    """The settings of ``name``, or None if it has none.

    Examples
    --------
    >>> rb.log(rb.TextClassificationRecord(text="Great movie!"), "reviews", verbose=False)
    BulkResponse(dataset='reviews', processed=1, failed=0)
    >>> rb.load_dataset_settings("reviews") is None  # none configured
    True
    >>> rb.configure_dataset("reviews", rb.TextClassificationSettings(label_schema=["pos", "neg"]))
    >>> rb.load_dataset_settings("reviews")
    TextClassificationSettings(label_schema={'pos', 'neg'})
    """
    manifest = ws.existing(name).manifest()
    if not manifest.settings:
        return None
    return SETTINGS_CLASSES[manifest.task].from_dict(manifest.settings)
