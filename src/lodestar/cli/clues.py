"""``lodestar clues list``, ``lodestar search text``, ``lodestar places`` and
``lodestar jurisdiction``.

JSON shapes (``--json``): ``clues list`` → a list of clues {id, media, series_id, kind, text,
value, confidence, position, stage, extractor, extractor_version, created_at}; ``search text`` →
a list of hits {clue_id, media, series_id, kind, text, snippet, language, confidence, position};
``places`` → a list {clue_id, media, series_id, lat, lon, country_code, country, region, town,
distance_km, confidence, position}; ``jurisdiction`` → ranked candidates {country_code,
country, score, support, evidence: [{kind, clue_id, media, weight, why}]}.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from typing import Annotated, Any

import typer

from lodestar.cli.common import JsonFlag, console, session_scope, workspace
from lodestar.cli.output import Column, emit, emit_table
from lodestar.clues import jurisdiction as juris
from lodestar.clues import queries
from lodestar.errors import UserError
from lodestar.stages import pipeline_stages
from lodestar.workspace import Workspace

clues_app = typer.Typer(help="Clues found in media: text, places, cameras, times.",
                        no_args_is_help=True)
search_app = typer.Typer(help="Search what the clue stage found.", no_args_is_help=True)

MediaOpt = Annotated[
    str | None, typer.Option("--media", help="One media: SHA-256 or a prefix (≥ 6 hex digits).")
]
SeriesOpt = Annotated[int | None, typer.Option("--series", help="One series id.")]
KindOpt = Annotated[list[str] | None, typer.Option("--kind", help="Only clues of this kind.")]
TEXT_WIDTH = 70
TEXT_EVIDENCE = 3  # evidence rows per country in the text view (all with --json)


def _one_target(media: str | None, series: int | None) -> None:
    if (media is None) == (series is None):
        raise UserError("give exactly one of --media SHA256 or --series ID")


def _short(text: str, width: int = TEXT_WIDTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


CLUE_COLUMNS: list[Column] = [
    ("id", "id"),
    ("media", lambda r: r["media"][:12]),
    ("kind", "kind"),
    ("text", lambda r: _short(r["text"])),
    ("conf", lambda r: f"{r['confidence']:.2f}"),
    ("at s", lambda r: f"{r['position']:.1f}" if r["position"] is not None else ""),
]
HIT_COLUMNS: list[Column] = [
    ("media", lambda h: h["media"][:12]),
    ("series", "series_id"),
    ("lang", "language"),
    ("snippet", lambda h: _short(h["snippet"])),
]
PLACE_COLUMNS: list[Column] = [
    ("series", "series_id"),
    ("media", lambda r: r["media"][:12]),
    ("lat", lambda r: f"{r['lat']:.5f}"),
    ("lon", lambda r: f"{r['lon']:.5f}"),
    ("country", "country_code"),
    ("town", "town"),
    ("km", lambda r: f"{r['distance_km']:.1f}" if r["distance_km"] is not None else ""),
]


@clues_app.command("list")
def clues_list(
    media: MediaOpt = None,
    series: SeriesOpt = None,
    kind: KindOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """List the clues of one media or of every member of a series."""
    _one_target(media, series)
    with session_scope() as session:
        if media is not None:
            rows = queries.clues_for_media(session, sha256=media, kinds=kind)
        else:
            assert series is not None
            rows = queries.clues_for_series(session, series_id=series, kinds=kind)
    emit_table(rows, as_json=as_json, columns=CLUE_COLUMNS)


@search_app.command("text")
def search_text(
    query: Annotated[str, typer.Argument(help="Words to find (case and accents ignored).")],
    limit: Annotated[int, typer.Option(help="At most this many hits.")] = 50,
    kind: KindOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Find media whose recognised text holds every word of QUERY."""
    with workspace() as ws:
        with ws.store.session() as session:
            hits = queries.search_text(session, query=query, limit=limit,
                                       kinds=kind or queries.SEARCH_KINDS)
        emit_table(hits, as_json=as_json, columns=HIT_COLUMNS)
        _note_if_pending(ws, "deep", "media not yet read are not searched", as_json)


def places_command(as_json: JsonFlag = False) -> None:
    """List place clues with coordinates (GPS fix, country, town), by series."""
    with session_scope() as session:
        rows = queries.places(session)
    emit_table(rows, as_json=as_json, columns=PLACE_COLUMNS)


def _print_candidates(rows: list[dict[str, Any]]) -> None:
    if not rows:
        console.print("no clue says anything about a country")
        return
    for r in rows:
        console.print(f"[bold]{r['country_code']}[/] {r['country']}: {r['score']:.3g}",
                      highlight=False)
        # Twenty shots of one room give twenty identical reasons: shown once, with a count.
        same = Counter((e["kind"], e["weight"], e["why"]) for e in r["evidence"])
        for (kind, weight, why), n in list(same.items())[:TEXT_EVIDENCE]:
            times = f" (×{n})" if n > 1 else ""
            console.print(f"  {kind:11} {weight:.3f} {why}{times}", highlight=False)
        if len(same) > TEXT_EVIDENCE:
            console.print(f"  … {len(same) - TEXT_EVIDENCE} more reasons (all with --json)")


def jurisdiction_command(
    media: MediaOpt = None,
    series: SeriesOpt = None,
    limit: Annotated[
        int, typer.Option(help="At most this many countries (0: all candidates).")
    ] = 10,
    as_json: JsonFlag = False,
) -> None:
    """Rank the countries a media or series was probably made in, with the clues behind each."""
    _one_target(media, series)
    if limit < 0:
        raise UserError(f"--limit must be 0 or more, not {limit}")
    keep = limit or None
    with workspace() as ws:
        with ws.store.session() as session:
            if media is not None:
                rows = juris.media_jurisdiction(session, sha256=media, limit=keep)
            else:
                assert series is not None
                rows = juris.series_jurisdiction(session, series_id=series, limit=keep)
        emit(rows, as_json=as_json, text=_print_candidates)
        _note_if_pending(ws, "deep", "these countries rest on the clues found so far", as_json)


def _note_if_pending(ws: Workspace, stage: str, consequence: str, as_json: bool) -> None:
    """Say so, after the answer, when it rests on a stage not yet done: a line on stderr
    (under --json, one JSON object ``{"note": …}``, so stdout stays the answer alone)."""
    owner = pipeline_stages.get(stage)
    pending = owner.pending(ws)
    if pending.current:
        return
    message = f"{pending.reason}; {consequence} (run `{owner.command}` or `lodestar run`)"
    if as_json:
        note = {"code": "stage_not_current", "stage": stage, "pending": pending.count,
                "message": message}  # fmt: skip
        sys.stderr.write(json.dumps({"note": note}, ensure_ascii=False) + "\n")
    else:
        console.print(f"[yellow]note:[/] {message}", highlight=False)
