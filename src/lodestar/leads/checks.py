"""Checks of what an analyst asks a lead to be: country, agency, series, clues, urgency.

Each returns the normalised value or raises the error the CLI and the web show as is.
"""

from __future__ import annotations

from collections.abc import Iterable

import pycountry
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.errors import NotFound, UserError
from lodestar.leads.links import series_members
from lodestar.store import Clue, Series
from lodestar.store.people_models import Agency

URGENCIES = ("routine", "urgent")


def country(code: str) -> str:
    code = code.strip().upper()
    if pycountry.countries.get(alpha_2=code) is None:
        raise UserError(
            f"{code!r} is not an ISO 3166-1 alpha-2 country code", detail={"country": code}
        )
    return code


def agency(session: Session, code: str | None, in_country: str) -> str | None:
    """The agency's code, which must be in ``in_country``; None when no agency is named."""
    if code is None or not code.strip():
        return None
    found = session.scalar(select(Agency).where(Agency.code == code.strip().upper()))
    if found is None:
        raise NotFound(f"no agency {code!r} (add it with `lodestar agencies add`)")
    if found.country != in_country:
        raise UserError(
            f"agency {found.code} is in {found.country}, not {in_country}",
            detail={"agency": found.code, "country": in_country},
        )
    return found.code


def series(session: Session, series_ids: Iterable[int]) -> list[int]:
    """Sorted, unique ids of active, non-empty series (at least one)."""
    ids = sorted(set(series_ids))
    if not ids:
        raise UserError("a lead needs at least one series (--series ID)")
    members = series_members(session, series_ids=ids)
    for sid in ids:
        s = session.get(Series, sid)
        if s is None:
            raise NotFound(f"no series {sid}", detail={"series_id": sid})
        if s.status != "active" or not members[sid]:
            raise UserError(
                f"series {sid} is {s.status if s.status != 'active' else 'empty'}",
                detail={"series_id": sid},
            )
    return ids


def clues(session: Session, clue_ids: Iterable[int], series_ids: list[int]) -> list[int]:
    """Sorted, unique ids of clues about media inside the lead's series."""
    ids = sorted(set(clue_ids))
    inside = {
        sha for shas in series_members(session, series_ids=series_ids).values() for sha in shas
    }
    for cid in ids:
        clue = session.get(Clue, cid)
        if clue is None:
            raise NotFound(f"no clue {cid}", detail={"clue_id": cid})
        if clue.media_sha256 not in inside:
            raise UserError(
                f"clue {cid} is about media {clue.media_sha256[:12]}…, which is in none of "
                f"series {', '.join(map(str, series_ids))}",
                detail={"clue_id": cid},
            )
    return ids


def urgency(value: str) -> str:
    if value not in URGENCIES:
        raise UserError(f"urgency must be one of {', '.join(URGENCIES)}", detail={"urgency": value})
    return value
