"""Portable "insert, ignoring rows that already exist" for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session


def insert_ignore(
    session: Session, model: type[DeclarativeBase], rows: Sequence[dict[str, Any]]
) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    # On the Table (Core), not the mapped class: the ORM bulk path splits a batch into one
    # statement per pattern of None values, which made 20k rows take 13k statements.
    table: Any = model.__table__
    stmt = module.insert(table).on_conflict_do_nothing()
    session.execute(stmt, list(rows))
