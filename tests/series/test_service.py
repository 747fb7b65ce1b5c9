"""The series service on a real store (SQLite and PostgreSQL): build, why, and analyst edits."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from lodestar.errors import NotFound, UserError
from lodestar.series import service
from lodestar.store import Media, SeriesEvent
from lodestar.workspace import Workspace

from .conftest import TRUTH, Spec, populate, sha

ACTOR = "analyst-1@lab"


def build(ws: Workspace, **kw: Any) -> dict[str, Any]:
    with ws.store.session() as s:
        return service.build_series(s, actor="builder@lab", **kw)


def series_sets(ws: Workspace) -> dict[int, set[str]]:
    with ws.store.session() as s:
        return {r["id"]: set(r["members"]) for r in service.list_series(s)}


def ids_of(*keys: str) -> set[str]:
    return {sha(k) for k in keys}


def test_build_finds_the_true_series(linked_ws: Workspace) -> None:
    out = build(linked_ws)
    assert out["links"]["near-dup"] == 2 and out["attached_by_weak_links"] == 1
    found = set(map(frozenset, series_sets(linked_ws).values()))
    assert found == {frozenset(ids_of(*keys)) for keys in TRUTH.values()}
    with linked_ws.store.session() as s:
        b = next(r for r in service.list_series(s) if sha("b1") in r["members"])
        assert b["icse_series"] == "Known B" and b["victim_identified"] is True
        assert b["offender_identified"] is None


def test_rebuild_is_stable_and_new_media_join_without_renumbering(linked_ws: Workspace) -> None:
    build(linked_ws)
    before = series_sets(linked_ws)
    again = build(linked_ws)
    assert series_sets(linked_ws) == before and again["changed"] == again["created"] == []
    with linked_ws.store.session() as s:  # a new shot of series B arrives
        populate(s, (Spec("b3", serial="111", taken="2024:04:01 14:20:00", path="New/b3.jpg"),))
    out = build(linked_ws, incremental=True)
    assert out["new_media_considered"] == 1 and out["created"] == []
    after = series_sets(linked_ws)
    b_id = next(i for i, m in before.items() if sha("b1") in m)
    assert after[b_id] == before[b_id] | {sha("b3")}
    assert {i: m for i, m in after.items() if i != b_id} == {
        i: m for i, m in before.items() if i != b_id
    }


def test_why_explains_series_and_members(linked_ws: Workspace) -> None:
    build(linked_ws)
    a_id = next(i for i, m in series_sets(linked_ws).items() if sha("a1") in m)
    with linked_ws.store.session() as s:
        whole = service.why(s, series_id=a_id)
        assert {"near-dup", "time-burst", "video-frame", "camera", "folder"} <= set(whole["kinds"])
        assert all(link["evidence"] for link in whole["links"])
        video = service.why(s, series_id=a_id, media=sha("va")[:12])
        assert [x["kind"] for x in video["links"]] == ["video-frame"]
        assert video["links"][0]["other"] == sha("a3")
        weak = service.why(s, series_id=a_id, media=sha("z2"))
        assert {x["kind"] for x in weak["links"]} == {"camera", "folder"}
        with pytest.raises(UserError):
            service.why(s, series_id=a_id, media=sha("b1"))
        with pytest.raises(NotFound):
            service.why(s, series_id=999)


def _ids(ws: Workspace) -> tuple[int, int]:
    sets = series_sets(ws)
    a = next(i for i, m in sets.items() if sha("a1") in m)
    b = next(i for i, m in sets.items() if sha("b1") in m)
    return a, b


def test_edits_survive_a_rebuild(linked_ws: Workspace) -> None:
    build(linked_ws)
    a, b = _ids(linked_ws)
    with linked_ws.store.session() as s:
        new = service.split_series(
            s, series_id=a, media=[sha("va"), sha("a3")], actor=ACTOR, name="clip"
        )
        service.move_media(s, media=[sha("z2")], to_series=b, actor=ACTOR)
        service.name_series(s, series_id=b, name="Blue room", actor=ACTOR)
    edited = series_sets(linked_ws)
    assert edited[new["id"]] == ids_of("va", "a3") and sha("z2") in edited[b]
    out = build(linked_ws)
    assert series_sets(linked_ws) == edited and out["retired"] == []
    with linked_ws.store.session() as s:
        service.merge_series(s, into=a, others=[new["id"]], actor=ACTOR)
    merged = series_sets(linked_ws)
    assert new["id"] not in merged and ids_of("va", "a3") <= merged[a]
    build(linked_ws)
    assert series_sets(linked_ws) == merged
    with linked_ws.store.session() as s:
        shown = service.show_series(s, series_id=b)
        assert shown["name"] == "Blue room"
        actions = [e["action"] for e in shown["events"]]
        assert {"moved_in", "named"} <= set(actions)
        edits = [e for e in shown["events"] if e["action"] in ("moved_in", "named")]
        assert edits and all(e["actor"] == ACTOR and e["at"] for e in edits)
        assert {e["actor"] for e in shown["events"] if e["action"] == "known"} == {"builder@lab"}
        retired = service.show_series(s, series_id=new["id"])
        assert retired["status"] == "retired" and retired["merged_into"] == a


def test_locked_series_are_untouched_by_rebuilds(linked_ws: Workspace) -> None:
    build(linked_ws)
    a, _ = _ids(linked_ws)
    with linked_ws.store.session() as s:
        service.split_series(s, series_id=a, media=[sha("z2")], actor=ACTOR)
    with linked_ws.store.session() as s:
        service.move_media(s, media=[sha("z2")], to_series=a, actor=ACTOR)
        service.lock_series(s, series_id=a, actor=ACTOR)
    locked = series_sets(linked_ws)[a]
    with linked_ws.store.session() as s:  # a new near-duplicate of a1 arrives
        populate(s, (Spec("a1x", path="New/a1x.jpg", pdq_of="a1"),))
    build(linked_ws)
    assert series_sets(linked_ws)[a] == locked and sha("a1x") not in locked
    with linked_ws.store.session() as s:
        with pytest.raises(UserError, match="locked"):
            service.move_media(s, media=[sha("b1")], to_series=a, actor=ACTOR)
        service.lock_series(s, series_id=a, actor=ACTOR, locked=False)
    build(linked_ws)
    assert sha("a1x") in series_sets(linked_ws)[a]


def test_every_edit_is_an_event_with_who_and_when(linked_ws: Workspace) -> None:
    build(linked_ws)
    a, b = _ids(linked_ws)
    with linked_ws.store.session() as s:
        service.name_series(s, series_id=a, name="Room A", actor=ACTOR)
        service.mark_identified(s, series_id=a, victim=True, icse_series="ICSE-1", actor=ACTOR)
        service.lock_series(s, series_id=b, actor=ACTOR)
        service.lock_series(s, series_id=b, actor=ACTOR, locked=False)
        with pytest.raises(UserError):
            service.mark_identified(s, series_id=a, actor=ACTOR)
    with linked_ws.store.session() as s:
        events = s.scalars(select(SeriesEvent).where(SeriesEvent.actor == ACTOR)).all()
        got = sorted((e.series_id, e.action) for e in events)
        assert got == sorted([(a, "named"), (a, "identified"), (b, "locked"), (b, "unlocked")])
        assert all(e.at is not None for e in events)
        ident = next(e for e in events if e.action == "identified")
        assert ident.detail["new"] == {"victim_identified": True, "icse_series": "ICSE-1"}
        shown = service.show_series(s, series_id=a)
        assert shown["icse_series"] == "ICSE-1" and shown["victim_identified"] is True
        assert s.get(Media, sha("a1")) is not None


def test_bad_edits_are_user_errors(linked_ws: Workspace) -> None:
    build(linked_ws)
    a, b = _ids(linked_ws)
    with linked_ws.store.session() as s:
        with pytest.raises(UserError):
            service.split_series(s, series_id=a, media=[sha("b1")], actor=ACTOR)
        with pytest.raises(UserError):
            service.split_series(s, series_id=b, media=[sha("b1"), sha("b2")], actor=ACTOR)
        with pytest.raises(UserError):
            service.merge_series(s, into=a, others=[a], actor=ACTOR)
        with pytest.raises(NotFound):
            service.move_media(s, media=["ab" * 32], to_series=a, actor=ACTOR)
        with pytest.raises(UserError):
            service.build_series(s, actor=ACTOR, builder_names=["no-such-builder"])
