"""Leads on the web tests' small operation, and the lead routes' authorisation cases.

Per agency: one lead sent to that agency and one draft (both written by an outside author,
so every signed-in worker may review the draft), originals on disk (for crops) and a package.
``LEAD_MATRIX`` is read by the authorisation-matrix tests (test_app: every route is covered;
test_leads_web: every role on every case, on both agencies' leads).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import update

from lodestar.access import Actor
from lodestar.leads.lifecycle import create_lead, review_lead, send_lead
from lodestar.leads.package import build_package
from lodestar.store import Item, Source

from ..review.conftest import AGENCY_A, AGENCY_B, USERS, Operation

AUTHOR, CHECKER = Actor(name="author"), Actor(name="checker")  # workstation operators


@dataclass
class Leads:
    op: Operation
    sent: dict[str, int] = field(default_factory=dict)  # agency → a lead sent to it
    drafts: dict[str, int] = field(default_factory=dict)  # agency → a draft lead for it
    uids: dict[str, str] = field(default_factory=dict)  # agency → the sent lead's uid
    package: bytes = b""  # a signed package of agency A's sent lead


def real_originals(op: Operation, folder: Path) -> None:
    """Each agency's image as a real file in a folder source (crops read the original)."""
    folder.mkdir(parents=True, exist_ok=True)
    with op.ws.store.session() as session:
        for agency, sha in op.media.items():
            name = f"{agency}.jpg"
            (folder / name).write_bytes(op.thumbs[agency].read_bytes())
            item = session.query(Item).filter_by(media_sha256=sha).one()
            item.path_spec = name
            session.execute(
                update(Source).where(Source.id == item.source_id).values(location=str(folder))
            )


def add_leads(op: Operation, tmp: Path) -> Leads:
    leads = Leads(op)
    real_originals(op, tmp / "evidence")
    with op.ws.store.session() as session:
        for agency in (AGENCY_A, AGENCY_B):
            made = create_lead(
                session,
                actor=AUTHOR,
                series_ids=[op.series[agency]],
                country=agency[:2],
                agency=agency,
                summary=f"room with a sign, for {agency}",
            )
            review_lead(session, actor=CHECKER, lead_id=made["id"])
            send_lead(session, actor=CHECKER, lead_id=made["id"])
            leads.sent[agency], leads.uids[agency] = made["id"], made["uid"]
            draft = create_lead(
                session,
                actor=AUTHOR,
                series_ids=[op.series[agency]],
                country=agency[:2],
                agency=agency,
            )
            leads.drafts[agency] = draft["id"]
        out = tmp / "lead-a.zip"
        build_package(
            session,
            actor=CHECKER,
            lead_id=leads.sent[AGENCY_A],
            out=out,
            root=op.ws.root,
            derived=op.ws.derived,
        )
    leads.package = out.read_bytes()
    return leads


def reply(leads: Leads, agency: str, reference: str) -> bytes:
    return json.dumps(
        {
            "format": "lodestar-lead-reply/1",
            "lead_uid": leads.uids[agency],
            "agency": agency,
            "reference": reference,
            "acknowledged": True,
            "outcomes": [],
        }
    ).encode()


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # {lead} sent lead, {draft} draft lead, {series}, {sha}, {cc}, {agency}
    permission: str
    ok: int = 200
    json: dict[str, Any] | None = None
    form: dict[str, Any] | None = None
    upload: str | None = None  # "package" or "reply:<reference>"
    by_role: tuple[tuple[str, int], ...] = ()
    reveal: bool = False  # reveal {sha} to the user first (a crop needs it revealed)

    @property
    def page(self) -> bool:
        return not self.path.startswith("/api/")

    @property
    def per_agency(self) -> bool:
        return any(p in self.path for p in ("{lead}", "{draft}")) or (
            self.upload is not None and self.upload.startswith("reply")
        )

    @property
    def route_key(self) -> tuple[str, str]:
        path = self.path.split("?")[0]
        for placeholder, parameter in (
            ("{lead}", "{lead_id}"),
            ("{draft}", "{lead_id}"),
            ("{sha}", "{sha256}"),
        ):
            path = path.replace(placeholder, parameter)
        return self.method, path


