"""The rules of a dataset, on disk: ``<workspace>/<name>/rules.json``.

The file lives in the dataset's folder, so rules go with ``rb.delete`` and follow
``rb.copy``. Every change reads, edits and replaces the whole file (atomically) under the
dataset's exclusive lock, so concurrent writers in several processes never lose a rule.
Rules are keyed by their query, as in Rubrix.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..._fs import atomic_write_text
from ...errors import NotFoundError, StorageError
from ...store import locks
from ...store import workspace as ws

RULES_FILE = "rules.json"
FORMAT = 1

StoredRule = dict[str, Any]  # query, labels, name, author, created_at


def read(name: str) -> list[StoredRule]:
    """The stored rules of dataset ``name``, oldest first ([] when it has none)."""
    folder = ws.existing(name).folder
    with locks.shared(folder):
        return _read(folder)


def change(name: str, edit: Callable[[list[StoredRule]], list[StoredRule]]) -> list[StoredRule]:
    """Replace the rules of ``name`` with ``edit(rules)``, atomically, under the lock."""
    dataset = ws.existing(name)
    with locks.exclusive(dataset.folder):
        if not dataset.exists():  # deleted while we waited for the lock
            raise NotFoundError(f"dataset {name!r} does not exist")
        rules = edit(_read(dataset.folder))
        text = json.dumps({"format": FORMAT, "rules": rules}, ensure_ascii=False, indent=1)
        atomic_write_text(dataset.folder / RULES_FILE, text)
        return rules


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _read(folder: Path) -> list[StoredRule]:
    path = folder / RULES_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise StorageError(
            f"the rules file {path} cannot be read ({exc}); fix or remove it by hand. "
            "The records of the dataset are not affected"
        ) from exc
    rules = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(rules, list) or not all(_well_formed(r) for r in rules):
        raise StorageError(
            f"the rules file {path} is not a rubrix_widgets rules file; fix or remove it by "
            "hand. The records of the dataset are not affected"
        )
    return rules


def _well_formed(rule: object) -> bool:
    return (
        isinstance(rule, dict)
        and isinstance(rule.get("query"), str)
        and isinstance(rule.get("labels"), list)
        and all(isinstance(label, str) for label in rule["labels"])
    )
