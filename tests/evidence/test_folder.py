"""FolderReader: deterministic, read-only walk; links, special files, odd names, resume."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import tempfile
from pathlib import Path

import pytest

from lodestar.errors import UserError
from lodestar.evidence import (
    EntryWarning,
    EvidenceEntry,
    EvidenceItem,
    FolderReader,
    TarReader,
    ZipReader,
    reader_for,
)

from .helpers import tar_bytes, walk, write, zip_bytes


def split(items: list[EvidenceItem]) -> tuple[list[EvidenceEntry], list[EntryWarning]]:
    entries = [i for i in items if isinstance(i, EvidenceEntry)]
    warnings = [i for i in items if isinstance(i, EntryWarning)]
    return entries, warnings


def test_walk_order_and_fields(tmp_path: Path) -> None:
    root = tmp_path / "ev"
    write(root / "b.txt", b"bee")
    write(root / "a" / "z.txt", b"zed")
    write(root / "a" / "c.txt", b"sea")
    write(root / "C.bin", b"\x00\x01")
    write(root / "empty", b"")
    entries, warnings = walk(root)
    assert warnings == []
    assert [e.path_spec for e in entries] == ["C.bin", "a/c.txt", "a/z.txt", "b.txt", "empty"]
    for e in entries:
        st = os.lstat(root / e.path_spec)
        assert e.local_path == str((root / e.path_spec).resolve())
        assert os.path.isabs(e.local_path)
        assert e.size == st.st_size
        assert (e.mtime, e.atime, e.ctime) == (st.st_mtime, st.st_atime, st.st_ctime)
        assert e.data is None and not e.spooled and not e.in_archive and e.warnings == ()
    # Twice the same walk gives the same result.
    assert [e.path_spec for e in walk(root)[0]] == [e.path_spec for e in entries]


def test_symlinks_are_never_followed(tmp_path: Path) -> None:
    root = tmp_path / "ev"
    write(root / "real.txt", b"real")
    write(tmp_path / "outside" / "secret.txt", b"secret")
    (root / "inside_link").symlink_to("real.txt")
    (root / "escape_file").symlink_to(tmp_path / "outside" / "secret.txt")
    (root / "escape_dir").symlink_to(tmp_path / "outside")
    (root / "sneaky").symlink_to("../outside/secret.txt")
    (root / "dangling").symlink_to("nope.txt")
    entries, warnings = walk(root)
    assert [e.path_spec for e in entries] == ["real.txt"]
    codes = {w.path_spec: w.code for w in warnings}
    assert codes == {
        "inside_link": "symlink_skipped",
        "escape_file": "symlink_escape",
        "escape_dir": "symlink_escape",
        "sneaky": "symlink_escape",
        "dangling": "symlink_skipped",
    }


def test_special_files_are_not_opened(tmp_path: Path) -> None:
    root = tmp_path / "ev"
    write(root / "a.txt", b"a")
    os.mkfifo(root / "pipe")  # opening it for reading would block the walk
    entries, warnings = walk(root)
    assert [e.path_spec for e in entries] == ["a.txt"]
    assert [(w.path_spec, w.code) for w in warnings] == [("pipe", "special_file")]
    assert "FIFO" in warnings[0].reason


def test_non_utf8_name_is_escaped_and_flagged(tmp_path: Path) -> None:
    root = tmp_path / "ev"
    root.mkdir()
    raw = os.path.join(os.fsencode(root), b"caf\xe9.jpg")
    with open(raw, "wb") as fh:
        fh.write(b"jpeg-ish")
    entries, warnings = walk(root)
    assert warnings == []
    (entry,) = entries
    assert entry.path_spec == "caf\\xe9.jpg"
    assert [w.code for w in entry.warnings] == ["filename_encoding"]
    assert entry.local_path is not None
    assert os.fsencode(entry.local_path) == raw  # the real bytes, still openable
    with open(entry.local_path, "rb") as fh:
        assert fh.read() == b"jpeg-ish"


NOBODY = 65534


def _walk_as(uid: int, root: Path) -> tuple[list[str], list[tuple[str, str, str]]]:
    """Walk ``root`` in a forked child running as ``uid`` (root reads everything, so the
    permission test drops to an unprivileged user when the suite runs as root)."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop privileges, walk, report as JSON, exit without cleanup
        code = 1
        try:
            os.close(read_fd)
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            entries, warnings = walk(root)
            out = {
                "entries": [e.path_spec for e in entries],
                "warnings": [(w.path_spec, w.code, w.reason) for w in warnings],
            }
            os.write(write_fd, json.dumps(out).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as fh:
        data = fh.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0 and data, "the unprivileged walk failed"
    out = json.loads(data)
    return out["entries"], [tuple(w) for w in out["warnings"]]


def test_unreadable_file_and_folder(tmp_path: Path) -> None:
    as_root = os.geteuid() == 0
    # As root, build the evidence where an unprivileged user can reach it, owned by that user.
    base = Path(tempfile.mkdtemp(prefix="lodestar-perm-")) if as_root else tmp_path
    try:
        root = base / "ev"
        write(root / "ok.txt", b"ok")
        locked = write(root / "locked.txt", b"no")
        write(root / "closed" / "x.txt", b"x")
        if as_root:
            base.chmod(0o755)
            for path in (root, root / "ok.txt", locked, root / "closed", root / "closed" / "x.txt"):
                os.chown(path, NOBODY, NOBODY)
        locked.chmod(0)
        (root / "closed").chmod(0)
        try:
            if as_root:
                specs, warnings = _walk_as(NOBODY, root)
            else:
                entries, found = walk(root)
                specs = [e.path_spec for e in entries]
                warnings = [(w.path_spec, w.code, w.reason) for w in found]
        finally:
            locked.chmod(stat.S_IRUSR | stat.S_IWUSR)
            (root / "closed").chmod(stat.S_IRWXU)
    finally:
        if as_root:
            shutil.rmtree(base)
    assert specs == ["ok.txt"]
    assert {(spec, code) for spec, code, _ in warnings} == {
        ("locked.txt", "unreadable"),
        ("closed", "unreadable"),
    }
    assert all("ermission" in reason for _, _, reason in warnings)


def test_archives_in_folder_found_by_signature_not_extension(tmp_path: Path) -> None:
    root = tmp_path / "ev"
    write(root / "holiday.jpg", zip_bytes({"in/a.txt": b"A"}))  # a zip in disguise
    write(root / "notes.zip", b"just text, not a zip")
    write(root / "pack", tar_bytes({"b.txt": b"B"}, "w:gz"))
    entries, warnings = walk(root)
    assert warnings == []
    assert [e.path_spec for e in entries] == [
        "holiday.jpg",
        "holiday.jpg!/in/a.txt",
        "notes.zip",
        "pack",
        "pack!/b.txt",
    ]
    by_spec = {e.path_spec: e for e in entries}
    assert by_spec["holiday.jpg"].local_path is not None
    assert by_spec["holiday.jpg!/in/a.txt"].data == b"A"
    assert by_spec["holiday.jpg!/in/a.txt"].in_archive
    assert by_spec["pack!/b.txt"].mtime == 1_600_000_000


def test_skip_hides_entries_but_still_walks_archives(tmp_path: Path) -> None:
    root = tmp_path / "ev"
    write(root / "a.txt", b"a")
    write(root / "b.zip", zip_bytes({"x.txt": b"x", "y.txt": b"y"}))
    write(root / "c.txt", b"c")
    done = {"a.txt", "b.zip", "b.zip!/x.txt"}
    entries, _ = walk(root, skip=done.__contains__)
    assert [e.path_spec for e in entries] == ["b.zip!/y.txt", "c.txt"]


def test_walk_never_changes_the_evidence(tmp_path: Path) -> None:
    root = tmp_path / "ev"
    write(root / "photo.jpg", os.urandom(3000))
    write(root / "d" / "a.zip", zip_bytes({"p.png": b"png" * 100}))
    write(root / "d" / "t.tar.xz", tar_bytes({"z.bin": os.urandom(2000)}, "w:xz"))
    write(root / "d" / "e" / "notes.txt", b"notes")

    def paths() -> list[Path]:
        return sorted(p for p in root.rglob("*"))

    def hashes() -> dict[Path, str]:
        return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths() if p.is_file()}

    before_hash = hashes()
    # Access times older than the modification times: a read under relatime would bump them.
    for p in paths():
        st = os.lstat(p)
        os.utime(p, ns=(st.st_mtime_ns - 10**12, st.st_mtime_ns), follow_symlinks=False)

    def stats() -> dict[Path, tuple[int, int, int, int]]:
        out = {}
        for p in paths():
            st = os.lstat(p)
            out[p] = (st.st_size, st.st_mtime_ns, st.st_atime_ns, st.st_mode)
        return out

    before = stats()
    entries, warnings = walk(root)
    assert warnings == []
    assert len(entries) == 6
    assert stats() == before
    assert hashes() == before_hash
    assert paths() == sorted(before)


