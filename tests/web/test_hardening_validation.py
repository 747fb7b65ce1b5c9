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
