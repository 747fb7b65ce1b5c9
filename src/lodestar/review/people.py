"""Agencies and users: keyword-only services shared by the CLI and the web API."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from zxcvbn import zxcvbn

from lodestar.audit import append_event
from lodestar.errors import NotFound, UserError
from lodestar.review.auth import end_user_sessions, hash_password
from lodestar.store.people_models import ROLES, Agency, User

_CODE = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,20})+$")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 12
# Length alone let "aaaaaaaaaaaa" through (issue 16 #13). zxcvbn estimates guesses offline
# from its shipped lists (common and breached passwords, names, words) and patterns
# (repeats, sequences, keyboard walks, dates); 3 is "safely unguessable" for an online attack
# (about 10^8 guesses), which is what a login is exposed to behind the rate limit.
MIN_PASSWORD_SCORE = 3
_SCORED_CHARS = 72  # zxcvbn refuses longer input (its matching grows fast with length)


def add_agency(session: Session, *, code: str, name: str, actor: str) -> Agency:
    """``code`` is the one `source add --agency` records, e.g. PT-PJ; its prefix is the country."""
    code = code.strip().upper()
    if not _CODE.match(code):
        raise UserError(f"agency code {code!r} must look like CC-NAME (ISO country, e.g. PT-PJ)")
    if session.scalar(select(Agency).where(Agency.code == code)) is not None:
        raise UserError(f"agency {code} already exists")
    agency = Agency(code=code, country=code[:2], name=name.strip(), created_at=_now())
    session.add(agency)
    session.flush()
    append_event(
        session, actor=actor, action="agency.add", target=f"agency:{code}", detail={"name": name}
    )
    return agency


def list_agencies(session: Session) -> list[Agency]:
    return list(session.scalars(select(Agency).order_by(Agency.code)))


def get_agency(session: Session, *, code: str) -> Agency:
    agency = session.scalar(select(Agency).where(Agency.code == code.strip().upper()))
    if agency is None:
        raise NotFound(f"no agency {code!r}", detail={"agency": code})
    return agency


def add_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    agency_code: str | None,
    actor: str,
    display_name: str | None = None,
) -> User:
    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise UserError(f"user name {username!r}: 2–64 of a-z 0-9 . _ -, starting alphanumeric")
    if role not in ROLES:
        raise UserError(f"role {role!r} is not one of {', '.join(ROLES)}")
    check_password(password, user_inputs=[username, display_name or ""])
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise UserError(f"user {username} already exists")
    agency = get_agency(session, code=agency_code) if agency_code else None
    if role == "liaison" and agency is None:
        raise UserError("a liaison receives leads for an agency: give --agency")
    user = User(
        username=username,
        display_name=(display_name or username).strip(),
        role=role,
        agency_id=agency.id if agency else None,
        password_hash=hash_password(password),
        disabled=False,
        created_at=_now(),
    )
    session.add(user)
    session.flush()
    detail = {"role": role, "agency": agency.code if agency else None}
    append_event(session, actor=actor, action="user.add", target=f"user:{username}", detail=detail)
    return user


def check_password(password: str, *, user_inputs: Sequence[str] = ()) -> None:
    """Refuse a password that is short or easy to guess (``user_inputs``: the account's own
    name and the like, which an attacker tries first). The reason never repeats the password.

    Only the first ``_SCORED_CHARS`` characters are scored: a longer password is at least as
    strong as its start, and the estimator would refuse (and slow down on) longer input."""
    if len(password) < MIN_PASSWORD:
        raise UserError(f"a password needs at least {MIN_PASSWORD} characters")
    result = zxcvbn(password[:_SCORED_CHARS], user_inputs=[u for u in user_inputs if u])
    if result["score"] < MIN_PASSWORD_SCORE:
        feedback = result.get("feedback") or {}
        hint = " ".join(filter(None, [feedback.get("warning"), *feedback.get("suggestions", [])]))
        raise UserError(
            "that password is too easy to guess (common, repeated or a sequence)"
            + (f": {hint}" if hint else ""),
            detail={"score": result["score"], "needed": MIN_PASSWORD_SCORE},
        )


def get_user(session: Session, *, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise NotFound(f"no user {username!r}", detail={"username": username})
    return user


def list_users(session: Session, *, agency_code: str | None = None) -> list[User]:
    query = select(User).order_by(User.username)
    if agency_code:
        query = query.join(Agency, Agency.id == User.agency_id).where(
            Agency.code == agency_code.upper()
        )
    return list(session.scalars(query))


def disable_user(session: Session, *, username: str, actor: str) -> User:
    user = get_user(session, username=username)
    user.disabled = True
    end_user_sessions(session, user_id=user.id, at=_now())
    append_event(session, actor=actor, action="user.disable", target=f"user:{user.username}")
    return user


def agency_as_dict(agency: Agency) -> dict[str, Any]:
    return {"code": agency.code, "country": agency.country, "name": agency.name}


def user_as_dict(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "agency": user.agency.code if user.agency else None,
        "disabled": user.disabled,
        "created_at": user.created_at,
        "last_login_at": user.last_login_at,
    }


def _now() -> datetime:
    return datetime.now(UTC)
