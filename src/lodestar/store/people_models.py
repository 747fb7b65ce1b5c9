"""People, sessions, preferences, exposure and the audit chain (review stage, DESIGN.md §3)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lodestar.store.models import Base

ROLES = ("coordinator", "analyst", "liaison", "auditor")


class Agency(Base):
    """A contributing agency; ``code`` is what `source add --agency` records (e.g. PT-PJ)."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))  # one of ROLES
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id, parameters encoded
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    agency: Mapped[Agency | None] = relationship()


class WebSession(Base):
    """A server-side login session; the cookie holds a random token, the store its SHA-256."""

    __tablename__ = "web_sessions"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Preference(Base):
    """One analyst's wellness view settings (within the coordinator's limits)."""

    __tablename__ = "preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    blur: Mapped[int] = mapped_column(Integer)  # Gaussian radius in px on the 256 px thumbnail
    colour: Mapped[bool] = mapped_column(default=False)


class OperationSetting(Base):
    """Operation-wide settings set by the coordinator (e.g. wellness limits), one JSON per key."""

    __tablename__ = "operation_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Reveal(Base):
    """One user revealed one media: the clear image is served until ``ends_at``.

    Exposure time is the union of these intervals (hidden early → ``ends_at`` moves back).
    """

    __tablename__ = "reveals"
    __table_args__ = (Index("ix_reveal_user_start", "user_id", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    media_sha256: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditEvent(Base):
    """Append-only and hash-chained: ``hash`` = SHA-256 of the canonical event incl. prev_hash.

    ``at`` is kept as the exact ISO text that was hashed (no round trip through DB types).
    A unique ``prev_hash`` makes a forked chain (two concurrent appends) impossible.
    """

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_action_at", "action", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[str] = mapped_column(String(32), index=True)
    actor: Mapped[str] = mapped_column(String(128), index=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(128))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
