"""The series queue a page at a time (API headers, page links) and the sized connection pool."""

from __future__ import annotations

import pytest

from lodestar.review import series_read

from .conftest import AGENCY_A, AGENCY_B, Operation


def test_page_of_clamps_and_counts() -> None:
    rows = [{"id": i} for i in range(5)]
    assert series_read.page_of(rows, 2, size=2) == {
        "rows": [{"id": 2}, {"id": 3}],
        "page": 2,
        "pages": 3,
        "total": 5,
    }
    assert series_read.page_of(rows, 99, size=2)["rows"] == [{"id": 4}]
    assert series_read.page_of([], 1, size=2) == {"rows": [], "page": 1, "pages": 1, "total": 0}


def test_queue_pages_through_api_and_page(op: Operation, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(series_read, "PAGE_SIZE", 1)
    a, b = op.series[AGENCY_A], op.series[AGENCY_B]
    coord = op.client("coord")
    first = coord.get("/api/series")
    second = coord.get("/api/series", params={"page": 2})
    assert [r["id"] for r in first.json() + second.json()] == [a, b]
    assert (first.headers["X-Total-Count"], first.headers["X-Pages"]) == ("2", "2")
    assert second.headers["X-Page"] == "2"
    assert coord.get("/api/series", params={"page": 0}).status_code in (400, 422)
    page = coord.get("/series", params={"view": "all", "page": 2}).text
    assert "Page 2 of 2" in page and "/series?view=all&amp;page=1" in page


def test_web_app_sizes_the_pool(op: Operation) -> None:
    op.client("coord").get("/api/series")  # the app is up
    assert op.ws.store.engine.pool.size() == 40
