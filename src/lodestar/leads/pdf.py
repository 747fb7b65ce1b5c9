"""The human-readable half of a lead package: one PDF report (reportlab platypus)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Image, PageBreak, Spacer, Table, TableStyle

from lodestar.leads.pdfstyle import document, para, table

PREVIEW_SIDE = 40 * mm
PREVIEWS_PER_ROW = 4


@dataclass(frozen=True)
class Preview:
    sha256: str
    jpeg: bytes | None  # None: no preview could be made (``note`` says why)
    clear: bool = False
    justification: str = ""
    note: str = ""


def lead_title(lead: dict[str, Any]) -> str:
    return f"Lead {lead['id']}: {lead['title']}"


def write_lead_pdf(
    content: dict[str, Any], previews: list[Preview], out: Path | io.BytesIO
) -> None:
    lead = content["lead"]
    doc = document(out, title=f"Lodestar lead package — {lead_title(lead)}")
    story: list[Flowable] = [para(f"Lodestar lead package — {lead_title(lead)}", "title")]
    story += _overview(content)
    story += _series(content)
    story += _reasoning(lead)
    story += _clues(content["clues"])
    story += _previews(previews)
    story += [PageBreak(), *_hashes(content["media"])]
    doc.build(story)


def _overview(content: dict[str, Any]) -> list[Flowable]:
    lead = content["lead"]
    urgency = lead["urgency"] + (f" — {lead['urgency_reason']}" if lead["urgency_reason"] else "")
    rows = [
        ["Field", "Value"],
        ["Lead uid", lead["uid"]],
        ["Status", lead["status"]],
        ["Target", f"{lead['country']} / {lead['agency'] or 'no agency named'}"],
        ["Urgency", para(urgency)],
        ["Created", f"{lead['created_by']} at {_when(lead['created_at'])}"],
        ["Reviewed", f"{content['reviewed_by'] or '—'} at {content['reviewed_at'] or '—'}"],
        ["Packaged", f"{content['created_by']} at {content['created_at']}"],
        ["Signing key", content["key_id"]],
        ["Media", str(len(content["media"]))],
    ]
    return [
        table(rows, [35 * mm, 145 * mm]),
        Spacer(1, 4 * mm),
        para("Summary", "h2"),
        para(lead["summary"] or "(no summary)"),
    ]


def _series(content: dict[str, Any]) -> list[Flowable]:
    rows: list[list[Any]] = [
        ["Series", "Name", "Media", "Known as", "Victim", "Offender", "Cameras", "Captured"]
    ]
    for s in content["series"]:
        rows.append(
            [
                str(s["id"]),
                para(s["name"] or "—", "small"),
                str(len(s["members"])),
                para(s["icse_series"] or "—", "small"),
                _flag(s["victim_identified"]),
                _flag(s["offender_identified"]),
                para(", ".join(s["cameras"]) or "—", "small"),
                para(
                    " – ".join(x for x in (s["first_capture"], s["last_capture"]) if x) or "—",
                    "small",
                ),
            ]
        )
    widths = [w * mm for w in (14, 30, 14, 28, 17, 19, 32, 26)]
    return [para("Series overview", "h2"), table(rows, widths)]


def _when(value: object) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ" if value.tzinfo else "%Y-%m-%dT%H:%M:%S")
    return str(value)


def _flag(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def _reasoning(lead: dict[str, Any]) -> list[Flowable]:
    reasoning = lead.get("country_reasoning") or {}
    suggested = reasoning.get("suggested", {})
    out: list[Flowable] = [
        para("Country reasoning", "h2"),
        para(
            f"Chosen by the analyst: {lead['country']}"
            + (
                f" (rank {reasoning['chosen_rank']} of the suggestion)"
                if reasoning.get("chosen_rank")
                else " (not among the suggested countries)"
            )
        ),
    ]
    if reasoning.get("note"):
        out.append(para(f"Analyst's note: {reasoning['note']}"))
    rows: list[list[Any]] = [["Country", "Score", "Evidence"]]
    for row in suggested.get("countries", []):
        evidence = "; ".join(
            f"{e.get('kind', '')} (clue {e.get('clue_id')}): {e.get('why', '')}"
            for e in row.get("evidence", [])[:6]
        )
        rows.append([row["country"], f"{float(row.get('score', 0)):.2f}", para(evidence, "small")])
    if len(rows) > 1:
        out += [
            para(f"Suggested ({suggested.get('method', '')}):", "small"),
            table(rows, [20 * mm, 15 * mm, 145 * mm]),
        ]
    else:
        out.append(para("No country could be suggested from the series' clues.", "small"))
    return out


def _clues(clues: list[dict[str, Any]]) -> list[Flowable]:
    out: list[Flowable] = [para("Clues with provenance", "h2")]
    if not clues:
        return [*out, para("No clues were chosen for this lead.", "small")]
    rows: list[list[Any]] = [["#", "Kind", "Finding", "Media (SHA-256)", "Found by", "Conf."]]
    for c in clues:
        rows.append(
            [
                str(c["id"]),
                para(c["kind"], "small"),
                para(c["text"], "small"),
                para(c["media"], "mono"),
                para(_found_by(c), "small"),
                f"{float(c['confidence']):.2f}",
            ]
        )
    return [*out, table(rows, [w * mm for w in (10, 20, 50, 45, 42, 13)])]


def _found_by(c: dict[str, Any]) -> str:
    return f"{c['extractor']} {c['extractor_version']} ({c['stage']}), {_when(c['created_at'])}"


def _previews(previews: list[Preview]) -> list[Flowable]:
    out: list[Flowable] = [
        para("Previews", "h2"),
        para(
            "Previews are blurred and greyscale unless a clear image was included with a "
            "written justification (shown under it).",
            "small",
        ),
    ]
    cells: list[list[Flowable]] = []
    for p in previews:
        cells.append(_preview_cell(p))
    if not cells:
        return [*out, para("No media.", "small")]
    rows = [cells[i : i + PREVIEWS_PER_ROW] for i in range(0, len(cells), PREVIEWS_PER_ROW)]
    rows[-1] += [[]] * (PREVIEWS_PER_ROW - len(rows[-1]))
    grid = Table(rows, colWidths=[PREVIEW_SIDE + 5 * mm] * PREVIEWS_PER_ROW)
    grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return [*out, grid]


def _preview_cell(p: Preview) -> list[Flowable]:
    caption = p.sha256[:16] + "…"
    cell: list[Flowable] = []
    if p.jpeg is not None:
        img = Image(io.BytesIO(p.jpeg))
        scale = min(PREVIEW_SIDE / img.imageWidth, PREVIEW_SIDE / img.imageHeight)
        img.drawWidth, img.drawHeight = img.imageWidth * scale, img.imageHeight * scale
        cell.append(img)
    else:
        cell.append(para(f"(no preview: {p.note})", "small"))
    state = f"CLEAR — justification: {p.justification}" if p.clear else "blurred, greyscale"
    cell += [para(caption, "mono"), para(state, "small")]
    return cell


def _hashes(media: list[dict[str, Any]]) -> list[Flowable]:
    rows: list[list[Any]] = [["SHA-256", "MD5", "Bytes", "Series"]]
    for m in media:
        rows.append([m["sha256"], m["md5"], str(m["size"]), str(m["series_id"])])
    return [
        para("Hash list", "h2"),
        para("The same list is in hashes.vics.json (VICS 2.0) and lead.case.jsonld.", "small"),
        table(rows, [w * mm for w in (100, 50, 18, 12)], mono=True),
    ]
