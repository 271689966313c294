"""The workspace: a folder of datasets, one sub-folder each.

Default location: ``$RUBRIX_WIDGETS_HOME`` if set, else ``~/.rubrix_widgets``;
``rb.init(workspace=...)`` changes it for the process.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import re
import shutil
import uuid
import weakref
from collections.abc import Callable
from pathlib import Path

from ..errors import AlreadyExistsError, NotFoundError, StorageError
from . import changes, locks
from .dataset_store import DatasetStore
from .files import storage_errors
from .manifest import Manifest, read_manifest, utcnow, write_manifest

NAME_PATTERN = r"^(?!-|_)[a-z0-9-_]+$"
_NAME_RE = re.compile(NAME_PATTERN)
MAX_NAME_LENGTH = 200
DEFAULT_ANNOTATOR = "rubrix"

_settings: dict[str, object] = {"workspace": None, "annotator": DEFAULT_ANNOTATOR}


# -- change notification ------------------------------------------------------------------
# Open views of the dataset list (widgets) subscribe here; the data layer calls
# :func:`notify` after each write that changes what ``rb.datasets()`` returns
# (in this process). Listeners are held weakly, so a closed widget is not kept alive.
_listeners: list[weakref.ref] = []
_generation = 0


def generation() -> int:
    """How many dataset-list changes this process has made (see :func:`notify`)."""
    return _generation


def subscribe(callback: Callable[[str | None], None]) -> None:
    """Call ``callback(name)`` after each change of the dataset list in this process
    (``name`` is the dataset, or None when the workspace itself changed). Held weakly:
    a bound method lives as long as its object, a function as long as its owner keeps it."""
    ref = weakref.WeakMethod(callback) if hasattr(callback, "__self__") else weakref.ref(callback)
    _listeners.append(ref)


def unsubscribe(callback: Callable[[str | None], None]) -> None:
    _listeners[:] = [r for r in _listeners if r() is not None and r() != callback]


def notify(name: str | None = None) -> None:
    """Tell listeners the dataset list changed (a log, delete, copy or new settings).
    A listener that raises is logged and skipped: writes never fail because of a view."""
    global _generation
    _generation += 1
    for ref in list(_listeners):
        callback = ref()
        if callback is None:
            with contextlib.suppress(ValueError):
                _listeners.remove(ref)
            continue
        try:
            callback(name)
        except Exception:
            logging.getLogger("rubrix_widgets").exception("dataset list listener failed")


def set_workspace(path: str | os.PathLike | None) -> None:
    _settings["workspace"] = None if path is None else Path(path).expanduser()
    notify(None)


def set_annotator(name: str) -> None:
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"annotator {name!r} must be a non-empty str")
    _settings["annotator"] = name


def annotator() -> str:
    return str(_settings["annotator"])


def root() -> Path:
    """The workspace folder (created on first use)."""
    configured = _settings["workspace"]
    if configured is None:
        env = os.environ.get("RUBRIX_WIDGETS_HOME")
        configured = Path(env).expanduser() if env else Path.home() / ".rubrix_widgets"
    path = Path(configured)
    if not path.is_dir():
        with storage_errors(path):
            path.mkdir(parents=True, exist_ok=True)
    return path


# Windows reserves these device names as file and folder names (with any extension,
# in any case): a dataset folder named ``con`` or ``lpt1`` cannot exist there, and
# opening one reaches the device. Names here are lowercase and have no dots, so the
# bare names are the ones to refuse (``com0``/``lpt0`` and the superscript forms are
# on Microsoft's list too; superscripts already fail the pattern).
RESERVED_NAMES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"com{i}" for i in range(10)] + [f"lpt{i}" for i in range(10)]
)
_RULE = (
    f"names match {NAME_PATTERN} (lowercase letters, digits, - and _, not starting "
    f"with - or _, at most {MAX_NAME_LENGTH} characters) and are not a reserved device "
    "name (con, prn, aux, nul, com0-com9, lpt0-lpt9)"
)


def name_problem(name: object) -> str | None:
    """Why ``name`` cannot be a dataset name, or None if it can.

    No I/O: every entry point (``rb.log``, ``rb.load``, ``rb.copy``, ``rb.show``,
    the home list's delete...) reaches :func:`check_name` before touching disk.
    """
    if not isinstance(name, str):
        return f"is a {type(name).__name__}, not a str"
    if not name:
        return "is empty"
    if len(name) > MAX_NAME_LENGTH:
        return f"is {len(name)} characters long"
    # fullmatch, not match: `$` would also accept a trailing newline ("news\n").
    if not _NAME_RE.fullmatch(name):
        bad = sorted({c for c in name if not re.fullmatch(r"[a-z0-9_-]", c)})
        if bad:
            shown = ", ".join(repr(c) for c in bad[:8])
            return f"contains {shown}"
        return "starts with - or _"
    if name in RESERVED_NAMES:
        return "is a reserved device name on Windows, so it cannot be a folder there"
    return None


def is_valid_name(name: object) -> bool:
    return name_problem(name) is None


def check_name(name: object) -> str:
    """Dataset names follow Rubrix's rule, so they are also safe folder names
    (no ``..``, ``/``, ``\\``, NUL or control characters, no Windows device names):
    a dataset's folder is always a direct child of the workspace."""
    problem = name_problem(name)
    if problem is not None:
        shown = repr(name)
        if len(shown) > 80:  # a 1 MB "name" should not fill the error
            shown = shown[:60] + f"... ({len(shown)} characters)"
        raise ValueError(f"dataset name {shown} is not allowed: it {problem}; {_RULE}")
    return name  # type: ignore[return-value]


def store(name: str) -> DatasetStore:
    name = check_name(name)  # before root(), which may create the workspace folder
    return DatasetStore(root() / name)


def existing(name: str) -> DatasetStore:
    dataset = store(name)
    if not dataset.exists():
        known = ", ".join(m.name for m in list_datasets()) or "none yet"
        raise NotFoundError(f"dataset {name!r} does not exist in {root()}; datasets: {known}")
    return dataset


def list_datasets() -> list[Manifest]:
    out = []
    for folder in sorted(root().iterdir()):
        if folder.is_dir() and is_valid_name(folder.name):
            with contextlib.suppress(FileNotFoundError):
                manifest = read_manifest(folder)
                # The folder name is the dataset's name (a copied or edited dataset.json
                # may say otherwise): never show a name that rb.load would refuse.
                if manifest.name != folder.name:
                    manifest = dataclasses.replace(manifest, name=folder.name)
                out.append(manifest)
    return out


def delete(name: str) -> None:
    dataset = existing(name)
    trash = root() / f".trash-{uuid.uuid4().hex[:8]}"
    with locks.exclusive(dataset.folder), storage_errors(dataset.folder):
        dataset.folder.rename(trash)
    locks.forget(dataset.folder)
    shutil.rmtree(trash, ignore_errors=True)
    changes.changed(dataset.folder)


def copy(source: str, target: str) -> None:
    src = existing(source)
    dst = store(target)
    if dst.exists():
        raise AlreadyExistsError(
            f"dataset {target!r} already exists; delete it first or pick another name"
        )
    staging = root() / f".copy-{uuid.uuid4().hex[:8]}"
    try:
        with locks.shared(src.folder), storage_errors(staging):
            shutil.copytree(
                src.folder,
                staging,
                ignore=shutil.ignore_patterns(".lock", ".tmp-*", ".index-*"),
            )
        manifest = read_manifest(staging)
        now = utcnow()
        write_manifest(
            staging,
            dataclasses.replace(
                manifest,
                name=target,
                uid=uuid.uuid4().hex,
                created_at=now,
                updated_at=now,
            ),
        )
        try:
            staging.rename(dst.folder)
        except OSError:
            if dst.folder.exists():
                raise AlreadyExistsError(f"dataset {target!r} already exists") from None
            raise StorageError(f"could not create {dst.folder}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
