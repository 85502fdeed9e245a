"""Domain errors: an operation refuses, nothing is written, the view shows the message."""

from __future__ import annotations


class DomainError(Exception):
    """A rule said no. ``message`` is user-facing (a lazy translatable string)."""

    status_code = 400
    field: str | None = None

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        if field is not None:
            self.field = field


class NotFound(DomainError):
    status_code = 404


class Forbidden(DomainError):
    status_code = 403


class Conflict(DomainError):
    """The state changed under you (two racing clicks, a stale page)."""

    status_code = 409
