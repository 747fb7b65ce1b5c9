"""The deep pass: registered clue extractors over unique media, through one mediator.

Extractors return results; this mediator stamps provenance (stage, extractor name and version,
media SHA-256), writes clues, the tool's raw output and warnings, and records what is done so a
re-run (after a crash, or with a new extractor version) picks up exactly what is missing.

Which media, in which order: images and videos that are not known-ignorable (no match to an
NSRL-like set). New material comes first (no match to any known set), then media in larger
series, then by SHA-256 — so a pass cut short has looked at what matters most. Video keyframes go
through the image extractors (OCR) with their timestamp as the clue's position.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lodestar.analyze.executors import Executor, InlineExecutor, LocalPoolExecutor
from lodestar.clues.base import (
    ClueExtractor,
    ClueInput,
    ClueValue,
    ClueWarning,
    ExtractResult,
    clue_extractors,
)
from lodestar.errors import UserError
from lodestar.evidence.content import Unavailable, materialize
from lodestar.store import Clue, ClueRun, HashSet, Match, Media, StageRun
from lodestar.store.bulk import insert_ignore
from lodestar.store.series_models import SeriesMember
from lodestar.store.warnings import record_warning
from lodestar.workspace import Workspace

STAGES = ("metadata", "keyframes", "ocr")  # keyframes before ocr: their images feed OCR


def _load_extractors() -> None:
    # Importing registers the built-in extractors (each module registers itself).
    from lodestar.clues import keyframes, metadata, ocr  # noqa: F401


@dataclass
class DeepPassSummary:
    media: int = 0
    clues: Counter[str] = field(default_factory=Counter)
    warnings: Counter[str] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)  # per stage
    media_per_stage: Counter[str] = field(default_factory=Counter)
    skipped_known: int = 0
    unavailable: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "media": self.media,
            "skipped_known_ignorable": self.skipped_known,
            "clues": dict(sorted(self.clues.items())),
            "warnings": dict(sorted(self.warnings.items())),
            "stages": {
                stage: {
                    "media": self.media_per_stage[stage],
                    "seconds": round(secs, 3),
                    "media_per_second": round(self.media_per_stage[stage] / secs, 2)
                    if secs
                    else None,
                }
                for stage, secs in sorted(self.seconds.items())
            },
        }


def extractors_for(stages: Sequence[str] | None) -> list[ClueExtractor]:
    _load_extractors()
    chosen = list(stages or STAGES)
    known = sorted({e.stage for e in clue_extractors})
    unknown = [s for s in chosen if s not in known]
    if unknown:
        raise UserError(f"unknown deep-pass stage {', '.join(unknown)} (known: {', '.join(known)})")
    order = {s: i for i, s in enumerate(STAGES)}
    found = [e for e in clue_extractors if e.stage in chosen]
    return sorted(found, key=lambda e: (order.get(e.stage, len(order)), e.name))


def run_deep_pass(
    ws: Workspace,
    *,
    actor: str,
    stages: Sequence[str] | None = None,
    limit: int | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DeepPassSummary:
    """Run the chosen stages (default: all) on every media still missing them.

    With several workers each process keeps its own extractors (one exiftool process, one
    Tesseract engine per worker); this process materialises the bytes and writes the results.
    """
    extractors = extractors_for(stages)
    summary = DeepPassSummary()
    with ws.store.session() as session:
        todo, summary.skipped_known = _todo(session, extractors)
        runs = {s: _start_stage(session, s, actor) for s in {e.stage for e in extractors}}
    if limit is not None:
        todo = todo[:limit]
    workers = workers or ws.settings.workers
    executor: Executor = (
        LocalPoolExecutor(workers, in_flight_per_worker=2, chunk=1)
        if workers > 1 and len(todo) > 1
        else InlineExecutor()
    )
    status = "interrupted"
    try:
        with ws.store.session() as session:
            tasks = _tasks(session, todo, ws, summary)
            results = executor.map_unordered(run_task, tasks, on_crash=_crashed)
            for done, (task, outcomes) in enumerate(results, 1):
                _store_all(session, task, outcomes, summary)
                session.commit()  # each media is its own unit: a crash loses at most one
                if progress is not None:
                    progress(done + summary.unavailable, len(todo))
        status = "done"
    finally:
        executor.close()
        with ws.store.session() as session:
            for stage, run_id in runs.items():
                _finish_stage(session, run_id, stage, summary, status)
        for extractor in extractors:
            extractor.close()  # the inline executor's extractors live in this process
    return summary


@dataclass(frozen=True)
class DeepTask:
    """One media for a worker: a readable file and the extractors still to run on it."""

    item: ClueInput
    extractors: tuple[str, ...]
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


def _tasks(
    session: Session, todo: list[_Todo], ws: Workspace, summary: DeepPassSummary
) -> Iterator[DeepTask]:
    wanted = {t.sha256: t for t in todo}
    copies = materialize(
        session, list(wanted), settings=ws.settings, spool_dir=ws.spool, keep_temporary=True
    )
    for copy in copies:
        if isinstance(copy, Unavailable):
            summary.unavailable += 1
            _warn(session, copy.sha256, None, copy.sha256, "deep", copy.code, copy.reason, summary)
            continue
        media = session.get(Media, copy.sha256)
        entry = wanted[copy.sha256]
        item = ClueInput(
            sha256=copy.sha256,
            path=copy.path,
            kind=entry.kind,
            mime=media.mime if media else None,
            width=media.width if media else None,
            height=media.height if media else None,
            derived=ws.derived,
        )
        yield DeepTask(item, entry.extractors, copy.source_id, copy.path_spec, copy.temporary)


def run_task(task: DeepTask) -> tuple[DeepTask, list[Outcome]]:
    """Every chosen extractor on one media (in a worker process or inline)."""
    _load_extractors()
    outcomes: list[Outcome] = []
    keyframes: list[Any] = []
    for name in task.extractors:
        extractor = clue_extractors.get(name)
        started = time.perf_counter()
        result, frames = _extract(extractor, task.item, keyframes)
        keyframes = frames or keyframes
        seconds = time.perf_counter() - started
        outcomes.append(Outcome(name, extractor.version, extractor.stage, result, seconds))
    return task, outcomes


def _crashed(task: DeepTask) -> tuple[DeepTask, list[Outcome]]:
    """A worker died (a native crash) on this media even when run alone: a warning, not a run."""
    warning = ClueWarning("worker_crashed", "an extractor crashed the worker process")
    return task, [Outcome("", "", "deep", ExtractResult(warnings=[warning]), 0.0)]


def _store_all(
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


@dataclass(frozen=True)
class _Todo:
    sha256: str
    kind: str
    extractors: tuple[str, ...]


def _todo(session: Session, extractors: list[ClueExtractor]) -> tuple[list[_Todo], int]:
    """Media missing at least one chosen extractor, with those extractors, in priority order."""
    ignorable = set(
        session.scalars(
            select(Match.media_sha256)
            .join(HashSet, HashSet.id == Match.set_id)
            .where(HashSet.known_ignorable.is_(True))
        )
    )
    known = set(session.scalars(select(Match.media_sha256).where(Match.set_id.is_not(None))))
    sizes = _series_sizes(session)
    done: dict[str, set[tuple[str, str]]] = {}
    for sha, name, version in session.execute(
        select(ClueRun.media_sha256, ClueRun.extractor, ClueRun.extractor_version)
    ):
        done.setdefault(sha, set()).add((name, version))
    media = session.execute(
        select(Media.sha256, Media.kind).where(Media.kind.in_(("image", "video")))
    ).all()
    todo = []
    for sha, kind in media:
        if sha in ignorable:
            continue
        have = done.get(sha, set())
        missing = tuple(
            e.name for e in extractors if _applies(e, kind) and (e.name, e.version) not in have
        )
        if missing:
            todo.append(_Todo(sha, kind, missing))
    skipped = sum(1 for sha, _ in media if sha in ignorable)
    todo.sort(key=lambda t: (t.sha256 in known, -sizes.get(t.sha256, 0), t.sha256))
    return todo, skipped


def _series_sizes(session: Session) -> dict[str, int]:
    counts = dict(
        session.execute(
            select(SeriesMember.series_id, func.count()).group_by(SeriesMember.series_id)
        ).all()
    )
    return {
        sha: counts.get(series_id, 0)
        for sha, series_id in session.execute(
            select(SeriesMember.media_sha256, SeriesMember.series_id)
        )
    }


def _applies(extractor: ClueExtractor, kind: str) -> bool:
    # Stages whose extractor takes images also read video keyframes (OCR on frames).
    probe = ClueInput(sha256="", path=Path(), kind=kind)
    return extractor.applies_to(probe) or (kind == "video" and extractor.stage == "ocr")


def _extract(
    extractor: ClueExtractor, item: ClueInput, keyframes: list[Any]
) -> tuple[ExtractResult, list[Any]]:
    """One extractor on one media; a raise is a bug in the extractor, stored as a warning."""
    try:
        if item.kind == "video" and extractor.stage == "ocr":
            return _ocr_keyframes(extractor, item, keyframes), []
        run = getattr(extractor, "run", None)
        if extractor.stage == "keyframes" and callable(run):
            result, frames = run(item)
            return result, list(frames)
        return extractor.extract(item), []
    except Exception as exc:  # noqa: BLE001 — the pass must go on; the failure is data
        return ExtractResult(
            warnings=[ClueWarning("extractor_crashed", f"{type(exc).__name__}: {exc}")]
        ), []


def _ocr_keyframes(
    extractor: ClueExtractor, item: ClueInput, keyframes: list[Any]
) -> ExtractResult:
    """OCR each keyframe image (decoded now if the keyframe stage did not run in this pass)."""
    if not keyframes:
        from lodestar.clues.keyframes import KeyframeError, extract_keyframes

        try:
            keyframes = extract_keyframes(item.path)
        except KeyframeError as exc:
            return ExtractResult(warnings=[ClueWarning("video_unreadable", str(exc))])
    ocr_image = getattr(extractor, "ocr_image", None)
    clues_for = getattr(extractor, "clues_for", None)
    if not callable(ocr_image) or not callable(clues_for):
        return ExtractResult()
    out = ExtractResult()
    seen: set[str] = set()
    for frame in keyframes:
        for clue in clues_for(ocr_image(frame.image), position=frame.timestamp):
            key = f"{clue.kind}\0{clue.text}"
            if key not in seen:  # the same sign on many frames is one clue, first time kept
                seen.add(key)
                out.clues.append(clue)
    return out


def _store(session: Session, task: DeepTask, outcome: Outcome, summary: DeepPassSummary) -> None:
    now = datetime.now(UTC)
    sha, result = task.item.sha256, outcome.result
    session.add_all(_clue_row(sha, outcome, clue, now) for clue in result.clues)
    for clue in result.clues:
        summary.clues[clue.kind] += 1
    for warning in result.warnings:
        _warn(
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


def _warn(
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


def _start_stage(session: Session, stage: str, actor: str) -> int:
    run = StageRun(
        stage=stage, actor=actor, started_at=datetime.now(UTC), status="running", media=0
    )
    session.add(run)
    session.flush()
    return run.id


def _finish_stage(
    session: Session, run_id: int, stage: str, summary: DeepPassSummary, status: str
) -> None:
    run = session.get(StageRun, run_id)
    if run is None:
        return
    seconds = summary.seconds.get(stage, 0.0)
    run.finished_at = datetime.now(UTC)
    run.status = status
    run.media = summary.media_per_stage[stage]
    run.seconds = round(seconds, 3)
    run.media_per_second = round(run.media / seconds, 3) if seconds else None
    run.clues = sum(summary.clues.values())
    run.warnings = sum(summary.warnings.values())


def stage_runs(session: Session) -> list[dict[str, Any]]:
    return [
        {
            "stage": r.stage,
            "status": r.status,
            "started_at": r.started_at.isoformat(),
            "media": r.media,
            "seconds": r.seconds,
            "media_per_second": r.media_per_second,
        }
        for r in session.scalars(select(StageRun).order_by(StageRun.id))
    ]
