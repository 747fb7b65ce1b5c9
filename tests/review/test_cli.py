"""`lodestar users|agencies|audit` and audit events from `source add` and `ingest`."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import text

from lodestar.cli.app import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip().startswith(("{", "[")) else out


@pytest.fixture
def ws_args(monkeypatch: pytest.MonkeyPatch, db_url: str, tmp_path: Path) -> list[str]:
    monkeypatch.setenv("LODESTAR_DB_URL", db_url)
    return ["--workspace", str(tmp_path / "ws")]


def test_people_and_audit_commands(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    ws_args: list[str],
    tmp_path: Path,
) -> None:
    code, agency = run(capsys, *ws_args, "agencies", "add", "pt-pj", "--name", "Polícia", "--json")
    assert code == 0 and agency == {"code": "PT-PJ", "country": "PT", "name": "Polícia"}
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough secret\n"))
    code, user = run(
        capsys,
        *ws_args,
        "users",
        "add",
        "maria",
        "--role",
        "liaison",
        "--agency",
        "PT-PJ",
        "--password-stdin",
        "--json",
    )
    assert code == 0 and user["role"] == "liaison" and user["agency"] == "PT-PJ"
    code, users = run(capsys, *ws_args, "users", "list", "--json")
    assert [u["username"] for u in users] == ["maria"]
    code, _ = run(capsys, *ws_args, "users", "disable", "maria")
    code, users = run(capsys, *ws_args, "users", "list", "--json")
    assert users[0]["disabled"] is True
    code, events = run(capsys, *ws_args, "audit", "list", "--json")
    assert [e["action"] for e in events] == ["user.disable", "user.add", "agency.add"]
    code, report = run(capsys, *ws_args, "audit", "verify", "--json")
    assert code == 0 and report["ok"] and report["events"] == 3
    out = tmp_path / "audit.jsonl"
    assert run(capsys, *ws_args, "audit", "export", str(out))[0] == 0
    assert len(out.read_text().splitlines()) == 4  # the export records itself first

    import os

    from lodestar.config import Settings
    from lodestar.workspace import open_workspace

    ws = open_workspace(tmp_path / "ws", settings=Settings(db_url=os.environ["LODESTAR_DB_URL"]))
    with ws.store.session() as session:
        session.execute(text("UPDATE audit_events SET target = 'user:other' WHERE id = 2"))
    ws.close()
    code, report = run(capsys, *ws_args, "audit", "verify", "--json")
    assert code == 2 and report["problem"]["kind"] == "changed"


def test_source_add_and_ingest_are_audited(
    capsys: pytest.CaptureFixture[str], ws_args: list[str], tmp_path: Path
) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(evidence / "sky.png")
    assert (
        run(
            capsys,
            *ws_args,
            "source",
            "add",
            str(evidence),
            "--agency",
            "PT-PJ",
            "--label",
            "card 1",
        )[0]
        == 0
    )
    assert run(capsys, *ws_args, "ingest", "--workers", "1", "--json")[0] == 0
    code, events = run(capsys, *ws_args, "audit", "list", "--json")
    assert [e["action"] for e in reversed(events)] == ["evidence.add", "ingest.start", "ingest.end"]
    assert events[0]["detail"]["status"] == "done" and events[0]["detail"]["files"] == 1
    assert run(capsys, *ws_args, "audit", "verify")[0] == 0
