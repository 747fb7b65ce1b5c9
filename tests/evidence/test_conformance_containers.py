"""Conformance: every registered container format, nested in every other, walks the same way.

Parametrised over ``container_formats.names()``: a newly registered format is tested without
editing this file, except for its sample (``SAMPLES``), which the suite insists on.
"""

from __future__ import annotations

import copy
import io
import os
import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from lodestar.config import Settings
from lodestar.evidence import spool as spool_module
from lodestar.evidence.base import (
    ContainerFormat,
    EntryWarning,
    EvidenceEntry,
    EvidenceItem,
    SkipFn,
    container_formats,
)
from lodestar.evidence.containers import walk_container
from lodestar.evidence.sniff import SNIFF_BYTES, open_regular_file, sniff_container
from lodestar.registry import DuplicateNameError

from .helpers import CFG, tar_bytes, write, zip_bytes
from .images import ext4_sample

CONFORMANCE_KIND = "container format"

FORMATS = container_formats.names()
CONTAINER = "c"  # the spec of the container under test; members are "c!/<name>"
MEMBERS = {
    "a.txt": b"alpha " * 40,
    "dir/b.bin": bytes(range(256)) * 12,
    "c.txt": b"gamma",
}

# One builder per registered format: members (name → bytes) → the bytes of one container.
SAMPLES: dict[str, Callable[[dict[str, bytes]], bytes]] = {
    "zip": zip_bytes,
    "tar": lambda members: tar_bytes(members, "w:gz"),
    "disk-image": ext4_sample,  # a bare ext4 file system: no volume component in the specs
}


def sample(name: str, members: dict[str, bytes] = MEMBERS) -> bytes:
    if name not in SAMPLES:
        pytest.fail(f"container format {name!r} has no sample: add a builder to SAMPLES")
    return SAMPLES[name](members)


def walk(
    fmt: ContainerFormat,
    data: bytes,
    *,
    skip: SkipFn | None = None,
    settings: Settings = CFG,
    spool_dir: Path | None = None,
) -> list[EvidenceItem]:
    fh = io.BytesIO(data)
    return list(
        walk_container(
            fh, fmt, CONTAINER, settings, archive_size=len(data), skip=skip, spool_dir=spool_dir
        )
    )


def entries_of(items: list[EvidenceItem]) -> list[EvidenceEntry]:
    return [i for i in items if isinstance(i, EvidenceEntry)]


def test_every_registered_container_format_has_a_sample() -> None:
    assert sorted(set(FORMATS) - set(SAMPLES)) == [], "registered formats without a sample"
    assert sorted(set(SAMPLES) - set(FORMATS)) == [], "samples of formats no longer registered"


@pytest.mark.parametrize("name", FORMATS)
def test_name_is_a_unique_slug(name: str) -> None:
    fmt = container_formats.get(name)
    assert fmt.name == name
    assert re.fullmatch(r"[a-z0-9][a-z0-9._-]*", name)
    assert isinstance(fmt.sniff_order, int)
    with pytest.raises(DuplicateNameError):
        container_formats.register(copy.copy(fmt))  # another plug-in with the same name


@pytest.mark.parametrize("name", FORMATS)
def test_sniff_recognises_the_sample_and_nothing_plain(name: str) -> None:
    fmt = container_formats.get(name)
    data = sample(name)
    fh = io.BytesIO(data)
    assert sniff_container(fh) is fmt
    assert fh.tell() == 0
    assert fmt.may_be(data[:SNIFF_BYTES])
    rnd = random.Random(1)
    for plain in (b"", b"hello, plain text\n" * 50, bytes(rnd.getrandbits(8) for _ in range(4096))):
        assert sniff_container(io.BytesIO(plain)) is None


