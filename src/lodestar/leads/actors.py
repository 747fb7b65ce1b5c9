"""Who is acting on leads, and what their role allows.

A workstation operator at the CLI without ``--as`` acts with no role (trusted like every other
CLI command); a workspace user (``--as USER`` or a web login) is held to the role table here.
A liaison sees, acknowledges and closes only leads addressed to their own agency.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.errors import NotFound, UserError
from lodestar.review.auth import Principal
from lodestar.review.errors import Forbidden
from lodestar.store.people_models import Agency, User

_WORKERS = frozenset({"coordinator", "analyst"})
PERMISSIONS: dict[str, frozenset[str]] = {
    "lead.view": frozenset({"coordinator", "analyst", "liaison", "auditor"}),
    "lead.edit": _WORKERS,
    "lead.review": _WORKERS,
    "lead.send": _WORKERS,
    "lead.package": _WORKERS,
    "lead.respond": frozenset({"coordinator", "analyst", "liaison"}),  # ack, outcome, reply
    "key.export": frozenset({"coordinator", "analyst", "liaison", "auditor"}),
    "key.manage": frozenset({"coordinator"}),
    "crop.export": _WORKERS,
    "report.view": frozenset({"coordinator", "analyst", "auditor"}),
}


@dataclass(frozen=True)
class Actor:
    """The acting person: ``role`` None is the workstation operator (no role checks)."""

    name: str
    user_id: int | None = None
    role: str | None = None
    agency: str | None = None  # agency code

    @property
    def is_liaison(self) -> bool:
        return self.role == "liaison"


def require(actor: Actor, permission: str) -> None:
    if actor.role is not None and actor.role not in PERMISSIONS[permission]:
        raise Forbidden(
            f"your role ({actor.role}) does not allow this",
            detail={"permission": permission, "user": actor.name},
        )


def user_actor(session: Session, *, username: str) -> Actor:
    """The workspace user ``username`` as an actor (``--as USER``)."""
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise NotFound(f"no user {username!r}", detail={"user": username})
    if user.disabled:
        raise UserError(f"user {user.username} is disabled", detail={"user": user.username})
    code = session.scalar(select(Agency.code).where(Agency.id == user.agency_id))
    return Actor(name=user.username, user_id=user.id, role=user.role, agency=code)


def principal_actor(principal: Principal) -> Actor:
    """The web login as an actor (a route passes this to the services)."""
    return Actor(
        name=principal.username,
        user_id=principal.user_id,
        role=principal.role,
        agency=principal.agency,
    )
