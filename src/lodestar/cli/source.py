"""``lodestar source add|list|show``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from lodestar.cli.common import JSON_OPTION_HELP, console, emit_json, workspace
from lodestar.evidence.service import add_source, get_source, list_sources
from lodestar.store import Source
from lodestar.workspace import current_actor

app = typer.Typer(help="Evidence sources (seized items), opened read-only.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help=JSON_OPTION_HELP)]


def source_as_dict(s: Source, *, custody: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": s.id,
        "uid": s.uid,
        "kind": s.kind,
        "label": s.label,
        "agency": s.agency,
        "location": s.location,
        "added_at": s.added_at,
        "added_by": s.added_by,
        "status": s.status,
        "container_sha256": s.container_sha256,
        "manifest_sha256": s.manifest_sha256,
    }
    if custody:
        out["custody"] = [
            {"at": c.at, "actor": c.actor, "host": c.host, "action": c.action, "detail": c.detail}
            for c in s.custody
        ]
    return out


@app.command("add")
def add(
    location: Annotated[Path, typer.Argument(help="Folder or archive holding the evidence.")],
    agency: Annotated[str, typer.Option(help="Contributing agency code, e.g. PT-PJ.")],
    label: Annotated[str, typer.Option(help="A short name, e.g. 'laptop 1'.")],
    as_json: JsonFlag = False,
) -> None:
    """Register a source (nothing is read yet; run `ingest`)."""
    with workspace() as ws, ws.store.session() as session:
        src = add_source(
            session, location=location, agency=agency, label=label, actor=current_actor()
        )
        out = source_as_dict(src)
    if as_json:
        emit_json(out)
    else:
        console.print(f"added source {out['id']} ({out['kind']}): {out['label']}")


@app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    """List sources."""
    with workspace() as ws, ws.store.session() as session:
        rows = [source_as_dict(s) for s in list_sources(session)]
    if as_json:
        emit_json(rows)
        return
    table = Table("id", "label", "agency", "kind", "status", "location")
    for r in rows:
        table.add_row(str(r["id"]), r["label"], r["agency"], r["kind"], r["status"], r["location"])
    console.print(table)


@app.command("show")
def show(
    ref: Annotated[str, typer.Argument(help="Source id or label.")], as_json: JsonFlag = False
) -> None:
    """Show a source with its custody record."""
    with workspace() as ws, ws.store.session() as session:
        out = source_as_dict(get_source(session, ref), custody=True)
    if as_json:
        emit_json(out)
        return
    for key, value in out.items():
        if key != "custody":
            console.print(f"[bold]{key}[/]: {value}", highlight=False)
    for c in out["custody"]:
        console.print(f"  {c['at']:%Y-%m-%d %H:%M:%S} {c['action']} by {c['actor']} {c['detail']}")
