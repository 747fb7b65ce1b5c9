"""Ingest end to end on SQLite and PostgreSQL: dedupe, read-only evidence, resume, kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from lodestar.analyze import fastpass
from lodestar.analyze.ingest import ingest
from lodestar.analyze.queries import list_warnings, status
from lodestar.config import Settings
from lodestar.evidence import folder
from lodestar.evidence.service import add_source
from lodestar.store import Item, Media, ProcessingWarning, Source
from lodestar.workspace import Workspace, open_workspace

from .corpus import canonical_dump, make_evidence, snapshot


def add_all(ws: Workspace, dirs: list[Path]) -> None:
    with ws.store.session() as s:
        for d in dirs:
            add_source(s, location=d, agency="XX-TEST", label=d.name, actor="tester")


def test_ingest_dedupes_and_counts(ws: Workspace, tmp_path: Path) -> None:
    dirs = make_evidence(tmp_path / "ev")
    add_all(ws, dirs)
    summary = ingest(ws, actor="tester")
    assert summary.sources == ["seizure-a", "seizure-b"]
    with ws.store.session() as s:
        st = status(s)
        codes = {w["code"] for w in list_warnings(s)}
        specs = set(s.scalars(select(Item.path_spec)))
    # 12 originals + 6 copies + 4 docs + clip + zip + 2 zip members + tar + 1 tar member
    assert st["files"] == 12 + 6 + 4 + 1 + 1 + 2 + 1 + 1
    # copies, zip member x.jpg and tar member y.jpg are duplicates of originals
    assert st["duplicate_files"] == 6 + 2
    assert st["media_by_kind"]["video"] == 1
    assert st["video_hours"] > 0
    assert {"empty_file", "decompression_bomb", "symlink_escape"} <= codes
    assert "photos.zip!/inner/x.jpg" in specs and "old.tar.gz!/p/y.jpg" in specs
    assert st["sources_by_status"] == {"done": 2}


def test_evidence_is_never_changed(ws: Workspace, tmp_path: Path) -> None:
    dirs = make_evidence(tmp_path / "ev")
    before = snapshot(dirs)
    add_all(ws, dirs)
    ingest(ws, actor="tester")
    assert snapshot(dirs) == before
    leftovers = [
        p for p in (tmp_path / "ev").rglob("*") if p.name not in {n.split("/")[-1] for n in before}
    ]
    assert all(p.is_dir() or p.is_symlink() for p in leftovers)


def test_rerun_does_no_repeated_work(ws: Workspace, tmp_path: Path) -> None:
    add_all(ws, make_evidence(tmp_path / "ev", video=False))
    ingest(ws, actor="tester")
    first = canonical_dump(ws)
    again = ingest(ws, actor="tester")
    assert again.files == 0 and again.sources == []
    forced = ingest(ws, actor="tester", source_ids=[1, 2])  # walks again, skips every stored item
    assert forced.files == 0
    assert canonical_dump(ws) == first


def test_parallel_ingest_equals_inline(tmp_path: Path, settings: Settings) -> None:
    dirs = make_evidence(tmp_path / "ev")
    inline = open_workspace(tmp_path / "inline", settings=Settings(workers=1))
    pooled = open_workspace(
        tmp_path / "pooled", settings=settings.model_copy(update={"workers": 2})
    )
    for w in (inline, pooled):
        add_all(w, dirs)
        ingest(w, actor="tester")
    assert canonical_dump(inline) == canonical_dump(pooled)
    inline.close()
    pooled.close()


def test_kill_9_then_rerun_equals_uninterrupted(tmp_path: Path, settings: Settings) -> None:
    dirs = make_evidence(tmp_path / "ev", images=120, video=False)
    reference = open_workspace(tmp_path / "ref", settings=Settings(workers=1))
    add_all(reference, dirs)
    ingest(reference, actor="tester")

    subject_root = tmp_path / "subject"
    subject = open_workspace(subject_root, settings=settings)
    add_all(subject, dirs)
    env = os.environ | {"LODESTAR_INGEST_BATCH_ROWS": "10", "LODESTAR_WORKERS": "1"}
    if settings.db_url:
        env["LODESTAR_DB_URL"] = settings.db_url
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lodestar.cli.app",
            "--workspace",
            str(subject_root),
            "ingest",
            "--json",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    done = 0
    while time.monotonic() < deadline and proc.poll() is None:
        with subject.store.session() as s:
            done = s.scalar(select(func.count()).select_from(Item)) or 0
        if done >= 30:
            os.kill(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.02)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "ingest finished before it could be killed"
    assert 0 < done < 139
    with subject.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Item)) < 139

    ingest(subject, actor="tester")
    assert canonical_dump(subject) == canonical_dump(reference)
    subject.close()
    reference.close()


def test_bare_archive_source_and_spool_cleanup(ws: Workspace, tmp_path: Path) -> None:
    dirs = make_evidence(tmp_path / "ev", images=4, video=False)
    archive = dirs[1] / "photos.zip"
    stale = ws.spool / "left-by-a-killed-run.tmp"
    stale.write_bytes(b"x")
    with ws.store.session() as s:
        src = add_source(s, location=archive, agency="XX", label="zip", actor="tester")
        assert src.kind == "zip" and src.container_sha256
    ingest(ws, actor="tester")
    with ws.store.session() as s:
        specs = sorted(s.scalars(select(Item.path_spec)))
    assert specs == ["inner/note.txt", "inner/x.jpg"]
    assert not stale.exists()


def test_missing_location_is_a_warning_and_stays_pending(ws: Workspace, tmp_path: Path) -> None:
    dirs = make_evidence(tmp_path / "ev", images=2, video=False)
    add_all(ws, dirs)
    moved = tmp_path / "moved"
    dirs[0].rename(moved)
    summary = ingest(ws, actor="tester")
    assert summary.missing == ["seizure-a"] and summary.sources == ["seizure-b"]
    with ws.store.session() as s:
        assert [w["code"] for w in list_warnings(s, code="source_missing")] == ["source_missing"]
        assert status(s)["sources_by_status"] == {"added": 1, "done": 1}
    moved.rename(dirs[0])
    assert ingest(ws, actor="tester").sources == ["seizure-a"]


FLAKY = "DCIM/IMG_0002.JPG"  # an image no other file duplicates


def fail_reading(monkeypatch: pytest.MonkeyPatch, name: str = "IMG_0002.JPG") -> None:
    """The file cannot be read (a flaky disk, a permission since fixed): the suite may run as
    root, where chmod 0 stops nothing, so the reader itself refuses."""
    real = fastpass.read_and_digest

    def refuse(path: Any) -> Any:
        if Path(path).name == name:
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(fastpass, "read_and_digest", refuse)


def flaky_state(ws: Workspace) -> tuple[str | None, list[str]]:
    """The flaky file's media SHA-256 and the codes of its warnings."""
    with ws.store.session() as s:
        sha = s.scalars(select(Item.media_sha256).where(Item.path_spec == FLAKY)).one()
        codes = list(
            s.scalars(select(ProcessingWarning.code).where(ProcessingWarning.path_spec == FLAKY))
        )
    return sha, codes


