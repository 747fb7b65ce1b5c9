"""The ``series`` pipeline stage: links from every registered builder, then clustering.

Operation-wide: pending while media, items or matches changed since the last complete build
(a build with only some builders is not complete and leaves the stage pending).
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy.orm import Session

from lodestar.series.build import build_series
from lodestar.stages import MarkedStage, StageContext, pipeline_stages

SERIES_INPUTS = ("media", "last_item", "matches")


class SeriesStage(MarkedStage):
    name: ClassVar[str] = "series"
    needs: ClassVar[tuple[str, ...]] = ("match",)
    produces: ClassVar[str] = "media links with reasons and series (analyst edits kept)"
    command: ClassVar[str] = "lodestar series build"
    inputs: ClassVar[tuple[str, ...]] = SERIES_INPUTS

    def work(self, session: Session, ctx: StageContext) -> dict[str, Any]:
        incremental = bool(ctx.options.get("incremental", False))
        return build_series(session, actor=ctx.actor, incremental=incremental)


series_stage = pipeline_stages.register(SeriesStage())
