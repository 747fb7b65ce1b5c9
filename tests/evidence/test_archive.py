"""Zip and tar readers: members, metadata, nesting, spooling, resume, depth limit."""

from __future__ import annotations

import calendar
import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from lodestar.config import Settings
from lodestar.evidence import EvidenceEntry, iter_entries
from lodestar.evidence import spool as spool_module

from .helpers import CFG, MTIME, tar_bytes, walk, write, zip_bytes


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2])
def test_zip_members(tmp_path: Path, method: int) -> None:
    z = write(tmp_path / "ev" / "a.zip", zip_bytes({"d/one.txt": b"1" * 50, "two": b"2"}, method))
    entries, warnings = walk(tmp_path / "ev")
    assert warnings == []
    assert [e.path_spec for e in entries] == ["a.zip", "a.zip!/d/one.txt", "a.zip!/two"]
    outer, one, two = entries
    assert outer.local_path == str(z.resolve()) and not outer.in_archive
    assert one.data == b"1" * 50 and one.size == 50 and one.in_archive
    assert one.local_path is None and not one.spooled
    assert one.mtime == calendar.timegm((2021, 3, 4, 5, 6, 8, 0, 0, 0))
    assert two.data == b"2"


@pytest.mark.parametrize("mode", ["w", "w:gz", "w:bz2", "w:xz"])
def test_tar_members(tmp_path: Path, mode: str) -> None:
    write(tmp_path / "ev" / "t", tar_bytes({"./x/a.bin": b"a" * 1000, "b.bin": b""}, mode))
    entries, warnings = walk(tmp_path / "ev")
    assert warnings == []
    assert [(e.path_spec, e.data) for e in entries] == [
        ("t", None),
        ("t!/x/a.bin", b"a" * 1000),
        ("t!/b.bin", b""),
    ]
    assert all(e.mtime == MTIME for e in entries[1:])


