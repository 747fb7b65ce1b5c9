"""Login and logout (form and JSON), and who am I."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from lodestar.audit import append_event
from lodestar.errors import CsrfFailed, RateLimited, Unauthenticated
from lodestar.review.auth import (
    Principal,
    check_credentials,
    end_session,
    new_token,
    safe_next,
    same_token,
    start_session,
)
from lodestar.web.deps import (
    DB,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    User,
    client_address,
    config_of,
    csrf_checked,
    limiter_of,
    now_of,
    text_param,
)
from lodestar.web.pages import render

router = APIRouter()
Checked = Annotated[Principal, Depends(csrf_checked)]


# A password is only hashed, never stored or queried as text: any character may be in it.
Password = Annotated[str, Field(max_length=1024)]
Next = Annotated[str, text_param(2048, Form)]


class Credentials(BaseModel):
    username: str = text_param(64)
    password: Password


def _attempt(
    request: Request, session: Session, username: str, password: str
) -> str | RateLimited | None:
    """Check rate limits and credentials and audit the attempt (also when refused).

    Returns a session token, the refusal, or None for wrong credentials; never raises, so
    the request still commits its audit event.
    """
    now, limiter, address = now_of(request), limiter_of(request), client_address(request)
    account = username.strip().lower()
    try:
        limiter.check(account=account, address=address, now=now)
    except RateLimited as refused:
        append_event(
            session,
            actor=username[:128],
            action="login.refused",
            detail={"address": address, "reason": "rate_limited"},
        )
        return refused
    user = check_credentials(session, username=username, password=password)
    if user is None:
        limiter.failed(account=account, address=address, now=now)
        append_event(
            session,
            actor=username[:128],
            action="login.failed",
            detail={"address": address},
        )
        return None
    limiter.succeeded(account=account)
    append_event(
        session,
        actor=user.username,
        user_id=user.id,
        action="login",
        detail={"address": address},
    )
    return start_session(session, user=user, now=now)


def _refused(request: Request, refused: RateLimited, next: str | None = None) -> Response:
    headers = {"Retry-After": str(refused.retry_after)}
    if next is None:
        return JSONResponse(refused.to_dict(), status_code=429, headers=headers)
    response = render(
        request,
        "login.html",
        principal=None,
        status=429,
        next=safe_next(next),
        csrf=request.cookies.get(LOGIN_CSRF_COOKIE, ""),
        refused=refused.message,
    )
    response.headers.update(headers)
    return response


def _set_session_cookie(request: Request, response: Response, token: str) -> None:
    config = config_of(request)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=config.session_max_s,
        httponly=True,
        secure=config.secure_cookies,
        samesite="strict",
        path="/",
    )


@router.get("/login", include_in_schema=False)
def login_page(request: Request, next: Annotated[str, text_param(2048, Query)] = "/") -> Response:
    token = new_token()
    response = render(request, "login.html", principal=None, next=safe_next(next), csrf=token)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        secure=config_of(request).secure_cookies,
        samesite="strict",
        path="/login",
    )
    return response


@router.post("/login", include_in_schema=False)
def login_form(
    request: Request,
    session: DB,
    username: Annotated[str, text_param(64, Form)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, text_param(128, Form)] = "",
    next: Next = "/",
) -> Response:
    # Login CSRF: a double-submit token (no session exists yet to hold one).
    if not same_token(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token):
        raise CsrfFailed("the login form expired; reload it and try again")
    token = _attempt(request, session, username, password)
    if isinstance(token, RateLimited):
        return _refused(request, token, next=next)
    if token is None:
        return render(
            request,
            "login.html",
            principal=None,
            status=401,
            next=safe_next(next),
            csrf=csrf_token,
            failed=True,
        )
    response = RedirectResponse(safe_next(next), status_code=303)
    _set_session_cookie(request, response, token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/api/login", summary="Sign in (JSON); sets the session cookie")
def login_api(request: Request, session: DB, body: Credentials) -> Response:
    # A JSON body cannot come cross-site without a CORS preflight we never grant.
    token = _attempt(request, session, body.username, body.password)
    if isinstance(token, RateLimited):
        return _refused(request, token)
    if token is None:
        error = Unauthenticated("wrong user name or password")
        return JSONResponse(error.to_dict(), status_code=401)
    response = JSONResponse({"ok": True})
    _set_session_cookie(request, response, token)
    return response


def _logout(request: Request, session: Session, principal: Principal) -> None:
    end_session(session, session_id=principal.session_id, at=now_of(request))
    append_event(session, actor=principal.username, user_id=principal.user_id, action="logout")


@router.post("/logout", include_in_schema=False)
def logout_form(request: Request, session: DB, principal: Checked) -> Response:
    _logout(request, session, principal)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/api/logout", summary="End this session")
def logout_api(request: Request, session: DB, principal: Checked) -> dict[str, Any]:
    _logout(request, session, principal)
    return {"ok": True}


@router.get("/api/me", summary="The signed-in user, with the CSRF token for unsafe requests")
def me(principal: User) -> dict[str, Any]:
    return {
        "username": principal.username,
        "display_name": principal.display_name,
        "role": principal.role,
        "agency": principal.agency,
        "csrf_token": principal.csrf_token,
    }
