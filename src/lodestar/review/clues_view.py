"""Clues as the workbench shows them: per media, per series, country candidates, video frames.

TODO(clues.queries): switch ``clues_for`` to ``lodestar.clues.queries.clues_for_media`` /
``clues_for_series`` once that module lands; until then the Clue table is read here directly.
Country candidates come from ``lodestar.clues.jurisdiction.series_jurisdiction`` when the caller
sees the whole operation; a liaison (who sees only some members) gets a simple vote of the place
and language clues of the members they may see, so nothing of other agencies' media leaks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from pathlib import Path
from typing import Any

import pycountry
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.clues.jurisdiction import series_jurisdiction
from lodestar.errors import NotFound
from lodestar.review.operation import get_visible_media
from lodestar.store import Clue

FRAME_KINDS = ("keyframe", "contact_sheet")
SHOWN_KINDS = (
    "camera",
    "camera_serial",
    "lens_serial",
    "software",
    "owner",
    "capture_time",
    "gps",
    "place",
    "text",
    "language",
)
# Weights of the fallback vote: a GPS-derived place is direct evidence; a language is spoken
# in several countries, so its vote is shared among them.
PLACE_WEIGHT, LANGUAGE_WEIGHT = 1.0, 0.4


def clue_as_dict(c: Clue) -> dict[str, Any]:
    value = dict(c.value or {})
    value.pop("boxes", None)  # OCR word boxes: bulky, and positions on an image we blur
    return {
        "id": c.id,
        "media": c.media_sha256,
        "kind": c.kind,
        "text": c.text,
        "value": value,
        "confidence": c.confidence,
        "position": c.position,
        "extractor": f"{c.extractor} {c.extractor_version}",
    }


def clues_for(
    session: Session, *, shas: Collection[str], limit: int = 2000
) -> list[dict[str, Any]]:
    """Shown clues of these media (no frames), by kind then confidence."""
    if not shas:
        return []
    rows = session.scalars(
        select(Clue)
        .where(Clue.media_sha256.in_(list(shas)), Clue.kind.in_(SHOWN_KINDS))
        .order_by(Clue.kind, Clue.confidence.desc(), Clue.id)
        .limit(limit)
    )
    return [clue_as_dict(c) for c in rows]


def grouped(clues: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Same kind and text across members shown once, with how many media carry it."""
    out: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for c in clues:
        entry = out[c["kind"]].setdefault(c["text"], {**c, "media_count": 0, "media_list": []})
        if c["media"] not in entry["media_list"]:
            entry["media_list"].append(c["media"])
            entry["media_count"] += 1
    return {k: sorted(v.values(), key=lambda e: -e["media_count"]) for k, v in out.items()}


def _country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code.upper())
    return country.name if country else code


def vote_countries(session: Session, *, shas: Collection[str]) -> list[dict[str, Any]]:
    """Rank countries by the clues of these media: place clues, then languages' countries."""
    scores: dict[str, float] = defaultdict(float)
    behind: dict[str, list[str]] = defaultdict(list)
    rows = session.scalars(
        select(Clue).where(Clue.media_sha256.in_(list(shas)), Clue.kind.in_(("place", "language")))
    )
    for c in rows:
        value = c.value or {}
        if c.kind == "place" and value.get("country_code"):
            code = str(value["country_code"]).upper()
            scores[code] += PLACE_WEIGHT * c.confidence
            behind[code].append(c.text)
        elif c.kind == "language":
            countries = [str(x).upper() for x in value.get("countries") or []]
            for code in countries:
                scores[code] += LANGUAGE_WEIGHT * c.confidence / len(countries)
                behind[code].append(c.text)
    total = sum(scores.values()) or 1.0
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    return [
        {
            "country_code": code,
            "country": _country_name(code),
            "score": round(score / total, 3),
            "clues": sorted(set(behind[code]))[:10],
        }
        for code, score in ranked
    ]


def country_candidates(
    session: Session, *, series_id: int, shas: Collection[str], whole_operation: bool
) -> list[dict[str, Any]]:
    if whole_operation:
        ranked = series_jurisdiction(session, series_id=series_id, limit=10)
        return [
            {
                "country_code": c["country_code"],
                "country": c["country"],
                "score": c["score"],
                "clues": [e["why"] for e in c["evidence"]][:10],
            }
            for c in ranked
        ]
    return vote_countries(session, shas=shas)


# -- video frames ------------------------------------------------------------------------------


def frames_of(session: Session, *, sha256: str) -> dict[str, Any]:
    """The contact sheet and keyframes of a video, by opaque id (the clue id), never a path."""
    rows = session.scalars(
        select(Clue)
        .where(Clue.media_sha256 == sha256, Clue.kind.in_(FRAME_KINDS))
        .order_by(Clue.position, Clue.id)
    )
    sheet, frames = None, []
    for c in rows:
        if not (c.value or {}).get("path"):
            continue
        if c.kind == "contact_sheet":
            sheet = c.id
        else:
            frames.append(
                {
                    "id": c.id,
                    "timestamp": c.position,
                    "scene_change": bool(c.value.get("scene_change")),
                }
            )
    return {"contact_sheet": sheet, "keyframes": frames}


def frame_path(
    session: Session, *, frame_id: int, derived: Path, scope: str | None
) -> tuple[str, Path]:
    """The media a frame belongs to (visible to the caller) and its file inside derived/."""
    clue = session.get(Clue, frame_id)
    if clue is None or clue.kind not in FRAME_KINDS:
        raise NotFound("no such frame", detail={"frame": frame_id})
    get_visible_media(session, sha256=clue.media_sha256, scope=scope)
    rel = (clue.value or {}).get("path")
    derived = derived.resolve()
    path = (derived / str(rel)).resolve() if rel else None
    if path is None or not path.is_relative_to(derived) or not path.is_file():
        raise NotFound("the file of this frame is missing", detail={"frame": frame_id})
    return clue.media_sha256, path
