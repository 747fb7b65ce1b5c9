"""One error shape and one set of exit codes for the CLI and (later) the web API."""

from __future__ import annotations

from enum import IntEnum
from typing import Any


class ExitCode(IntEnum):
    OK = 0
    USER_ERROR = 1  # bad arguments, unknown ids, missing workspace
    DATA_ERROR = 2  # input data refused (corrupt file, bad record)
    TOOL_MISSING = 3  # an external tool or model is not installed
    STORE_ERROR = 4  # database unreachable or migration failure
    INTERRUPTED = 130


class LodestarError(Exception):
    """An error meant for the user: a stable code, a message and optional detail."""

    exit_code: ExitCode = ExitCode.USER_ERROR
    code: str = "user_error"

    def __init__(self, message: str, *, detail: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail or {}

    def to_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "detail": self.detail}}


class UserError(LodestarError):
    pass


class NotFound(LodestarError):
    code = "not_found"


class DataError(LodestarError):
    exit_code = ExitCode.DATA_ERROR
    code = "data_error"


class ToolMissing(LodestarError):
    exit_code = ExitCode.TOOL_MISSING
    code = "tool_missing"


class StoreError(LodestarError):
    exit_code = ExitCode.STORE_ERROR
    code = "store_error"


# -- access and collaboration: raised by services, mapped to HTTP statuses by the web shell ----


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
