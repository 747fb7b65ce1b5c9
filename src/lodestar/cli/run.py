"""``lodestar run``: bring every stage up to date, in dependency order, resumably.

``lodestar run --plan`` shows each stage, what it needs and how much of it is pending,
without running anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TimeRemainingColumn

from lodestar.cli.common import JsonFlag, console, workspace
from lodestar.cli.output import Column, emit, emit_table, print_fields
from lodestar.stages import StageContext, StageProgress, ensure_current, run_stages, status
from lodestar.workspace import current_actor

PLAN_COLUMNS: list[Column] = [
    ("stage", "stage"),
    ("needs", lambda r: ", ".join(r["needs"])),
    ("pending", lambda r: str(r["pending"])),
    ("why", "reason"),
    ("alone", "command"),
]


@contextmanager
def stage_bars(*, quiet: bool, transient: bool = False) -> Iterator[Any]:
    """One progress bar per stage, each with its own done/total (cluster-wide when remote)."""
    columns = (
        *Progress.get_default_columns()[:1],
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, disable=quiet, console=console, transient=transient) as bar:
        tasks: dict[str, TaskID] = {}

        def progress_for(name: str) -> StageProgress:
            tasks[name] = bar.add_task(name, total=None)

            def update(done: int, total: int | None) -> None:
                bar.update(tasks[name], completed=done, total=total)

            return update

        yield progress_for


def run_command(
    stage: Annotated[
        list[str] | None,
        typer.Option("--stage", help="Only these stages (and what they need); default: all."),
    ] = None,
    plan: Annotated[
        bool, typer.Option("--plan", help="Show what is pending; run nothing.")
    ] = False,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (default: LODESTAR_WORKERS or cores).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Bring every stage up to date in order: ingest → features, vPDQ → match → series → deep.

    Resumable: a stage with nothing pending is skipped; an interrupted one continues.
    """
    with workspace() as ws:
        if plan:
            emit_table(status(ws, stage), as_json=as_json, columns=PLAN_COLUMNS)
            return
        ctx = StageContext(workspace=ws, actor=current_actor(), workers=workers, quiet=as_json)
        with stage_bars(quiet=as_json) as progress_for:
            reports = run_stages(ctx, stage, progress_for=progress_for)
    emit([r.as_dict() for r in reports], as_json=as_json, text=_print_reports)


def _print_reports(reports: list[dict[str, Any]]) -> None:
    for report in reports:
        if not report["ran"]:
            console.print(f"[bold]{report['stage']}[/]: up to date", highlight=False)
            continue
        console.print(
            f"[bold]{report['stage']}[/]: {report['pending_before']} pending "
            f"({report['reason']})",
            highlight=False,
        )
        print_fields(report["result"])


def ensure_stages(
    ws: Any, names: list[str], *, compute: bool, purpose: str, quiet: bool
) -> list[dict[str, Any]]:
    """Before a query: bring the stages its answer rests on up to date, or refuse clearly."""
    ctx = StageContext(workspace=ws, actor=current_actor(), quiet=quiet)
    with stage_bars(quiet=quiet, transient=True) as progress_for:
        reports = ensure_current(
            ctx, names, compute=compute, progress_for=progress_for, purpose=purpose
        )
    return [r.as_dict() for r in reports if r.ran]
