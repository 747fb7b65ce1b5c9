"""The CLI as a user runs it: JSON outputs, one error shape, exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer

from lodestar.cli.app import app
from lodestar.errors import ExitCode, NotFound

from .runner import run


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, db_url: str, tmp_path: Path) -> Path:
    monkeypatch.setenv("LODESTAR_DB_URL", db_url)
    monkeypatch.setenv("LODESTAR_WORKERS", "1")
    monkeypatch.delenv("LODESTAR_WORKSPACE", raising=False)
    return tmp_path / "ws"


@pytest.mark.slow
def test_demo_to_status_flow(capsys: pytest.CaptureFixture[str], env: Path, tmp_path: Path) -> None:
    op = tmp_path / "op"
    code, summary, _ = run(
        capsys, "demo", "corpus", str(op), "--seed", "3", "--scale", "tiny", "--json"
    )
    assert code == 0 and (op / "truth.json").exists()
    truth = json.loads((op / "truth.json").read_text())
    collections = sorted(p for p in (op / "collections").iterdir() if p.is_dir())
    ws = ["--workspace", str(env)]
    for i, col in enumerate(collections):
        code, src, _ = run(
            capsys,
            *ws,
            "source",
            "add",
            str(col),
            "--agency",
            f"XX-{i}",
            "--label",
            col.name,
            "--json",
        )
        assert code == 0 and src["kind"] == "folder" and src["label"] == col.name

    code, ingested, _ = run(capsys, *ws, "ingest", "--json")
    assert code == 0 and ingested["files"] > 0

    code, st, _ = run(capsys, *ws, "status", "--json")
    assert code == 0
    in_collections = [f for f in truth["files"] if f["path"].startswith("collections/")]
    readable = [f for f in in_collections if f.get("kind") != "hostile" or f.get("sha256")]
    assert st["files"] >= len(readable) - 5  # symlinks and refused members are warnings
    assert st["unique_media"] <= st["files"]
    assert st["warnings"] > 0 and st["video_hours"] > 0

    code, media, _ = run(capsys, *ws, "media", "list", "--kind", "image", "--json")
    assert code == 0 and media and all(m["kind"] == "image" for m in media)
    truth_hashes = {f["sha256"] for f in truth["files"] if f.get("sha256")}
    assert {m["sha256"] for m in media} <= truth_hashes

    code, shown, _ = run(capsys, *ws, "media", "show", media[0]["sha256"][:12], "--json")
    assert code == 0 and shown["sha256"] == media[0]["sha256"] and shown["items"]

    code, warns, _ = run(capsys, *ws, "warnings", "list", "--json")
    assert code == 0 and {"stage", "code", "reason", "path_spec"} <= set(warns[0])

    code, sources, _ = run(capsys, *ws, "source", "list", "--json")
    assert code == 0 and all(s["status"] == "done" and s["manifest_sha256"] for s in sources)
    code, one, _ = run(capsys, *ws, "source", "show", str(sources[0]["id"]), "--json")
    assert [c["action"] for c in one["custody"]] == ["added", "ingest_started", "ingest_finished"]

    vics = op / "hashsets" / "known-series.vics.json"
    code, hs, _ = run(
        capsys, *ws, "hashsets", "import", str(vics), "--category-map", "2=demo-2", "--json"
    )
    assert code == 0 and hs["format"] == "vics" and hs["entries"] > 0
    code, matched, _ = run(capsys, *ws, "match", "--json")
    # every entry matches its original exactly; PDQ adds the near-duplicate copies
    assert code == 0 and matched["media_matched_by_set"][vics.name] > hs["entries"]
    first = json.loads(vics.read_text())["value"][0]
    sha = first["AlternativeHashes"][0]["HashValue"].lower()
    code, shown, _ = run(capsys, *ws, "media", "show", sha, "--json")
    assert code == 0 and shown["matches"][0]["category"] == "demo-2"
    assert shown["matches"][0]["series"] == first["Series"]


def test_errors_have_one_shape_and_exit_codes(
    capsys: pytest.CaptureFixture[str], env: Path, tmp_path: Path
) -> None:
    code, _, err = run(capsys, "status", "--json")
    assert code == ExitCode.USER_ERROR
    assert json.loads(err)["error"]["code"] == "user_error"

    ws = ["--workspace", str(env)]
    code, _, err = run(capsys, *ws, "media", "show", "ab" * 32, "--json")
    assert code == ExitCode.USER_ERROR
    assert json.loads(err)["error"] == {
        "code": "not_found",
        "message": f"no media with SHA-256 {'ab' * 32}",
        "detail": {"sha256": "ab" * 32},
    }
    code, _, err = run(
        capsys,
        *ws,
        "source",
        "add",
        str(tmp_path / "nope"),
        "--agency",
        "X",
        "--label",
        "x",
        "--json",
    )
    assert code == ExitCode.USER_ERROR and "does not exist" in json.loads(err)["error"]["message"]

    (tmp_path / "ev").mkdir()
    args = ["source", "add", str(tmp_path / "ev"), "--agency", "X", "--label", "x"]
    assert run(capsys, *ws, *args)[0] == 0
    code, _, err = run(capsys, *ws, *args)
    assert code == ExitCode.USER_ERROR and "already source" in err


def test_an_error_is_its_to_dict_on_one_line_and_exits_with_its_code(
    capsys: pytest.CaptureFixture[str],
    env: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "500")  # the text form on one line
    ws = ["--workspace", str(env)]
    bad_set = tmp_path / "set.txt"
    bad_set.write_text("not,a,hash\n", encoding="utf-8")
    cases = [
        ([*ws, "media", "show", "ab" * 32], ExitCode.USER_ERROR, "not_found"),
        (
            [*ws, "hashsets", "import", str(bad_set), "--format", "plain"],
            ExitCode.DATA_ERROR,
            "data_error",
        ),
    ]
    bodies = []
    for args, exit_code, error_code in cases:
        code, out, err = run(capsys, *args, "--json")
        body = json.loads(err)
        assert code == exit_code and out == ""
        assert list(body) == ["error"] and list(body["error"]) == ["code", "message", "detail"]
        assert body["error"]["code"] == error_code
        assert err == json.dumps(body, ensure_ascii=False) + "\n"  # one line, nothing else
        code, out, err = run(capsys, *args)
        assert code == exit_code and out == ""
        # The console may wrap a long message at its width: compare without line breaks.
        expected = f"error: {body['error']['message']}"
        assert err.startswith("error: ") and _unwrapped(err) == _unwrapped(expected)
        bodies.append(body)
    missing = NotFound(f"no media with SHA-256 {'ab' * 32}", detail={"sha256": "ab" * 32})
    assert bodies[0] == missing.to_dict()


def _commands(group: Any, prefix: str = "") -> list[tuple[str, Any]]:
    out = []
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):
            out += _commands(cmd, f"{prefix}{name} ")
        else:
            out.append((f"{prefix}{name}", cmd))
    return out


def test_every_list_and_show_command_has_json() -> None:
    root = typer.main.get_command(app)
    commands = _commands(root)
    listing = [(n, c) for n, c in commands if n.split()[-1] in {"list", "show", "status"}]
    assert len(listing) >= 5
    for name, cmd in listing:
        assert any("--json" in p.opts for p in cmd.params), f"`{name}` lacks --json"
        assert cmd.help, f"`{name}` has no help text"


# Commands that print no data to read back: each says why it has no --json.
WITHOUT_JSON = {
    "serve": "runs the web workbench until stopped",
    "audit export": "writes the log to the file given, and says so",
}


def test_every_command_that_prints_data_has_json() -> None:
    commands = _commands(typer.main.get_command(app))
    lacking = {name for name, cmd in commands if not any("--json" in p.opts for p in cmd.params)}
    assert lacking == set(WITHOUT_JSON), "add --json (or say here why the command has none)"


def _unwrapped(text: str) -> str:
    return "".join(text.split())


@pytest.mark.slow
def test_run_brings_every_stage_up_to_date_and_queries_say_what_they_rest_on(
    capsys: pytest.CaptureFixture[str], env: Path, tmp_path: Path
) -> None:
    op = tmp_path / "op"
    assert run(capsys, "demo", "corpus", str(op), "--seed", "3", "--scale", "tiny")[0] == 0
    ws = ["--workspace", str(env)]
    for col in sorted(p for p in (op / "collections").iterdir() if p.is_dir()):
        label = ["--label", col.name]
        added = run(capsys, *ws, "source", "add", str(col), "--agency", "NL-POL", *label)
        assert added[0] == 0, added
    code, plan, _ = run(capsys, *ws, "run", "--plan", "--json")
    assert code == 0 and [p["stage"] for p in plan][:4] == ["ingest", "features", "vpdq", "match"]
    assert plan[0]["pending"] == len(list((op / "collections").iterdir()))

    code, reports, _ = run(capsys, *ws, "run", "--stage", "ingest", "--json")
    assert code == 0 and [r["stage"] for r in reports] == ["ingest"] and reports[0]["ran"]
    picture = next((op / "collections").rglob("*.jpg"))
    for query in (["similar", str(picture), "--no-compute"], ["series", "build", "--no-compute"]):
        code, _, err = run(capsys, *ws, *query, "--json")
        error = json.loads(err)["error"]
        assert code == ExitCode.USER_ERROR and error["code"] == "stage_not_current"
        assert "features" in error["detail"]["stages"] and "lodestar run" in error["message"]
    code, found, _ = run(capsys, *ws, "similar", str(picture), "--json")
    assert code == 0 and found["exact_media"]  # features computed first, then answered

    code, reports, _ = run(capsys, *ws, "run", "--json")
    assert code == 0 and {r["stage"] for r in reports if r["ran"]} >= {"match", "series", "deep"}
    assert not next(r for r in reports if r["stage"] == "features")["ran"]  # done by similar
    code, plan, _ = run(capsys, *ws, "run", "--plan", "--json")
    assert code == 0 and all(p["pending"] == 0 for p in plan), plan
    code, again, _ = run(capsys, *ws, "run", "--json")
    assert code == 0 and not any(r["ran"] for r in again)
