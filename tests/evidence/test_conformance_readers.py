"""Conformance: every registered source reader walks its kind of source the same way.

Parametrised over ``source_readers.names()``: a newly registered reader is tested without
editing this file, except for its sample (``SAMPLES``), which the suite insists on.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from lodestar.errors import UserError
from lodestar.evidence import reader_for, supported_sources
from lodestar.evidence import spool as spool_module
from lodestar.evidence.base import (
    EntryWarning,
    EvidenceEntry,
    EvidenceItem,
    SkipFn,
    source_readers,
)
from lodestar.registry import DuplicateNameError

from .helpers import CFG, tar_bytes, write, zip_bytes
from .images import ext4_sample

CONFORMANCE_KIND = "source reader"

READERS = source_readers.names()
MEMBERS = {"a.txt": b"alpha " * 40, "dir/b.bin": bytes(range(256)) * 12, "c.txt": b"gamma"}
NESTED = zip_bytes({"n1.txt": b"n1", "n2.txt": b"n2" * 100})


def _folder(at: Path) -> Path:
    for name, data in MEMBERS.items():
        write(at / "src" / name, data)
    write(at / "src" / "dir" / "nested.zip", NESTED)  # a container inside the folder
    return at / "src"


# One builder per registered reader: a folder to build in → the location of a benign source
# holding MEMBERS and, as some "nested.zip", NESTED (to show the reader enters containers).
SAMPLES: dict[str, Callable[[Path], Path]] = {
    "folder": _folder,
    "zip": lambda at: write(at / "src.bin", zip_bytes({**MEMBERS, "nested.zip": NESTED})),
    "tar": lambda at: write(at / "src.bin", tar_bytes({**MEMBERS, "nested.zip": NESTED}, "w:xz")),
    "disk-image": lambda at: write(at / "src.bin", ext4_sample({**MEMBERS, "nested.zip": NESTED})),
}


def sample(name: str, at: Path) -> Path:
    if name not in SAMPLES:
        pytest.fail(f"source reader {name!r} has no sample: add a builder to SAMPLES")
    at.mkdir(parents=True, exist_ok=True)
    return SAMPLES[name](at)


def walk(
    name: str, location: Path, skip: SkipFn | None = None, spool_dir: Path | None = None
) -> list[EvidenceItem]:
    return list(source_readers.get(name).entries(location, CFG, skip=skip, spool_dir=spool_dir))


def entries_of(items: list[EvidenceItem]) -> list[EvidenceEntry]:
    return [i for i in items if isinstance(i, EvidenceEntry)]


def snapshot(location: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``location``'s parent: its bytes and mtime."""
    files = [p for p in location.parent.rglob("*") if p.is_file()]
    return {str(p): (p.read_bytes(), p.stat().st_mtime_ns) for p in files}


def test_every_registered_source_reader_has_a_sample() -> None:
    assert sorted(set(READERS) - set(SAMPLES)) == [], "registered readers without a sample"
    assert sorted(set(SAMPLES) - set(READERS)) == [], "samples of readers no longer registered"


@pytest.mark.parametrize("name", READERS)
def test_name_is_a_unique_slug_and_described(name: str) -> None:
    reader = source_readers.get(name)
    assert reader.name == name
    assert re.fullmatch(r"[a-z0-9][a-z0-9._-]*", name)
    assert reader.description and reader.description in supported_sources()
    with pytest.raises(DuplicateNameError):
        source_readers.register(copy.copy(reader))  # another plug-in with the same name


@pytest.mark.parametrize("name", READERS)
def test_only_this_reader_accepts_its_sample(name: str, tmp_path: Path) -> None:
    location = sample(name, tmp_path)
    assert [r.name for r in source_readers if r.accepts(location)] == [name]
    assert reader_for(location).name == name
    plain = write(tmp_path / "plain.txt", b"not a source of any kind\n")
    assert not source_readers.get(name).accepts(plain)
    with pytest.raises(UserError, match="not a supported source"):
        reader_for(plain)


@pytest.mark.parametrize("name", READERS)
def test_entries_in_a_deterministic_order(name: str, tmp_path: Path) -> None:
    location = sample(name, tmp_path)

    def seen(items: list[EvidenceItem]) -> list[object]:
        # Access times are the one field a read may legitimately differ in between walks.
        return [
            (i.path_spec, i.size, i.mtime, i.data) if isinstance(i, EvidenceEntry) else i
            for i in items
        ]

    first = walk(name, location)
    assert seen(walk(name, location)) == seen(first)
    assert [i for i in first if isinstance(i, EntryWarning)] == []
    specs = [e.path_spec for e in entries_of(first)]
    assert len(specs) == len(set(specs))
    for spec in specs:
        assert not spec.startswith("/") and not {"", ".", ".."} & set(spec.split("/"))
    assert sum(s.endswith(("n1.txt", "n2.txt")) and "nested.zip!/" in s for s in specs) == 2


@pytest.mark.parametrize("name", READERS)
def test_walk_is_read_only(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spool_module, "SPOOL_THRESHOLD", 64)  # large members spool too
    location = sample(name, tmp_path / "ev")
    before = snapshot(location)
    spool = tmp_path / "spool"
    for entry in entries_of(walk(name, location, spool_dir=spool)):
        if entry.spooled:  # the consumer deletes spooled copies
            assert entry.local_path is not None
            os.unlink(entry.local_path)
    assert snapshot(location) == before
    assert not spool.exists() or list(spool.iterdir()) == []


@pytest.mark.parametrize("name", READERS)
def test_truncated_source_is_a_warning_not_an_exception(name: str, tmp_path: Path) -> None:
    location = sample(name, tmp_path)
    files = [location] if location.is_file() else [p for p in location.rglob("*") if p.is_file()]
    for path in files:  # every file of the source loses its second half
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    warnings = [i for i in walk(name, location) if isinstance(i, EntryWarning)]
    assert warnings and all(w.code and w.reason for w in warnings)


@pytest.mark.parametrize("name", READERS)
def test_vanished_source_is_a_warning_not_an_exception(name: str, tmp_path: Path) -> None:
    location = sample(name, tmp_path)
    location.rename(tmp_path / "moved")  # gone between being added and being walked
    items = walk(name, location)
    assert [(i.path_spec, i.code) for i in items if isinstance(i, EntryWarning)] == [
        ("", "unreadable")
    ]
    assert entries_of(items) == []


@pytest.mark.parametrize("name", READERS)
def test_resume_with_skip(name: str, tmp_path: Path) -> None:
    location = sample(name, tmp_path)
    full = walk(name, location)
    specs = [e.path_spec for e in entries_of(full)]
    for done in (set(specs[:1]), set(specs[::2]), set(specs)):
        resumed = walk(name, location, skip=done.__contains__)
        expected = [i for i in full if not (isinstance(i, EvidenceEntry) and i.path_spec in done)]
        assert [(i.path_spec, getattr(i, "data", None)) for i in resumed] == [
            (i.path_spec, getattr(i, "data", None)) for i in expected
        ]
