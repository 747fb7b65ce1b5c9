"""``lodestar hashsets import|list|show|export`` and ``lodestar match``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from lodestar.analyze.signals.base import SignalError
from lodestar.cli.common import JsonFlag, console, session_scope, workspace
from lodestar.cli.output import Column, emit, emit_fields, emit_message, emit_table, yes
from lodestar.cli.run import ensure_stages, stage_bars
from lodestar.errors import DataError, UserError
from lodestar.match.formats import format_choices
from lodestar.match.hashsets import (
    export_hashset,
    export_workspace,
    get_hashset,
    hashset_as_dict,
    import_hashset_file,
    list_hashsets,
    parse_category_map,
)
from lodestar.match.perceptual import similar_to
from lodestar.stages import StageContext, run_stages
from lodestar.workspace import current_actor

app = typer.Typer(
    help="Known-content hash sets (Project VIC, NSRL, ICSE, plain).", no_args_is_help=True
)
COLUMNS: list[Column] = [
    ("id", "id"),
    ("name", "name"),
    ("format", "format"),
    ("entries", "entries"),
    ("known", yes("known_ignorable")),
    ("imported", lambda r: f"{r['imported_at']:%Y-%m-%d}"),
]


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="The hash-set file.")],
    fmt: Annotated[
        str | None, typer.Option("--format", help=f"{format_choices()} (default: sniffed).")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Name of the set (default: file name).")] = None,
    category_map: Annotated[
        str | None,
        typer.Option(help="RAW=CATEGORY pairs ('1=cat-a,2=cat-b') or a JSON file path."),
    ] = None,
    known: Annotated[
        bool | None,
        typer.Option(
            "--known/--not-known",
            help="Matches are known, ignorable files (default: yes for NSRL).",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Import a hash set in one transaction (a bad record refuses the whole file)."""
    mapping = parse_category_map(category_map)
    with session_scope() as session:
        done = import_hashset_file(
            session,
            path=path,
            fmt=fmt,
            name=name,
            category_map=mapping,
            known_ignorable=known,
            actor=current_actor(),
        )
        out = done.as_dict()
    repeats = f"; {out['duplicates']} repeated records dropped" if out["duplicates"] else ""
    emit_message(
        out,
        as_json=as_json,
        message=f"imported {out['entries']} entries as hash set {out['id']} "
        f"({out['name']}, {out['format']}){repeats}",
        highlight=False,
    )


@app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    """List imported hash sets."""
    with session_scope() as session:
        rows = [hashset_as_dict(hs) for hs in list_hashsets(session)]
    emit_table(rows, as_json=as_json, columns=COLUMNS)


@app.command("show")
def show(
    ref: Annotated[str, typer.Argument(help="Hash-set id or name.")], as_json: JsonFlag = False
) -> None:
    """Show one hash set with its category counts."""
    with session_scope() as session:
        out = hashset_as_dict(get_hashset(session, ref), session)
    emit_fields(out, as_json=as_json)


@app.command("export")
def export(
    out: Annotated[Path, typer.Option("--out", help="File to write (VICS 2.0 JSON).")],
    ref: Annotated[
        str | None, typer.Argument(help="Hash-set id or name; omit for the workspace's media.")
    ] = None,
    shape: Annotated[str, typer.Option(help="hashset or case.")] = "hashset",
    matched_only: Annotated[
        bool, typer.Option(help="Workspace export: only media matched to a known set.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Export an imported set, or the workspace's media, as VICS 2.0 JSON."""
    if shape not in ("hashset", "case"):
        raise UserError(f"--shape must be hashset or case, not {shape!r}")
    with session_scope() as session:
        if ref is None:
            count = export_workspace(session, out, shape=shape, matched_only=matched_only)
        else:
            count = export_hashset(session, get_hashset(session, ref), out, shape=shape)
    emit_message(
        {"out": str(out), "records": count, "shape": shape},
        as_json=as_json,
        message=f"wrote {count} records to {out}",
    )


# What `match` prints first, in this order; the match summary follows.
MATCH_STAGES = ["features", "vpdq", "match"]
MATCH_FIGURES = (
    "new_matches",
    "pdq_indexed",
    "images_featured",
    "local_near_duplicate_pairs",
    "videos_signed",
    "video_near_duplicate_pairs",
)
# A similar search compares with every media's local features and video signature.
SIMILAR_STAGES = ["features", "vpdq"]


def match_command(
    radius: Annotated[int, typer.Option(help="PDQ Hamming distance for near-duplicates.")] = 31,
    as_json: JsonFlag = False,
) -> None:
    """Match every media against the imported sets (exact and PDQ) and against each other.

    Local features and vPDQ signatures missing for any media are computed first.
    """
    with workspace() as ws:
        ctx = StageContext(
            workspace=ws, actor=current_actor(), quiet=as_json, options={"radius": radius}
        )
        with stage_bars(quiet=as_json, transient=True) as progress_for:
            reports = run_stages(
                ctx, MATCH_STAGES, progress_for=progress_for, force=True, with_needs=False
            )
    results: dict[str, Any] = {}
    for report in reports:
        results |= report.result
    out = {key: results.pop(key) for key in MATCH_FIGURES} | results
    emit_fields(out, as_json=as_json)


def similar_command(
    path: Annotated[Path, typer.Argument(help="An image or video from outside the workspace.")],
    radius: Annotated[int, typer.Option(help="PDQ Hamming distance.")] = 31,
    compute: Annotated[
        bool,
        typer.Option(
            "--compute/--no-compute",
            help="Compute missing local features and vPDQ first (default), or refuse.",
        ),
    ] = True,
    as_json: JsonFlag = False,
) -> None:
    """Find workspace media and set entries equal or near to an outside image or video.

    The answer rests on every media's local features and vPDQ signature: those missing are
    computed first (or, with --no-compute, the command refuses and names what to run).
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from exc
    with workspace() as ws:
        ensure_stages(
            ws, SIMILAR_STAGES, compute=compute, purpose="a similar search", quiet=as_json
        )
    with workspace() as ws, ws.store.session() as session:
        try:
            out = similar_to(session, ws.derived, data, radius=radius)
        except SignalError as exc:
            raise DataError(f"{path}: {exc}", detail={"path": str(path)}) from exc
    emit(out, as_json=as_json, text=_print_similar)


def _print_similar(out: dict[str, Any]) -> None:
    console.print(f"sha256 {out['sha256']}  pdq {out['pdq']}", highlight=False)
    for m in out["exact_media"]:
        console.print(f"  same file in workspace: {m}")
    for e in out["exact_entries"] + out["near_entries"]:
        console.print(
            f"  set {e['set']}: entry {e['entry_id']} series={e.get('series')} "
            f"d={e.get('distance', 0)}",
            highlight=False,
        )
    for m in out.get("near_media", []):
        console.print(f"  near media {m['sha256']} d={m['distance']}")
    for m in out.get("local_media", []):
        console.print(
            f"  edited copy {m['sha256']} ({m['inliers']} keypoints agree, scale "
            f"{m['scale']}, rotation {m['rotation_deg']}°)",
            highlight=False,
        )
    for v in out.get("near_videos", []):
        console.print(
            f"  near video {v['sha256']} frames matched {v['query_matched']:.0%} / "
            f"{v['target_matched']:.0%}"
        )
