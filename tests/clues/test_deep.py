"""The deep pass: extractors through the mediator, provenance, resume, known media skipped."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from lodestar.analyze.ingest import ingest
from lodestar.clues.base import ClueInput
from lodestar.clues.deep import run_deep_pass
from lodestar.clues.metadata import MetadataExtractor
from lodestar.errors import UserError
from lodestar.evidence.service import add_source
from lodestar.store import Clue, ClueRun, HashSet, Match, Media, ProcessingWarning, StageRun
from lodestar.workspace import Workspace

from ..analyze.corpus import make_evidence, snapshot


def _ingested(ws: Workspace, root: Path) -> list[Path]:
    dirs = make_evidence(root, images=4)
    with ws.store.session() as s:
        for d in dirs:
            add_source(s, location=d, agency="XX", label=d.name, actor="tester")
    ingest(ws, actor="tester")
    return dirs


def _count(ws: Workspace, model: type) -> int:
    with ws.store.session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_metadata_clues_are_stamped_and_evidence_unchanged(ws: Workspace, tmp_path: Path) -> None:
    dirs = _ingested(ws, tmp_path / "ev")
    before = snapshot(dirs)
    summary = run_deep_pass(ws, actor="tester", stages=["metadata"])
    assert snapshot(dirs) == before
    with ws.store.session() as s:
        serials = s.scalars(select(Clue).where(Clue.kind == "camera_serial")).all()
        images = s.scalar(select(func.count()).select_from(Media).where(Media.kind == "image"))
        run = s.scalars(select(StageRun)).one()
    assert {c.value["serial"] for c in serials} == {"SN0", "SN1", "SN2"}
    assert all(c.extractor == "metadata" and c.stage == "metadata" for c in serials)
    assert all(c.extractor_version for c in serials)
    assert summary.media >= images  # images and the video
    assert run.status == "done" and run.media == summary.media_per_stage["metadata"]


def test_rerun_does_nothing_and_limit_resumes(ws: Workspace, tmp_path: Path) -> None:
    _ingested(ws, tmp_path / "ev")
    first = run_deep_pass(ws, actor="t", stages=["metadata"], limit=2)
    assert first.media == 2
    rest = run_deep_pass(ws, actor="t", stages=["metadata"])
    clues = _count(ws, Clue)
    again = run_deep_pass(ws, actor="t", stages=["metadata"])
    assert rest.media > 0 and again.media == 0
    assert _count(ws, Clue) == clues  # nothing written twice
    with ws.store.session() as s:
        runs = s.scalar(select(func.count()).select_from(ClueRun))
    assert runs == first.media + rest.media


def test_known_ignorable_media_are_skipped(ws: Workspace, tmp_path: Path) -> None:
    _ingested(ws, tmp_path / "ev")
    with ws.store.session() as s:
        sha = s.scalars(select(Media.sha256).where(Media.kind == "image").limit(1)).one()
        known = HashSet(
            name="nsrl",
            format="plain",
            file_name="x",
            file_sha256="0" * 64,
            imported_at=datetime.now(UTC),
            imported_by="t",
            known_ignorable=True,
            category_map={},
            entries=0,
        )
        s.add(known)
        s.flush()
        s.add(Match(media_sha256=sha, key="entry:0", set_id=known.id, method="md5", distance=0))
    summary = run_deep_pass(ws, actor="t", stages=["metadata"])
    assert summary.skipped_known == 1
    with ws.store.session() as s:
        assert not s.scalars(select(ClueRun).where(ClueRun.media_sha256 == sha)).all()


def test_unknown_stage_is_refused(ws: Workspace) -> None:
    with pytest.raises(UserError, match="unknown deep-pass stage"):
        run_deep_pass(ws, actor="t", stages=["palmistry"])


def _clue_set(ws: Workspace) -> set[tuple[str, str, str]]:
    with ws.store.session() as s:
        return {(c.media_sha256, c.kind, c.text) for c in s.scalars(select(Clue))}


def test_worker_pool_gives_the_same_clues_and_cleans_spooled_copies(
    ws: Workspace, tmp_path: Path
) -> None:
    _ingested(ws, tmp_path / "ev")
    run_deep_pass(ws, actor="t", stages=["metadata"], workers=2)
    pooled = _clue_set(ws)
    with ws.store.session() as s:
        s.execute(delete(Clue))
        s.execute(delete(ClueRun))
    run_deep_pass(ws, actor="t", stages=["metadata"], workers=1)
    assert pooled and _clue_set(ws) == pooled
    assert not list(ws.spool.iterdir())  # archive members spooled for workers were removed


def _warnings(ws: Workspace, code: str) -> list[ProcessingWarning]:
    with ws.store.session() as s:
        return list(s.scalars(select(ProcessingWarning).where(ProcessingWarning.code == code)))


def test_an_extractor_crash_is_a_stored_warning_and_the_rest_still_run(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ingested(ws, tmp_path / "ev")

    def boom(self: MetadataExtractor, item: ClueInput, products: object = None) -> None:
        raise RuntimeError("a bug in the extractor")

    monkeypatch.setattr(MetadataExtractor, "extract", boom)
    summary = run_deep_pass(ws, actor="t", stages=["metadata", "keyframes"])
    crashed = _warnings(ws, "extractor_crashed")
    with ws.store.session() as s:
        media = s.scalar(
            select(func.count()).select_from(Media).where(Media.kind.in_(("image", "video")))
        )
        video = s.scalars(select(Media.sha256).where(Media.kind == "video")).one()
        kinds = {(c.media_sha256, c.kind) for c in s.scalars(select(Clue))}
        runs = {(r.extractor, r.status) for r in s.scalars(select(ClueRun))}
    # one warning per media, on the crashed extractor's stage, naming the exception
    assert len(crashed) == media == summary.warnings["extractor_crashed"]
    assert {w.stage for w in crashed} == {"metadata"}
    assert {w.reason for w in crashed} == {"RuntimeError: a bug in the extractor"}
    # metadata runs first on the video; its keyframes extractor still ran after the crash
    assert {k for _, k in kinds} == {"keyframe", "contact_sheet"}
    assert (video, "keyframe") in kinds
    assert runs == {("metadata", "failed"), ("keyframes", "done")}


def test_ocr_alone_reads_keyframes_without_storing_them(ws: Workspace, tmp_path: Path) -> None:
    _ingested(ws, tmp_path / "ev")
    run_deep_pass(ws, actor="t", stages=["ocr"])
    with ws.store.session() as s:
        video = s.scalars(select(Media.sha256).where(Media.kind == "video")).one()
        runs = {(r.extractor, r.stage) for r in s.scalars(select(ClueRun))}
        video_runs = s.scalars(select(ClueRun).where(ClueRun.media_sha256 == video)).all()
        kinds = set(s.scalars(select(Clue.kind)))
    assert runs == {("ocr", "ocr")}
    assert [(r.extractor, r.status) for r in video_runs] == [("ocr", "done")]
    assert not kinds & {"keyframe", "contact_sheet"}
    assert not (ws.derived / "keyframes").exists()  # decoded for OCR, no files written
