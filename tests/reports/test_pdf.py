"""The operation report PDF: rendered to PNG, its text read back, charts drawn."""

from __future__ import annotations

import io

import numpy as np
import pypdfium2 as pdfium

from lodestar.reports.pdf import TITLE, write_report_pdf

FIGURES = {
    "generated_at": "2026-03-02T09:00:00Z",
    "files": {
        "analysed": 12345,
        "unique_media": 9876,
        "by_kind": {"image": 9000, "video": 876},
        "total_bytes": 52_300_000_000,
        "total_gb": 52.3,
        "unique_gb": 40.1,
        "video_hours": 17.25,
    },
    "series": {
        "found": 42,
        "worked": 17,
        "identified": 5,
        "victim_identified": 4,
        "offender_identified": 2,
        "in_leads": 9,
    },
    "leads": {
        "total": 7,
        "by_status": {"draft": 1, "reviewed": 1, "sent": 2, "acknowledged": 1, "outcome": 2},
        "by_country": {
            "PT": {"sent": 2, "outcome": 2},
            "NL": {"draft": 1, "acknowledged": 1},
            "DE": {"reviewed": 1},
        },
    },
    "outcomes": {
        "victims_identified": 3,
        "offenders_identified": 1,
        "offenders_arrested": 2,
        "leads_no_result": 0,
        "leads_transferred": 0,
    },
}


def _render(figures: dict) -> tuple[str, np.ndarray]:
    buf = io.BytesIO()
    write_report_pdf(figures, buf)
    pdf = pdfium.PdfDocument(buf.getvalue())
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    pages = [np.asarray(pdf[i].render(scale=1.0).to_pil().convert("RGB")) for i in range(len(pdf))]
    return text, np.concatenate(pages, axis=0)


def test_report_pdf_has_title_figures_and_charts() -> None:
    text, image = _render(FIGURES)
    assert TITLE in text and "12,345" in text and "52.300" in text and "17.25" in text
    assert "42 / 17 / 5" in text and "Victims identified" in text
    for country in ("PT", "NL", "DE"):
        assert country in text
    # The bar charts paint the status colours (blue for "reviewed"/series bars, orange "sent").
    blue = np.all(np.abs(image.astype(int) - (0x5B, 0x8D, 0xEF)) < 12, axis=-1).sum()
    orange = np.all(np.abs(image.astype(int) - (0xF0, 0xA0, 0x30)) < 12, axis=-1).sum()
    assert blue > 500 and orange > 100


def test_report_pdf_without_leads_says_so() -> None:
    empty = {**FIGURES, "leads": {"total": 0, "by_status": {}, "by_country": {}}}
    text, _ = _render(empty)
    assert "No leads yet." in text
