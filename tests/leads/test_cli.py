"""``lodestar leads …``, ``lodestar report`` and ``lodestar crop`` as a user runs them."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lodestar.errors import ExitCode
from lodestar.review.media import reveal
from lodestar.store import Media
from lodestar.store.people_models import User
from lodestar.workspace import Workspace

from ..cli.runner import run
from .operation import Op, build_operation


@pytest.fixture
def cli(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> tuple[Op, list[str]]:
    monkeypatch.setenv("LODESTAR_DB_URL", ws.store.url)
    return build_operation(ws), ["--workspace", str(ws.root)]


def test_leads_end_to_end(
    capsys: pytest.CaptureFixture[str], cli: tuple[Op, list[str]], tmp_path: Path
) -> None:
    op, w = cli
    code, lead, _ = run(
        capsys,
        *w,
        "leads",
        "create",
        "--series",
        str(op.series["A"]),
        "--series",
        str(op.series["B"]),
        "--country",
        "pt",
        "--agency",
        "PT-PJ",
        "--urgency",
        "urgent",
        "--clue",
        str(op.clues["place"]),
        "--as",
        "ana",
        "--json",
    )
    assert code == 0 and lead["status"] == "draft" and lead["series"] == [1, 2]
    lid = str(lead["id"])
    code, _, err = run(capsys, *w, "leads", "review", lid, "--as", "ana", "--json")
    assert code == ExitCode.USER_ERROR and "second person" in json.loads(err)["error"]["message"]
    code, out, _ = run(capsys, *w, "leads", "review", lid, "--as", "bea", "--json")
    assert code == 0 and out["status"] == "reviewed"
    code, out, _ = run(capsys, *w, "leads", "send", lid, "--json")  # workstation operator
    assert code == 0 and out["status"] == "sent"
    code, rows, _ = run(capsys, *w, "leads", "list", "--as", "lia-nl", "--json")
    assert code == 0 and rows == []
    code, rows, _ = run(capsys, *w, "leads", "list", "--as", "lia-pt", "--json")
    assert [r["id"] for r in rows] == [lead["id"]]

    pkg = tmp_path / "lead.zip"
    code, built, _ = run(capsys, *w, "leads", "package", lid, "--out", str(pkg), "--json")
    assert code == 0 and pkg.is_file() and built["files"]["report.pdf"] > 1000
    key = tmp_path / "key.pem"
    code, _, _ = run(capsys, *w, "leads", "key", "export", "--out", str(key))
    assert code == 0 and key.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    code, report, _ = run(capsys, "leads", "verify", str(pkg), "--public-key", str(key), "--json")
    assert code == 0 and report["ok"] and report["key_trusted"]

    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(pkg) as zin, zipfile.ZipFile(bad, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info, data + b" " if info.filename == "lead.case.jsonld" else data)
    code, _, err = run(capsys, "leads", "verify", str(bad), "--public-key", str(key))
    assert code == ExitCode.DATA_ERROR and "failing: lead.case.jsonld" in err

    reply = tmp_path / "reply.json"
    template = json.loads(zipfile.ZipFile(pkg).read("reply-template.json"))
    template["outcomes"] = [{"outcome": "victim_identified", "count": 1}]
    reply.write_text(json.dumps(template))
    code, out, _ = run(capsys, *w, "leads", "import-reply", str(reply), "--as", "lia-pt", "--json")
    assert code == 0 and out["status"] == "outcome"
    template["lead_uid"] = "4b1d0000-0000-4000-8000-000000000000"
    reply.write_text(json.dumps(template))
    code, _, err = run(capsys, *w, "leads", "import-reply", str(reply), "--json")
    assert code == ExitCode.USER_ERROR and "nothing was changed" in err

    code, figures, _ = run(capsys, *w, "report", "--json")
    assert code == 0 and figures["leads"]["by_country"] == {"PT": {"outcome": 1}}
    assert (
        figures["series"]["victim_identified"] == 2
        and figures["outcomes"]["victims_identified"] == 1
    )
    pdf = tmp_path / "report.pdf"
    code, _, _ = run(capsys, *w, "report", "--pdf", str(pdf))
    assert code == 0 and pdf.read_bytes().startswith(b"%PDF")
    code, _, err = run(capsys, *w, "report", "--as", "lia-pt", "--json")
    assert code == ExitCode.USER_ERROR and json.loads(err)["error"]["code"] == "forbidden"

    code, _, _ = run(capsys, *w, "leads", "key", "revoke", "--reason", "rotated", "--as", "coord")
    assert code == 0
    code, _, err = run(
        capsys, *w, "leads", "package", lid, "--out", str(tmp_path / "2.zip"), "--json"
    )
    assert code == ExitCode.USER_ERROR and json.loads(err)["error"]["code"] == "key_revoked"

    crop = tmp_path / "crop.png"
    args = [*w, "crop", op.media["A"][0][:10], "--box", "10,10,50,40", "--out", str(crop)]
    code, _, err = run(capsys, *args, "--as", "ana", "--json")  # issue 16: reveal first
    assert code == ExitCode.USER_ERROR and "reveal media" in err and not crop.exists()
    with op.ws.store.session() as s:
        user = s.get_one(User, op.actor("ana").user_id)
        reveal(s, user=user, media=s.get_one(Media, op.media["A"][0]), now=datetime.now(UTC))
    code, out, _ = run(capsys, *args, "--as", "ana", "--json")
    assert code == 0 and out["width"] == 50 and crop.is_file()
