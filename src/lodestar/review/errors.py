"""Web-side errors: same shape as every LodestarError, each with its HTTP status."""

from __future__ import annotations

from lodestar.errors import LodestarError, NotFound, UserError


class Unauthenticated(LodestarError):
    code = "unauthenticated"


class Forbidden(LodestarError):
    code = "forbidden"


class CsrfFailed(LodestarError):
    code = "csrf_failed"


class Conflict(LodestarError):
    """Someone else holds what you asked for (a series assigned to another analyst)."""

    code = "conflict"


class RateLimited(LodestarError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, detail={"retry_after_s": retry_after})
        self.retry_after = retry_after


def http_status(exc: LodestarError) -> int:
    statuses: list[tuple[type[LodestarError], int]] = [
        (Unauthenticated, 401),
        (Forbidden, 403),
        (CsrfFailed, 403),
        (Conflict, 409),
        (RateLimited, 429),
        (NotFound, 404),
        (UserError, 400),
    ]
    for cls, status in statuses:
        if isinstance(exc, cls):
            return status
    return 422 if exc.code == "data_error" else 500
