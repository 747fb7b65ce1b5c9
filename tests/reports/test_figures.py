"""Operation figures computed live from the store (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from lodestar.errors import Forbidden
from lodestar.leads import service
from lodestar.reports.figures import operation_figures
from lodestar.series.service import name_series
from lodestar.workspace import Workspace

from ..leads.operation import Op, build_operation


@pytest.fixture
def op(ws: Workspace) -> Op:
    return build_operation(ws, sizes=(3, 2))


def _lead(op: Op, series: str, country: str, agency: str | None) -> int:
    with op.ws.store.session() as s:
        lead = service.create_lead(
            s, actor=op.actor("ana"), series_ids=[op.series[series]], country=country, agency=agency
        )
    return int(lead["id"])


def test_figures_follow_the_store(op: Op) -> None:
    with op.ws.store.session() as s:
        empty = operation_figures(s, actor=op.actor("aud"))
    files = empty["files"]
    sizes = sorted((op.folder / n).stat().st_size for n in ("a0.jpg", "a1.jpg", "a2.jpg"))
    assert files["analysed"] == 6 and files["unique_media"] == 6  # 5 images + 1 video
    assert files["by_kind"] == {"image": 5, "video": 1}
    total = sum(p.stat().st_size for p in op.folder.iterdir())
    assert files["total_bytes"] == total and sizes[0] > 0
    assert files["video_hours"] == 0.5
    assert empty["series"] == {
        "found": 2,
        "worked": 0,
        "identified": 0,
        "victim_identified": 0,
        "offender_identified": 0,
        "in_leads": 0,
    }
    assert empty["leads"]["total"] == 0 and empty["outcomes"]["victims_identified"] == 0

    a = _lead(op, "A", "PT", "PT-PJ")
    _lead(op, "B", "NL", None)
    with op.ws.store.session() as s:
        name_series(s, series_id=op.series["B"], name="Kitchen", actor="ana")
        service.review_lead(s, actor=op.actor("bea"), lead_id=a)
        service.send_lead(s, actor=op.actor("ana"), lead_id=a)
        for outcome, count in (("victim_identified", 2), ("offender_arrested", 1)):
            service.record_outcome(
                s, actor=op.actor("lia-pt"), lead_id=a, outcome=outcome, count=count
            )
    with op.ws.store.session() as s:
        f = operation_figures(s, actor=op.actor("coord"))
    assert f["series"]["worked"] == 2 and f["series"]["identified"] == 1
    assert f["series"]["victim_identified"] == 1 and f["series"]["offender_identified"] == 1
    assert f["leads"]["by_country"] == {"NL": {"draft": 1}, "PT": {"outcome": 1}}
    assert f["leads"]["by_status"]["draft"] == 1 and f["leads"]["total"] == 2
    assert f["outcomes"]["victims_identified"] == 2 and f["outcomes"]["offenders_arrested"] == 1
    with op.ws.store.session() as s, pytest.raises(Forbidden):
        operation_figures(s, actor=op.actor("lia-pt"))
