"""The ``deep`` pipeline stage: every registered clue extractor over the media missing it.

Per media and per extractor version (resumable); needs ``match`` so that media known to be
ignorable (an NSRL-like set) are skipped rather than read.
"""

from __future__ import annotations

from typing import Any, ClassVar

from lodestar.clues.deep import run_deep_pass
from lodestar.clues.plan import extractors_for
from lodestar.clues.todo import todo
from lodestar.stages import Pending, StageContext, StageProgress, pipeline_stages
from lodestar.workspace import Workspace


class DeepStage:
    name: ClassVar[str] = "deep"
    needs: ClassVar[tuple[str, ...]] = ("match",)
    produces: ClassVar[str] = "clues: metadata, places, keyframes, text and language"
    command: ClassVar[str] = "lodestar analyze"

    def pending(self, ws: Workspace) -> Pending:
        with ws.store.session() as session:
            missing, _ = todo(session, extractors_for(None))
        count = len(missing)
        return Pending(count, f"{count} media missing an extractor" if count else "")

    def run(self, ctx: StageContext, progress: StageProgress) -> dict[str, Any]:
        summary = run_deep_pass(
            ctx.workspace, actor=ctx.actor, workers=ctx.workers, progress=progress
        )
        return summary.as_dict()


deep_stage = pipeline_stages.register(DeepStage())
