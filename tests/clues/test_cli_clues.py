"""``lodestar clues list``, ``search text``, ``places`` and ``jurisdiction`` as a user runs them:
JSON shapes, text output and the one error shape."""

from __future__ import annotations

import json

import pytest

from lodestar.errors import ExitCode
from lodestar.workspace import Workspace

from ..cli.runner import run
from .clue_rows import populate, sha


@pytest.fixture
def cli(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], dict[str, int]]:
    with ws.store.session() as session:
        ids = populate(session)
        session.commit()
    monkeypatch.setenv("LODESTAR_DB_URL", ws.store.url)
    return ["--workspace", str(ws.root)], ids


def test_json_shapes(capsys: pytest.CaptureFixture[str],
                     cli: tuple[list[str], dict[str, int]]) -> None:
    w, ids = cli
    code, rows, _ = run(capsys, *w, "clues", "list", "--series", str(ids["porto"]), "--json")
    assert code == 0 and len(rows) == 8
    assert {"id", "media", "series_id", "kind", "text", "value", "position"} <= set(rows[0])
    code, rows, _ = run(capsys, *w, "clues", "list", "--media", sha("d1")[:8], "--kind",
                        "language", "--json")
    assert code == 0 and [r["value"]["language"] for r in rows] == ["de"]
    code, hits, _ = run(capsys, *w, "search", "text", "pastelaria doce", "--json")
    assert code == 0 and [h["media"] for h in hits] == [sha("p2")]
    code, spots, _ = run(capsys, *w, "places", "--json")
    assert code == 0 and sorted(s["country_code"] for s in spots) == ["ES", "PT"]
    code, ranked, _ = run(capsys, *w, "jurisdiction", "--series", str(ids["conflict"]), "--json")
    assert code == 0 and ranked[0]["country_code"] == "ES" and len(ranked) <= 10
    # The conflicting Portuguese text stays visible: Mozambique (pt, UTC+2) comes next.
    assert ranked[1]["country_code"] == "MZ"
    assert {e["media"] for e in ranked[1]["evidence"]} == {sha("c1"), sha("c2")}
    assert {"kind", "clue_id", "media", "weight", "why"} == set(ranked[0]["evidence"][0])
    code, every, _ = run(capsys, *w, "jurisdiction", "--series", str(ids["conflict"]),
                         "--limit", "0", "--json")
    assert code == 0 and len(every) > len(ranked) and every[:len(ranked)] == ranked
    code, one, _ = run(capsys, *w, "jurisdiction", "--media", sha("d1"), "--json")
    assert code == 0 and one[0]["country_code"] == "DE"


def test_text_output(capsys: pytest.CaptureFixture[str],
                     cli: tuple[list[str], dict[str, int]]) -> None:
    w, ids = cli
    code, _, err = run(capsys, *w, "jurisdiction", "--series", str(ids["porto"]))
    assert code == 0 and err.startswith("PT Portugal") and "Porto" in err
    code, _, err = run(capsys, *w, "search", "text", "farmacia")
    assert code == 0 and "Farmácia" in err
    code, _, err = run(capsys, *w, "places")
    assert code == 0 and "PT" in err and "ES" in err
    code, _, err = run(capsys, *w, "clues", "list", "--media", sha("pv"))
    assert code == 0 and "PADARIA" in err and "2.0" in err
    code, _, err = run(capsys, *w, "jurisdiction", "--media", sha("n1"))
    assert code == 0 and "no clue" in err


def test_errors(capsys: pytest.CaptureFixture[str],
                cli: tuple[list[str], dict[str, int]]) -> None:
    w, ids = cli
    code, _, err = run(capsys, *w, "jurisdiction", "--series", "777", "--json")
    error = json.loads(err)["error"]
    assert code == ExitCode.USER_ERROR and error["code"] == "not_found"
    assert "777" in error["message"]
    code, _, err = run(capsys, *w, "clues", "list", "--json")
    assert code == ExitCode.USER_ERROR and "exactly one" in json.loads(err)["error"]["message"]
    code, _, err = run(capsys, *w, "jurisdiction", "--series", str(ids["porto"]), "--media",
                       sha("p1"), "--json")
    assert code == ExitCode.USER_ERROR
    code, _, err = run(capsys, *w, "search", "text", " ", "--json")
    assert code == ExitCode.USER_ERROR and json.loads(err)["error"]["code"] == "user_error"
    code, _, err = run(capsys, *w, "clues", "list", "--media", "xyz", "--json")
    assert code == ExitCode.USER_ERROR and "SHA-256" in json.loads(err)["error"]["message"]


def test_answers_say_when_the_deep_pass_is_not_done(
    capsys: pytest.CaptureFixture[str], cli: tuple[list[str], dict[str, int]], ws: Workspace
) -> None:
    # The clue rows were written directly: no extractor has run over these media, so the
    # deep pass is pending and the answers must say that they rest on partial clues.
    from lodestar.stages import pipeline_stages

    pending = pipeline_stages.get("deep").pending(ws)
    assert not pending.current
    w, ids = cli
    code, ranked, err = run(capsys, *w, "jurisdiction", "--series", str(ids["porto"]), "--json")
    assert code == 0 and ranked[0]["country_code"] == "PT"  # stdout: the answer alone
    note = json.loads(err.strip().splitlines()[-1])["note"]
    assert note["stage"] == "deep" and note["pending"] == pending.count
    assert "lodestar analyze" in note["message"]
    code, _, err = run(capsys, *w, "search", "text", "farmacia")
    assert code == 0 and "note:" in err and "not searched" in err
