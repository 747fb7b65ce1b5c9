"""The ``series`` pipeline stage: links from every registered builder, then clustering.

Operation-wide: pending while media, items or matches changed since the last complete build
(a build with only some builders is not complete and leaves the stage pending).
"""

from __future__ import annotations

from typing import Any, ClassVar

from lodestar.series.build import build_series
from lodestar.stages import (
    Pending,
    StageContext,
    StageProgress,
    mark_pending,
    pipeline_stages,
    store_inputs,
    write_mark,
)
from lodestar.workspace import Workspace

SERIES_INPUTS = ("media", "last_item", "matches")


class SeriesStage:
    name: ClassVar[str] = "series"
    needs: ClassVar[tuple[str, ...]] = ("match",)
    produces: ClassVar[str] = "media links with reasons and series (analyst edits kept)"
    command: ClassVar[str] = "lodestar series build"

    def pending(self, ws: Workspace) -> Pending:
        with ws.store.session() as session:
            return mark_pending(session, self.name, store_inputs(session), keys=SERIES_INPUTS)

    def run(self, ctx: StageContext, progress: StageProgress) -> dict[str, Any]:
        incremental = bool(ctx.options.get("incremental", False))
        with ctx.workspace.store.session() as session:
            summary = build_series(session, actor=ctx.actor, incremental=incremental)
            write_mark(session, self.name, inputs=store_inputs(session), actor=ctx.actor)
        progress(1, 1)
        return summary


series_stage = pipeline_stages.register(SeriesStage())
