"""Language of recognised text, and the countries where that language is spoken.

Identification uses ``py3langid`` (a maintained fork of langid.py): its model ships inside the
wheel (no download), covers 97 languages incl. Thai, Estonian, Latvian, Croatian, Romanian and
Swedish, and costs about 120 MB RSS once per process (loaded lazily, then reused).

Countries come from CLDR's territory language data as shipped by ``babel``: no hand-typed table.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from babel.core import get_global

from lodestar.clues.base import ClueValue

# The languages the OCR stage reads by default (ISO 639-1). Restricting the detector to the
# languages that were actually OCR'd keeps short sign texts ("Apteka") from landing on unrelated
# languages with similar spelling.
DEFAULT_LANGUAGES: tuple[str, ...] = (
    "en", "pt", "es", "fr", "de", "nl", "pl", "ro", "sv", "et", "lv", "hr", "th",
)
MIN_LETTERS = 4  # fewer letters than this say nothing reliable about a language

# CLDR official status, strongest first.
_STATUS_RANK: dict[str | None, int] = {
    "official": 0, "de_facto_official": 1, "official_regional": 2, "official_minority": 3,
    None: 4,
}


@dataclass(frozen=True)
class LanguageGuess:
    language: str  # ISO 639-1 where one exists
    probability: float


_lock = threading.Lock()
_identifier: Any = None


def _get_identifier() -> Any:
    """The py3langid identifier, loaded once per process (about 1.5 s, 120 MB)."""
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return _identifier


def to_iso639_1(code: str) -> str:
    """Tesseract / ISO 639-2 code ('deu', 'ger', 'tha') -> ISO 639-1 ('de', 'th') via CLDR."""
    code = code.strip().lower()
    if len(code) == 2:
        return code
    alias = get_global("language_aliases").get(code)
    return str(alias) if alias else code


def _letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


def identify(text: str, languages: tuple[str, ...] | None = DEFAULT_LANGUAGES
             ) -> LanguageGuess | None:
    """Most likely language of ``text`` among ``languages`` (all the model knows when None).

    Returns None for text with too few letters to tell.
    """
    text = re.sub(r"\s+", " ", text).strip()
    if _letters(text) < MIN_LETTERS:
        return None
    ranked: list[tuple[str, float]] = _get_identifier().rank(text)
    if languages is not None:
        allowed = {to_iso639_1(code) for code in languages}
        ranked = [(lang, p) for lang, p in ranked if lang in allowed]
    total = sum(p for _, p in ranked)
    if not ranked or total <= 0.0:
        return None
    lang, p = max(ranked, key=lambda pair: pair[1])
    # Renormalising over the allowed set equals restricting the model to it (softmax ratios).
    return LanguageGuess(lang, round(float(p / total), 4))


@lru_cache(maxsize=256)
def _countries(code: str) -> tuple[tuple[str, float, int], ...]:
    found: list[tuple[str, float, int]] = []
    for territory, langs in get_global("territory_languages").items():
        info = langs.get(code)
        if info is None or not (len(territory) == 2 and territory.isalpha()):
            continue  # skip regions such as 001 / 150
        share = float(info.get("population_percent") or 0.0) / 100.0
        found.append((territory, share, _STATUS_RANK.get(info.get("official_status"), 4)))
    return tuple(found)


def _likely_region(code: str) -> str | None:
    subtags = get_global("likely_subtags").get(code)
    region = str(subtags).split("_")[-1] if subtags else ""
    return region if len(region) == 2 and region.isalpha() else None


def countries_for_language(code: str, *, min_share: float = 0.05,
                           limit: int | None = 20) -> list[tuple[str, float]]:
    """Countries where ``code`` is spoken, from CLDR: the language's likely region first (CLDR
    likely subtags: pt -> BR, de -> DE), then official ones, then by the share of the population
    that speaks it. Non-official languages below ``min_share`` are left out."""
    code = to_iso639_1(code)
    likely = _likely_region(code)
    rows = [row for row in _countries(code) if row[2] < 4 or row[1] >= min_share]
    rows.sort(key=lambda row: (row[0] != likely, row[2] > 2, -row[1], row[2], row[0]))
    return [(cc, round(share, 4)) for cc, share, _ in rows[:limit]]


def language_clue(guess: LanguageGuess, *, position: float | None = None) -> ClueValue:
    """A ``language`` clue: {language, probability, countries} (CLUE_KINDS)."""
    countries = [cc for cc, _ in countries_for_language(guess.language)]
    shown = ", ".join(countries[:5]) or "no country data"
    return ClueValue(
        kind="language",
        value={"language": guess.language, "probability": guess.probability,
               "countries": countries},
        text=f"language {guess.language} ({shown})",
        confidence=guess.probability,
        position=position,
    )
