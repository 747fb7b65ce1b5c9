"""A small store of media, series and clues for the query, jurisdiction and CLI tests.

Clue values are made by the real extractors' own functions (reverse geocoding on GeoNames,
CLDR language → countries) so they have the shapes the deep pass stores.

Truth:
- series "porto": p1 (GPS in Porto, Portuguese text, UTC+01:00 in July), p2 (Portuguese
  text), pv (a video: Portuguese text at 2 s) → Portugal;
- series "conflict": c1 (GPS in Madrid), c2 (Portuguese text), both UTC+02:00 in July → Spain
  first, Portugal still listed on its language evidence;
- loner d1: German text and UTC+01:00 in January → Germany; loner n1: no clues at all.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from lodestar.clues.language import LanguageGuess, language_clue
from lodestar.clues.places import reverse_geocode
from lodestar.store import Clue, Media, Series, SeriesMember

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def sha(key: str) -> str:
    return (key.encode().hex() + "0" * 64)[:64]


def place(lat: float, lon: float) -> dict[str, Any]:
    p = reverse_geocode(lat, lon)
    return {k: getattr(p, k) for k in
            ("country_code", "country", "region", "town", "distance_km", "lat", "lon")}


def language(code: str, p: float = 0.97) -> dict[str, Any]:
    return dict(language_clue(LanguageGuess(code, p)).value)


def capture(local: str, offset: str, utc: str) -> dict[str, Any]:
    return {"local": local, "offset": offset, "utc": utc, "tag": "EXIF:DateTimeOriginal"}


def text(words: str, lang: str | None) -> dict[str, Any]:
    return {"text": words, "confidence": 0.9, "boxes": [], "language": lang}


JULY = capture("2021-07-03T10:00:00", "+01:00", "2021-07-03T09:00:00Z")
JULY2 = capture("2021-07-03T11:00:00", "+02:00", "2021-07-03T09:00:00Z")
JANUARY = capture("2021-01-12T10:00:00", "+01:00", "2021-01-12T09:00:00Z")

MEDIA = {"p1": "image", "p2": "image", "pv": "video", "c1": "image", "c2": "image",
         "d1": "image", "n1": "image"}
SERIES = {"porto": ["p1", "p2", "pv"], "conflict": ["c1", "c2"]}


def clue_specs() -> list[tuple[str, str, dict[str, Any], str, float | None]]:
    """(media key, kind, value, text, position) in insertion order."""
    porto, madrid = place(41.1496, -8.6110), place(40.4168, -3.7038)
    return [
        ("p1", "place", porto, f"{porto['town']}, {porto['country']}", None),
        ("p1", "text", text("Farmácia\nRua de Santa Catarina", "pt"),
         "Farmácia\nRua de Santa Catarina", None),
        ("p1", "language", language("pt"), "language pt", None),
        ("p1", "capture_time", JULY, "2021-07-03 10:00:00 +01:00", None),
        ("p2", "text", text("Pastelaria Doce Lar", "pt"), "Pastelaria Doce Lar", None),
        ("p2", "language", language("pt"), "language pt", None),
        ("pv", "text", text("PADARIA CENTRAL", "pt"), "PADARIA CENTRAL", 2.0),
        ("pv", "language", language("pt", 0.9), "language pt", 2.0),
        ("c1", "place", madrid, f"{madrid['town']}, {madrid['country']}", None),
        ("c1", "capture_time", JULY2, "2021-07-03 11:00:00 +02:00", None),
        ("c2", "language", language("pt"), "language pt", None),
        ("c2", "capture_time", JULY2, "2021-07-03 11:00:00 +02:00", None),
        ("d1", "text", text("Apotheke Hauptstraße", "de"), "Apotheke Hauptstraße", None),
        ("d1", "language", language("de"), "language de", None),
        ("d1", "capture_time", JANUARY, "2021-01-12 10:00:00 +01:00", None),
    ]


def populate(session: Session) -> dict[str, int]:
    """Insert the media, series and clues; return the series ids by name."""
    for key, kind in MEDIA.items():
        session.add(Media(sha256=sha(key), md5=sha(key)[:32], sha1=sha(key)[:40], size=1,
                          mime="image/jpeg" if kind == "image" else "video/mp4", kind=kind))
    session.flush()
    ids = {}
    for name, keys in SERIES.items():
        s = Series(name=name, status="active", locked=False, created_at=NOW, updated_at=NOW)
        session.add(s)
        session.flush()
        ids[name] = s.id
        for key in keys:
            session.add(SeriesMember(media_sha256=sha(key), series_id=s.id, added_at=NOW,
                                     added_by="test"))
    for key, kind, value, shown, position in clue_specs():
        session.add(Clue(media_sha256=sha(key), kind=kind, value=value, text=shown,
                         confidence=float(value.get("probability", 0.9)), position=position,
                         stage="test", extractor="test", extractor_version="1",
                         created_at=NOW))
    session.flush()
    return ids
