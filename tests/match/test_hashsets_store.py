"""Hash sets in the store: transactional import, exact matching, VICS export round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lodestar.analyze.ingest import ingest
from lodestar.errors import DataError, UserError
from lodestar.evidence.service import add_source
from lodestar.match.formats import HashSetRecord, read_hashset, write_hashset
from lodestar.match.hashsets import export_hashset, import_hashset, parse_category_map
from lodestar.match.matching import match_exact, match_summary, matches_for
from lodestar.store import HashSet, HashSetEntry, Item, Media
from lodestar.workspace import Workspace

from ..analyze.corpus import make_evidence
from .hashset_fixtures import write_nsrl_v2, write_plain


def _ingested(ws: Workspace, tmp_path: Path) -> list[Media]:
    dirs = make_evidence(tmp_path / "ev", images=6, video=False)
    with ws.store.session() as s:
        for d in dirs:
            add_source(s, location=d, agency="XX", label=d.name, actor="t")
    ingest(ws, actor="t")
    with ws.store.session() as s:
        return list(s.scalars(select(Media).where(Media.kind == "image").order_by(Media.sha256)))


def test_import_match_show_and_export_round_trip(ws: Workspace, tmp_path: Path) -> None:
    media = _ingested(ws, tmp_path)
    known = [
        HashSetRecord(
            record_no=i + 1,
            md5=m.md5,
            sha1=m.sha1,
            category="1",
            series="Blue Room",
            victim_identified=i == 0,
            media_id=f"M{i}",
        )
        for i, m in enumerate(media[:3])
    ]
    vics = tmp_path / "set.json"
    write_hashset(known, vics, "vics")
    with ws.store.session() as s:
        hs = import_hashset(
            s,
            path=vics,
            fmt=None,
            name="pv",
            category_map={"1": "cat-a"},
            known_ignorable=None,
            actor="t",
        )
        assert (hs.format, hs.entries, hs.known_ignorable) == ("vics", 3, False)
    with ws.store.session() as s:
        assert match_exact(s) == 3
        assert match_exact(s) == 0  # idempotent
        found = matches_for(s, media[0].sha256)
        summary = match_summary(s)
    assert found[0]["set"] == "pv" and found[0]["method"] == "sha1"
    assert (found[0]["category"], found[0]["category_raw"]) == ("cat-a", "1")
    assert found[0]["series"] == "Blue Room" and found[0]["victim_identified"] is True
    assert summary["media_matched_by_set"] == {"pv": 3}
    assert summary["media_in_identified_series"] == 1

    out = tmp_path / "export.json"
    with ws.store.session() as s:
        assert export_hashset(s, s.get_one(HashSet, 1), out, shape="case") == 3
    assert list(read_hashset(out)) == known


def test_malformed_file_leaves_store_unchanged(ws: Workspace, tmp_path: Path) -> None:
    good = HashSetRecord(record_no=1, md5="0" * 32)
    path = tmp_path / "bad.json"
    write_hashset([good, HashSetRecord(record_no=2, md5="1" * 32)], path, "vics")
    doc = json.loads(path.read_text())
    doc["value"][1]["MD5"] = "not-hex"
    path.write_text(json.dumps(doc))
    with pytest.raises(DataError, match="record 2"), ws.store.session() as s:
        import_hashset(
            s, path=path, fmt="vics", name="bad", category_map={}, known_ignorable=None, actor="t"
        )
    with ws.store.session() as s:
        assert s.scalar(select(func.count()).select_from(HashSet)) == 0
        assert s.scalar(select(func.count()).select_from(HashSetEntry)) == 0


def test_nsrl_plain_list_is_known_ignorable(ws: Workspace, tmp_path: Path) -> None:
    media = _ingested(ws, tmp_path)
    plain = tmp_path / "known.txt"
    plain.write_text("".join(f"{m.sha256}\n" for m in media[:2]))
    with ws.store.session() as s:
        import_hashset(
            s,
            path=plain,
            fmt="plain",
            name="os-files",
            category_map={},
            known_ignorable=True,
            actor="t",
        )
        match_exact(s)
        assert match_summary(s)["known_ignorable_media"] == 2
        assert s.scalar(select(func.count()).select_from(Item)) > 2


def test_known_ignorable_by_default_is_the_formats_choice(ws: Workspace, tmp_path: Path) -> None:
    # NSRL lists software files: known and ignorable unless the import says otherwise
    (tmp_path / "nsrl").mkdir()
    (tmp_path / "plain").mkdir()
    nsrl = write_nsrl_v2(tmp_path / "nsrl", 3)
    plain = write_plain(tmp_path / "plain", 3)
    cases = [(nsrl, None, True), (nsrl, False, False), (plain, None, False), (plain, True, True)]
    with ws.store.session() as s:
        for n, (path, given, expected) in enumerate(cases):
            hs = import_hashset(
                s,
                path=path,
                fmt=None,
                name=f"set-{n}",
                category_map={},
                known_ignorable=given,
                actor="t",
            )
            assert hs.known_ignorable is expected, (hs.format, given)


def test_category_map_parsing(tmp_path: Path) -> None:
    assert parse_category_map("1=cat-a, 2=cat-b") == {"1": "cat-a", "2": "cat-b"}
    f = tmp_path / "map.json"
    f.write_text('{"0": "non-pertinent"}')
    assert parse_category_map(str(f)) == {"0": "non-pertinent"}
    with pytest.raises(UserError, match="RAW=CATEGORY"):
        parse_category_map("1")


def test_workspace_export_round_trips_and_carries_known_flags(
    ws: Workspace, tmp_path: Path
) -> None:
    from lodestar.match.hashsets import export_workspace, workspace_records

    media = _ingested(ws, tmp_path)
    known = [
        HashSetRecord(
            record_no=1, md5=media[0].md5, category="3", series="Blue Room", victim_identified=True
        )
    ]
    vics = tmp_path / "known.json"
    write_hashset(known, vics, "vics")
    with ws.store.session() as s:
        import_hashset(
            s, path=vics, fmt="vics", name="pv", category_map={}, known_ignorable=False, actor="t"
        )
        match_exact(s)
    out = tmp_path / "case.json"
    with ws.store.session() as s:
        expected = list(workspace_records(s, matched_only=False))
        assert export_workspace(s, out, shape="case", matched_only=False) == len(expected)
        only = list(workspace_records(s, matched_only=True))
        assert len(expected) == s.scalar(select(func.count()).select_from(Media))
    assert list(read_hashset(out)) == expected
    assert [(r.sha256, r.category, r.series, r.victim_identified) for r in only] == [
        (media[0].sha256, "3", "Blue Room", True)
    ]
