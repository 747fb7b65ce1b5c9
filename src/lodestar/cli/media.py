"""``lodestar media list|show`` and ``lodestar warnings list``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from lodestar.analyze.queries import find_media, list_media, list_warnings, media_as_dict
from lodestar.cli.common import JSON_OPTION_HELP, console, emit_json, workspace
from lodestar.match.matching import matches_for

media_app = typer.Typer(
    help="Unique media (by SHA-256) and their occurrences.", no_args_is_help=True
)
warnings_app = typer.Typer(help="Per-item processing problems.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help=JSON_OPTION_HELP)]


@media_app.command("list")
def media_list(
    kind: Annotated[str | None, typer.Option(help="image, video, archive or other.")] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many rows.")] = None,
    offset: Annotated[int, typer.Option(help="Skip this many rows.")] = 0,
    as_json: JsonFlag = False,
) -> None:
    """List unique media."""
    with workspace() as ws, ws.store.session() as session:
        rows = list_media(session, kind=kind, limit=limit, offset=offset)
    if as_json:
        emit_json(rows)
        return
    table = Table("sha256", "kind", "mime", "size", "w×h", "seen")
    for r in rows:
        dims = f"{r['width']}×{r['height']}" if r["width"] else ""
        table.add_row(
            r["sha256"][:16], r["kind"], r["mime"], str(r["size"]), dims, str(r["occurrences"])
        )
    console.print(table)


@media_app.command("show")
def media_show(
    sha256: Annotated[str, typer.Argument(help="SHA-256 or a unique prefix (≥ 6 hex digits).")],
    as_json: JsonFlag = False,
) -> None:
    """Show one media with every occurrence."""
    with workspace() as ws, ws.store.session() as session:
        out = media_as_dict(find_media(session, sha256), with_items=True)
        out["matches"] = matches_for(session, out["sha256"])
    if as_json:
        emit_json(out)
        return
    for key, value in out.items():
        if key not in ("items", "exif", "matches"):
            console.print(f"[bold]{key}[/]: {value}", highlight=False)
    for item in out["items"]:
        console.print(f"  in {item['source']} ({item['agency']}): {item['path_spec']}")
    for m in out["matches"]:
        console.print(
            f"  match {m['method']} d={m['distance']}: {m.get('set') or m.get('other_sha256')} "
            f"category={m.get('category') or m.get('category_raw')} series={m.get('series')}"
        )


@warnings_app.command("list")
def warnings_list(
    code: Annotated[str | None, typer.Option(help="Only this warning code.")] = None,
    stage: Annotated[str | None, typer.Option(help="Only this stage.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List stored processing warnings."""
    with workspace() as ws, ws.store.session() as session:
        rows = list_warnings(session, code=code, stage=stage)
    if as_json:
        emit_json(rows)
        return
    table = Table("source", "path", "stage", "code", "reason")
    for r in rows:
        table.add_row(str(r["source"]), r["path_spec"], r["stage"], r["code"], r["reason"])
    console.print(table)
