"""The operation report: the figures live from the store, charts as server-side SVG, a PDF.

Figures come from ``lodestar.reports.figures.operation_figures`` (the CLI's ``lodestar report``
reads the same); every view and download is audited.
"""

from __future__ import annotations

import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from lodestar.audit import append_event
from lodestar.reports.figures import operation_figures
from lodestar.reports.pdf import write_report_pdf
from lodestar.review.auth import Principal
from lodestar.store.lead_models import LEAD_STATUSES
from lodestar.web.charts import Row, Segment, bar_chart
from lodestar.web.deps import DB, permitted
from lodestar.web.pages import render

router = APIRouter()
Reader = Annotated[Principal, Depends(permitted("report.view"))]
PDF: dict[str, Any] = {"content": {"application/pdf": {}}}


def _figures(session: Session, principal: Principal, via: str) -> dict[str, Any]:
    figures = operation_figures(session, actor=principal.as_actor())
    append_event(
        session,
        actor=principal.username,
        user_id=principal.user_id,
        action="report.view",
        target="",
        detail={"via": via},
    )
    return figures


def charts(figures: dict[str, Any]) -> dict[str, Any]:
    series, leads, outcomes = figures["series"], figures["leads"], figures["outcomes"]
    return {
        "series": bar_chart(
            "Series: found, worked, identified",
            [
                Row(label, [Segment(label, int(series[key]))])
                for label, key in (
                    ("found", "found"),
                    ("worked", "worked"),
                    ("in leads", "in_leads"),
                    ("identified", "identified"),
                )
            ],
        ),
        "leads": bar_chart(
            "Leads by country and status",
            [
                Row(country, [Segment(s, int(by.get(s, 0))) for s in LEAD_STATUSES])
                for country, by in leads["by_country"].items()
            ],
            keys=LEAD_STATUSES,
        ),
        "outcomes": bar_chart(
            "Outcomes reported by partners",
            [
                Row(key.replace("_", " "), [Segment(key, int(value))])
                for key, value in outcomes.items()
            ],
        ),
    }


@router.get("/report", include_in_schema=False)
def report_page(request: Request, session: DB, principal: Reader) -> Response:
    figures = _figures(session, principal, "page")
    return render(request, "report.html", principal=principal, f=figures, charts=charts(figures))


@router.get("/api/report", summary="The operation's figures, live")
def report_api(session: DB, principal: Reader) -> dict[str, Any]:
    return _figures(session, principal, "api")


@router.get(
    "/report/pdf",
    summary="The operation report as a PDF",
    response_class=Response,
    responses={200: PDF},
)
def report_pdf(session: DB, principal: Reader) -> Response:
    figures = _figures(session, principal, "pdf")
    buf = io.BytesIO()
    write_report_pdf(figures, buf)
    name = f"operation-report-{figures['generated_at'][:10]}.pdf"
    return Response(
        buf.getvalue(),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
