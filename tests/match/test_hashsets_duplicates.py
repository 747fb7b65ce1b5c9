"""Repeated hash-set records are stored once, and a media's matches are capped (issue 16, #8).

200,000 repeats of one MD5 once made 200,000 entries and 200,000 matches of one media (a
35 s, 45 MB media answer).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lodestar.match.formats import HashSetRecord, write_hashset
from lodestar.match.hashsets import import_hashset, import_hashset_file
from lodestar.match.matching import MATCHES_LIMIT, match_exact, matches_for
from lodestar.store import HashSetEntry, Match, Media
from lodestar.workspace import Workspace

from ..cli.runner import run
from .test_hashsets_store import _ingested

REPEATS = 20_000


def _import(ws: Workspace, path: Path, name: str, fmt: str | None = None) -> tuple[int, int, int]:
    with ws.store.session() as s:
        done = import_hashset_file(
            s, path=path, fmt=fmt, name=name, category_map={}, known_ignorable=None, actor="t"
        )
        return done.records, done.duplicates, done.hashset.entries


def test_repeated_lines_are_one_entry_and_one_match(ws: Workspace, tmp_path: Path) -> None:
    media = _ingested(ws, tmp_path)
    plain = tmp_path / "repeats.md5"
    lines = [media[0].md5] * REPEATS + [media[1].md5, media[0].md5 + "  named.jpg"]
    plain.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert _import(ws, plain, "repeats") == (REPEATS + 2, REPEATS - 1, 3)
    with ws.store.session() as s:
        entries = s.scalars(select(HashSetEntry.record_no).order_by(HashSetEntry.record_no)).all()
        assert entries == [1, REPEATS + 1, REPEATS + 2]  # the first of the repeats is kept
        assert match_exact(s) == 3
        found = matches_for(s, media[0].sha256)
    assert len(found) == 2 and found.total == 2 and found.more == 0  # bare and named


def test_records_differing_in_any_property_are_kept(ws: Workspace, tmp_path: Path) -> None:
    base = HashSetRecord(record_no=1, md5="a" * 32, category="1", tags=("x",))
    records = [
        base,
        HashSetRecord(record_no=2, md5="a" * 32, category="1", tags=("x",)),  # a repeat
        HashSetRecord(record_no=3, md5="a" * 32, category="2", tags=("x",)),
        HashSetRecord(record_no=4, md5="a" * 32, category="1", tags=("y",)),
        HashSetRecord(record_no=5, md5="a" * 32, sha1="b" * 40, category="1", tags=("x",)),
        HashSetRecord(record_no=6, md5="a" * 32, category="1", tags=("x",), victim_identified=True),
        HashSetRecord(record_no=7, md5="a" * 32, category="1", tags=("x",)),  # a repeat
    ]
    vics = tmp_path / "set.json"
    write_hashset(records, vics, "vics")
    assert _import(ws, vics, "pv") == (7, 2, 5)


def test_a_second_set_with_the_same_records_is_not_deduplicated_against_the_first(
    ws: Workspace, tmp_path: Path
) -> None:
    plain = tmp_path / "one.md5"
    plain.write_text(("c" * 32 + "\n") * 3, encoding="utf-8")
    assert _import(ws, plain, "first") == (3, 2, 1)
    assert _import(ws, plain, "second") == (3, 2, 1)
    with ws.store.session() as s:
        assert s.scalar(select(func.count()).select_from(HashSetEntry)) == 2


def test_matches_of_one_media_are_capped_with_a_total(ws: Workspace, tmp_path: Path) -> None:
    media = _ingested(ws, tmp_path)
    n = MATCHES_LIMIT + 150
    plain = tmp_path / "names.md5"  # one digest under many names: distinct records
    plain.write_text("".join(f"{media[0].md5}  copy-{i}.jpg\n" for i in range(n)))
    assert _import(ws, plain, "names") == (n, 0, n)
    with ws.store.session() as s:
        assert match_exact(s) == n
        assert s.scalar(select(func.count()).select_from(Match)) == n
        found = matches_for(s, media[0].sha256)
        everything = matches_for(s, media[0].sha256, limit=None)
        other = matches_for(s, media[1].sha256)
        media_count = s.scalar(select(func.count()).select_from(Media))
    assert len(found) == MATCHES_LIMIT and found.total == n and found.more == 150
    assert [m["record_no"] for m in found] == [m["record_no"] for m in everything][:MATCHES_LIMIT]
    assert len(everything) == n and everything.more == 0
    assert list(other) == [] and other.total == 0 and media_count


def test_many_set_matches_do_not_push_near_duplicates_out(ws: Workspace, tmp_path: Path) -> None:
    media = _ingested(ws, tmp_path)
    n = MATCHES_LIMIT + 50
    plain = tmp_path / "names.md5"
    plain.write_text("".join(f"{media[0].md5}  copy-{i}.jpg\n" for i in range(n)))
    _import(ws, plain, "names")
    with ws.store.session() as s:
        match_exact(s)
        near = media[1].sha256
        s.add(
            Match(
                media_sha256=media[0].sha256,
                key=f"media:{near}",
                other_sha256=near,
                method="pdq",
                distance=7,
            )
        )
        s.flush()
        found = matches_for(s, media[0].sha256)
    assert found.total == n + 1 and found.more == 50
    assert [m.get("other_sha256") for m in found if "set" not in m] == [near]
    assert found[-1]["other_sha256"] == near  # still closest first: distance 7 after the 0s


def test_import_hashset_still_returns_the_set(ws: Workspace, tmp_path: Path) -> None:
    plain = tmp_path / "one.md5"
    plain.write_text(("d" * 32 + "\n") * 2, encoding="utf-8")
    with ws.store.session() as s:
        hs = import_hashset(
            s, path=plain, fmt=None, name="x", category_map={}, known_ignorable=None, actor="t"
        )
        assert hs.entries == 1


def test_cli_import_reports_the_repeats(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    db_url: str,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("LODESTAR_DB_URL", db_url)
    monkeypatch.delenv("LODESTAR_WORKSPACE", raising=False)
    plain = tmp_path / "repeats.md5"
    plain.write_text(("e" * 32 + "\n") * 5 + "f" * 32 + "\n", encoding="utf-8")
    ws = ["--workspace", str(tmp_path / "ws")]
    code, out, _ = run(capsys, *ws, "hashsets", "import", str(plain), "--json")
    assert code == 0
    assert (out["entries"], out["records"], out["duplicates"]) == (2, 6, 4)
    code, _, text = run(capsys, *ws, "hashsets", "import", str(plain), "--name", "again")
    text = " ".join(text.split())  # the console may wrap the line
    assert code == 0 and "imported 2 entries" in text and "4 repeated records dropped" in text
    json.dumps(out, default=str)  # the summary stays serialisable
