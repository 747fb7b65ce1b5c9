"""Camera bodies found in the workspace and the series they link.

Bodies are identified by make + model + body serial from metadata (``found_by: "serial"``).
PRNU links (:mod:`lodestar.series.prnu_links`) tie images without a serial to a body by its
sensor noise; such a body is listed with ``found_by: "serial+prnu"`` and ``prnu_media`` (the
images PRNU found, with their PCE), and their series are counted among the body's.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.series.camera import bodies
from lodestar.series.prnu_links import prnu_bodies
from lodestar.store import SeriesMember


def list_cameras(session: Session) -> list[dict[str, Any]]:
    """Every body with a serial: media count, capture-time span, and the series it links."""
    series_of = dict(
        session.execute(select(SeriesMember.media_sha256, SeriesMember.series_id)).all()
    )
    by_prnu = {(b["make"], b["model"], b["serial"]): b["images"] for b in prnu_bodies(session)}
    out: list[dict[str, Any]] = []
    for body, shots in sorted(bodies(session).items()):
        if not body.serial:
            continue
        times = [t for t, _ in shots if t is not None]
        found = by_prnu.get((body.make, body.model, body.serial), {})
        mine = [sha for _, sha in shots] + sorted(set(found) - {sha for _, sha in shots})
        series = sorted({series_of[sha] for sha in mine if sha in series_of})
        out.append(
            body.as_dict()
            | {
                "found_by": "serial+prnu" if found else "serial",
                "prnu_media": found,
                "media": len(mine),
                "first_capture": min(times).isoformat() if times else None,
                "last_capture": max(times).isoformat() if times else None,
                "series": series,
                "media_sha256": mine,
            }
        )
    return out
