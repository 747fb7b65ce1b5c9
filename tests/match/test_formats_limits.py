"""Every hash-set reader is bounded: nesting depth, record size and file size (issue 16, #1).

A small hostile file must be refused quickly, in small memory, with the one error shape
(``DataError``: exit 2, ``{"error": ...}`` with ``--json``), never a ``RecursionError`` or a
memory blow-up (a 200 KB VICS file nested 100,000 deep once took 21.6 GB).
"""

from __future__ import annotations

import json
import resource
import sqlite3
import time
import tracemalloc
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lodestar.errors import DataError, ExitCode
from lodestar.match.formats import base, read_hashset
from lodestar.match.hashsets import import_hashset
from lodestar.store import HashSet, HashSetEntry
from lodestar.workspace import Workspace

from ..cli.runner import run
from .hashset_fixtures import VARIANTS, VICS2_MEDIA, Variant, md5, write_icse, write_nsrl_v3

MiB = 1024 * 1024


def _deep_vics(path: Path, depth: int) -> Path:
    """One Media whose unknown property ``Junk`` is an array nested ``depth`` deep."""
    nest = "[" * depth + "]" * depth
    path.write_text(
        '{"@odata.context": "' + VICS2_MEDIA + '", "value": [{"MD5": "' + md5(1) + '", '
        '"Junk": ' + nest + "}]}",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("depth", [5_000, 100_000])
def test_deeply_nested_vics_is_refused_quickly_in_small_memory(tmp_path: Path, depth: int) -> None:
    path = _deep_vics(tmp_path / f"deep-{depth}.json", depth)
    assert path.stat().st_size >= 2 * depth
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    started = time.monotonic()
    tracemalloc.start()
    try:
        with pytest.raises(DataError) as caught:
            list(read_hashset(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    elapsed = time.monotonic() - started
    rss_growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) * 1024
    err = caught.value
    assert str(path) in err.message and "record 1" in err.message
    assert "nested deeper than" in err.message and "Junk" in err.message
    assert err.detail == {"path": str(path), "record": 1, "field": "Junk"}
    assert peak < 100 * MiB, f"peak {peak / MiB:.1f} MiB"
    assert rss_growth < 100 * MiB, f"RSS grew {rss_growth / MiB:.1f} MiB"
    assert elapsed < 10


def test_moderate_nesting_is_kept_verbatim(tmp_path: Path) -> None:
    depth = base.MAX_DEPTH - 2  # the Media object and the array around it count too
    records = list(read_hashset(_deep_vics(tmp_path / "ok.json", depth)))
    junk = records[0].extra["vics"]["Junk"]
    for _ in range(depth - 1):
        assert isinstance(junk, list) and len(junk) == 1
        junk = junk[0]
    assert junk == []


def test_deep_nesting_outside_the_media_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep-head.json"
    nest = "[" * 50_000 + "]" * 50_000
    path.write_text(
        '{"@odata.context": "' + VICS2_MEDIA + '", "Other": ' + nest + ', "value": []}',
        encoding="utf-8",
    )
    with pytest.raises(DataError, match="nested deeper than"):
        list(read_hashset(path))


def test_vics_huge_token_and_huge_media_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base, "MAX_RECORD_BYTES", 64 * 1024)
    head = '{"@odata.context": "' + VICS2_MEDIA + '", "value": [{"MD5": "' + md5(1) + '", '
    token = tmp_path / "token.json"
    token.write_text(head + '"Note": "' + "x" * 300_000 + '"}]}', encoding="utf-8")
    with pytest.raises(DataError, match="larger than the 65536-byte limit") as caught:
        list(read_hashset(token))
    assert caught.value.detail["record"] == 1
    many = tmp_path / "many.json"
    props = ", ".join(f'"K{i}": "{"v" * 20}"' for i in range(5_000))
    many.write_text(head + props + "}]}", encoding="utf-8")
    with pytest.raises(DataError, match="Media object is larger than") as caught:
        list(read_hashset(many))
    assert caught.value.detail == {"path": str(many), "record": 1}


def test_plain_line_without_newline_is_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base, "MAX_RECORD_BYTES", 64 * 1024)
    path = tmp_path / "long.md5"
    path.write_text(md5(1) + "\n" + md5(2) + "  " + "n" * 300_000, encoding="utf-8")
    with pytest.raises(DataError, match="line 2: the line is larger than the 65536-byte limit"):
        list(read_hashset(path, "plain"))


