"""A map of place clues, drawn server-side as SVG over vendored country outlines (no tiles).

The outlines are world-atlas' ``countries-110m.json`` (TopoJSON of Natural Earth, vendored in
static/, see VENDORED.md). TopoJSON decoding is the spec's few lines (delta-decode quantised
arcs, stitch them into rings), written here rather than pulling a GIS stack into the web app.
The projection is plate carrée: enough to read "which country, roughly where".
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pycountry
from sqlalchemy import Numeric, cast, func, select
from sqlalchemy.orm import Session

from lodestar.errors import DataError
from lodestar.review import readcache
from lodestar.store import Clue, Item, SeriesMember, Source

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


def _place_key() -> tuple[Any, ...]:
    """Country, name, town and the fix rounded to 0.1° (about a town), read from the JSON in SQL
    so the clue values are never decoded in Python."""
    value = Clue.value
    return (
        value["country_code"].as_string(),
        value["country"].as_string(),
        value["town"].as_string(),
        func.round(cast(value["lat"].as_float(), Numeric), 1),
        func.round(cast(value["lon"].as_float(), Numeric), 1),
    )


def _place_clues(scope: str | None) -> Any:
    """Place clues with a fix that the caller may see (a subquery with the key columns)."""
    cc, country, town, lat1, lon1 = _place_key()
    query = select(
        Clue.media_sha256.label("sha"),
        cc.label("cc"),
        country.label("country"),
        town.label("town"),
        lat1.label("lat1"),
        lon1.label("lon1"),
        Clue.value["lat"].as_float().label("lat"),
        Clue.value["lon"].as_float().label("lon"),
    ).where(Clue.kind == "place", Clue.value["lat"].as_float().is_not(None))
    if scope is not None:
        visible = (
            select(Item.media_sha256)
            .join(Source, Source.id == Item.source_id)
            .where(Source.agency == scope)
        )
        query = query.where(Clue.media_sha256.in_(visible))
    return query.subquery()


def places(session: Session, *, scope: str | None) -> list[dict[str, Any]]:
    """Map points, cached per scope until the pipeline writes (``readcache``)."""
    return readcache.cached(session, "places", scope, lambda: _places(session, scope=scope))


def _places(session: Session, *, scope: str | None) -> list[dict[str, Any]]:
    """Place clues the caller may see, one point per town (rounded fix), with media counts.

    One grouped query per (point, series): a media is in at most one series, so the media
    counts of a point's series groups add up to the point's."""
    clues = _place_clues(scope)
    key = (clues.c.cc, clues.c.town, clues.c.lat1, clues.c.lon1)
    rows = session.execute(
        select(
            *key,
            SeriesMember.series_id,
            func.min(clues.c.country),
            func.min(clues.c.lat),
            func.min(clues.c.lon),
            func.count(func.distinct(clues.c.sha)),
        )
        .join(SeriesMember, SeriesMember.media_sha256 == clues.c.sha, isouter=True)
        .group_by(*key, SeriesMember.series_id)
    )
    points: dict[tuple[Any, ...], dict[str, Any]] = {}
    for cc, town, lat1, lon1, series_id, country, lat, lon, media in rows:
        point = points.setdefault(
            (cc, town, lat1, lon1),
            {"country_code": cc, "country": country, "town": town, "lat": lat, "lon": lon},
        )
        point["country"] = _least(point["country"], country)
        point["lat"], point["lon"] = _least(point["lat"], lat), _least(point["lon"], lon)
        point.setdefault("series", []).append(series_id)
        point["media"] = point.get("media", 0) + int(media)
    return sorted(
        (_finished(p) for p in points.values()), key=lambda p: (-p["media"], str(p["town"]))
    )


def _least(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else min(a, b)


def _finished(point: dict[str, Any]) -> dict[str, Any]:
    lat, lon = float(point["lat"]), float(point["lon"])
    x, y = project(lon, lat)
    return point | {
        "lat": round(lat, 3),
        "lon": round(lon, 3),
        "x": round(x, 1),
        "y": round(y, 1),
        "series": sorted(s for s in point["series"] if s is not None),
    }
