"""Small benign test files made on the fly (flat colours, gradients, printed text)."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import av
import numpy as np
import piexif
from PIL import Image, ImageDraw


def gradient_image(width: int = 640, height: int = 480, seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 255, width, dtype=np.float32)
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None]
    base = np.stack([x + 0 * y, y + 0 * x, (x[::-1] + y) / 2], axis=-1)
    noise = rng.normal(0, 8, base.shape)
    img = Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8), "RGB")
    ImageDraw.Draw(img).rectangle((width // 4, height // 4, width // 2, height // 2), fill="navy")
    return img


def jpeg_bytes(
    img: Image.Image,
    *,
    make: str | None = None,
    model: str | None = None,
    serial: str | None = None,
    taken: str | None = None,
    offset: str | None = None,
    gps: tuple[float, float] | None = None,
    orientation: int | None = None,
    quality: int = 90,
) -> bytes:
    zeroth: dict[int, object] = {}
    exif: dict[int, object] = {}
    gps_ifd: dict[int, object] = {}
    if make:
        zeroth[piexif.ImageIFD.Make] = make
    if model:
        zeroth[piexif.ImageIFD.Model] = model
    if orientation:
        zeroth[piexif.ImageIFD.Orientation] = orientation
    if serial:
        exif[piexif.ExifIFD.BodySerialNumber] = serial
    if taken:
        exif[piexif.ExifIFD.DateTimeOriginal] = taken
    if offset:
        exif[piexif.ExifIFD.OffsetTimeOriginal] = offset
    if gps:
        lat, lon = gps
        gps_ifd = {
            piexif.GPSIFD.GPSLatitudeRef: "N" if lat >= 0 else "S",
            piexif.GPSIFD.GPSLatitude: _dms(abs(lat)),
            piexif.GPSIFD.GPSLongitudeRef: "E" if lon >= 0 else "W",
            piexif.GPSIFD.GPSLongitude: _dms(abs(lon)),
        }
    blob = piexif.dump({"0th": zeroth, "Exif": exif, "GPS": gps_ifd})
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality, exif=blob)
    return out.getvalue()


def _dms(value: float) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    d = int(value)
    m = int((value - d) * 60)
    s = round(((value - d) * 60 - m) * 60 * 10000)
    return ((d, 1), (m, 1), (s, 10000))


def bomb_png(width: int = 60000, height: int = 60000) -> bytes:
    """A tiny PNG that declares a huge canvas (decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def write_video(
    path: Path, *, seconds: float = 2.0, fps: int = 10, size: tuple[int, int] = (320, 240)
) -> None:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        for i in range(int(seconds * fps)):
            frame = av.VideoFrame.from_image(gradient_image(*size, seed=i))
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
