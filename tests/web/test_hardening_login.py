"""Issue 16 #2: login limits lock an account, not the address all local users share, and
X-Forwarded-For counts only from a configured proxy."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi.testclient import TestClient

from lodestar.web.app import create_app

from ..review.conftest import PASSWORD, Operation, login


def _fail(client: TestClient, username: str, **kw: Any) -> int:
    body = {"username": username, "password": "wrong" * 3}
    return client.post("/api/login", json=body, **kw).status_code


def _login_addresses(op: Operation, action: str) -> list[str]:
    events = op.client("auditor").get("/api/audit", params={"action": action}).json()
    return [e["detail"]["address"] for e in events if e["action"] == action]


def test_one_users_failures_do_not_lock_another_on_the_same_address(op: Operation) -> None:
    client = op.client()  # one app, one limiter, one address for everyone
    for _ in range(op.config.login_max_failures):
        assert _fail(client, "ana-a") == 401
    assert _fail(client, "ana-a") == 429  # ana-a is locked …
    login(client, "ana-b")  # … ana-b, at the same address, is not
    client.cookies.clear()
    refused = client.post("/api/login", json={"username": "ana-a", "password": PASSWORD})
    assert refused.status_code == 429


def test_lockouts_back_off(op: Operation) -> None:
    client = op.client()
    window = op.config.login_window_s
    for _ in range(op.config.login_max_failures):
        _fail(client, "ana-a")
    op.clock.advance(window + 1)
    for _ in range(op.config.login_max_failures):
        assert _fail(client, "ana-a") == 401
    refused = client.post("/api/login", json={"username": "ana-a", "password": PASSWORD})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > window
    op.clock.advance(window + 1)  # the second lockout lasts twice as long
    assert _fail(client, "ana-a") == 429
    op.clock.advance(window + 1)
    login(client, "ana-a")


def test_an_address_has_a_much_higher_ceiling(op: Operation) -> None:
    config = dataclasses.replace(op.config, login_address_max_failures=12)
    client = TestClient(create_app(op.ws, config=config), base_url="https://testserver")
    names = [f"nobody{i}" for i in range(12)]
    assert [_fail(client, n) for n in names] == [401] * 12  # no account reached its limit
    assert _fail(client, "nobody99") == 429  # but this address is spraying names
    other = TestClient(
        create_app(op.ws, config=config), base_url="https://testserver", client=("10.0.0.9", 1)
    )
    assert _fail(other, "nobody99") == 401


def test_forwarded_for_is_ignored_unless_from_a_configured_proxy(op: Operation) -> None:
    spoof = {"X-Forwarded-For": "203.0.113.7"}
    local = TestClient(
        create_app(op.ws, config=op.config),
        base_url="https://testserver",
        client=("127.0.0.1", 4000),
    )
    for _ in range(op.config.login_max_failures):
        _fail(local, "ana-a", headers=spoof)
    assert _login_addresses(op, "login.failed") == ["127.0.0.1"] * op.config.login_max_failures

    config = dataclasses.replace(op.config, trusted_proxies=("127.0.0.1", "10.0.0.0/8"))
    proxied = TestClient(
        create_app(op.ws, config=config),
        base_url="https://testserver",
        client=("127.0.0.1", 4000),
    )
    # The proxy appends the peer it saw; entries left of a stranger's are the stranger's word.
    chain = {"X-Forwarded-For": "6.6.6.6, 198.51.100.4, 10.1.2.3"}
    assert _fail(proxied, "ana-b", headers=chain) == 401
    assert _login_addresses(op, "login.failed")[0] == "198.51.100.4"
    # Not from the proxy: the header is ignored even with the same configuration.
    direct = TestClient(
        create_app(op.ws, config=config), base_url="https://testserver", client=("192.0.2.1", 1)
    )
    assert _fail(direct, "ana-b", headers=spoof) == 401
    assert _login_addresses(op, "login.failed")[0] == "192.0.2.1"


def test_served_as_lodestar_serve_does_forwarded_for_is_not_believed(op: Operation) -> None:
    import uvicorn

    from lodestar.web.app import server_options

    served = uvicorn.Config(create_app(op.ws, config=op.config), **server_options(op.config))
    served.load()  # wraps the app in the middleware uvicorn would run it with
    client = TestClient(served.loaded_app, base_url="https://testserver", client=("127.0.0.1", 1))
    for i in range(op.config.login_max_failures + 2):
        # Old: uvicorn's default took each header as the client, so a new one per try
        # escaped the per-address limit and the audit showed the made-up address.
        _fail(client, f"x{i}", headers={"X-Forwarded-For": f"203.0.113.{i}"})
    assert set(_login_addresses(op, "login.failed")) == {"127.0.0.1"}
