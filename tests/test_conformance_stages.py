"""Conformance suite for pipeline stages: every registered stage, over the registry's contents.

Each stage: a unique name, needs that exist and form no cycle, a command to run it alone;
current on an empty workspace; pending once evidence is ingested (for the stages that consume
media); current after it runs, and a second run changes nothing (resumable, idempotent).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lodestar.config import Settings
from lodestar.evidence.service import add_source
from lodestar.stages import (
    StageContext,
    StageNotCurrent,
    ensure_current,
    ordered,
    pipeline_stages,
    run_stages,
)
from lodestar.workspace import Workspace, open_workspace

from .analyze.corpus import make_evidence

CONFORMANCE_KIND = "pipeline stage"
STAGES = pipeline_stages.names()


@pytest.fixture
def sqlite_ws(tmp_path: Path) -> Iterator[Workspace]:
    ws = open_workspace(tmp_path / "ws", settings=Settings(db_url=None, workers=1))
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, list[dict]]]:
    """A small operation brought fully up to date once (shared by the per-stage checks)."""
    root = tmp_path_factory.mktemp("stages")
    ws = open_workspace(root / "ws", settings=Settings(db_url=None, workers=1))
    for folder in make_evidence(root / "evidence", images=6):
        with ws.store.session() as session:
            add_source(session, location=folder, agency="NL-POL", label=folder.name,
                       actor="test")  # fmt: skip
    before = {row.name: row.pending(ws).count for row in ordered()}
    reports = run_stages(StageContext(workspace=ws, actor="test", workers=1, quiet=True))
    yield ws, [{"before": before, "reports": [r.as_dict() for r in reports]}]
    ws.close()


def test_the_flow_has_every_stage() -> None:
    assert {"ingest", "match", "series", "deep"} <= set(STAGES)


@pytest.mark.parametrize("name", STAGES)
def test_declaration(name: str) -> None:
    stage = pipeline_stages.get(name)
    assert stage.name == name and stage.produces
    assert stage.command.startswith("lodestar ")
    for need in stage.needs:
        assert need in pipeline_stages, f"{name} needs an unknown stage {need!r}"
    order = [s.name for s in ordered([name])]
    assert order[-1] == name and set(stage.needs) <= set(order[:-1])


@pytest.mark.parametrize("name", STAGES)
def test_current_on_an_empty_workspace(sqlite_ws: Workspace, name: str) -> None:
    assert pipeline_stages.get(name).pending(sqlite_ws).current


@pytest.mark.parametrize("name", STAGES)
def test_pending_then_current_after_running(
    built: tuple[Workspace, list[dict]], name: str
) -> None:
    ws, (run,) = built
    report = next(r for r in run["reports"] if r["stage"] == name)
    assert report["ran"] == (run["before"][name] > 0 or report["pending_before"] > 0)
    assert pipeline_stages.get(name).pending(ws).current, f"{name} still pending after its run"


def test_a_second_run_does_nothing(built: tuple[Workspace, list[dict]]) -> None:
    ws, _ = built
    again = run_stages(StageContext(workspace=ws, actor="test", workers=1, quiet=True))
    assert [r.ran for r in again] == [False] * len(again)


def test_every_media_stage_sees_new_evidence(built: tuple[Workspace, list[dict]]) -> None:
    _, (run,) = built
    assert run["before"]["ingest"] == 2  # two sources
    # After ingest, the stages that read media had work: each ran.
    ran = {r["stage"] for r in run["reports"] if r["ran"]}
    assert {"ingest", "match", "series", "deep"} <= ran


def test_ensure_current_refuses_with_the_command(sqlite_ws: Workspace, tmp_path: Path) -> None:
    (folder,) = make_evidence(tmp_path / "ev", images=2, video=False)[:1]
    with sqlite_ws.store.session() as session:
        add_source(session, location=folder, agency="NL-POL", label="a", actor="test")
    ctx = StageContext(workspace=sqlite_ws, actor="test", workers=1, quiet=True)
    run_stages(ctx, ["ingest"])
    stale = [s.name for s in ordered() if s.name != "ingest" and not s.pending(sqlite_ws).current]
    assert stale, "after an ingest some later stage has work"
    with pytest.raises(StageNotCurrent, match="lodestar run"):
        ensure_current(ctx, stale, compute=False)
    ensure_current(ctx, stale, compute=True)
    assert all(pipeline_stages.get(n).pending(sqlite_ws).current for n in stale)
