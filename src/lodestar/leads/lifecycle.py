"""The lead lifecycle: draft → reviewed (by a second person) → sent → acknowledged → outcome.

Keyword-only services on a caller's session; the caller commits. Every change is a lead event
(:mod:`lodestar.leads.events`). Whoever wrote a lead's content since its last review cannot
review it; a review records fingerprints (:mod:`lodestar.leads.staleness`), so sending a lead
whose content or series moved since then needs a new review. Each service returns the lead as
:func:`lodestar.leads.queries.show_lead` shows it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lodestar.access import Actor, require
from lodestar.errors import UserError
from lodestar.leads import checks
from lodestar.leads.events import lead_event, lead_events
from lodestar.leads.jurisdiction import suggest_countries
from lodestar.leads.links import lead_clues, lead_series_ids
from lodestar.leads.queries import RESPONDABLE, get_lead, show_lead
from lodestar.leads.staleness import current_state, require_current_review, staleness
from lodestar.series.service import mark_identified
from lodestar.store import Series
from lodestar.store.lead_models import Lead, LeadClue, LeadEvent, LeadSeries

OUTCOMES = (
    "victim_identified",
    "offender_identified",
    "offender_arrested",
    "no_result",
    "transferred",
)
EDITABLE = ("draft", "reviewed")
# The most victims or offenders one outcome may report: the API, the form, the CLI and partner
# replies all pass through record_outcome, so this is the one bound (the report sums counts).
MAX_COUNT = 10_000
MIN_CORRECTION = 15  # characters: why a recorded outcome is replaced, not "typo"
# What each outcome sets on the lead's series (it then flows into the series' VICS flags).
_SERIES_FLAGS: dict[str, tuple[bool | None, bool | None]] = {  # (victim, offender)
    "victim_identified": (True, None),
    "offender_identified": (None, True),
    "offender_arrested": (None, True),
}


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
    sids = checks.series(session, series_ids)
    cids = checks.clues(session, clue_ids, sids)
    code = checks.country(country)
    now = datetime.now(UTC)
    lead = Lead(
        uid=str(uuid.uuid4()),
        title=(title or "").strip() or _default_title(session, sids, code),
        status="draft",
        country=code,
        agency_code=checks.agency(session, agency, code),
        urgency=checks.urgency(urgency),
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
    sids = checks.series(session, series_ids) if series_ids is not None else None
    link_series = sids or lead_series_ids(session, lead_id=lead.id)
    if clue_ids is not None or sids is not None:
        keep = (
            clue_ids
            if clue_ids is not None
            else [c.id for c in lead_clues(session, lead_id=lead.id)]
        )
        _set_links(session, lead.id, link_series, checks.clues(session, keep, link_series))
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
        lead.urgency = checks.urgency(urgency)
        changed.append("urgency")
    if urgency_reason is not None:
        lead.urgency_reason = urgency_reason.strip()
        changed.append("urgency_reason")
    if title is not None and title.strip():
        lead.title = title.strip()
        changed.append("title")
    if country is not None:
        lead.country = checks.country(country)
        note = lead.country_reasoning.get("note", "")
        lead.country_reasoning = _reasoning(session, series_ids, lead.country, note)
        changed.append("country")
        if agency is None and lead.agency_code and not lead.agency_code.startswith(lead.country):
            lead.agency_code = None  # the old agency is in another country
    if agency is not None:
        lead.agency_code = checks.agency(session, agency, lead.country)
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
    correction: str = "",
) -> dict[str, Any]:
    """An outcome of a sent lead; identifications flow into the lead's series.

    Each kind of outcome is recorded once per lead: the report sums them, so a repeat would
    count the same victims twice. Changing a recorded one takes a ``correction`` (a reason):
    the outcome's figures are replaced and an ``outcome_corrected`` event keeps what it was
    (the audit chain also keeps the original ``lead.outcome`` event as it was written).
    """
    require(actor, "lead.respond")
    lead = get_lead(session, actor=actor, lead_id=lead_id)
    detail = _outcome_detail(lead, outcome, note, count, to_country, via)
    recorded = _recorded_outcome(session, lead.id, outcome)
    reason = correction.strip()
    if recorded is not None and not reason:
        raise UserError(
            f"lead {lead.id} already has a {outcome} outcome (count {recorded.detail.get('count')}"
            "); to change it, record it again as a correction with a reason",
            detail={"lead_id": lead.id, "outcome": outcome, "event_id": recorded.id},
        )
    if reason and recorded is None:
        raise UserError(
            f"lead {lead.id} has no {outcome} outcome to correct",
            detail={"lead_id": lead.id, "outcome": outcome},
        )
    if recorded is not None and len(reason) < MIN_CORRECTION:
        raise UserError(
            f"a correction needs a written reason (at least {MIN_CORRECTION} characters)",
            detail={"lead_id": lead.id, "outcome": outcome},
        )
    lead.status, lead.outcome = "outcome", outcome
    flags = _SERIES_FLAGS.get(outcome)
    if flags:
        for sid in lead_series_ids(session, lead_id=lead.id):
            mark_identified(
                session, series_id=sid, actor=actor.name, victim=flags[0], offender=flags[1]
            )
    if recorded is None:
        lead_event(session, lead, actor, "outcome", **detail)
    else:
        before = dict(recorded.detail)
        # A new dict: the JSON column tracks assignment, not mutation.
        recorded.detail = {**detail, "corrected_at": datetime.now(UTC).isoformat()}
        lead_event(
            session,
            lead,
            actor,
            "outcome_corrected",
            outcome=outcome,
            event_id=recorded.id,
            reason=reason,
            before=before,
            after=detail,
        )
    return show_lead(session, actor=actor, lead_id=lead.id)


def _recorded_outcome(session: Session, lead_id: int, outcome: str) -> LeadEvent | None:
    """The lead's ``outcome`` event of this kind, if one was recorded."""
    events = session.scalars(
        select(LeadEvent)
        .where(LeadEvent.lead_id == lead_id, LeadEvent.action == "outcome")
        .order_by(LeadEvent.id)
    )
    return next((e for e in events if e.detail.get("outcome") == outcome), None)


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
    # bool is an int in Python: "count": true is no count.
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_COUNT:
        raise UserError(
            f"count must be a whole number from 1 to {MAX_COUNT}", detail={"count": str(count)}
        )
    detail: dict[str, Any] = {"outcome": outcome, "count": count, "note": note.strip(), "via": via}
    if outcome == "transferred":
        if not to_country:
            raise UserError("a transfer names the country it went to (--to-country CC)")
        detail["to_country"] = checks.country(to_country)
    elif to_country:
        raise UserError("--to-country applies to the 'transferred' outcome only")
    return detail


def _set_links(session: Session, lead_id: int, series_ids: list[int], clue_ids: list[int]) -> None:
    session.execute(delete(LeadSeries).where(LeadSeries.lead_id == lead_id))
    session.execute(delete(LeadClue).where(LeadClue.lead_id == lead_id))
    session.flush()
    session.add_all(LeadSeries(lead_id=lead_id, series_id=sid) for sid in series_ids)
    session.add_all(LeadClue(lead_id=lead_id, clue_id=cid) for cid in clue_ids)
    session.flush()
