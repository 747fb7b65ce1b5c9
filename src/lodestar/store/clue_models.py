"""Store models of the clue stage: typed, sourced clues and the deep pass's bookkeeping."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from lodestar.store.models import Base


class Clue(Base):
    """One finding about a media, stamped by the mediator with who found it (extractor+version).

    ``kind`` and the shape of ``value`` are documented in ``lodestar.clues.base.CLUE_KINDS``;
    ``text`` is the short searchable form; ``position`` is seconds into a video (keyframe).
    """

    __tablename__ = "clues"
    __table_args__ = (
        Index("ix_clue_kind", "kind"),
        Index("ix_clue_media_kind", "media_sha256", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    media_sha256: Mapped[str] = mapped_column(ForeignKey("media.sha256"))
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    text: Mapped[str] = mapped_column(Text, default="")
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    position: Mapped[float | None] = mapped_column(Float)
    stage: Mapped[str] = mapped_column(String(32))
    extractor: Mapped[str] = mapped_column(String(64))
    extractor_version: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ClueRun(Base):
    """One extractor (at one version) done on one media: the deep pass resumes from these."""

    __tablename__ = "clue_runs"
    __table_args__ = (
        UniqueConstraint("media_sha256", "extractor", "extractor_version", name="uq_clue_run"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    media_sha256: Mapped[str] = mapped_column(ForeignKey("media.sha256"), index=True)
    extractor: Mapped[str] = mapped_column(String(64))
    extractor_version: Mapped[str] = mapped_column(String(32))
    stage: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # done | partial | failed
    clues: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the tool's raw output, kept
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StageRun(Base):
    """One invocation of a deep-pass stage, with its throughput."""

    __tablename__ = "stage_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))  # running | done | interrupted
    media: Mapped[int] = mapped_column(Integer, default=0)
    clues: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    media_per_second: Mapped[float | None] = mapped_column(Float)


__all__ = ["Clue", "ClueRun", "StageRun"]
