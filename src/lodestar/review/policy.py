"""Who may do what: one table of permissions per role, and the agency scope of a user.

Coordinators and analysts work the whole operation; a liaison sees only media and figures
from sources their own agency contributed; an auditor sees figures and the audit log, never
media. Change the policy here, and the authorisation-matrix test follows it.
"""

from __future__ import annotations

from lodestar.review.auth import Principal
from lodestar.review.errors import Forbidden

MEDIA_ROLES = frozenset({"coordinator", "analyst", "liaison"})
WORKERS = frozenset({"coordinator", "analyst"})
PERMISSIONS: dict[str, frozenset[str]] = {
    "operation.view": frozenset({"coordinator", "analyst", "liaison", "auditor"}),
    "media.view": MEDIA_ROLES,
    "search": MEDIA_ROLES,
    "wellness.self": MEDIA_ROLES,
    "wellness.team": frozenset({"coordinator"}),
    "wellness.limits": frozenset({"coordinator"}),
    "audit.view": frozenset({"coordinator", "auditor"}),
    "people.view": frozenset({"coordinator"}),
    # Series: liaisons read the series of their agency's media; analysts and coordinators
    # work them (claim, notes, tags, priority); only coordinators hand them to someone else.
    "series.view": MEDIA_ROLES,
    "series.work": WORKERS,
    "series.assign": frozenset({"coordinator"}),
    "map.view": MEDIA_ROLES,
    # Leads, the operation report and object crops: the same table as lodestar.leads.actors
    # (the services check it again; a test keeps the two equal). Liaisons see only leads sent
    # to their agency (the services scope that); reviewing needs a second person.
    "lead.view": frozenset({"coordinator", "analyst", "liaison", "auditor"}),
    "lead.edit": WORKERS,
    "lead.review": WORKERS,
    "lead.send": WORKERS,
    "lead.package": WORKERS,
    "lead.respond": MEDIA_ROLES,
    "crop.export": WORKERS,
    "report.view": frozenset({"coordinator", "analyst", "auditor"}),
}


def allowed(principal: Principal, permission: str) -> bool:
    return principal.role in PERMISSIONS[permission]


def require(principal: Principal, permission: str) -> None:
    if not allowed(principal, permission):
        raise Forbidden(
            f"your role ({principal.role}) does not allow this",
            detail={"permission": permission},
        )


def agency_scope(principal: Principal) -> str | None:
    """The agency code whose sources bound what this user sees; None means the whole operation."""
    if principal.role == "liaison":
        return principal.agency or "\0none"  # a liaison without an agency sees nothing
    return None
