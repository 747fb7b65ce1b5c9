"""A map of place clues, drawn server-side as SVG over vendored country outlines (no tiles).

The outlines are world-atlas' ``countries-110m.json`` (TopoJSON of Natural Earth, vendored in
static/, see VENDORED.md). TopoJSON decoding is the spec's few lines (delta-decode quantised
arcs, stitch them into rings), written here rather than pulling a GIS stack into the web app.
The projection is plate carrée: enough to read "which country, roughly where".
"""

from __future__ import annotations

import json
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Any

import pycountry
from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.errors import DataError
from lodestar.review.series_read import visible_shas
from lodestar.store import Clue, SeriesMember

TOPOJSON = Path(__file__).parent / "static" / "countries-110m.json"
WIDTH, HEIGHT = 960, 480


def project(lon: float, lat: float) -> tuple[float, float]:
    return (lon + 180.0) / 360.0 * WIDTH, (90.0 - lat) / 180.0 * HEIGHT


def _decode_arcs(topo: dict[str, Any]) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append(project(x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _ring(arcs: list[list[tuple[float, float]]], indexes: list[int]) -> str:
    points: list[tuple[float, float]] = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        points.extend(arc if not points else arc[1:])  # arcs share their end points
    return "M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in points) + "Z"


def _alpha2(numeric: str | None) -> str | None:
    if not numeric:
        return None
    country = pycountry.countries.get(numeric=str(numeric).zfill(3))
    return country.alpha_2 if country else None


@lru_cache(maxsize=1)
def countries() -> tuple[dict[str, Any], ...]:
    """Each country's name, ISO alpha-2 code and SVG path (computed once per process)."""
    try:
        topo = json.loads(TOPOJSON.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read the vendored world map {TOPOJSON.name}: {exc}") from exc
    arcs = _decode_arcs(topo)
    out = []
    for geometry in topo["objects"]["countries"]["geometries"]:
        kind = geometry.get("type")
        polygons = [geometry["arcs"]] if kind == "Polygon" else geometry.get("arcs", [])
        if kind not in ("Polygon", "MultiPolygon"):
            continue
        path = "".join(_ring(arcs, ring) for polygon in polygons for ring in polygon)
        out.append(
            {
                "name": geometry.get("properties", {}).get("name", ""),
                "code": _alpha2(geometry.get("id")),
                "d": path,
            }
        )
    return tuple(out)


def places(session: Session, *, scope: str | None) -> list[dict[str, Any]]:
    """Place clues the caller may see, one point per town (rounded fix), with media counts."""
    visible = visible_shas(session, scope=scope)
    rows = session.execute(
        select(Clue.media_sha256, Clue.value, SeriesMember.series_id)
        .join(SeriesMember, SeriesMember.media_sha256 == Clue.media_sha256, isouter=True)
        .where(Clue.kind == "place")
    )
    points: dict[tuple[Any, ...], dict[str, Any]] = {}
    media: dict[tuple[Any, ...], set[str]] = defaultdict(set)
    for sha, value, series_id in rows:
        value = value or {}
        if (visible is not None and sha not in visible) or value.get("lat") is None:
            continue
        lat, lon = float(value["lat"]), float(value["lon"])
        key = (value.get("country_code"), value.get("town"), round(lat, 1), round(lon, 1))
        x, y = project(lon, lat)
        point = points.setdefault(
            key,
            {
                "country_code": value.get("country_code"),
                "country": value.get("country"),
                "town": value.get("town"),
                "lat": round(lat, 3),
                "lon": round(lon, 3),
                "x": round(x, 1),
                "y": round(y, 1),
                "series": set(),
            },
        )
        media[key].add(sha)
        if series_id is not None:
            point["series"].add(series_id)
    out = []
    for key, point in points.items():
        point["media"] = len(media[key])
        point["series"] = sorted(point["series"])
        out.append(point)
    return sorted(out, key=lambda p: (-p["media"], str(p["town"])))
