"""Durable file writes, and OS errors turned into messages a person can act on.

At the bottom of the package (it imports only the errors): the store, the search index
and the rules' file all write through it.

A file is either the old one or the whole new one: we write a temporary file
beside the target, flush it to disk, rename it over the target and flush the
folder entry. Readers never see a half-written file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from .errors import StorageError

_TMP_MARK = ".tmp-"


def temp_path_for(path: Path) -> Path:
    """A unique temporary name in the same folder as ``path`` (same filesystem)."""
    return path.with_name(f"{_TMP_MARK}{uuid.uuid4().hex[:12]}-{path.name}")


def is_temp(name: str) -> bool:
    """Whether ``name`` is one of our temporary files (left behind by a killed writer)."""
    return name.startswith(_TMP_MARK)


def fsync_dir(folder: Path) -> None:
    """Flush ``folder``'s entries to disk (so a rename in it survives a power cut)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Create ``path`` atomically; ``write(tmp)`` must fill the temporary file.

    The temporary file is removed if anything fails, so a full disk leaves
    the previous version of ``path`` in place.
    """
    tmp = temp_path_for(path)
    try:
        with storage_errors(path):
            write(tmp)
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, path)
            fsync_dir(path.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (see :func:`atomic_write`)."""
    atomic_write(path, lambda tmp: tmp.write_bytes(data))


def atomic_write_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) atomically.

    >>> atomic_write_text(folder / "dataset.json", json.dumps(manifest))
    """
    atomic_write_bytes(path, text.encode("utf-8"))


_ADVICE = {
    errno.ENOSPC: "the disk is full; free some space and try again",
    errno.EDQUOT: "the disk quota is exhausted; free some space and try again",
    errno.EROFS: "the file system is read-only; choose a writable workspace with "
    "rb.init(workspace=...)",
    errno.EACCES: "permission denied; choose a workspace you can write to with "
    "rb.init(workspace=...)",
    errno.EPERM: "operation not permitted; choose a workspace you can write to with "
    "rb.init(workspace=...)",
}


@contextlib.contextmanager
def storage_errors(path: Path | str) -> Iterator[None]:
    """Re-raise OS errors while touching ``path`` as :class:`StorageError`.

    The data already stored is untouched by the failed operation; the
    message says so, names the file and says what to do.
    """
    try:
        yield
    except StorageError:
        raise
    except OSError as exc:
        if isinstance(exc, FileNotFoundError | FileExistsError | IsADirectoryError):
            raise
        advice = _ADVICE.get(exc.errno or 0, exc.strerror or str(exc))
        raise StorageError(
            f"could not write {path}: {advice}. Data stored before this call is intact."
        ) from exc
