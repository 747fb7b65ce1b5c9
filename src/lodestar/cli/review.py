"""``lodestar serve``, ``lodestar users|agencies …`` and ``lodestar audit verify|list|export``."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import select

from lodestar.audit import append_event
from lodestar.cli.common import JsonFlag, console, session_scope, workspace
from lodestar.cli.output import Column, emit, emit_message, emit_table, table, yes
from lodestar.errors import ExitCode, UserError
from lodestar.review import audit, people
from lodestar.store import Source
from lodestar.store.people_models import ROLES
from lodestar.workspace import current_actor

users_app = typer.Typer(help="People who sign in to the workbench.", no_args_is_help=True)
agencies_app = typer.Typer(help="Agencies taking part in the operation.", no_args_is_help=True)
audit_app = typer.Typer(help="The append-only, hash-chained audit log.", no_args_is_help=True)

USER_COLUMNS: list[Column] = [
    ("user", "username"),
    ("name", "display_name"),
    ("role", "role"),
    ("agency", "agency"),
    ("disabled", yes("disabled")),
    ("last login", "last_login_at"),
]
AGENCY_COLUMNS: list[Column] = [("code", "code"), ("country", "country"), ("name", "name")]
AUDIT_COLUMNS: list[Column] = [
    ("#", "id"),
    ("at", "at"),
    ("actor", "actor"),
    ("action", "action"),
    ("target", "target"),
]
DEMO_TITLE = "Demo accounts (this run only)"
DEMO_COLUMNS: list[Column] = [
    ("user", "user"),
    ("role", "role"),
    ("agency", "agency"),
    ("password", "password"),
]


def _read_password(from_stdin: bool) -> str:
    """Never from argv (it shows in `ps` and shell history)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Sign-in name (a-z 0-9 . _ -).")],
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    agency: Annotated[str | None, typer.Option(help="Agency code, e.g. PT-PJ.")] = None,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Add a user (the password is prompted for, or read from stdin)."""
    password = _read_password(password_stdin)
    with session_scope() as session:
        user = people.add_user(
            session,
            username=username,
            password=password,
            role=role,
            agency_code=agency,
            actor=current_actor(),
            display_name=name,
        )
        out = people.user_as_dict(user)
    emit_message(out, as_json=as_json, message=f"added {out['role']} {out['username']}")


@users_app.command("list")
def users_list(
    agency: Annotated[str | None, typer.Option(help="Only users of this agency.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List users with role, agency and state."""
    with session_scope() as session:
        rows = [people.user_as_dict(u) for u in people.list_users(session, agency_code=agency)]
    emit_table(rows, as_json=as_json, columns=USER_COLUMNS)


@users_app.command("disable")
def users_disable(
    username: Annotated[str, typer.Argument(help="Sign-in name.")],
    as_json: JsonFlag = False,
) -> None:
    """Disable a user and end their sessions (users are never deleted: the audit names them)."""
    with session_scope() as session:
        out = people.user_as_dict(
            people.disable_user(session, username=username, actor=current_actor())
        )
    emit_message(out, as_json=as_json, message=f"disabled {out['username']}")


@agencies_app.command("add")
def agencies_add(
    code: Annotated[str, typer.Argument(help="Code as given to `source add --agency`: PT-PJ.")],
    name: Annotated[str, typer.Option(help="Full name of the agency.")],
    as_json: JsonFlag = False,
) -> None:
    """Add an agency (its country is the code's ISO prefix)."""
    with session_scope() as session:
        out = people.agency_as_dict(
            people.add_agency(session, code=code, name=name, actor=current_actor())
        )
    emit_message(out, as_json=as_json, message=f"added agency {out['code']} ({out['name']})")


@agencies_app.command("list")
def agencies_list(as_json: JsonFlag = False) -> None:
    """List agencies."""
    with session_scope() as session:
        rows = [people.agency_as_dict(a) for a in people.list_agencies(session)]
    emit_table(rows, as_json=as_json, columns=AGENCY_COLUMNS)


