"""Importing, listing and exporting known-content hash sets (the store side of the formats).

Import is one transaction: entries are written in batches inside it, so a malformed record
anywhere refuses the whole file (with its record number) and leaves the store unchanged,
while memory stays flat for sets of millions of entries. A record repeated in the file (the
same digests and properties) is stored once, so it matches once; the import says how many
repeats it dropped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, Text, cast, delete, func, select
from sqlalchemy.orm import Session

from lodestar.errors import NotFound, UserError
from lodestar.match.formats import (
    HashSetRecord,
    detect_format,
    get_format,
    read_hashset,
    write_hashset,
)
from lodestar.match.formats.base import Source
from lodestar.store import HashSet, HashSetEntry, Item, Match, Media

BATCH = 5000
ENTRY_TABLE: Table = HashSetEntry.__table__  # type: ignore[assignment]


def parse_category_map(text: str | None) -> dict[str, str]:
    """``"1=cat-a,2=cat-b,0=non-pertinent"`` or a JSON file path → {raw: lodestar category}."""
    if not text:
        return {}
    path = Path(text)
    if path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except (OSError, ValueError) as exc:
            raise UserError(f"category map {path}: not a JSON object ({exc})") from exc
        if not isinstance(data, dict):
            raise UserError(f"category map {path}: not a JSON object")
        return {str(k): str(v) for k, v in data.items()}
    mapping = {}
    for pair in text.split(","):
        raw, sep, mapped = pair.partition("=")
        if not sep or not raw.strip() or not mapped.strip():
            raise UserError(f"category map: {pair!r} is not RAW=CATEGORY")
        mapping[raw.strip()] = mapped.strip()
    return mapping


@dataclass(frozen=True)
class HashSetImport:
    """What one import did: the set, the records read and the repeats dropped."""

    hashset: HashSet
    records: int
    duplicates: int

    def as_dict(self) -> dict[str, Any]:
        return hashset_as_dict(self.hashset) | {
            "records": self.records,
            "duplicates": self.duplicates,
        }


def import_hashset(
    session: Session,
    *,
    path: Path,
    fmt: str | None,
    name: str | None,
    category_map: dict[str, str],
    known_ignorable: bool | None,
    actor: str,
) -> HashSet:
    """Import the file at ``path`` as a new set (see ``import_hashset_file``)."""
    return import_hashset_file(
        session,
        path=path,
        fmt=fmt,
        name=name,
        category_map=category_map,
        known_ignorable=known_ignorable,
        actor=actor,
    ).hashset


def import_hashset_file(
    session: Session,
    *,
    path: Path,
    fmt: str | None,
    name: str | None,
    category_map: dict[str, str],
    known_ignorable: bool | None,
    actor: str,
) -> HashSetImport:
    """Import the file at ``path`` as a new set, one entry per distinct record."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"hash-set file {path} does not exist or is not a file")
    Source(path).check_size()  # before the file is hashed whole, not only when records are read
    fmt_name = fmt or detect_format(path).name
    records = read_hashset(path, fmt_name)  # checks the file before anything is written
    reader = get_format(fmt_name)
    name = name or path.name
    if session.scalar(select(HashSet.id).where(HashSet.name == name)) is not None:
        raise UserError(f"a hash set named {name!r} exists already; pass --name")
    hs = HashSet(
        name=name,
        format=fmt_name,
        file_name=str(path),
        file_sha256=_file_sha256(path),
        imported_at=datetime.now(UTC),
        imported_by=actor,
        known_ignorable=(
            reader.known_ignorable_default if known_ignorable is None else known_ignorable
        ),
        category_map=category_map,
        entries=0,
    )
    session.add(hs)
    session.flush()
    total = 0
    for batch in _batches(records, BATCH):
        rows = [_entry_row(hs.id, r, category_map) for r in batch]
        # Core insert: one executemany per batch (the ORM path splits batches by None pattern)
        session.execute(ENTRY_TABLE.insert(), rows)
        total += len(rows)
    duplicates = _drop_duplicates(session, hs.id) if total > 1 else 0
    hs.entries = total - duplicates
    return HashSetImport(hs, records=total, duplicates=duplicates)


# What makes two entries of one set the same record: everything but the position in the file.
# ``detail`` is JSON (PostgreSQL's json type has no equality), so it is compared as its text;
# equal records were serialised alike, so equal text.
_SAME_RECORD = (
    HashSetEntry.md5,
    HashSetEntry.sha1,
    HashSetEntry.sha256,
    HashSetEntry.pdq,
    HashSetEntry.media_id,
    HashSetEntry.category_raw,
    HashSetEntry.category,
    HashSetEntry.series,
    HashSetEntry.victim_identified,
    HashSetEntry.offender_identified,
    HashSetEntry.is_distributed,
    HashSetEntry.is_precategorized,
    HashSetEntry.size,
    HashSetEntry.photodna,
    cast(HashSetEntry.detail, Text),
)


