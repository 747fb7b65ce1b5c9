"""Engines, sessions and migrations for the workspace store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from lodestar.errors import StoreError

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str, *, pool_size: int | None = None) -> Engine:
    """An engine; ``pool_size`` (default: SQLAlchemy's 5 + 10 overflow) sizes the connection
    pool for many concurrent threads, e.g. a web app's threadpool."""
    pool = _pool_options(url, pool_size)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60}, **pool)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **pool)


def _pool_options(url: str, pool_size: int | None) -> dict[str, Any]:
    if pool_size is None:
        return {}
    if pool_size < 1:
        raise ValueError(f"pool_size must be at least 1, not {pool_size}")
    if url.startswith("sqlite") and (url in ("sqlite://", "sqlite:///") or ":memory:" in url):
        return {}  # an in-memory database lives in one connection: its pool is not sized
    return {"pool_size": pool_size, "max_overflow": pool_size // 2}


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets readers (web, CLI) run beside the single ingest writer.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent)."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")  # one head: a new migration revises the current head
    except OperationalError as exc:
        raise StoreError(f"cannot reach or migrate the store: {exc.orig}") from exc


class Store:
    """The workspace database: one engine and a session factory."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Copied into every session's ``info`` (e.g. the workspace root, which a PostgreSQL URL
        # cannot tell, for stages that read derived artifacts).
        self.session_info: dict[str, str] = {}

    def migrate(self) -> None:
        migrate(self.engine)

    def size_pool(self, pool_size: int) -> None:
        """Use a connection pool of ``pool_size`` (+ half as overflow) from now on."""
        old = self.engine
        self.engine = make_engine(self.url, pool_size=pool_size)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        old.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work committed at the boundary (the caller's block), rolled back on error."""
        with self._sessions() as session:
            session.info.update(self.session_info)
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()
