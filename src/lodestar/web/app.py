"""``create_app(workspace)``: the FastAPI workbench (pages + JSON API under /api)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from lodestar.errors import LodestarError, RateLimited, Unauthenticated
from lodestar.review.auth import LoginLimiter
from lodestar.review.config import WebConfig
from lodestar.web.deps import proxy_networks
from lodestar.web.errors import http_status
from lodestar.web.limits import BodyLimits
from lodestar.web.pages import render
from lodestar.web.routes import ROUTERS
from lodestar.workspace import Workspace

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"

# Everything is served from this origin: no CDN, no inline script or style, no framing.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def create_app(workspace: Workspace, *, config: WebConfig | None = None) -> FastAPI:
    config = config or WebConfig()
    app = FastAPI(
        title="Lodestar workbench API",
        version="1",
        docs_url=None,  # Swagger UI and ReDoc load from CDNs; the schema alone is served
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    if config.db_pool_size is not None:
        workspace.store.size_pool(config.db_pool_size)
    app.state.workspace = workspace
    app.state.config = config
    app.state.limiter = LoginLimiter(
        max_failures=config.login_max_failures,
        window_s=config.login_window_s,
        address_max_failures=config.login_address_max_failures,
        max_lockout_s=config.login_max_lockout_s,
    )
    app.state.trusted_proxies = proxy_networks(config.trusted_proxies)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)
    _add_error_handlers(app)
    # Added before the headers middleware, so it runs inside it: a 413 gets the headers too.
    app.add_middleware(BodyLimits)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        if not request.url.path.startswith("/static/"):
            # Pages and media must never land in a disk cache.
            response.headers["Cache-Control"] = "no-store"
        return response

    return app


def server_options(config: WebConfig) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run`` that the app's security relies on.

    uvicorn by default believes X-Forwarded-For from 127.0.0.1 and rewrites the client
    address before the app sees it, and every local user connects from 127.0.0.1: anyone
    could choose the address the rate limit and the audit record. The app reads forwarded
    headers itself, only from ``config.trusted_proxies`` (``deps.client_address``)."""
    return {"proxy_headers": False}


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", ""
    )


def error_body(code: str, message: str, detail: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "detail": detail or {}}}


def _error_response(request: Request, status: int, body: dict[str, Any]) -> Response:
    if wants_json(request):
        return JSONResponse(jsonable_encoder(body), status_code=status)
    principal = getattr(request.state, "principal", None)
    return render(request, "error.html", principal=principal, status=status, error=body["error"])


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LodestarError)
    async def lodestar_error(request: Request, exc: LodestarError) -> Response:
        if isinstance(exc, Unauthenticated) and not wants_json(request):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        response = _error_response(request, http_status(exc), exc.to_dict())
        if isinstance(exc, RateLimited):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        codes = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
        body = error_body(codes.get(exc.status_code, "http_error"), str(exc.detail))
        return _error_response(request, exc.status_code, body)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        body = error_body("invalid_request", "the request is not valid", {"errors": errors})
        return _error_response(request, 422, body)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path)
        body = error_body("internal_error", "something went wrong on the server")
        return _error_response(request, 500, body)