def _drop_duplicates(session: Session, set_id: int) -> int:
    """Delete every entry of the set equal to an earlier one; returns how many.

    Done in SQL after the inserts, so finding repeats needs no memory per entry here however
    large the set (the database sorts), and the first occurrence keeps its record number.
    """
    ranked = (
        select(
            HashSetEntry.id,
            func.row_number()
            .over(partition_by=_SAME_RECORD, order_by=HashSetEntry.id)
            .label("nth"),
        )
        .where(HashSetEntry.set_id == set_id)
        .subquery()
    )
    repeats = select(ranked.c.id).where(ranked.c.nth > 1)
    result = session.execute(
        delete(HashSetEntry).where(HashSetEntry.id.in_(repeats)),
        execution_options={"synchronize_session": False},
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _batches(records: Iterator[HashSetRecord], size: int) -> Iterator[list[HashSetRecord]]:
    batch: list[HashSetRecord] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _entry_row(set_id: int, r: HashSetRecord, category_map: dict[str, str]) -> dict[str, Any]:
    pdq = next((v.lower() for k, v in r.alt_hashes if k.strip().lower() == "pdq"), None)
    return {
        "set_id": set_id,
        "record_no": r.record_no,
        "md5": r.md5,
        "sha1": r.sha1,
        "sha256": r.sha256,
        "pdq": pdq if pdq and len(pdq) == 64 else None,
        "media_id": r.media_id,
        "category_raw": r.category,
        "category": category_map.get(r.category) if r.category is not None else None,
        "series": r.series,
        "victim_identified": r.victim_identified,
        "offender_identified": r.offender_identified,
        "is_distributed": r.is_distributed,
        "is_precategorized": r.is_precategorized,
        "size": r.size,
        "photodna": r.photodna,
        "detail": {
            "tags": list(r.tags),
            "alt_hashes": [list(p) for p in r.alt_hashes],
            "file_names": list(r.file_names),
            "extra": r.extra,
        },
    }


def entry_to_record(e: HashSetEntry) -> HashSetRecord:
    detail = e.detail or {}
    return HashSetRecord(
        record_no=e.record_no,
        md5=e.md5,
        sha1=e.sha1,
        sha256=e.sha256,
        media_id=e.media_id,
        category=e.category_raw,
        series=e.series,
        victim_identified=e.victim_identified,
        offender_identified=e.offender_identified,
        is_distributed=e.is_distributed,
        is_precategorized=e.is_precategorized,
        tags=tuple(detail.get("tags", ())),
        size=e.size,
        photodna=e.photodna,
        alt_hashes=tuple(tuple(p) for p in detail.get("alt_hashes", ())),
        file_names=tuple(detail.get("file_names", ())),
        extra=detail.get("extra", {}),
    )


def get_hashset(session: Session, ref: str) -> HashSet:
    hs = session.get(HashSet, int(ref)) if ref.isdigit() else None
    hs = hs or session.scalar(select(HashSet).where(HashSet.name == ref))
    if hs is None:
        raise NotFound(f"no hash set {ref!r}", detail={"hashset": ref})
    return hs


def hashset_as_dict(hs: HashSet, session: Session | None = None) -> dict[str, Any]:
    out = {
        "id": hs.id,
        "name": hs.name,
        "format": hs.format,
        "file_name": hs.file_name,
        "file_sha256": hs.file_sha256,
        "imported_at": hs.imported_at,
        "imported_by": hs.imported_by,
        "known_ignorable": hs.known_ignorable,
        "category_map": hs.category_map,
        "entries": hs.entries,
    }
    if session is not None:
        out["categories"] = {
            str(raw): n
            for raw, n in session.execute(
                select(HashSetEntry.category_raw, func.count())
                .where(HashSetEntry.set_id == hs.id)
                .group_by(HashSetEntry.category_raw)
            )
        }
    return out


def list_hashsets(session: Session) -> list[HashSet]:
    return list(session.scalars(select(HashSet).order_by(HashSet.id)))


def export_hashset(
    session: Session, hs: HashSet, out: Path, *, shape: str, fmt: str = "vics"
) -> int:
    get_format(fmt)
    entries = session.scalars(
        select(HashSetEntry)
        .where(HashSetEntry.set_id == hs.id)
        .order_by(HashSetEntry.record_no)
        .execution_options(yield_per=BATCH)
    )
    records = (entry_to_record(e) for e in entries)
    meta = {"CaseID": hs.name} if shape == "case" else None
    return write_hashset(records, out, fmt, shape=shape, case_meta=meta)  # type: ignore[arg-type]


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def workspace_records(session: Session, *, matched_only: bool) -> Iterator[HashSetRecord]:
    """The case's media as VICS records: digests, size, file names, and category, series and
    identified flags from the closest match to a known set (raw category, the set's scheme)."""
    best: dict[str, HashSetEntry] = {}
    for sha, entry in session.execute(
        select(Match.media_sha256, HashSetEntry)
        .join(HashSetEntry, HashSetEntry.id == Match.entry_id)
        .order_by(Match.media_sha256, Match.distance.desc(), HashSetEntry.id.desc())
    ):
        best[sha] = entry  # ordered so the closest match is written last
    names: dict[str, list[str]] = {}
    for item_sha, spec in session.execute(
        select(Item.media_sha256, Item.path_spec).where(Item.media_sha256.is_not(None))
    ):
        if item_sha is not None:
            names.setdefault(item_sha, []).append(spec.rsplit("/", 1)[-1])
    query = select(Media).order_by(Media.sha256).execution_options(yield_per=BATCH)
    for no, media in enumerate(
        (m for m in session.scalars(query) if not matched_only or m.sha256 in best), start=1
    ):
        e = best.get(media.sha256)
        yield HashSetRecord(
            record_no=no,
            md5=media.md5,
            sha1=media.sha1,
            sha256=media.sha256,
            size=media.size,
            file_names=tuple(sorted(set(names.get(media.sha256, ())))),
            category=e.category_raw if e else None,
            series=e.series if e else None,
            victim_identified=e.victim_identified if e else None,
            offender_identified=e.offender_identified if e else None,
        )


def export_workspace(session: Session, out: Path, *, shape: str, matched_only: bool) -> int:
    records = workspace_records(session, matched_only=matched_only)
    meta = {"CaseID": "lodestar-workspace"} if shape == "case" else None
    return write_hashset(records, out, "vics", shape=shape, case_meta=meta)  # type: ignore[arg-type]