def test_retry_failed_reads_unreadable_files_again(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_all(ws, make_evidence(tmp_path / "ev", images=4, video=False))
    with monkeypatch.context() as m:
        fail_reading(m)
        ingest(ws, actor="tester")
        assert flaky_state(ws) == (None, ["unreadable"])
        again = ingest(ws, actor="tester", retry_failed=True)  # still failing: warning kept
        assert again.retried == 1 and flaky_state(ws) == (None, ["unreadable"])
    plain = ingest(ws, actor="tester")  # readable now, but a plain re-run does not retry
    assert plain.files == 0 and plain.retried == 0
    assert flaky_state(ws) == (None, ["unreadable"])
    items = _count(ws, Item)

    retried = ingest(ws, actor="tester", retry_failed=True)
    assert retried.retried == 1 and retried.files == 1
    sha, codes = flaky_state(ws)
    assert sha is not None and codes == []
    with ws.store.session() as s:
        media = s.get(Media, sha)
        sources = set(s.scalars(select(Source.status)))
    assert media is not None and media.kind == "image"
    assert _count(ws, Item) == items  # the item was filled in, not added twice
    assert sources == {"done"}
    assert ingest(ws, actor="tester", retry_failed=True).retried == 0  # nothing left to retry


def test_retry_failed_equals_a_run_that_never_failed(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dirs = make_evidence(tmp_path / "ev", images=4, video=False)
    reference = open_workspace(tmp_path / "ref", settings=Settings(workers=1))
    add_all(reference, dirs)
    ingest(reference, actor="tester")
    add_all(ws, dirs)
    with monkeypatch.context() as m:
        fail_reading(m)
        ingest(ws, actor="tester")
    assert canonical_dump(ws) != canonical_dump(reference)
    ingest(ws, actor="tester", retry_failed=True)
    assert canonical_dump(ws) == canonical_dump(reference)  # manifest digest included
    reference.close()


def _count(ws: Workspace, model: type) -> int:
    with ws.store.session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_retry_failed_walks_again_into_a_folder_that_could_not_be_opened(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A walk failure has no item: the re-walk reads the folder, and its warning goes."""
    add_all(ws, make_evidence(tmp_path / "ev", images=4, video=False))
    real = folder.open_readonly

    def refuse_docs(path: Any, **kwargs: Any) -> int:
        if kwargs.get("directory") and path in (b"docs", "docs"):
            raise PermissionError(13, "Permission denied")
        return real(path, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(folder, "open_readonly", refuse_docs)
        ingest(ws, actor="tester")

    def state() -> tuple[list[str], int]:
        with ws.store.session() as s:
            warned = s.scalars(
                select(ProcessingWarning.path_spec).where(ProcessingWarning.code == "unreadable")
            )
            docs = s.scalar(
                select(func.count()).select_from(Item).where(Item.path_spec.startswith("docs/"))
            )
        return list(warned), docs or 0

    assert state() == (["docs"], 0)
    ingest(ws, actor="tester")
    assert state() == (["docs"], 0)  # a plain re-run does not walk a done source again
    ingest(ws, actor="tester", retry_failed=True)
    assert state() == ([], 4)  # readme.txt, empty.bin, bomb.png, cut.jpg
