"""Corpus sizes: tiny (unit tests), small (CI and demos), large (benchmarks)."""

from __future__ import annotations

from dataclasses import dataclass

from lodestar.errors import UserError


@dataclass(frozen=True)
class Scale:
    name: str
    series: int
    shots: tuple[int, int]  # originals per series (min, max)
    image_size: tuple[int, int]
    big_series: int  # series shot at 12 MP (4000x3000, q90)
    big_shots: tuple[int, int]
    seizures: int
    near_dups: int  # per series
    exact_copies: int  # per series, outside archives
    archive_copies: int  # exact copies put into each backup seizure's archives
    archive_originals: int  # most originals a backup seizure's zip takes
    video_series: int
    video_seconds: tuple[int, int]
    video_size: tuple[int, int]
    video_fps: int
    screen: tuple[int, int]
    system_files: int  # per seizure
    heic: int
    specials: int  # extension-lying copies, truncated copies, ...


BIG_SIZE = (4000, 3000)

SCALES: dict[str, Scale] = {
    "tiny": Scale(
        name="tiny", series=4, shots=(4, 4), image_size=(640, 480), big_series=0,
        big_shots=(0, 0), seizures=3, near_dups=2, exact_copies=1, archive_copies=3,
        archive_originals=4, video_series=2, video_seconds=(2, 2), video_size=(320, 240),
        video_fps=10, screen=(640, 400), system_files=2, heic=1, specials=1,
    ),
    "small": Scale(
        name="small", series=20, shots=(10, 14), image_size=(1600, 1200), big_series=2,
        big_shots=(3, 3), seizures=6, near_dups=4, exact_copies=1, archive_copies=6,
        archive_originals=12, video_series=6, video_seconds=(5, 10), video_size=(640, 360),
        video_fps=15, screen=(1280, 800), system_files=6, heic=2, specials=2,
    ),
    "large": Scale(
        name="large", series=300, shots=(24, 32), image_size=(1600, 1200), big_series=135,
        big_shots=(24, 32), seizures=12, near_dups=5, exact_copies=2, archive_copies=40,
        archive_originals=60, video_series=40, video_seconds=(90, 90), video_size=(640, 360),
        video_fps=10, screen=(1920, 1080), system_files=20, heic=10, specials=5,
    ),
}


def get_scale(name: str) -> Scale:
    try:
        return SCALES[name]
    except KeyError:
        known = ", ".join(SCALES)
        raise UserError(f"unknown corpus scale {name!r} (use one of: {known})",
                        detail={"scale": name, "known": list(SCALES)}) from None
