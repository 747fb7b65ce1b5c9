"""``lodestar ingest`` and ``lodestar status``."""

from __future__ import annotations

from typing import Annotated

import typer

from lodestar.analyze.ingest import ingest
from lodestar.analyze.queries import status
from lodestar.cli.common import JSON_OPTION_HELP, IngestProgressBar, console, emit_json, workspace
from lodestar.workspace import current_actor

JsonFlag = Annotated[bool, typer.Option("--json", help=JSON_OPTION_HELP)]


def ingest_command(
    source: Annotated[
        list[int] | None, typer.Option("--source", help="Only these source ids (repeatable).")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (default: LODESTAR_WORKERS or cores).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Run the fast pass over every source not yet ingested (resumable, parallel)."""
    with workspace() as ws:
        if as_json:
            summary = ingest(ws, actor=current_actor(), source_ids=source, workers=workers)
        else:
            with IngestProgressBar() as bar:
                summary = ingest(
                    ws, actor=current_actor(), source_ids=source, workers=workers, progress=bar
                )
    if as_json:
        emit_json(summary.as_dict())
        return
    console.print(
        f"ingested {summary.files} files ({summary.bytes / 1e6:.1f} MB) from "
        f"{len(summary.sources)} source(s) in {summary.seconds:.1f} s; "
        f"{summary.warnings} warning(s)"
    )
    for label in summary.missing:
        console.print(f"[bold red]source {label!r}: evidence location missing; not ingested[/]")


def status_command(as_json: JsonFlag = False) -> None:
    """Operation figures: files, unique media, bytes, video hours, warnings."""
    with workspace() as ws, ws.store.session() as session:
        out = status(session)
        out["workspace"] = str(ws.root)
    if as_json:
        emit_json(out)
        return
    for key, value in out.items():
        console.print(f"[bold]{key}[/]: {value}", highlight=False)
