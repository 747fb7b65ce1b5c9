"""A small operation for web tests: two agencies' sources, one image each, six users."""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw

from lodestar.review import auth, people
from lodestar.review.app import create_app
from lodestar.review.config import WebConfig
from lodestar.store import Item, Media, Source
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


def _add_media(ws: Workspace, agency: str, hue: int) -> tuple[str, Path]:
    rel = Path("thumbs") / f"{agency}.jpg"  # Media.thumb is relative to derived/
    data = synthetic_thumb(ws.derived / rel, hue)
    sha = hashlib.sha256(data + agency.encode()).hexdigest()
    with ws.store.session() as session:
        source = Source(
            uid=str(uuid.uuid4()),
            kind="folder",
            location=f"/evidence/{agency}",
            label=f"laptop {agency}",
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
                mime="image/jpeg",
                kind="image",
                width=256,
                height=192,
                thumb=str(rel),
            )
        )
        session.flush()
        session.add(
            Item(
                source_id=source.id,
                path_spec=f"/photos/{agency}.jpg",
                spec_sha256=hashlib.sha256(agency.encode()).hexdigest(),
                name=f"{agency}.jpg",
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
        for username, (role, agency) in USERS.items():
            people.add_user(
                session,
                username=username,
                password=PASSWORD,
                role=role,
                agency_code=agency,
                actor="test",
            )
    clock = Clock()
    return Operation(ws, clock, WebConfig(clock=clock), media, thumbs)
