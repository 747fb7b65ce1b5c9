"""Ingest: walk each source, run the fast pass on every file, write the results.

Resumable and idempotent: an Item is written in the same transaction as its Media and
Warnings, so a crash loses at most the uncommitted batch; a re-run skips every path spec
already stored and re-inserts refused-entry warnings with "ignore if present".

A file that could not be read (``unreadable``: a flaky disk, a permission since fixed) or that
crashed its worker (``worker_crashed``) is stored as an item without media plus that warning,
and a plain re-run skips it like any stored item. ``retry_failed`` reads those files again: a
read that now succeeds fills in the item and removes the warning in the same transaction; one
that fails again leaves the warning as it was.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from lodestar.analyze.executors import Executor, make_executor
from lodestar.analyze.fastpass import FastPassRecord, FastPassTask, crashed_record, fast_pass
from lodestar.audit import append_event
from lodestar.evidence import iter_entries
from lodestar.evidence.base import EntryWarning, EvidenceEntry
from lodestar.evidence.service import record_custody
from lodestar.store import IngestRun, Item, Media, ProcessingWarning, Signal, Source
from lodestar.store.bulk import insert_ignore
from lodestar.store.models import spec_sha256, warning_key
from lodestar.workspace import Workspace

BATCH_SECONDS = 2.0
# Warnings of a read that may well succeed another time; ``retry_failed`` re-reads their files.
RETRYABLE_CODES = ("unreadable", "worker_crashed")
MEDIA_FACT_COLUMNS = [
    "width",
    "height",
    "orientation",
    "make",
    "model",
    "serial",
    "captured_at",
    "gps_lat",
    "gps_lon",
    "duration_s",
    "video_codec",
    "frame_rate",
    "thumb",
    "exif",
]


class Progress(Protocol):
    def source_started(self, label: str, total_files: int | None) -> None: ...

    def advanced(self, files: int, nbytes: int) -> None: ...

    def source_finished(self) -> None: ...


@dataclass
class IngestSummary:
    run_id: int
    sources: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    files: int = 0
    bytes: int = 0
    retried: int = 0  # failed files read again (retry_failed), whatever the new outcome
    warnings: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def ingest(
    ws: Workspace,
    *,
    actor: str,
    source_ids: Iterable[int] | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    retry_failed: bool = False,
) -> IngestSummary:
    """Ingest every source not yet done (or ``source_ids``); ``retry_failed`` also re-reads,
    in every source (done or not) that has them, the files that ended unreadable or crashed."""
    started = time.monotonic()
    _clear_spool(ws.spool)
    with ws.store.session() as session:
        run = IngestRun(started_at=_now(), actor=actor, status="running")
        session.add(run)
        session.flush()
        summary = IngestSummary(run_id=run.id)
        sources = _pending_sources(session, source_ids, retry_failed)
        audit: dict[str, Any] = {"sources": [s.id for s in sources]}
        if retry_failed:
            audit["retry_failed"] = True
        append_event(session, actor=actor, action="ingest.start", target=f"run:{run.id}",
                     detail=audit)  # fmt: skip
    executor = make_executor(workers or ws.settings.workers)
    status = "interrupted"
    try:
        for source in sources:
            if _location_missing(ws, source, summary):
                continue
            _ingest_source(ws, source, executor, summary, actor, progress, retry_failed)
        status = "done"
    finally:
        executor.close()
        summary.seconds = round(time.monotonic() - started, 3)
        with ws.store.session() as session:
            session.execute(
                update(IngestRun)
                .where(IngestRun.id == summary.run_id)
                .values(
                    finished_at=_now(),
                    status=status,
                    files_done=summary.files,
                    bytes_done=summary.bytes,
                    seconds=summary.seconds,
                )
            )
            outcome = {"status": status, "files": summary.files, "warnings": summary.warnings}
            append_event(session, actor=actor, action="ingest.end", target=f"run:{run.id}",
                         detail=outcome)  # fmt: skip
    return summary


def _location_missing(ws: Workspace, source: Source, summary: IngestSummary) -> bool:
    """An unplugged drive or moved folder: warn and leave the source pending, never "done"."""
    if Path(source.location).exists():
        return False
    reason = f"evidence location {source.location} is not there (unmounted or moved?)"
    with ws.store.session() as session:
        insert_ignore(
            session,
            ProcessingWarning,
            [_warning_row(source.id, "", None, "evidence", "source_missing", reason)],
        )
    summary.missing.append(source.label)
    summary.warnings += 1
    return True


def _pending_sources(
    session: Session, source_ids: Iterable[int] | None, retry_failed: bool = False
) -> list[Source]:
    query = select(Source).order_by(Source.id)
    if source_ids is not None:
        query = query.where(Source.id.in_(list(source_ids)))
    elif retry_failed:  # a done source is walked again only for its failed files
        failed = select(ProcessingWarning.source_id).where(_retryable())
        query = query.where(or_(Source.status != "done", Source.id.in_(failed)))
    else:
        query = query.where(Source.status != "done")
    return list(session.scalars(query))


def _retryable() -> Any:
    return ProcessingWarning.code.in_(RETRYABLE_CODES)


def _failed_specs(session: Session, source_id: int) -> set[str]:
    """Stored items of a source that have no media because reading them failed."""
    warned = select(ProcessingWarning.path_spec).where(
        ProcessingWarning.source_id == source_id, _retryable()
    )
    return set(
        session.scalars(
            select(Item.path_spec).where(
                Item.source_id == source_id,
                Item.media_sha256.is_(None),
                Item.path_spec.in_(warned),
            )
        )
    )


def _walk_failure_keys(session: Session, source_id: int, items: set[str]) -> set[str]:
    """Retryable warnings of a source that belong to no item (a file the walk could not
    stat, a folder it could not open): the walk itself is what tries those again."""
    rows = session.execute(
        select(ProcessingWarning.key, ProcessingWarning.path_spec).where(
            ProcessingWarning.source_id == source_id, _retryable()
        )
    )
    return {key for key, spec in rows if spec not in items}


def _ingest_source(
    ws: Workspace,
    source: Source,
    executor: Executor,
    summary: IngestSummary,
    actor: str,
    progress: Progress | None,
    retry_failed: bool = False,
) -> None:
    with ws.store.session() as session:
        done = set(session.scalars(select(Item.path_spec).where(Item.source_id == source.id)))
        retry = _failed_specs(session, source.id) if retry_failed else set()
        walk_failures = _walk_failure_keys(session, source.id, done) if retry_failed else set()
        done -= retry  # walked and read again, not skipped
        src = session.get_one(Source, source.id)
        src.status = "ingesting"
        record_custody(
            session, src, actor=actor, action="ingest_started", detail={"run": summary.run_id}
        )
    if progress:
        progress.source_started(source.label, _estimate_files(Path(source.location)))
    location = Path(source.location)
    walk = iter_entries(location, ws.settings, skip=done.__contains__, spool_dir=ws.spool)
    refused: list[EntryWarning] = []
    tasks = _tasks(ws, source.id, walk, refused)
    writer = _BatchWriter(ws, source.id, retry)
    for record in executor.map_unordered(fast_pass, tasks, crashed_record, _task_bytes):
        writer.add(record, refused)
        summary.files += 1
        summary.bytes += record.size
        summary.warnings += len(record.warnings)
        if progress:
            progress.advanced(1, record.size)
    writer.add(None, refused)
    writer.flush()
    summary.warnings += writer.refused_count
    summary.retried += writer.retried
    if walk_failures:
        # The whole source was walked again: a walk failure it did not report this time is
        # over (the file was read, or is gone from the evidence).
        with ws.store.session() as session:
            stale = list(walk_failures - writer.retryable_keys)
            session.execute(delete(ProcessingWarning).where(ProcessingWarning.key.in_(stale)))
    _finish_source(ws, source, actor, summary)
    if progress:
        progress.source_finished()
    summary.sources.append(source.label)


def _tasks(
    ws: Workspace,
    source_id: int,
    walk: Iterator[EvidenceEntry | EntryWarning],
    refused: list[EntryWarning],
) -> Iterator[FastPassTask]:
    # Refused entries are handed to the writer through ``refused`` as they come.
    for entry in walk:
        if isinstance(entry, EntryWarning):
            refused.append(entry)
            continue
        refused.extend(entry.warnings)
        yield FastPassTask(
            source_id=source_id,
            path_spec=entry.path_spec,
            size=entry.size,
            mtime=entry.mtime,
            atime=entry.atime,
            ctime=entry.ctime,
            in_archive=entry.in_archive,
            local_path=entry.local_path,
            data=entry.data,
            spooled=entry.spooled,
            derived_dir=str(ws.derived),
            max_image_pixels=ws.settings.max_image_pixels,
            thumb_size=ws.settings.thumb_size,
        )


def _task_bytes(task: FastPassTask) -> int:
    return len(task.data) if task.data is not None else 0


class _BatchWriter:
    """Writes records in batches; one transaction per batch (the commit is the checkpoint)."""

    def __init__(self, ws: Workspace, source_id: int, retry: set[str] | None = None) -> None:
        self.ws = ws
        self.source_id = source_id
        self.retry = retry or set()  # path specs of stored failed items being read again
        self.retried = 0
        self.retryable_keys: set[str] = set()  # retryable warnings written by this walk
        self.records: list[FastPassRecord] = []
        self.refused: list[EntryWarning] = []
        self.refused_count = 0
        self.last_flush = time.monotonic()

    def add(self, record: FastPassRecord | None, refused: list[EntryWarning]) -> None:
        if record is not None:
            self.records.append(record)
        # ``refused`` is filled by the task generator; take what it holds now.
        self.refused.extend(refused)
        self.refused_count += len(refused)
        refused.clear()
        due = time.monotonic() - self.last_flush > BATCH_SECONDS
        if len(self.records) >= self.ws.settings.ingest_batch_rows or due:
            self.flush()

    def flush(self) -> None:
        warnings = self._warning_rows()
        with self.ws.store.session() as session:
            insert_ignore(session, Media, _media_rows(self.records))
            insert_ignore(session, Signal, _signal_rows(self.records))
            self._replace_retried(session)
            insert_ignore(session, Item, [_item_row(r) for r in self.records])
            insert_ignore(session, ProcessingWarning, warnings)
        self.retryable_keys |= {w["key"] for w in warnings if w["code"] in RETRYABLE_CODES}
        self.records, self.refused = [], []
        self.last_flush = time.monotonic()

    def _replace_retried(self, session: Session) -> None:
        """A failed item read again: its row takes the new outcome and its old failure
        warning goes, in the batch's transaction (a failure again re-inserts the warning)."""
        retried = [r for r in self.records if r.path_spec in self.retry]
        if not retried:
            return
        self.retried += len(retried)
        session.execute(
            delete(ProcessingWarning).where(
                ProcessingWarning.source_id == self.source_id,
                ProcessingWarning.path_spec.in_([r.path_spec for r in retried]),
                _retryable(),
            )
        )
        for r in retried:
            row = _item_row(r)
            session.execute(
                update(Item)
                .where(Item.source_id == self.source_id, Item.spec_sha256 == row["spec_sha256"])
                .values({k: v for k, v in row.items() if k not in ("source_id", "spec_sha256")})
            )

    def _warning_rows(self) -> list[dict[str, Any]]:
        rows = [
            _warning_row(self.source_id, r.path_spec, r.sha256, stage, code, reason)
            for r in self.records
            for stage, code, reason in r.warnings
        ]
        rows += [
            _warning_row(self.source_id, w.path_spec, None, w.stage, w.code, w.reason)
            for w in self.refused
        ]
        return rows


