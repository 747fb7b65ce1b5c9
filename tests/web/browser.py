"""Shared helpers for the real-browser tests: Debian's Chromium via Playwright, no downloads.

The workbench runs on a free localhost port in a thread of the test process; the browser
context refuses (and records) every request, so a test can assert none left the origin.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from lodestar.web.app import create_app

from ..conftest import requires_tool
from ..review.conftest import PASSWORD, Operation

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
needs_chromium = requires_tool(
    "Debian's Chromium", available=CHROMIUM.exists(), install="scripts/setup.sh installs it"
)


SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


def snap(page: Any, request: pytest.FixtureRequest, step: str) -> Path:
    """A full-page screenshot for a reviewer: test-output/screenshots/<test>/<step>.png."""
    folder = SCREENSHOTS / "".join(
        c if c.isalnum() or c in "-_." else "_" for c in request.node.name
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{step}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000, f"empty screenshot {path}"
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def serve(op: Operation) -> Iterator[str]:
    """The workbench on a free localhost port, in a thread of this process."""
    port = free_port()
    app = create_app(op.ws, config=op.config)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://localhost:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


def launch(pw: Any) -> Any:
    return pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def same_origin_page(browser: Any, server: str, requested: list[str], **context: Any) -> Any:
    """A page whose every request is recorded; anything off-origin is aborted, never sent."""
    ctx = browser.new_context(**context)
    ctx.on("request", lambda r: requested.append(r.url))
    ctx.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(server + "/") else route.abort()
        ),
    )
    page = ctx.new_page()
    page.set_default_timeout(10_000)
    return page


def sign_in(page: Any, server: str, username: str) -> None:
    page.goto(server + "/")
    assert "/login" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login button")
    page.wait_for_url(server + "/")


def sign_out(page: Any, server: str) -> None:
    page.click("header form button")
    page.wait_for_url(server + "/login")
