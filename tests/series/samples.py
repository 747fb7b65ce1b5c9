"""Sample workspaces for the link builders: one maker per kind of evidence a builder reads.

Each maker fills a fresh workspace (its store, and where needed its derived artifacts or an
evidence folder under ``tmp``) so that the builders it is a sample for find links there. The
conformance suite (``test_conformance_builders.py``) maps every registered builder to one of
these; the builders' own accuracy tests use them too. Everything is benign and synthetic.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import av
from PIL import Image
from sqlalchemy.orm import Session

from lodestar.analyze.ingest import ingest
from lodestar.demo.photos import jpeg_bytes, scene, write_video
from lodestar.demo.sensor import sensor_shots
from lodestar.derived import features_path
from lodestar.evidence.service import add_source
from lodestar.match.features import features_from_image
from lodestar.match.local import compute_local_features
from lodestar.store import Item, Media, Source
from lodestar.store.models import spec_sha256
from lodestar.workspace import Workspace

from .conftest import populate

SampleMaker = Callable[[Workspace, Path], object]


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- store facts only (matches, signals, media facts, items): see conftest.py ---------------


def store_facts(ws: Workspace, tmp: Path) -> None:
    """Two series, near-duplicates, a video, known-set matches and loners (conftest.SPECS)."""
    with ws.store.session() as session:
        populate(session)


# -- rooms with stored local features (scene links) ------------------------------------------


@cache
def room_pictures() -> dict[str, Image.Image]:
    """Room 1 and room 2 both carry the same poster; room 1 also appears cropped, framed in a
    screenshot and under a camera move."""
    poster = scene(99, (200, 260), "shapes")
    room1 = scene(11, (640, 480), "room").copy()
    room1.paste(poster, (60, 40))
    room2 = scene(12, (640, 480), "room").copy()
    room2.paste(poster, (380, 160))
    shot = Image.new("RGB", (800, 520), (40, 40, 48))
    shot.paste(room1.resize((560, 420)), (120, 50))
    return {
        "room1": room1,
        "crop": room1.crop((100, 60, 560, 420)).resize((460, 360)),
        "screenshot": shot,
        "moved": room1.crop((40, 30, 640, 480)).resize((640, 480)),
        "room2": room2,
    }


def room_sha(key: str) -> str:
    return digest(key.encode())


def add_rooms(ws: Workspace, session: Session, keys: list[str]) -> None:
    """Media rows for ``keys`` with their features stored where the match stage puts them."""
    for key in keys:
        s = room_sha(key)
        session.add(
            Media(sha256=s, md5=s[:32], sha1=s[:40], size=1, mime="image/png", kind="image")
        )
        features_from_image(room_pictures()[key]).save(features_path(ws.derived, s))
    session.flush()


def rooms(ws: Workspace, tmp: Path) -> None:
    with ws.store.session() as session:
        add_rooms(ws, session, list(room_pictures()))


# -- a clip panning over a room, a still of it, another room (video-scene links) -------------


def _still_of(video: Path) -> bytes:
    """A frame of the clip, resized and re-encoded: what a still beside the video looks like."""
    with av.open(str(video)) as container:
        frame = next(container.decode(video=0))
        img = frame.to_image()
    return jpeg_bytes(img.resize((img.width * 2, img.height * 2)), 85)


def pan_video(ws: Workspace, tmp: Path) -> dict[str, Path]:
    """Evidence (``pan.mp4``, ``still.jpg``, ``other.jpg``) added, ingested and with the
    images' local features computed; returns the evidence files by name."""
    root = tmp / "ev"
    root.mkdir()
    clip = write_video(root / "pan.mp4", seconds=3, fps=10, size=(320, 240), seed=2)
    (root / "still.jpg").write_bytes(_still_of(clip))
    (root / "other.jpg").write_bytes(jpeg_bytes(scene(5, (640, 480), "room"), 90))
    with ws.store.session() as session:
        add_source(session, location=root, agency="XX", label="ev", actor="t")
    ingest(ws, actor="t")
    with ws.store.session() as session:
        compute_local_features(
            session, derived=ws.derived, settings=ws.settings, spool_dir=ws.spool
        )
    return {p.name: p for p in root.iterdir()}


# -- two simulated camera sensors (PRNU links) -----------------------------------------------

SENSOR_FRAME = (576, 544)
SENSOR_SHOTS = 4
SENSOR_CAMERAS = {111: 1, 222: 2}  # serial → sensor seed


@cache
def sensor_pictures() -> dict[str, tuple[bytes, int | None, tuple[int, int]]]:
    """name → (JPEG bytes, serial or None, frame size).

    Camera 111 and 222 (one make/model) each have four shots with a serial (their
    fingerprints); the EXIF-less ``x1`` (camera 111) and ``x2`` (camera 222) must each link to
    their own camera only; ``small`` is too small for the 512² crop and ``other`` is of
    another frame size.
    """
    out: dict[str, tuple[bytes, int | None, tuple[int, int]]] = {}
    for serial, cam in SENSOR_CAMERAS.items():
        seeds = range(cam * 100, cam * 100 + SENSOR_SHOTS + 1)
        for i, data in enumerate(sensor_shots(cam, seeds, SENSOR_FRAME, jpeg_quality=92)):
            name = f"c{serial}-{i}" if i < SENSOR_SHOTS else f"x{cam}"
            out[name] = (data, serial if i < SENSOR_SHOTS else None, SENSOR_FRAME)
    small = next(iter(sensor_shots(1, [7], (320, 240))))
    other = next(iter(sensor_shots(1, [8], (544, 576))))
    out["small"] = (small, None, (320, 240))
    out["other"] = (other, None, (544, 576))
    return out


def add_sensor_shots(session: Session, folder: Path) -> dict[str, str]:
    """The shots as files in ``folder`` (a source) and media rows; returns sha256 → name."""
    src = Source(
        uid="prnu".ljust(36, "x"),
        kind="folder",
        location=str(folder),
        label="cams",
        agency="XX",
        added_at=datetime(2025, 1, 1, tzinfo=UTC),
        added_by="test",
    )
    session.add(src)
    session.flush()
    names = {}
    for name, (data, serial, (w, h)) in sensor_pictures().items():
        (folder / f"{name}.jpg").write_bytes(data)
        s = digest(data)
        names[s] = name
        session.add(
            Media(
                sha256=s,
                md5=s[:32],
                sha1=s[:40],
                size=len(data),
                mime="image/jpeg",
                kind="image",
                width=w,
                height=h,
                make="Acme" if serial else None,
                model="Z1" if serial else None,
                serial=str(serial) if serial else None,
            )
        )
        session.flush()
        spec = f"{name}.jpg"
        session.add(
            Item(
                source_id=src.id,
                path_spec=spec,
                spec_sha256=spec_sha256(spec),
                name=spec,
                size=len(data),
                media_sha256=s,
            )
        )
    session.flush()
    return names


def camera_shots(ws: Workspace, tmp: Path) -> dict[str, str]:
    folder = tmp / "evidence"
    folder.mkdir()
    with ws.store.session() as session:
        return add_sensor_shots(session, folder)
