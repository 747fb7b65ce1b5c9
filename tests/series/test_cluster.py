"""Clustering: deterministic, strong links join, weak links only support, analyst constraints."""

from __future__ import annotations

import random

from lodestar.series.base import Link
from lodestar.series.cluster import cluster


def m(name: str) -> str:
    return name.ljust(64, "0")


def strong(a: str, b: str, score: float = 0.9, kind: str = "near-dup") -> Link:
    return Link(m(a), m(b), kind, score, "strong")


def weak(a: str, b: str, kind: str, score: float = 0.5) -> Link:
    return Link(m(a), m(b), kind, score, "weak")


def groups(members: dict[int, list[str]]) -> set[frozenset[str]]:
    return {frozenset(x[0] for x in shas) for shas in members.values()}


def test_shuffled_input_gives_the_same_series_and_ids() -> None:
    rng = random.Random(5)
    links = [strong(f"a{i}", f"a{i + 1}", 0.5 + i / 100) for i in range(8)]
    links += [strong(f"b{i}", f"b{i + 1}") for i in range(5)]
    links += [weak("a0", "b0", "folder"), weak("c0", "a3", "folder"), weak("c0", "a3", "camera")]
    first = cluster(links)
    for _ in range(5):
        rng.shuffle(links)
        again = cluster(list(links))
        assert again.members == first.members and again.new_ids == first.new_ids


def test_weak_links_alone_never_join() -> None:
    links = [weak("x", "y", "folder"), weak("x", "y", "camera"), weak("x", "y", "time-burst")]
    assert cluster(links).members == {}


def test_weak_support_attaches_a_loner_with_two_kinds_only() -> None:
    base = [strong("a", "b"), strong("b", "c")]
    one_kind = cluster([*base, weak("z", "a", "folder"), weak("z", "b", "folder")])
    assert groups(one_kind.members) == {frozenset("abc")}
    two_kinds = cluster([*base, weak("z", "a", "folder"), weak("z", "c", "camera")])
    assert groups(two_kinds.members) == {frozenset("abcz")}
    assert list(two_kinds.attached_by_weak) == [m("z")]


def test_weak_links_never_merge_two_strong_clusters() -> None:
    links = [strong("a", "b"), strong("x", "y")]
    links += [weak("a", "x", kind) for kind in ("folder", "camera", "time-burst")]
    assert groups(cluster(links).members) == {frozenset("ab"), frozenset("xy")}


def test_strong_links_under_the_threshold_do_not_join() -> None:
    assert cluster([strong("a", "b", 0.3)]).members == {}


def test_ids_follow_the_previous_build_and_new_media_join_without_renumbering() -> None:
    first = cluster([strong("a", "b"), strong("x", "y")], next_id=1)
    previous = first.series_of()
    ab_id = previous[m("a")]
    again = cluster(
        [strong("x", "y"), strong("a", "b"), strong("b", "new")], previous=previous, next_id=3
    )
    assert again.series_of()[m("new")] == ab_id and again.new_ids == []
    assert again.series_of()[m("x")] == previous[m("x")]
    fresh = cluster(
        [strong("a", "b"), strong("x", "y"), strong("p", "q")], previous=previous, next_id=3
    )
    assert fresh.new_ids == [3] and fresh.series_of()[m("p")] == 3


def test_locked_series_neither_gain_nor_lose() -> None:
    fixed = {m("a"): 7, m("b"): 7}
    links = [strong("a", "c"), strong("b", "d"), strong("c", "d")]
    result = cluster(links, fixed=fixed, locked={7}, next_id=8)
    assert groups(result.members) == {frozenset("ab"), frozenset("cd")}
    assert result.members[7] == [m("a"), m("b")]


def test_media_pinned_to_different_series_are_never_joined() -> None:
    fixed = {m("a"): 1, m("b"): 2}
    result = cluster([strong("a", "b"), strong("b", "c", 0.8)], fixed=fixed, next_id=3)
    assert result.members == {1: [m("a")], 2: [m("b"), m("c")]}
