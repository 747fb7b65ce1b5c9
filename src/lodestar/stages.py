"""Pipeline stages: what each stage needs and produces, and bringing them up to date in order.

Each stage package declares its stage(s) in its own ``stage`` module (``analyze.stage``,
``match.stage``, ``series.stage``, ``clues.stage``), registered in :data:`pipeline_stages`.
A stage names the stages it needs, says how much of its work is *pending* (new media without
its output, a newer input since its last run) and runs. ``lodestar run`` walks them in
dependency order, resumably: a stage with nothing pending is skipped, an interrupted one picks
up where it stopped (every stage is resumable on its own). A query that rests on stages calls
:func:`ensure_current`, which either brings them up to date or refuses with a message naming
the command — never a silently weaker answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lodestar.errors import LodestarError, UserError
from lodestar.registry import Registry
from lodestar.store import HashSet, Item, Match, Media, ProcessingWarning, StageMark
from lodestar.workspace import Workspace

#: ``progress(done, total)``; ``total`` None while a stage does not know it yet.
StageProgress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class Pending:
    """How much of a stage's work is out of date, and why (for a person)."""

    count: int
    reason: str = ""

    @property
    def current(self) -> bool:
        return self.count == 0


@dataclass(frozen=True)
class StageContext:
    workspace: Workspace
    actor: str
    workers: int | None = None
    quiet: bool = False
    options: dict[str, Any] = field(default_factory=dict)


class PipelineStage(Protocol):
    """One step of the flow: ``needs`` other stages by name, produces ``produces``."""

    name: ClassVar[str]
    needs: ClassVar[tuple[str, ...]]
    produces: ClassVar[str]  # one line for a person: what the stage writes
    command: ClassVar[str]  # the CLI command that runs just this stage

    def pending(self, ws: Workspace) -> Pending: ...

    def run(self, ctx: StageContext, progress: StageProgress) -> dict[str, Any]: ...


pipeline_stages: Registry[PipelineStage] = Registry(
    "pipeline stage",
    builtins=(
        "lodestar.analyze.stage",
        "lodestar.match.stage",
        "lodestar.series.stage",
        "lodestar.clues.stage",
    ),
)


class StageNotCurrent(LodestarError):
    """A query's answer rests on stages that have not run over all media yet."""

    code = "stage_not_current"


class StageCycle(RuntimeError):
    pass


# Independent stages run in the order of the flow (DESIGN.md §1), then by name.
FLOW = ("evidence", "analyze", "match", "series", "clues", "review", "leads", "reports")


def _flow_position(name: str) -> tuple[int, str]:
    package = type(pipeline_stages.get(name)).__module__.split(".")[1:2]
    where = FLOW.index(package[0]) if package and package[0] in FLOW else len(FLOW)
    return where, name


def ordered(names: Iterable[str] | None = None, *, with_needs: bool = True) -> list[PipelineStage]:
    """The stages ``names`` (default: all) and everything they need, dependencies first.

    Ties keep registry (name) order, so the order is the same on every machine. With
    ``with_needs`` False only the named stages are returned (still in dependency order).
    """
    wanted = list(names) if names is not None else pipeline_stages.names()
    for name in wanted:
        if name not in pipeline_stages:
            known = ", ".join(pipeline_stages.names())
            raise UserError(f"no stage named {name!r} (known: {known})", detail={"stage": name})
    out: list[PipelineStage] = []
    state: dict[str, str] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            raise StageCycle(f"pipeline stages need each other: {' → '.join((*path, name))}")
        state[name] = "visiting"
        stage = pipeline_stages.get(name)
        for need in sorted(stage.needs, key=_flow_position):
            visit(need, (*path, name))
        state[name] = "done"
        out.append(stage)

    for name in sorted(wanted, key=_flow_position):
        visit(name, ())
    if not with_needs:
        out = [stage for stage in out if stage.name in wanted]
    return out


@dataclass
class StageReport:
    name: str
    pending_before: int
    reason: str
    ran: bool
    result: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "stage": self.name,
            "pending_before": self.pending_before,
            "reason": self.reason,
            "ran": self.ran,
            "result": self.result,
        }


