"""What a deep pass did: per-stage figures in memory (:class:`DeepPassSummary`) and in the
store (one ``StageRun`` row per stage per pass, with its throughput)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.store import StageRun


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


def start_stage(session: Session, stage: str, actor: str) -> int:
    run = StageRun(
        stage=stage, actor=actor, started_at=datetime.now(UTC), status="running", media=0
    )
    session.add(run)
    session.flush()
    return run.id


def finish_stage(
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
