"""``dataset.json``: the one file that says what a dataset is, right now.

A write creates new part files, then replaces this file atomically; that
rename is the commit. A dataset exists when its manifest exists.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .._fs import atomic_write_text
from ..errors import StorageError

MANIFEST = "dataset.json"
FORMAT = 3  # the newest format this version reads
# Format 2 adds ``seq_epoch``, format 3 ``vectors``; a manifest is written in the oldest
# format that holds it, so older versions keep reading every dataset they can.
_FORMAT_WITH_DELETES = 2
_FORMAT_WITHOUT_DELETES = 1


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="microseconds")


@dataclass
class Part:
    file: str
    rows: int
    version: int = 0  # the dataset version that wrote (or last compacted) this file


@dataclass
class Snapshot:
    """A frozen copy of a dataset's records; load it with ``rb.load(name, snapshot=id)``."""

    id: int
    created_at: dt.datetime
    records: int
    file: str

    def __repr__(self) -> str:
        created = self.created_at.isoformat()
        return f"Snapshot(id={self.id}, created_at={created}, records={self.records})"


@dataclass
class Manifest:
    name: str
    task: str
    uid: str = ""  # changes when a dataset is deleted and created again
    version: int = 0
    created_at: dt.datetime = field(default_factory=utcnow)
    updated_at: dt.datetime = field(default_factory=utcnow)
    tags: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] | None = None
    parts: list[Part] = field(default_factory=list)
    records: int = 0
    status_counts: dict[str, int] = field(default_factory=dict)
    input_keys: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)  # labels added by hand (widget "+ new label")
    snapshots: list[Snapshot] = field(default_factory=list)
    # The version that last renumbered the records (``rb.delete_records`` closes the gaps
    # deleted records leave in ``_seq``): an index older than this cannot catch up by
    # adding parts, it is rebuilt. 0: never renumbered.
    seq_epoch: int = 0
    # Named vectors: each name's dimension, and the dataset version that last changed any
    # vector of that name (what derived data, the nearest-neighbour index and the map, is
    # built from; annotating a record leaves it).
    vectors: dict[str, int] = field(default_factory=dict)
    vector_versions: dict[str, int] = field(default_factory=dict)

    @property
    def annotated(self) -> int:
        """Records with a human decision: validated or discarded."""
        return self.status_counts.get("Validated", 0) + self.status_counts.get("Discarded", 0)

    def to_json(self) -> str:
        data = asdict(self)
        if self.vectors:
            data["format"] = FORMAT
        else:
            del data["vectors"], data["vector_versions"]
            data["format"] = _FORMAT_WITH_DELETES if self.seq_epoch else _FORMAT_WITHOUT_DELETES
        if not self.seq_epoch:
            del data["seq_epoch"]
        data["created_at"] = _iso(self.created_at)
        data["updated_at"] = _iso(self.updated_at)
        for snap in data["snapshots"]:
            snap["created_at"] = _iso(snap["created_at"])
        return json.dumps(data, ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        fmt = data.pop("format", FORMAT)
        if fmt > FORMAT:
            raise StorageError(
                f"this dataset was written by a newer rubrix_widgets (format {fmt}); "
                "upgrade rubrix_widgets to read it"
            )
        data["created_at"] = dt.datetime.fromisoformat(data["created_at"])
        data["updated_at"] = dt.datetime.fromisoformat(data["updated_at"])
        data["parts"] = [Part(**p) for p in data["parts"]]
        data["snapshots"] = [
            Snapshot(**{**s, "created_at": dt.datetime.fromisoformat(s["created_at"])})
            for s in data["snapshots"]
        ]
        return cls(**data)


def manifest_path(folder: Path) -> Path:
    return folder / MANIFEST


def read_manifest(folder: Path) -> Manifest:
    """The dataset's manifest; FileNotFoundError if the dataset does not exist."""
    path = manifest_path(folder)
    text = path.read_text(encoding="utf-8")
    try:
        return Manifest.from_json(text)
    except (ValueError, KeyError, TypeError) as exc:
        raise StorageError(f"{path} is damaged ({exc}); the dataset cannot be read") from exc


def write_manifest(folder: Path, manifest: Manifest) -> None:
    atomic_write_text(manifest_path(folder), manifest.to_json())
