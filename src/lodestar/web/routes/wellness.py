"""My wellness (exposure, break reminder, preferences) and the coordinator's team view."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from lodestar.access import allowed
from lodestar.review import media as wellness
from lodestar.review.auth import Principal
from lodestar.web.deps import DB, now_of, permitted
from lodestar.web.pages import render
from lodestar.web.routes._twin import twin

router = APIRouter()
Self = Annotated[Principal, Depends(permitted("wellness.self"))]
Team = Annotated[Principal, Depends(permitted("wellness.team"))]
Limits = Annotated[Principal, Depends(permitted("wellness.limits"))]


class PreferenceIn(BaseModel):
    blur: int
    colour: bool = False


class LimitsIn(BaseModel):
    blur_min: int | None = None
    blur_max: int | None = None
    blur_default: int | None = None
    colour_allowed: bool | None = None
    reveal_s: int | None = None
    break_after_s: int | None = None
    break_window_s: int | None = None


@router.get("/wellness", include_in_schema=False)
def wellness_page(request: Request, session: DB, principal: Self) -> Response:
    now = now_of(request)
    mine = wellness.my_wellness(session, user_id=principal.user_id, now=now)
    team = wellness.team_wellness(session, now=now) if allowed(principal, "wellness.team") else None
    return render(request, "wellness.html", principal=principal, mine=mine, team=team)


@router.get("/api/wellness", summary="Your exposure today and in the break window")
def wellness_api(request: Request, session: DB, principal: Self) -> dict[str, Any]:
    return wellness.my_wellness(session, user_id=principal.user_id, now=now_of(request))


@router.get("/api/wellness/team", summary="Team aggregates (no names, no ranking)")
def team_api(request: Request, session: DB, principal: Team) -> dict[str, Any]:
    return wellness.team_wellness(session, now=now_of(request))


def _to_wellness() -> Response:
    return RedirectResponse("/wellness", status_code=303)


twin_to_wellness = partial(twin, router, then=_to_wellness)


def _preference_fields(
    blur: Annotated[int, Form()], colour: Annotated[bool, Form()] = False
) -> PreferenceIn:
    return PreferenceIn(blur=blur, colour=colour)


@twin_to_wellness(
    "/api/wellness/preferences",
    summary="Your blur strength and colour",
    fields=_preference_fields,
)
def preferences(session: DB, principal: Self, body: PreferenceIn) -> dict[str, Any]:
    return wellness.set_preference(
        session,
        user_id=principal.user_id,
        blur=body.blur,
        colour=body.colour,
        actor=principal.username,
    )


def _limits_fields(
    blur_min: Annotated[int, Form()],
    blur_max: Annotated[int, Form()],
    blur_default: Annotated[int, Form()],
    reveal_s: Annotated[int, Form()],
    break_after_s: Annotated[int, Form()],
    colour_allowed: Annotated[bool, Form()] = False,
) -> LimitsIn:
    """The form sets every limit but the break window (the API may change any one alone)."""
    return LimitsIn(
        blur_min=blur_min,
        blur_max=blur_max,
        blur_default=blur_default,
        reveal_s=reveal_s,
        break_after_s=break_after_s,
        colour_allowed=colour_allowed,
    )


@twin_to_wellness(
    "/api/wellness/limits",
    summary="Operation wellness limits (coordinator)",
    fields=_limits_fields,
)
def limits(session: DB, principal: Limits, body: LimitsIn) -> dict[str, Any]:
    return wellness.set_limits(
        session,
        changes=body.model_dump(exclude_none=True),
        actor=principal.username,
        user_id=principal.user_id,
    )
