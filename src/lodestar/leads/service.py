"""The lead lifecycle: draft → reviewed (by a second person) → sent → acknowledged → outcome.

Keyword-only services on a caller's session; the caller commits. Every change is a
``LeadEvent`` (the lead's own history) and an audit event (the operation's chain). A review
records fingerprints of the lead's content and of each series' members; sending or packaging
a lead whose content or series moved since then needs a new review.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import pycountry
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lodestar.access import Actor, require
from lodestar.audit import append_event
from lodestar.errors import NotFound, UserError
from lodestar.leads.jurisdiction import suggest_countries
from lodestar.series.service import mark_identified
from lodestar.store import Clue, Series, SeriesMember
from lodestar.store.lead_models import Lead, LeadClue, LeadEvent, LeadSeries
from lodestar.store.people_models import Agency

URGENCIES = ("routine", "urgent")
OUTCOMES = (
    "victim_identified",
    "offender_identified",
    "offender_arrested",
    "no_result",
    "transferred",
)
EDITABLE = ("draft", "reviewed")
RESPONDABLE = ("sent", "acknowledged", "outcome")
# What each outcome sets on the lead's series (it then flows into the series' VICS flags).
_SERIES_FLAGS: dict[str, tuple[bool | None, bool | None]] = {  # (victim, offender)
    "victim_identified": (True, None),
    "offender_identified": (None, True),
    "offender_arrested": (None, True),
}


class NeedsReview(UserError):
    code = "needs_review"


def _now() -> datetime:
    return datetime.now(UTC)


# -- reading -----------------------------------------------------------------------------------


def get_lead(session: Session, *, actor: Actor, lead_id: int) -> Lead:
    """The lead, if this actor may see it (a liaison: only leads for their own agency)."""
    require(actor, "lead.view")
    lead = session.get(Lead, lead_id)
    if lead is None or not _visible(actor, lead):
        raise NotFound(f"no lead {lead_id}", detail={"lead_id": lead_id})
    return lead


def get_lead_by_uid(session: Session, *, actor: Actor, uid: str) -> Lead:
    require(actor, "lead.view")
    lead = session.scalar(select(Lead).where(Lead.uid == uid))
    if lead is None or not _visible(actor, lead):
        raise NotFound(f"no lead with uid {uid!r} in this workspace", detail={"lead_uid": uid})
    return lead


def _visible(actor: Actor, lead: Lead) -> bool:
    if not actor.is_liaison:
        return True
    return (
        actor.agency is not None
        and lead.agency_code == actor.agency
        and (lead.status in RESPONDABLE)
    )


def list_leads(
    session: Session,
    *,
    actor: Actor,
    status: str | None = None,
    country: str | None = None,
) -> list[dict[str, Any]]:
    require(actor, "lead.view")
    query = select(Lead).order_by(Lead.id)
    if status is not None:
        query = query.where(Lead.status == status)
    if country is not None:
        query = query.where(Lead.country == country.strip().upper())
    if actor.is_liaison:
        query = query.where(Lead.agency_code == (actor.agency or "\0none"))
        query = query.where(Lead.status.in_(RESPONDABLE))
    leads = list(session.scalars(query))
    series = _series_of(session, [lead.id for lead in leads])
    return [_summary_dict(lead, series.get(lead.id, [])) for lead in leads]


def show_lead(session: Session, *, actor: Actor, lead_id: int) -> dict[str, Any]:
    lead = get_lead(session, actor=actor, lead_id=lead_id)
    series_ids = _series_of(session, [lead.id]).get(lead.id, [])
    out = _summary_dict(lead, series_ids)
    out["urgency_reason"] = lead.urgency_reason
    out["summary"] = lead.summary
    out["country_reasoning"] = lead.country_reasoning
    out["clues"] = [clue_dict(c) for c in lead_clues(session, lead_id=lead.id)]
    stale = staleness(session, lead=lead)
    out["needs_review"] = bool(stale) and lead.status != "draft"
    out["changed_since_review"] = stale
    out["history"] = lead_events(session, lead_id=lead.id)
    return out


def _summary_dict(lead: Lead, series_ids: list[int]) -> dict[str, Any]:
    return {
        "id": lead.id,
        "uid": lead.uid,
        "title": lead.title,
        "status": lead.status,
        "country": lead.country,
        "agency": lead.agency_code,
        "urgency": lead.urgency,
        "outcome": lead.outcome,
        "series": series_ids,
        "created_by": lead.created_by,
        "created_at": lead.created_at,
        "updated_at": lead.updated_at,
    }


def _series_of(session: Session, lead_ids: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    rows = session.execute(
        select(LeadSeries.lead_id, LeadSeries.series_id)
        .where(LeadSeries.lead_id.in_(lead_ids))
        .order_by(LeadSeries.lead_id, LeadSeries.series_id)
    )
    for lead_id, series_id in rows:
        out.setdefault(lead_id, []).append(series_id)
    return out


def lead_series_ids(session: Session, *, lead_id: int) -> list[int]:
    return _series_of(session, [lead_id]).get(lead_id, [])


def lead_clues(session: Session, *, lead_id: int) -> list[Clue]:
    return list(
        session.scalars(
            select(Clue)
            .join(LeadClue, LeadClue.clue_id == Clue.id)
            .where(LeadClue.lead_id == lead_id)
            .order_by(Clue.id)
        )
    )


def clue_dict(clue: Clue) -> dict[str, Any]:
    """A clue with its provenance: which media, which extractor at which version, when."""
    return {
        "id": clue.id,
        "kind": clue.kind,
        "text": clue.text,
        "value": clue.value,
        "confidence": clue.confidence,
        "position": clue.position,
        "media": clue.media_sha256,
        "stage": clue.stage,
        "extractor": clue.extractor,
        "extractor_version": clue.extractor_version,
        "created_at": clue.created_at,
    }


def lead_events(session: Session, *, lead_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(LeadEvent).where(LeadEvent.lead_id == lead_id).order_by(LeadEvent.id)
    )
    return [
        {
            "id": e.id,
            "at": e.at,
            "actor": e.actor,
            "action": e.action,
            "status": e.status,
            "detail": e.detail,
        }
        for e in rows
    ]


def series_members(session: Session, *, series_ids: Sequence[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {sid: [] for sid in series_ids}
    rows = session.execute(
        select(SeriesMember.series_id, SeriesMember.media_sha256)
        .where(SeriesMember.series_id.in_(list(series_ids)))
        .order_by(SeriesMember.series_id, SeriesMember.media_sha256)
    )
    for sid, sha in rows:
        out[sid].append(sha)
    return out


# -- fingerprints ------------------------------------------------------------------------------


def _digest(value: Any) -> str:
    raw = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def current_state(session: Session, *, lead: Lead) -> dict[str, Any]:
    """Fingerprints of what a review vouches for: the lead's content and each series' members."""
    series_ids = lead_series_ids(session, lead_id=lead.id)
    content = {
        "title": lead.title,
        "country": lead.country,
        "agency": lead.agency_code,
        "urgency": lead.urgency,
        "urgency_reason": lead.urgency_reason,
        "summary": lead.summary,
        "series": series_ids,
        "clues": sorted(c.id for c in lead_clues(session, lead_id=lead.id)),
    }
    members = series_members(session, series_ids=series_ids)
    return {
        "lead": _digest(content),
        "series": {
            str(sid): {"sha256": _digest(shas), "size": len(shas)} for sid, shas in members.items()
        },
    }


def staleness(session: Session, *, lead: Lead) -> list[str]:
    """What changed since the review (empty when the review still holds or there was none)."""
    reviewed = lead.reviewed_state
    if reviewed is None:
        return []
    now = current_state(session, lead=lead)
    changes = []
    if now["lead"] != reviewed["lead"]:
        changes.append("the lead's content (country, agency, summary, clues or series)")
    for sid, state in now["series"].items():
        before = reviewed["series"].get(sid)
        if before is not None and before["sha256"] != state["sha256"]:
            changes.append(f"series {sid} members ({before['size']} → {state['size']})")
    return changes


def require_current_review(session: Session, *, lead: Lead, doing: str) -> None:
    if lead.reviewed_state is None:
        raise NeedsReview(
            f"lead {lead.id} has not been reviewed; a second person must review it before {doing}",
            detail={"lead_id": lead.id, "status": lead.status},
        )
    changed = staleness(session, lead=lead)
    if changed:
        raise NeedsReview(
            f"lead {lead.id} changed since its review ({'; '.join(changed)}); "
            f"review it again before {doing}",
            detail={"lead_id": lead.id, "changed": changed},
        )


# -- events ------------------------------------------------------------------------------------


def lead_event(session: Session, lead: Lead, actor: Actor, action: str, **detail: Any) -> None:
    now = _now()
    lead.updated_at = now
    session.add(
        LeadEvent(
            lead_id=lead.id,
            at=now,
            actor=actor.name,
            user_id=actor.user_id,
            action=action,
            status=lead.status,
            detail=detail,
        )
    )
    append_event(
        session,
        actor=actor.name,
        user_id=actor.user_id,
        action=f"lead.{action}",
        target=f"lead:{lead.id}",
        detail={"uid": lead.uid, "status": lead.status, **detail},
    )
    session.flush()


# -- validation --------------------------------------------------------------------------------


def _country(code: str) -> str:
    code = code.strip().upper()
    if pycountry.countries.get(alpha_2=code) is None:
        raise UserError(
            f"{code!r} is not an ISO 3166-1 alpha-2 country code", detail={"country": code}
        )
    return code


def _agency(session: Session, code: str | None, country: str) -> str | None:
    if code is None or not code.strip():
        return None
    agency = session.scalar(select(Agency).where(Agency.code == code.strip().upper()))
    if agency is None:
        raise NotFound(f"no agency {code!r} (add it with `lodestar agencies add`)")
    if agency.country != country:
        raise UserError(
            f"agency {agency.code} is in {agency.country}, not {country}",
            detail={"agency": agency.code, "country": country},
        )
    return agency.code


def _check_series(session: Session, series_ids: Iterable[int]) -> list[int]:
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


def _check_clues(session: Session, clue_ids: Iterable[int], series_ids: list[int]) -> list[int]:
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


def _urgency(value: str) -> str:
    if value not in URGENCIES:
        raise UserError(f"urgency must be one of {', '.join(URGENCIES)}", detail={"urgency": value})
    return value


def _set_links(session: Session, lead_id: int, series_ids: list[int], clue_ids: list[int]) -> None:
    session.execute(delete(LeadSeries).where(LeadSeries.lead_id == lead_id))
    session.execute(delete(LeadClue).where(LeadClue.lead_id == lead_id))
    session.flush()
    session.add_all(LeadSeries(lead_id=lead_id, series_id=sid) for sid in series_ids)
    session.add_all(LeadClue(lead_id=lead_id, clue_id=cid) for cid in clue_ids)
    session.flush()


# -- lifecycle ---------------------------------------------------------------------------------


def create_lead(
    session: Session,
    *,
    actor: Actor,
    series_ids: Sequence[int],
    country: str,
    agency: str | None = None,
    urgency: str = "routine",
    urgency_reason: str = "",
    summary: str = "",
    clue_ids: Sequence[int] = (),
    title: str | None = None,
    country_note: str = "",
) -> dict[str, Any]:
    """A draft lead; the country suggestion and the analyst's choice are kept side by side."""
    require(actor, "lead.edit")
    sids = _check_series(session, series_ids)
    cids = _check_clues(session, clue_ids, sids)
    code = _country(country)
    now = _now()
    lead = Lead(
        uid=str(uuid.uuid4()),
        title=(title or "").strip() or _default_title(session, sids, code),
        status="draft",
        country=code,
        agency_code=_agency(session, agency, code),
        urgency=_urgency(urgency),
        urgency_reason=urgency_reason.strip(),
        summary=summary.strip(),
        country_reasoning=_reasoning(session, sids, code, country_note),
        created_by=actor.name,
        created_at=now,
        updated_at=now,
    )
    session.add(lead)
    session.flush()
    _set_links(session, lead.id, sids, cids)
    lead_event(session, lead, actor, "created", series=sids, clues=cids, country=code)
    return show_lead(session, actor=actor, lead_id=lead.id)


