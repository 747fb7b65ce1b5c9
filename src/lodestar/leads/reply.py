"""Partner replies: a JSON file that acknowledges a lead and/or records its outcomes.

Shape (``lodestar-lead-reply/1``)::

    {"format": "lodestar-lead-reply/1", "lead_uid": "<uid from the package>",
     "agency": "PT-PJ", "reference": "their case number", "acknowledged": true,
     "outcomes": [{"outcome": "victim_identified", "count": 1, "note": "…"}]}

The whole file is checked before anything is written: a reply for a lead this workspace does
not know, from another agency, or with a bad outcome changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from lodestar.access import Actor, require
from lodestar.errors import DataError, NotFound, UserError
from lodestar.leads.events import lead_event, lead_events
from lodestar.leads.lifecycle import OUTCOMES, acknowledge_lead, record_outcome
from lodestar.leads.queries import get_lead_by_uid, show_lead

REPLY_FORMAT = "lodestar-lead-reply/1"
MAX_REPLY_BYTES = 1 << 20  # a reply is a few lines; anything larger is not one


def reply_template(*, lead_uid: str, agency: str | None) -> dict[str, Any]:
    """What a partner fills in (shipped inside each package as reply-template.json)."""
    return {
        "format": REPLY_FORMAT,
        "lead_uid": lead_uid,
        "agency": agency,
        "reference": "",
        "acknowledged": True,
        "outcomes": [],
        "_outcomes_allowed": list(OUTCOMES),
    }


def read_reply(path: Path) -> tuple[dict[str, Any], str]:
    """The parsed, checked reply and the SHA-256 of its bytes; DataError names the file."""
    path = Path(path)
    try:
        raw = path.read_bytes()[: MAX_REPLY_BYTES + 1]
    except OSError as exc:
        raise UserError(f"cannot read reply {path}: {exc.strerror}") from exc
    if len(raw) > MAX_REPLY_BYTES:
        raise DataError(f"reply {path}: larger than {MAX_REPLY_BYTES} bytes; not a lead reply")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise DataError(f"reply {path}: not JSON ({exc})") from exc
    _check_shape(path, data)
    return data, hashlib.sha256(raw).hexdigest()


def _check_shape(path: Path, data: Any) -> None:
    def bad(why: str) -> DataError:
        return DataError(f"reply {path}: {why}; nothing was changed", detail={"file": str(path)})

    if not isinstance(data, dict) or data.get("format") != REPLY_FORMAT:
        raise bad(f"not a {REPLY_FORMAT} file (its 'format' must say so)")
    if not isinstance(data.get("lead_uid"), str) or not data["lead_uid"].strip():
        raise bad("'lead_uid' is missing")
    if not isinstance(data.get("agency"), str):
        raise bad("'agency' (the replying agency's code) is missing")
    if not isinstance(data.get("acknowledged", False), bool):
        raise bad("'acknowledged' must be true or false")
    outcomes = data.get("outcomes", [])
    if not isinstance(outcomes, list):
        raise bad("'outcomes' must be a list")
    for n, item in enumerate(outcomes, start=1):
        if not isinstance(item, dict) or item.get("outcome") not in OUTCOMES:
            raise bad(f"outcome {n} must be one of {', '.join(OUTCOMES)}")
        count = item.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise bad(f"outcome {n}: 'count' must be a whole number ≥ 1")
        if (item["outcome"] == "transferred") != bool(item.get("to_country")):
            raise bad(f"outcome {n}: 'to_country' goes with (and only with) 'transferred'")


def import_reply(session: Session, *, actor: Actor, path: Path) -> dict[str, Any]:
    """Apply a partner's reply to its lead (acknowledge, outcomes), all or nothing."""
    require(actor, "lead.respond")
    data, digest = read_reply(path)
    try:
        lead = get_lead_by_uid(session, actor=actor, uid=data["lead_uid"].strip())
    except NotFound as exc:
        raise NotFound(
            f"reply {path}: {exc.message}; nothing was changed",
            detail={"file": str(path), **exc.detail},
        ) from None
    if (lead.agency_code or "") != data["agency"].strip().upper():
        raise DataError(
            f"reply {path}: lead {lead.id} was sent to {lead.agency_code}, "
            f"not {data['agency']}; nothing was changed",
            detail={"file": str(path), "lead_id": lead.id},
        )
    if any(
        e["detail"].get("reply_sha256") == digest for e in lead_events(session, lead_id=lead.id)
    ):
        raise UserError(f"reply {path} was imported already", detail={"lead_id": lead.id})
    if lead.status not in ("sent", "acknowledged", "outcome"):
        raise UserError(f"reply {path}: lead {lead.id} is {lead.status}, it was never sent")
    with session.begin_nested():  # one unit: a failure part-way leaves the lead as it was
        _apply(session, actor, lead.id, lead.status, data)
        lead_event(
            session, lead, actor, "reply_imported", reply_sha256=digest, file=Path(path).name
        )
    return show_lead(session, actor=actor, lead_id=lead.id)


def _apply(session: Session, actor: Actor, lead_id: int, status: str, data: dict[str, Any]) -> None:
    reference = str(data.get("reference") or "")
    if status == "sent" and (data.get("acknowledged", False) or data.get("outcomes")):
        acknowledge_lead(session, actor=actor, lead_id=lead_id, reference=reference, via="reply")
    for item in data.get("outcomes", []):
        record_outcome(
            session,
            actor=actor,
            lead_id=lead_id,
            outcome=item["outcome"],
            note=str(item.get("note") or ""),
            count=int(item.get("count", 1)),
            to_country=item.get("to_country"),
            via="reply",
        )
