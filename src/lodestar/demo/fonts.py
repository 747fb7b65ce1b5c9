"""Fonts for the demo's printed scenes: discovery lives in :mod:`lodestar.fonts` (the contact
sheets use it too); this module adds what ``truth.json`` records about them.

Thai text needs a Thai-capable font (Debian: ``fonts-thai-tlwg``, or Noto Sans Thai from
``fonts-noto-core``); without one, Thai falls back to DejaVu and may render as boxes.
"""

from __future__ import annotations

from pathlib import Path

from lodestar.fonts import (
    FONT_ROOTS,
    LATIN_BOLD,
    LATIN_FONTS,
    THAI_BOLD,
    THAI_FONTS,
    font_path,
    latin_font_path,
    load_font,
    thai_font_path,
)

__all__ = [
    "FONT_ROOTS",
    "LATIN_BOLD",
    "LATIN_FONTS",
    "THAI_BOLD",
    "THAI_FONTS",
    "font_path",
    "font_report",
    "latin_font_path",
    "load_font",
    "thai_font_path",
]


def font_report() -> dict[str, object]:
    """What truth.json records about fonts (Thai may render as boxes without a Thai font)."""
    thai = thai_font_path()
    latin = latin_font_path()
    return {
        "latin": Path(latin).name if latin else None,
        "thai": Path(thai).name if thai else None,
        "thai_glyphs": thai is not None,
        "note": None if thai else "no Thai font found: Thai text may render as boxes",
    }
