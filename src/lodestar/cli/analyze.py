"""``lodestar analyze``: the deep pass (metadata, keyframes, OCR) over unique media."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from lodestar.cli.common import JsonFlag, console, session_scope, workspace
from lodestar.cli.output import Column, emit, emit_table, str_of, table
from lodestar.clues.deep import STAGES, run_deep_pass, stage_runs
from lodestar.workspace import current_actor

SUMMARY_COLUMNS: list[Column] = [
    ("stage", "stage"),
    ("media", str_of("media")),
    ("seconds", lambda r: f"{r['seconds']:.1f}"),
    ("media/s", str_of("media_per_second")),
]
RUN_COLUMNS: list[Column] = [
    ("stage", "stage"),
    ("status", "status"),
    ("started", "started_at"),
    ("media", str_of("media")),
    ("seconds", str_of("seconds")),
    ("media/s", str_of("media_per_second")),
]


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
    emit(summary.as_dict(), as_json=as_json, text=_print_summary)


def _print_summary(out: dict[str, Any]) -> None:
    console.print(
        f"deep pass: {out['media']} media ({out['skipped_known_ignorable']} known-ignorable "
        "skipped)",
        highlight=False,
    )
    stages = [{"stage": name} | row for name, row in out["stages"].items()]
    console.print(table(stages, SUMMARY_COLUMNS))
    console.print(f"clues: {out['clues']}", highlight=False)
    if out["warnings"]:
        console.print(f"warnings: {out['warnings']}", highlight=False)


def stages_command(as_json: JsonFlag = False) -> None:
    """Past deep-pass stage runs with their throughput."""
    with session_scope() as session:
        runs = stage_runs(session)
    emit_table(runs, as_json=as_json, columns=RUN_COLUMNS)