def _default_title(session: Session, series_ids: list[int], country: str) -> str:
    names = []
    for sid in series_ids:
        s = session.get(Series, sid)
        names.append(s.name if s is not None and s.name else f"series {sid}")
    return f"{', '.join(names)} → {country}"


def _reasoning(session: Session, series_ids: list[int], country: str, note: str) -> dict[str, Any]:
    suggestion = suggest_countries(session, series_ids=series_ids)
    ranked = [row["country"] for row in suggestion["countries"]]
    return {
        "suggested": suggestion,
        "chosen": country,
        "chosen_rank": ranked.index(country) + 1 if country in ranked else None,
        "note": note.strip(),
    }


def update_lead(
    session: Session,
    *,
    actor: Actor,
    lead_id: int,
    summary: str | None = None,
    urgency: str | None = None,
    urgency_reason: str | None = None,
    country: str | None = None,
    agency: str | None = None,
    country_note: str | None = None,
    clue_ids: Sequence[int] | None = None,
    series_ids: Sequence[int] | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    """Edit a draft or reviewed lead; a reviewed lead goes back to draft (needs a new review)."""
    require(actor, "lead.edit")
    lead = get_lead(session, actor=actor, lead_id=lead_id)
    if lead.status not in EDITABLE:
        raise UserError(
            f"lead {lead_id} is {lead.status}; only draft or reviewed leads can be edited",
            detail={"lead_id": lead_id, "status": lead.status},
        )
    if (
        all(
            v is None
            for v in (summary, urgency, urgency_reason, country, agency, country_note, clue_ids)
        )
        and series_ids is None
        and title is None
    ):
        raise UserError("nothing to change: give at least one field")
    before = current_state(session, lead=lead)
    sids = _check_series(session, series_ids) if series_ids is not None else None
    link_series = sids or lead_series_ids(session, lead_id=lead.id)
    if clue_ids is not None or sids is not None:
        keep = (
            clue_ids
            if clue_ids is not None
            else [c.id for c in lead_clues(session, lead_id=lead.id)]
        )
        _set_links(session, lead.id, link_series, _check_clues(session, keep, link_series))
    changed = _apply_fields(
        session, lead, link_series, summary, urgency, urgency_reason, country, agency, title
    )
    if country_note is not None:
        lead.country_reasoning = {**lead.country_reasoning, "note": country_note.strip()}
        changed.append("country_note")
    if current_state(session, lead=lead)["lead"] != before["lead"] or changed:
        if lead.status == "reviewed":
            lead.status = "draft"
        lead_event(session, lead, actor, "edited", fields=sorted(set(changed)))
    return show_lead(session, actor=actor, lead_id=lead.id)


def _apply_fields(
    session: Session,
    lead: Lead,
    series_ids: list[int],
    summary: str | None,
    urgency: str | None,
    urgency_reason: str | None,
    country: str | None,
    agency: str | None,
    title: str | None,
) -> list[str]:
    changed = []
    if summary is not None:
        lead.summary = summary.strip()
        changed.append("summary")
    if urgency is not None:
        lead.urgency = _urgency(urgency)
        changed.append("urgency")
    if urgency_reason is not None:
        lead.urgency_reason = urgency_reason.strip()
        changed.append("urgency_reason")
    if title is not None and title.strip():
        lead.title = title.strip()
        changed.append("title")
    if country is not None:
        lead.country = _country(country)
        note = lead.country_reasoning.get("note", "")
        lead.country_reasoning = _reasoning(session, series_ids, lead.country, note)
        changed.append("country")
        if agency is None and lead.agency_code and not lead.agency_code.startswith(lead.country):
            lead.agency_code = None  # the old agency is in another country
    if agency is not None:
        lead.agency_code = _agency(session, agency, lead.country)
        changed.append("agency")
    return changed


def _editors(session: Session, lead: Lead) -> set[str]:
    """Who wrote the lead's content since its last review: they cannot review it."""
    events = lead_events(session, lead_id=lead.id)
    last_review = max((i for i, e in enumerate(events) if e["action"] == "reviewed"), default=-1)
    names = {lead.created_by}
    names |= {e["actor"] for e in events[last_review + 1 :] if e["action"] == "edited"}
    return names


def review_lead(session: Session, *, actor: Actor, lead_id: int, note: str = "") -> dict[str, Any]:
    """A second person vouches for the lead as it stands now (content and series members)."""
    require(actor, "lead.review")
    lead = get_lead(session, actor=actor, lead_id=lead_id)
    if lead.status == "outcome":
        raise UserError(f"lead {lead_id} is closed with an outcome", detail={"lead_id": lead_id})
    if lead.status in RESPONDABLE and not staleness(session, lead=lead):
        raise UserError(f"lead {lead_id} is {lead.status} and unchanged since its review")
    authors = _editors(session, lead)
    if actor.name in authors:
        raise UserError(
            f"{actor.name} wrote this lead; a second person must review it",
            detail={"lead_id": lead_id, "authors": sorted(authors)},
        )
    changed = staleness(session, lead=lead)
    lead.reviewed_state = current_state(session, lead=lead)
    if lead.status == "draft":
        lead.status = "reviewed"
    lead_event(session, lead, actor, "reviewed", note=note.strip(), re_review=changed)
    return show_lead(session, actor=actor, lead_id=lead.id)


def send_lead(session: Session, *, actor: Actor, lead_id: int, note: str = "") -> dict[str, Any]:
    require(actor, "lead.send")
    lead = get_lead(session, actor=actor, lead_id=lead_id)
    if lead.status != "reviewed":
        raise UserError(
            f"lead {lead_id} is {lead.status}; only a reviewed lead can be sent",
            detail={"lead_id": lead_id, "status": lead.status},
        )
    if lead.agency_code is None:
        raise UserError(f"lead {lead_id} has no target agency; set one (edit --agency) first")
    require_current_review(session, lead=lead, doing="sending it")
    lead.status = "sent"
    lead_event(session, lead, actor, "sent", agency=lead.agency_code, note=note.strip())
    return show_lead(session, actor=actor, lead_id=lead.id)


def acknowledge_lead(
    session: Session,
    *,
    actor: Actor,
    lead_id: int,
    reference: str = "",
    note: str = "",
    via: str = "workbench",
) -> dict[str, Any]:
    """The partner received the lead (their own case reference, if they gave one)."""
    require(actor, "lead.respond")
    lead = get_lead(session, actor=actor, lead_id=lead_id)
    if lead.status != "sent":
        raise UserError(
            f"lead {lead_id} is {lead.status}; only a sent lead can be acknowledged",
            detail={"lead_id": lead_id, "status": lead.status},
        )
    lead.status = "acknowledged"
    lead_event(
        session,
        lead,
        actor,
        "acknowledged",
        reference=reference.strip(),
        note=note.strip(),
        via=via,
    )
    return show_lead(session, actor=actor, lead_id=lead.id)


def record_outcome(
    session: Session,
    *,
    actor: Actor,
    lead_id: int,
    outcome: str,
    note: str = "",
    count: int = 1,
    to_country: str | None = None,
    via: str = "workbench",
) -> dict[str, Any]:
    """An outcome of a sent lead; identifications flow into the lead's series."""
    require(actor, "lead.respond")
    lead = get_lead(session, actor=actor, lead_id=lead_id)
    detail = _outcome_detail(lead, outcome, note, count, to_country, via)
    lead.status, lead.outcome = "outcome", outcome
    flags = _SERIES_FLAGS.get(outcome)
    if flags:
        for sid in lead_series_ids(session, lead_id=lead.id):
            mark_identified(
                session, series_id=sid, actor=actor.name, victim=flags[0], offender=flags[1]
            )
    lead_event(session, lead, actor, "outcome", **detail)
    return show_lead(session, actor=actor, lead_id=lead.id)


def _outcome_detail(
    lead: Lead, outcome: str, note: str, count: int, to_country: str | None, via: str
) -> dict[str, Any]:
    if lead.status not in RESPONDABLE:
        raise UserError(
            f"lead {lead.id} is {lead.status}; outcomes are recorded for sent leads",
            detail={"lead_id": lead.id, "status": lead.status},
        )
    if outcome not in OUTCOMES:
        raise UserError(
            f"outcome must be one of {', '.join(OUTCOMES)}", detail={"outcome": outcome}
        )
    if count < 1:
        raise UserError("count must be at least 1")
    detail: dict[str, Any] = {"outcome": outcome, "count": count, "note": note.strip(), "via": via}
    if outcome == "transferred":
        if not to_country:
            raise UserError("a transfer names the country it went to (--to-country CC)")
        detail["to_country"] = _country(to_country)
    elif to_country:
        raise UserError("--to-country applies to the 'transferred' outcome only")
    return detail
