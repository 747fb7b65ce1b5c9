"""``lodestar media list|show`` and ``lodestar warnings list``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from lodestar.analyze.queries import find_media, list_media, list_warnings, media_as_dict
from lodestar.cli.common import JsonFlag, console, session_scope
from lodestar.cli.output import Column, emit, emit_table, print_fields, str_of
from lodestar.match.matching import matches_for

media_app = typer.Typer(
    help="Unique media (by SHA-256) and their occurrences.", no_args_is_help=True
)
warnings_app = typer.Typer(help="Per-item processing problems.", no_args_is_help=True)

MEDIA_COLUMNS: list[Column] = [
    ("sha256", lambda r: r["sha256"][:16]),
    ("kind", "kind"),
    ("mime", "mime"),
    ("size", "size"),
    ("w×h", lambda r: f"{r['width']}×{r['height']}" if r["width"] else ""),
    ("seen", "occurrences"),
]
WARNING_COLUMNS: list[Column] = [
    ("source", str_of("source")),
    ("path", "path_spec"),
    ("stage", "stage"),
    ("code", "code"),
    ("reason", "reason"),
]


@media_app.command("list")
def media_list(
    kind: Annotated[str | None, typer.Option(help="image, video, archive or other.")] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many rows.")] = None,
    offset: Annotated[int, typer.Option(help="Skip this many rows.")] = 0,
    as_json: JsonFlag = False,
) -> None:
    """List unique media."""
    with session_scope() as session:
        rows = list_media(session, kind=kind, limit=limit, offset=offset)
    emit_table(rows, as_json=as_json, columns=MEDIA_COLUMNS)


@media_app.command("show")
def media_show(
    sha256: Annotated[str, typer.Argument(help="SHA-256 or a unique prefix (≥ 6 hex digits).")],
    as_json: JsonFlag = False,
) -> None:
    """Show one media with every occurrence."""
    with session_scope() as session:
        out = media_as_dict(find_media(session, sha256), with_items=True)
        matches = matches_for(session, out["sha256"])
        out["matches"] = list(matches)
        out["matches_total"] = matches.total  # the list is capped: total says how many exist
    emit(out, as_json=as_json, text=_print_media)


def _print_media(out: dict[str, Any]) -> None:
    print_fields(out, skip=("items", "exif", "matches", "matches_total"))
    for item in out["items"]:
        console.print(f"  in {item['source']} ({item['agency']}): {item['path_spec']}")
    for m in out["matches"]:
        console.print(
            f"  match {m['method']} d={m['distance']}: {m.get('set') or m.get('other_sha256')} "
            f"category={m.get('category') or m.get('category_raw')} series={m.get('series')}"
        )
    if out["matches_total"] > len(out["matches"]):
        console.print(f"  … and {out['matches_total'] - len(out['matches'])} more matches")


@warnings_app.command("list")
def warnings_list(
    code: Annotated[str | None, typer.Option(help="Only this warning code.")] = None,
    stage: Annotated[str | None, typer.Option(help="Only this stage.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List stored processing warnings."""
    with session_scope() as session:
        rows = list_warnings(session, code=code, stage=stage)
    emit_table(rows, as_json=as_json, columns=WARNING_COLUMNS)
