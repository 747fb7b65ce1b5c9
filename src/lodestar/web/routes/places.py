"""The map of place clues: vendored country outlines drawn server-side (no tiles, no CDN)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from lodestar.access import agency_scope
from lodestar.audit import append_event
from lodestar.review.auth import Principal
from lodestar.web import world_map
from lodestar.web.deps import DB, permitted
from lodestar.web.pages import render

router = APIRouter()
Viewer = Annotated[Principal, Depends(permitted("map.view"))]


def _places(session: DB, principal: Principal, via: str) -> list[dict[str, Any]]:
    points = world_map.places(session, scope=agency_scope(principal))
    append_event(
        session,
        actor=principal.username,
        user_id=principal.user_id,
        action="map.view",
        detail={"via": via, "places": len(points)},
    )
    return points


@router.get("/map", include_in_schema=False)
def map_page(request: Request, session: DB, principal: Viewer) -> Response:
    points = _places(session, principal, "page")
    hit = {p["country_code"] for p in points}
    return render(
        request,
        "map.html",
        principal=principal,
        points=points,
        countries=world_map.countries(),
        hit=hit,
        width=world_map.WIDTH,
        height=world_map.HEIGHT,
    )


@router.get("/api/places", summary="Place clues as points (town, country, media, series)")
def places_api(session: DB, principal: Viewer) -> list[dict[str, Any]]:
    return _places(session, principal, "api")
