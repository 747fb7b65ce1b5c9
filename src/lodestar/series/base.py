"""The link-builder contract: a registered plug-in that returns scored, explained media links.

A builder reads what earlier stages stored (matches, signals, media facts, items) and returns
:class:`Link` values; it never writes. The series service stores them and the clusterer turns
them into series. ``strong`` links may join media into one series on their own; ``weak`` links
only support (see :mod:`lodestar.series.cluster`).

A builder is one module that registers an instance in :data:`link_builders` at import: a
built-in module is named in the registry's ``builtins``, a third party's is a
``lodestar.plugins`` entry point. What a builder needs or may return is declared on its class
(:class:`LinkBuilder`'s ``strengths``, the :class:`ReadsArtifacts` capability), never by its
membership in a list elsewhere. Builders run in name order (the registry's), which matters to
nobody: each reads only what earlier stages stored, never another builder's links.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

from sqlalchemy.orm import Session

from lodestar.registry import Registry

Strength = Literal["strong", "weak"]
STRENGTHS: tuple[Strength, ...] = ("strong", "weak")
SERIES_KINDS: tuple[str, ...] = ("image", "video")  # the media kinds series are made of


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
    """A registered link builder. ``strengths`` declares which links it may return: a builder
    of ``("weak",)`` only ever supports (its links never join media on their own)."""

    name: ClassVar[str]  # also the kind of the links it returns
    version: ClassVar[str]
    strengths: ClassVar[tuple[Strength, ...]]

    def build(self, session: Session, *, media: Collection[str] | None = None) -> Iterable[Link]:
        """Every link this builder finds; with ``media``, only links touching one of them."""
        ...


@runtime_checkable
class ReadsArtifacts(Protocol):
    """Capability: the builder reads derived artifacts or evidence, which it finds through the
    workspace (:func:`lodestar.series.context.build_context`), not the store alone.

    Such a builder must cope with their absence: an unknown workspace is a logged warning and
    no links, a missing artifact or unreadable evidence gives no link for that media — never
    an exception that would stop a whole ``series build``.
    """

    artifacts: ClassVar[tuple[str, ...]]  # what it reads, in words (shown by tests and docs)


def reads_artifacts(builder: LinkBuilder) -> tuple[str, ...]:
    """What ``builder`` reads besides the store (empty for store-only builders)."""
    return tuple(builder.artifacts) if isinstance(builder, ReadsArtifacts) else ()


# The first lookup imports these modules; each registers its builder(s) at import.
link_builders: Registry[LinkBuilder] = Registry(
    "link builder",
    builtins=(
        "lodestar.series.neardup",
        "lodestar.series.keyframe",
        "lodestar.series.known",
        "lodestar.series.camera",
        "lodestar.series.folder",
        "lodestar.series.scene",
        "lodestar.series.video_scene",
        "lodestar.series.prnu_links",
    ),
)


def only_touching(links: Iterable[Link], media: Collection[str] | None) -> Iterable[Link]:
    if media is None:
        return links
    wanted = set(media)
    return (link for link in links if link.touches(wanted))
