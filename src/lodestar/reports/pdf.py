"""The operation report as a PDF: the figures as tables and two charts (reportlab graphics)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from lodestar.leads.pdfstyle import document, fonts, para, table
from lodestar.store.lead_models import LEAD_STATUSES

TITLE = "Lodestar operation report"
_STATUS_COLOURS = ("#9aa5b1", "#5b8def", "#f0a030", "#44aa77", "#8855bb")


def write_report_pdf(figures: dict[str, Any], out: Path | io.BytesIO) -> None:
    doc = document(out, title=TITLE)
    story: list[Flowable] = [
        para(TITLE, "title"),
        para(f"Figures as of {figures['generated_at']} (live from the workspace store)", "small"),
        Spacer(1, 4 * mm),
        *_figure_tables(figures),
        Spacer(1, 6 * mm),
        KeepTogether([para("Series", "h2"), _series_chart(figures["series"])]),
        KeepTogether([para("Leads by country and status", "h2"), _leads_chart(figures["leads"])]),
    ]
    doc.build(story)


def _figure_tables(f: dict[str, Any]) -> list[Flowable]:
    files, series, leads, outcomes = f["files"], f["series"], f["leads"], f["outcomes"]
    rows = [
        ["Figure", "Value"],
        ["Files analysed (occurrences)", f"{files['analysed']:,}"],
        ["Unique media", f"{files['unique_media']:,}"],
        ["Total size (GB)", f"{files['total_gb']:,.3f}"],
        ["Hours of video (unique)", f"{files['video_hours']:,.2f}"],
        [
            "Series found / worked / identified",
            f"{series['found']} / {series['worked']} / {series['identified']}",
        ],
        ["Leads", str(leads["total"])],
        ["Victims identified", str(outcomes["victims_identified"])],
        [
            "Offenders identified / arrested",
            f"{outcomes['offenders_identified']} / {outcomes['offenders_arrested']}",
        ],
    ]
    status_rows: list[list[Any]] = [["Country", *LEAD_STATUSES]]
    for country, counts in leads["by_country"].items():
        status_rows.append([country, *(str(counts.get(s, 0)) for s in LEAD_STATUSES)])
    out: list[Flowable] = [table(rows, [80 * mm, 60 * mm])]
    if len(status_rows) > 1:
        out += [Spacer(1, 4 * mm), table(status_rows)]
    return out


def _chart_frame(height: float) -> Drawing:
    return Drawing(170 * mm, height)


def _series_chart(series: dict[str, int]) -> Drawing:
    d = _chart_frame(60 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 15 * mm, 10 * mm, 120 * mm, 45 * mm
    labels = ["found", "worked", "identified", "in leads"]
    chart.data = [[series["found"], series["worked"], series["identified"], series["in_leads"]]]
    chart.categoryAxis.categoryNames = labels
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(1, max(chart.data[0])) * 1.15
    chart.bars[0].fillColor = colors.HexColor("#5b8def")
    chart.categoryAxis.labels.fontName = fonts()[0]
    d.add(chart)
    return d


def _leads_chart(leads: dict[str, Any]) -> Drawing:
    countries = list(leads["by_country"]) or ["—"]
    d = _chart_frame(70 * mm)
    if not leads["by_country"]:
        d.add(String(15 * mm, 30 * mm, "No leads yet.", fontName=fonts()[0], fontSize=9))
        return d
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 15 * mm, 10 * mm, 115 * mm, 55 * mm
    chart.categoryAxis.style = "stacked"
    chart.data = [
        [leads["by_country"][c].get(status, 0) for c in countries] for status in LEAD_STATUSES
    ]
    chart.categoryAxis.categoryNames = countries
    chart.valueAxis.valueMin = 0
    for i, colour in enumerate(_STATUS_COLOURS):
        chart.bars[i].fillColor = colors.HexColor(colour)
    legend = Legend()
    legend.x, legend.y = 140 * mm, 60 * mm
    legend.alignment = "right"
    legend.columnMaximum = len(LEAD_STATUSES)
    legend.fontName = fonts()[0]
    legend.fontSize = 8
    legend.colorNamePairs = [
        (colors.HexColor(c), s) for c, s in zip(_STATUS_COLOURS, LEAD_STATUSES, strict=True)
    ]
    d.add(chart)
    d.add(legend)
    return d
