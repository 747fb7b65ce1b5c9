"""``lodestar leads …`` (lifecycle, packages, keys, replies), ``lodestar report`` and
``lodestar crop``.

Without ``--as`` the workstation operator (``current_actor()``) acts with no role checks, like
every other CLI command; ``--as USER`` acts as that workspace user, held to their role and
agency (a review must still come from someone other than the lead's author).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from lodestar.access import Actor, user_actor
from lodestar.cli.common import JsonFlag, console, emit_json, session_scope, workspace
from lodestar.cli.output import Column, emit, emit_message, emit_table
from lodestar.errors import ExitCode, UserError
from lodestar.leads import crops, keys, reply, service
from lodestar.leads.jurisdiction import suggest_countries
from lodestar.leads.package import build_package
from lodestar.leads.verify import verify_package
from lodestar.reports.figures import operation_figures
from lodestar.reports.pdf import write_report_pdf
from lodestar.workspace import current_actor

app = typer.Typer(help="Leads for partner agencies: lifecycle and packages.", no_args_is_help=True)
key_app = typer.Typer(help="The workspace's package-signing key.", no_args_is_help=True)
app.add_typer(key_app, name="key")

AsUser = Annotated[
    str | None, typer.Option("--as", help="Act as this workspace user (their role applies).")
]
LeadId = Annotated[int, typer.Argument(help="Lead id.")]
Note = Annotated[str, typer.Option("--note", help="A note kept in the lead's history.")]
LEAD_COLUMNS: list[Column] = [
    ("id", "id"),
    ("status", "status"),
    ("country", "country"),
    ("agency", "agency"),
    ("urgency", "urgency"),
    ("series", lambda r: ",".join(map(str, r["series"]))),
    ("outcome", "outcome"),
    ("title", "title"),
]


def _actor(session: Session, as_user: str | None) -> Actor:
    if as_user is None:
        return Actor(name=current_actor())
    return user_actor(session, username=as_user)


def _print_lead(out: dict[str, Any]) -> None:
    console.print(
        f"[bold]lead {out['id']}[/] {out['title']} — {out['status']}, {out['country']}"
        f" / {out['agency'] or 'no agency'}, {out['urgency']}"
        f"{', outcome ' + out['outcome'] if out.get('outcome') else ''}",
        highlight=False,
    )
    console.print(f"  uid {out['uid']}; series {', '.join(map(str, out['series']))}")
    if out.get("needs_review"):
        console.print(f"  [red]needs review:[/] {'; '.join(out['changed_since_review'])}")
    for c in out.get("clues", []):
        console.print(f"  clue {c['id']} {c['kind']}: {c['text']}", highlight=False)
    for e in out.get("history", []):
        console.print(f"  {e['at']:%Y-%m-%d %H:%M} {e['actor']} {e['action']}", highlight=False)


def _done(out: dict[str, Any], as_json: bool) -> None:
    emit(out, as_json=as_json, text=_print_lead)


@app.command("suggest")
def suggest(
    series: Annotated[list[int], typer.Option("--series", help="Series id (repeatable).")],
    as_json: JsonFlag = False,
) -> None:
    """Suggest target countries for series, with the evidence behind each."""
    with session_scope() as session:
        out = suggest_countries(session, series_ids=series)
    emit(out, as_json=as_json, text=_print_suggestion)


def _print_suggestion(out: dict[str, Any]) -> None:
    for row in out["countries"]:
        console.print(f"{row['country']} {row['score']:.2f} ({len(row['evidence'])} clues)")


@app.command("create")
def create(
    series: Annotated[list[int], typer.Option("--series", help="Series id (repeatable).")],
    country: Annotated[str, typer.Option("--country", help="Target country (ISO alpha-2).")],
    agency: Annotated[str | None, typer.Option("--agency", help="Target agency code.")] = None,
    urgency: Annotated[str, typer.Option(help="routine or urgent.")] = "routine",
    urgency_reason: Annotated[str, typer.Option(help="Why (e.g. recent production).")] = "",
    summary: Annotated[str, typer.Option(help="What the partner should know.")] = "",
    clue: Annotated[list[int] | None, typer.Option("--clue", help="Clue id (repeatable).")] = None,
    title: Annotated[str | None, typer.Option(help="Short title.")] = None,
    country_note: Annotated[str, typer.Option(help="Why this country.")] = "",
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """Create a draft lead from series (the country suggestion is kept beside your choice)."""
    with session_scope() as session:
        out = service.create_lead(
            session,
            actor=_actor(session, as_user),
            series_ids=series,
            country=country,
            agency=agency,
            urgency=urgency,
            urgency_reason=urgency_reason,
            summary=summary,
            clue_ids=clue or [],
            title=title,
            country_note=country_note,
        )
    _done(out, as_json)


@app.command("edit")
def edit(
    lead_id: LeadId,
    country: Annotated[str | None, typer.Option("--country")] = None,
    agency: Annotated[str | None, typer.Option("--agency")] = None,
    urgency: Annotated[str | None, typer.Option()] = None,
    urgency_reason: Annotated[str | None, typer.Option()] = None,
    summary: Annotated[str | None, typer.Option()] = None,
    clue: Annotated[list[int] | None, typer.Option("--clue", help="Replaces the clues.")] = None,
    series: Annotated[list[int] | None, typer.Option("--series", help="Replaces series.")] = None,
    title: Annotated[str | None, typer.Option()] = None,
    country_note: Annotated[str | None, typer.Option()] = None,
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """Edit a draft or reviewed lead (a reviewed one goes back to draft)."""
    with session_scope() as session:
        out = service.update_lead(
            session,
            actor=_actor(session, as_user),
            lead_id=lead_id,
            country=country,
            agency=agency,
            urgency=urgency,
            urgency_reason=urgency_reason,
            summary=summary,
            clue_ids=clue,
            series_ids=series,
            title=title,
            country_note=country_note,
        )
    _done(out, as_json)


@app.command("list")
def list_(
    status: Annotated[str | None, typer.Option(help="Only leads in this status.")] = None,
    country: Annotated[str | None, typer.Option(help="Only leads for this country.")] = None,
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """List leads (a liaison sees only leads sent to their agency)."""
    with session_scope() as session:
        rows = service.list_leads(
            session, actor=_actor(session, as_user), status=status, country=country
        )
    emit_table(rows, as_json=as_json, columns=LEAD_COLUMNS)


@app.command("show")
def show(lead_id: LeadId, as_user: AsUser = None, as_json: JsonFlag = False) -> None:
    """One lead: content, clues with provenance, review state and history."""
    with session_scope() as session:
        out = service.show_lead(session, actor=_actor(session, as_user), lead_id=lead_id)
    _done(out, as_json)


@app.command("review")
def review(
    lead_id: LeadId, note: Note = "", as_user: AsUser = None, as_json: JsonFlag = False
) -> None:
    """Review a lead (must be someone other than its author)."""
    with session_scope() as session:
        out = service.review_lead(
            session, actor=_actor(session, as_user), lead_id=lead_id, note=note
        )
    _done(out, as_json)


@app.command("send")
def send(
    lead_id: LeadId, note: Note = "", as_user: AsUser = None, as_json: JsonFlag = False
) -> None:
    """Mark a reviewed lead as sent to its agency."""
    with session_scope() as session:
        out = service.send_lead(session, actor=_actor(session, as_user), lead_id=lead_id, note=note)
    _done(out, as_json)


@app.command("ack")
def ack(
    lead_id: LeadId,
    reference: Annotated[str, typer.Option(help="The partner's own case reference.")] = "",
    note: Note = "",
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """Record that the partner acknowledged a sent lead."""
    with session_scope() as session:
        out = service.acknowledge_lead(
            session,
            actor=_actor(session, as_user),
            lead_id=lead_id,
            reference=reference,
            note=note,
            via="cli",
        )
    _done(out, as_json)


@app.command("outcome")
def outcome(
    lead_id: LeadId,
    result: Annotated[str, typer.Argument(help=", ".join(service.OUTCOMES))],
    count: Annotated[int, typer.Option(help="How many (victims, offenders).")] = 1,
    to_country: Annotated[str | None, typer.Option(help="For 'transferred'.")] = None,
    note: Note = "",
    correction: Annotated[
        str,
        typer.Option(help="Replace this lead's recorded outcome of this kind; say why."),
    ] = "",
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """Record an outcome (victim_identified marks the lead's series identified).

    Each kind is recorded once per lead; change it with --correction REASON.
    """
    with session_scope() as session:
        out = service.record_outcome(
            session,
            actor=_actor(session, as_user),
            lead_id=lead_id,
            outcome=result,
            count=count,
            to_country=to_country,
            note=note,
            via="cli",
            correction=correction,
        )
    _done(out, as_json)


def _clear_map(clear: list[str], justification: list[str]) -> dict[str, str]:
    if not clear:
        if justification:
            raise UserError("--justification goes with --clear SHA")
        return {}
    if len(justification) == 1:
        justification = justification * len(clear)
    if len(justification) != len(clear):
        raise UserError("give one --justification for each --clear (or one for all)")
    return dict(zip(clear, justification, strict=True))


@app.command("package")
def package(
    lead_id: LeadId,
    out: Annotated[Path, typer.Option("--out", help="The ZIP to write.")],
    clear: Annotated[
        list[str] | None, typer.Option("--clear", help="Include this media's preview clear.")
    ] = None,
    justification: Annotated[
        list[str] | None, typer.Option("--justification", help="Why it must be clear (logged).")
    ] = None,
    allow_missing: Annotated[
        bool, typer.Option(help="Package even when some previews cannot be made.")
    ] = False,
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """Build the signed lead package (PDF, CASE/UCO, VICS, manifest + Ed25519 signature)."""
    with workspace() as ws, ws.store.session() as session:
        result = build_package(
            session,
            actor=_actor(session, as_user),
            lead_id=lead_id,
            out=out,
            root=ws.root,
            derived=ws.derived,
            clear=_clear_map(clear or [], justification or []),
            allow_missing=allow_missing,
        )
    emit(result, as_json=as_json, text=_print_package)


def _print_package(result: dict[str, Any]) -> None:
    console.print(f"wrote {result['file']} ({result['size']:,} bytes), sha256 {result['sha256']}")
    console.print(f"signed with key {result['key_id'][:16]}")


@app.command("verify")
def verify(
    package_file: Annotated[Path, typer.Argument(help="The package ZIP.")],
    public_key: Annotated[
        Path | None, typer.Option("--public-key", help="The sender's public key (PEM).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Verify a package: signature and every file; exit 2 naming each file that fails."""
    key = None
    if public_key is not None:
        try:
            key = public_key.read_bytes()
        except OSError as exc:
            raise UserError(f"cannot read public key {public_key}: {exc.strerror}") from exc
    report = verify_package(package_file, public_key=key).as_dict()
    emit(report, as_json=as_json, text=_print_verified)
    if not report["ok"]:
        raise typer.Exit(int(ExitCode.DATA_ERROR))


def _print_verified(report: dict[str, Any]) -> None:
    for f in report["files"]:
        mark = "[green]ok[/]  " if f["ok"] else "[red]FAIL[/]"
        console.print(f"{mark} {f['path']} {f['reason']}", highlight=False)
    trust = "given key" if report["key_trusted"] else "key inside the package (untrusted)"
    console.print(f"key {report['key_id'] or '?'} ({trust})")
    if not report["ok"]:
        console.print(f"[red]failing:[/] {', '.join(report['failing'])}", highlight=False)


@app.command("import-reply")
def import_reply(
    reply_file: Annotated[Path, typer.Argument(help="The partner's reply (JSON).")],
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """Apply a partner's reply file (acknowledgement, outcomes) to its lead."""
    with session_scope() as session:
        out = reply.import_reply(session, actor=_actor(session, as_user), path=reply_file)
    _done(out, as_json)


@key_app.command("export")
def key_export(
    out: Annotated[Path | None, typer.Option("--out", help="Write the PEM here.")] = None,
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """Export the public key partners use to verify packages (made on first use)."""
    with workspace() as ws, ws.store.session() as session:
        result = keys.export_public_key(session, root=ws.root, actor=_actor(session, as_user))
    if out is not None:
        out.write_text(result["public_key"], encoding="ascii")
    if as_json:
        emit_json(result)
    elif out is None:
        typer.echo(result["public_key"], nl=False)
    else:
        console.print(f"wrote {out} (key {result['key_id'][:16]})")


@key_app.command("revoke")
def key_revoke(
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit log).")],
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """Revoke the current signing key: nothing is packaged until a new key is made."""
    with session_scope() as session:
        result = keys.revoke_key(session, actor=_actor(session, as_user), reason=reason)
    emit_message(result, as_json=as_json, message=f"revoked key {result['key_id'][:16]}")


@key_app.command("new")
def key_new(as_user: AsUser = None, as_json: JsonFlag = False) -> None:
    """Make a new signing key (when there is none, or the current one is revoked)."""
    with workspace() as ws, ws.store.session() as session:
        result = keys.make_key(session, root=ws.root, actor=_actor(session, as_user))
    emit_message(result, as_json=as_json, message=f"new key {result['key_id']}")


@key_app.command("list")
def key_list(as_json: JsonFlag = False) -> None:
    """All signing keys this workspace has had, revoked ones included."""
    with session_scope() as session:
        rows = keys.list_keys(session)
    emit(rows, as_json=as_json, text=_print_keys)


def _print_keys(rows: list[dict[str, Any]]) -> None:
    for r in rows:
        state = f"revoked {r['revoked_at']:%Y-%m-%d}" if r["revoked"] else "valid"
        console.print(f"{r['key_id']} {state}")


def report_command(
    pdf: Annotated[Path | None, typer.Option("--pdf", help="Write the report as PDF here.")] = None,
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """The operation's figures, live: files, GB, video hours, series, leads, outcomes."""
    with session_scope() as session:
        figures = operation_figures(session, actor=_actor(session, as_user))
    if pdf is not None:
        buf = io.BytesIO()
        write_report_pdf(figures, buf)
        pdf.write_bytes(buf.getvalue())
    if pdf is not None and not as_json:
        console.print(f"wrote {pdf}")
    else:
        emit(figures, as_json=as_json, text=_print_figures)


def _print_figures(figures: dict[str, Any]) -> None:
    for section in ("files", "series", "leads", "outcomes"):
        console.print(f"[bold]{section}[/]: {figures[section]}", highlight=False)


def crop_command(
    media: Annotated[str, typer.Argument(help="Media SHA-256 (or a prefix).")],
    box: Annotated[str, typer.Option("--box", help="x,y,w,h in pixels (as displayed).")],
    out: Annotated[Path, typer.Option("--out", help="The crop file (.png or .jpg).")],
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """Export a sanitised crop of one object (only the box, metadata stripped; logged)."""
    with workspace() as ws, ws.store.session() as session:
        result = crops.export_crop(
            session,
            actor=_actor(session, as_user),
            media=media,
            box=crops.parse_box(box),
            out=out,
            settings=ws.settings,
            spool_dir=ws.spool,
        )
    message = f"wrote {result['out']} ({result['width']}×{result['height']})"
    emit_message(result, as_json=as_json, message=message)
