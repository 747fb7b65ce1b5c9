"""Folder links (weak): media found in the same folder of the same source.

Folders mix series (a Downloads folder, a phone's DCIM), so these links only support. Small
folders link every pair, so a member can be supported by any series mate in the folder; large
ones (over :data:`PAIRWISE_MAX`) link neighbours by name only, to stay linear.
"""

from __future__ import annotations

import posixpath
from collections.abc import Collection, Iterable
from itertools import combinations
from typing import ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.series.base import SERIES_KINDS, Link, Strength, link_builders, only_touching
from lodestar.store import Item, Media, Source

PAIRWISE_MAX = 64


def folders(session: Session) -> dict[tuple[str, str], list[str]]:
    """(source label, folder path spec) → sorted distinct media of the series kinds."""
    rows = session.execute(
        select(Source.label, Item.path_spec, Item.media_sha256)
        .join(Source, Source.id == Item.source_id)
        .join(Media, Media.sha256 == Item.media_sha256)
        .where(Media.kind.in_(SERIES_KINDS))
    )
    out: dict[tuple[str, str], dict[str, str]] = {}
    for label, spec, sha in rows:
        if sha is None:
            continue
        name_sorted = out.setdefault((label, posixpath.dirname(spec)), {})
        name = posixpath.basename(spec)
        if sha not in name_sorted or name < name_sorted[sha]:
            name_sorted[sha] = name
    return {
        key: [sha for sha, _ in sorted(members.items(), key=lambda m: (m[1], m[0]))]
        for key, members in out.items()
    }


class FolderLinks:
    name: ClassVar[str] = "folder"
    version: ClassVar[str] = "1"
    strengths: ClassVar[tuple[Strength, ...]] = ("weak",)  # folders mix series

    def build(self, session: Session, *, media: Collection[str] | None = None) -> Iterable[Link]:
        found: dict[tuple[str, str], Link] = {}
        for (label, folder), members in sorted(folders(session).items()):
            if len(members) < 2:
                continue
            pairwise = len(members) <= PAIRWISE_MAX
            pairs = (
                combinations(members, 2) if pairwise else zip(members, members[1:], strict=False)
            )
            score = 0.5 if pairwise else 0.3
            evidence = {"source": label, "folder": folder or "/", "media_in_folder": len(members)}
            for a, b in pairs:
                link = Link(a, b, self.name, score, "weak", evidence)
                found.setdefault(link.pair, link)
        return list(only_touching([found[p] for p in sorted(found)], media))


folder_links = link_builders.register(FolderLinks())
