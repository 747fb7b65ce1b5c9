"""The ``ingest`` pipeline stage: the fast pass over every source not yet ingested."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import func, select

from lodestar.analyze.ingest import ingest
from lodestar.stages import Pending, StageContext, StageProgress, pipeline_stages
from lodestar.store import Source
from lodestar.workspace import Workspace


class _Counted:
    """Adapts ingest's per-source progress to the pipeline's ``progress(done, total)``."""

    def __init__(self, progress: StageProgress) -> None:
        self._progress = progress
        self._done = 0
        self._total: int | None = 0

    def source_started(self, label: str, total_files: int | None) -> None:
        if total_files is None or self._total is None:
            self._total = None
        else:
            self._total += total_files
        self._progress(self._done, self._total)

    def advanced(self, files: int, nbytes: int) -> None:
        self._done += files
        self._progress(self._done, self._total)

    def source_finished(self) -> None:
        return None


class IngestStage:
    name: ClassVar[str] = "ingest"
    needs: ClassVar[tuple[str, ...]] = ()
    produces: ClassVar[str] = "media, items, hashes, PDQ, thumbnails and warnings per source"
    command: ClassVar[str] = "lodestar ingest"

    def pending(self, ws: Workspace) -> Pending:
        with ws.store.session() as session:
            count = session.scalar(
                select(func.count()).select_from(Source).where(Source.status != "done")
            )
        return Pending(count or 0, f"{count} source(s) not fully ingested" if count else "")

    def run(self, ctx: StageContext, progress: StageProgress) -> dict[str, Any]:
        summary = ingest(
            ctx.workspace, actor=ctx.actor, workers=ctx.workers, progress=_Counted(progress)
        )
        return summary.as_dict()


ingest_stage = pipeline_stages.register(IngestStage())
