"""Hostile archives: traversal names, bombs, damage, links, encryption, odd names."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from lodestar.config import Settings
from lodestar.evidence import (
    EvidenceEntry,
    iter_entries,
    sanitize_member_name,
)

from .helpers import walk, write

MiB = 1024 * 1024


def zip_bytes(members: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members:
            zf.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 2, 3, 4, 6)), data, method)
    return buf.getvalue()


def tar_of(infos: list[tuple[tarfile.TarInfo, bytes]], mode: str = "w") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode, format=tarfile.GNU_FORMAT) as tf:  # type: ignore[call-overload]
        for info, data in infos:
            info.size = len(data) if info.isreg() else 0
            tf.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return buf.getvalue()


def reg(name: str) -> tarfile.TarInfo:
    return tarfile.TarInfo(name)


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize(
    ("name", "safe", "flagged"),
    [
        ("a/b.txt", "a/b.txt", False),
        ("./a//b.txt", "a/b.txt", False),
        ("../../etc/passwd", "etc/passwd", True),
        ("/etc/shadow", "etc/shadow", True),
        ("C:\\Windows\\evil.dll", "Windows/evil.dll", True),
        ("c:/x.txt", "x.txt", True),
        ("..\\..\\up.txt", "up.txt", True),
        ("\\\\server\\share\\f", "server/share/f", True),
        ("a/../../b", "a/b", True),
        ("..", "_", True),
        ("dir\\file.txt", "dir\\file.txt", False),
        ("...", "...", False),
    ],
)
def test_sanitize_member_name(name: str, safe: str, flagged: bool) -> None:
    assert sanitize_member_name(name) == (safe, flagged)


def test_traversal_names_are_read_under_safe_specs(tmp_path: Path) -> None:
    root = tmp_path / "ev"
    z = zip_bytes(
        [
            ("../../evil.txt", b"zip-evil"),
            ("/abs/path.txt", b"zip-abs"),
            ("C:\\win\\x.txt", b"zip-drive"),
            ("..\\..\\back.txt", b"zip-back"),
            ("ok.txt", b"ok"),
        ]
    )
    t = tar_of([(reg("../../../tmp/owned"), b"tar-up"), (reg("/etc/cron.d/x"), b"tar-abs")])
    write(root / "a.zip", z)
    write(root / "b.tar", t)
    before = tree(tmp_path)
    entries, warnings = walk(root, spool_dir=tmp_path / "spool")
    assert warnings == []
    got = {e.path_spec: (e.data, [w.code for w in e.warnings]) for e in entries}
    assert got == {
        "a.zip": (None, []),
        "a.zip!/evil.txt": (b"zip-evil", ["path_traversal"]),
        "a.zip!/abs/path.txt": (b"zip-abs", ["path_traversal"]),
        "a.zip!/win/x.txt": (b"zip-drive", ["path_traversal"]),
        "a.zip!/back.txt": (b"zip-back", ["path_traversal"]),
        "a.zip!/ok.txt": (b"ok", []),
        "b.tar": (None, []),
        "b.tar!/tmp/owned": (b"tar-up", ["path_traversal"]),
        "b.tar!/etc/cron.d/x": (b"tar-abs", ["path_traversal"]),
    }
    for e in entries:
        for w in e.warnings:
            assert w.path_spec == e.path_spec
    assert tree(tmp_path) == before  # nothing was written anywhere (no spool dir either)


def test_zip_bomb_refused_normal_member_read(tmp_path: Path) -> None:
    bomb = zip_bytes([("a.txt", b"hello"), ("zeros.bin", bytes(40 * MiB)), ("z.txt", b"after")])
    assert len(bomb) < 200_000
    entries, warnings = walk(write(tmp_path / "bomb.zip", bomb))
    assert [(e.path_spec, e.data) for e in entries] == [("a.txt", b"hello"), ("z.txt", b"after")]
    assert [(w.path_spec, w.code) for w in warnings] == [("zeros.bin", "archive_bomb")]
    assert "max_expansion_ratio" in warnings[0].reason


def test_declared_size_over_limit_refused(tmp_path: Path) -> None:
    data = zip_bytes([("big", os.urandom(5000)), ("small", b"s")], zipfile.ZIP_STORED)
    entries, warnings = walk(write(tmp_path / "z.zip", data), Settings(max_member_bytes=4000))
    assert [e.path_spec for e in entries] == ["small"]
    assert [(w.path_spec, w.code) for w in warnings] == [("big", "archive_bomb")]
    assert "max_member_bytes" in warnings[0].reason


def test_total_expansion_budget_stops_the_archive(tmp_path: Path) -> None:
    # 70 members of 1 MiB of zeros: each fine on its own, 70 MiB in total; the budget for
    # one archive with max_member_bytes = 1 MiB is 64 × 1 MiB.
    members = [(f"m{i:02}", bytes(MiB)) for i in range(70)]
    z = write(tmp_path / "many.zip", zip_bytes(members))
    count = 0
    warnings = []
    for item in iter_entries(z, Settings(max_member_bytes=MiB)):
        if isinstance(item, EvidenceEntry):
            count += 1
        else:
            warnings.append(item)
    assert count == 64
    assert [(w.path_spec, w.code) for w in warnings] == [("", "archive_bomb")]
    assert "total expansion limit" in warnings[0].reason


def test_tar_gz_bomb_stops_after_earlier_members(tmp_path: Path) -> None:
    t = tar_of(
        [(reg("first.txt"), b"first"), (reg("zeros"), bytes(40 * MiB)), (reg("late"), b"x")],
        "w:gz",
    )
    entries, warnings = walk(write(tmp_path / "ev" / "b.tgz", t))
    assert [(e.path_spec, e.data) for e in entries] == [("first.txt", b"first")]
    assert [w.code for w in warnings] == ["archive_bomb"]
    assert "zeros" in warnings[0].reason


def test_truncated_zip_keeps_earlier_members(tmp_path: Path) -> None:
    blobs = [os.urandom(4000) for _ in range(3)]
    data = zip_bytes([(f"f{i}.bin", b) for i, b in enumerate(blobs)])
    cut = data[: data.index(blobs[2][:64]) + 1000]  # inside the third member's data
    write(tmp_path / "ev" / "t.zip", cut)
    entries, warnings = walk(tmp_path / "ev")
    assert [(e.path_spec, e.data) for e in entries] == [
        ("t.zip", None),
        ("t.zip!/f0.bin", blobs[0]),
        ("t.zip!/f1.bin", blobs[1]),
    ]
    assert entries[1].mtime is not None
    assert [(w.path_spec, w.code) for w in warnings] == [
        ("t.zip", "archive_corrupt"),  # central directory gone: recovered from local headers
        ("t.zip!/f2.bin", "archive_corrupt"),
    ]


class _Unseekable(io.RawIOBase):
    """A write-only stream: zipfile then writes data descriptors (sizes after the data)."""

    def __init__(self) -> None:
        self.buf = io.BytesIO()

    def writable(self) -> bool:
        return True

    def write(self, b: object) -> int:
        return self.buf.write(b)  # type: ignore[arg-type]

    def tell(self) -> int:
        return self.buf.tell()

    def seekable(self) -> bool:
        return False

    def seek(self, *_: object) -> int:
        raise OSError("unseekable")


def test_truncated_streamed_zip_with_data_descriptors(tmp_path: Path) -> None:
    sink = _Unseekable()
    blobs = [b"text " * 300, os.urandom(3000), b"last" * 500]
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, blob in enumerate(blobs):
            with zf.open(f"s{i}", "w") as w:
                w.write(blob)
    data = sink.buf.getvalue()
    assert data[6] & 0x08  # data descriptor flag is set
    cut = data[: data.index(b"PK\x01\x02") - 10]  # central directory and last descriptor gone
    entries, warnings = walk(write(tmp_path / "s.zip", cut))
    assert [(e.path_spec, e.data) for e in entries] == [("s0", blobs[0]), ("s1", blobs[1])]
    assert [(w.path_spec, w.code) for w in warnings] == [
        ("", "archive_corrupt"),
        ("s2", "archive_corrupt"),
    ]


@pytest.mark.parametrize("mode", ["w:gz", "w"])
def test_truncated_tar_keeps_earlier_members(tmp_path: Path, mode: str) -> None:
    blobs = [os.urandom(20_000) for _ in range(3)]
    data = tar_of([(reg(f"f{i}"), b) for i, b in enumerate(blobs)], mode)
    cut = data[: int(len(data) * 0.8)]
    write(tmp_path / "ev" / "t", cut)
    entries, warnings = walk(tmp_path / "ev")
    assert [(e.path_spec, e.data) for e in entries] == [
        ("t", None),
        ("t!/f0", blobs[0]),
        ("t!/f1", blobs[1]),
    ]
    assert len(warnings) == 1 and warnings[0].code == "archive_corrupt"
    assert warnings[0].path_spec in ("t", "t!/f2")
    assert "f1" in warnings[0].reason or "f2" in warnings[0].reason


def test_tar_without_end_marker_is_flagged(tmp_path: Path) -> None:
    blob = os.urandom(1000)
    data = tar_of([(reg("a"), blob), (reg("b"), b"bb")])
    cut = data[: 512 + 1024]  # header + padded data of "a" only: stops at a header boundary
    entries, warnings = walk(write(tmp_path / "t.tar", cut))
    assert [(e.path_spec, e.data) for e in entries] == [("a", blob)]
    assert [w.code for w in warnings] == ["archive_corrupt"]
    assert "end-of-archive" in warnings[0].reason


def test_corrupt_zip_member_does_not_stop_the_walk(tmp_path: Path) -> None:
    good, bad = b"good" * 100, b"B" * 400
    data = bytearray(zip_bytes([("bad.bin", bad), ("good.bin", good)], zipfile.ZIP_STORED))
    at = data.index(bad)
    data[at + 10] ^= 0xFF  # CRC no longer matches
    entries, warnings = walk(write(tmp_path / "c.zip", bytes(data)))
    assert [(e.path_spec, e.data) for e in entries] == [("good.bin", good)]
    assert [(w.path_spec, w.code) for w in warnings] == [("bad.bin", "archive_corrupt")]
    assert "bad.bin" in warnings[0].reason


def test_garbage_with_zip_signature(tmp_path: Path) -> None:
    write(tmp_path / "ev" / "g.zip", b"PK\x03\x04" + os.urandom(200))
    entries, warnings = walk(tmp_path / "ev")
    assert [e.path_spec for e in entries] == ["g.zip"]
    assert warnings and all(w.code == "archive_corrupt" for w in warnings)


def test_tar_links_and_special_members(tmp_path: Path) -> None:
    sym = reg("link")
    sym.type, sym.linkname = tarfile.SYMTYPE, "/etc/passwd"
    hard = reg("hard")
    hard.type, hard.linkname = tarfile.LNKTYPE, "a.txt"
    dev = reg("dev")
    dev.type = tarfile.CHRTYPE
    fifo = reg("fifo")
    fifo.type = tarfile.FIFOTYPE
    folder = reg("folder")
    folder.type = tarfile.DIRTYPE
    data = tar_of(
        [(reg("a.txt"), b"a"), (sym, b""), (hard, b""), (dev, b""), (fifo, b""), (folder, b"")]
    )
    entries, warnings = walk(write(tmp_path / "l.tar", data))
    assert [e.path_spec for e in entries] == ["a.txt"]
    assert [(w.path_spec, w.code) for w in warnings] == [
        ("link", "archive_link"),
        ("hard", "archive_link"),
        ("dev", "special_file"),
        ("fifo", "special_file"),
    ]
    assert "/etc/passwd" in warnings[0].reason


def test_zip_symlink_member_and_encrypted_member(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        link = zipfile.ZipInfo("link")
        link.create_system = 3
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/passwd")
        zf.writestr("secret", b"ciphertext, pretend")
        zf.writestr("plain", b"plain")
    data = bytearray(buf.getvalue())
    # Mark "secret" as encrypted in its local header and its central directory record.
    lfh = data.index(b"PK\x03\x04", 1)
    data[lfh + 6] |= 0x01
    cd = data.index(b"PK\x01\x02")
    cd = data.index(b"PK\x01\x02", cd + 1)
    data[cd + 8] |= 0x01
    entries, warnings = walk(write(tmp_path / "e.zip", bytes(data)))
    assert [(e.path_spec, e.data) for e in entries] == [("plain", b"plain")]
    assert [(w.path_spec, w.code) for w in warnings] == [
        ("link", "archive_link"),
        ("secret", "encrypted"),
    ]


def test_non_utf8_member_names(tmp_path: Path) -> None:
    data = zip_bytes([("badX.txt", b"zip")], zipfile.ZIP_STORED).replace(b"badX", b"bad\xff")
    entries, warnings = walk(write(tmp_path / "n.zip", data))
    assert warnings == []
    assert [(e.path_spec, e.data) for e in entries] == [("bad\\xff.txt", b"zip")]
    assert [w.code for w in entries[0].warnings] == ["filename_encoding"]

    info = reg(os.fsdecode(b"t\xfe.txt"))
    entries, _ = walk(write(tmp_path / "n.tar", tar_of([(info, b"tar")])))
    assert [(e.path_spec, e.data) for e in entries] == [("t\\xfe.txt", b"tar")]
    assert [w.code for w in entries[0].warnings] == ["filename_encoding"]

    utf8 = zip_bytes([("café/ünï.txt", b"u")])
    entries, _ = walk(write(tmp_path / "u.zip", utf8))
    assert [(e.path_spec, e.warnings) for e in entries] == [("café/ünï.txt", ())]


def test_gzip_of_garbage_is_a_plain_file(tmp_path: Path) -> None:
    write(tmp_path / "ev" / "x.tar.gz", gzip.compress(os.urandom(4000)))
    entries, warnings = walk(tmp_path / "ev")
    assert warnings == []
    assert [e.path_spec for e in entries] == ["x.tar.gz"]
