"""Camera bodies found in the workspace and the series they link.

Bodies are identified by make + model + body serial from metadata. PRNU sensor fingerprints
(:mod:`lodestar.series.prnu`) will add bodies found by sensor noise (``found_by: "prnu"``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lodestar.series.camera import bodies
from lodestar.store import SeriesMember


def list_cameras(session: Session) -> list[dict[str, Any]]:
    """Every body with a serial: media count, capture-time span, and the series it links."""
    series_of = dict(
        session.execute(select(SeriesMember.media_sha256, SeriesMember.series_id)).all()
    )
    out: list[dict[str, Any]] = []
    for body, shots in sorted(bodies(session).items()):
        if not body.serial:
            continue
        times = [t for t, _ in shots if t is not None]
        series = sorted({series_of[sha] for _, sha in shots if sha in series_of})
        out.append(
            body.as_dict()
            | {
                "found_by": "serial",
                "media": len(shots),
                "first_capture": min(times).isoformat() if times else None,
                "last_capture": max(times).isoformat() if times else None,
                "series": series,
                "media_sha256": [sha for _, sha in shots],
            }
        )
    return out