def status(ws: Workspace, names: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Each stage with what it needs and how much of it is pending (nothing is run)."""
    rows = []
    for stage in ordered(names):
        pending = stage.pending(ws)
        rows.append(
            {
                "stage": stage.name,
                "needs": list(stage.needs),
                "produces": stage.produces,
                "command": stage.command,
                "pending": pending.count,
                "reason": pending.reason,
            }
        )
    return rows


def run_stages(
    ctx: StageContext,
    names: Sequence[str] | None = None,
    *,
    progress_for: Callable[[str], StageProgress] | None = None,
    force: bool = False,
    with_needs: bool = True,
) -> list[StageReport]:
    """Bring ``names`` (default: every stage) and their needs up to date, in order."""
    reports = []
    for stage in ordered(names, with_needs=with_needs):
        pending = stage.pending(ctx.workspace)
        if pending.current and not force:
            reports.append(StageReport(stage.name, 0, "up to date", ran=False))
            continue
        progress = progress_for(stage.name) if progress_for else _no_progress
        result = stage.run(ctx, progress)
        reports.append(StageReport(stage.name, pending.count, pending.reason, True, result))
    return reports


def ensure_current(
    ctx: StageContext,
    names: Sequence[str],
    *,
    compute: bool,
    progress_for: Callable[[str], StageProgress] | None = None,
    purpose: str = "this answer",
) -> list[StageReport]:
    """Make sure the stages ``names`` are current: run them (``compute``) or refuse.

    Only the named stages: a query rests on the media already in the workspace, so a source
    not yet ingested (say, an unplugged drive) doesn't block it and isn't ingested by it.
    """
    if compute:
        return run_stages(ctx, names, progress_for=progress_for, with_needs=False)
    stale = [(s, s.pending(ctx.workspace)) for s in ordered(names, with_needs=False)]
    stale = [(s, p) for s, p in stale if not p.current]
    if stale:
        first = stale[0][0]
        what = "; ".join(f"{s.name}: {p.count} pending ({p.reason})" for s, p in stale)
        raise StageNotCurrent(
            f"{purpose} rests on stages that are not up to date ({what}); run "
            f"`lodestar run` (or `{first.command}`) first",
            detail={"stages": [s.name for s, _ in stale]},
        )
    return []


def _no_progress(done: int, total: int | None) -> None:
    return None


# -- marks: for stages whose work is not per media (hash-set matching, a series build) -------


def store_inputs(session: Session) -> dict[str, Any]:
    """A fingerprint of what operation-wide stages read: media, items, hash sets, matches.

    Item ids only grow and hash sets are listed with their entry counts, so any new media,
    new occurrence, new or re-imported hash set changes the fingerprint.
    """
    sets = session.execute(select(HashSet.id, HashSet.entries).order_by(HashSet.id))
    return {
        "media": session.scalar(select(func.count()).select_from(Media)) or 0,
        "last_item": session.scalar(select(func.max(Item.id))) or 0,
        "hash_sets": [[set_id, entries] for set_id, entries in sets],
        "matches": session.scalar(select(func.count()).select_from(Match)) or 0,
        "warnings": session.scalar(select(func.count()).select_from(ProcessingWarning)) or 0,
    }


def read_mark(session: Session, stage: str) -> dict[str, Any] | None:
    mark = session.get(StageMark, stage)
    return dict(mark.inputs) if mark is not None else None


def write_mark(session: Session, stage: str, *, inputs: dict[str, Any], actor: str) -> None:
    mark = session.get(StageMark, stage)
    now = datetime.now(UTC)
    if mark is None:
        session.add(StageMark(stage=stage, inputs=inputs, finished_at=now, actor=actor))
    else:
        mark.inputs, mark.finished_at, mark.actor = inputs, now, actor


def mark_pending(
    session: Session, stage: str, inputs: dict[str, Any], *, keys: Sequence[str]
) -> Pending:
    """Pending when ``inputs`` (restricted to ``keys``) differ from the last complete run's."""
    if not inputs.get("media"):
        return Pending(0)
    mark = read_mark(session, stage)
    if mark is None:
        return Pending(int(inputs["media"]), "never run")
    changed = [k for k in keys if mark.get(k) != inputs.get(k)]
    if not changed:
        return Pending(0)
    new_media = max(int(inputs["media"]) - int(mark.get("media", 0)), 0)
    return Pending(max(new_media, 1), "changed since the last run: " + ", ".join(changed))


class MarkedStage:
    """An operation-wide stage: pending while ``inputs`` changed since its last complete run.

    A subclass names its ``inputs`` (keys of :func:`store_inputs`) and does its work in
    ``work``, in one session; the mark is written in the same transaction, so a run that
    fails leaves the stage pending.
    """

    name: ClassVar[str]
    inputs: ClassVar[tuple[str, ...]]

    def pending(self, ws: Workspace) -> Pending:
        with ws.store.session() as session:
            return mark_pending(session, self.name, store_inputs(session), keys=self.inputs)

    def run(self, ctx: StageContext, progress: StageProgress) -> dict[str, Any]:
        with ctx.workspace.store.session() as session:
            out = self.work(session, ctx)
            write_mark(session, self.name, inputs=store_inputs(session), actor=ctx.actor)
        progress(1, 1)
        return out

    def work(self, session: Session, ctx: StageContext) -> dict[str, Any]:
        raise NotImplementedError
