"""Links → series: a deterministic, constrained union of strong links, with weak support.

1. Strong links with a score ≥ ``strong_min`` join media (union-find), taken in one fixed
   order (score, kind, pair) so that shuffled input gives the same series. Analyst constraints
   hold throughout: a *locked* series neither gains nor loses members, and media an analyst
   *pinned* to different series are never joined.
2. Weak links only support: a media left alone after step 1 joins a multi-media cluster when
   weak links of at least ``weak_kinds_to_attach`` different kinds tie it to that cluster.
   Weak links never join two clusters, nor two lone media.
3. Ids: a cluster holding pinned or locked media keeps that series' id; other clusters take
   the id of the previous build's series they overlap most (one-to-one, greedy by overlap), so
   ids survive re-builds and new media join existing series without renumbering; the rest get
   new ids in a fixed order.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from lodestar.series.base import Link

STRONG_MIN = 0.5
WEAK_KINDS_TO_ATTACH = 2


@dataclass
class Clustering:
    members: dict[int, list[str]]  # series id → sorted media
    new_ids: list[int]
    attached_by_weak: dict[str, int] = field(default_factory=dict)  # media → series id

    def series_of(self) -> dict[str, int]:
        return {sha: sid for sid, shas in self.members.items() for sha in shas}


class _Forest:
    """Union-find whose roots carry the series id an analyst fixed (if any)."""

    def __init__(self, fixed: Mapping[str, int], locked: Collection[int]) -> None:
        self.parent: dict[str, str] = {}
        self.label: dict[str, int] = {}
        self.size: dict[str, int] = {}
        self.locked = set(locked)
        first: dict[int, str] = {}
        for sha, sid in sorted(fixed.items()):  # one root per fixed series, locked or not
            self.add(sha)
            root = first.setdefault(sid, sha)
            if root == sha:
                self.label[sha] = sid
            else:
                self.parent[sha] = root
                self.size[root] += 1

    def add(self, x: str) -> None:
        if x not in self.parent:
            self.parent[x], self.size[x] = x, 1

    def find(self, x: str) -> str:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def can_join(self, rx: str, ry: str) -> bool:
        lx, ly = self.label.get(rx), self.label.get(ry)
        if lx in self.locked or ly in self.locked:
            return False
        return lx is None or ly is None or lx == ly

    def union(self, x: str, y: str) -> bool:
        rx, ry = self.find(x), self.find(y)
        if rx == ry or not self.can_join(rx, ry):
            return False
        if (self.size[rx], ry) < (self.size[ry], rx):  # deterministic: bigger (or smaller) wins
            rx, ry = ry, rx
        self.parent[ry] = rx
        self.size[rx] += self.size[ry]
        if ry in self.label:
            self.label[rx] = self.label.pop(ry)
        return True


def _link_order(link: Link) -> tuple[float, str, str, str]:
    return (-link.score, link.kind, link.a, link.b)


def cluster(
    links: Iterable[Link],
    *,
    fixed: Mapping[str, int] | None = None,
    locked: Collection[int] = (),
    previous: Mapping[str, int] | None = None,
    next_id: int = 1,
    strong_min: float = STRONG_MIN,
    weak_kinds_to_attach: int = WEAK_KINDS_TO_ATTACH,
) -> Clustering:
    """Series from links. ``fixed``: media → series id an analyst placed them in (pinned, or
    members of locked series, whose ids are in ``locked``); ``previous``: the last build's
    media → series id; ``next_id``: the first unused series id."""
    fixed = dict(fixed or {})
    forest = _Forest(fixed, locked)
    links = sorted(set(links), key=_link_order)
    for link in links:
        forest.add(link.a)
        forest.add(link.b)
    for link in links:
        if link.strength == "strong" and link.score >= strong_min:
            forest.union(link.a, link.b)
    attached = _weak_support(
        forest, [x for x in links if x.strength == "weak"], weak_kinds_to_attach
    )
    groups: dict[str, list[str]] = {}
    for sha in sorted(forest.parent):
        groups.setdefault(forest.find(sha), []).append(sha)
    members, new_ids = _assign_ids(forest, groups, previous or {}, next_id)
    series_of = {sha: sid for sid, shas in members.items() for sha in shas}
    return Clustering(
        members, new_ids, {sha: series_of[sha] for sha in attached if sha in series_of}
    )


def _weak_support(forest: _Forest, weak: list[Link], need: int) -> list[str]:
    """Attach lone media to the cluster their weak links of ≥ ``need`` kinds point at."""
    support: dict[str, dict[str, dict[str, float]]] = {}  # lone → root → kind → best score
    for link in weak:
        for lone, other in ((link.a, link.b), (link.b, link.a)):
            rl, ro = forest.find(lone), forest.find(other)
            if forest.size[rl] != 1 or forest.size[ro] < 2 or lone in forest.label:
                continue
            kinds = support.setdefault(lone, {}).setdefault(ro, {})
            kinds[link.kind] = max(kinds.get(link.kind, 0.0), link.score)
    plan: list[tuple[str, str]] = []
    for lone in sorted(support):
        ranked = sorted(
            support[lone].items(), key=lambda kv: (-len(kv[1]), -sum(kv[1].values()), kv[0])
        )
        root, kinds = ranked[0]
        if len(kinds) >= need:
            plan.append((lone, root))  # decided on the strong clusters only: no cascades
    return [lone for lone, root in plan if forest.union(lone, root)]


def _assign_ids(
    forest: _Forest, groups: dict[str, list[str]], previous: Mapping[str, int], next_id: int
) -> tuple[dict[int, list[str]], list[int]]:
    members: dict[int, list[str]] = {}
    free: list[tuple[str, list[str]]] = []
    for root, shas in groups.items():
        sid = forest.label.get(root)
        if sid is not None:
            members[sid] = shas
        elif len(shas) >= 2:
            free.append((shas[0], shas))
    taken = set(members)
    candidates = []
    for key, shas in free:
        overlap: dict[int, int] = {}
        for sha in shas:
            sid = previous.get(sha)
            if sid is not None and sid not in taken:
                overlap[sid] = overlap.get(sid, 0) + 1
        candidates += [(-n, sid, key) for sid, n in overlap.items()]
    placed: dict[str, int] = {}
    for _, sid, key in sorted(candidates):
        if sid not in taken and key not in placed:
            placed[key] = sid
            taken.add(sid)
    new_ids = []
    next_id = max([next_id - 1, *taken]) + 1
    for key, shas in sorted(free):
        sid = placed.get(key)
        if sid is None:
            sid, next_id = next_id, next_id + 1
            new_ids.append(sid)
        members[sid] = shas
    return dict(sorted(members.items())), new_ids
