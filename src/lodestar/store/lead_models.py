"""Store models of the leads stage: leads, their series and clues, history, packages, keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lodestar.store.models import Base

LEAD_STATUSES = ("draft", "reviewed", "sent", "acknowledged", "outcome")


class Lead(Base):
    """A lead for a partner: series, clues, target country/agency, urgency and its history.

    ``reviewed_state`` holds the fingerprints taken at review (lead content and each series'
    members): packaging or sending a lead whose state moved since then needs a new review.
    """

    __tablename__ = "leads"
    __table_args__ = (Index("ix_lead_status", "status"), Index("ix_lead_agency", "agency_code"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)  # travels in packages and replies
    title: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))  # one of LEAD_STATUSES
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    agency_code: Mapped[str | None] = mapped_column(String(64))
    urgency: Mapped[str] = mapped_column(String(16))  # routine | urgent
    urgency_reason: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    country_reasoning: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reviewed_state: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    outcome: Mapped[str | None] = mapped_column(String(32))  # the latest outcome recorded
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LeadSeries(Base):
    __tablename__ = "lead_series"

    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"), primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id"), primary_key=True)


class LeadClue(Base):
    __tablename__ = "lead_clues"

    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"), primary_key=True)
    clue_id: Mapped[int] = mapped_column(ForeignKey("clues.id"), primary_key=True)


class LeadEvent(Base):
    """Append-only history of a lead: every status change and edit with who and when."""

    __tablename__ = "lead_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))  # created, edited, reviewed, sent, …
    status: Mapped[str] = mapped_column(String(16))  # the lead's status after the event
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class LeadPackage(Base):
    """One signed package built for a lead (the ZIP itself lives where the analyst put it)."""

    __tablename__ = "lead_packages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(128))
    file_name: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # files, cleared previews


class SigningKey(Base):
    """A workspace's Ed25519 package-signing key: public half here, private half in a 0600 file
    under the workspace. A revoked key never signs again."""

    __tablename__ = "signing_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the raw public key
    public_key: Mapped[str] = mapped_column(Text)  # PEM (SubjectPublicKeyInfo)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(128))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str | None] = mapped_column(String(128))
    revoked_reason: Mapped[str | None] = mapped_column(Text)


__all__ = [
    "LEAD_STATUSES",
    "Lead",
    "LeadClue",
    "LeadEvent",
    "LeadPackage",
    "LeadSeries",
    "SigningKey",
]
