"""Workspaces: folders of datasets, one sub-folder each.

The home folder is ``$RUBRIX_WIDGETS_HOME`` if set, else ``~/.rubrix_widgets``.
Like Rubrix, datasets belong to a *workspace*, chosen with ``rb.init(workspace=...)``
or ``rb.set_workspace(...)`` (else ``$RUBRIX_WORKSPACE``, else the default one):

- the default workspace, ``"rubrix"`` (Rubrix's default was the user's name; ours is
  the name our default annotator has), is the home folder itself, so datasets written
  before workspaces existed are where they were;
- a named workspace (Rubrix's workspace-name rule) is ``<home>/_workspaces/<name>/``:
  no dataset name can start with ``_``, so it never collides with a dataset folder;
- a path (absolute, starting with ``.`` or ``~``, or containing ``/``) is a workspace
  folder of its own, anywhere.

Layout::

    <home>/<dataset>/...                      the default workspace's datasets
    <home>/_workspaces/<workspace>/<dataset>/ a named workspace's datasets
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import re
import shutil
import threading
import uuid
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

from .._fs import storage_errors
from ..errors import AlreadyExistsError, InvalidNameError, NotFoundError, StorageError
from . import changes, locks
from .dataset_store import DatasetStore
from .manifest import Manifest, read_manifest, utcnow, write_manifest

_log = logging.getLogger(__name__)

NAME_PATTERN = r"^(?!-|_)[a-z0-9-_]+$"
_NAME_RE = re.compile(NAME_PATTERN)
MAX_NAME_LENGTH = 200
DEFAULT_ANNOTATOR = "rubrix"
DEFAULT_WORKSPACE = "rubrix"
WORKSPACE_PATTERN = r"^[a-zA-Z0-9][a-zA-Z0-9_\-]*$"  # Rubrix's server, security/model.py
_WORKSPACE_RE = re.compile(WORKSPACE_PATTERN)
WORKSPACES_DIR = "_workspaces"
WORKSPACE_ENV = "RUBRIX_WORKSPACE"
HOME_ENV = "RUBRIX_WIDGETS_HOME"

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
            _log.exception("dataset list listener failed")


@dataclasses.dataclass(frozen=True)
class _Choice:
    """A workspace: a name (its folder follows the home folder) or a folder of its own."""

    name: str | None = None
    folder: Path | None = None


def home() -> Path:
    """The home folder: ``$RUBRIX_WIDGETS_HOME``, else ``~/.rubrix_widgets`` (not created)."""
    env = os.environ.get(HOME_ENV)
    return Path(env).expanduser() if env else Path.home() / ".rubrix_widgets"


def looks_like_path(value: str) -> bool:
    """A workspace given as a folder: absolute, starting with ``.`` or ``~``, or with a
    path separator. Anything else is a workspace *name* (never a folder in the cwd)."""
    return (
        os.path.isabs(value)
        or value.startswith((".", "~"))
        or "/" in value
        or os.sep in value
        or (os.altsep is not None and os.altsep in value)
    )


def workspace_problem(name: object) -> str | None:
    """Why ``name`` cannot be a workspace name, or None if it can (no I/O)."""
    if not isinstance(name, str):
        kind = type(name).__name__
        return f"is {'an' if kind[0] in 'aeiou' else 'a'} {kind}, not a str"
    if not name:
        return "is empty"
    if len(name) > MAX_NAME_LENGTH:
        return f"is {len(name)} characters long"
    if not _WORKSPACE_RE.fullmatch(name):
        bad = sorted({c for c in name if not re.fullmatch(r"[a-zA-Z0-9_-]", c)})
        if bad:
            return "contains " + ", ".join(repr(c) for c in bad[:8])
        return "starts with - or _"
    if name.lower() in RESERVED_NAMES:
        return "is a reserved device name on Windows, so it cannot be a folder there"
    return None


def _choose(workspace: str | os.PathLike, where: str) -> _Choice:
    """The workspace ``workspace`` stands for; a bad name raises before anything changes."""
    if isinstance(workspace, os.PathLike):
        return _Choice(folder=Path(workspace).expanduser().absolute())
    if isinstance(workspace, str) and workspace and looks_like_path(workspace):
        return _Choice(folder=Path(workspace).expanduser().absolute())
    if workspace == "":  # Rubrix's "no workspace": the datasets of before workspaces
        return _Choice(name=DEFAULT_WORKSPACE)
    problem = workspace_problem(workspace)
    if problem is not None:
        shown = repr(workspace)
        if len(shown) > 80:
            shown = shown[:60] + f"... ({len(shown)} characters)"
        raise InvalidNameError(
            f"{where} {shown} is not allowed: it {problem}; workspace names match "
            f"{WORKSPACE_PATTERN} (letters, digits, - and _, starting with a letter or digit, "
            f"at most {MAX_NAME_LENGTH} characters, not a Windows device name). For a folder "
            "of your own, give a path: absolute, or starting with ./ or ~/"
        )
    return _Choice(name=workspace)


def _folder(choice: _Choice) -> Path:
    if choice.folder is not None:
        return choice.folder
    if choice.name == DEFAULT_WORKSPACE:
        return home()
    return home() / WORKSPACES_DIR / str(choice.name)


# A pin (see :func:`pinned`) holds for its own thread only: a background writer (rb.monitor,
# rb.log(background=True)) keeps resolving names in the workspace the person chose.
_pins = threading.local()


@contextlib.contextmanager
def pinned(folder: Path) -> Iterator[None]:
    """Inside, in this thread, name-based calls (``rb.load(name)``, rules...) resolve in the
    workspace folder ``folder`` (the parent of dataset folders); afterwards, as before.

    Nothing is notified: open dataset lists keep showing the workspace the person chose. A
    dataset page uses it to keep working on the workspace it was opened in.
    """
    saved = getattr(_pins, "choice", None)
    _pins.choice = _Choice(folder=Path(folder).absolute())
    try:
        yield
    finally:
        _pins.choice = saved


def _current() -> _Choice:
    pin = getattr(_pins, "choice", None)
    if pin is not None:
        return pin
    configured = _settings["workspace"]
    if isinstance(configured, _Choice):
        return configured
    env = os.environ.get(WORKSPACE_ENV)
    if env:  # Rubrix reads it when no workspace is given
        return _choose(env, f"${WORKSPACE_ENV}")
    return _Choice(name=DEFAULT_WORKSPACE)


def set_workspace(workspace: str | os.PathLike | None) -> None:
    """Use ``workspace`` from now on (a name, or a folder path); ``None``: back to
    ``$RUBRIX_WORKSPACE``, else the default workspace. Open dataset lists refresh."""
    _settings["workspace"] = None if workspace is None else _choose(workspace, "workspace")
    notify(None)


def workspace_name() -> str:
    """The current workspace: its name, or its folder (as a str) for a folder workspace."""
    choice = _current()
    return choice.name if choice.name is not None else str(choice.folder)


def folder_of(workspace: str | os.PathLike | None = None) -> Path:
    """The folder of ``workspace`` (None: the current one), without creating it."""
    return _folder(_current() if workspace is None else _choose(workspace, "workspace"))


def list_workspaces() -> list[str]:
    """The named workspaces, the default first, then the others in name order (those with a
    folder under the home folder, and the current one even before it holds anything)."""
    names = set()
    with contextlib.suppress(OSError):
        for folder in (home() / WORKSPACES_DIR).iterdir():
            if folder.is_dir() and workspace_problem(folder.name) is None:
                names.add(folder.name)
    current = _current().name
    if current is not None:
        names.add(current)
    names.discard(DEFAULT_WORKSPACE)
    return [DEFAULT_WORKSPACE, *sorted(names)]


def set_annotator(name: str) -> None:
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"annotator {name!r} must be a non-empty str")
    _settings["annotator"] = name


def annotator() -> str:
    return str(_settings["annotator"])


def root() -> Path:
    """The current workspace's folder (created on first use)."""
    path = _folder(_current())
    if not path.is_dir():
        if path.exists() or any(p.exists() and not p.is_dir() for p in path.parents):
            raise StorageError(
                f"the workspace {str(path)!r} is a file (or inside one), not a folder: pass a "
                "folder, new or existing, to rb.init(workspace=...) or rb.set_workspace(...)"
            )
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
        raise InvalidNameError(f"dataset name {shown} is not allowed: it {problem}; {_RULE}")
    return name  # type: ignore[return-value]


