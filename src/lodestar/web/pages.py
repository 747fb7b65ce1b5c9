"""Server-rendered pages: one Jinja2 environment (autoescaped) and the navigation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from lodestar.access import allowed
from lodestar.review.auth import Principal

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")

# (label, path, permission)
NAV: list[tuple[str, str, str]] = [
    ("Operation", "/", "operation.view"),
    ("Series", "/series", "series.view"),
    ("Map", "/map", "map.view"),
    ("Leads", "/leads", "lead.view"),
    ("Report", "/report", "report.view"),
    ("Search", "/search", "search"),
    ("Audit", "/audit", "audit.view"),
    ("My wellness", "/wellness", "wellness.self"),
]


def render(
    request: Request,
    name: str,
    *,
    principal: Principal | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    session = getattr(request.state, "db", None)
    if session is not None and status < 400:  # the handler's work is done: commit it first
        session.commit()
    nav = [(label, path) for label, path, perm in NAV if principal and allowed(principal, perm)]
    context |= {"principal": principal, "nav": nav, "path": request.url.path}
    return TEMPLATES.TemplateResponse(request, name, context, status_code=status)
