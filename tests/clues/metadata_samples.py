"""Benign sample files for the metadata tests: demo scenes with the demo corpus's EXIF, plus
extra tags written onto copies by the real exiftool."""

from __future__ import annotations

import shutil
import stat
import subprocess
from datetime import datetime
from pathlib import Path

from lodestar.demo.exif import ExifInfo, build_exif
from lodestar.demo.photos import jpeg_bytes, scene

PORTO = (41.1496, -8.611, 87.0)
EXIFTOOL = shutil.which("exiftool")

# A user-defined XMP namespace so a test can write a maker-note-like InternalSerialNumber
# (exiftool cannot create real maker notes from scratch). Reading needs no config: exiftool
# names unknown XMP elements after the element.
_CONFIG = """%Image::ExifTool::UserDefined = (
    'Image::ExifTool::XMP::Main' => {
        lsmk => { SubDirectory => { TagTable => 'Image::ExifTool::UserDefined::lsmk' } },
    },
);
%Image::ExifTool::UserDefined::lsmk = (
    GROUPS => { 0 => 'XMP', 1 => 'XMP-lsmk', 2 => 'Camera' },
    NAMESPACE => { 'lsmk' => 'http://example.invalid/lodestar/makernote/1.0/' },
    WRITABLE => 'string',
    InternalSerialNumber => { },
);
1;
"""


def demo_info(
    gps: tuple[float, float, float] | None = PORTO, offset_minutes: int = 120
) -> ExifInfo:
    return ExifInfo(
        make="Canon",
        model="Canon EOS 5D Mark IV",
        serial="0123456789",
        taken=datetime(2023, 5, 4, 13, 22, 11),
        offset_minutes=offset_minutes,
        gps=gps,
        width=320,
        height=240,
    )


def write_jpeg(path: Path, info: ExifInfo | None = None, seed: int = 1) -> Path:
    """A small benign scene JPEG with the demo corpus's EXIF block (piexif)."""
    info = info or demo_info()
    img = scene(seed, (320, 240))
    path.write_bytes(jpeg_bytes(img, exif=build_exif(info)))
    return path


def exiftool_write(path: Path, *assignments: str, config: bool = False) -> Path:
    """Write tags onto ``path`` in place with the real exiftool (``-n``: numeric values)."""
    assert EXIFTOOL is not None, "exiftool is needed (apt-get install libimage-exiftool-perl)"
    cmd = [EXIFTOOL]
    if config:
        cfg = path.parent / "lsmk-config.pl"
        cfg.write_text(_CONFIG)
        cmd += ["-config", str(cfg)]
    cmd += ["-q", "-overwrite_original", "-n", *assignments, str(path)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return path


def truncate_app1(path: Path, keep: int = 60) -> Path:
    """Cut the EXIF APP1 payload to ``keep`` bytes (length field fixed so the JPEG parses):
    the IFD offsets then point past the end of the block."""
    data = path.read_bytes()
    at = data.index(b"\xff\xe1")
    length = int.from_bytes(data[at + 2 : at + 4], "big")
    payload = data[at + 4 : at + 2 + length]
    cut = payload[:keep]
    segment = b"\xff\xe1" + (len(cut) + 2).to_bytes(2, "big") + cut
    path.write_bytes(data[:at] + segment + data[at + 2 + length :])
    return path


def fake_executable(folder: Path, name: str, body: str) -> Path:
    """A tiny stand-in *process* for the hang and crash paths only."""
    path = folder / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path
