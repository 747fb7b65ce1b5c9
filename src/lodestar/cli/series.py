"""``lodestar series build|list|show|why|merge|split|move|lock|unlock|name|identify`` and
``lodestar cameras list``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from lodestar.cli.common import JsonFlag, console, session_scope, workspace
from lodestar.cli.output import Column, Row, emit, emit_fields, emit_table, yes
from lodestar.cli.run import ensure_stages
from lodestar.series import service
from lodestar.series.cameras import list_cameras
from lodestar.stages import StageContext, run_stages
from lodestar.workspace import current_actor

# What a series build's links rest on.
BUILD_NEEDS = ["features", "vpdq", "match"]

app = typer.Typer(
    help="Series: media linked into the sets analysts investigate.", no_args_is_help=True
)
cameras_app = typer.Typer(help="Camera bodies found in metadata.", no_args_is_help=True)
TEXT_LINKS = 40  # strongest first; the rest only in --json
SeriesId = Annotated[int, typer.Argument(help="Series id.")]


def _identified(row: Row) -> str:
    return "/".join(k.split("_")[0] for k in ("victim_identified", "offender_identified") if row[k])


SERIES_COLUMNS: list[Column] = [
    ("id", "id"),
    ("name", "name"),
    ("size", "size"),
    ("status", "status"),
    ("locked", yes("locked")),
    ("ICSE series", "icse_series"),
    ("identified", _identified),
]
CAMERA_COLUMNS: list[Column] = [
    ("make", "make"),
    ("model", "model"),
    ("serial", "serial"),
    ("media", "media"),
    ("first", "first_capture"),
    ("last", "last_capture"),
    ("series", lambda r: ", ".join(map(str, r["series"]))),
]


def _print_series(out: dict[str, Any]) -> None:
    flags = [k for k in ("victim_identified", "offender_identified") if out.get(k)]
    console.print(
        f"[bold]series {out['id']}[/] {out.get('name') or ''} ({out['status']}"
        f"{', locked' if out['locked'] else ''}) — {out['size']} media"
        f"{'; ICSE ' + out['icse_series'] if out.get('icse_series') else ''}"
        f"{'; ' + ', '.join(flags) if flags else ''}",
        highlight=False,
    )
    for m in out.get("media", []):
        pin = " pinned" if m["pinned"] else ""
        where = m["paths"][0] if m["paths"] else ""
        console.print(f"  {m['sha256'][:16]} {m['kind']:5} {where}{pin}", highlight=False)
    if out.get("link_kinds"):
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(out["link_kinds"].items()))
        console.print(f"  links: {kinds}", highlight=False)
    for e in out.get("events", []):
        console.print(f"  {e['at']:%Y-%m-%d %H:%M} {e['actor']} {e['action']}", highlight=False)


def _done(out: dict[str, Any], as_json: bool) -> None:
    emit(out, as_json=as_json, text=_print_series)


@app.command("build")
def build(
    incremental: Annotated[
        bool, typer.Option(help="Only link media that are in no series and no link yet.")
    ] = False,
    builder: Annotated[
        list[str] | None, typer.Option("--builder", help="Run only these link builders.")
    ] = None,
    compute: Annotated[
        bool,
        typer.Option(
            "--compute/--no-compute",
            help="Bring features, vPDQ and matching up to date first (default), or refuse.",
        ),
    ] = True,
    as_json: JsonFlag = False,
) -> None:
    """Build links between media and cluster them into series (analyst edits are kept).

    Links rest on local features, video signatures and matches: those not up to date are
    brought up to date first (or, with --no-compute, the command refuses and says so).
    """
    with workspace() as ws:
        ensure_stages(ws, BUILD_NEEDS, compute=compute, purpose="a series build", quiet=as_json)
        if builder:  # some builders only: not a complete build, so the stage stays pending
            with ws.store.session() as session:
                out = service.build_series(
                    session, actor=current_actor(), incremental=incremental, builder_names=builder
                )
        else:
            ctx = StageContext(
                workspace=ws, actor=current_actor(), quiet=as_json,
                options={"incremental": incremental},
            )  # fmt: skip
            (report,) = run_stages(ctx, ["series"], force=True, with_needs=False)
            out = report.result
    emit_fields(out, as_json=as_json)


@app.command("list")
def list_(
    all_: Annotated[bool, typer.Option("--all", help="Include retired series.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """List series with their members' SHA-256."""
    with session_scope() as session:
        rows = service.list_series(session, include_retired=all_)
    emit_table(rows, as_json=as_json, columns=SERIES_COLUMNS)


@app.command("show")
def show(series_id: SeriesId, as_json: JsonFlag = False) -> None:
    """Show one series: members, link kinds and its event history."""
    with session_scope() as session:
        out = service.show_series(session, series_id=series_id)
    _done(out, as_json)


