"""Request body limits, enforced while the body streams in, per route.

Every route takes at most :data:`DEFAULT_BODY_LIMIT` bytes of body (JSON and form requests are
small); a route that takes an upload declares its own limit in :data:`BODY_LIMITS`, keyed by
method and the route's path template exactly as it is registered::

    BODY_LIMITS[("POST", "/api/leads/verify")] = MAX_UPLOAD + MULTIPART_SLACK

(or :func:`declare_body_limit` from the route's own module, at import time). A form twin is a
route of its own: declare it too. FastAPI's own ``max_body_size=`` on a route is not enough:
the Content-Length check here answers before the route is reached.

A body whose Content-Length is over the limit is refused before any of it is read; one that
streams without a length (chunked) is counted as it arrives and refused at the first chunk
over the limit (Starlette's limiter, raising HTTP 413 into the app's error handlers). Either
way the answer is 413 in the one error shape, and the rest of the body is never read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.responses import JSONResponse
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

DEFAULT_BODY_LIMIT = 64 << 10  # bytes: a login, a note, a tag, a form
MULTIPART_SLACK = 1 << 20  # bytes: form boundaries, other fields and a public key beside a file
# Notes are up to collab.MAX_NOTE characters; escaped in JSON (\ud83d\ude00) or in a form
# (%F0%9F%98%80) one character may take 12 bytes.
NOTE_BODY_LIMIT = 256 << 10
_MAX_UPLOAD = 2 << 30  # = web.routes.lead_files.MAX_UPLOAD (not imported: routes import this)
_MAX_REPLY = 2 << 20  # a reply is ≤ 1 MiB (leads.reply.MAX_REPLY_BYTES); room for the form

# (method, path template) → bytes. Routes not named here get DEFAULT_BODY_LIMIT.
BODY_LIMITS: dict[tuple[str, str], int] = {
    ("POST", "/api/leads/verify"): _MAX_UPLOAD + MULTIPART_SLACK,
    ("POST", "/leads/verify"): _MAX_UPLOAD + MULTIPART_SLACK,
    ("POST", "/api/leads/reply"): _MAX_REPLY,
    ("POST", "/leads/reply"): _MAX_REPLY,
    ("POST", "/api/series/{series_id}/notes"): NOTE_BODY_LIMIT,
    ("POST", "/series/{series_id}/notes"): NOTE_BODY_LIMIT,
    ("PUT", "/api/series/{series_id}/notes/{note_id}"): NOTE_BODY_LIMIT,
    ("POST", "/series/{series_id}/notes/{note_id}"): NOTE_BODY_LIMIT,
}


def declare_body_limit(method: str, path: str, limit: int) -> None:
    """Let ``method path`` (a route's template, e.g. ``/api/leads/{lead_id}/x``) take
    ``limit`` bytes of body."""
    if limit < 0:
        raise ValueError("a body limit is a number of bytes, ≥ 0")
    BODY_LIMITS[(method.upper(), path)] = limit


def too_large_body(limit: int) -> dict[str, object]:
    return {
        "error": {
            "code": "payload_too_large",
            "message": f"the request body is larger than this route takes ({limit} bytes)",
            "detail": {"max_bytes": limit},
        }
    }


class BodyLimits:
    """ASGI middleware: the body limit of the route a request is for (see the module doc)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        default: int = DEFAULT_BODY_LIMIT,
        limits: dict[tuple[str, str], int] | None = None,
    ) -> None:
        self.app, self.default = app, default
        # Read at start: the table is complete once every route module has been imported.
        self._routes = _compiled((limits if limits is not None else BODY_LIMITS).items())

    def limit_for(self, method: str, path: str) -> int:
        for route_method, pattern, limit in self._routes:
            if route_method == method and pattern.match(path):
                return limit
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["method"], scope["path"])
        length = Headers(scope=scope).get("content-length")
        # (A malformed length is the server's to refuse; the count below still holds.)
        if length is not None and length.isdigit() and int(length) > limit:
            # Refused on the header alone: not one byte of the body is read.
            response = JSONResponse(too_large_body(limit), status_code=413)
            response.headers["Connection"] = "close"
            await response(scope, receive, send)
            return
        await RequestBodyLimitMiddleware(self.app, max_body_size=limit)(scope, receive, send)


def _compiled(
    items: Iterable[tuple[tuple[str, str], int]],
) -> list[tuple[str, re.Pattern[str], int]]:
    return [(method, compile_path(path)[0], limit) for (method, path), limit in items]