def _media_rows(records: list[FastPassRecord]) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for r in records:
        if r.sha256 is None or r.sha256 in rows:
            continue
        row = {"sha256": r.sha256, "md5": r.md5, "sha1": r.sha1, "size": r.size}
        row |= {"mime": r.mime, "kind": r.kind}
        row |= {col: r.facts.get(col) for col in MEDIA_FACT_COLUMNS}
        rows[r.sha256] = row
    return list(rows.values())


def _signal_rows(records: list[FastPassRecord]) -> list[dict[str, Any]]:
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for r in records:
        for sig in r.signals:
            if r.sha256 is not None:
                rows[(r.sha256, sig.type)] = {
                    "media_sha256": r.sha256,
                    "type": sig.type,
                    "position": 0,
                    "value": sig.value,
                    "quality": sig.quality,
                }
    return list(rows.values())


def _item_row(r: FastPassRecord) -> dict[str, Any]:
    return {
        "source_id": r.source_id,
        "path_spec": r.path_spec,
        "spec_sha256": spec_sha256(r.path_spec),
        "name": r.path_spec.rsplit("/", 1)[-1],
        "size": r.size,
        "mtime": r.mtime,
        "atime": r.atime,
        "ctime": r.ctime,
        "in_archive": r.in_archive,
        "media_sha256": r.sha256,
    }


