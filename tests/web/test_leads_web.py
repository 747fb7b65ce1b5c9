"""Leads, the operation report and object crops in the workbench, through the ASGI client.

Routes × roles × agencies (the lead matrix), the lifecycle with a second reviewer, package
download → verify, clear previews only with a justification, reply import, the report's SVG
charts and PDF, and crops that hold only the box (and are logged).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from lodestar.access import PERMISSIONS, Actor
from lodestar.reports.figures import operation_figures
from lodestar.store.lead_models import LeadEvent
from lodestar.store.people_models import AuditEvent

from ..leads.badpackages import MALFORMED
from ..review.conftest import AGENCY_A, AGENCY_B, USERS, Operation
from .leads_op import LEAD_MATRIX, Leads, add_leads, expected, reply, request


@pytest.fixture
def leads(op: Operation, tmp_path: Path) -> Leads:
    return add_leads(op, tmp_path)


@pytest.mark.parametrize("username", sorted(USERS))
def test_lead_matrix(leads: Leads, username: str) -> None:
    client = leads.op.client(username)
    for agency in (AGENCY_A, AGENCY_B):
        for case in LEAD_MATRIX:
            if not case.per_agency and agency == AGENCY_B:
                continue
            response = request(client, case, leads, agency)
            want = expected(case, username, agency, PERMISSIONS)
            assert response.status_code == want, (case, agency, response.text[:300])
            if want >= 400 and not case.page:
                assert set(response.json()["error"]) == {"code", "message", "detail"}


def test_signed_out_is_sent_to_login(leads: Leads) -> None:
    client = leads.op.client()
    for case in LEAD_MATRIX:
        response = request(client, case, leads, AGENCY_A)
        if case.page:
            assert response.status_code == 303, case
            assert response.headers["location"].startswith("/login?next=")
        else:
            assert response.status_code == 401, case


def test_liaison_sees_and_answers_only_their_agencys_sent_leads(leads: Leads) -> None:
    liaison = leads.op.client("liaison-a")
    listed = liaison.get("/api/leads").json()
    assert [row["id"] for row in listed] == [leads.sent[AGENCY_A]]  # no draft, no other agency
    page = liaison.get("/leads").text
    assert f'href="/leads/{leads.sent[AGENCY_A]}"' in page
    assert f'href="/leads/{leads.sent[AGENCY_B]}"' not in page
    assert liaison.get(f"/api/leads/{leads.drafts[AGENCY_A]}").status_code == 404
    lead_page = liaison.get(f"/leads/{leads.sent[AGENCY_A]}").text
    assert 'id="acknowledge"' in lead_page and 'id="package"' not in lead_page
    foreign = reply(leads, AGENCY_B, "X-9")
    refused = liaison.post("/api/leads/reply", files={"reply": ("reply.json", foreign)})
    assert refused.status_code == 404
    assert leads.op.client("coord").get(f"/api/leads/{leads.sent[AGENCY_B]}").json()["status"] == (
        "sent"
    )
    done = liaison.post(
        "/api/leads/reply", files={"reply": ("reply.json", reply(leads, AGENCY_A, "PJ-7"))}
    )
    assert done.status_code == 200 and done.json()["status"] == "acknowledged"
    ack = [e for e in done.json()["history"] if e["action"] == "acknowledged"]
    assert ack[0]["actor"] == "liaison-a" and ack[0]["detail"]["reference"] == "PJ-7"


def test_create_review_send_needs_a_second_person(leads: Leads) -> None:
    op = leads.op
    analyst, other = op.client("ana-a"), op.client("ana-b")
    series_page = analyst.get(f"/series/{op.series[AGENCY_A]}").text
    assert f'href="/leads/new?series={op.series[AGENCY_A]}"' in series_page
    form = analyst.get(f"/leads/new?series={op.series[AGENCY_A]}").text
    assert 'value="PT" id="cc-PT" checked' in form  # the suggestion, from the place clue
    assert "Braga" in form  # with its evidence
    clue_ids = [int(c) for c in re.findall(r'name="clue_ids" value="(\d+)"', form)]
    assert clue_ids
    made = analyst.post(
        "/leads",
        data={
            "series_ids": str(op.series[AGENCY_A]),
            "country": "PT",
            "agency": AGENCY_A,
            "clue_ids": [str(clue_ids[0])],
            "summary": "a room in Braga",
        },
    )
    assert made.status_code == 303
    lead_id = int(made.headers["location"].rsplit("/", 1)[1])
    lead = analyst.get(f"/api/leads/{lead_id}").json()
    assert lead["created_by"] == "ana-a" and [c["id"] for c in lead["clues"]] == clue_ids[:1]
    assert lead["country_reasoning"]["chosen_rank"] == 1
    assert 'id="review"' not in analyst.get(f"/leads/{lead_id}").text
    own = analyst.post(f"/api/leads/{lead_id}/review", json={})
    assert own.status_code == 400 and "second person" in own.json()["error"]["message"]
    assert analyst.post(f"/api/leads/{lead_id}/send", json={}).status_code == 400  # a draft
    assert 'id="review"' in other.get(f"/leads/{lead_id}").text
    assert other.post(f"/leads/{lead_id}/review", data={"note": "checked"}).status_code == 303
    assert analyst.post(f"/leads/{lead_id}/send", data={}).status_code == 303
    history = [e["action"] for e in analyst.get(f"/api/leads/{lead_id}").json()["history"]]
    assert history == ["created", "reviewed", "sent"]


def test_package_download_then_verify_every_file(leads: Leads) -> None:
    coord, lead_id = leads.op.client("coord"), leads.sent[AGENCY_A]
    sha = leads.op.media[AGENCY_A]
    short = coord.post(f"/leads/{lead_id}/package", data={"clear": sha, "justification": "ok"})
    assert short.status_code == 400  # a clear preview needs a real reason
    why = "the wallpaper pattern is the only lead to the room"
    unseen = coord.post(f"/leads/{lead_id}/package", data={"clear": sha, "justification": why})
    assert unseen.status_code == 400 and "has not revealed" in unseen.text  # issue 16
    assert coord.post(f"/api/media/{sha}/reveal").status_code == 200
    got = coord.post(f"/leads/{lead_id}/package", data={"clear": sha, "justification": why})
    assert got.status_code == 200 and got.headers["content-type"] == "application/zip"
    assert "attachment" in got.headers["content-disposition"]
    names = zipfile.ZipFile(io.BytesIO(got.content)).namelist()
    assert {"manifest.json", "manifest.sig", "report.pdf", "hashes.vics.json"} <= set(names)
    report = coord.post(
        "/api/leads/verify", files={"package": ("p.zip", got.content, "application/zip")}
    ).json()
    assert report["ok"] and report["files"] and all(f["ok"] for f in report["files"])
    assert report["package"] == "p.zip"
    page = coord.post("/leads/verify", files={"package": ("p.zip", got.content)}).text
    assert "every file ok" in page and "FAILED" not in page
    with leads.op.ws.store.session() as session:
        packaged = session.query(LeadEvent).filter_by(lead_id=lead_id, action="packaged").all()
        verified = session.query(AuditEvent).filter_by(action="lead.verify").count()
    assert packaged[-1].detail["clear_previews"] == [{"sha256": sha, "justification": why}]
    assert verified == 2


def test_verify_names_the_tampered_file(leads: Leads) -> None:
    src = zipfile.ZipFile(io.BytesIO(leads.package))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            out.writestr(info, data + b" " if info.filename == "README.txt" else data)
    auditor = leads.op.client("auditor")
    report = auditor.post("/api/leads/verify", files={"package": ("t.zip", buf.getvalue())})
    assert report.status_code == 200
    assert report.json()["ok"] is False and report.json()["failing"] == ["README.txt"]
    page = auditor.post("/leads/verify", files={"package": ("t.zip", buf.getvalue())}).text
    assert "1 file(s) failing" in page
    not_zip = auditor.post("/api/leads/verify", files={"package": ("x.zip", b"not a zip")})
    assert not_zip.status_code == 422 and "x.zip" in not_zip.json()["error"]["message"]
    assert "spool" not in not_zip.text  # the server's own paths stay private


def test_report_shows_live_figures_as_svg_charts_and_pdf(leads: Leads) -> None:
    client = leads.op.client("auditor")
    with leads.op.ws.store.session() as session:
        figures = operation_figures(session, actor=Actor(name="t"))
    api = client.get("/api/report").json()
    assert api["leads"] == figures["leads"] and api["files"] == figures["files"]
    assert api["leads"]["by_country"] == {
        "NL": {"draft": 1, "sent": 1},
        "PT": {"draft": 1, "sent": 1},
    }
    page = client.get("/report").text
    charts = re.findall(r"<svg class=\"chart\".*?</svg>", page, re.S)
    assert len(charts) == 3
    assert "<title>draft: 1</title>" in charts[1] and "<title>sent: 1</title>" in charts[1]
    assert "style=" not in page and "<script>" not in page  # the strict CSP holds
    pdf = client.get("/report/pdf")
    assert pdf.content.startswith(b"%PDF") and "attachment" in pdf.headers["content-disposition"]
    assert leads.op.client("liaison-a").get("/report").status_code == 403


def test_crop_holds_only_the_box_and_is_logged(leads: Leads) -> None:
    op, sha = leads.op, leads.op.media[AGENCY_A]
    analyst = op.client("ana-a")
    page = analyst.get(f"/media/{sha}").text
    assert f'action="/media/{sha}/crop"' in page and "/static/crop.js" in page
    assert f'action="/media/{sha}/crop"' not in op.client("liaison-a").get(f"/media/{sha}").text
    box = {"x": "150", "y": "30", "w": "70", "h": "70"}
    unrevealed = analyst.post(f"/media/{sha}/crop", data=box)
    assert unrevealed.status_code == 400 and "reveal media" in unrevealed.text  # issue 16
    assert analyst.post(f"/api/media/{sha}/reveal").status_code == 200
    got = analyst.post(f"/media/{sha}/crop", data={"x": "150", "y": "30", "w": "70", "h": "70"})
    assert got.status_code == 200 and got.headers["content-type"] == "image/png"
    crop = Image.open(io.BytesIO(got.content))
    assert crop.size == (70, 70) and "exif" not in crop.info
    with Image.open(op.thumbs[AGENCY_A]) as original:
        expected_px = original.convert("RGB").crop((150, 30, 220, 100)).getpixel((35, 35))
    assert crop.convert("RGB").getpixel((35, 35)) == expected_px  # the window, not elsewhere
    outside = analyst.post(f"/api/media/{sha}/crop", json={"x": 200, "y": 0, "w": 100, "h": 10})
    assert outside.status_code == 400 and "outside" in outside.json()["error"]["message"]
    with op.ws.store.session() as session:
        logged = session.query(AuditEvent).filter_by(action="crop.export", actor="ana-a").all()
    assert len(logged) == 1 and logged[0].detail["box"] == [150, 30, 70, 70]
    assert logged[0].detail["sha256"] == got.headers["x-crop-sha256"]


def test_malformed_packages_are_named_failures_and_audited(leads: Leads) -> None:
    """Issue 16 defect 5: each malformation is a 200 report naming the check, and audited."""
    auditor = leads.op.client("auditor")
    for kind, (make, check, word) in sorted(MALFORMED.items()):
        data = make()
        got = auditor.post("/api/leads/verify", files={"package": (f"{kind}.zip", data)})
        assert got.status_code == 200, (kind, got.text[:300])
        report = got.json()
        assert report["ok"] is False and check in report["failing"], kind
        assert word in {f["path"]: f["reason"] for f in report["files"]}[check], kind
        page = auditor.post("/leads/verify", files={"package": (f"{kind}.zip", data)})
        assert page.status_code == 200 and "failing" in page.text, kind
    with leads.op.ws.store.session() as session:
        audited = session.query(AuditEvent).filter_by(action="lead.verify").all()
    assert len(audited) == 2 * len(MALFORMED)
    assert all(event.detail["ok"] is False for event in audited)


def test_outcome_count_and_repeats_are_bounded_alike_by_api_and_form(leads: Leads) -> None:
    """Issue 16 defect 7: the API took 1e18 from a liaison, and outcomes could repeat."""
    liaison, lead_id = leads.op.client("liaison-a"), leads.sent[AGENCY_A]
    api, form = f"/api/leads/{lead_id}/outcome", f"/leads/{lead_id}/outcome"
    # Refused at the edge (422, issue 16 #9) with the lifecycle's own bound, MAX_COUNT.
    huge = liaison.post(api, json={"outcome": "victim_identified", "count": 1e18})
    assert huge.status_code == 422 and "10000" in huge.text
    too_many = liaison.post(form, data={"outcome": "victim_identified", "count": "10001"})
    assert too_many.status_code == 422 and "10000" in too_many.text
    assert liaison.post(api, json={"outcome": "victim_identified", "count": 2}).status_code == 200
    again = liaison.post(form, data={"outcome": "victim_identified", "count": "2"})
    assert again.status_code == 400 and "already has" in again.text
    again_api = liaison.post(api, json={"outcome": "victim_identified", "count": 2})
    assert again_api.status_code == 400
    why = "the partner counted one victim twice"
    fixed = liaison.post(
        form, data={"outcome": "victim_identified", "count": "1", "correction": why}
    )
    assert fixed.status_code == 303
    with leads.op.ws.store.session() as session:
        figures = operation_figures(session, actor=Actor(name="t"))
        corrected = session.query(LeadEvent).filter_by(action="outcome_corrected").one()
    assert figures["outcomes"]["victims_identified"] == 1
    assert corrected.detail["reason"] == why and corrected.detail["before"]["count"] == 2
