"""The deep pass: registered clue extractors over unique media, through one mediator.

Every extractor in the ``clue extractor`` registry runs (or those of the chosen stages), in
the order their declared needs give (:mod:`lodestar.clues.plan`), on the media still missing
them (:mod:`lodestar.clues.todo`), on a worker pool; the mediator
(:mod:`lodestar.clues.mediator`) stamps provenance and writes results, one media per commit,
so a re-run (after a crash, or with a new extractor version) picks up exactly what is missing.
Video keyframes go through OCR with their timestamp as the clue's position.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import overload

from sqlalchemy.orm import Session

from lodestar.analyze.executors import Executor, InlineExecutor, LocalPoolExecutor
from lodestar.clues.base import ClueInput, WorkerResource
from lodestar.clues.mediator import (
    DeepTask,
    crashed,
    run_task,
    store_all,
    warn,
    worker_init,
)
from lodestar.clues.plan import extractors_for, stage_names
from lodestar.clues.stage_runs import DeepPassSummary, finish_stage, stage_runs, start_stage
from lodestar.clues.todo import Todo, todo
from lodestar.evidence.content import Unavailable, materialize
from lodestar.store import Media
from lodestar.workspace import Workspace

__all__ = [
    "STAGES",
    "DeepPassSummary",
    "extractors_for",
    "run_deep_pass",
    "stage_names",
    "stage_runs",
]


class _RegisteredStages(Sequence[str]):
    """The registered extractors' stages in run order, read when first used (the CLI's help
    text) rather than at import, so importing this module loads no extractor."""

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return tuple(stage_names())[index]

    def __len__(self) -> int:
        return len(stage_names())

    def __iter__(self) -> Iterator[str]:
        return iter(stage_names())


STAGES: Sequence[str] = _RegisteredStages()


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
        pending, summary.skipped_known = todo(session, extractors)
        runs = {s: start_stage(session, s, actor) for s in {e.stage for e in extractors}}
    if limit is not None:
        pending = pending[:limit]
    workers = workers or ws.settings.workers
    executor: Executor = (
        LocalPoolExecutor(workers, in_flight_per_worker=2, chunk=1, initializer=worker_init)
        if workers > 1 and len(pending) > 1
        else InlineExecutor()
    )
    status = "interrupted"
    try:
        with ws.store.session() as session:
            tasks = _tasks(session, pending, ws, summary)
            results = executor.map_unordered(run_task, tasks, on_crash=crashed)
            for done, (task, outcomes) in enumerate(results, 1):
                store_all(session, task, outcomes, summary)
                session.commit()  # each media is its own unit: a crash loses at most one
                if progress is not None:
                    progress(done + summary.unavailable, len(pending))
        status = "done"
    finally:
        try:
            executor.close()  # pool workers close their own tools as they exit (worker_init)
            with ws.store.session() as session:
                for stage, run_id in runs.items():
                    finish_stage(session, run_id, stage, summary, status)
        finally:
            # The inline executor's extractors live in this process; closed even when the
            # pool's shutdown or the stage bookkeeping fails, so no exiftool outlives the pass.
            for extractor in extractors:
                if isinstance(extractor, WorkerResource):
                    extractor.close()
    return summary


def _tasks(
    session: Session, pending: list[Todo], ws: Workspace, summary: DeepPassSummary
) -> Iterator[DeepTask]:
    wanted = {t.sha256: t for t in pending}
    copies = materialize(
        session, list(wanted), settings=ws.settings, spool_dir=ws.spool, keep_temporary=True
    )
    for copy in copies:
        if isinstance(copy, Unavailable):
            summary.unavailable += 1
            warn(session, copy.sha256, None, copy.sha256, "deep", copy.code, copy.reason, summary)
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