@pytest.mark.parametrize("fmt", ["icse", "nsrl"])
def test_csv_long_line_and_long_quoted_row_are_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    monkeypatch.setattr(base, "MAX_RECORD_BYTES", 64 * 1024)
    sep = ";" if fmt == "icse" else ","
    header = "MD5;SHA1;Image ID;Is distributed" if fmt == "icse" else '"SHA-1","MD5","FileName"'
    width = header.count(sep)
    long_line = tmp_path / "long.csv"
    long_line.write_text(header + "\n" + md5(1) + sep * 300_000 + "\n", encoding="utf-8")
    # a row spread over many short lines by one quoted field: no line is long, the row is
    quoted = tmp_path / "quoted.csv"
    quoted.write_text(
        header + "\n" + md5(1) + sep * width + '"' + "x\n" * 100_000 + '"\n', encoding="utf-8"
    )
    for path in (long_line, quoted):
        with pytest.raises(DataError, match="row is larger than the 65536-byte limit") as caught:
            list(read_hashset(path, fmt))
        assert caught.value.detail == {"path": str(path), "record": 1}


def test_nsrl_v3_oversized_value_is_refused_by_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base, "MAX_RECORD_BYTES", 64 * 1024)
    path = write_nsrl_v3(tmp_path, 3)
    con = sqlite3.connect(path)
    con.execute("UPDATE FILE SET file_name = ? WHERE rowid = 3", ("n" * 300_000,))
    con.commit()
    con.close()
    with pytest.raises(DataError, match="record 3: a value is larger than") as caught:
        list(read_hashset(path, "nsrl"))
    assert caught.value.detail == {"path": str(path), "record": 3}
    first = tmp_path / "first.db"
    first.write_bytes(path.read_bytes())
    con = sqlite3.connect(first)
    con.execute("UPDATE FILE SET file_name = ? WHERE rowid = 1", ("n" * 300_000,))
    con.commit()
    con.close()
    with pytest.raises(DataError, match="record 1: a value is larger than"):
        list(read_hashset(first, "nsrl"))


@pytest.mark.parametrize("variant", [pytest.param(v, id=v.id) for v in VARIANTS])
def test_every_format_refuses_a_file_above_the_size_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variant: Variant
) -> None:
    path = variant.write(tmp_path, 3, None)
    monkeypatch.setattr(base, "MAX_FILE_BYTES", 100)
    with pytest.raises(DataError, match="more than the 100-byte limit") as caught:
        list(read_hashset(path, variant.fmt))
    assert caught.value.detail == {"path": str(path)}


def test_import_refuses_a_file_above_the_size_limit_before_hashing_it(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.md5"
    path.write_text(md5(1) + "\n" + md5(2) + "\n", encoding="utf-8")
    monkeypatch.setattr(base, "MAX_FILE_BYTES", 40)
    hashed: list[Path] = []
    monkeypatch.setattr("lodestar.match.hashsets._file_sha256", hashed.append)
    with pytest.raises(DataError, match="more than the 40-byte limit"), ws.store.session() as s:
        import_hashset(
            s, path=path, fmt=None, name=None, category_map={}, known_ignorable=None, actor="t"
        )
    assert hashed == []


def test_icse_within_the_limits_still_reads(tmp_path: Path) -> None:
    assert len(list(read_hashset(write_icse(tmp_path, 4), "icse"))) == 4


def test_import_of_a_deep_file_is_a_data_error_and_leaves_the_store_unchanged(
    ws: Workspace, tmp_path: Path
) -> None:
    path = _deep_vics(tmp_path / "deep.json", 5_000)
    with pytest.raises(DataError, match="nested deeper than"), ws.store.session() as s:
        import_hashset(
            s, path=path, fmt=None, name=None, category_map={}, known_ignorable=None, actor="t"
        )
    with ws.store.session() as s:
        assert s.scalar(select(func.count()).select_from(HashSet)) == 0
        assert s.scalar(select(func.count()).select_from(HashSetEntry)) == 0


def test_cli_import_of_a_deep_file_exits_2_with_the_error_shape(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    db_url: str,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("LODESTAR_DB_URL", db_url)
    monkeypatch.delenv("LODESTAR_WORKSPACE", raising=False)
    path = _deep_vics(tmp_path / "deep.json", 100_000)
    code, out, err = run(
        capsys, "--workspace", str(tmp_path / "ws"), "hashsets", "import", str(path), "--json"
    )
    body = json.loads(err)
    assert code == ExitCode.DATA_ERROR == 2 and out == ""
    assert list(body) == ["error"] and body["error"]["code"] == "data_error"
    assert body["error"]["detail"] == {"path": str(path), "record": 1, "field": "Junk"}
