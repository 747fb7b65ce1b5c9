"""Routers, one module per domain (pages and their /api twins side by side)."""

from __future__ import annotations

from fastapi import APIRouter

from lodestar.web.routes import (
    audit,
    crops,
    lead_files,
    leads,
    media,
    operation,
    people,
    places,
    report,
    series,
    session,
    wellness,
)

ROUTERS: list[APIRouter] = [
    session.router,
    operation.router,
    media.router,
    wellness.router,
    audit.router,
    people.router,
    series.router,
    places.router,
    lead_files.router,  # before leads: /leads/verify is not /leads/{lead_id}
    leads.router,
    report.router,
    crops.router,
]
