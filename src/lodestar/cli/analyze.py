"""``lodestar analyze``: the deep pass (metadata, keyframes, OCR) over unique media."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from lodestar.cli.common import JSON_OPTION_HELP, console, emit_json, workspace
from lodestar.clues.deep import STAGES, run_deep_pass, stage_runs
from lodestar.workspace import current_actor

JsonFlag = Annotated[bool, typer.Option("--json", help=JSON_OPTION_HELP)]


def analyze_command(
    stage: Annotated[
        list[str] | None,
        typer.Option(help=f"Stage(s) to run: {', '.join(STAGES)} (default: all)."),
    ] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many media (testing).")] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (default: LODESTAR_WORKERS or cores).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Extract clues (metadata, places, keyframes, text and language) from unique media.

    Resumable: media an extractor (at its version) already did are skipped.
    """
    with workspace() as ws:
        columns = (
            *Progress.get_default_columns()[:1],
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, disable=as_json, console=console, transient=True) as bar:
            task = bar.add_task("deep pass", total=None)
            summary = run_deep_pass(
                ws,
                actor=current_actor(),
                stages=stage,
                limit=limit,
                workers=workers,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    out = summary.as_dict()
    if as_json:
        emit_json(out)
        return
    console.print(
        f"deep pass: {out['media']} media ({out['skipped_known_ignorable']} known-ignorable "
        "skipped)",
        highlight=False,
    )
    table = Table("stage", "media", "seconds", "media/s")
    for name, row in out["stages"].items():
        table.add_row(
            name, str(row["media"]), f"{row['seconds']:.1f}", str(row["media_per_second"])
        )
    console.print(table)
    console.print(f"clues: {out['clues']}", highlight=False)
    if out["warnings"]:
        console.print(f"warnings: {out['warnings']}", highlight=False)


def stages_command(as_json: JsonFlag = False) -> None:
    """Past deep-pass stage runs with their throughput."""
    with workspace() as ws, ws.store.session() as session:
        runs = stage_runs(session)
    if as_json:
        emit_json(runs)
        return
    table = Table("stage", "status", "started", "media", "seconds", "media/s")
    for r in runs:
        table.add_row(
            r["stage"],
            r["status"],
            r["started_at"],
            str(r["media"]),
            str(r["seconds"]),
            str(r["media_per_second"]),
        )
    console.print(table)
