"""Routers, one module per domain (pages and their /api twins side by side).

The series pages (next half, ``lodestar.series`` read-side) add their router to ROUTERS.
"""

from __future__ import annotations

from fastapi import APIRouter

from lodestar.review.routes import audit, media, operation, people, session, wellness

ROUTERS: list[APIRouter] = [
    session.router,
    operation.router,
    media.router,
    wellness.router,
    audit.router,
    people.router,
    # series.router — next half
]
