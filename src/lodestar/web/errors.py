"""The HTTP status of every LodestarError (the error classes live in ``lodestar.errors``)."""

from __future__ import annotations

from lodestar.errors import (
    Conflict,
    CsrfFailed,
    Forbidden,
    LodestarError,
    NotFound,
    RateLimited,
    Unauthenticated,
    UserError,
)

_STATUSES: tuple[tuple[type[LodestarError], int], ...] = (
    (Unauthenticated, 401),
    (Forbidden, 403),
    (CsrfFailed, 403),
    (Conflict, 409),
    (RateLimited, 429),
    (NotFound, 404),
    (UserError, 400),
)


def http_status(exc: LodestarError) -> int:
    for cls, status in _STATUSES:
        if isinstance(exc, cls):
            return status
    return 422 if exc.code == "data_error" else 500
