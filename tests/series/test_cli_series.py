"""``lodestar series …`` and ``lodestar cameras list`` as a user runs them: JSON shapes, the
one error shape, and the demo operation end to end (series with reasons, edits kept)."""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

import pytest

from lodestar.cli.app import main
from lodestar.errors import ExitCode
from lodestar.workspace import Workspace

from ..cli.runner import run
from .conftest import sha


@pytest.fixture
def cli_ws(linked_ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("LODESTAR_DB_URL", linked_ws.store.url)
    return ["--workspace", str(linked_ws.root)]


def test_json_shapes_and_errors(capsys: pytest.CaptureFixture[str], cli_ws: list[str]) -> None:
    code, built, _ = run(capsys, *cli_ws, "series", "build", "--json")
    assert code == 0 and built["series"] == 2 and set(built["links"]) >= {"near-dup", "folder"}
    code, rows, _ = run(capsys, *cli_ws, "series", "list", "--json")
    assert code == 0 and len(rows) == 2
    assert all(len(m) == 64 for r in rows for m in r["members"])
    a = next(r for r in rows if sha("a1") in r["members"])
    code, shown, _ = run(capsys, *cli_ws, "series", "show", str(a["id"]), "--json")
    assert code == 0 and shown["members"] == a["members"] and shown["events"]
    assert {"sha256", "kind", "paths", "pinned"} <= set(shown["media"][0])
    code, why, _ = run(
        capsys, *cli_ws, "series", "why", str(a["id"]), "--media", sha("a1r"), "--json"
    )
    assert code == 0 and why["links"][0]["kind"] == "near-dup"
    assert why["links"][0]["evidence"]["method"] == "pdq-dihedral"
    code, named, _ = run(capsys, *cli_ws, "series", "name", str(a["id"]), "Room A", "--json")
    assert code == 0 and named["name"] == "Room A"
    code, locked, _ = run(capsys, *cli_ws, "series", "lock", str(a["id"]), "--json")
    assert code == 0 and locked["locked"] is True
    code, _, err = run(capsys, *cli_ws, "series", "split", str(a["id"]), sha("a1"), "--json")
    assert code == ExitCode.USER_ERROR and "locked" in json.loads(err)["error"]["message"]
    code, _, err = run(capsys, *cli_ws, "series", "show", "999", "--json")
    assert code == ExitCode.USER_ERROR and json.loads(err)["error"]["code"] == "not_found"
    code, cams, _ = run(capsys, *cli_ws, "cameras", "list", "--json")
    assert code == 0 and {c["serial"] for c in cams} == {"111", "999"}
    body = next(c for c in cams if c["serial"] == "111")
    assert body["found_by"] == "serial" and len(body["series"]) == 2 and body["media"] == 6


@pytest.fixture(scope="module")
def demo_op(tmp_path_factory: pytest.TempPathFactory) -> Path:
    op = tmp_path_factory.mktemp("series-demo") / "op"
    with pytest.raises(SystemExit) as done:
        main(["demo", "corpus", str(op), "--seed", "7", "--scale", "tiny"])
    assert done.value.code in (0, None)
    return op


def _pairs(groups: list[set[str]], truth: dict[str, str]) -> tuple[int, int, int]:
    label = {s: i for i, g in enumerate(groups) for s in g if s in truth}
    tp = fp = fn = 0
    for x, y in combinations(sorted(truth), 2):
        together = x in label and label[x] == label.get(y)
        same = truth[x] == truth[y]
        tp, fp, fn = (
            tp + (together and same),
            fp + (together and not same),
            fn + (same and not together),
        )
    return tp, fp, fn


@pytest.mark.slow
def test_demo_operation_series_with_reasons_and_kept_edits(
    capsys: pytest.CaptureFixture[str],
    demo_op: Path,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LODESTAR_DB_URL", db_url)
    monkeypatch.setenv("LODESTAR_WORKERS", "1")
    ws = ["--workspace", str(tmp_path / "ws")]
    for col in sorted(p for p in (demo_op / "collections").iterdir() if p.is_dir()):
        assert (
            run(
                capsys,
                *ws,
                "source",
                "add",
                str(col),
                "--agency",
                "XX",
                "--label",
                col.name,
                "--json",
            )[0]
            == 0
        )
    assert run(capsys, *ws, "ingest", "--json")[0] == 0
    assert run(capsys, *ws, "match", "--json")[0] == 0
    assert run(capsys, *ws, "series", "build", "--json")[0] == 0
    rows = run(capsys, *ws, "series", "list", "--json")[1]
    truth_files = json.loads((demo_op / "truth.json").read_text())["files"]
    truth = {
        f["sha256"]: f["series"]
        for f in truth_files
        if f.get("series") and f.get("sha256") and f["kind"] in ("image", "video")
    }
    tp, fp, fn = _pairs([set(r["members"]) for r in rows], truth)
    assert fp == 0 and tp / (tp + fn) > 0.6  # crops/screenshots need the scene builder
    for r in rows:
        why = run(capsys, *ws, "series", "why", str(r["id"]), "--json")[1]
        assert why["links"] and any(x["strength"] == "strong" for x in why["links"])
    first, second = rows[0], rows[1]
    moved = first["members"][0]
    assert run(capsys, *ws, "series", "move", moved, "--to", str(second["id"]), "--json")[0] == 0
    before = {r["id"]: r["members"] for r in run(capsys, *ws, "series", "list", "--json")[1]}
    assert run(capsys, *ws, "series", "build", "--json")[0] == 0
    after = {r["id"]: r["members"] for r in run(capsys, *ws, "series", "list", "--json")[1]}
    assert after == before and moved in after[second["id"]]
