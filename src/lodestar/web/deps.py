"""FastAPI dependencies: the unit of work, the signed-in user, CSRF and permission checks."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Form, Path, Query, Request
from pydantic import Field
from sqlalchemy.orm import Session

from lodestar.access import require
from lodestar.errors import CsrfFailed, Unauthenticated
from lodestar.review.auth import LoginLimiter, Principal, load_session, same_token
from lodestar.review.config import WebConfig
from lodestar.workspace import Workspace

SESSION_COOKIE = "lodestar_session"
LOGIN_CSRF_COOKIE = "lodestar_login_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# -- what a request may carry: one rule for ids and one for text, checked at the edge (422) ------
#
# The store's ids are INTEGER primary keys, signed 32-bit on PostgreSQL (64 on SQLite): a
# larger number made the driver raise (HTTP 500) instead of "not valid", so the smaller bound
# holds for both. PostgreSQL text cannot hold NUL, so a NUL
# in a name or a search made the query fail (HTTP 500). Every route module takes its ids and
# strings through these, in path, query, form and JSON body alike:
#
#     SeriesId = Annotated[int, id_param(Path, "Series id")]      # or the ready-made Id
#     before: Annotated[int | None, id_param(Query)] = None        # or QueryId
#     class NoteIn(BaseModel): body: str = text_param(MAX_NOTE)    # a JSON field (Field)
#     tag: Annotated[str, text_param(64, Form)]

MAX_ID = 2**31 - 1  # every id column is sqlalchemy.Integer (store/*models.py)
NO_NUL = r"^[^\x00]*$"  # pydantic's regex: a string with no NUL anywhere


def id_param(where: Callable[..., Any] = Field, description: str | None = None, **kw: Any) -> Any:
    """An id (1 … 2^31-1) as a ``Path``, ``Query``, ``Form`` or body ``Field``."""
    return where(ge=1, le=MAX_ID, description=description, **kw)


def text_param(
    max_length: int, where: Callable[..., Any] = Field, description: str | None = None, **kw: Any
) -> Any:
    """Text of at most ``max_length`` characters and no NUL, as a ``Path``, ``Query``,
    ``Form`` or body ``Field`` (``default=`` and the like pass through)."""
    return where(max_length=max_length, pattern=NO_NUL, description=description, **kw)


Id = Annotated[int, id_param(Path)]
QueryId = Annotated[int, id_param(Query)]
FormId = Annotated[int, id_param(Form)]
BodyId = Annotated[int, id_param(Field)]
Name = Annotated[str, text_param(64)]  # a user name, tag, label … in a JSON body
QueryText = Annotated[str, text_param(200, Query)]


def workspace_of(request: Request) -> Workspace:
    ws: Workspace = request.app.state.workspace
    return ws


def config_of(request: Request) -> WebConfig:
    config: WebConfig = request.app.state.config
    return config


def limiter_of(request: Request) -> LoginLimiter:
    limiter: LoginLimiter = request.app.state.limiter
    return limiter


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def proxy_networks(proxies: Iterable[str]) -> tuple[Network, ...]:
    """WebConfig.trusted_proxies parsed once (a bad entry fails at start, not per request)."""
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies)


def _trusted(address: str, proxies: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in proxies)


def client_address(request: Request) -> str:
    """The client's address, for rate limits and the audit.

    The peer of the connection, unless that peer is a configured reverse proxy: then the
    nearest X-Forwarded-For entry that is not itself a trusted proxy (the entries left of it
    were written by whoever connected to the proxy, so they prove nothing)."""
    peer = request.client.host if request.client else "unknown"
    proxies: tuple[Network, ...] = getattr(request.app.state, "trusted_proxies", ())
    if not proxies or not _trusted(peer, proxies):
        return peer
    hops = [h.strip() for v in request.headers.getlist("x-forwarded-for") for h in v.split(",")]
    address = peer
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break  # garbage from the far side: keep the last address we could trust
        address = hop
        if not _trusted(hop, proxies):
            break
    return address


def now_of(request: Request) -> datetime:
    return config_of(request).clock()


def unit_of_work(request: Request) -> Iterator[Session]:
    """One session per request, committed when the handler returns (before the response).

    A page commits earlier, before its template is rendered (``pages.render``), so rendering
    holds neither a pooled connection nor SQLite's write lock (taken by the audit event)."""
    with workspace_of(request).store.session() as session:
        request.state.db = session
        try:
            yield session
        finally:
            request.state.db = None


DB = Annotated[Session, Depends(unit_of_work, scope="function")]


def signed_in(request: Request, session: DB) -> Principal:
    principal = load_session(
        session,
        token=request.cookies.get(SESSION_COOKIE),
        now=now_of(request),
        config=config_of(request),
    )
    if principal is None:
        raise Unauthenticated("sign in first (or your session has ended)")
    request.state.principal = principal
    return principal


User = Annotated[Principal, Depends(signed_in)]


async def _submitted_token(request: Request) -> str | None:
    token = request.headers.get(CSRF_HEADER)
    if token:
        return token
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # Starlette caches it: Form() parameters still work
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def csrf_checked(request: Request, principal: User) -> Principal:
    """Synchroniser token: every unsafe request carries the session's token (header or field)."""
    if request.method in UNSAFE_METHODS:
        token = await _submitted_token(request)
        if not same_token(token, principal.csrf_token):
            raise CsrfFailed("missing or wrong CSRF token; reload the page and try again")
    return principal


def permitted(permission: str) -> Callable[..., Any]:
    """A dependency: the signed-in user, CSRF-checked on unsafe methods, holding ``permission``."""

    def dependency(principal: Annotated[Principal, Depends(csrf_checked)]) -> Principal:
        require(principal, permission)
        return principal

    dependency.__name__ = f"permitted_{permission.replace('.', '_')}"
    return dependency
