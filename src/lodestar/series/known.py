"""Known-series links: media that match entries of the same named series in an imported set.

A Project VIC / ICSE entry names the series it belongs to; two workspace media matching
entries with the same series name belong together. Known-ignorable sets (NSRL-like) are
skipped. Links run as a chain over each series' media (sorted), not all pairs: the chain
joins them just as well and stays linear in size.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.series.base import Link, Strength, link_builders, only_touching
from lodestar.store import HashSet, HashSetEntry, Match


def known_series_of_media(session: Session) -> dict[str, list[tuple[str, str]]]:
    """Known series name → sorted [(media sha256, set name)] from stored set matches."""
    rows = session.execute(
        select(HashSetEntry.series, Match.media_sha256, HashSet.name)
        .join(HashSetEntry, HashSetEntry.id == Match.entry_id)
        .join(HashSet, HashSet.id == Match.set_id)
        .where(HashSetEntry.series.is_not(None), HashSet.known_ignorable.is_(False))
    ).all()
    groups: dict[str, set[tuple[str, str]]] = {}
    for series, sha, set_name in rows:
        name = (series or "").strip()
        if name:
            groups.setdefault(name, set()).add((sha, set_name))
    out: dict[str, list[tuple[str, str]]] = {}
    for name, members in groups.items():
        best: dict[str, str] = {}
        for sha, set_name in sorted(members):
            best.setdefault(sha, set_name)
        out[name] = sorted(best.items())
    return out


class KnownSeriesLinks:
    name: ClassVar[str] = "known-series"
    version: ClassVar[str] = "1"
    strengths: ClassVar[tuple[Strength, ...]] = ("strong",)

    def build(self, session: Session, *, media: Collection[str] | None = None) -> Iterable[Link]:
        links = []
        for series, members in sorted(known_series_of_media(session).items()):
            for (a, set_a), (b, set_b) in zip(members, members[1:], strict=False):
                evidence = {"series": series, "sets": sorted({set_a, set_b})}
                links.append(Link(a, b, self.name, 1.0, "strong", evidence))
        return list(only_touching(links, media))


known_series_links = link_builders.register(KnownSeriesLinks())
