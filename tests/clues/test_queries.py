"""Clue queries on SQLite and PostgreSQL: per media, per series, text search, places."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from lodestar.clues.queries import (
    clues_for_media,
    clues_for_series,
    fold,
    places,
    search_text,
)
from lodestar.errors import LodestarError, UserError
from lodestar.workspace import Workspace

from .clue_rows import SERIES, clue_specs, populate, sha


@pytest.fixture
def store(ws: Workspace) -> Iterator[tuple[Session, dict[str, int]]]:
    with ws.store.session() as session:
        ids = populate(session)
        yield session, ids


def test_clues_of_one_media(store: tuple[Session, dict[str, int]]) -> None:
    session, ids = store
    rows = clues_for_media(session, sha256=sha("p1")[:10])
    assert [r["kind"] for r in rows] == ["place", "text", "language", "capture_time"]
    assert {r["media"] for r in rows} == {sha("p1")} and rows[0]["series_id"] == ids["porto"]
    assert rows[0]["value"]["country_code"] == "PT" and rows[0]["extractor"] == "test"
    json.dumps(rows, default=str)  # JSON-able
    only = clues_for_media(session, sha256=sha("p1"), kinds=["language"])
    assert [r["value"]["language"] for r in only] == ["pt"]
    assert clues_for_media(session, sha256=sha("n1")) == []
    assert clues_for_media(session, sha256=sha("d1"))[0]["series_id"] is None
    with pytest.raises(LodestarError, match="no media"):
        clues_for_media(session, sha256="abcdef12")


def test_clues_of_a_series(store: tuple[Session, dict[str, int]]) -> None:
    session, ids = store
    rows = clues_for_series(session, series_id=ids["porto"])
    want = sum(1 for key, *_ in clue_specs() if key in SERIES["porto"])
    assert len(rows) == want == 8
    assert {r["series_id"] for r in rows} == {ids["porto"]}
    medias = [r["media"] for r in rows]
    assert medias == sorted(medias)  # grouped by media
    video = [r for r in rows if r["media"] == sha("pv")]
    assert {r["position"] for r in video} == {2.0}
    texts = clues_for_series(session, series_id=ids["conflict"], kinds=["place"])
    assert [r["value"]["country_code"] for r in texts] == ["ES"]
    with pytest.raises(LodestarError, match="no series 4242"):
        clues_for_series(session, series_id=4242)


def test_fold_ignores_case_and_accents() -> None:
    assert fold("Farmácia HAUPTSTRASSE Łódź") == "farmacia hauptstrasse łodz"
    assert fold("Straße") == "strasse"


def test_search_text_is_case_and_accent_insensitive(
    store: tuple[Session, dict[str, int]],
) -> None:
    session, ids = store
    [hit] = search_text(session, query="FARMACIA", limit=10)
    assert hit["media"] == sha("p1") and hit["series_id"] == ids["porto"]
    assert "Farmácia" in hit["snippet"] and hit["language"] == "pt"
    assert [h["media"] for h in search_text(session, query="rua  catarina", limit=10)] == [
        sha("p1")
    ]
    assert search_text(session, query="hauptstrasse", limit=10)[0]["media"] == sha("d1")
    [video] = search_text(session, query="padaria", limit=10)
    assert video["position"] == 2.0 and video["text"] == "PADARIA CENTRAL"
    assert search_text(session, query="farmacia zzz", limit=10) == []  # every word must occur
    assert len(search_text(session, query="a", limit=2)) == 2
    assert search_text(session, query="porto", limit=10) == []  # text clues only by default
    assert search_text(session, query="porto", limit=10, kinds=["place"])[0]["kind"] == "place"
    with pytest.raises(UserError):
        search_text(session, query="  ", limit=10)


def test_places_have_coordinates_media_and_series(
    store: tuple[Session, dict[str, int]],
) -> None:
    session, ids = store
    rows = places(session)
    assert [(r["country_code"], r["series_id"]) for r in rows] == sorted(
        [("PT", ids["porto"]), ("ES", ids["conflict"])], key=lambda x: x[1]
    )
    porto = next(r for r in rows if r["country_code"] == "PT")
    assert porto["lat"] == pytest.approx(41.1496) and porto["lon"] == pytest.approx(-8.611)
    assert porto["town"] and porto["distance_km"] < 25 and porto["media"] == sha("p1")
