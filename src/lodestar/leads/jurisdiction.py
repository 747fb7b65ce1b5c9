"""Country suggestion for a lead, with its explanation (the analyst decides).

Wraps ``lodestar.clues.jurisdiction.series_jurisdiction``: for a lead over several series the
per-series scores are averaged (each series is one piece of work, whatever its size) and the
evidence rows of all series are kept, each naming its clue.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from lodestar.clues.jurisdiction import series_jurisdiction

METHOD = "clues.jurisdiction (weighted opinion pool over place, language, time-offset clues)"


def suggest_countries(session: Session, *, series_ids: Sequence[int]) -> dict[str, Any]:
    """Ranked countries for the series of a lead, best first: ``{method, countries: [{country,
    name, score, evidence: [{kind, clue_id, media, weight, why}]}]}``."""
    ranked: dict[str, dict[str, Any]] = {}
    ids = sorted(set(series_ids))
    for sid in ids:
        for row in series_jurisdiction(session, series_id=sid):
            code = str(row["country_code"]).upper()
            into = ranked.setdefault(
                code,
                {"country": code, "name": row.get("country"), "score": 0.0, "evidence": []},
            )
            into["score"] += float(row["score"]) / len(ids)
            into["evidence"].extend({**e, "series_id": sid} for e in row.get("evidence", []))
    rows = sorted(ranked.values(), key=lambda r: (-r["score"], r["country"]))
    for row in rows:
        row["score"] = round(row["score"], 4)
    return {"method": METHOD, "countries": rows}
