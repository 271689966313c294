"""Errors a user of rubrix_widgets can catch.

Every message says what was wrong, with the offending value, and what is
allowed instead.
"""

from __future__ import annotations


class RubrixWidgetsError(Exception):
    """Base class of the errors raised by rubrix_widgets."""


class NotFoundError(RubrixWidgetsError, LookupError):
    """A dataset or snapshot that does not exist was asked for."""


class AlreadyExistsError(RubrixWidgetsError, ValueError):
    """A dataset (or copy target) already exists where a new one was asked for."""


class QuerySyntaxError(RubrixWidgetsError, ValueError):
    """A search query could not be understood.

    The message shows the query and a caret under the place where it broke.
    ``query`` and ``position`` (a str index into the query) are kept as
    attributes for programs, such as the widget's search bar.
    """

    def __init__(self, message: str, query: str = "", position: int | None = None):
        self.query = query
        self.position = position
        self.reason = message
        if query and position is not None:
            shown, caret = _excerpt(query, position)
            message = f"{message}\n  {shown}\n  {caret}"
        elif query:
            message = f"{message}\n  {query}"
        super().__init__(message)


class StorageError(RubrixWidgetsError, OSError):
    """The workspace could not be read or written (full disk, permissions, damage)."""


def _excerpt(query: str, position: int, width: int = 70) -> tuple[str, str]:
    """Return a one-line window of ``query`` around ``position`` and a caret line."""
    flat = query.replace("\n", " ").replace("\t", " ")
    start = max(0, min(position - width // 2, len(flat) - width))
    shown = flat[start : start + width]
    prefix = "..." if start > 0 else ""
    suffix = "..." if start + width < len(flat) else ""
    caret = " " * (len(prefix) + position - start) + "^"
    return prefix + shown + suffix, caret