def _warning_row(
    source_id: int, spec: str, sha: str | None, stage: str, code: str, reason: str
) -> dict[str, Any]:
    return {
        "key": warning_key(source_id, spec, stage, code),
        "source_id": source_id,
        "path_spec": spec,
        "media_sha256": sha,
        "stage": stage,
        "code": code,
        "reason": reason.replace("\x00", ""),
    }


def _finish_source(ws: Workspace, source: Source, actor: str, summary: IngestSummary) -> None:
    with ws.store.session() as session:
        src = session.get_one(Source, source.id)
        src.manifest_sha256 = source_manifest_sha256(session, source.id)
        src.status = "done"
        files = session.scalar(select(func.count()).where(Item.source_id == source.id))
        record_custody(
            session,
            src,
            actor=actor,
            action="ingest_finished",
            detail={"run": summary.run_id, "files": files, "manifest": src.manifest_sha256},
        )


def source_manifest_lines(session: Session, source_id: int) -> list[str]:
    rows = session.execute(
        select(Item.path_spec, Item.size, Item.media_sha256)
        .where(Item.source_id == source_id)
        .order_by(Item.path_spec)
    )
    return [f"{spec}\t{size}\t{sha or '-'}" for spec, size, sha in rows]


def source_manifest_sha256(session: Session, source_id: int) -> str:
    """SHA-256 over the sorted "path spec, size, SHA-256" lines of every item of a source."""
    digest = hashlib.sha256()
    for line in source_manifest_lines(session, source_id):
        digest.update(line.encode("utf-8", "surrogateescape") + b"\n")
    return digest.hexdigest()


def _clear_spool(spool: Path) -> None:
    """Spooled archive members left by a killed run are temporary copies: remove them."""
    if spool.is_dir():
        for leftover in spool.iterdir():
            if leftover.is_file():
                leftover.unlink(missing_ok=True)


def _estimate_files(location: Path) -> int | None:
    if not location.is_dir():
        return None
    return sum(len(files) for _, _, files in os.walk(location))


def _now() -> datetime:
    return datetime.now(UTC)
