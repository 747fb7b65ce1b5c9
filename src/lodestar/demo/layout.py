"""Where files go: seizure folders, archives, camera file names, path specs."""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ARCHIVE_SEP = "!/"
PROFILES: tuple[str, ...] = ("phone", "desktop", "backup", "camera_card")
PHONE_LIKE = ("phone", "camera_card")


@dataclass
class Container:
    """A seizure folder or an archive: hands out unique member paths."""

    prefix: str  # path spec prefix, ending in "/" or "!/"
    used: set[str] = field(default_factory=set)

    def claim(self, rel: str) -> str:
        stem, ext = posixpath.splitext(rel)
        candidate, n = rel, 1
        while candidate in self.used:
            candidate = f"{stem}-{n}{ext}"
            n += 1
        self.used.add(candidate)
        return self.prefix + candidate


@dataclass
class Seizure(Container):
    name: str = ""
    profile: str = "desktop"
    index: int = 0
    seized_at: datetime = datetime(2025, 1, 1)


@dataclass
class Archive(Container):
    path: str = ""  # the archive's own path spec
    fmt: str = "zip"  # zip | tar.gz
    members: list[str] = field(default_factory=list)  # member path specs in write order
    depth: int = 0

    def claim(self, rel: str) -> str:
        spec = super().claim(rel)
        self.members.append(spec)
        return spec


def nested(parent: Container, rel: str, fmt: str, depth: int) -> Archive:
    """An archive placed at ``rel`` inside ``parent`` (a seizure or another archive)."""
    path = parent.claim(rel)
    return Archive(prefix=path + ARCHIVE_SEP, path=path, fmt=fmt, depth=depth)


# --------------------------------------------------------------------------- camera names

_STYLE_FOLDERS = {
    "canon": "100CANON", "nikon": "100NIKON", "sony": "100MSDCF", "fuji": "100_FUJI",
    "panasonic": "100_PANA", "olympus": "100OLYMP", "apple": "100APPLE",
    "samsung": "Camera", "google": "Camera",
}


def camera_folder(style: str) -> str:
    return _STYLE_FOLDERS.get(style, "100MEDIA")


def shot_name(style: str, n: int, taken: datetime) -> str:
    if style == "canon" or style == "apple":
        return f"IMG_{n % 10000:04d}.JPG"
    if style == "nikon":
        return f"DSC_{n % 10000:04d}.JPG"
    if style == "sony":
        return f"DSC{n % 100000:05d}.JPG"
    if style == "fuji":
        return f"DSCF{n % 10000:04d}.JPG"
    if style == "panasonic":
        return f"P10{n % 100000:05d}.JPG"
    if style == "olympus":
        return f"P{'123456789ABC'[taken.month - 1]}{taken.day:02d}{n % 10000:04d}.JPG"
    if style == "samsung":
        return f"{taken:%Y%m%d_%H%M%S}.jpg"
    return f"PXL_{taken:%Y%m%d_%H%M%S}{n % 1000:03d}.jpg"


def clip_name(style: str, n: int, taken: datetime) -> str:
    if style == "canon":
        return f"MVI_{n % 10000:04d}.MP4"
    if style in ("samsung", "google"):
        return f"VID_{taken:%Y%m%d_%H%M%S}.mp4"
    stem = posixpath.splitext(shot_name(style, n, taken))[0]
    return f"{stem}.MP4"


def shot_rel(profile: str, style: str, name: str, taken: datetime) -> str:
    """Folder of an original in its home seizure."""
    if profile == "phone":
        return f"DCIM/Camera/{name}"
    if profile == "camera_card":
        return f"DCIM/{camera_folder(style)}/{name}"
    if profile == "desktop":
        return f"Pictures/{taken:%Y}/{taken:%Y-%m-%d}/{name}"
    return f"Backup/Photos/{taken:%Y-%m-%d}/{name}"


def clip_rel(profile: str, style: str, name: str, taken: datetime) -> str:
    if profile == "phone":
        return f"DCIM/Camera/{name}"
    if profile == "camera_card":
        return f"DCIM/{camera_folder(style)}/{name}"
    if profile == "desktop":
        return f"Videos/{taken:%Y-%m-%d}/{name}"
    return f"Backup/Videos/{name}"


VARIANT_TEMPLATES: dict[str, tuple[str, str]] = {
    "resize": ("Android/data/com.example.gallery/cache/{stem}_thumb.jpg",
               "AppData/Local/Cache/thumbs/{hash}.jpg"),
    "recompress": ("Download/{stem}-web.jpg", "Downloads/{stem}-web.jpg"),
    "crop": ("Pictures/Edited/{stem}_crop.jpg", "Pictures/Edited/{stem}_crop.jpg"),
    "rotate90": ("Pictures/Edited/{stem}_rot.jpg", "Pictures/Edited/{stem}_rot.jpg"),
    "flip": ("Pictures/Edited/{stem}_mirror.jpg", "Pictures/Edited/{stem}_mirror.jpg"),
    "overlay": ("Pictures/Messages/IMG-{ymd}-WA{n:04d}.jpg", "Pictures/Shared/{stem}_caption.jpg"),
    "screenshot": ("Pictures/Screenshots/Screenshot_{ymd}-{hms}.png",
                   "Desktop/Screenshot {date} at {hms_dots}.png"),
    "heic": ("DCIM/Camera/IMG_{n:04d}.HEIC", "Pictures/iCloud/IMG_{n:04d}.HEIC"),
    "exact_copy": ("Download/{name}", "Pictures/Imported/{date}/{name}"),
}


def variant_rel(variant: str, profile: str, source: str, when: datetime, n: int) -> str:
    """Relative path of a derived file in a seizure of ``profile``."""
    phone, desktop = VARIANT_TEMPLATES[variant]
    template = phone if profile in PHONE_LIKE else desktop
    name = posixpath.basename(source)
    return template.format(
        stem=posixpath.splitext(name)[0], name=name, n=n % 10000,
        hash=hashlib.sha1(source.encode()).hexdigest()[:16],
        ymd=f"{when:%Y%m%d}", hms=f"{when:%H%M%S}", date=f"{when:%Y-%m-%d}",
        hms_dots=f"{when:%H.%M.%S}",
    )


# --------------------------------------------------------------------------- path specs

_ESCAPE = re.compile(r"\\x([0-9a-fA-F]{2})")


def spec_from_bytes(raw: bytes) -> str:
    """Path spec text for raw name bytes: invalid UTF-8 bytes become ``\\xNN`` escapes."""
    return raw.decode("utf-8", "backslashreplace")


def disk_path(root: Path, spec: str) -> bytes:
    """The on-disk path (bytes) of a non-archive path spec under ``root``."""
    if ARCHIVE_SEP in spec:
        raise ValueError(f"{spec!r} names an archive member")
    raw = _ESCAPE.sub(lambda m: chr(0xDC00 + int(m.group(1), 16)), spec)
    rel = raw.encode("utf-8", "surrogateescape")
    return os.fsencode(root) + b"/" + rel
