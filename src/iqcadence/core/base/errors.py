"""Errors the core raises; each carries the exit code the CLI turns it into.

Messages are one plain sentence naming the thing that was wrong and, where it
helps, what is allowed instead.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_ROWS_REJECTED = 3
EXIT_PERMISSION = 4


class IQError(Exception):
    """Base of every error the core reports to a person."""

    exit_code = EXIT_FAILURE

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidValue(IQError):
    """A value given by the user is out of range or of the wrong kind."""

    exit_code = EXIT_USAGE


class NotFound(IQError):
    """A named record does not exist."""


class Conflict(IQError):
    """The change would break a rule (duplicate name, already running, ...)."""


class PermissionDenied(IQError):
    """The acting user's role does not allow this."""

    exit_code = EXIT_PERMISSION


class RefusedFile(IQError):
    """A file (backup, config, CSV) was refused as a whole."""


class RowsRejected(IQError):
    """Some input rows were rejected and the good ones were written."""

    exit_code = EXIT_ROWS_REJECTED


class StorageError(IQError):
    """The database could not be opened, upgraded or written."""