@app.command("why")
def why(
    series_id: SeriesId,
    media: Annotated[
        str | None, typer.Option("--media", help="One member (SHA-256 or a prefix).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """The links (kind, score, evidence) that put a series — or one member — together."""
    with session_scope() as session:
        out = service.why(session, series_id=series_id, media=media)
    emit(out, as_json=as_json, text=_print_why)


def _print_why(out: dict[str, Any]) -> None:
    console.print(f"[bold]series {out['series_id']}[/]", highlight=False)
    if "sha256" in out:  # asked about one member
        console.print(f"  member {out['sha256']} (added by {out['added_by']})", highlight=False)
    for link in out["links"][:TEXT_LINKS]:
        other = link.get("other") or f"{link['a'][:12]} ↔ {link['b'][:12]}"
        console.print(
            f"  {link['kind']:12} {link['strength']:6} {link['score']:.2f} {other[:27]} "
            f"{link['evidence']}",
            highlight=False,
        )
    if len(out["links"]) > TEXT_LINKS:
        console.print(f"  … {len(out['links']) - TEXT_LINKS} more links (all with --json)")
    for e in out.get("placed_by_analyst", []):
        console.print(f"  placed by {e['actor']} ({e['action']}, {e['at']:%Y-%m-%d %H:%M})")


@app.command("merge")
def merge(
    into: Annotated[int, typer.Argument(help="The series that stays.")],
    others: Annotated[list[int], typer.Argument(help="Series merged into it.")],
    as_json: JsonFlag = False,
) -> None:
    """Merge series into one (the others are retired, their members pinned to it)."""
    with session_scope() as session:
        out = service.merge_series(session, into=into, others=others, actor=current_actor())
    _done(out, as_json)


@app.command("split")
def split(
    series_id: SeriesId,
    media: Annotated[list[str], typer.Argument(help="Members (SHA-256 or prefixes) to split off.")],
    name: Annotated[str | None, typer.Option(help="Name of the new series.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Split members off into a new series."""
    with session_scope() as session:
        out = service.split_series(
            session, series_id=series_id, media=media, name=name, actor=current_actor()
        )
    _done(out, as_json)


@app.command("move")
def move(
    media: Annotated[list[str], typer.Argument(help="Media (SHA-256 or prefixes) to move.")],
    to: Annotated[int, typer.Option("--to", help="The series to move them into.")],
    as_json: JsonFlag = False,
) -> None:
    """Move members into another series."""
    with session_scope() as session:
        out = service.move_media(session, media=media, to_series=to, actor=current_actor())
    _done(out, as_json)


@app.command("lock")
def lock(
    series_id: SeriesId,
    unlock: Annotated[bool, typer.Option("--unlock", help="Unlock instead.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Confirm and lock a series: re-builds leave its members exactly as they are."""
    with session_scope() as session:
        out = service.lock_series(
            session, series_id=series_id, locked=not unlock, actor=current_actor()
        )
    _done(out, as_json)


@app.command("unlock")
def unlock_(series_id: SeriesId, as_json: JsonFlag = False) -> None:
    """Unlock a series so re-builds may reshape it again."""
    with session_scope() as session:
        out = service.lock_series(session, series_id=series_id, locked=False, actor=current_actor())
    _done(out, as_json)


@app.command("name")
def name(
    series_id: SeriesId,
    new_name: Annotated[str, typer.Argument(help="The series' working name.")],
    as_json: JsonFlag = False,
) -> None:
    """Name a series."""
    with session_scope() as session:
        out = service.name_series(
            session, series_id=series_id, name=new_name, actor=current_actor()
        )
    _done(out, as_json)


@app.command("identify")
def identify(
    series_id: SeriesId,
    victim: Annotated[
        bool | None, typer.Option("--victim/--no-victim", help="Victim identified.")
    ] = None,
    offender: Annotated[
        bool | None, typer.Option("--offender/--no-offender", help="Offender identified.")
    ] = None,
    icse: Annotated[str | None, typer.Option("--icse", help="ICSE series name.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Mark a series known or identified (victim, offender, ICSE series name)."""
    with session_scope() as session:
        out = service.mark_identified(
            session,
            series_id=series_id,
            victim=victim,
            offender=offender,
            icse_series=icse,
            actor=current_actor(),
        )
    _done(out, as_json)


@cameras_app.command("list")
def cameras_list(as_json: JsonFlag = False) -> None:
    """Camera bodies (make, model, serial) with their media and the series they link."""
    with session_scope() as session:
        rows = list_cameras(session)
    emit_table(rows, as_json=as_json, columns=CAMERA_COLUMNS)
