"""Distractor "system" files: configs, logs, small icons, a minimal PDF."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from PIL import Image, ImageDraw

from lodestar.demo.catalog import LANGUAGE_BY_CODE
from lodestar.demo.variants import encode_png

SystemFile = tuple[str, bytes]
Maker = Callable[[random.Random, str, datetime, int], SystemFile]

APP_DIRS: dict[str, str] = {
    "phone": "Android/data/com.example.gallery/files",
    "desktop": "AppData/Local/PhotoTool",
    "camera_card": "MISC",
    "backup": "Backup/.meta",
}


def _ini(rng: random.Random, lang: str, when: datetime, n: int) -> SystemFile:
    content = (
        "[General]\n"
        f"Language={lang}\n"
        f"LastRun={when:%Y-%m-%d %H:%M:%S}\n"
        f"ThumbnailSize={rng.choice([128, 192, 256])}\n"
        "[Sync]\n"
        f"Enabled={rng.choice(['true', 'false'])}\n"
        f"IntervalMinutes={rng.choice([15, 30, 60])}\n"
    )
    return (f"settings{n}.ini", content.encode())


def _log(rng: random.Random, lang: str, when: datetime, n: int) -> SystemFile:
    del lang
    lines = []
    t = when
    for _ in range(rng.randint(8, 30)):
        t += timedelta(seconds=rng.randint(1, 400))
        event = rng.choice([
            "INFO sync started", "INFO indexed 12 folders", "WARN cache nearly full",
            "INFO thumbnail cache pruned", "INFO sync finished", "DEBUG database vacuum",
        ])
        lines.append(f"{t:%Y-%m-%d %H:%M:%S} {event}")
    return (f"logs/app-{when:%Y-%m-%d}-{n}.log", ("\n".join(lines) + "\n").encode())


def _xml(rng: random.Random, lang: str, when: datetime, n: int) -> SystemFile:
    folders = "".join(
        f'  <folder id="{i}" path="Pictures/{when.year}/{i:02d}" items="{rng.randint(0, 90)}"/>\n'
        for i in range(rng.randint(2, 6))
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<library version="2" lang="{lang}" updated="{when:%Y-%m-%dT%H:%M:%S}">\n'
        f"{folders}</library>\n"
    )
    return (f"library{n}.xml", content.encode())


def _notes(rng: random.Random, lang: str, when: datetime, n: int) -> SystemFile:
    phrases = list(LANGUAGE_BY_CODE[lang].phrases)
    rng.shuffle(phrases)
    content = f"{when:%Y-%m-%d}\n" + "".join(f"- {p}\n" for p in phrases[:5])
    return (f"notes-{n}.txt", content.encode("utf-8"))


def _icon(rng: random.Random, lang: str, when: datetime, n: int) -> SystemFile:
    del lang, when
    size = rng.choice([16, 32, 48, 64])
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    color = (rng.randrange(40, 220), rng.randrange(40, 220), rng.randrange(40, 220), 255)
    if rng.random() < 0.5:
        d.rounded_rectangle([1, 1, size - 2, size - 2], radius=size // 5, fill=color)
    else:
        d.ellipse([1, 1, size - 2, size - 2], fill=color)
    d.rectangle([size // 3, size // 3, size * 2 // 3, size * 2 // 3], fill=(255, 255, 255, 255))
    return (f"icons/icon_{n}_{size}.png", encode_png(img, 9))


def _pdf(rng: random.Random, lang: str, when: datetime, n: int) -> SystemFile:
    del lang
    rows = [f"Item {i + 1}: {rng.choice(['shelf', 'lamp', 'cable', 'box', 'paper'])}"
            for i in range(rng.randint(3, 8))]
    text = " ".join(f"({row}) Tj T*" for row in rows)
    stream = f"BT /F1 12 Tf 72 720 Td 14 TL (Inventory {when:%Y-%m-%d}) Tj T* {text} ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = "%PDF-1.4\n"
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{obj}\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n"
    out += "".join(f"{off:010d} 00000 n \n" for off in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    return (f"inventory-{n}.pdf", out.encode("latin-1"))


MAKERS: tuple[Maker, ...] = (_ini, _log, _xml, _notes, _icon, _pdf)


def system_files(profile: str, rng: random.Random, lang: str, when: datetime,
                 count: int, offset: int = 0) -> list[SystemFile]:
    """``count`` small files for one seizure, paths relative to the seizure root; ``offset``
    rotates which kinds come first so small corpora still get every kind."""
    base = APP_DIRS.get(profile, "AppData/Local/PhotoTool")
    files: list[SystemFile] = []
    for n in range(count):
        maker = MAKERS[(n + offset) % len(MAKERS)]
        name, data = maker(rng, lang, when + timedelta(days=n), n)
        folder = "Documents" if maker in (_notes, _pdf) and profile == "desktop" else base
        files.append((f"{folder}/{name}", data))
    if profile == "desktop":
        ini = b"[.ShellClassInfo]\r\nIconResource=imageres.dll,-113\r\n"
        files.append(("Pictures/desktop.ini", ini))
    if profile == "camera_card":
        files.append(("MISC/AUTPRINT.MRK", b"[HDR]\r\nGEN REV = 01.00\r\nGEN CRT = \"DPOF\"\r\n"))
    return files
