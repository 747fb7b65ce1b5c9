"""ICSE CSV and plain digest lists, and the format-picking entry point ``read_hashset``."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from lodestar.errors import DataError, UserError
from lodestar.match.formats import HashSetRecord, detect_format, read_hashset
from lodestar.match.formats.icse import IcseFormat
from lodestar.match.formats.plain import PlainFormat

from .hashset_fixtures import (
    ICSE_HEADER,
    icse_expected,
    md5,
    sha1,
    sha256,
    write_icse,
    write_plain,
)

# --- ICSE ---------------------------------------------------------------------------------


def test_icse_shuffled_columns_extra_columns_any_case(tmp_path: Path) -> None:
    header = [*ICSE_HEADER, "Comment"]
    random.Random(7).shuffle(header)
    header = [h.upper() if k % 2 else h.lower() for k, h in enumerate(header)]
    # values are looked up by the original spelling
    spelled = {h.lower(): h for h in [*ICSE_HEADER, "Comment"]}
    path = write_icse(tmp_path, 6, header=[spelled[h.lower()] for h in header], bom=False)
    text = path.read_text(encoding="utf-8").splitlines()
    text[0] = ";".join(header)
    path.write_text("\n".join(text) + "\n", encoding="utf-8")  # LF this time

    assert IcseFormat().sniff(path)
    records = list(read_hashset(path))
    want = [icse_expected(i) for i in range(1, 7)]
    assert records == [replace(r, extra={**r.extra, "comment": "extra-value"}) for r in want]


def test_icse_bom_crlf_and_trailing_separators(tmp_path: Path) -> None:
    path = write_icse(tmp_path, 3)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    lines = data.decode("utf-8-sig").split("\r\n")
    lines[0] += ";"  # header ends with the separator
    lines[2] += ";;"  # a row with empty trailing fields
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode())
    assert list(read_hashset(path, "icse")) == [icse_expected(i) for i in range(1, 4)]


def test_icse_short_row_mid_file_is_padded(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text(
        f"MD5;SHA1;Image ID;Baseline\n{md5(1)};{sha1(1)}\n{md5(2)};;IMG-2;Y\n", encoding="utf-8"
    )
    first, second = read_hashset(path, "icse")
    assert (first.md5, first.sha1, first.media_id, first.extra) == (md5(1), sha1(1), None, {})
    assert (second.sha1, second.media_id, second.extra) == (None, "IMG-2", {"baseline": True})


def test_icse_bad_flag_names_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "flag.csv"
    path.write_text(f"MD5;Victim identified\n{md5(1)};Y\n{md5(2)};perhaps\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"record 2 \(line 3\): Victim identified: not a yes/no"):
        list(read_hashset(path, "icse"))


def test_icse_header_problems(tmp_path: Path) -> None:
    dup = tmp_path / "dup.csv"
    dup.write_text("MD5;md5;Image ID\n", encoding="utf-8")
    with pytest.raises(DataError, match="names 'md5' twice"):
        list(read_hashset(dup, "icse"))
    nohash = tmp_path / "nohash.csv"
    nohash.write_text("Image ID;Baseline\nIMG-1;Y\n", encoding="utf-8")
    with pytest.raises(DataError, match="no MD5 or SHA1 column"):
        list(read_hashset(nohash, "icse"))


def test_icse_extra_non_empty_fields_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(f"MD5;Image ID\n{md5(1)};IMG-1;surprise\n", encoding="utf-8")
    with pytest.raises(DataError, match="record 1 .*3 fields, the header has 2"):
        list(read_hashset(path, "icse"))


# --- plain --------------------------------------------------------------------------------


def test_plain_kinds_and_styles(tmp_path: Path) -> None:
    lines = [
        "# comment",
        md5(1),
        f"  {sha1(2).upper()}  ",
        sha256(3),
        f"{md5(4)}  name with  spaces.jpg",
        f"{sha1(5)} *binary.bin",
        f"\\{md5(6)}  odd\\nname\\\\x",
        f"MD5 (bsd.jpg) = {md5(7)}",
        f"SHA256 (bsd2.jpg) = {sha256(8).upper()}",
        "",
        f"{md5(9)}\tTAB.jpg",
    ]
    path = tmp_path / "list.txt"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    assert PlainFormat().sniff(path)
    assert detect_format(path).name == "plain"
    got = list(read_hashset(path))
    assert got == [
        HashSetRecord(record_no=2, md5=md5(1)),
        HashSetRecord(record_no=3, sha1=sha1(2)),
        HashSetRecord(record_no=4, sha256=sha256(3)),
        HashSetRecord(record_no=5, md5=md5(4), file_names=("name with  spaces.jpg",)),
        HashSetRecord(record_no=6, sha1=sha1(5), file_names=("binary.bin",)),
        HashSetRecord(record_no=7, md5=md5(6), file_names=("odd\nname\\x",)),
        HashSetRecord(record_no=8, md5=md5(7), file_names=("bsd.jpg",)),
        HashSetRecord(record_no=9, sha256=sha256(8), file_names=("bsd2.jpg",)),
        HashSetRecord(record_no=11, md5=md5(9), file_names=("TAB.jpg",)),
    ]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("abc123", "has 6 hex digits"),
        ("not a digest at all", "not a digest line"),
        (f"SHA1 (x) = {md5(1)}", "SHA-1 line with a 32-digit digest"),
        (md5(1) + "0", "has 33 hex digits"),
    ],
)
def test_plain_bad_line_names_the_line(tmp_path: Path, line: str, reason: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(f"# x\n{md5(1)}\n\n{line}\n{md5(2)}\n", encoding="utf-8")
    with pytest.raises(DataError, match=f"line 4: .*{reason}") as info:
        list(read_hashset(path, "plain"))
    assert info.value.detail["record"] == 4
    assert "truncated" not in info.value.message


def test_plain_comment_only_file_reads_nothing_but_is_not_sniffed(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_text("# nothing here\n\n", encoding="utf-8")
    assert list(read_hashset(path, "plain")) == []
    with pytest.raises(DataError, match="not a recognised hash-set format"):
        detect_format(path)


# --- read_hashset -------------------------------------------------------------------------


def test_unknown_format_name_lists_the_known_ones(tmp_path: Path) -> None:
    path = write_plain(tmp_path, 2)
    with pytest.raises(UserError, match=r"unknown hash-set format 'csv' \(known: icse, nsrl"):
        read_hashset(path, "csv")


def test_unrecognised_file_lists_the_known_formats(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("shopping list\nmilk\n", encoding="utf-8")
    with pytest.raises(DataError, match="known: icse, nsrl, plain, vics") as info:
        read_hashset(path)
    assert info.value.detail["known"] == ["icse", "nsrl", "plain", "vics"]


def test_missing_or_directory_path_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        read_hashset(tmp_path / "nope.json")
    with pytest.raises(UserError, match="not a regular file"):
        read_hashset(tmp_path, "plain")


def test_writing_a_read_only_format_is_refused(tmp_path: Path) -> None:
    from lodestar.match.formats import write_hashset

    with pytest.raises(UserError, match="cannot be written .*writable: vics"):
        write_hashset([], tmp_path / "x.txt", "plain")


def test_record_validates_and_lowercases_digests() -> None:
    record = HashSetRecord(record_no=1, md5=md5(1).upper(), tags=["a"])  # type: ignore[arg-type]
    assert record.md5 == md5(1) and record.tags == ("a",)
    assert record.digests == {"md5": md5(1)}
    with pytest.raises(DataError, match="record 2: invalid SHA-1"):
        HashSetRecord(record_no=2, sha1="xyz")
    with pytest.raises(DataError, match="record 3: missing MD5"):
        HashSetRecord(record_no=3)
    assert hash(record) == hash(HashSetRecord(record_no=1, md5=md5(1), tags=("a",)))
