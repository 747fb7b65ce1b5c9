"""NSRL RDS v3 SQLite (FILE table of minimal sets, FILE view of full releases) and v2 CSV."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from lodestar.errors import DataError
from lodestar.match.formats import read_hashset
from lodestar.match.formats.nsrl import NsrlFormat

from .hashset_fixtures import (
    NSRL_V2_HEADER,
    md5,
    nsrl_v2_expected,
    nsrl_v3_expected,
    sha1,
    write_nsrl_v2,
    write_nsrl_v3,
)


def test_v3_minimal_file_table(tmp_path: Path) -> None:
    path = write_nsrl_v3(tmp_path, 50)
    records = list(read_hashset(path))
    assert records == [nsrl_v3_expected(i) for i in range(1, 51)]
    assert all(r.category is None and r.extra["nsrl"] is True for r in records)


def test_v3_full_release_file_view(tmp_path: Path) -> None:
    path = write_nsrl_v3(tmp_path, 30, full=True)
    assert NsrlFormat().sniff(path)
    records = list(read_hashset(path))
    # a view has no guaranteed order: compare content, and numbers are 1..n
    assert sorted(r.record_no for r in records) == list(range(1, 31))
    got = sorted((replace(r, record_no=0) for r in records), key=lambda r: r.md5 or "")
    want = sorted(
        (replace(nsrl_v3_expected(i), record_no=0) for i in range(1, 31)),
        key=lambda r: r.md5 or "",
    )
    assert got == want


def test_v3_is_opened_read_only(tmp_path: Path) -> None:
    path = write_nsrl_v3(tmp_path, 10)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    mtime = path.stat().st_mtime_ns
    path.chmod(stat.S_IRUSR | stat.S_IRGRP)
    try:
        assert len(list(read_hashset(path, "nsrl"))) == 10
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert path.stat().st_mtime_ns == mtime
    assert sorted(os.listdir(tmp_path)) == [path.name]  # no journal left behind


def test_v3_without_file_relation_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (a TEXT)")
    con.commit()
    con.close()
    assert not NsrlFormat().sniff(path)
    with pytest.raises(DataError, match="not an NSRL RDS v3 database"):
        list(read_hashset(path, "nsrl"))


def test_v3_file_with_only_some_digest_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE FILE (md5 TEXT, file_name TEXT)")
    con.execute("INSERT INTO FILE VALUES (?, ?)", (md5(1).upper(), "a.dll"))
    con.commit()
    con.close()
    (record,) = read_hashset(path, "nsrl")
    assert (record.md5, record.sha1, record.file_names) == (md5(1), None, ("a.dll",))


def test_v3_bad_digest_names_row_and_column(tmp_path: Path) -> None:
    path = write_nsrl_v3(tmp_path, 5, {4: {"sha1": "12345"}})
    with pytest.raises(DataError, match=r"record 4: sha1: invalid SHA-1 '12345'") as info:
        list(read_hashset(path))
    assert info.value.detail["field"] == "sha1"


def test_v2_csv(tmp_path: Path) -> None:
    path = write_nsrl_v2(tmp_path, 20)
    assert path.read_bytes().startswith(b'"SHA-1","MD5","CRC32","FileName","FileSize",')
    assert list(read_hashset(path)) == [nsrl_v2_expected(i) for i in range(1, 21)]


def test_v2_csv_with_bom_and_lf(tmp_path: Path) -> None:
    path = tmp_path / "NSRLFile.txt"
    header = ",".join(f'"{h}"' for h in NSRL_V2_HEADER)
    row = f'"{sha1(1).upper()}","{md5(1).upper()}","00000001","BENIGN-1.TXT",3001,501,"358",""'
    path.write_bytes(b"\xef\xbb\xbf" + f"{header}\n{row}\n".encode())
    assert list(read_hashset(path)) == [nsrl_v2_expected(1)]


def test_v2_row_with_wrong_field_count(tmp_path: Path) -> None:
    path = write_nsrl_v2(tmp_path, 3)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] += ',"extra"'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"record 2 \(line 3\): 9 fields, the header has 8"):
        list(read_hashset(path, "nsrl"))


def test_v2_header_without_digests_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text('"FileName","FileSize"\n"a",1\n', encoding="utf-8")
    assert not NsrlFormat().sniff(path)
    with pytest.raises(DataError, match="not an NSRL RDS v2 file"):
        list(read_hashset(path, "nsrl"))


def test_v3_damaged_pages_are_refused(tmp_path: Path) -> None:
    path = write_nsrl_v3(tmp_path, 400)
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 8192] = b"\x5a" * 8192
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match="damaged or truncated SQLite database") as info:
        list(read_hashset(path, "nsrl"))
    assert info.value.detail["record"] >= 1