@pytest.mark.parametrize("name", FORMATS)
def test_members_in_a_deterministic_order(name: str, tmp_path: Path) -> None:
    fmt = container_formats.get(name)
    data = sample(name)
    first = walk(fmt, data)
    assert walk(fmt, data) == first
    with open_regular_file(write(tmp_path / "sample", data)) as fh:  # a file walks the same
        from_file = list(walk_container(fh, fmt, CONTAINER, CFG, archive_size=len(data)))
    assert from_file == first
    assert [i for i in first if isinstance(i, EntryWarning)] == []
    got = {e.path_spec: e.data for e in entries_of(first)}
    assert got == {f"{CONTAINER}!/{member}": blob for member, blob in MEMBERS.items()}
    assert all(e.in_archive for e in entries_of(first))


@pytest.mark.parametrize("name", FORMATS)
def test_walk_is_read_only(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spool_module, "SPOOL_THRESHOLD", 64)  # large members spool too
    fmt = container_formats.get(name)
    path = write(tmp_path / "ev" / "sample", sample(name))
    before = (path.read_bytes(), path.stat().st_mtime_ns, sorted(os.listdir(path.parent)))
    spool = tmp_path / "spool"
    spooled = 0
    with open_regular_file(path) as fh:
        items = walk_container(
            fh, fmt, CONTAINER, CFG, archive_size=path.stat().st_size, spool_dir=spool
        )
        for entry in entries_of(list(items)):
            if entry.spooled:  # the consumer deletes spooled copies
                assert entry.local_path is not None and Path(entry.local_path).parent == spool
                os.unlink(entry.local_path)
                spooled += 1
    assert spooled > 0
    assert (path.read_bytes(), path.stat().st_mtime_ns, sorted(os.listdir(path.parent))) == before
    assert list(spool.iterdir()) == []


def _damaged(name: str) -> list[tuple[str, bytes]]:
    data = sample(name)
    rnd = random.Random(2)
    cuts = [(f"cut at {f:.0%}", data[: max(int(len(data) * f), 1)]) for f in (0.1, 0.5, 0.9)]
    garbage = bytes(rnd.getrandbits(8) for _ in range(2000))
    return [*cuts, ("signature then garbage", data[:16] + garbage)]


@pytest.mark.parametrize("name", FORMATS)
def test_damaged_input_is_a_warning_not_an_exception(name: str) -> None:
    fmt = container_formats.get(name)
    for what, data in _damaged(name):
        items = walk(fmt, data)  # never raises
        warnings = [i for i in items if isinstance(i, EntryWarning)]
        assert warnings, f"{name}, {what}: no warning"
        for w in warnings:
            assert w.code and w.reason and w.path_spec.startswith(CONTAINER), (what, w)


@pytest.mark.parametrize("name", FORMATS)
def test_resume_with_skip(name: str) -> None:
    fmt = container_formats.get(name)
    data = sample(name)
    full = walk(fmt, data)
    specs = [e.path_spec for e in entries_of(full)]
    for done in (set(specs[:1]), set(specs[::2]), set(specs)):
        resumed = walk(fmt, data, skip=done.__contains__)
        assert resumed == [
            i for i in full if not (isinstance(i, EvidenceEntry) and i.path_spec in done)
        ]


@pytest.mark.parametrize(("outer", "inner"), [(o, i) for o in FORMATS for i in FORMATS])
def test_nested_in_every_format(outer: str, inner: str) -> None:
    """Containers found inside containers are entered, whatever the two formats are."""
    data = sample(outer, {"first.txt": b"1", "inner.bin": sample(inner), "last.txt": b"2"})
    items = walk(container_formats.get(outer), data)
    assert [i for i in items if isinstance(i, EntryWarning)] == []
    specs = [e.path_spec for e in entries_of(items)]
    nested = [s.removeprefix("c!/inner.bin!/") for s in specs if s.startswith("c!/inner.bin!/")]
    assert sorted(nested) == sorted(MEMBERS)
    assert specs.index("c!/inner.bin") < specs.index(f"c!/inner.bin!/{nested[0]}")
    deep = walk(container_formats.get(outer), data, settings=Settings(max_archive_depth=1))
    assert [(w.path_spec, w.code) for w in deep if isinstance(w, EntryWarning)] == [
        ("c!/inner.bin", "archive_too_deep")
    ]
