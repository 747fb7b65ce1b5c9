"""Route tests through the ASGI client: the authorisation matrix and the security basics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from lodestar.access import PERMISSIONS
from lodestar.web.app import CSP

from ..review.conftest import AGENCY_A, AGENCY_B, PASSWORD, USERS, Operation, login
from .leads_op import LEAD_MATRIX  # lead, report and crop routes (run in test_leads_web)

PLACEHOLDERS = {  # in Case.path → the route's parameter
    "{sha}": "{sha256}",
    "{series}": "{series_id}",
    "{frame}": "{frame_id}",
    "{note}": "{note_id}",
    "t1": "{tag}",
}


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # {sha}, {series}, {frame}, {note} are filled with one agency's
    permission: str | None  # None: any signed-in user
    ok: int = 200
    json: dict[str, Any] | None = None
    form: dict[str, Any] | None = None
    by_role: tuple[tuple[str, int], ...] = ()  # permitted roles whose answer differs from ok

    @property
    def page(self) -> bool:
        return not self.path.startswith("/api/")

    @property
    def per_agency(self) -> bool:
        route = self.path.split("?")[0]  # a hash in a query is a search, not a resource
        return any(p in route for p in ("{sha}", "{series}", "{frame}"))


# Order matters once: a reveal comes before fetching the clear image, and hides after.
MATRIX = [
    Case("GET", "/", "operation.view"),
    Case("GET", "/api/operation", "operation.view"),
    Case("GET", "/search?q={sha}", "search"),
    Case("GET", "/api/search?hash={sha}", "search"),
    Case("GET", "/media/{sha}", "media.view"),
    Case("GET", "/api/media/{sha}", "media.view"),
    Case("GET", "/api/media/{sha}/thumb", "media.view"),
    Case("POST", "/api/media/{sha}/reveal", "media.view"),
    Case("GET", "/api/media/{sha}/clear", "media.view"),
    Case("POST", "/api/media/{sha}/hide", "media.view"),
    Case("POST", "/media/{sha}/reveal", "media.view", ok=303, form={}),
    Case("POST", "/media/{sha}/hide", "media.view", ok=303, form={}),
    Case("GET", "/wellness", "wellness.self"),
    Case("GET", "/api/wellness", "wellness.self"),
    Case("GET", "/api/wellness/team", "wellness.team"),
    Case("POST", "/api/wellness/preferences", "wellness.self", json={"blur": 20}),
    Case("POST", "/wellness/preferences", "wellness.self", ok=303, form={"blur": "18"}),
    Case("POST", "/api/wellness/limits", "wellness.limits", json={"reveal_s": 60}),
    Case(
        "POST",
        "/wellness/limits",
        "wellness.limits",
        ok=303,
        form={
            "blur_min": "6",
            "blur_max": "40",
            "blur_default": "16",
            "reveal_s": "60",
            "break_after_s": "900",
        },
    ),
    Case("GET", "/audit", "audit.view"),
    Case("GET", "/api/audit", "audit.view"),
    Case("GET", "/api/audit/verify", "audit.view"),
    Case("GET", "/api/audit/export", "audit.view"),
    Case("GET", "/media/{sha}/similar", "media.view"),
    Case("GET", "/api/media/{sha}/similar", "media.view"),
    Case("GET", "/api/frames/{frame}/thumb", "media.view"),
    Case("GET", "/api/frames/{frame}/clear", "media.view", ok=403),  # not revealed
    Case("GET", "/search?kind=text&q=EXIT", "search"),
    Case("GET", "/api/search/clues?kind=serial&q=SN-", "search"),
    Case("GET", "/map", "map.view"),
    Case("GET", "/api/places", "map.view"),
    Case("GET", "/series", "series.view"),
    Case("GET", "/api/series?view=unseen", "series.view"),
    Case("GET", "/series/{series}", "series.view"),
    Case("GET", "/api/series/{series}", "series.view"),
    Case("GET", "/api/series/{series}/activity", "series.view"),
    Case("GET", "/api/series/{series}/notes/{note}/history", "series.view"),
    Case("POST", "/api/series/{series}/claim", "series.work"),
    Case("POST", "/api/series/{series}/release", "series.work"),
    Case("POST", "/series/{series}/claim", "series.work", ok=303, form={}),
    Case("POST", "/series/{series}/release", "series.work", ok=303, form={}),
    Case("POST", "/api/series/{series}/assign", "series.assign", json={"username": "ana-a"}),
    Case(
        "POST",
        "/series/{series}/assign",
        "series.assign",
        ok=303,
        form={"username": "ana-b", "force": "true"},
    ),
    Case("POST", "/api/series/{series}/notes", "series.work", json={"body": "a lead?"}),
    Case("POST", "/series/{series}/notes", "series.work", ok=303, form={"body": "and this"}),
    # The coordinator's note: analysts may not change it (409), coordinators may.
    Case(
        "PUT",
        "/api/series/{series}/notes/{note}",
        "series.work",
        json={"body": "second look"},
        by_role=(("analyst", 409),),
    ),
    Case(
        "POST",
        "/series/{series}/notes/{note}",
        "series.work",
        ok=303,
        form={"body": "third look"},
        by_role=(("analyst", 409),),
    ),
    Case("DELETE", "/api/series/{series}/notes/{note}", "series.work", by_role=(("analyst", 409),)),
    Case(
        "POST",
        "/series/{series}/notes/{note}/delete",
        "series.work",
        ok=404,  # the API case above deleted it already
        form={},
        by_role=(("analyst", 409),),
    ),
    Case("POST", "/api/series/{series}/tags", "series.work", json={"tag": "t1"}),
    Case("DELETE", "/api/series/{series}/tags/t1", "series.work"),
    Case("POST", "/series/{series}/tags", "series.work", ok=303, form={"tag": "t2"}),
    Case("POST", "/series/{series}/tags/remove", "series.work", ok=303, form={"tag": "t2"}),
    Case("POST", "/api/series/{series}/priority", "series.work", json={"priority": 2}),
    Case("POST", "/series/{series}/priority", "series.work", ok=303, form={"priority": "3"}),
    Case("GET", "/api/agencies", "people.view"),
    Case("GET", "/api/users", "people.view"),
    Case("GET", "/api/me", None),
]
# Routes with their own tests below (signing in and out change the session itself).
PUBLIC_OR_SESSION = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/api/login"),
    ("POST", "/logout"),
    ("POST", "/api/logout"),
    ("GET", "/api/openapi.json"),
}


def _route_key(case: Case) -> tuple[str, str]:
    path = case.path.split("?")[0]
    for placeholder, parameter in PLACEHOLDERS.items():
        path = path.replace(placeholder, parameter)
    return case.method, path


def test_every_route_is_in_the_matrix(op: Operation) -> None:
    app = op.client().app
    # app.routes holds included routers, not their routes: walk into them.
    routes = {
        (method, context.original_route.path)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
        for method in context.original_route.methods or ()
    }
    assert {_route_key(c) for c in MATRIX} <= routes, "a case in MATRIX names no route"
    covered = {_route_key(c) for c in MATRIX} | {c.route_key for c in LEAD_MATRIX}
    covered |= PUBLIC_OR_SESSION
    assert routes - covered == set(), "add new routes to MATRIX with their permission"
    permissions = {c.permission for c in MATRIX} | {c.permission for c in LEAD_MATRIX}
    # Signing keys are managed at the CLI only; every other permission guards a web route.
    cli_only = {"key.export", "key.manage"}
    assert permissions - {None} == set(PERMISSIONS) - cli_only


def _request(client: TestClient, case: Case, op: Operation, agency: str) -> Any:
    url = (
        case.path.replace("{sha}", op.media[agency])
        .replace("{series}", str(op.series[agency]))
        .replace("{frame}", str(op.frames[agency]))
        .replace("{note}", str(op.notes[agency]))
    )
    if case.form is not None:
        return client.request(case.method, url, data=case.form)
    return client.request(case.method, url, json=case.json)


def _expected(case: Case, username: str, media_agency: str) -> int:
    role, agency = USERS[username]
    if case.permission is not None and role not in PERMISSIONS[case.permission]:
        return 403
    if case.per_agency and role == "liaison" and agency != media_agency:
        return 404  # not "forbidden": that would confirm the media exists
    if case.path.endswith("/history") and role == "liaison" and agency != USERS["coord"][1]:
        return 404  # the note is the coordinator's: a liaison sees their own agency's notes only
    return dict(case.by_role).get(role, case.ok)


@pytest.mark.parametrize("username", sorted(USERS))
def test_authorisation_matrix(op: Operation, username: str) -> None:
    client = op.client(username)
    for media_agency in (AGENCY_A, AGENCY_B):
        for case in MATRIX:
            if not case.per_agency and media_agency == AGENCY_B:
                continue
            response = _request(client, case, op, media_agency)
            want = _expected(case, username, media_agency)
            assert response.status_code == want, (case, media_agency, response.text[:300])
            if want >= 400 and not case.page:
                assert set(response.json()["error"]) == {"code", "message", "detail"}


def test_signed_out_gets_401_on_api_and_login_redirect_on_pages(op: Operation) -> None:
    client = op.client()
    for case in MATRIX:
        response = _request(client, case, op, AGENCY_A)
        if case.page:
            assert response.status_code == 303, case
            assert response.headers["location"].startswith("/login?next=")
        else:
            assert response.status_code == 401, case
            assert response.json()["error"]["code"] == "unauthenticated"


def test_liaison_sees_only_their_agency(op: Operation) -> None:
    client = op.client("liaison-a")
    figures = client.get("/api/operation").json()
    assert {s["agency"] for s in figures["sources"]} == {AGENCY_A}
    assert figures["unique_media"] == 2  # the image and the video
    hits = client.get("/api/search", params={"hash": op.media[AGENCY_B]}).json()
    assert hits["media"] == []
    analyst = op.client("ana-a").get("/api/search", params={"hash": op.media[AGENCY_B]})
    assert [m["sha256"] for m in analyst.json()["media"]] == [op.media[AGENCY_B]]


def test_csrf_refused_without_or_with_a_wrong_token(op: Operation) -> None:
    client = op.client("ana-a")
    good = client.headers.pop("X-CSRF-Token")
    url = f"/api/media/{op.media[AGENCY_A]}/reveal"
    response = client.post(url)
    assert response.status_code == 403 and response.json()["error"]["code"] == "csrf_failed"
    response = client.post(url, headers={"X-CSRF-Token": good[::-1]})
    assert response.status_code == 403
    form = f"/media/{op.media[AGENCY_A]}/reveal"
    assert client.post(form, data={"csrf_token": "nope"}).status_code == 403
    assert client.post(form, data={"csrf_token": good}).status_code == 303
    # The login form needs its own double-submit token.
    fresh = op.client()
    response = fresh.post("/login", data={"username": "ana-a", "password": PASSWORD})
    assert response.status_code == 403


def test_login_form_sets_a_hardened_cookie_and_refuses_open_redirects(op: Operation) -> None:
    client = op.client()
    for target, landing in [
        ("https://evil.example/", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/audit?x=1", "/audit?x=1"),
    ]:
        page = client.get("/login", params={"next": target})
        assert "evil" not in page.text
        token = client.cookies.get("lodestar_login_csrf")
        response = client.post(
            "/login",
            data={"username": "coord", "password": PASSWORD, "csrf_token": token, "next": target},
        )
        assert response.status_code == 303
        assert response.headers["location"] == landing
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "secure" in cookie and "samesite=strict" in cookie
        client.cookies.clear()


def test_logout_ends_the_session(op: Operation) -> None:
    client = op.client("ana-a")
    assert client.post("/api/logout").status_code == 200
    assert client.get("/api/me").status_code == 401
    other = op.client("ana-b")
    assert other.post("/logout").status_code == 303
    assert other.get("/").status_code == 303


def test_session_expires_when_idle_and_after_a_working_day(op: Operation) -> None:
    client = op.client("ana-a")
    op.clock.advance(op.config.session_idle_s - 60)
    assert client.get("/api/me").status_code == 200
    op.clock.advance(op.config.session_idle_s + 1)
    assert client.get("/api/me").status_code == 401
    assert client.get("/").headers["location"] == "/login?next=%2F"
    client = op.client("ana-a")
    for _ in range(op.config.session_max_s // (op.config.session_idle_s - 60) + 1):
        op.clock.advance(op.config.session_idle_s - 60)  # active all day long
        last = client.get("/api/me").status_code
    assert last == 401


def test_login_rate_limit_per_user_name(op: Operation) -> None:
    client = op.client()
    for _ in range(op.config.login_max_failures):
        bad = client.post("/api/login", json={"username": "ana-a", "password": "wrong" * 3})
        assert bad.status_code == 401 and bad.json()["error"]["code"] == "unauthenticated"
    refused = client.post("/api/login", json={"username": "ana-a", "password": PASSWORD})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.json()["error"]["code"] == "rate_limited"
    op.clock.advance(op.config.login_window_s + 1)
    login(client, "ana-a")
    actions = [e["action"] for e in op.client("auditor").get("/api/audit?action=login").json()]
    assert actions.count("login.failed") == 5 and "login.refused" in actions


def test_disabled_user_cannot_sign_in_and_loses_sessions(op: Operation) -> None:
    from lodestar.review.people import disable_user

    client = op.client("ana-b")
    with op.ws.store.session() as session:
        disable_user(session, username="ana-b", actor="test")
    assert client.get("/api/me").status_code == 401
    response = op.client().post("/api/login", json={"username": "ana-b", "password": PASSWORD})
    assert response.status_code == 401


def test_security_headers_and_no_cdn(op: Operation) -> None:
    client = op.client("coord")
    page = client.get("/")
    assert page.headers["content-security-policy"] == CSP
    assert "'unsafe-inline'" not in CSP and "default-src 'none'" in CSP
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"
    assert "http://" not in page.text and "https://" not in page.text
    assert client.get("/static/htmx.min.js").status_code == 200
    assert client.get("/docs").status_code == 404  # Swagger UI would load from a CDN
    schema = client.get("/api/openapi.json").json()
    assert "/api/media/{sha256}/reveal" in schema["paths"]


def test_one_json_error_shape(op: Operation) -> None:
    client = op.client("ana-a")
    for url, status, code in [
        ("/api/nothing-here", 404, "not_found"),
        ("/api/media/" + "0" * 64, 404, "not_found"),
        ("/api/media/not-a-hash", 422, "invalid_request"),
        ("/api/search?hash=xyz", 400, "user_error"),
        ("/api/audit", 403, "forbidden"),
    ]:
        response = client.get(url)
        assert response.status_code == status, url
        assert response.json() == {
            "error": {
                "code": code,
                "message": response.json()["error"]["message"],
                "detail": response.json()["error"]["detail"],
            }
        }
        assert isinstance(response.json()["error"]["message"], str)
