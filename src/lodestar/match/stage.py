"""Pipeline stages of matching: local features, video signatures, then matching itself.

``features`` and ``vpdq`` are per media (pending: media without the output and without a
warning saying why it could not be made); ``match`` is operation-wide (hash sets × media and
media × media), pending while media or hash sets changed since its last complete run.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.derived import features_path
from lodestar.match.local import STAGE as FEATURES_STAGE
from lodestar.match.local import compute_local_features, match_local
from lodestar.match.matching import count_matches, match_exact, match_summary
from lodestar.match.perceptual import DEFAULT_RADIUS, match_perceptual
from lodestar.match.video import compute_video_signatures, match_video_neardups
from lodestar.stages import MarkedStage, Pending, StageContext, StageProgress, pipeline_stages
from lodestar.store import Media, ProcessingWarning, Signal
from lodestar.workspace import Workspace

VPDQ_STAGE = "vpdq"
MATCH_INPUTS = ("media", "last_item", "hash_sets")


def _warned(session: Session, stage: str) -> set[str]:
    rows = session.scalars(
        select(ProcessingWarning.media_sha256).where(ProcessingWarning.stage == stage)
    )
    return {sha for sha in rows if sha}


def images_without_features(session: Session, ws: Workspace) -> list[str]:
    images = session.scalars(select(Media.sha256).where(Media.kind == "image"))
    warned = _warned(session, FEATURES_STAGE)
    return [
        sha
        for sha in images
        if sha not in warned and not features_path(ws.derived, sha).exists()
    ]


def videos_without_vpdq(session: Session) -> list[str]:
    videos = session.scalars(select(Media.sha256).where(Media.kind == "video"))
    signed = set(session.scalars(select(Signal.media_sha256).where(Signal.type == VPDQ_STAGE)))
    warned = _warned(session, VPDQ_STAGE)
    return [sha for sha in videos if sha not in signed and sha not in warned]


class FeaturesStage:
    name: ClassVar[str] = "features"
    needs: ClassVar[tuple[str, ...]] = ("ingest",)
    produces: ClassVar[str] = "local features (ORB keypoints) of every image, under derived/"
    command: ClassVar[str] = "lodestar match"

    def pending(self, ws: Workspace) -> Pending:
        with ws.store.session() as session:
            count = len(images_without_features(session, ws))
        return Pending(count, f"{count} image(s) without local features" if count else "")

    def run(self, ctx: StageContext, progress: StageProgress) -> dict[str, Any]:
        ws = ctx.workspace
        with ws.store.session() as session:
            total = len(images_without_features(session, ws))
            done = 0

            def advance(n: int) -> None:
                nonlocal done
                done += n
                progress(done, total)

            computed = compute_local_features(
                session,
                derived=ws.derived,
                settings=ws.settings,
                spool_dir=ws.spool,
                progress=advance,
            )
        return {"images_featured": computed}


class VpdqStage:
    name: ClassVar[str] = "vpdq"
    needs: ClassVar[tuple[str, ...]] = ("ingest",)
    produces: ClassVar[str] = "vPDQ signatures (PDQ per second) of every video"
    command: ClassVar[str] = "lodestar match"

    def pending(self, ws: Workspace) -> Pending:
        with ws.store.session() as session:
            count = len(videos_without_vpdq(session))
        return Pending(count, f"{count} video(s) without a vPDQ signature" if count else "")

    def run(self, ctx: StageContext, progress: StageProgress) -> dict[str, Any]:
        ws = ctx.workspace
        with ws.store.session() as session:
            signed = compute_video_signatures(session, settings=ws.settings, spool_dir=ws.spool)
        progress(signed, signed)
        return {"videos_signed": signed}


def run_matching(
    session: Session, ws: Workspace, *, radius: int = DEFAULT_RADIUS
) -> dict[str, Any]:
    """Exact and PDQ matches against hash sets, and near-duplicate pairs among media."""
    before = count_matches(session)
    match_exact(session)
    indexed = match_perceptual(session, ws.derived, radius)
    video_pairs = match_video_neardups(session)
    local_pairs = match_local(session, derived=ws.derived)
    return {
        "new_matches": count_matches(session) - before,
        "pdq_indexed": indexed,
        "local_near_duplicate_pairs": local_pairs,
        "video_near_duplicate_pairs": video_pairs,
    }


class MatchStage(MarkedStage):
    name: ClassVar[str] = "match"
    needs: ClassVar[tuple[str, ...]] = ("ingest", "features", "vpdq")
    produces: ClassVar[str] = "hash-set matches (exact, PDQ) and near-duplicate media pairs"
    command: ClassVar[str] = "lodestar match"
    inputs: ClassVar[tuple[str, ...]] = MATCH_INPUTS

    def work(self, session: Session, ctx: StageContext) -> dict[str, Any]:
        radius = int(ctx.options.get("radius", DEFAULT_RADIUS))
        return run_matching(session, ctx.workspace, radius=radius) | match_summary(session)


features_stage = pipeline_stages.register(FeaturesStage())
vpdq_stage = pipeline_stages.register(VpdqStage())
match_stage = pipeline_stages.register(MatchStage())
