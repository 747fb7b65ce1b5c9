"""Write planned files: series renders (run in worker processes), copies, data, links, archives.

Files inside archives are written to a staging folder first and packed afterwards.
"""

from __future__ import annotations

import hashlib
import os
import random
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image

from lodestar.demo import variants
from lodestar.demo.exif import ExifInfo, build_exif
from lodestar.demo.jobs import DerivedJob, SeriesJob, ShotJob
from lodestar.demo.layout import ARCHIVE_SEP, disk_path
from lodestar.demo.scenes import draw_scene
from lodestar.demo.sensor import sensed
from lodestar.demo.shots import master_size, render_frame
from lodestar.demo.video import encode_pan

STAGING = ".staging"


@dataclass(frozen=True)
class Produced:
    path: str
    sha256: str
    size: int


def staging_path(out: Path, spec: str) -> Path:
    return out / STAGING / hashlib.sha1(spec.encode("utf-8", "surrogateescape")).hexdigest()


def location(out: Path, spec: str) -> bytes:
    """Where the bytes of ``spec`` live on disk (staging for archive members)."""
    if ARCHIVE_SEP in spec:
        return os.fsencode(staging_path(out, spec))
    return disk_path(out, spec)


def write_file(out: Path, spec: str, data: bytes, mtime: int) -> Produced:
    target = location(out, spec)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "wb") as handle:
        handle.write(data)
    os.utime(target, (mtime, mtime))
    return Produced(spec, hashlib.sha256(data).hexdigest(), len(data))


def read_file(out: Path, spec: str) -> bytes:
    with open(location(out, spec), "rb") as handle:
        return handle.read()


# --------------------------------------------------------------------------- series (workers)


# EXIF orientation of a camera held sideways -> (the turn that stores upright pixels as its
# sensor saw them, the turn a viewer makes back); other orientations store pixels upright.
_SIDEWAYS: dict[int, tuple[Image.Transpose, Image.Transpose]] = {
    6: (Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_270),
    8: (Image.Transpose.ROTATE_270, Image.Transpose.ROTATE_90),
}


def _stored(upright: Image.Image, orientation: int) -> Image.Image:
    """Pixels as a camera held sideways stores them (EXIF orientation undoes this)."""
    turns = _SIDEWAYS.get(orientation)
    return upright if turns is None else upright.transpose(turns[0])


def _upright(stored: Image.Image, orientation: int) -> Image.Image:
    """Undo :func:`_stored`: what the viewer shows of the pixels the sensor recorded."""
    turns = _SIDEWAYS.get(orientation)
    return stored if turns is None else stored.transpose(turns[1])


def _exif_for(info: ExifInfo, img: Image.Image, orientation: int | None = None) -> bytes:
    info = replace(info, width=img.width, height=img.height,
                   orientation=info.orientation if orientation is None else orientation)
    return build_exif(info)


def _derived_bytes(job: DerivedJob, shot: ShotJob, upright: Image.Image, stored: Image.Image,
                   script: str, screen: tuple[int, int]) -> bytes:
    rng = random.Random(job.seed)
    v = job.variant
    if v == "resize":
        img = variants.resize(stored, rng)
        return variants.encode_jpeg(img, 85, _exif_for(shot.exif, img))
    if v == "recompress":
        return variants.encode_jpeg(stored, rng.randint(55, 75), _exif_for(shot.exif, stored))
    if v == "heic":
        return variants.encode_heic(upright, 70, _exif_for(shot.exif, upright, 1))
    if v == "screenshot":
        return variants.encode_png(variants.screenshot(upright, rng, screen, job.caption))
    if v == "overlay":
        return variants.encode_jpeg(variants.overlay(upright, job.caption, script, rng), 85)
    transform = {"crop": variants.crop, "rotate90": variants.rotate90, "flip": variants.flip}[v]
    return variants.encode_jpeg(transform(upright, rng), 88)


def produce_series(job: SeriesJob, out: str) -> list[Produced]:
    """Render one series: its originals, their near-duplicates and its clips."""
    root = Path(out)
    series = job.series
    master = draw_scene(series.scene, master_size(series.size))
    produced: list[Produced] = []
    by_shot: dict[int, list[DerivedJob]] = {}
    for d in job.derived:
        by_shot.setdefault(d.shot, []).append(d)
    for shot in job.shots:
        rendered = render_frame(master, shot.move, series.size)
        # The sensor's noise pattern lies in stored pixel order (PRNU benchmarks need it there);
        # the copies made "later" (crops, overlays…) start from the sensed, upright picture.
        stored = sensed(_stored(rendered, shot.exif.orientation), series.camera.serial)
        upright = _upright(stored, shot.exif.orientation)
        data = variants.encode_jpeg(stored, shot.quality, build_exif(shot.exif))
        produced.append(write_file(root, shot.path, data, shot.mtime))
        for d in by_shot.get(shot.index, []):
            blob = _derived_bytes(d, shot, upright, stored, series.scene.script, job.screen)
            produced.append(write_file(root, d.path, blob, d.mtime))
    for clip in job.clips:
        produced.append(write_file(root, clip.path, encode_pan(master, clip.clip), clip.mtime))
    return produced
