"""Blurred by default, clear only inside an audited per-user reveal; exposure accounting."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from PIL import Image, ImageFilter, ImageStat

from lodestar.review.media import _union_seconds

from ..review.conftest import AGENCY_A, Operation


def _image(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def test_thumbnail_is_blurred_and_grey_until_revealed(op: Operation) -> None:
    sha, clear = op.media[AGENCY_A], op.thumbs[AGENCY_A].read_bytes()
    client = op.client("ana-a")
    blurred = client.get(f"/api/media/{sha}/thumb")
    assert blurred.status_code == 200 and blurred.headers["content-type"] == "image/jpeg"
    assert blurred.headers["cache-control"] == "no-store"
    assert blurred.content != clear
    img = _image(blurred.content)
    assert img.mode == "L" and img.size == _image(clear).size
    # Blurred: far less fine detail than the same picture in grey.
    edges = [
        ImageStat.Stat(i.convert("L").filter(ImageFilter.FIND_EDGES)).mean[0]
        for i in (img, _image(clear))
    ]
    assert edges[0] < edges[1] / 3
    assert client.get(f"/api/media/{sha}/clear").status_code == 403
    assert sha not in _audit_targets(op, "media.reveal")

    revealed = client.post(f"/api/media/{sha}/reveal").json()
    assert revealed["clear_url"] == f"/api/media/{sha}/clear"
    assert client.get(revealed["clear_url"]).content == clear
    assert f"media:{sha}" in _audit_targets(op, "media.reveal")
    # Only for that user, and only for a short time.
    assert op.client("ana-b").get(f"/api/media/{sha}/clear").status_code == 403
    op.clock.advance(61)
    assert client.get(revealed["clear_url"]).status_code == 403


def _audit_targets(op: Operation, action: str) -> list[str]:
    events = op.client("auditor").get("/api/audit", params={"action": action}).json()
    return [e["target"] for e in events]


def test_hiding_again_is_audited(op: Operation) -> None:
    """Issue 16 #13: a reveal was audited, blurring it again was not (the log showed a reveal
    that seemed to run its full time)."""
    sha = op.media[AGENCY_A]
    client = op.client("ana-a")
    client.post(f"/api/media/{sha}/reveal")
    op.clock.advance(5)
    assert client.post(f"/api/media/{sha}/hide").json() == {"ok": True}
    assert client.get(f"/api/media/{sha}/clear").status_code == 403
    events = op.client("auditor").get("/api/audit", params={"action": "media.hide"}).json()
    assert [(e["actor"], e["target"]) for e in events] == [("ana-a", f"media:{sha}")]
    assert events[0]["detail"] == {"via": "web", "ended": 1}


def test_preferences_stay_within_the_coordinators_limits(op: Operation) -> None:
    sha = op.media[AGENCY_A]
    client = op.client("ana-a")
    assert client.post("/api/wellness/preferences", json={"blur": 2}).status_code == 400
    refused = client.post("/api/wellness/preferences", json={"blur": 20, "colour": True})
    assert refused.status_code == 400  # colour not allowed by default
    coord = op.client("coord")
    assert coord.post("/api/wellness/limits", json={"colour_allowed": True}).status_code == 200
    assert client.post("/api/wellness/preferences", json={"blur": 20, "colour": True}).is_success
    img = _image(client.get(f"/api/media/{sha}/thumb").content)
    assert img.mode == "RGB"  # still blurred, now in colour
    assert client.get(f"/api/media/{sha}/thumb").content != op.thumbs[AGENCY_A].read_bytes()


def test_exposure_is_measured_and_a_break_is_suggested(op: Operation) -> None:
    sha = op.media[AGENCY_A]
    coord = op.client("coord")
    assert coord.post("/api/wellness/limits", json={"break_after_s": 60}).is_success
    client = op.client("ana-a")
    client.post(f"/api/media/{sha}/reveal")
    op.clock.advance(30)
    client.post(f"/api/media/{sha}/hide")  # exposure stops counting here
    op.clock.advance(300)
    mine = client.get("/api/wellness").json()
    assert mine["exposure_today_s"] == 30.0 and not mine["break_due"]
    client.post(f"/api/media/{sha}/reveal")
    op.clock.advance(100)  # the reveal ran out after 60 s
    mine = client.get("/api/wellness").json()
    assert mine["exposure_today_s"] == 90.0 and mine["break_due"]
    assert "Time for a break" in client.get("/wellness").text
    team = coord.get("/api/wellness/team").json()
    assert team == {
        "people_exposed_today": 1,
        "exposure_today_total_s": 90.0,
        "exposure_today_mean_s": 90.0,
        "people_past_break_threshold": 1,
    }
    assert "ana-a" not in coord.get("/wellness").text  # aggregates, never names


def test_overlapping_reveals_count_once() -> None:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    s = timedelta(seconds=1)
    assert (
        _union_seconds([(t, t + 60 * s), (t + 30 * s, t + 90 * s), (t + 200 * s, t + 210 * s)])
        == 100
    )


def test_htmx_reveal_swaps_the_figure(op: Operation) -> None:
    sha = op.media[AGENCY_A]
    client = op.client("ana-a")
    page = client.get(f"/media/{sha}")
    assert f"/api/media/{sha}/thumb" in page.text and f"/api/media/{sha}/clear" not in page.text
    fragment = client.post(f"/media/{sha}/reveal", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert f"/api/media/{sha}/clear" in fragment.text and "<html" not in fragment.text
    assert "media.view" in [
        e["action"] for e in op.client("auditor").get("/api/audit?action=media").json()
    ]


def test_a_thumbnail_path_outside_derived_is_never_served(op: Operation) -> None:
    from lodestar.store import Media

    sha = op.media[AGENCY_A]
    with op.ws.store.session() as session:
        session.get_one(Media, sha).thumb = "../lodestar.db"
    response = op.client("ana-a").get(f"/api/media/{sha}/thumb")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_find_similar_says_when_matching_is_behind_the_evidence(op: Operation) -> None:
    from lodestar.stages import store_inputs, write_mark
    from lodestar.web.routes.media import STALE_HEADER

    sha = op.media[AGENCY_A]
    client = op.client("ana-a")
    # The operation's media were written without matching or a series build having run.
    api = client.get(f"/api/media/{sha}/similar")
    assert api.status_code == 200 and api.headers[STALE_HEADER] == "match, series"
    page = client.get(f"/media/{sha}/similar")
    assert "Incomplete: match and series have not run" in page.text
    with op.ws.store.session() as session:
        for stage in ("match", "series"):
            write_mark(session, stage, inputs=store_inputs(session), actor="test")
    api = client.get(f"/api/media/{sha}/similar")
    assert api.status_code == 200 and STALE_HEADER not in api.headers
    assert "Incomplete" not in client.get(f"/media/{sha}/similar").text
