"""``report.pdf``: the lead for people, previews blurred unless justified."""

from __future__ import annotations

import io
from typing import ClassVar

from lodestar.leads.parts.base import PartContext, package_parts
from lodestar.leads.pdf import write_lead_pdf


class ReportPdf:
    name: ClassVar[str] = "report-pdf"
    order: ClassVar[int] = 10
    filenames: ClassVar[tuple[str, ...]] = ("report.pdf",)
    description: ClassVar[str] = "the lead for people (previews blurred unless justified)"

    def build(self, context: PartContext) -> list[tuple[str, bytes]]:
        buf = io.BytesIO()
        write_lead_pdf(dict(context.content), list(context.previews), buf)
        return [("report.pdf", buf.getvalue())]


report_pdf = package_parts.register(ReportPdf())
