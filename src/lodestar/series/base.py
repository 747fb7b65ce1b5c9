"""The link-builder contract: a registered plug-in that returns scored, explained media links.

A builder reads what earlier stages stored (matches, signals, media facts, items) and returns
:class:`Link` values; it never writes. The series service stores them and the clusterer turns
them into series. ``strong`` links may join media into one series on their own; ``weak`` links
only support (see :mod:`lodestar.series.cluster`).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

from sqlalchemy.orm import Session

from lodestar.registry import Registry

Strength = Literal["strong", "weak"]
STRENGTHS: tuple[Strength, ...] = ("strong", "weak")


@dataclass(frozen=True)
class Link:
    """Media ``a`` ↔ media ``b`` (SHA-256, stored ordered a < b) with why they belong together."""

    a: str
    b: str
    kind: str
    score: float
    strength: Strength
    evidence: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.a == self.b:
            raise ValueError(f"a link joins two different media, not {self.a} to itself")
        if self.a > self.b:  # one order, so a pair found twice is one row
            a, b = self.b, self.a
            object.__setattr__(self, "a", a)
            object.__setattr__(self, "b", b)
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"link score must be within 0..1, not {self.score}")
        if self.strength not in STRENGTHS:
            raise ValueError(f"link strength must be strong or weak, not {self.strength!r}")

    @property
    def pair(self) -> tuple[str, str]:
        return self.a, self.b

    def touches(self, media: Collection[str]) -> bool:
        return self.a in media or self.b in media


@runtime_checkable
class LinkBuilder(Protocol):
    name: ClassVar[str]  # also the kind of the links it returns
    version: ClassVar[str]

    def build(self, session: Session, *, media: Collection[str] | None = None) -> Iterable[Link]:
        """Every link this builder finds; with ``media``, only links touching one of them."""
        ...


link_builders: Registry[LinkBuilder] = Registry("link builder")


def only_touching(links: Iterable[Link], media: Collection[str] | None) -> Iterable[Link]:
    if media is None:
        return links
    wanted = set(media)
    return (link for link in links if link.touches(wanted))


class LinkBuilderConformance:
    """Standard tests every link builder passes (mix into a pytest class).

    The test class sets ``builder`` and provides a ``linked_session`` fixture: a session on a
    store where this builder is expected to find at least one link.
    """

    builder: ClassVar[LinkBuilder]

    def test_named_versioned_and_registered(self) -> None:
        assert isinstance(self.builder, LinkBuilder)
        assert self.builder.name and self.builder.version
        assert link_builders.get(self.builder.name) is self.builder

    def test_links_are_well_formed(self, linked_session: Session) -> None:
        from lodestar.store import Media

        links = list(self.builder.build(linked_session))
        assert links, f"{self.builder.name} found no link on its sample store"
        for link in links:
            assert link.kind == self.builder.name
            assert link.a < link.b and linked_session.get(Media, link.a) is not None
            assert linked_session.get(Media, link.b) is not None
            assert 0.0 <= link.score <= 1.0 and link.strength in STRENGTHS
            json.dumps(link.evidence)  # stored as JSON and shown by `series why`
        assert len({link.pair for link in links}) == len(links), "one link per pair"

    def test_deterministic(self, linked_session: Session) -> None:
        def run() -> list[str]:
            found = self.builder.build(linked_session)
            return sorted(repr((x.pair, x.score, x.strength, x.evidence)) for x in found)

        assert run() == run()

    def test_media_filter_is_incremental(self, linked_session: Session) -> None:
        full = {link.pair: link for link in self.builder.build(linked_session)}
        one = sorted(full)[0][0]
        part = {link.pair: link for link in self.builder.build(linked_session, media=[one])}
        assert part and all(one in pair for pair in part)
        assert part == {p: x for p, x in full.items() if one in p}

    def test_unknown_media_give_nothing(self, linked_session: Session) -> None:
        assert list(self.builder.build(linked_session, media=["0" * 64])) == []
