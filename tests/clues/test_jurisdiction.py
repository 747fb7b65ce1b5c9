"""Jurisdiction fusion: GPS ≫ language ≫ time offset, shares, tz data, conflicts, order."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import pytest

from lodestar.clues.jurisdiction import (
    ClueRecord,
    countries_with_offset,
    fuse,
    media_jurisdiction,
    series_jurisdiction,
)
from lodestar.errors import LodestarError
from lodestar.workspace import Workspace

from .clue_rows import JANUARY, JULY, JULY2, capture, language, place, populate, sha


def rec(i: int, kind: str, value: dict[str, Any], media: str = "m", conf: float = 0.9
        ) -> ClueRecord:
    return ClueRecord(i, media, kind, value, conf)


def codes(rows: list[dict[str, Any]]) -> list[str]:
    return [r["country_code"] for r in rows]


def by_code(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["country_code"]: r for r in rows}


def test_gps_place_alone_names_its_country() -> None:
    rows = fuse([rec(7, "place", place(52.0907, 5.1214))])
    assert codes(rows) == ["NL"] and rows[0]["score"] == 1.0
    assert rows[0]["country"] == "Netherlands"
    [ev] = rows[0]["evidence"]
    assert ev["kind"] == "place" and ev["clue_id"] == 7 and ev["weight"] == 4.0
    assert "Utrecht" in ev["why"]


def test_language_shares_follow_speakers_and_offset_narrows_them() -> None:
    alone = fuse([rec(1, "language", language("pt"))])
    assert alone[0]["country_code"] == "BR"  # most Portuguese speakers live in Brazil
    shares = {r["country_code"]: r["support"]["language"]["support"] for r in alone}
    assert shares["BR"] > shares["PT"] > 0 and {"AO", "MZ"} <= set(shares)
    assert sum(r["score"] for r in alone) == pytest.approx(1.0, abs=1e-3)
    # UTC+01:00 in July is Lisbon's summer time, never Brazil's: Portugal comes first.
    fused = fuse([rec(1, "language", language("pt")), rec(2, "capture_time", JULY)])
    assert fused[0]["country_code"] == "PT"
    pt, br = by_code(fused)["PT"], by_code(fused)["BR"]
    assert {e["kind"] for e in pt["evidence"]} == {"language", "time_offset"}
    assert [e["kind"] for e in br["evidence"]] == ["language"]  # still listed, with its why
    assert "Europe/Lisbon" in next(e["why"] for e in pt["evidence"] if e["clue_id"] == 2)


def test_offsets_come_from_tz_data_at_that_date() -> None:
    summer = countries_with_offset(120, datetime(2021, 7, 3, 9, tzinfo=UTC))
    winter = countries_with_offset(120, datetime(2021, 1, 12, 9, tzinfo=UTC))
    assert "DE" in summer and "DE" not in winter and {"FI", "ZA"} <= set(winter)
    assert "Europe/Berlin" in summer["DE"]
    assert set(countries_with_offset(330, datetime(2021, 1, 12, 9, tzinfo=UTC))) == {"IN", "LK"}
    rows = fuse([rec(1, "capture_time", capture("2021-01-12T14:30:00", "+05:30", ""))])
    assert set(codes(rows)) == {"IN", "LK"}  # UTC derived from local time and offset
    no_offset = dict(capture("2021-01-12T14:30:00", "", ""), offset=None)
    assert fuse([rec(1, "capture_time", no_offset)]) == []


def test_gps_outweighs_conflicting_language_and_both_stay_visible() -> None:
    rows = fuse([rec(1, "place", place(40.4168, -3.7038)), rec(2, "language", language("pt")),
                 rec(3, "capture_time", JULY2)])
    assert rows[0]["country_code"] == "ES" and rows[0]["score"] > 0.99
    pt = by_code(rows)["PT"]
    assert 0 < pt["score"] < 0.01 and [e["clue_id"] for e in pt["evidence"]] == [2]
    es_kinds = [e["kind"] for e in rows[0]["evidence"]]
    assert es_kinds == ["place", "time_offset"]  # strongest first; no language evidence


def test_near_fix_beats_far_one_and_several_of_a_kind_count_once() -> None:
    far = dict(place(48.1372, 11.5756), distance_km=140.0)  # a poor fix: weight 1
    rows = fuse([rec(1, "place", far), rec(2, "place", place(51.9244, 4.4777))])
    assert codes(rows) == ["NL", "DE"] and rows[1]["score"] > 0.0
    # Ten German signs in one series are one piece of evidence, not ten.
    many = fuse([rec(i, "language", language("de")) for i in range(10)]
                + [rec(99, "place", place(51.9244, 4.4777))])
    assert many[0]["country_code"] == "NL"
    assert len(by_code(many)["DE"]["evidence"]) == 10


def test_language_countries_as_pairs_or_codes_agree() -> None:
    from lodestar.clues.language import countries_for_language

    codes_only = language("de")
    pairs = dict(codes_only, countries=[list(p) for p in countries_for_language("de")])
    assert fuse([rec(1, "language", codes_only)]) == fuse([rec(1, "language", pairs)])


def test_order_is_deterministic_and_limit_keeps_the_top() -> None:
    clues = [rec(i, "capture_time", JANUARY if i % 2 else JULY, media=f"m{i}") for i in range(6)]
    clues += [rec(10, "language", language("nl")), rec(11, "language", language("fr"))]
    first = fuse(clues)
    for seed in range(3):
        shuffled = clues[:]
        random.Random(seed).shuffle(shuffled)
        assert fuse(shuffled) == first
    keys = [(-r["score"], r["country_code"]) for r in first]
    assert keys == sorted(keys)
    assert fuse(clues, limit=3) == first[:3]


def test_clues_saying_nothing_give_no_candidates() -> None:
    assert fuse([]) == []
    assert fuse([rec(1, "camera", {"make": "Canon", "model": "EOS 80D"})]) == []
    assert fuse([rec(1, "language", {"language": "xx", "probability": 1.0, "countries": []})]) == []


def test_series_and_media_from_the_store(ws: Workspace) -> None:
    with ws.store.session() as session:
        ids = populate(session)
        porto = series_jurisdiction(session, series_id=ids["porto"])
        assert porto[0]["country_code"] == "PT" and porto[0]["score"] > 0.9
        media = {e["media"] for e in porto[0]["evidence"]}
        assert media == {sha("p1"), sha("p2"), sha("pv")}
        conflict = series_jurisdiction(session, series_id=ids["conflict"])
        assert conflict[0]["country_code"] == "ES"
        assert by_code(conflict)["PT"]["evidence"][0]["media"] == sha("c2")
        assert media_jurisdiction(session, sha256=sha("d1")[:12])[0]["country_code"] == "DE"
        assert media_jurisdiction(session, sha256=sha("n1")) == []
        with pytest.raises(LodestarError, match="no series 999"):
            series_jurisdiction(session, series_id=999)
