"""A real browser walks a lead: an analyst creates it from a series page, a second user (the
coordinator) reviews it, packages it (a download) and verifies the package — every file ok,
and nothing requested outside the server's own origin. The crop box is drawn by mouse.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from lodestar.store.lead_models import Lead
from lodestar.store.people_models import AuditEvent

from ..review.conftest import AGENCY_A, Operation
from .browser import launch, needs_chromium, same_origin_page, serve, sign_in, sign_out, snap
from .leads_op import real_originals

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [needs_chromium, pytest.mark.slow]


@pytest.fixture
def server(op: Operation, tmp_path: Path) -> Iterator[str]:
    real_originals(op, tmp_path / "evidence")
    with serve(op) as origin:
        yield origin


def _create_lead(page: Page, server: str, series_id: int) -> int:
    page.click("header nav a[href='/series']")
    page.click(f"table.queue a[href='/series/{series_id}'] >> nth=0")
    page.click("#create-lead")
    page.wait_for_url(f"{server}/leads/new?series={series_id}")
    assert page.is_checked("#cc-PT")  # the suggestion is preselected
    page.select_option("#new-lead select[name=agency]", AGENCY_A)
    page.check("#new-lead input[name=clue_ids] >> nth=0")
    page.fill("#new-lead textarea[name=summary]", "room with an exit sign")
    page.click("#new-lead button")
    page.wait_for_url(f"{server}/leads/*")
    assert page.inner_text("#lead-status") == "draft"
    assert page.query_selector("#review") is None  # the author cannot review
    return int(page.url.rsplit("/", 1)[1])


def test_create_review_package_verify(
    op: Operation, server: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from playwright.sync_api import sync_playwright

    requested: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = same_origin_page(browser, server, requested, accept_downloads=True)
            sign_in(page, server, "ana-a")
            lead_id = _create_lead(page, server, op.series[AGENCY_A])
            sign_out(page, server)

            sign_in(page, server, "coord")
            page.click("header nav a[href='/leads']")
            page.click(f"table.leads a[href='/leads/{lead_id}']")
            page.fill("#review input[name=note]", "clues and country checked")
            page.click("#review button")
            page.wait_for_url(f"{server}/leads/{lead_id}")
            assert page.inner_text("#lead-status") == "reviewed"
            snap(page, request, "1-lead-reviewed")
            with page.expect_download() as info:
                page.click("#package button")
            package = tmp_path / info.value.suggested_filename
            info.value.save_as(package)
            assert package.suffix == ".zip"

            page.goto(f"{server}/leads/verify")
            page.set_input_files("#verify input[name=package]", str(package))
            page.click("#verify button")
            page.wait_for_selector("#verdict")
            assert "every file ok" in page.inner_text("#verdict")
            results = page.locator("table.verify tr.ok").count()
            assert results >= 5 and page.locator("table.verify tr.bad").count() == 0
            snap(page, request, "2-package-verified")

            page.click("header nav a[href='/report']")
            assert page.locator("svg.chart").count() == 3
            snap(page, request, "3-operation-report")
            sign_out(page, server)
        finally:
            browser.close()

    assert requested, "the browser made no request at all"
    assert [u for u in requested if not u.startswith(server + "/")] == []
    with op.ws.store.session() as session:
        lead = session.get_one(Lead, lead_id)
        actions = {
            (e.actor, e.action)
            for e in session.query(AuditEvent).filter_by(target=f"lead:{lead_id}")
        }
    assert lead.created_by == "ana-a" and lead.status == "reviewed"
    assert {("ana-a", "lead.created"), ("coord", "lead.reviewed"), ("coord", "lead.packaged")} <= (
        actions
    )


def test_crop_box_drawn_on_the_blurred_preview(op: Operation, server: str) -> None:
    from playwright.sync_api import sync_playwright

    sha = op.media[AGENCY_A]
    requested: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = same_origin_page(browser, server, requested, accept_downloads=True)
            sign_in(page, server, "ana-a")
            page.goto(f"{server}/media/{sha}")
            # A crop needs a reveal first (logged, counted as exposure); the crop tool's own
            # preview stays blurred.
            page.click(f"#fig-{sha[:16]} button")
            page.wait_for_selector(f"#fig-{sha[:16]} img[src='/api/media/{sha}/clear']")
            preview = page.locator("#crop-preview")
            assert preview.get_attribute("src") == f"/api/media/{sha}/thumb"  # blurred
            page.wait_for_function(
                "el => el.complete && el.naturalWidth > 0", arg=preview.element_handle()
            )
            box = preview.bounding_box()
            assert box is not None
            scale = 256 / box["width"]  # the media is 256 px wide
            page.mouse.move(box["x"] + 150 / scale, box["y"] + 30 / scale)
            page.mouse.down()
            page.mouse.move(box["x"] + 220 / scale, box["y"] + 100 / scale, steps=4)
            page.mouse.up()
            x, w = (
                int(page.input_value("#crop-form input[name=x]")),
                int(page.input_value("#crop-form input[name=w]")),
            )
            assert abs(x - 150) <= 2 and abs(w - 70) <= 2
            assert page.is_visible(".crop-box")
            with page.expect_download() as info:
                page.click("#crop-form button")
            assert info.value.suggested_filename.startswith(f"object-{sha[:12]}-")
        finally:
            browser.close()
    assert [u for u in requested if not u.startswith(server + "/")] == []
