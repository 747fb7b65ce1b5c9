"""A new container format is one class and its registration: nothing else changes.

``ToyFormat`` stands in for a plug-in (a disk image reader, say): registered for one test, it
is sniffed and entered inside folders and inside zip and tar members, its own members can be
containers again, and a bare toy file is a source of its own.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO, ClassVar

import pytest

from lodestar.evidence import iter_entries, reader_for, supported_sources
from lodestar.evidence.base import (
    EntryWarning,
    EvidenceEntry,
    EvidenceItem,
    container_formats,
    source_readers,
)
from lodestar.evidence.containers import ContainerFileReader, MemberMeta, emit_member
from lodestar.evidence.guards import CORRUPT_ERRORS, Refused, WalkContext
from lodestar.evidence.names import member_prefix, member_spec, note_warnings
from lodestar.evidence.spool import read_payload

from .helpers import CFG, tar_bytes, write, zip_bytes

MAGIC = b"TOYC\n"


def toy_bytes(members: dict[str, bytes]) -> bytes:
    """MAGIC, then per member: a "<name> <size>" line and the bytes."""
    out = io.BytesIO(MAGIC)
    out.seek(0, io.SEEK_END)
    for name, data in members.items():
        out.write(f"{name} {len(data)}\n".encode() + data)
    return out.getvalue()


class ToyFormat:
    name: ClassVar[str] = "toy"
    sniff_order: ClassVar[int] = 30

    def may_be(self, head: bytes) -> bool:
        return head.startswith(MAGIC)

    def sniff(self, fh: IO[bytes], head: bytes) -> bool:
        return head.startswith(MAGIC)

    def walk(
        self, fh: IO[bytes], container: str, depth: int, ctx: WalkContext
    ) -> Iterator[EvidenceItem]:
        used: set[str] = set()
        fh.seek(len(MAGIC))
        while line := fh.readline():
            try:
                raw, size = line.rsplit(b" ", 1)
                spec, notes = member_spec(member_prefix(container), raw, used)
                skipped = ctx.skipped(spec)
                member = io.BytesIO(fh.read(int(size)))  # read_payload wants the member only
                payload = read_payload(
                    member, int(size), ctx, count_expansion=False, probe_only=skipped
                )
            except Refused as refused:
                yield EntryWarning(container, refused.code, refused.reason)
                return
            except CORRUPT_ERRORS as exc:
                yield EntryWarning(container, "archive_corrupt", f"toy container damaged: {exc}")
                return
            if payload is not None:
                meta = MemberMeta(spec, None, None, None, note_warnings(spec, notes))
                yield from emit_member(payload, meta, depth, ctx, skipped)


class ToyReader(ContainerFileReader):
    name: ClassVar[str] = "toy"
    description: ClassVar[str] = "a toy container"
    container: ClassVar[str] = "toy"


@pytest.fixture
def toy(monkeypatch: pytest.MonkeyPatch) -> None:
    # What the plug-in's module does at import, undone after the test.
    container_formats.load()
    source_readers.load()
    monkeypatch.setitem(container_formats._items, "toy", ToyFormat())
    monkeypatch.setitem(source_readers._items, "toy", ToyReader())


@pytest.mark.usefixtures("toy")
def test_a_registered_format_is_entered_everywhere(tmp_path: Path) -> None:
    inner = toy_bytes({"t1.txt": b"t1", "z.zip": zip_bytes({"deep.txt": b"deep"})})
    root = tmp_path / "ev"
    write(root / "a.toy", inner)
    write(root / "b.tar", tar_bytes({"in.toy": inner}))
    specs = [i.path_spec for i in iter_entries(root, CFG) if isinstance(i, EvidenceEntry)]
    assert specs == [
        "a.toy",
        "a.toy!/t1.txt",
        "a.toy!/z.zip",
        "a.toy!/z.zip!/deep.txt",
        "b.tar",
        "b.tar!/in.toy",
        "b.tar!/in.toy!/t1.txt",
        "b.tar!/in.toy!/z.zip",
        "b.tar!/in.toy!/z.zip!/deep.txt",
    ]


@pytest.mark.usefixtures("toy")
def test_a_registered_format_is_a_source_of_its_own(tmp_path: Path) -> None:
    bare = write(tmp_path / "bare.bin", toy_bytes({"x": b"x"}))
    assert isinstance(reader_for(bare), ToyReader)
    assert "a toy container" in supported_sources()
    items = list(iter_entries(bare, CFG))
    assert [(e.path_spec, e.data) for e in items if isinstance(e, EvidenceEntry)] == [("x", b"x")]


def test_without_the_plug_in_the_bytes_are_a_plain_file(tmp_path: Path) -> None:
    write(tmp_path / "ev" / "a.toy", toy_bytes({"t1.txt": b"t1"}))
    items = list(iter_entries(tmp_path / "ev", CFG))
    assert [i.path_spec for i in items] == ["a.toy"]
