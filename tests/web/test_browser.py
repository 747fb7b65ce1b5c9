"""A real browser walks the workbench: Debian's Chromium driven by Playwright, no downloads.

Log in, open a series from the queue, reveal one image (logged), add a note, log out — and the
page never asks for anything outside the server's own origin.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lodestar.store.collab_models import SeriesNote
from lodestar.store.people_models import AuditEvent

from ..review.conftest import AGENCY_A, Operation
from .browser import launch, needs_chromium, same_origin_page, serve, sign_in, sign_out, snap

pytestmark = [needs_chromium, pytest.mark.slow]


@pytest.fixture
def server(op: Operation) -> Iterator[str]:
    with serve(op) as origin:
        yield origin


def test_login_open_series_reveal_note_logout(
    op: Operation, server: str, request: pytest.FixtureRequest
) -> None:
    from playwright.sync_api import sync_playwright

    sha, series_id = op.media[AGENCY_A], op.series[AGENCY_A]
    requested: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = same_origin_page(browser, server, requested)
            sign_in(page, server, "ana-a")

            page.click("header nav a[href='/series']")
            page.click(f"table.queue a[href='/series/{series_id}'] >> nth=0")
            page.wait_for_url(f"{server}/series/{series_id}")
            figure = f"#fig-{sha[:16]}"
            assert page.get_attribute(f"{figure} img", "src") == f"/api/media/{sha}/thumb"
            snap(page, request, "1-series-blurred")

            page.click(f"{figure} button")  # Reveal: htmx swaps this figure only
            clear = page.wait_for_selector(f"{figure} img[src='/api/media/{sha}/clear']")
            assert clear is not None
            page.wait_for_function("el => el.complete && el.naturalWidth > 0", arg=clear)
            snap(page, request, "2-one-image-revealed")

            page.fill("#add-note textarea[name=body]", "window view looks coastal")
            page.click("#add-note button")
            page.wait_for_url(f"{server}/series/{series_id}")
            assert "window view looks coastal" in page.inner_text(".note:last-of-type")
            snap(page, request, "3-note-added")

            sign_out(page, server)
        finally:
            browser.close()

    assert requested, "the browser made no request at all"
    off_origin = [u for u in requested if not u.startswith(server + "/")]
    assert off_origin == []
    assert f"{server}/static/htmx.min.js" in requested
    with op.ws.store.session() as session:
        events = {(e.action, e.target) for e in session.query(AuditEvent).filter_by(actor="ana-a")}
        notes = [n.body for n in session.query(SeriesNote).filter_by(author="ana-a")]
    assert ("media.reveal", f"media:{sha}") in events
    assert ("series.view", f"series:{series_id}") in events
    assert {"login", "logout", "series.note.add"} <= {action for action, _ in events}
    assert notes == ["window view looks coastal"]
