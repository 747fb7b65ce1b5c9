"""The audit chain: verify catches a changed, a removed and an inserted event (edited with SQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from lodestar.audit import append_event, event_hash, head, verify_chain
from lodestar.review.audit import export_lines, list_events
from lodestar.workspace import Workspace

from .conftest import Operation


def _events(ws: Workspace, n: int = 6) -> list[int]:
    with ws.store.session() as session:
        ids = [
            append_event(
                session, actor=f"user{i}", action="search", target="", detail={"i": i, "ü": "ß"}
            ).id
            for i in range(n)
        ]
    with ws.store.session() as session:
        assert verify_chain(session).ok
    return ids


def _verify(ws: Workspace, **kw: str) -> dict[str, object]:
    with ws.store.session() as session:
        return verify_chain(session, **kw).as_dict()


def test_intact_chain_verifies(ws: Workspace) -> None:
    ids = _events(ws)
    report = _verify(ws)
    assert report["ok"] and report["events"] == len(ids) and report["problem"] is None


def test_changed_event_is_caught(ws: Workspace) -> None:
    ids = _events(ws)
    with ws.store.session() as session:
        session.execute(
            text("UPDATE audit_events SET actor = 'someone else' WHERE id = :i"), {"i": ids[2]}
        )
    problem = _verify(ws)["problem"]
    assert problem == {"event_id": ids[2], "kind": "changed", "reason": problem["reason"]}  # type: ignore[index]


def test_removed_event_is_caught(ws: Workspace) -> None:
    ids = _events(ws)
    with ws.store.session() as session:
        session.execute(text("DELETE FROM audit_events WHERE id = :i"), {"i": ids[3]})
    problem = _verify(ws)["problem"]
    assert problem["kind"] == "removed" and problem["event_id"] == ids[4]  # type: ignore[index]


def test_inserted_event_is_caught(ws: Workspace) -> None:
    ids = _events(ws)
    with ws.store.session() as session:
        # Make room after event 2, then slip in a well-formed event with a valid own hash.
        for i in reversed(ids[2:]):
            session.execute(
                text("UPDATE audit_events SET id = :n WHERE id = :i"), {"n": i + 100, "i": i}
            )
        fields: dict[str, Any] = {
            "at": "2026-01-01T00:00:00.000000Z",
            "actor": "intruder",
            "user_id": None,
            "action": "search",
            "target": "",
            "detail": {},
            "prev_hash": "f" * 64,
        }
        session.execute(
            text(
                "INSERT INTO audit_events (id, at, actor, user_id, action, target, detail,"
                " prev_hash, hash) VALUES (:id, :at, :actor, NULL, :action, :target, '{}',"
                " :prev_hash, :hash)"
            ),
            fields | {"id": ids[2], "hash": event_hash(fields)},
        )
    problem = _verify(ws)["problem"]
    assert problem["kind"] == "inserted" and problem["event_id"] == ids[2]  # type: ignore[index]


def test_cut_tail_needs_a_recorded_head(ws: Workspace) -> None:
    ids = _events(ws)
    with ws.store.session() as session:
        recorded = head(session)
        session.execute(text("DELETE FROM audit_events WHERE id = :i"), {"i": ids[-1]})
    assert _verify(ws)["ok"]  # invisible to the chain alone …
    report = _verify(ws, head=recorded)
    assert not report["ok"] and report["problem"]["kind"] == "removed"  # type: ignore[index]


def test_list_filters_and_export_keeps_hashes(ws: Workspace) -> None:
    _events(ws, 3)
    with ws.store.session() as session:
        append_event(session, actor="x", action="media.reveal", target="media:ab")
        assert [e["action"] for e in list_events(session, action="media")] == ["media.reveal"]
        lines = list(export_lines(session, fmt="jsonl"))
        csv_lines = list(export_lines(session, fmt="csv"))
    assert len(lines) == 4 and '"hash"' in lines[0]
    assert csv_lines[0].startswith("id,at,actor") and len(csv_lines) == 5


def test_web_export_is_audited_and_verifies(op: Operation) -> None:
    client = op.client("auditor")
    export = client.get("/api/audit/export")
    assert export.status_code == 200 and export.headers["content-type"].startswith(
        "application/x-ndjson"
    )
    assert client.get("/api/audit/verify").json()["ok"]
    assert "audit.export" in [e["action"] for e in client.get("/api/audit").json()]
    assert "Chain intact" in client.get("/audit?verify=1").text
