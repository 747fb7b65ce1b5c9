"""What every writer of series shares: the clock, the event log and fresh series ids.

Builds and analyst edits both append :class:`~lodestar.store.SeriesEvent` rows (the history a
series page shows and ``series why`` reads) and both create series.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lodestar.store import Series, SeriesEvent


def now() -> datetime:
    return datetime.now(UTC)


def add_event(
    session: Session, series_id: int | None, actor: str, action: str, **detail: Any
) -> None:
    """Append one event (``series_id`` None: an event of the whole workspace, e.g. a build)."""
    session.add(
        SeriesEvent(series_id=series_id, at=now(), actor=actor, action=action, detail=detail)
    )


def next_series_id(session: Session) -> int:
    # Ids are always given explicitly (builds number new series themselves), so a database
    # sequence would fall behind: PostgreSQL's SERIAL does not see explicit ids.
    return (session.scalar(select(func.max(Series.id))) or 0) + 1
