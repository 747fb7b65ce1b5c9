"""The mediator between extractors and the store (DESIGN.md §4).

Worker side (:func:`run_task`, in a worker process or inline): every missing extractor on one
media, in run order, sharing one :class:`~lodestar.clues.base.Products` so an extractor reads
what an earlier one made (OCR the keyframes just decoded). A raise is a bug in the extractor:
it becomes an ``extractor_crashed`` warning and the media's other extractors still run.

Store side (:func:`store_all`, in the process that owns the session): stamps provenance
(stage, extractor name and version, media SHA-256), writes clues, the tool's raw output and
warnings, and records each run so a re-run picks up exactly what is missing.
"""

from __future__ import annotations

import contextlib
import multiprocessing.util
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from lodestar.clues.base import (
    ClueExtractor,
    ClueInput,
    ClueValue,
    ClueWarning,
    ExtractResult,
    Products,
    WorkerResource,
    clue_extractors,
)
from lodestar.clues.stage_runs import DeepPassSummary
from lodestar.store import Clue, ClueRun
from lodestar.store.bulk import insert_ignore
from lodestar.store.warnings import record_warning

CRASHED = "extractor_crashed"  # an extractor raised: a bug, stored as a warning
WORKER_CRASHED = "worker_crashed"  # the worker process died (a native crash) on this media


@dataclass(frozen=True)
class DeepTask:
    """One media for a worker: a readable file and the extractors still to run on it."""

    item: ClueInput
    extractors: tuple[str, ...]  # names, in run order
    source_id: int
    path_spec: str
    temporary: bool


@dataclass(frozen=True)
class Outcome:
    extractor: str
    version: str
    stage: str
    result: ExtractResult
    seconds: float


def run_task(task: DeepTask) -> tuple[DeepTask, list[Outcome]]:
    """Every chosen extractor on one media (in a worker process or inline).

    Products stay in this function: only results travel back from a worker.
    """
    products = Products(task.item)
    outcomes: list[Outcome] = []
    for name in task.extractors:
        extractor = clue_extractors.get(name)
        started = time.perf_counter()
        result = extract_safely(extractor, task.item, products)
        seconds = time.perf_counter() - started
        outcomes.append(Outcome(name, extractor.version, extractor.stage, result, seconds))
    return task, outcomes


def worker_init() -> None:
    """Pool initializer: close this worker's tools (exiftool, Tesseract) when it exits.

    A pool worker leaves through ``multiprocessing``'s own exit path, which ends in
    ``os._exit``: ``atexit`` handlers and ``__del__`` never run, so without this every worker
    left its ``exiftool -stay_open`` process behind, re-parented to init. ``Finalize`` with an
    exit priority is what that exit path does run — after the pool's stop sentinel (a normal
    end, an error or Ctrl-C in the parent) and after a KeyboardInterrupt in the worker itself.
    A worker killed outright runs nothing; exiftool then dies with it (see
    :mod:`lodestar.clues.exiftool`).
    """
    multiprocessing.util.Finalize(None, close_worker_resources, exitpriority=100)


def close_worker_resources() -> None:
    """Release every extractor's per-process resource; one failing does not keep the rest."""
    for extractor in clue_extractors:
        if isinstance(extractor, WorkerResource):
            with contextlib.suppress(Exception):
                extractor.close()


def extract_safely(
    extractor: ClueExtractor, item: ClueInput, products: Products
) -> ExtractResult:
    """One extractor on one media; a raise is a bug in the extractor, stored as a warning."""
    try:
        return extractor.extract(item, products)
    except Exception as exc:  # noqa: BLE001 — the pass must go on; the failure is data
        return ExtractResult(warnings=[ClueWarning(CRASHED, f"{type(exc).__name__}: {exc}")])


def crashed(task: DeepTask) -> tuple[DeepTask, list[Outcome]]:
    """A worker died (a native crash) on this media even when run alone: a warning, not a run."""
    warning = ClueWarning(WORKER_CRASHED, "an extractor crashed the worker process")
    return task, [Outcome("", "", "deep", ExtractResult(warnings=[warning]), 0.0)]


def store_all(
    session: Session, task: DeepTask, outcomes: list[Outcome], summary: DeepPassSummary
) -> None:
    try:
        summary.media += 1
        for outcome in outcomes:
            summary.seconds[outcome.stage] = summary.seconds.get(outcome.stage, 0.0) + (
                outcome.seconds
            )
            summary.media_per_stage[outcome.stage] += 1
            _store(session, task, outcome, summary)
    finally:
        if task.temporary:
            with contextlib.suppress(OSError):
                task.item.path.unlink()


def _store(session: Session, task: DeepTask, outcome: Outcome, summary: DeepPassSummary) -> None:
    now = datetime.now(UTC)
    sha, result = task.item.sha256, outcome.result
    session.add_all(_clue_row(sha, outcome, clue, now) for clue in result.clues)
    for clue in result.clues:
        summary.clues[clue.kind] += 1
    for warning in result.warnings:
        warn(
            session,
            sha,
            task.source_id,
            task.path_spec,
            outcome.stage,
            warning.code,
            warning.message,
            summary,
        )
    if not outcome.extractor:  # the worker crashed: nothing is done, a later run retries
        return
    status = "done" if not result.warnings else ("partial" if result.clues else "failed")
    insert_ignore(
        session,
        ClueRun,
        [
            {
                "media_sha256": sha,
                "extractor": outcome.extractor,
                "extractor_version": outcome.version,
                "stage": outcome.stage,
                "status": status,
                "clues": len(result.clues),
                "seconds": round(outcome.seconds, 4),
                "raw": result.raw,
                "finished_at": now,
            }
        ],
    )


def _clue_row(sha: str, outcome: Outcome, clue: ClueValue, now: datetime) -> Clue:
    return Clue(
        media_sha256=sha,
        kind=clue.kind,
        value=clue.value,
        text=clue.text,
        confidence=clue.confidence,
        position=clue.position,
        stage=outcome.stage,
        extractor=outcome.extractor,
        extractor_version=outcome.version,
        created_at=now,
    )


def warn(
    session: Session,
    sha: str,
    source_id: int | None,
    spec: str,
    stage: str,
    code: str,
    reason: str,
    summary: DeepPassSummary,
) -> None:
    summary.warnings[code] += 1
    record_warning(
        session,
        sha256=sha,
        source_id=source_id,
        path_spec=spec,
        stage=stage,
        code=code,
        reason=reason,
    )
