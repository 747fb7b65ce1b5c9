"""Wellness-first media: server-side blur + greyscale, audited reveals, exposure accounting.

The browser only ever receives the blurred rendering, produced here from the workspace
thumbnail, until the user reveals that one media; the clear bytes are then served to that
user for ``reveal_s`` seconds (or until they hide it). Exposure time is the union of a
user's reveal intervals, so two images open at once count once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lodestar.audit import append_event
from lodestar.errors import UserError
from lodestar.store import Media
from lodestar.store.people_models import OperationSetting, Preference, Reveal, User

DEFAULT_LIMITS: dict[str, Any] = {
    "blur_min": 6,  # Gaussian radius (px on the 256 px thumbnail) users may not go below
    "blur_max": 40,
    "blur_default": 16,
    "colour_allowed": False,  # may users see the blurred rendering in colour?
    "reveal_s": 60,  # how long one reveal keeps the clear image available
    "break_after_s": 15 * 60,  # exposure within the window that triggers a break reminder
    "break_window_s": 60 * 60,
}
# (lowest, highest) each limit may be set to; the web takes its request bounds from here too.
LIMIT_BOUNDS = {
    "blur_min": (2, 80),
    "blur_max": (2, 80),
    "blur_default": (2, 80),
    "reveal_s": (5, 600),
    "break_after_s": (60, 8 * 3600),
    "break_window_s": (600, 24 * 3600),
}


# --- limits and preferences -------------------------------------------------------------------


def get_limits(session: Session) -> dict[str, Any]:
    row = session.get(OperationSetting, "wellness")
    return DEFAULT_LIMITS | (row.value if row else {})


def set_limits(
    session: Session, *, changes: dict[str, Any], actor: str, user_id: int | None
) -> dict[str, Any]:
    limits = get_limits(session)
    for key, value in changes.items():
        if key == "colour_allowed":
            limits[key] = bool(value)
            continue
        if key not in LIMIT_BOUNDS:
            raise UserError(f"unknown wellness limit {key!r}")
        low, high = LIMIT_BOUNDS[key]
        if not isinstance(value, int) or not low <= value <= high:
            raise UserError(f"{key} must be a whole number from {low} to {high}")
        limits[key] = value
    if not limits["blur_min"] <= limits["blur_default"] <= limits["blur_max"]:
        raise UserError("need blur_min ≤ blur_default ≤ blur_max")
    row = session.get(OperationSetting, "wellness")
    if row is None:
        session.add(OperationSetting(key="wellness", value=limits))
    else:
        row.value = dict(limits)
    append_event(session, actor=actor, user_id=user_id, action="wellness.limits", detail=changes)
    return limits


def get_preference(session: Session, *, user_id: int) -> dict[str, Any]:
    """The user's choice, brought back inside the current limits (limits may have moved)."""
    limits = get_limits(session)
    pref = session.get(Preference, user_id)
    blur = pref.blur if pref else limits["blur_default"]
    colour = bool(pref.colour) if pref else False
    return {
        "blur": min(max(blur, limits["blur_min"]), limits["blur_max"]),
        "colour": colour and limits["colour_allowed"],
    }


def set_preference(
    session: Session, *, user_id: int, blur: int, colour: bool, actor: str
) -> dict[str, Any]:
    limits = get_limits(session)
    if not limits["blur_min"] <= blur <= limits["blur_max"]:
        raise UserError(f"blur must be from {limits['blur_min']} to {limits['blur_max']}")
    if colour and not limits["colour_allowed"]:
        raise UserError("the coordinator has not allowed colour for this operation")
    pref = session.get(Preference, user_id)
    if pref is None:
        session.add(Preference(user_id=user_id, blur=blur, colour=colour))
    else:
        pref.blur, pref.colour = blur, colour
    append_event(
        session,
        actor=actor,
        user_id=user_id,
        action="wellness.preference",
        detail={"blur": blur, "colour": colour},
    )
    return {"blur": blur, "colour": colour}


# --- reveals and exposure ---------------------------------------------------------------------


