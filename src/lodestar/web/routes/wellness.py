"""My wellness (exposure, break reminder, preferences) and the coordinator's team view."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

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


def _bounded(key: str, where: Callable[..., Any] = Field, **kw: Any) -> Any:
    """A limit's own bounds (review.media.LIMIT_BOUNDS) at the edge: a 2^64 is a 422 in the
    one shape, as in every other route; the service still checks the combination (and the
    preference against the limits in force, which move)."""
    low, high = wellness.LIMIT_BOUNDS[key]
    return where(ge=low, le=high, **kw)


Blur = Annotated[int, _bounded("blur_default")]  # any blur a coordinator could allow


class PreferenceIn(BaseModel):
    blur: Blur
    colour: bool = False


class LimitsIn(BaseModel):
    blur_min: int | None = _bounded("blur_min", default=None)
    blur_max: int | None = _bounded("blur_max", default=None)
    blur_default: int | None = _bounded("blur_default", default=None)
    colour_allowed: bool | None = None
    reveal_s: int | None = _bounded("reveal_s", default=None)
    break_after_s: int | None = _bounded("break_after_s", default=None)
    break_window_s: int | None = _bounded("break_window_s", default=None)


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
    blur: Annotated[int, _bounded("blur_default", Form)], colour: Annotated[bool, Form()] = False
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
    blur_min: Annotated[int, _bounded("blur_min", Form)],
    blur_max: Annotated[int, _bounded("blur_max", Form)],
    blur_default: Annotated[int, _bounded("blur_default", Form)],
    reveal_s: Annotated[int, _bounded("reveal_s", Form)],
    break_after_s: Annotated[int, _bounded("break_after_s", Form)],
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
