"""Errors a user of rubrix_widgets can catch.

Every message says what was wrong, with the offending value, and what is
allowed instead.

Code written for Rubrix catches the client's exception classes
(``rubrix.client.sdk.commons.errors``: ``NotFoundApiError``,
``AlreadyExistsApiError``, ``ValidationApiError``, ``BadRequestApiError``...,
and ``rubrix.client.api.InputValueError``). They are defined here with the
same names, and our own errors derive from the one Rubrix raised in the same
situation, so ``except rb_errors.NotFoundApiError`` catches a missing dataset
exactly as it did with a server, while ``except LookupError`` /
``except ValueError`` keep working too.
"""

from __future__ import annotations

from typing import Any


class RubrixWidgetsError(Exception):
    """Base class of the errors raised by rubrix_widgets.

    Examples
    --------
    >>> try:
    ...     rb.load("no_such_dataset")
    ... except rb.RubrixWidgetsError as error:  # every error of this package
    ...     print(type(error).__name__)
    NotFoundError
    """


# -- Rubrix's client exception classes (same names, same hierarchy) ---------------------------
class RubrixClientError(RubrixWidgetsError):
    """Rubrix's base class of client errors."""


class ApiCompatibilityError(RubrixClientError):
    """Rubrix: the server is too old for a call. Never raised here (there is no server)."""


class InputValueError(RubrixClientError):
    """Rubrix (``rubrix.client.api.InputValueError``): a bad argument to ``rb.log``."""


class RubrixApiResponseError(RubrixClientError):
    """Rubrix's base class of the errors a server answered with; ``HTTP_STATUS`` is the
    status the server would have sent. Constructed with a message (Rubrix's took the
    server's answer as keywords: they are kept in ``ctx``)."""

    HTTP_STATUS: int = 500

    def __init__(self, *args: Any, **ctx: Any):
        super().__init__(*args)
        self.ctx = ctx


class BadRequestApiError(RubrixApiResponseError):
    HTTP_STATUS = 400


class UnauthorizedApiError(RubrixApiResponseError):
    HTTP_STATUS = 401


class ForbiddenApiError(RubrixApiResponseError):
    HTTP_STATUS = 403


class NotFoundApiError(RubrixApiResponseError):
    HTTP_STATUS = 404


class MethodNotAllowedApiError(RubrixApiResponseError):
    HTTP_STATUS = 405


class AlreadyExistsApiError(RubrixApiResponseError):
    HTTP_STATUS = 409


class ValidationApiError(RubrixApiResponseError):
    HTTP_STATUS = 422


class GenericApiError(RubrixApiResponseError):
    HTTP_STATUS = 500


# -- our errors ---------------------------------------------------------------------------------
class NotFoundError(NotFoundApiError, LookupError):
    """A dataset or snapshot that does not exist was asked for.

    Examples
    --------
    >>> rb.load("no_such_dataset")
    Traceback (most recent call last):
    ...
    rubrix_widgets.errors.NotFoundError: dataset 'no_such_dataset' does not exist in ...
    """


class AlreadyExistsError(AlreadyExistsApiError, ValueError):
    """A dataset (or copy target) already exists where a new one was asked for."""


class InputError(InputValueError, ValidationApiError, ValueError):
    """An argument was refused before anything was stored: an empty record list, a
    negative limit, records mixing single- and multi-label... (Rubrix refused these in
    the client, ``InputValueError``, or the server validated them, ``ValidationApiError``)."""


class InvalidNameError(InputError):
    """A dataset or workspace name that is not allowed (see the message for the rule)."""


class DatasetRuleError(BadRequestApiError, ValueError):
    """Records or settings that break a rule of the dataset they are for: its task, its
    kind (single- or multi-label), its label schema (Rubrix's server answered 400)."""


class QuerySyntaxError(BadRequestApiError, ValueError):
    """A search query could not be understood.

    The message shows the query and a caret under the place where it broke.
    ``query`` and ``position`` (a str index into the query) are kept as
    attributes for programs, such as the widget's search bar.

    Examples
    --------
    >>> rb.log(rb.TextClassificationRecord(text="Great movie!"), "reviews", verbose=False)
    BulkResponse(dataset='reviews', processed=1, failed=0)
    >>> try:
    ...     rb.load("reviews", query="text:(great")
    ... except rb.QuerySyntaxError as error:
    ...     print(error.query, error.position)
    text:(great ...
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
    """The workspace could not be read or written (full disk, permissions, damage).

    Examples
    --------
    >>> import os, pathlib
    >>> rb.log(rb.TextClassificationRecord(text="Hi"), "scratch", verbose=False)
    BulkResponse(dataset='scratch', processed=1, failed=0)
    >>> home = pathlib.Path(os.environ.get("RUBRIX_WIDGETS_HOME", "~/.rubrix_widgets")).expanduser()
    >>> _ = (home / "scratch" / "dataset.json").write_text("{ damaged")  # what a bad disk might do
    >>> rb.load("scratch")
    Traceback (most recent call last):
    ...
    rubrix_widgets.errors.StorageError: .../dataset.json is damaged (...); the dataset cannot ...
    >>> rb.delete("scratch")
    """


def _excerpt(query: str, position: int, width: int = 70) -> tuple[str, str]:
    """Return a one-line window of ``query`` around ``position`` and a caret line."""
    flat = query.replace("\n", " ").replace("\t", " ")
    start = max(0, min(position - width // 2, len(flat) - width))
    shown = flat[start : start + width]
    prefix = "..." if start > 0 else ""
    suffix = "..." if start + width < len(flat) else ""
    caret = " " * (len(prefix) + position - start) + "^"
    return prefix + shown + suffix, caret
