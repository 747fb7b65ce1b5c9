"""SQLAlchemy models of the workspace store (see DESIGN.md §3)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, int: BigInteger}


class Source(Base):
    """One seized item or collection, added read-only."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(32))  # reader name: folder, zip, tar
    location: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(String(200))
    agency: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    added_by: Mapped[str] = mapped_column(String(128))
    container_sha256: Mapped[str | None] = mapped_column(String(64))  # bare archive sources
    manifest_sha256: Mapped[str | None] = mapped_column(String(64))  # after a complete ingest
    status: Mapped[str] = mapped_column(String(16), default="added")  # added, ingesting, done

    custody: Mapped[list[CustodyEntry]] = relationship(
        back_populates="source", order_by="CustodyEntry.id"
    )


class CustodyEntry(Base):
    """Who did what with a source, when and from where (append-only)."""

    __tablename__ = "custody_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(128))
    host: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(32))  # added, ingest_started, ingest_finished
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    source: Mapped[Source] = relationship(back_populates="custody")


class Media(Base):
    """Unique content, keyed by SHA-256."""

    __tablename__ = "media"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    md5: Mapped[str] = mapped_column(String(32), index=True)
    sha1: Mapped[str] = mapped_column(String(40), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mime: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16), index=True)  # image, video, archive, other
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    orientation: Mapped[int | None] = mapped_column(Integer)
    make: Mapped[str | None] = mapped_column(String(128))
    model: Mapped[str | None] = mapped_column(String(128))
    serial: Mapped[str | None] = mapped_column(String(128), index=True)
    captured_at: Mapped[str | None] = mapped_column(String(40))  # EXIF text, offset kept
    gps_lat: Mapped[float | None] = mapped_column(Float)
    gps_lon: Mapped[float | None] = mapped_column(Float)
    duration_s: Mapped[float | None] = mapped_column(Float)
    video_codec: Mapped[str | None] = mapped_column(String(64))
    frame_rate: Mapped[float | None] = mapped_column(Float)
    thumb: Mapped[str | None] = mapped_column(String(255))  # workspace-relative path
    exif: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    items: Mapped[list[Item]] = relationship(back_populates="media", order_by="Item.id")


class Item(Base):
    """One occurrence of a file in a source."""

    __tablename__ = "items"
    # Path specs can be longer than a B-tree index entry allows, so uniqueness is on their hash.
    __table_args__ = (UniqueConstraint("source_id", "spec_sha256", name="uq_item_source_spec"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    path_spec: Mapped[str] = mapped_column(Text)
    spec_sha256: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    mtime: Mapped[float | None] = mapped_column(Float)
    atime: Mapped[float | None] = mapped_column(Float)
    ctime: Mapped[float | None] = mapped_column(Float)
    in_archive: Mapped[bool] = mapped_column(default=False)
    media_sha256: Mapped[str | None] = mapped_column(ForeignKey("media.sha256"), index=True)

    media: Mapped[Media | None] = relationship(back_populates="items")
    source: Mapped[Source] = relationship()


def warning_key(source_id: int | None, path_spec: str, stage: str, code: str) -> str:
    raw = f"{source_id}\0{path_spec}\0{stage}\0{code}".encode("utf-8", "surrogateescape")
    return hashlib.sha256(raw).hexdigest()


def spec_sha256(path_spec: str) -> str:
    return hashlib.sha256(path_spec.encode("utf-8", "surrogateescape")).hexdigest()


class ProcessingWarning(Base):
    """A per-item processing problem, stored as data (never a crash)."""

    __tablename__ = "warnings"
    __table_args__ = (Index("ix_warning_code", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # SHA-256 of (source, path spec, stage, code): one warning per problem, whatever reruns.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"), index=True)
    path_spec: Mapped[str] = mapped_column(Text)
    media_sha256: Mapped[str | None] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)


class IngestRun(Base):
    __tablename__ = "ingest_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))  # running, done, interrupted
    files_done: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_done: Mapped[int] = mapped_column(BigInteger, default=0)
    seconds: Mapped[float | None] = mapped_column(Float)


class Signal(Base):
    """A perceptual hash or fingerprint of a media, by registered signal type."""

    __tablename__ = "signals"
    __table_args__ = (
        UniqueConstraint("media_sha256", "type", "position", name="uq_signal"),
        Index("ix_signal_type_value", "type", "value"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    media_sha256: Mapped[str] = mapped_column(ForeignKey("media.sha256"), index=True)
    type: Mapped[str] = mapped_column(String(32))  # pdq, vpdq, …
    position: Mapped[int] = mapped_column(Integer, default=0)  # second of video for vpdq
    value: Mapped[str] = mapped_column(String(256))
    quality: Mapped[int | None] = mapped_column(Integer)
    timestamp: Mapped[float | None] = mapped_column(Float)


class HashSet(Base):
    """An imported set of known content (Project VIC, NSRL, ICSE, plain list)."""

    __tablename__ = "hash_sets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    format: Mapped[str] = mapped_column(String(32))
    file_name: Mapped[str] = mapped_column(Text)
    file_sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    imported_by: Mapped[str] = mapped_column(String(128))
    known_ignorable: Mapped[bool] = mapped_column(default=False)  # NSRL-like sets
    category_map: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    entries: Mapped[int] = mapped_column(BigInteger, default=0)


class HashSetEntry(Base):
    __tablename__ = "hash_set_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("hash_sets.id", ondelete="CASCADE"), index=True)
    record_no: Mapped[int] = mapped_column(BigInteger)
    md5: Mapped[str | None] = mapped_column(String(32), index=True)
    sha1: Mapped[str | None] = mapped_column(String(40), index=True)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    pdq: Mapped[str | None] = mapped_column(String(64))
    media_id: Mapped[str | None] = mapped_column(String(128))
    category_raw: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(64))
    series: Mapped[str | None] = mapped_column(String(255))
    victim_identified: Mapped[bool | None]
    offender_identified: Mapped[bool | None]
    is_distributed: Mapped[bool | None]
    is_precategorized: Mapped[bool | None]
    size: Mapped[int | None] = mapped_column(BigInteger)
    photodna: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # tags, names, alt hashes


class Match(Base):
    """Media ↔ known entry, or media ↔ media inside the workspace, with method and distance."""

    __tablename__ = "matches"
    __table_args__ = (
        UniqueConstraint("media_sha256", "key", name="uq_match"),
        Index("ix_match_entry", "entry_id"),
        Index("ix_match_other", "other_sha256"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    media_sha256: Mapped[str] = mapped_column(ForeignKey("media.sha256"), index=True)
    # "entry:<id>" or "media:<sha256>": one match per pair whatever the method order.
    key: Mapped[str] = mapped_column(String(80))
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("hash_set_entries.id", ondelete="CASCADE")
    )
    set_id: Mapped[int | None] = mapped_column(ForeignKey("hash_sets.id", ondelete="CASCADE"))
    other_sha256: Mapped[str | None] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(32))  # md5, sha1, sha256, pdq, pdq-dihedral, …
    distance: Mapped[int] = mapped_column(Integer, default=0)