def store(name: str, workspace: str | os.PathLike | None = None) -> DatasetStore:
    """Dataset ``name`` of ``workspace`` (None: the current one), existing or not."""
    name = check_name(name)  # before root(), which may create the workspace folder
    if workspace is None:
        return DatasetStore(root() / name)
    return DatasetStore(folder_of(workspace) / name)


def _where() -> str:
    choice = _current()
    if choice.name is None:
        return f"workspace {str(choice.folder)!r}"
    return f"workspace {choice.name!r} ({_folder(choice)})"


def existing(name: str) -> DatasetStore:
    dataset = store(name)
    if not dataset.exists():
        known = ", ".join(m.name for m in list_datasets()) or "none yet"
        raise NotFoundError(f"dataset {name!r} does not exist in {_where()}; datasets: {known}")
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


def delete(name: str) -> bool:
    """Delete dataset ``name``; False (and nothing done) if there is no such dataset."""
    dataset = store(name)
    if not dataset.exists():
        return False
    trash = root() / f".trash-{uuid.uuid4().hex[:8]}"
    try:
        with locks.exclusive(dataset.folder), storage_errors(dataset.folder):
            dataset.folder.rename(trash)
    except FileNotFoundError:  # another process deleted it first
        return False
    locks.forget(dataset.folder)
    shutil.rmtree(trash, ignore_errors=True)
    changes.changed(dataset.folder)
    return True


def copy(source: str, target: str, workspace: str | os.PathLike | None = None) -> None:
    """Copy dataset ``source`` of the current workspace to ``target`` in ``workspace``
    (None: the current one). Like Rubrix's server, the copy's metadata records where it
    came from (``copied_from``, ``source_workspace``)."""
    src = existing(source)
    dst = store(target, workspace)
    if dst.exists():
        where = "" if workspace is None else f" in workspace {workspace_label(workspace)}"
        raise AlreadyExistsError(
            f"dataset {target!r} already exists{where}; delete it first or pick another name"
        )
    with storage_errors(dst.folder.parent):
        dst.folder.parent.mkdir(parents=True, exist_ok=True)
    staging = dst.folder.parent / f".copy-{uuid.uuid4().hex[:8]}"
    try:
        with locks.shared(src.folder), storage_errors(staging):
            shutil.copytree(
                src.folder,
                staging,
                ignore=shutil.ignore_patterns(".lock", ".tmp-*", ".index-*"),
            )
        manifest = read_manifest(staging)
        now = utcnow()
        metadata = {
            **manifest.metadata,
            "source_workspace": workspace_name(),
            "copied_from": source,
        }
        write_manifest(
            staging,
            dataclasses.replace(
                manifest,
                name=target,
                uid=uuid.uuid4().hex,
                created_at=now,
                updated_at=now,
                metadata=metadata,
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


def workspace_label(workspace: str | os.PathLike) -> str:
    """How messages name ``workspace``: its name, or its folder."""
    choice = _choose(workspace, "workspace")
    return repr(choice.name) if choice.name is not None else repr(str(choice.folder))
