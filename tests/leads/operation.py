"""A small benign operation for the leads and reports tests.

Real files: every image is a synthetic room scene (``lodestar.demo.photos.scene``) written as
a JPEG with camera EXIF (and GPS on the first) into a folder source, with its 256 px thumbnail
under derived/. Two series (4 + 2 images), one video (30 min) outside any series, clues with
provenance (a Lisbon GPS place, Portuguese text, a camera serial), two agencies and six users.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image
from sqlalchemy.orm import Session

from lodestar.access import Actor
from lodestar.demo.exif import ExifInfo, build_exif
from lodestar.demo.photos import scene
from lodestar.store import Clue, Item, Media, Series, SeriesMember, Source
from lodestar.store.models import spec_sha256
from lodestar.store.people_models import Agency, User
from lodestar.workspace import Workspace

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
USERS = {  # username: (role, agency)
    "ana": ("analyst", "PT-PJ"),
    "bea": ("analyst", "PT-PJ"),
    "coord": ("coordinator", None),
    "lia-pt": ("liaison", "PT-PJ"),
    "lia-nl": ("liaison", "NL-POL"),
    "aud": ("auditor", None),
}
LISBON = (38.7223, -9.1393, 30.0)


@dataclass
class Op:
    ws: Workspace
    folder: Path
    series: dict[str, int]  # "A"/"B" → series id
    media: dict[str, list[str]]  # "A"/"B"/"video" → SHA-256s
    clues: dict[str, int]  # "place"/"language"/"serial" → clue id
    actors: dict[str, Actor]

    def actor(self, name: str) -> Actor:
        return self.actors[name]


def _jpeg(seed: int, gps: bool) -> bytes:
    img = scene(seed, (480, 360), "room")
    info = ExifInfo(
        make="Acme",
        model="Z1",
        serial="SN-0042",
        taken=datetime(2025, 6, 1, 10, seed % 60),
        offset_minutes=60,
        gps=LISBON if gps else None,
        width=480,
        height=360,
    )
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90, exif=build_exif(info))
    return buf.getvalue()


def _thumb(data: bytes, path: Path) -> None:
    with Image.open(io.BytesIO(data)) as img:
        img.thumbnail((256, 256))
        path.parent.mkdir(parents=True, exist_ok=True)
        img.convert("RGB").save(path, "JPEG", quality=80)


def _media(ws: Workspace, folder: Path, name: str, data: bytes, **extra: object) -> Media:
    sha = hashlib.sha256(data).hexdigest()
    (folder / name).write_bytes(data)
    fields: dict[str, object] = {
        "mime": "image/jpeg",
        "kind": "image",
        "width": 480,
        "height": 360,
        "make": "Acme",
        "model": "Z1",
        "serial": "SN-0042",
        "captured_at": "2025:06:01 10:00:00",
        **extra,
    }
    if fields["kind"] == "image":
        fields["thumb"] = f"thumbs/{sha[:2]}/{sha}.jpg"
        _thumb(data, ws.derived / str(fields["thumb"]))
    return Media(
        sha256=sha,
        md5=hashlib.md5(data).hexdigest(),
        sha1=hashlib.sha1(data).hexdigest(),
        size=len(data),
        **fields,
    )


def build_operation(ws: Workspace, *, sizes: tuple[int, int] = (4, 2)) -> Op:
    folder = ws.root.parent / f"evidence-{uuid.uuid4().hex[:6]}"
    folder.mkdir()
    media: dict[str, list[str]] = {"A": [], "B": [], "video": []}
    with ws.store.session() as s:
        src = Source(
            uid=str(uuid.uuid4()),
            kind="folder",
            location=str(folder),
            label="laptop",
            agency="PT-PJ",
            added_at=NOW,
            added_by="test",
            status="done",
        )
        s.add(src)
        s.flush()
        seed = 100
        for key, n in zip(("A", "B"), sizes, strict=True):
            for i in range(n):
                seed += 1
                name = f"{key.lower()}{i}.jpg"
                m = _media(ws, folder, name, _jpeg(seed, gps=(key, i) == ("A", 0)))
                s.add(m)
                s.flush()
                s.add(_item(src.id, name, m))
                media[key].append(m.sha256)
        video = b"not really a video, benign bytes " * 100
        vid = _media(
            ws,
            folder,
            "clip.mp4",
            video,
            kind="video",
            mime="video/mp4",
            duration_s=1800.0,
            width=None,
            height=None,
        )
        s.add(vid)
        s.flush()
        s.add(_item(src.id, "clip.mp4", vid))
        media["video"].append(vid.sha256)
        series = {key: _series(s, n, media[key]) for n, key in enumerate(("A", "B"), start=1)}
        clues = _clues(s, media["A"])
        actors = _people(s)
    return Op(ws, folder, series, media, clues, actors)


def _item(source_id: int, name: str, m: Media) -> Item:
    return Item(
        source_id=source_id,
        path_spec=name,
        spec_sha256=spec_sha256(name),
        name=name,
        size=m.size,
        media_sha256=m.sha256,
    )


def _series(s: Session, sid: int, shas: list[str]) -> int:
    s.add(
        Series(
            id=sid,
            name=f"Room {sid}",
            status="active",
            locked=False,
            created_at=NOW,
            updated_at=NOW,
        )
    )
    s.flush()
    for sha in shas:
        s.add(
            SeriesMember(
                media_sha256=sha, series_id=sid, pinned=False, added_at=NOW, added_by="build"
            )
        )
    s.flush()
    return sid


def _clue(kind: str, sha: str, value: dict[str, object], text: str, extractor: str) -> Clue:
    return Clue(
        media_sha256=sha,
        kind=kind,
        value=value,
        text=text,
        confidence=0.9,
        stage="metadata" if extractor == "exif" else "places",
        extractor=extractor,
        extractor_version="1.2",
        created_at=NOW,
    )


def _clues(s: Session, shas: list[str]) -> dict[str, int]:
    rows = {
        "place": _clue(
            "place",
            shas[0],
            {
                "country_code": "PT",
                "country": "Portugal",
                "region": "Lisboa",
                "town": "Lisbon",
                "distance_km": 1.2,
                "lat": LISBON[0],
                "lon": LISBON[1],
            },
            "Lisbon, Lisboa, Portugal",
            "places",
        ),
        "language": _clue(
            "language",
            shas[1],
            {"language": "pt", "probability": 0.95, "countries": ["PT", "BR"]},
            "pt (Portuguese)",
            "ocr-language",
        ),
        "serial": _clue(
            "camera_serial",
            shas[0],
            {"make": "Acme", "model": "Z1", "serial": "SN-0042", "tag": "BodySerialNumber"},
            "Acme Z1 #SN-0042",
            "exif",
        ),
    }
    s.add_all(rows.values())
    s.flush()
    return {k: v.id for k, v in rows.items()}


def _people(s: Session) -> dict[str, Actor]:
    agencies = {}
    for code, country in (("PT-PJ", "PT"), ("NL-POL", "NL")):
        agency = Agency(code=code, country=country, name=f"agency {code}", created_at=NOW)
        s.add(agency)
        s.flush()
        agencies[code] = agency.id
    actors = {}
    for username, (role, agency) in USERS.items():
        user = User(
            username=username,
            display_name=username,
            role=role,
            agency_id=agencies.get(agency) if agency else None,
            password_hash="!",  # not a login: these users act through services and --as
            disabled=False,
            created_at=NOW,
        )
        s.add(user)
        s.flush()
        actors[username] = Actor(name=username, user_id=user.id, role=role, agency=agency)
    return actors
