"""The lead lifecycle on SQLite and PostgreSQL: roles, the second reviewer, liaison scope,
re-review after a series change, outcomes flowing into series, partner replies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lodestar.audit import head, verify_chain
from lodestar.errors import DataError, Forbidden, NotFound, UserError
from lodestar.leads import reply, service
from lodestar.series.service import move_media, show_series
from lodestar.store.lead_models import LeadEvent
from lodestar.store.people_models import AuditEvent
from lodestar.workspace import Workspace

from .operation import Op, build_operation


@pytest.fixture
def op(ws: Workspace) -> Op:
    return build_operation(ws)


def _create(op: Op, **kw: object) -> dict:
    with op.ws.store.session() as s:
        args = {
            "actor": op.actor("ana"),
            "series_ids": [op.series["A"]],
            "country": "PT",
            "agency": "PT-PJ",
            "urgency": "urgent",
            "urgency_reason": "recent production",
            "summary": "Room with Portuguese text; GPS near Lisbon.",
            "clue_ids": [op.clues["place"], op.clues["language"]],
            **kw,
        }
        return service.create_lead(s, **args)  # type: ignore[arg-type]


def _call(op: Op, fn: object, **kw: object) -> dict:
    with op.ws.store.session() as s:
        return fn(s, **kw)  # type: ignore[operator,no-any-return]


def test_lifecycle_roles_and_liaison_scope(op: Op) -> None:
    lead = _create(op)
    assert lead["status"] == "draft" and lead["country"] == "PT"
    suggested = lead["country_reasoning"]["suggested"]["countries"]
    assert suggested[0]["country"] == "PT" and lead["country_reasoning"]["chosen_rank"] == 1
    assert {e["clue_id"] for e in suggested[0]["evidence"]} >= {op.clues["place"]}
    assert {c["extractor"] for c in lead["clues"]} == {"places", "ocr-language"}
    lid = lead["id"]
    with pytest.raises(UserError, match="second person"):
        _call(op, service.review_lead, actor=op.actor("ana"), lead_id=lid)
    with pytest.raises(Forbidden):
        _call(op, service.review_lead, actor=op.actor("lia-pt"), lead_id=lid)
    with pytest.raises(UserError, match="only a reviewed lead"):
        _call(op, service.send_lead, actor=op.actor("ana"), lead_id=lid)
    # A liaison never sees drafts, even for their own agency.
    assert _call(op, service.list_leads, actor=op.actor("lia-pt")) == []
    reviewed = _call(op, service.review_lead, actor=op.actor("bea"), lead_id=lid, note="ok")
    assert reviewed["status"] == "reviewed" and not reviewed["needs_review"]
    with pytest.raises(Forbidden):
        _call(op, service.send_lead, actor=op.actor("aud"), lead_id=lid)
    sent = _call(op, service.send_lead, actor=op.actor("ana"), lead_id=lid)
    assert sent["status"] == "sent"

    assert [r["id"] for r in _call(op, service.list_leads, actor=op.actor("lia-pt"))] == [lid]
    assert _call(op, service.list_leads, actor=op.actor("lia-nl")) == []
    with pytest.raises(NotFound):
        _call(op, service.show_lead, actor=op.actor("lia-nl"), lead_id=lid)
    with pytest.raises(NotFound):
        _call(op, service.acknowledge_lead, actor=op.actor("lia-nl"), lead_id=lid)
    with pytest.raises(Forbidden):
        _call(op, service.create_lead, actor=op.actor("lia-pt"), series_ids=[1], country="PT")

    acked = _call(
        op, service.acknowledge_lead, actor=op.actor("lia-pt"), lead_id=lid, reference="PJ-7"
    )
    assert acked["status"] == "acknowledged"
    done = _call(
        op,
        service.record_outcome,
        actor=op.actor("lia-pt"),
        lead_id=lid,
        outcome="victim_identified",
        count=2,
    )
    assert done["status"] == "outcome" and done["outcome"] == "victim_identified"
    history = [(e["action"], e["actor"], e["status"]) for e in done["history"]]
    assert history == [
        ("created", "ana", "draft"),
        ("reviewed", "bea", "reviewed"),
        ("sent", "ana", "sent"),
        ("acknowledged", "lia-pt", "acknowledged"),
        ("outcome", "lia-pt", "outcome"),
    ]
    with op.ws.store.session() as s:
        series = show_series(s, series_id=op.series["A"])
        assert series["victim_identified"] is True
        assert series["events"][-1]["action"] == "identified"
        actions = list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
        assert [a for a in actions if a.startswith("lead.")] == [
            "lead.created",
            "lead.reviewed",
            "lead.sent",
            "lead.acknowledged",
            "lead.outcome",
        ]
        assert verify_chain(s).ok
    # The auditor reads leads but never acts on them.
    assert _call(op, service.list_leads, actor=op.actor("aud"))[0]["id"] == lid


def test_bad_input_is_refused_with_clear_errors(op: Op) -> None:
    with pytest.raises(UserError, match="ISO 3166"):
        _create(op, country="XX")
    with pytest.raises(UserError, match="is in PT, not NL"):
        _create(op, country="NL", agency="PT-PJ")
    with pytest.raises(NotFound, match="no series 99"):
        _create(op, series_ids=[99])
    with pytest.raises(UserError, match="in none of series"):
        _create(op, series_ids=[op.series["B"]], clue_ids=[op.clues["place"]])
    with pytest.raises(UserError, match="urgency"):
        _create(op, urgency="asap")
    lead = _create(op, agency=None)
    _call(op, service.review_lead, actor=op.actor("bea"), lead_id=lead["id"])
    with pytest.raises(UserError, match="no target agency"):
        _call(op, service.send_lead, actor=op.actor("ana"), lead_id=lead["id"])


def test_series_change_after_review_needs_re_review(op: Op) -> None:
    lid = _create(op)["id"]
    _call(op, service.review_lead, actor=op.actor("bea"), lead_id=lid)
    with op.ws.store.session() as s:  # an analyst moves one of B's media into A
        move_media(s, media=[op.media["B"][0]], to_series=op.series["A"], actor="coord")
    shown = _call(op, service.show_lead, actor=op.actor("ana"), lead_id=lid)
    assert shown["needs_review"] and "series 1 members (4 → 5)" in shown["changed_since_review"]
    with pytest.raises(service.NeedsReview, match=r"series 1 members \(4 → 5\)"):
        _call(op, service.send_lead, actor=op.actor("ana"), lead_id=lid)
    again = _call(op, service.review_lead, actor=op.actor("bea"), lead_id=lid)
    assert not again["needs_review"] and again["history"][-1]["detail"]["re_review"]
    assert _call(op, service.send_lead, actor=op.actor("ana"), lead_id=lid)["status"] == "sent"


def test_edit_after_review_goes_back_to_draft_and_editor_cannot_review(op: Op) -> None:
    lid = _create(op)["id"]
    _call(op, service.review_lead, actor=op.actor("bea"), lead_id=lid)
    edited = _call(op, service.update_lead, actor=op.actor("bea"), lead_id=lid, summary="new")
    assert edited["status"] == "draft" and edited["summary"] == "new"
    with pytest.raises(UserError, match="second person"):  # bea wrote part of it now
        _call(op, service.review_lead, actor=op.actor("bea"), lead_id=lid)
    assert (
        _call(op, service.review_lead, actor=op.actor("coord"), lead_id=lid)["status"] == "reviewed"
    )
    with pytest.raises(UserError, match="nothing to change"):
        _call(op, service.update_lead, actor=op.actor("ana"), lead_id=lid)


def _sent_lead(op: Op) -> dict:
    lid = _create(op)["id"]
    _call(op, service.review_lead, actor=op.actor("bea"), lead_id=lid)
    return _call(op, service.send_lead, actor=op.actor("ana"), lead_id=lid)


def _reply_file(tmp_path: Path, name: str, **fields: object) -> Path:
    body = {"format": reply.REPLY_FORMAT, "agency": "PT-PJ", "acknowledged": True, **fields}
    path = tmp_path / name
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


def _counts(op: Op) -> tuple[int, str]:
    with op.ws.store.session() as s:
        return s.scalar(select(func.count(LeadEvent.id))) or 0, head(s)


def test_partner_reply_import(op: Op, tmp_path: Path) -> None:
    lead = _sent_lead(op)
    before = _counts(op)
    unknown = _reply_file(tmp_path, "unknown.json", lead_uid="00000000-0000-4000-8000-000000000000")
    with pytest.raises(NotFound, match=r"unknown\.json.*nothing was changed"):
        _call(op, reply.import_reply, actor=op.actor("lia-pt"), path=unknown)
    other = _reply_file(tmp_path, "other.json", lead_uid=lead["uid"], agency="NL-POL")
    with pytest.raises(DataError, match="sent to PT-PJ, not NL-POL"):
        _call(op, reply.import_reply, actor=op.actor("coord"), path=other)
    bad = _reply_file(tmp_path, "bad.json", lead_uid=lead["uid"], outcomes=[{"outcome": "won"}])
    with pytest.raises(DataError, match="outcome 1 must be one of"):
        _call(op, reply.import_reply, actor=op.actor("lia-pt"), path=bad)
    (tmp_path / "garbage.json").write_bytes(b"\xff{")
    with pytest.raises(DataError, match="garbage.json: not JSON"):
        _call(op, reply.import_reply, actor=op.actor("lia-pt"), path=tmp_path / "garbage.json")
    assert _counts(op) == before  # nothing changed, not even the audit chain

    good = _reply_file(
        tmp_path,
        "good.json",
        lead_uid=lead["uid"],
        reference="PJ-2026-17",
        outcomes=[{"outcome": "offender_arrested", "count": 1, "note": "arrested"}],
    )
    out = _call(op, reply.import_reply, actor=op.actor("lia-pt"), path=good)
    assert out["status"] == "outcome" and out["outcome"] == "offender_arrested"
    actions = [(e["action"], e["detail"].get("via")) for e in out["history"]][-3:]
    assert actions == [("acknowledged", "reply"), ("outcome", "reply"), ("reply_imported", None)]
    assert out["history"][-3]["detail"]["reference"] == "PJ-2026-17"
    with op.ws.store.session() as s:
        assert show_series(s, series_id=op.series["A"])["offender_identified"] is True
    with pytest.raises(UserError, match="imported already"):
        _call(op, reply.import_reply, actor=op.actor("lia-pt"), path=good)


def test_transfer_outcome_needs_a_country(op: Op) -> None:
    lid = _sent_lead(op)["id"]
    with pytest.raises(UserError, match="--to-country"):
        _call(op, service.record_outcome, actor=op.actor("ana"), lead_id=lid, outcome="transferred")
    out = _call(
        op,
        service.record_outcome,
        actor=op.actor("ana"),
        lead_id=lid,
        outcome="transferred",
        to_country="es",
    )
    assert out["history"][-1]["detail"]["to_country"] == "ES"
