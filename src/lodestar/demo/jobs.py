"""Plain, picklable descriptions of the work: what to render and where it goes."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta

from lodestar.demo.catalog import Place
from lodestar.demo.exif import ExifInfo, offset_text
from lodestar.demo.scenes import SceneSpec
from lodestar.demo.shots import CameraMove
from lodestar.demo.video import Clip


def epoch(local: datetime, offset_minutes: int) -> int:
    """Seconds since 1970 for a local wall-clock time at a UTC offset."""
    return calendar.timegm((local - timedelta(minutes=offset_minutes)).timetuple())


def iso_local(local: datetime, offset_minutes: int) -> str:
    return f"{local:%Y-%m-%dT%H:%M:%S}{offset_text(offset_minutes)}"


@dataclass(frozen=True)
class Camera:
    make: str
    model: str
    serial: str
    style: str

    def to_json(self) -> dict[str, str]:
        return {"make": self.make, "model": self.model, "serial": self.serial}


@dataclass(frozen=True)
class SeriesInfo:
    id: str
    language: str
    country: str
    camera: Camera
    place: Place | None
    scene: SceneSpec
    size: tuple[int, int]
    start: datetime  # local
    offset: int  # minutes east of UTC
    quality: int
    seed: int


@dataclass(frozen=True)
class ShotJob:
    index: int
    path: str
    move: CameraMove
    exif: ExifInfo
    quality: int
    mtime: int


@dataclass(frozen=True)
class DerivedJob:
    path: str
    shot: int
    variant: str  # resize | recompress | crop | rotate90 | flip | overlay | screenshot | heic
    seed: int
    caption: str
    mtime: int


@dataclass(frozen=True)
class ClipJob:
    path: str
    clip: Clip
    mtime: int


@dataclass(frozen=True)
class SeriesJob:
    series: SeriesInfo
    shots: tuple[ShotJob, ...]
    derived: tuple[DerivedJob, ...]
    clips: tuple[ClipJob, ...]
    screen: tuple[int, int]

    @property
    def outputs(self) -> int:
        return len(self.shots) + len(self.derived) + len(self.clips)

    @property
    def cost(self) -> float:
        w, h = self.series.size
        frames = sum(c.clip.frames for c in self.clips)
        return len(self.shots) * w * h / 1e6 + frames * 0.02


@dataclass(frozen=True)
class CopyJob:
    path: str
    source: str
    mtime: int
    truncate: float | None = None


@dataclass(frozen=True)
class DataJob:
    path: str
    data: bytes
    mtime: int


@dataclass(frozen=True)
class LinkJob:
    path: str
    target: str
    mtime: int
