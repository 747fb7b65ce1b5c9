"""Issue 16 #9: ids beyond the store's integers and NUL in text are refused at the edge (422).

They used to reach the store: the driver overflowed on a 2^64 id and PostgreSQL refused a NUL
in a name or a search, both answered 500 (and the failed login went unaudited)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from lodestar.web.app import create_app

from ..review.conftest import AGENCY_A, Operation, login

BIG = 2**64
TOO_BIG = 2**31  # one past the largest id PostgreSQL's INTEGER holds

# (method, url, json body or None, form or None); {series} and {note} are agency A's.
CASES: list[tuple[str, str, Any, Any]] = [
    ("GET", f"/api/series/{BIG}", None, None),
    ("GET", f"/api/series/{TOO_BIG}", None, None),
    ("GET", f"/series/{BIG}", None, None),
    ("GET", f"/api/series/{BIG}/activity", None, None),
    ("GET", f"/api/series/{{series}}/notes/{BIG}/history", None, None),
    ("POST", f"/api/series/{BIG}/claim", None, None),
    ("POST", f"/series/{BIG}/release", None, {}),
    ("PUT", f"/api/series/{{series}}/notes/{BIG}", {"body": "x"}, None),
    ("DELETE", f"/api/series/{{series}}/notes/{BIG}", None, None),
    ("POST", "/api/series/{series}/priority", {"priority": BIG}, None),
    ("POST", "/series/{series}/priority", None, {"priority": str(BIG)}),
    ("GET", f"/api/audit?before_id={BIG}", None, None),
    ("GET", f"/api/audit?before_id={TOO_BIG}", None, None),
    ("GET", f"/audit?before={BIG}", None, None),
    ("GET", "/api/audit?actor=a%00b", None, None),
    ("GET", "/audit?action=a%00", None, None),
    ("GET", "/api/search?hash=ab%00", None, None),
    ("GET", "/api/search/clues?kind=text&q=ab%00cd", None, None),
    ("GET", "/search?kind=text&q=ab%00cd", None, None),
    ("GET", "/api/series?tag=%00", None, None),
    ("POST", "/api/series/{series}/notes", {"body": "a\x00b"}, None),
    ("POST", "/series/{series}/notes", None, {"body": "a\x00b"}),
    ("POST", "/api/series/{series}/tags", {"tag": "\x00"}, None),
    ("DELETE", "/api/series/{series}/tags/a%00", None, None),
    ("POST", "/api/series/{series}/assign", {"username": "ana\x00"}, None),
]


def _client(op: Operation, username: str | None) -> TestClient:
    # A 500 must come back as a response here, not as the test client's exception.
    app = create_app(op.ws, config=op.config)
    client = TestClient(
        app, base_url="https://testserver", follow_redirects=False, raise_server_exceptions=False
    )
    if username is not None:
        login(client, username)
    return client


def _assert_refused(response: Any, url: str) -> None:
    assert response.status_code == 422, (url, response.status_code, response.text[:300])
    if url.startswith("/api/"):
        error = response.json()["error"]
        assert error["code"] == "invalid_request" and set(error) == {"code", "message", "detail"}


@pytest.mark.parametrize("username", ["coord", "auditor"])
def test_huge_ids_and_nul_are_422(op: Operation, username: str) -> None:
    client = _client(op, username)
    for method, template, body, form in CASES:
        url = template.replace("{series}", str(op.series[AGENCY_A]))
        if username == "auditor" and "audit" not in url:
            continue  # the auditor reads the log; the coordinator does the rest
        if username == "coord" and "audit" in url:
            continue
        if form is not None:
            response = client.request(method, url, data=form)
        else:
            response = client.request(method, url, json=body)
        _assert_refused(response, url)


def test_login_with_nul_is_422(op: Operation) -> None:
    client = _client(op, None)
    for name in ("ana\x00", "\x00"):
        _assert_refused(
            client.post("/api/login", json={"username": name, "password": "x"}), "/api/"
        )
    client.get("/login")
    token = client.cookies.get("lodestar_login_csrf")
    form = {"username": "ana\x00", "password": "x", "csrf_token": token}
    _assert_refused(client.post("/login", data=form), "/login")
    # Still a normal 401 for an ordinary wrong password, and a long body field is refused.
    ok = client.post("/api/login", json={"username": "ana-a", "password": "nope"})
    assert ok.status_code == 401
    long = client.post("/api/login", json={"username": "a" * 65, "password": "x"})
    _assert_refused(long, "/api/")


def test_largest_id_is_still_a_plain_404(op: Operation) -> None:
    client = _client(op, "coord")
    response = client.get(f"/api/series/{2**31 - 1}")
    assert response.status_code == 404


# The rest of the route modules (leads, lead files, media frames, wellness): the same cases.
# {lead} is a real lead id of no consequence: validation refuses the request before any handler.
MANY_KEYS = {f"{i:08x}": "why" for i in range(101)}
MORE_CASES: list[tuple[str, str, Any, Any]] = [
    ("GET", f"/api/leads/{BIG}", None, None),
    ("GET", f"/api/leads/{TOO_BIG}", None, None),
    ("GET", f"/leads/{BIG}", None, None),
    ("GET", "/api/leads?status=%00", None, None),
    ("GET", "/leads?country=%00", None, None),
    ("GET", f"/leads/new?series={BIG}", None, None),
    ("POST", "/api/leads", {"series_ids": [BIG], "country": "PT"}, None),
    ("POST", "/api/leads", {"series_ids": [TOO_BIG], "country": "PT"}, None),
    ("POST", "/api/leads", {"series_ids": [1], "country": "PT", "clue_ids": [BIG]}, None),
    ("POST", "/api/leads", {"series_ids": [1], "country": "P\x00"}, None),
    ("POST", "/api/leads", {"series_ids": [1], "country": "PT", "summary": "a\x00"}, None),
    ("POST", "/api/leads", {"series_ids": [1], "country": "PT", "urgency": "u" * 17}, None),
    ("POST", "/leads", None, {"series_ids": str(BIG), "country": "PT"}),
    ("POST", "/leads", None, {"series_ids": "1", "country": "PT", "clue_ids": str(BIG)}),
    ("POST", "/leads", None, {"series_ids": "1", "country": "PT", "title": "a\x00"}),
    ("POST", f"/api/leads/{BIG}/review", {"note": ""}, None),
    ("POST", "/api/leads/{lead}/review", {"note": "\x00"}, None),
    ("POST", f"/leads/{BIG}/review", None, {"note": ""}),
    ("POST", "/leads/{lead}/send", None, {"note": "a\x00"}),
    ("POST", f"/api/leads/{TOO_BIG}/send", {"note": ""}, None),
    ("POST", "/api/leads/{lead}/acknowledge", {"reference": "\x00"}, None),
    ("POST", "/leads/{lead}/acknowledge", None, {"reference": "r\x00"}),
    ("POST", "/api/leads/{lead}/outcome", {"outcome": "victim_identified", "count": BIG}, None),
    ("POST", "/api/leads/{lead}/outcome", {"outcome": "victim_identified", "count": 0}, None),
    ("POST", "/api/leads/{lead}/outcome", {"outcome": "a\x00"}, None),
    ("POST", "/leads/{lead}/outcome", None, {"outcome": "victim_identified", "count": str(BIG)}),
    ("POST", "/leads/{lead}/outcome", None, {"outcome": "victim_identified", "count": "10001"}),
    ("POST", f"/api/leads/{BIG}/package", {"clear": {}}, None),
    ("POST", "/api/leads/{lead}/package", {"clear": {"ab\x00cdefg": "why"}}, None),
    ("POST", "/api/leads/{lead}/package", {"clear": {"abcdefgh": "why\x00"}}, None),
    ("POST", "/api/leads/{lead}/package", {"clear": {"a" * 65: "why"}}, None),
    ("POST", "/api/leads/{lead}/package", {"clear": MANY_KEYS}, None),
    ("POST", "/leads/{lead}/package", None, {"clear": "ab\x00", "justification": "why"}),
    ("POST", "/leads/{lead}/package", None, {"clear": "abcdefgh", "justification": "\x00"}),
    ("GET", f"/api/frames/{BIG}/thumb", None, None),
    ("GET", f"/api/frames/{TOO_BIG}/clear", None, None),
    ("POST", "/api/wellness/preferences", {"blur": BIG}, None),
    ("POST", "/wellness/preferences", None, {"blur": str(BIG)}),
    ("POST", "/api/wellness/limits", {"reveal_s": BIG}, None),
    ("POST", "/api/wellness/limits", {"break_window_s": TOO_BIG}, None),
    (
        "POST",
        "/wellness/limits",
        None,
        {
            "blur_min": "6",
            "blur_max": "40",
            "blur_default": "16",
            "reveal_s": str(BIG),
            "break_after_s": "900",
        },
    ),
]


def test_huge_ids_and_nul_are_422_on_leads_media_and_wellness(op: Operation) -> None:
    """Issue 16 #9 on the lead, lead-file, frame and wellness routes (coordinator: every
    permission they check, so validation is what answers)."""
    client = _client(op, "coord")
    lead = 1  # no lead exists: a request that got past validation would be a 404
    wrong = []
    for method, template, body, form in MORE_CASES:
        url = template.replace("{lead}", str(lead))
        if form is not None:
            response = client.request(method, url, data=form)
        else:
            response = client.request(method, url, json=body)
        try:
            _assert_refused(response, url)
        except AssertionError:
            wrong.append((method, template, body or form, response.status_code))
    assert not wrong, "\n".join(repr(w)[:200] for w in wrong)  # every case, not the first