def test_pax_times(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        info = tarfile.TarInfo("p.txt")
        info.size = 1
        info.mtime = MTIME
        info.pax_headers = {"atime": "1500000000.5", "ctime": "1400000000.25"}
        tf.addfile(info, io.BytesIO(b"p"))
    entries, _ = walk(write(tmp_path / "p.tar", buf.getvalue()))
    (entry,) = entries
    assert (entry.mtime, entry.atime, entry.ctime) == (MTIME, 1500000000.5, 1400000000.25)


def test_nested_specs(tmp_path: Path) -> None:
    inner = tar_bytes({"b.jpg": b"jpeg"}, "w:gz")
    middle = zip_bytes({"inner/y.tar.gz": inner, "m.txt": b"m"})
    outer = tar_bytes({"x.zip": middle})
    write(tmp_path / "ev" / "outer" / "o.tar", outer)
    entries, warnings = walk(tmp_path / "ev")
    assert warnings == []
    assert [e.path_spec for e in entries] == [
        "outer/o.tar",
        "outer/o.tar!/x.zip",
        "outer/o.tar!/x.zip!/inner/y.tar.gz",
        "outer/o.tar!/x.zip!/inner/y.tar.gz!/b.jpg",
        "outer/o.tar!/x.zip!/m.txt",
    ]
    assert entries[1].data == middle
    assert entries[3].data == b"jpeg"


def test_compressed_file_that_is_not_a_tar_stays_a_file(tmp_path: Path) -> None:
    import bz2
    import gzip
    import lzma

    root = tmp_path / "ev"
    write(root / "a.gz", gzip.compress(b"log line\n" * 100))
    write(root / "b.bz2", bz2.compress(b"x" * 10))
    write(root / "c.xz", lzma.compress(os.urandom(100)))
    entries, warnings = walk(root)
    assert warnings == []
    assert [e.path_spec for e in entries] == ["a.gz", "b.bz2", "c.xz"]


def test_depth_limit(tmp_path: Path) -> None:
    data = b"deep"
    for level in range(3):
        data = zip_bytes({f"l{level}": data})
    write(tmp_path / "ev" / "top.zip", data)
    entries, warnings = walk(tmp_path / "ev", Settings(max_archive_depth=2))
    assert [e.path_spec for e in entries] == ["top.zip", "top.zip!/l2", "top.zip!/l2!/l1"]
    assert [(w.path_spec, w.code) for w in warnings] == [("top.zip!/l2!/l1", "archive_too_deep")]
    entries, warnings = walk(tmp_path / "ev", Settings(max_archive_depth=3))
    assert warnings == [] and entries[-1].path_spec == "top.zip!/l2!/l1!/l0"
    assert entries[-1].data == b"deep"


def test_skip_in_archives(tmp_path: Path) -> None:
    nested = zip_bytes({"n1": b"1", "n2": b"2"})
    write(tmp_path / "ev" / "a.tar", tar_bytes({"x": b"x", "nest.zip": nested, "y": b"y"}))
    done = {"a.tar", "a.tar!/x", "a.tar!/nest.zip", "a.tar!/nest.zip!/n1"}
    entries, warnings = walk(tmp_path / "ev", skip=done.__contains__)
    assert warnings == []
    assert [e.path_spec for e in entries] == ["a.tar!/nest.zip!/n2", "a.tar!/y"]


def test_spooling_large_members(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spool_module, "SPOOL_THRESHOLD", 1000)
    big = os.urandom(5000)
    nested = tar_bytes({"deep.bin": big})  # > threshold too: spooled, then walked
    write(tmp_path / "ev" / "a.zip", zip_bytes({"big.bin": big, "small": b"s", "n.tar": nested}))
    spool = tmp_path / "spool"
    seen = []
    for item in iter_entries(tmp_path / "ev", CFG, spool_dir=spool):
        assert isinstance(item, EvidenceEntry)
        seen.append(item.path_spec)
        if item.spooled:
            assert item.local_path is not None and item.data is None
            assert Path(item.local_path).parent == spool
            expected = big if item.path_spec.endswith(".bin") else nested
            assert Path(item.local_path).read_bytes() == expected
            assert item.size == len(expected)
            os.unlink(item.local_path)  # the consumer deletes it (even before nested members)
        elif item.in_archive:
            assert item.data == b"s"
    assert seen == [
        "a.zip",
        "a.zip!/big.bin",
        "a.zip!/small",
        "a.zip!/n.tar",
        "a.zip!/n.tar!/deep.bin",
    ]
    assert list(spool.iterdir()) == []


def test_skipped_spooled_archive_is_walked_and_cleaned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spool_module, "SPOOL_THRESHOLD", 1000)
    nested = zip_bytes({"n": os.urandom(2000)}, zipfile.ZIP_STORED)
    write(tmp_path / "ev" / "a.tar", tar_bytes({"n.zip": nested, "big": os.urandom(3000)}))
    spool = tmp_path / "spool"
    done = {"a.tar!/n.zip", "a.tar!/big"}
    entries, _ = walk(tmp_path / "ev", skip=done.__contains__, spool_dir=spool)
    assert [e.path_spec for e in entries] == ["a.tar", "a.tar!/n.zip!/n"]
    for e in entries:
        if e.spooled:
            assert e.local_path is not None
            os.unlink(e.local_path)
    assert list(spool.iterdir()) == []


def test_duplicate_member_names_stay_distinct(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for data in (b"first", b"second"):
            info = tarfile.TarInfo("same.txt")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    entries, warnings = walk(write(tmp_path / "d.tar", buf.getvalue()))
    assert warnings == []
    assert [(e.path_spec, e.data) for e in entries] == [
        ("same.txt", b"first"),
        ("same.txt#2", b"second"),
    ]
    assert [w.code for w in entries[1].warnings] == ["duplicate_name"]


def test_bare_archive_source_specs_are_relative(tmp_path: Path) -> None:
    z = write(
        tmp_path / "bare.zip", zip_bytes({"a/b.txt": b"b", "n.tgz": tar_bytes({"c": b"c"}, "w:gz")})
    )
    entries, warnings = walk(z)
    assert warnings == []
    assert [e.path_spec for e in entries] == ["a/b.txt", "n.tgz", "n.tgz!/c"]