def test_reader_for(tmp_path: Path) -> None:
    root = tmp_path / "ev"
    root.mkdir()
    z = write(tmp_path / "bare.bin", zip_bytes({"a/b.txt": b"b"}))
    t = write(tmp_path / "bare.dat", tar_bytes({"c.txt": b"c"}, "w:bz2"))
    txt = write(tmp_path / "plain.zip", b"hello")
    assert isinstance(reader_for(root), FolderReader)
    assert isinstance(reader_for(z), ZipReader)
    assert isinstance(reader_for(t), TarReader)
    with pytest.raises(UserError, match="plain.zip"):
        reader_for(txt)
    with pytest.raises(UserError, match="does not exist"):
        reader_for(tmp_path / "missing")
    entries, warnings = walk(z)
    assert warnings == []
    assert [(e.path_spec, e.data) for e in entries] == [("a/b.txt", b"b")]
    entries, _ = walk(t)
    assert [(e.path_spec, e.data) for e in entries] == [("c.txt", b"c")]


def test_file_swapped_during_the_walk_is_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "ev"
    write(root / "a_link_later", b"was a file")
    write(root / "b_fifo_later", b"was a file")
    write(root / "c_gone_later", b"was a file")
    write(tmp_path / "outside.txt", b"outside")

    def swap(spec: str) -> bool:
        # skip() is asked after the lstat and before the open: swap the file in between.
        path = root / spec
        path.unlink()
        if spec == "a_link_later":
            path.symlink_to(tmp_path / "outside.txt")
        elif spec == "b_fifo_later":
            os.mkfifo(path)
        return False

    entries, warnings = walk(root, skip=swap)
    assert entries == []
    assert [(w.path_spec, w.code) for w in warnings] == [
        ("a_link_later", "unreadable"),
        ("b_fifo_later", "unreadable"),
        ("c_gone_later", "unreadable"),
    ]
    assert "replaced" in warnings[1].reason
