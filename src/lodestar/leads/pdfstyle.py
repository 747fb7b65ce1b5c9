"""Shared reportlab look for Lodestar PDFs (lead reports here, operation reports later)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
MONO = "Courier"  # hashes: a built-in font extracts cleanly and fits 64 hex digits per row


@lru_cache(maxsize=1)
def fonts() -> tuple[str, str]:
    """(regular, bold): DejaVu where installed (clue text in any script), else Helvetica."""
    regular, bold = _DEJAVU / "DejaVuSans.ttf", _DEJAVU / "DejaVuSans-Bold.ttf"
    if regular.is_file() and bold.is_file():
        pdfmetrics.registerFont(TTFont("LodestarSans", str(regular)))
        pdfmetrics.registerFont(TTFont("LodestarSans-Bold", str(bold)))
        return "LodestarSans", "LodestarSans-Bold"
    return "Helvetica", "Helvetica-Bold"


@lru_cache(maxsize=1)
def styles() -> dict[str, ParagraphStyle]:
    regular, bold = fonts()
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("t", parent=base["Title"], fontName=bold, fontSize=16),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontName=bold, fontSize=12),
        "body": ParagraphStyle("b", parent=base["BodyText"], fontName=regular, fontSize=9),
        "small": ParagraphStyle("s", parent=base["BodyText"], fontName=regular, fontSize=7),
        "mono": ParagraphStyle("m", parent=base["BodyText"], fontName=MONO, fontSize=6.5),
    }


def para(text: object, style: str = "body") -> Paragraph:
    return Paragraph(escape(str(text)), styles()[style])


def table(rows: list[list[Any]], widths: list[float] | None = None, *, mono: bool = False) -> Table:
    regular, bold = fonts()
    t = Table(rows, colWidths=widths, repeatRows=1)
    t.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), bold),
                ("FONTNAME", (0, 1), (-1, -1), MONO if mono else regular),
                ("FONTSIZE", (0, 0), (-1, -1), 6.5 if mono else 8),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde3ea")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return t


def document(path: Path | Any, *, title: str) -> SimpleDocTemplate:
    return SimpleDocTemplate(
        path,
        pagesize=A4,
        title=title,
        author="Lodestar",
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        invariant=1,  # same content → same bytes (no creation-time ids)
    )
