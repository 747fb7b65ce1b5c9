"""Font discovery for text Lodestar draws: contact-sheet captions, the demo's printed scenes.

Shared by every stage (a contact sheet's timestamps) and the demo generator (signs in rooms),
so it lives outside both. Latin text (incl. Polish, Romanian, Estonian) uses DejaVu (Debian:
``fonts-dejavu-core``). Thai text needs a Thai-capable font (Debian: ``fonts-thai-tlwg``, or
Noto Sans Thai from ``fonts-noto-core``); without one, Thai falls back to DejaVu and may render
as boxes. Without any font file, Pillow's built-in default font is used.
"""

from __future__ import annotations

import os
from functools import lru_cache

from PIL import ImageFont

FONT_ROOTS: tuple[str, ...] = ("/usr/share/fonts", "/usr/local/share/fonts")

# Preference order; the first one found wins.
LATIN_FONTS: tuple[str, ...] = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf")
LATIN_BOLD: tuple[str, ...] = ("DejaVuSans-Bold.ttf", "DejaVuSans.ttf")
THAI_FONTS: tuple[str, ...] = (
    "Loma.ttf", "Loma.otf", "Garuda.ttf", "Garuda.otf", "Kinnari.ttf", "Kinnari.otf",
    "Norasi.ttf", "Norasi.otf", "Waree.ttf", "Waree.otf", "Sawasdee.ttf", "Sawasdee.otf",
    "NotoSansThai-Regular.ttf", "NotoSerifThai-Regular.ttf", "NotoSansThaiLooped-Regular.ttf",
)
THAI_BOLD: tuple[str, ...] = (
    "Loma-Bold.ttf", "Loma-Bold.otf", "Garuda-Bold.ttf", "Garuda-Bold.otf",
    "NotoSansThai-Bold.ttf",
) + THAI_FONTS

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@lru_cache(maxsize=1)
def _font_index() -> dict[str, str]:
    """File name -> first path found (walk order sorted, so deterministic)."""
    found: dict[str, str] = {}
    for root in FONT_ROOTS:
        if not os.path.isdir(root):
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(filenames):
                found.setdefault(name, os.path.join(dirpath, name))
    return found


def _first(names: tuple[str, ...]) -> str | None:
    index = _font_index()
    for name in names:
        if name in index:
            return index[name]
    return None


def latin_font_path(bold: bool = False) -> str | None:
    return _first(LATIN_BOLD if bold else LATIN_FONTS)


def thai_font_path(bold: bool = False) -> str | None:
    return _first(THAI_BOLD if bold else THAI_FONTS)


def font_path(script: str, bold: bool = False) -> str | None:
    """The font file for a script, with the Latin font as a fallback for Thai."""
    if script == "thai":
        return thai_font_path(bold) or latin_font_path(bold)
    return latin_font_path(bold)


@lru_cache(maxsize=256)
def load_font(script: str, size: int, bold: bool = False) -> Font:
    path = font_path(script, bold)
    if path is None:
        return ImageFont.load_default(size=max(1, size))
    return ImageFont.truetype(path, max(1, size))
