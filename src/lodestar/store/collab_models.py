"""Collaboration on series (review stage): assignments, views, notes, tags, priority, activity.

Kept apart from the series stage's own tables: the series builder never reads these, and an
analyst's notes survive any re-build. History is append-only: note edits add revisions, tag and
assignment changes add activity rows; nothing here is updated in place except "current" state.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lodestar.store.models import Base

PRIORITIES = {0: "low", 1: "normal", 2: "high", 3: "urgent"}


class SeriesAssignment(Base):
    """Who works a series; the open row (``ended_at`` null) is the current one."""

    __tablename__ = "series_assignments"
    __table_args__ = (Index("ix_series_assignment_open", "series_id", "ended_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_by: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_by: Mapped[str | None] = mapped_column(String(128))


class SeriesView(Base):
    """A user has opened a series ("seen by"), first and latest time: also the deconfliction
    signal ("someone else has it open")."""

    __tablename__ = "series_views"

    series_id: Mapped[int] = mapped_column(ForeignKey("series.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SeriesNote(Base):
    """A note on a series; ``body`` is the latest revision (all kept in SeriesNoteRevision)."""

    __tablename__ = "series_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    author: Mapped[str] = mapped_column(String(128))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deleted: Mapped[bool] = mapped_column(default=False)


class SeriesNoteRevision(Base):
    """Every version of a note, with who and when (created, edited, deleted)."""

    __tablename__ = "series_note_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("series_notes.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)


class SeriesTag(Base):
    """A tag currently on a series (additions and removals are in SeriesActivity)."""

    __tablename__ = "series_tags"
    __table_args__ = (Index("ix_series_tag_tag", "tag"),)

    series_id: Mapped[int] = mapped_column(ForeignKey("series.id"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(64), primary_key=True)
    added_by: Mapped[str] = mapped_column(String(128))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SeriesPriority(Base):
    """The triage priority of a series (0 low … 3 urgent); absent = normal."""

    __tablename__ = "series_priorities"

    series_id: Mapped[int] = mapped_column(ForeignKey("series.id"), primary_key=True)
    priority: Mapped[int] = mapped_column(Integer)
    set_by: Mapped[str] = mapped_column(String(128))
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SeriesActivity(Base):
    """Append-only feed of collaboration on a series: claims, assignments, notes, tags,
    priority. Read together with the series stage's SeriesEvent for the activity feed."""

    __tablename__ = "series_activity"
    __table_args__ = (Index("ix_series_activity_series", "series_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


__all__ = [
    "PRIORITIES",
    "SeriesActivity",
    "SeriesAssignment",
    "SeriesNote",
    "SeriesNoteRevision",
    "SeriesPriority",
    "SeriesTag",
    "SeriesView",
]
