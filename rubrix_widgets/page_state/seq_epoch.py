"""Which numbering of a dataset's records a page's record positions (seqs) belong to.

The browser names records by position (``seq``) in its intents. Positions stay put while
records are logged or changed, but ``rb.delete_records`` closes the gaps the deleted records
leave (the manifest's ``seq_epoch`` moves on), and ``rb.delete`` followed by ``rb.log`` makes
a new dataset under the same name (a new ``uid``): after either, a position drawn before
names another record. So every page carries the *epoch* of the records it drew, the browser
sends it back with every position, and the kernel refuses an action whose epoch is not the
dataset's: once before reading the records, and again under the write lock, so a deletion by
another process in between cannot slip through.
"""

from __future__ import annotations

from ..errors import RubrixWidgetsError
from ..store.manifest import Manifest


class StalePageError(RubrixWidgetsError, ValueError):
    """An action named records by positions drawn before records were deleted."""


def epoch_of(manifest: Manifest) -> str:
    """The token of the dataset's current numbering of records (opaque to the browser)."""
    return f"{manifest.uid}:{manifest.seq_epoch}"


def check_epoch(expected: object, manifest: Manifest, name: str) -> None:
    """Raise unless positions drawn at epoch ``expected`` still name the same records.

    ``ValueError`` for a missing or malformed epoch, :class:`StalePageError` for an old one.
    """
    if not isinstance(expected, str) or not expected:
        raise ValueError(
            f"an action on records by position needs 'epoch', the epoch of the page it was "
            f"drawn on (a str), not {expected!r}"
        )
    if expected == epoch_of(manifest):
        return
    old_uid = expected.partition(":")[0]
    why = (
        f"dataset {name!r} was deleted and created again"
        if old_uid != manifest.uid
        else f"records of dataset {name!r} were deleted"
    )
    raise StalePageError(
        f"{why} since this page was drawn, so its record positions now name other records: "
        "nothing was changed. The page now shows the current records; do it again there"
    )
