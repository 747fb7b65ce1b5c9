"""``lodestar ingest`` and ``lodestar status``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from lodestar.analyze.ingest import ingest
from lodestar.analyze.queries import status
from lodestar.cli.common import IngestProgressBar, JsonFlag, console, workspace
from lodestar.cli.output import emit, emit_fields
from lodestar.workspace import current_actor


def ingest_command(
    source: Annotated[
        list[int] | None, typer.Option("--source", help="Only these source ids (repeatable).")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (default: LODESTAR_WORKERS or cores).")
    ] = None,
    retry_failed: Annotated[
        bool,
        typer.Option(
            "--retry-failed",
            help="Also read again the files that ended unreadable or crashed a worker "
            "(a plain re-run skips them); a read that now succeeds replaces the warning.",
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Run the fast pass over every source not yet ingested (resumable, parallel)."""
    with workspace() as ws:
        if as_json:
            summary = ingest(
                ws,
                actor=current_actor(),
                source_ids=source,
                workers=workers,
                retry_failed=retry_failed,
            )
        else:
            with IngestProgressBar() as bar:
                summary = ingest(
                    ws,
                    actor=current_actor(),
                    source_ids=source,
                    workers=workers,
                    progress=bar,
                    retry_failed=retry_failed,
                )
    emit(summary.as_dict(), as_json=as_json, text=_print_ingested)


def _print_ingested(out: dict[str, Any]) -> None:
    console.print(
        f"ingested {out['files']} files ({out['bytes'] / 1e6:.1f} MB) from "
        f"{len(out['sources'])} source(s) in {out['seconds']:.1f} s; "
        f"{out['warnings']} warning(s)"
    )
    if out.get("retried"):
        console.print(f"{out['retried']} previously failed file(s) read again")
    for label in out["missing"]:
        console.print(f"[bold red]source {label!r}: evidence location missing; not ingested[/]")


def status_command(as_json: JsonFlag = False) -> None:
    """Operation figures: files, unique media, bytes, video hours, warnings."""
    with workspace() as ws, ws.store.session() as session:
        out = status(session)
        out["workspace"] = str(ws.root)
    emit_fields(out, as_json=as_json)
