"""Disk images through dfVFS: formats, volume components, integrity, damage, read-only."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from lodestar.evidence import reader_for
from lodestar.evidence.base import EntryWarning, EvidenceEntry, EvidenceItem, source_readers

from .helpers import CFG, write, zip_bytes
from .images import (
    convert,
    ext4_bytes,
    fat_bytes,
    needs_ewf,
    needs_mke2fs,
    needs_mtools,
    needs_qemu,
    needs_sfdisk,
    partitioned,
    to_e01,
)

EXT = {"Users/x/Pictures/a.jpg": b"\xff\xd8jpeg" * 300, "notes.txt": b"hello"}
FAT = {"DCIM/B.JPG": bytes(range(256)) * 40, "backup.zip": zip_bytes({"in/c.txt": b"inner"})}
EXPECTED = {
    **{f"p1/{k}": v for k, v in EXT.items()},
    **{f"p2/{k}": v for k, v in FAT.items()},
    "p2/backup.zip!/in/c.txt": b"inner",
}
pytestmark = [needs_mke2fs, needs_mtools, needs_sfdisk]


def walk(location: Path) -> list[EvidenceItem]:
    return list(reader_for(location).entries(location, CFG))


def sha256s(items: list[EvidenceItem]) -> dict[str, str]:
    out = {}
    for e in items:
        if isinstance(e, EvidenceEntry):
            data = e.data if e.data is not None else Path(e.local_path or "").read_bytes()
            out[e.path_spec] = hashlib.sha256(data).hexdigest()
    return out


def expected_sha256s() -> dict[str, str]:
    return {k: hashlib.sha256(v).hexdigest() for k, v in EXPECTED.items()}


def warnings_of(items: list[EvidenceItem]) -> list[EntryWarning]:
    return [i for i in items if isinstance(i, EntryWarning)]


@pytest.fixture
def raw_disk(tmp_path: Path) -> Path:
    return partitioned(tmp_path / "laptop.dd", [ext4_bytes(EXT), fat_bytes(FAT)])


@pytest.mark.parametrize("label", ["gpt", "dos"])
def test_partitions_and_files_with_their_sha256(tmp_path: Path, label: str) -> None:
    disk = partitioned(tmp_path / "disk.raw", [ext4_bytes(EXT), fat_bytes(FAT)], label)
    assert reader_for(disk).name == "disk-image"
    items = walk(disk)
    assert warnings_of(items) == []
    assert sha256s(items) == expected_sha256s()


def test_a_bare_file_system_has_no_volume_component(tmp_path: Path) -> None:
    fs = write(tmp_path / "fs.img", ext4_bytes(EXT))
    assert sha256s(walk(fs)) == {k: hashlib.sha256(v).hexdigest() for k, v in EXT.items()}


def test_split_raw(tmp_path: Path, raw_disk: Path) -> None:
    data = raw_disk.read_bytes()
    third = len(data) // 3
    for i, part in enumerate((data[:third], data[third : 2 * third], data[2 * third :]), 1):
        write(tmp_path / "split" / f"disk.{i:03d}", part)
    assert sha256s(walk(tmp_path / "split" / "disk.001")) == expected_sha256s()


@needs_qemu
@pytest.mark.parametrize(
    ("fmt", "opts"),
    [
        ("qcow2", ()),
        ("vmdk", ()),
        ("vmdk", ("-o", "subformat=streamOptimized")),
        ("vpc", ()),
        ("vpc", ("-o", "subformat=fixed")),
        ("vhdx", ()),
    ],
)
def test_virtual_disk_formats(
    tmp_path: Path, raw_disk: Path, fmt: str, opts: tuple[str, ...]
) -> None:
    image = convert(raw_disk, tmp_path / f"disk.{fmt}", fmt, *opts)
    items = walk(image)
    assert warnings_of(items) == []
    assert sha256s(items) == expected_sha256s()


@needs_ewf
def test_e01_verified_and_walked(tmp_path: Path, raw_disk: Path) -> None:
    e01 = to_e01(raw_disk, tmp_path / "laptop")
    items = walk(e01)
    assert warnings_of(items) == []
    assert sha256s(items) == expected_sha256s()
    from lodestar.evidence.ewf_integrity import verify

    result = verify(str(e01))
    assert result.ok
    assert result.stored["md5"] == hashlib.md5(raw_disk.read_bytes()).hexdigest()
    assert result.stored["sha1"] == hashlib.sha1(raw_disk.read_bytes()).hexdigest()


@needs_ewf
def test_e01_whose_data_changed_fails_integrity_loudly(tmp_path: Path, raw_disk: Path) -> None:
    e01 = to_e01(raw_disk, tmp_path / "laptop", "-c", "none:none")
    data = bytearray(e01.read_bytes())
    at = data.find(b"\xff\xd8jpeg")  # inside a file's data, stored uncompressed
    assert at > 0
    data[at + 10] ^= 0xFF
    e01.write_bytes(bytes(data))
    codes = [w.code for w in warnings_of(walk(e01))]  # never raises
    assert "integrity_failed" in codes


@needs_ewf
def test_truncated_e01_is_warnings_not_a_crash(tmp_path: Path, raw_disk: Path) -> None:
    e01 = to_e01(raw_disk, tmp_path / "laptop")
    e01.write_bytes(e01.read_bytes()[: e01.stat().st_size // 2])
    items = walk(e01)
    assert warnings_of(items)


def test_truncated_raw_is_named(tmp_path: Path) -> None:
    disk = partitioned(tmp_path / "disk.raw", [ext4_bytes(EXT), fat_bytes(FAT)], "dos")
    disk.write_bytes(disk.read_bytes()[: 6 * 1024 * 1024])
    items = walk(disk)
    assert ("", "image_truncated") in [(w.path_spec, w.code) for w in warnings_of(items)]


def test_garbage_in_a_partition_is_a_warning(raw_disk: Path) -> None:
    data = bytearray(raw_disk.read_bytes())
    mib = 1024 * 1024
    data[mib : mib + 64 * 1024] = os.urandom(64 * 1024)  # p1's superblock and group table
    raw_disk.write_bytes(bytes(data))
    items = walk(raw_disk)
    specs = sha256s(items)
    assert {k for k in specs if k.startswith("p2/")} == {k for k in EXPECTED if k.startswith("p2/")}
    assert warnings_of(items) or not any(k.startswith("p1/") for k in specs)


def _state(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return hashlib.sha256(path.read_bytes()).hexdigest(), st.st_mtime_ns, st.st_atime_ns


@needs_ewf
@needs_qemu
def test_the_image_file_is_never_written_nor_its_atime_touched(
    tmp_path: Path, raw_disk: Path
) -> None:
    images = [
        raw_disk,
        to_e01(raw_disk, tmp_path / "laptop"),
        convert(raw_disk, tmp_path / "d.qcow2", "qcow2"),
    ]
    for image in images:
        # atime older than mtime: a relatime mount would update it on the first read.
        st = image.stat()
        os.utime(image, ns=(st.st_mtime_ns - 10**12, st.st_mtime_ns))
        fd = os.open(image, os.O_RDONLY | getattr(os, "O_NOATIME", 0))
        before = (hashlib.sha256(os.read(fd, st.st_size)).hexdigest(), *_stat_ns(image))
        os.close(fd)
        assert sha256s(walk(image)) == expected_sha256s()
        fd = os.open(image, os.O_RDONLY | getattr(os, "O_NOATIME", 0))
        after = (hashlib.sha256(os.read(fd, st.st_size)).hexdigest(), *_stat_ns(image))
        os.close(fd)
        assert after == before, image.name


def _stat_ns(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_mtime_ns, st.st_atime_ns


def test_reader_is_registered() -> None:
    assert "disk-image" in source_readers.names()
