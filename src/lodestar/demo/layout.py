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

# Templates are filled by :func:`_fill`: ``n3``/``n4``/``n5`` are the file counter modulo
# 10³/10⁴/10⁵ (cameras wrap their counters), ``month`` Olympus's one-character month, ``taken``
# the capture time, ``folder`` the style's DCIM folder.
_STYLE_FOLDERS = {
    "canon": "100CANON", "nikon": "100NIKON", "sony": "100MSDCF", "fuji": "100_FUJI",
    "panasonic": "100_PANA", "olympus": "100OLYMP", "apple": "100APPLE",
    "samsung": "Camera", "google": "Camera",
}
_SHOT_NAMES = {
    "canon": "IMG_{n4:04d}.JPG", "apple": "IMG_{n4:04d}.JPG", "nikon": "DSC_{n4:04d}.JPG",
    "sony": "DSC{n5:05d}.JPG", "fuji": "DSCF{n4:04d}.JPG", "panasonic": "P10{n5:05d}.JPG",
    "olympus": "P{month}{taken.day:02d}{n4:04d}.JPG", "samsung": "{taken:%Y%m%d_%H%M%S}.jpg",
}
_PIXEL_SHOT = "PXL_{taken:%Y%m%d_%H%M%S}{n3:03d}.jpg"  # Google, and any style not listed
_CLIP_NAMES = {  # styles not listed name a clip like a photo, with .MP4
    "canon": "MVI_{n4:04d}.MP4", "samsung": "VID_{taken:%Y%m%d_%H%M%S}.mp4",
    "google": "VID_{taken:%Y%m%d_%H%M%S}.mp4",
}
# Profile -> where its seizure keeps (a photo, a clip) it took itself; a profile not listed
# stores like a backup.
_HOME_PATHS = {
    "phone": ("DCIM/Camera/{name}", "DCIM/Camera/{name}"),
    "camera_card": ("DCIM/{folder}/{name}", "DCIM/{folder}/{name}"),
    "desktop": ("Pictures/{taken:%Y}/{taken:%Y-%m-%d}/{name}", "Videos/{taken:%Y-%m-%d}/{name}"),
    "backup": ("Backup/Photos/{taken:%Y-%m-%d}/{name}", "Backup/Videos/{name}"),
}


def _fill(template: str, style: str, n: int, taken: datetime, name: str = "") -> str:
    return template.format(n3=n % 1000, n4=n % 10000, n5=n % 100000, taken=taken, name=name,
                           month="123456789ABC"[taken.month - 1], folder=camera_folder(style))


def camera_folder(style: str) -> str:
    return _STYLE_FOLDERS.get(style, "100MEDIA")


def shot_name(style: str, n: int, taken: datetime) -> str:
    return _fill(_SHOT_NAMES.get(style, _PIXEL_SHOT), style, n, taken)


def clip_name(style: str, n: int, taken: datetime) -> str:
    if style in _CLIP_NAMES:
        return _fill(_CLIP_NAMES[style], style, n, taken)
    stem = posixpath.splitext(shot_name(style, n, taken))[0]
    return f"{stem}.MP4"


def shot_rel(profile: str, style: str, name: str, taken: datetime) -> str:
    """Path of an original photo in its home seizure."""
    return _fill(_HOME_PATHS.get(profile, _HOME_PATHS["backup"])[0], style, 0, taken, name)


def clip_rel(profile: str, style: str, name: str, taken: datetime) -> str:
    return _fill(_HOME_PATHS.get(profile, _HOME_PATHS["backup"])[1], style, 0, taken, name)


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
