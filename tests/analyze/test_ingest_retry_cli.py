"""``lodestar ingest --retry-failed`` as a user runs it (issue 16 #13): a plain re-run leaves an
unreadable file alone, ``--retry-failed`` reads it again and the warning goes."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..cli.runner import run
from .corpus import make_evidence
from .test_ingest import fail_reading


def test_cli_retry_failed(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    db_url: str,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("LODESTAR_DB_URL", db_url)
    monkeypatch.setenv("LODESTAR_WORKERS", "1")  # inline: the failing reader is this process's
    monkeypatch.delenv("LODESTAR_WORKSPACE", raising=False)
    ws = ["--workspace", str(tmp_path / "ws")]
    (folder,) = make_evidence(tmp_path / "ev", images=4, video=False)[:1]
    assert (
        run(
            capsys, *ws, "source", "add", str(folder), "--agency", "XX-1", "--label", "a", "--json"
        )[0]
        == 0
    )

    def unreadable() -> list[str]:
        code, rows, _ = run(capsys, *ws, "warnings", "list", "--code", "unreadable", "--json")
        assert code == 0
        return [r["path_spec"] for r in rows]

    with monkeypatch.context() as m:
        fail_reading(m)
        assert run(capsys, *ws, "ingest", "--json")[0] == 0
    assert unreadable() == ["DCIM/IMG_0002.JPG"]
    code, plain, _ = run(capsys, *ws, "ingest", "--json")
    assert code == 0 and plain["files"] == 0 and unreadable() == ["DCIM/IMG_0002.JPG"]
    code, retried, _ = run(capsys, *ws, "ingest", "--retry-failed", "--json")
    assert code == 0 and retried["retried"] == 1 and unreadable() == []
