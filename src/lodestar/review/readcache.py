"""Per-process cache of read-side figures that change only when the pipeline writes.

Dashboard figures, map points and per-series sizes/countries are aggregates over the 100k-row
tables; recomputing them per page view holds a worker for hundreds of milliseconds. They are
kept per (database, figure, scope) and reused while the "store version" (counts and max ids of
the tables they read, in one query of index look-ups) is unchanged. A liaison's figures are
cached under their scope, never shared with another scope.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from copy import deepcopy
from typing import Any, TypeVar

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from lodestar.store import (
    Clue,
    HashSet,
    Item,
    Match,
    ProcessingWarning,
    Series,
    SeriesEvent,
    Source,
)

T = TypeVar("T")
_LOCK = threading.Lock()
_CACHE: dict[tuple[str, str, str | None], tuple[tuple[Any, ...], Any]] = {}


def _scalar(query: Any) -> Any:
    return query.scalar_subquery()


def store_version(session: Session) -> tuple[Any, ...]:
    """What moves when the pipeline writes, in one round trip of primary-key look-ups.

    Items, matches, clues, warnings and series events are append-only (nothing deletes them),
    and an item is written with its media, so their max ids move on every write; counting
    100k-row tables instead costs milliseconds per page on PostgreSQL. Series edits bump
    ``updated_at`` and log an event. The sources' random uids tell a rebuilt database with the
    same ids apart; the small sources and hash-set tables are also counted (statuses, removals).
    """
    done = func.sum(case((Source.status == "done", 1), else_=0))
    ingesting = func.sum(case((Source.status == "ingesting", 1), else_=0))
    row = session.execute(
        select(
            _scalar(select(func.count()).select_from(Source)),
            _scalar(select(func.max(Source.id))),
            _scalar(select(func.min(Source.uid))),
            _scalar(select(func.max(Source.uid))),
            _scalar(select(done)),
            _scalar(select(ingesting)),
            _scalar(select(func.max(Item.id))),
            _scalar(select(func.max(Match.id))),
            _scalar(select(func.count()).select_from(HashSet)),
            _scalar(select(func.max(HashSet.id))),
            _scalar(select(func.max(ProcessingWarning.id))),
            _scalar(select(func.max(Clue.id))),
            _scalar(select(func.max(SeriesEvent.id))),
            _scalar(select(func.max(Series.id))),
            _scalar(select(func.max(Series.updated_at))),
        )
    ).one()
    return tuple(row)


def cached(
    session: Session,
    name: str,
    scope: str | None,
    compute: Callable[[], T],
    *,
    copy: bool = True,
) -> T:
    """``compute()``'s result for this database, figure and scope, recomputed when the store
    version moves. Callers get a deep copy, so editing it never alters the cache; ``copy=False``
    is for internal callers that only read it (copying 2,000 queue rows costs milliseconds)."""
    bind = session.get_bind()
    key = (bind.engine.url.render_as_string(hide_password=True), name, scope)
    version = store_version(session)
    with _LOCK:
        hit = _CACHE.get(key)
    if hit is not None and hit[0] == version:
        value: T = hit[1]
    else:
        value = compute()
        with _LOCK:
            _CACHE[key] = (version, value)
    return deepcopy(value) if copy else value


def clear() -> None:
    """Forget every cached figure (tests, or after an out-of-band change to the database)."""
    with _LOCK:
        _CACHE.clear()
