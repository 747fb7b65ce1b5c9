"""Language identification (py3langid) and CLDR language -> countries (babel)."""

from __future__ import annotations

import pytest

from lodestar.clues.language import (
    countries_for_language,
    identify,
    language_clue,
    to_iso639_1,
)
from lodestar.demo.catalog import LANGUAGES


@pytest.mark.parametrize("lang", LANGUAGES, ids=lambda lang: lang.code)
def test_identifies_each_demo_language_from_its_phrases(lang: object) -> None:
    text = " ".join(lang.phrases[:6])  # type: ignore[attr-defined]
    guess = identify(text)
    assert guess is not None
    assert guess.language == lang.code  # type: ignore[attr-defined]
    assert 0.0 < guess.probability <= 1.0


def test_too_little_text_is_no_guess() -> None:
    assert identify("1 L") is None
    assert identify("   ") is None


def test_restricting_languages_renormalises() -> None:
    free = identify("Bokhandel torget", None)
    only = identify("Bokhandel torget", ("sv", "de"))
    assert only is not None and only.language in ("sv", "de")
    assert free is None or only.probability >= free.probability


@pytest.mark.parametrize(("code", "country"), [
    ("th", "TH"), ("et", "EE"), ("lv", "LV"), ("hr", "HR"), ("ro", "RO"), ("sv", "SE"),
    ("pl", "PL"), ("nl", "NL"), ("de", "DE"), ("pt", "PT"), ("es", "ES"), ("fr", "FR"),
])
def test_countries_from_cldr(code: str, country: str) -> None:
    found = countries_for_language(code)
    assert country in [cc for cc, _ in found][:6]
    assert all(len(cc) == 2 and 0.0 <= share <= 1.0 for cc, share in found)


def test_likely_region_comes_first_and_alpha3_codes_map() -> None:
    assert countries_for_language("tha")[0][0] == "TH"
    assert countries_for_language("deu")[0][0] == "DE"
    assert to_iso639_1("ron") == "ro" and to_iso639_1("en") == "en"
    assert countries_for_language("zz-unknown") == []


def test_language_clue_payload() -> None:
    guess = identify("Rüütli tänav Raekoja plats")
    assert guess is not None
    clue = language_clue(guess)
    assert clue.kind == "language"
    assert clue.value["language"] == "et" and clue.value["countries"][0] == "EE"
    assert clue.confidence == guess.probability
