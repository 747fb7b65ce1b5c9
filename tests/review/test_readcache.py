"""Cached read-side figures follow pipeline writes and stay separate per agency scope."""

from __future__ import annotations

from lodestar.review import operation, people, readcache, series_read
from lodestar.web import world_map

from .conftest import AGENCY_A, AGENCY_B, Operation, _add_clues, _add_media, _add_series


def _summary(op: Operation, scope: str | None) -> dict[str, object]:
    with op.ws.store.session() as session:
        return operation.summary(session, scope=scope)


def _towns(op: Operation, scope: str | None) -> set[str]:
    with op.ws.store.session() as session:
        return {str(p["town"]) for p in world_map.places(session, scope=scope)}


def test_summary_follows_new_media_per_scope(op: Operation) -> None:
    before, before_b = _summary(op, None), _summary(op, AGENCY_B)
    assert _summary(op, None) == before  # a cache hit gives the same figures
    _add_media(op.ws, AGENCY_A, 120, kind="other")
    assert _summary(op, None)["unique_media"] == int(str(before["unique_media"])) + 1
    assert _summary(op, AGENCY_B) == before_b  # another agency's media: not in B's view
    assert _summary(op, AGENCY_A)["unique_media"] == 3  # image, video and the new one


def test_cached_figures_are_copies(op: Operation) -> None:
    first = _summary(op, None)
    first["sources"].clear()  # type: ignore[attr-defined]
    assert _summary(op, None)["sources"]


def test_map_and_queue_follow_new_clues_and_series(op: Operation) -> None:
    assert _towns(op, AGENCY_B) == {"Utrecht"}
    assert _towns(op, None) == {"Braga", "Utrecht"}
    sha, _ = _add_media(op.ws, AGENCY_B, 160, kind="other")
    _add_clues(op.ws, sha, None, op.clock.now)
    _add_series(op.ws, 9, [sha], op.clock.now)
    assert _towns(op, AGENCY_B) == {"Utrecht"}  # same town, one more media
    with op.ws.store.session() as session:
        points = world_map.places(session, scope=AGENCY_B)
        assert [(p["media"], p["series"]) for p in points] == [(2, [2, 9])]
        coord = people.get_user(session, username="coord").id
        counts = series_read.queue_counts(session, user_id=int(coord), scope=AGENCY_B)
        assert counts["series"] == 2
        rows = series_read.queue(session, user_id=int(coord), scope=AGENCY_B)
        assert {r["id"]: r["countries"] for r in rows} == {2: ["NL"], 9: ["NL"]}
        assert series_read.queue_counts(session, user_id=int(coord), scope=AGENCY_A)["series"] == 1


def test_clear_forgets_everything(op: Operation) -> None:
    _summary(op, None)
    readcache.clear()
    assert _summary(op, None)["unique_media"] == 3