@audit_app.command("verify")
def audit_verify(
    head: Annotated[
        str | None, typer.Option(help="A head hash recorded earlier: also catches a cut tail.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Check the hash chain; name the first changed, removed or inserted event."""
    with session_scope() as session:
        report = audit.verify_chain(session, head=head).as_dict()
    emit(report, as_json=as_json, text=_print_chain)
    if not report["ok"]:
        raise typer.Exit(int(ExitCode.DATA_ERROR))


def _print_chain(report: dict[str, Any]) -> None:
    if report["ok"]:
        console.print(f"audit chain intact: {report['events']} events, head {report['head']}")
        return
    p = report["problem"]
    console.print(
        f"[bold red]audit chain broken[/] at event {p['event_id']}: {p['kind']} — {p['reason']}",
        highlight=False,
    )


@audit_app.command("list")
def audit_list(
    action: Annotated[
        str | None, typer.Option(help="Action or its prefix (media, login…).")
    ] = None,
    actor: Annotated[str | None, typer.Option(help="Only this actor.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 50,
    as_json: JsonFlag = False,
) -> None:
    """List audit events, newest first."""
    with session_scope() as session:
        rows = audit.list_events(session, action=action, actor=actor, limit=limit)
    emit_table(rows, as_json=as_json, columns=AUDIT_COLUMNS)


@audit_app.command("export")
def audit_export(
    output: Annotated[Path, typer.Argument(help="File to write (refuses to overwrite).")],
    fmt: Annotated[str, typer.Option("--format", help="jsonl or csv.")] = "jsonl",
) -> None:
    """Export the whole log with its hashes (the export itself is audited)."""
    if output.exists():
        raise UserError(f"{output} exists; choose another file")
    with workspace() as ws:
        with ws.store.session() as session:
            append_event(
                session,
                actor=current_actor(),
                action="audit.export",
                detail={"format": fmt, "via": "cli"},
            )
        with ws.store.session() as session, output.open("x", encoding="utf-8") as fh:
            for line in audit.export_lines(session, fmt=fmt):
                fh.write(line)
    console.print(f"wrote {output}")


def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    insecure_cookies: Annotated[
        bool,
        typer.Option(
            "--insecure-cookies",
            help="Send cookies over plain HTTP (only behind a TLS proxy or on a closed lab LAN).",
        ),
    ] = False,
    demo_accounts: Annotated[
        bool,
        typer.Option(
            "--demo-accounts",
            help="Demo only: create one account per role (fresh passwords, printed) first.",
        ),
    ] = False,
) -> None:
    """Run the web workbench on this workspace."""
    import uvicorn

    from lodestar.review.config import WebConfig
    from lodestar.web.app import create_app, server_options

    with workspace() as ws:
        if demo_accounts:
            _print_demo_accounts(_demo_accounts(ws))
        config = WebConfig(secure_cookies=not insecure_cookies)
        app = create_app(ws, config=config)
        console.print(f"Lodestar workbench on http://{host}:{port}/ (Ctrl-C stops it)")
        # The app reads forwarded headers itself, only from configured proxies.
        uvicorn.run(app, host=host, port=port, log_level="info", **server_options(config))


@users_app.command("demo-accounts")
def demo_accounts_command(as_json: JsonFlag = False) -> None:
    """Demo only: one account per role (fresh passwords, printed); agencies from the sources."""
    with workspace() as ws:
        accounts = _demo_accounts(ws)
    emit_table(_account_rows(accounts), as_json=as_json, columns=DEMO_COLUMNS, title=DEMO_TITLE)


def _demo_accounts(ws: object) -> list[tuple[str, str, str | None, str]]:
    """Agencies from the sources' codes, one user per role; passwords reset on every call."""
    from lodestar.review.auth import hash_password
    from lodestar.workspace import Workspace

    assert isinstance(ws, Workspace)
    actor = current_actor()
    out = []
    with ws.store.session() as session:
        codes = sorted(set(session.scalars(select(Source.agency))))
        known = {a.code for a in people.list_agencies(session)}
        for code in codes:
            if code not in known:
                people.add_agency(session, code=code, name=f"{code} (demo)", actor=actor)
        first = codes[0] if codes else None
        plan = [("coordinator", first), ("analyst", first), ("liaison", first), ("auditor", None)]
        for role, agency in plan:
            if role == "liaison" and agency is None:
                continue
            username, password = f"demo-{role}", secrets.token_urlsafe(12)
            existing = {u.username: u for u in people.list_users(session)}
            if username in existing:
                existing[username].password_hash = hash_password(password)
                existing[username].disabled = False
                append_event(
                    session,
                    actor=actor,
                    action="user.password_reset",
                    target=f"user:{username}",
                    detail={"demo": True},
                )
            else:
                people.add_user(
                    session,
                    username=username,
                    password=password,
                    role=role,
                    agency_code=agency,
                    actor=actor,
                )
            out.append((username, role, agency, password))
    return out


def _account_rows(accounts: list[tuple[str, str, str | None, str]]) -> list[dict[str, Any]]:
    return [{"user": u, "role": r, "agency": a, "password": p} for u, r, a, p in accounts]


def _print_demo_accounts(accounts: list[tuple[str, str, str | None, str]]) -> None:
    console.print(table(_account_rows(accounts), DEMO_COLUMNS, title=DEMO_TITLE))
