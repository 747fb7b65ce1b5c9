"""Issue 16 #3: request bodies are limited per route while they stream in (413, one shape)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi.testclient import TestClient

from lodestar.web.app import create_app
from lodestar.web.limits import BODY_LIMITS, DEFAULT_BODY_LIMIT, BodyLimits

from ..review.conftest import AGENCY_A, Operation

CHUNK = 8 << 10


def _assert_413(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text[:200]
    error = response.json()["error"]
    assert error["code"] == "payload_too_large" and set(error) == {"code", "message", "detail"}


def test_a_2mb_login_body_is_refused_on_its_length(op: Operation) -> None:
    client = op.client()
    body = b'{"username": "ana-a", "password": "' + b"x" * (2 << 20) + b'"}'
    started = time.monotonic()
    response = client.post("/api/login", content=body, headers={"content-type": "application/json"})
    _assert_413(response)
    assert time.monotonic() - started < 2
    assert response.headers["x-content-type-options"] == "nosniff"  # the usual headers too


def test_a_streamed_body_is_cut_off_at_the_limit(op: Operation) -> None:
    """No Content-Length (chunked): counted as it arrives; the rest is never pulled."""
    app = create_app(op.ws, config=op.config)
    pulled = 0
    total_chunks = (2 << 20) // CHUNK  # a 2 MB body, if it were read whole

    async def body() -> AsyncIterator[bytes]:
        nonlocal pulled
        yield b'{"username": "ana-a", "password": "'
        for _ in range(total_chunks):
            pulled += 1
            yield b"x" * CHUNK
        yield b'"}'

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
            return await c.post(
                "/api/login", content=body(), headers={"content-type": "application/json"}
            )

    response = asyncio.run(post())
    _assert_413(response)
    # Memory is not proportional to the body: reading stopped one chunk past 64 KiB.
    assert pulled <= DEFAULT_BODY_LIMIT // CHUNK + 2 < total_chunks


def test_small_bodies_still_pass_and_routes_declare_larger_limits(op: Operation) -> None:
    client = op.client("coord")
    series = op.series[AGENCY_A]
    note = "\U0001f600" * 10_000  # the longest note: 120 KB once escaped in JSON
    raw = ('{"body": "' + "\\ud83d\\ude00" * 10_000 + '"}').encode()
    assert len(raw) > DEFAULT_BODY_LIMIT
    response = client.post(
        f"/api/series/{series}/notes",
        content=raw,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 200 and response.json()["body"] == note
    tag = client.post(f"/api/series/{series}/tags", content=b'{"tag": "' + b"t" * 70_000 + b'"}')
    _assert_413(tag)
    assert BODY_LIMITS[("POST", "/api/leads/verify")] > 2 << 30  # uploads keep their room


@pytest.mark.parametrize(
    ("method", "path", "want"),
    [
        ("POST", "/api/leads/verify", BODY_LIMITS[("POST", "/api/leads/verify")]),
        (
            "PUT",
            "/api/series/7/notes/3",
            BODY_LIMITS[("PUT", "/api/series/{series_id}/notes/{note_id}")],
        ),
        ("POST", "/api/login", DEFAULT_BODY_LIMIT),
        ("POST", "/api/series/7/notes/extra", DEFAULT_BODY_LIMIT),
    ],
)
def test_route_table_matches_templates(method: str, path: str, want: int) -> None:
    limits = BodyLimits(TestClient, limits=None)  # type: ignore[arg-type]
    assert limits.limit_for(method, path) == want