def reveal(
    session: Session, *, user: User, media: Media, now: datetime, via: str = "web"
) -> Reveal:
    limits = get_limits(session)
    row = Reveal(
        user_id=user.id,
        media_sha256=media.sha256,
        started_at=now,
        ends_at=now + timedelta(seconds=int(limits["reveal_s"])),
    )
    session.add(row)
    append_event(
        session,
        actor=user.username,
        user_id=user.id,
        action="media.reveal",
        target=f"media:{media.sha256}",
        detail={"seconds": limits["reveal_s"], "via": via},
    )
    session.flush()
    return row


def active_reveal(session: Session, *, user_id: int, sha256: str, now: datetime) -> Reveal | None:
    rows = session.scalars(
        select(Reveal)
        .where(Reveal.user_id == user_id, Reveal.media_sha256 == sha256)
        .order_by(Reveal.id.desc())
        .limit(1)
    )
    latest = rows.first()
    if latest is None:
        return None
    return latest if as_utc(latest.started_at) <= now < as_utc(latest.ends_at) else None


def hide(
    session: Session, *, user_id: int, actor: str, sha256: str, now: datetime, via: str = "web"
) -> int:
    """End this user's open reveals of one media now; the exposure stops counting.

    Audited like the reveal (issue 16 #13), even when nothing was open: the log then shows
    when the clear image went away, not only when it came, and a hide of an already hidden
    media is still the user's act (``ended`` says how many reveals it closed)."""
    result = session.execute(
        update(Reveal)
        .where(Reveal.user_id == user_id, Reveal.media_sha256 == sha256, Reveal.ends_at > now)
        .values(ends_at=now)
    )
    ended = int(getattr(result, "rowcount", 0) or 0)
    append_event(
        session,
        actor=actor,
        user_id=user_id,
        action="media.hide",
        target=f"media:{sha256}",
        detail={"via": via, "ended": ended},
    )
    return ended


def exposure_seconds(session: Session, *, user_id: int, since: datetime, now: datetime) -> float:
    rows = session.execute(
        select(Reveal.started_at, Reveal.ends_at)
        .where(Reveal.user_id == user_id, Reveal.ends_at > since, Reveal.started_at < now)
        .order_by(Reveal.started_at)
    ).all()
    return _union_seconds([(max(as_utc(s), since), min(as_utc(e), now)) for s, e in rows])


def _union_seconds(intervals: list[tuple[datetime, datetime]]) -> float:
    total, end = 0.0, None
    for start, stop in sorted(intervals):
        if end is not None and start < end:
            start = end
        if stop > start:
            total += (stop - start).total_seconds()
        end = stop if end is None else max(end, stop)
    return total


def my_wellness(session: Session, *, user_id: int, now: datetime) -> dict[str, Any]:
    limits = get_limits(session)
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    window_start = now - timedelta(seconds=int(limits["break_window_s"]))
    recent = exposure_seconds(session, user_id=user_id, since=window_start, now=now)
    return {
        "exposure_today_s": round(
            exposure_seconds(session, user_id=user_id, since=day_start, now=now), 1
        ),
        "exposure_recent_s": round(recent, 1),
        "break_window_s": limits["break_window_s"],
        "break_after_s": limits["break_after_s"],
        "break_due": recent >= limits["break_after_s"],
        "preference": get_preference(session, user_id=user_id),
        "limits": limits,
    }


def team_wellness(session: Session, *, now: datetime) -> dict[str, Any]:
    """Aggregates only: how much, how many past the threshold — never who, never a ranking."""
    limits = get_limits(session)
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    users = session.scalars(
        select(Reveal.user_id).where(Reveal.ends_at > day_start).distinct()
    ).all()
    per_user = [exposure_seconds(session, user_id=u, since=day_start, now=now) for u in users]
    exposed = [s for s in per_user if s > 0]
    return {
        "people_exposed_today": len(exposed),
        "exposure_today_total_s": round(sum(exposed), 1),
        "exposure_today_mean_s": round(sum(exposed) / len(exposed), 1) if exposed else 0.0,
        "people_past_break_threshold": sum(s >= limits["break_after_s"] for s in exposed),
    }


def as_utc(value: datetime) -> datetime:
    # SQLite gives naive datetimes back; they were stored in UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
