"""A small store with two series, near-duplicates, a video, known-set matches and loners.

Media are rows (no evidence files are read by the series stage), but every PDQ is the real
hash of a benign synthetic scene (``lodestar.demo.photos.scene``), so the near-duplicate and
video-frame builders see real hash distances.

Truth:
- series A (camera Acme Z1 #111, day 1): a1, a2, a3 originals 10:00/10:10/10:25, a1r = a1
  rotated 90° (no EXIF), a2c = a2 recompressed (a stored PDQ match), va = a video whose
  second 1 is a3, z2 = a1's camera serial without a capture time, in a1's folder;
- series B (same body, a year later): b1, b2 at 14:00 / 14:05; both match "Known B" entries;
- loners: z1 (no EXIF) in A's folder — one weak kind only; z3, z4 share a folder and a body
  with no capture time — weak links between two loners only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.analyze.signals.pdq import pdq_from_image
from lodestar.demo.photos import scene
from lodestar.store import HashSet, HashSetEntry, Item, Match, Media, Signal, Source
from lodestar.store.models import spec_sha256
from lodestar.workspace import Workspace

NOW = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Spec:
    key: str
    kind: str = "image"
    serial: str | None = None
    taken: str | None = None
    path: str = "DCIM/x.jpg"
    source: str = "phone"
    pdq_of: str | None = None  # which picture's PDQ this media carries


def sha(key: str) -> str:
    return (key.encode().hex() + "0" * 64)[:64]


@cache
def pictures() -> dict[str, tuple[str, int]]:
    """PDQ (hex, quality) of the benign pictures the media stand for."""
    base = {
        k: scene(seed, (320, 240), "room")
        for k, seed in (("a1", 11), ("a2", 12), ("a3", 13), ("b1", 21), ("b2", 22), ("z", 31))
    }
    base["a1r"] = base["a1"].transpose(Image.Transpose.ROTATE_90)
    base["a2c"] = base["a2"].resize((240, 180)).resize((320, 240))
    out = {}
    for key, img in base.items():
        value = pdq_from_image(img)
        assert value is not None
        out[key] = (value.value, value.quality)
    return out


SPECS = (
    Spec("a1", serial="111", taken="2023:04:01 10:00:00", path="DCIM/A/a1.jpg", pdq_of="a1"),
    Spec("a2", serial="111", taken="2023:04:01 10:10:00", path="DCIM/A/a2.jpg", pdq_of="a2"),
    Spec("a3", serial="111", taken="2023:04:01 10:25:00+02:00", path="DCIM/A/a3.jpg", pdq_of="a3"),
    Spec("a1r", path="Edited/a1_rot.jpg", source="laptop", pdq_of="a1r"),
    Spec("a2c", path="Downloads/a2.jpg", source="laptop", pdq_of="a2c"),
    Spec("va", kind="video", path="Movies/va.mp4", source="laptop"),
    Spec("z2", serial="111", path="DCIM/A/z2.jpg"),
    Spec("b1", serial="111", taken="2024:04:01 14:00:00", path="DCIM/B/b1.jpg", pdq_of="b1"),
    Spec("b2", serial="111", taken="2024:04:01 14:05:00", path="DCIM/B/b2.jpg", pdq_of="b2"),
    Spec("z1", path="DCIM/A/z1.jpg", pdq_of="z"),
    Spec("z3", serial="999", path="Other/z3.jpg"),
    Spec("z4", serial="999", path="Other/z4.jpg"),
)
TRUTH = {"A": ["a1", "a2", "a3", "a1r", "a2c", "va", "z2"], "B": ["b1", "b2"]}


def populate(session: Session, specs: tuple[Spec, ...] = SPECS) -> None:
    pics = pictures()
    sources = {}
    for label in sorted({s.source for s in specs}):
        known = session.scalar(select(Source).where(Source.label == label))
        if known is not None:  # a later batch of media from a source already added
            sources[label] = known.id
            continue
        src = Source(
            uid=label.ljust(36, "x"),
            kind="folder",
            location=f"/ev/{label}",
            label=label,
            agency="XX",
            added_at=NOW,
            added_by="test",
        )
        session.add(src)
        session.flush()
        sources[label] = src.id
    for s in specs:
        session.add(
            Media(
                sha256=sha(s.key),
                md5=sha(s.key)[:32],
                sha1=sha(s.key)[:40],
                size=1,
                mime="image/jpeg" if s.kind == "image" else "video/mp4",
                kind=s.kind,
                make="Acme" if s.serial else None,
                model="Z1" if s.serial else None,
                serial=s.serial,
                captured_at=s.taken,
            )
        )
        session.flush()
        session.add(
            Item(
                source_id=sources[s.source],
                path_spec=s.path,
                spec_sha256=spec_sha256(s.path),
                name=s.path.rsplit("/", 1)[-1],
                size=1,
                media_sha256=sha(s.key),
            )
        )
        if s.pdq_of:
            value, quality = pics[s.pdq_of]
            session.add(
                Signal(
                    media_sha256=sha(s.key), type="pdq", position=0, value=value, quality=quality
                )
            )
    if any(s.key == "va" for s in specs):
        frames = [("0f" * 32, 100), pics["a3"]]  # second 0: no image; second 1: a3
        for second, (value, quality) in enumerate(frames):
            session.add(
                Signal(
                    media_sha256=sha("va"),
                    type="vpdq",
                    position=second,
                    value=value,
                    quality=quality,
                    timestamp=float(second),
                )
            )
    keys = {s.key for s in specs}
    if {"a2", "a2c"} <= keys:
        for x, y in (("a2", "a2c"), ("a2c", "a2")):
            session.add(
                Match(
                    media_sha256=sha(x),
                    key=f"media:{sha(y)}",
                    other_sha256=sha(y),
                    method="pdq",
                    distance=6,
                )
            )
    if {"b1", "b2"} <= keys:
        _known_set(session)
    session.flush()


def _known_set(session: Session) -> None:
    hs = HashSet(
        name="known.json",
        format="vics",
        file_name="known.json",
        file_sha256="0" * 64,
        imported_at=NOW,
        imported_by="test",
        known_ignorable=False,
        category_map={},
        entries=2,
    )
    session.add(hs)
    session.flush()
    for n, key in enumerate(("b1", "b2")):
        entry = HashSetEntry(
            set_id=hs.id,
            record_no=n,
            sha256=sha(key),
            series="Known B",
            victim_identified=True,
            offender_identified=False,
            detail={},
        )
        session.add(entry)
        session.flush()
        session.add(
            Match(
                media_sha256=sha(key),
                key=f"entry:{entry.id}",
                entry_id=entry.id,
                set_id=hs.id,
                method="sha256",
                distance=0,
            )
        )


@pytest.fixture
def linked_ws(ws: Workspace) -> Workspace:
    with ws.store.session() as session:
        populate(session)
    return ws


@pytest.fixture
def linked_session(linked_ws: Workspace) -> Iterator[Session]:
    with linked_ws.store.session() as session:
        yield session
