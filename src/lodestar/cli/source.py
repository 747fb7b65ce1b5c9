"""``lodestar source add|list|show``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from lodestar.cli.common import JsonFlag, console, session_scope
from lodestar.cli.output import emit, emit_message, emit_table, print_fields
from lodestar.evidence.service import add_source, get_source, list_sources
from lodestar.store import Source
from lodestar.workspace import current_actor

app = typer.Typer(help="Evidence sources (seized items), opened read-only.", no_args_is_help=True)
COLUMNS = [(key, key) for key in ("id", "label", "agency", "kind", "status", "location")]


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
    with session_scope() as session:
        src = add_source(
            session, location=location, agency=agency, label=label, actor=current_actor()
        )
        out = source_as_dict(src)
    emit_message(
        out, as_json=as_json, message=f"added source {out['id']} ({out['kind']}): {out['label']}"
    )


@app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    """List sources."""
    with session_scope() as session:
        rows = [source_as_dict(s) for s in list_sources(session)]
    emit_table(rows, as_json=as_json, columns=COLUMNS)


@app.command("show")
def show(
    ref: Annotated[str, typer.Argument(help="Source id or label.")], as_json: JsonFlag = False
) -> None:
    """Show a source with its custody record."""
    with session_scope() as session:
        out = source_as_dict(get_source(session, ref), custody=True)
    emit(out, as_json=as_json, text=_print_source)


def _print_source(out: dict[str, Any]) -> None:
    print_fields(out, skip=["custody"])
    for c in out["custody"]:
        console.print(f"  {c['at']:%Y-%m-%d %H:%M:%S} {c['action']} by {c['actor']} {c['detail']}")