BOX = {"x": 10, "y": 20, "w": 60, "h": 40}
# Order matters: the draft is reviewed then sent; the sent lead acknowledged, closed, packaged.
LEAD_MATRIX = [
    Case("GET", "/leads", "lead.view"),
    Case("GET", "/api/leads", "lead.view"),
    Case("GET", "/api/leads?status=sent&country={cc}", "lead.view"),
    Case("GET", "/leads/{lead}", "lead.view"),
    Case("GET", "/api/leads/{lead}", "lead.view"),
    Case("GET", "/leads/new?series={series}", "lead.edit"),
    Case(
        "POST",
        "/api/leads",
        "lead.edit",
        ok=201,
        json={"series_ids": ["{series}"], "country": "{cc}", "agency": "{agency}"},
    ),
    Case("POST", "/leads", "lead.edit", ok=303, form={"series_ids": "{series}", "country": "{cc}"}),
    Case("POST", "/api/leads/{draft}/review", "lead.review", json={"note": "checked"}),
    Case("POST", "/leads/{draft}/review", "lead.review", ok=303, form={"note": "again"}),
    Case("POST", "/api/leads/{draft}/send", "lead.send", json={}),
    Case("POST", "/leads/{draft}/send", "lead.send", ok=400, form={}),  # sent just above
    Case("POST", "/api/leads/{lead}/acknowledge", "lead.respond", json={"reference": "R-1"}),
    Case("POST", "/leads/{lead}/acknowledge", "lead.respond", ok=400, form={}),  # done above
    Case("POST", "/api/leads/{lead}/outcome", "lead.respond", json={"outcome": "no_result"}),
    Case(
        "POST",
        "/leads/{lead}/outcome",
        "lead.respond",
        ok=303,
        form={"outcome": "victim_identified", "count": "2"},
    ),
    Case("POST", "/api/leads/{lead}/package", "lead.package", json={}),
    Case("POST", "/leads/{lead}/package", "lead.package", form={"clear": ""}),
    Case("GET", "/leads/verify", "lead.view"),
    Case("POST", "/api/leads/verify", "lead.view", upload="package"),
    Case("POST", "/leads/verify", "lead.view", upload="package"),
    Case("POST", "/api/leads/reply", "lead.respond", upload="reply:REF-1"),
    Case("POST", "/leads/reply", "lead.respond", ok=303, upload="reply:REF-2"),
    Case("GET", "/report", "report.view"),
    Case("GET", "/api/report", "report.view"),
    Case("GET", "/report/pdf", "report.view"),
    Case("POST", "/api/media/{sha}/crop", "crop.export", json=BOX, reveal=True),
    Case(
        "POST",
        "/media/{sha}/crop",
        "crop.export",
        form={k: str(v) for k, v in BOX.items()},
        reveal=True,
    ),
]


def fill(text: str, leads: Leads, agency: str) -> str:
    op = leads.op
    return (
        text.replace("{lead}", str(leads.sent[agency]))
        .replace("{draft}", str(leads.drafts[agency]))
        .replace("{series}", str(op.series[agency]))
        .replace("{sha}", op.media[agency])
        .replace("{cc}", agency[:2])
        .replace("{agency}", agency)
    )


def _filled(value: Any, leads: Leads, agency: str) -> Any:
    if isinstance(value, str):
        text = fill(value, leads, agency)
        return int(text) if value == "{series}" else text
    if isinstance(value, list):
        return [_filled(v, leads, agency) for v in value]
    return value


def request(client: Any, case: Case, leads: Leads, agency: str) -> Any:
    url = fill(case.path, leads, agency)
    if case.reveal:  # its own answer is not the case's (a role without media.view gets 403)
        client.post(fill("/api/media/{sha}/reveal", leads, agency))
    if case.upload == "package":
        files = {"package": ("lead-a.zip", leads.package, "application/zip")}
        return client.request(case.method, url, files=files)
    if case.upload is not None:
        answer = reply(leads, agency, case.upload.split(":", 1)[1])
        return client.request(case.method, url, files={"reply": ("reply.json", answer)})
    if case.form is not None:
        data = {k: fill(v, leads, agency) for k, v in case.form.items()}
        return client.request(case.method, url, data=data)
    body = {k: _filled(v, leads, agency) for k, v in (case.json or {}).items()}
    return client.request(case.method, url, json=body)


def expected(case: Case, username: str, agency: str, permissions: dict[str, Any]) -> int:
    role, home = USERS[username]
    if role not in permissions[case.permission]:
        return 403
    if case.per_agency and role == "liaison" and home != agency:
        return 404  # another agency's lead does not exist for this liaison
    return dict(case.by_role).get(role, case.ok)
