"""Camera links: same camera body (make + model + serial), and capture-time bursts.

* ``camera`` (weak): same body serial, any time. Many series come from one camera, so this
  only supports other evidence. Every pair for bodies of up to :data:`PAIRWISE_MAX` media (so
  a media without a capture time is tied to all its body's series), a chain in capture-time
  order beyond that, to stay linear.
* ``time-burst``: consecutive captures of one body at most :data:`BURST_GAP_S` apart. With a
  body serial this is strong (one camera, one session, minutes apart); with only make + model
  (thousands of phones share a model) it is weak.

Times are compared as the camera's local clock (EXIF text without offset): one body, one
clock, so offsets and time zones do not matter here.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations
from typing import ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.series.base import SERIES_KINDS, Link, Strength, link_builders, only_touching
from lodestar.store import Media

PAIRWISE_MAX = 64
BURST_GAP_S = 60 * 60  # one session: captures up to an hour apart


@dataclass(frozen=True, order=True)
class Body:
    make: str
    model: str
    serial: str  # "" when unknown

    def as_dict(self) -> dict[str, str]:
        return {"make": self.make, "model": self.model, "serial": self.serial}


def body_of(make: str | None, model: str | None, serial: str | None) -> Body | None:
    make, model = (make or "").strip(), (model or "").strip()
    serial = (serial or "").strip()
    if set(serial) <= {"0", " ", "-"}:  # placeholder serials some firmware writes
        serial = ""
    if not (make or model):
        return None
    return Body(make, model, serial)


def parse_capture_time(text: str | None) -> datetime | None:
    """EXIF-style ``YYYY:MM:DD HH:MM:SS[±HH:MM]`` (or ISO) → naive local time, else None."""
    if not text or len(text) < 19:
        return None
    head = text[:19].replace("T", " ")
    head = head[:10].replace("-", ":") + head[10:]
    try:
        return datetime.strptime(head, "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def bodies(session: Session) -> dict[Body, list[tuple[datetime | None, str]]]:
    """Camera body → its media as sorted (local capture time or None, sha256)."""
    rows = session.execute(
        select(Media.sha256, Media.make, Media.model, Media.serial, Media.captured_at).where(
            Media.kind.in_(SERIES_KINDS)
        )
    )
    out: dict[Body, list[tuple[datetime | None, str]]] = {}
    for sha, make, model, serial, captured in rows:
        body = body_of(make, model, serial)
        if body is not None:
            out.setdefault(body, []).append((parse_capture_time(captured), sha))
    for shots in out.values():
        shots.sort(key=lambda s: (s[0] is None, s[0] or datetime.min, s[1]))
    return out


class CameraBodyLinks:
    name: ClassVar[str] = "camera"
    version: ClassVar[str] = "1"
    strengths: ClassVar[tuple[Strength, ...]] = ("weak",)  # one camera shoots many series

    def build(self, session: Session, *, media: Collection[str] | None = None) -> Iterable[Link]:
        links = []
        for body, shots in sorted(bodies(session).items()):
            if not body.serial:
                continue
            shas = [sha for _, sha in shots]
            pairwise = len(shas) <= PAIRWISE_MAX
            pairs = combinations(shas, 2) if pairwise else zip(shas, shas[1:], strict=False)
            evidence = body.as_dict() | {"media_of_body": len(shas)}
            links += [Link(a, b, self.name, 0.6, "weak", evidence) for a, b in pairs]
        return list(only_touching(links, media))


class TimeBurstLinks:
    name: ClassVar[str] = "time-burst"
    version: ClassVar[str] = "1"
    strengths: ClassVar[tuple[Strength, ...]] = ("strong", "weak")  # weak without a serial
    gap_s: int = BURST_GAP_S

    def build(self, session: Session, *, media: Collection[str] | None = None) -> Iterable[Link]:
        links = []
        for body, shots in sorted(bodies(session).items()):
            timed = [(t, sha) for t, sha in shots if t is not None]
            strength: Strength = "strong" if body.serial else "weak"
            for (ta, a), (tb, b) in zip(timed, timed[1:], strict=False):
                gap = (tb - ta).total_seconds()
                if gap > self.gap_s:
                    continue
                score = round(1.0 - 0.5 * gap / self.gap_s, 4)  # 1.0 same second … 0.5 at the gap
                evidence = body.as_dict() | {
                    "times": [ta.isoformat(), tb.isoformat()],
                    "gap_s": int(gap),
                }
                links.append(Link(a, b, self.name, score, strength, evidence))
        return list(only_touching(links, media))


camera_body_links = link_builders.register(CameraBodyLinks())
time_burst_links = link_builders.register(TimeBurstLinks())
