"""A small operation for web tests: two agencies' sources, one image each, six users.

Each agency's media forms a series (agency A's also holds a short video with keyframes and a
contact sheet under derived/), with a few clues and a note by the coordinator.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw

from lodestar.review import auth, collab, people
from lodestar.review.config import WebConfig
from lodestar.store import Clue, Item, Media, Series, SeriesMember, Source
from lodestar.web.app import create_app
from lodestar.workspace import Workspace

PASSWORD = "correct horse battery"
AGENCY_A, AGENCY_B = "PT-PJ", "NL-POL"
USERS = {  # username: (role, agency)
    "coord": ("coordinator", AGENCY_A),
    "ana-a": ("analyst", AGENCY_A),
    "ana-b": ("analyst", AGENCY_B),
    "liaison-a": ("liaison", AGENCY_A),
    "liaison-b": ("liaison", AGENCY_B),
    "auditor": ("auditor", None),
}


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 3, 2, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Operation:
    ws: Workspace
    clock: Clock
    config: WebConfig
    media: dict[str, str]  # agency code → sha256 of its one image
    thumbs: dict[str, Path]
    series: dict[str, int] = field(default_factory=dict)  # agency code → its series
    frames: dict[str, int] = field(default_factory=dict)  # agency code → a keyframe clue id
    notes: dict[str, int] = field(default_factory=dict)  # agency code → the coordinator's note
    video: str = ""  # sha256 of agency A's video

    def client(self, username: str | None = None) -> TestClient:
        app = create_app(self.ws, config=self.config)
        client = TestClient(app, base_url="https://testserver", follow_redirects=False)
        if username is not None:
            login(client, username)
        return client


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    response = client.post("/api/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    token: str = client.get("/api/me").json()["csrf_token"]
    client.headers["X-CSRF-Token"] = token
    return token


@pytest.fixture(autouse=True)
def cheap_argon2() -> Iterator[None]:
    """Real argon2id, tiny cost: the parameters travel inside each hash."""
    auth.set_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    yield
    auth.set_password_hasher(PasswordHasher())


def synthetic_thumb(path: Path, hue: int) -> bytes:
    """A benign synthetic room-like picture: coloured wall, floor and a window."""
    img = Image.new("RGB", (256, 192), (200, 120 + hue % 100, 60))
    draw = ImageDraw.Draw(img)
    for x in range(0, 256, 6):  # striped wallpaper: fine detail a blur must remove
        draw.line((x, 0, x, 130), fill=(240, 230, 200), width=2)
    draw.rectangle((0, 130, 256, 192), fill=(90, 60, 30))
    draw.rectangle((150, 30, 220, 100), fill=(120, 180, 250), outline=(255, 255, 255), width=4)
    draw.ellipse((30, 60, 90, 120), fill=(20, 140, 40))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue())
    return buf.getvalue()


def _add_media(ws: Workspace, agency: str, hue: int, kind: str = "image") -> tuple[str, Path]:
    rel = Path("thumbs") / f"{agency}-{kind}.jpg"  # Media.thumb is relative to derived/
    data = synthetic_thumb(ws.derived / rel, hue)
    sha = hashlib.sha256(data + agency.encode() + kind.encode()).hexdigest()
    with ws.store.session() as session:
        source = Source(
            uid=str(uuid.uuid4()),
            kind="folder",
            location=f"/evidence/{agency}/{kind}",
            label=f"laptop {agency} {kind}",
            agency=agency,
            added_at=datetime.now(UTC),
            added_by="test",
            status="done",
        )
        session.add(source)
        session.flush()
        session.add(
            Media(
                sha256=sha,
                md5=hashlib.md5(data).hexdigest(),
                sha1=hashlib.sha1(data).hexdigest(),
                size=len(data),
                mime="image/jpeg" if kind == "image" else "video/mp4",
                kind=kind,
                width=256,
                height=192,
                thumb=str(rel),
            )
        )
        session.flush()
        session.add(
            Item(
                source_id=source.id,
                path_spec=f"/photos/{agency}-{kind}",
                spec_sha256=hashlib.sha256((agency + kind).encode()).hexdigest(),
                name=f"{agency}-{kind}",
                size=len(data),
                media_sha256=sha,
            )
        )
    return sha, ws.derived / rel


@pytest.fixture
def op(ws: Workspace) -> Operation:
    media, thumbs = {}, {}
    for hue, agency in enumerate((AGENCY_A, AGENCY_B)):
        media[agency], thumbs[agency] = _add_media(ws, agency, hue * 40)
    with ws.store.session() as session:
        for code in (AGENCY_A, AGENCY_B):
            people.add_agency(session, code=code, name=f"agency {code}", actor="test")
        for username, (role, home) in USERS.items():
            people.add_user(
                session,
                username=username,
                password=PASSWORD,
                role=role,
                agency_code=home,
                actor="test",
            )
    clock = Clock()
    operation = Operation(ws, clock, WebConfig(clock=clock), media, thumbs)
    operation.video, _ = _add_media(ws, AGENCY_A, 200, kind="video")
    for number, agency in enumerate((AGENCY_A, AGENCY_B), start=1):
        members = [media[agency]] + ([operation.video] if agency == AGENCY_A else [])
        operation.series[agency] = _add_series(ws, number, members, clock.now)
        operation.notes[agency] = _add_note(ws, number, clock.now)
    operation.frames[AGENCY_A] = _add_clues(ws, media[AGENCY_A], operation.video, clock.now)
    operation.frames[AGENCY_B] = _add_clues(ws, media[AGENCY_B], None, clock.now)
    return operation


def _add_series(ws: Workspace, series_id: int, members: list[str], now: datetime) -> int:
    with ws.store.session() as session:
        session.add(
            Series(id=series_id, status="active", locked=False, created_at=now, updated_at=now)
        )
        session.flush()
        for sha in members:
            session.add(
                SeriesMember(
                    media_sha256=sha,
                    series_id=series_id,
                    pinned=False,
                    added_at=now,
                    added_by="test",
                )
            )
    return series_id


def _add_note(ws: Workspace, series_id: int, now: datetime) -> int:
    with ws.store.session() as session:
        coord = people.get_user(session, username="coord")
        note = collab.add_note(
            session,
            series_id=series_id,
            user_id=coord.id,
            actor="coord",
            body="first look",
            now=now,
        )
    return int(note["id"])


CLUES = {  # agency → (place, text on a poster, camera serial)
    AGENCY_A: (("PT", "Portugal", "Braga", 41.55, -8.42), "SAIDA DE EMERGENCIA", "SN-A-0042"),
    AGENCY_B: (("NL", "Netherlands", "Utrecht", 52.09, 5.12), "NOODUITGANG", "SN-B-0777"),
}


def _clue(sha: str, kind: str, value: dict[str, Any], text: str, now: datetime, **kw: Any) -> Clue:
    return Clue(
        media_sha256=sha,
        kind=kind,
        value=value,
        text=text,
        confidence=kw.pop("confidence", 0.9),
        stage="test",
        extractor="test",
        extractor_version="1",
        created_at=now,
        **kw,
    )


def _add_clues(ws: Workspace, image: str, video: str | None, now: datetime) -> int:
    """Place, text and serial clues on the image; keyframe and contact sheet on the video.

    Returns the id of a frame clue (agency B has no video: its image gets a keyframe clue,
    as a malformed store might, so frame routes are still tested per agency)."""
    agency = AGENCY_A if video else AGENCY_B
    (cc, country, town, lat, lon), poster, serial = CLUES[agency]
    place = {
        "country_code": cc,
        "country": country,
        "region": None,
        "town": town,
        "distance_km": 1.0,
        "lat": lat,
        "lon": lon,
    }
    owner = video or image
    frame_rel = Path("keyframes") / owner[:2] / owner / "1500.jpg"
    synthetic_thumb(ws.derived / frame_rel, 90)
    sheet_rel = Path("contact") / owner[:2] / f"{owner}.jpg"
    synthetic_thumb(ws.derived / sheet_rel, 150)
    with ws.store.session() as session:
        session.add_all(
            [
                _clue(image, "place", place, f"{town}, {country}", now),
                _clue(image, "text", {"text": poster, "language": None}, poster, now),
                _clue(image, "camera_serial", {"serial": serial}, f"Canon EOS #{serial}", now),
                _clue(
                    image,
                    "language",
                    {"language": "pt" if video else "nl", "countries": [cc]},
                    f"language {cc}",
                    now,
                ),
                _clue(
                    owner,
                    "contact_sheet",
                    {"path": sheet_rel.as_posix(), "frames": 1},
                    "contact sheet of 1 keyframes",
                    now,
                ),
            ]
        )
        frame = _clue(
            owner,
            "keyframe",
            {"path": frame_rel.as_posix(), "timestamp": 1.5, "scene_change": False},
            "keyframe 0:01.5",
            now,
            position=1.5,
        )
        session.add(frame)
        session.flush()
        return frame.id
