"""Who may do what: the roles, the one permission table, the acting person and agency scope.

Every stage, the CLI and the web shell authorise through this module, so there is exactly one
table to change. Coordinators and analysts work the whole operation; a liaison sees only media,
figures and leads of their own agency; an auditor sees figures, leads and the audit log, never
media. A workstation operator at the CLI without ``--as`` acts with no role (trusted like every
other CLI command); a workspace user (``--as USER`` or a web login) is held to the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.errors import Forbidden, NotFound, UserError
from lodestar.store.people_models import ROLES, Agency, User

__all__ = [
    "PERMISSIONS",
    "ROLES",
    "Actor",
    "Subject",
    "agency_scope",
    "allowed",
    "require",
    "user_actor",
]

MEDIA_ROLES = frozenset({"coordinator", "analyst", "liaison"})
WORKERS = frozenset({"coordinator", "analyst"})
EVERYONE = frozenset(ROLES)
COORDINATORS = frozenset({"coordinator"})

PERMISSIONS: dict[str, frozenset[str]] = {
    "operation.view": EVERYONE,
    "media.view": MEDIA_ROLES,
    "search": MEDIA_ROLES,
    "wellness.self": MEDIA_ROLES,
    "wellness.team": COORDINATORS,
    "wellness.limits": COORDINATORS,
    "audit.view": frozenset({"coordinator", "auditor"}),
    "people.view": COORDINATORS,
    # Series: liaisons read the series of their agency's media; analysts and coordinators
    # work them (claim, notes, tags, priority); only coordinators hand them to someone else.
    "series.view": MEDIA_ROLES,
    "series.work": WORKERS,
    "series.assign": COORDINATORS,
    "map.view": MEDIA_ROLES,
    # Leads: liaisons see only leads sent to their agency (the services scope that); reviewing
    # needs a second person (the lead service checks who wrote it).
    "lead.view": EVERYONE,
    "lead.edit": WORKERS,
    "lead.review": WORKERS,
    "lead.send": WORKERS,
    "lead.package": WORKERS,
    "lead.respond": MEDIA_ROLES,  # acknowledge, record an outcome, import a reply
    "key.export": EVERYONE,
    "key.manage": COORDINATORS,
    "crop.export": WORKERS,
    "report.view": frozenset({"coordinator", "analyst", "auditor"}),
}


class Subject(Protocol):
    """Anyone who can be authorised: a web login (``Principal``) or an :class:`Actor`."""

    @property
    def role(self) -> str | None: ...

    @property
    def agency(self) -> str | None: ...


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


def _known(permission: str) -> frozenset[str]:
    try:
        return PERMISSIONS[permission]
    except KeyError:  # a typo in a route must fail loudly, not deny or allow silently
        raise KeyError(f"no permission named {permission!r}") from None


def allowed(who: Subject, permission: str) -> bool:
    roles = _known(permission)
    return who.role is None or who.role in roles


def require(who: Subject, permission: str) -> None:
    if allowed(who, permission):
        return
    detail: dict[str, object] = {"permission": permission}
    name = getattr(who, "name", None) or getattr(who, "username", None)
    if name:
        detail["user"] = name
    raise Forbidden(f"your role ({who.role}) does not allow this", detail=detail)


def agency_scope(who: Subject) -> str | None:
    """The agency code whose sources bound what ``who`` sees; None means the whole operation."""
    if who.role == "liaison":
        return who.agency or "\0none"  # a liaison without an agency sees nothing
    return None


def user_actor(session: Session, *, username: str) -> Actor:
    """The workspace user ``username`` as an actor (``--as USER``)."""
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise NotFound(f"no user {username!r}", detail={"user": username})
    if user.disabled:
        raise UserError(f"user {user.username} is disabled", detail={"user": user.username})
    code = session.scalar(select(Agency.code).where(Agency.id == user.agency_id))
    return Actor(name=user.username, user_id=user.id, role=user.role, agency=code)
