"""Store models of the series stage: media links, series, their members and analyst events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lodestar.store.models import Base


class MediaLink(Base):
    """A scored, explained link between two media (``a_sha256`` < ``b_sha256``) by one builder."""

    __tablename__ = "links"
    __table_args__ = (
        UniqueConstraint("a_sha256", "b_sha256", "kind", name="uq_link"),
        Index("ix_link_b", "b_sha256"),
        Index("ix_link_kind", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    a_sha256: Mapped[str] = mapped_column(ForeignKey("media.sha256"))
    b_sha256: Mapped[str] = mapped_column(ForeignKey("media.sha256"))
    kind: Mapped[str] = mapped_column(String(32))  # builder name: near-dup, camera, folder, …
    builder_version: Mapped[str] = mapped_column(String(32))
    score: Mapped[float] = mapped_column(Float)
    strength: Mapped[str] = mapped_column(String(8))  # strong | weak
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Series(Base):
    """A cluster of media: built from links, then named, merged, split, locked by analysts."""

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(255))
    # active | retired (emptied by a re-build or a merge; kept for its events)
    status: Mapped[str] = mapped_column(String(16), default="active")
    locked: Mapped[bool] = mapped_column(default=False)
    victim_identified: Mapped[bool | None]
    offender_identified: Mapped[bool | None]
    icse_series: Mapped[str | None] = mapped_column(String(255))  # known (ICSE/VICS) name
    merged_into: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SeriesMember(Base):
    """One media in one series (a media is in at most one series)."""

    __tablename__ = "series_members"

    media_sha256: Mapped[str] = mapped_column(ForeignKey("media.sha256"), primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id"), index=True)
    # Placed by an analyst (move, split, merge): a re-build leaves it where it is.
    pinned: Mapped[bool] = mapped_column(default=False)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    added_by: Mapped[str] = mapped_column(String(128))


class SeriesEvent(Base):
    """Append-only history of a series: builds and every analyst edit, with who and when."""

    __tablename__ = "series_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("series.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))  # created, built, named, merged, split, …
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
