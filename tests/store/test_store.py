"""The store on SQLite and PostgreSQL: migrations, models, idempotent bulk inserts."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select

from lodestar.store import Base, Media, ProcessingWarning, Store
from lodestar.store.bulk import insert_ignore
from lodestar.store.models import warning_key


def test_migrations_create_the_model_schema_exactly(db_url: str) -> None:
    store = Store(db_url)
    store.migrate()
    store.migrate()  # idempotent
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        tables = set(inspect(conn).get_table_names())
    store.dispose()
    assert diff == [], f"models and migrations disagree: {diff}"
    assert {"sources", "items", "media", "warnings", "custody_entries"} <= tables


def _media(sha: str) -> dict[str, object]:
    return {
        "sha256": sha,
        "md5": "0" * 32,
        "sha1": "0" * 40,
        "size": 1,
        "mime": "x",
        "kind": "other",
    }


def test_insert_ignore_keeps_first_row_and_never_fails(db_url: str) -> None:
    store = Store(db_url)
    store.migrate()
    with store.session() as s:
        insert_ignore(s, Media, [_media("a" * 64), _media("b" * 64)])
    with store.session() as s:
        insert_ignore(s, Media, [_media("a" * 64), _media("c" * 64)])
        key = warning_key(None, "x", "s", "c")
        row = {"key": key, "path_spec": "x", "stage": "s", "code": "c", "reason": "r"}
        insert_ignore(s, ProcessingWarning, [row, row])
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Media)) == 3
        assert s.scalar(select(func.count()).select_from(ProcessingWarning)) == 1
    store.dispose()


def test_text_with_odd_characters_round_trips(db_url: str) -> None:
    store = Store(db_url)
    store.migrate()
    spec = "Pictures/caf\\xe9.jpg!/ünïcødé ไทย.png"
    with store.session() as s:
        key = warning_key(None, spec, "t", "c")
        s.add(ProcessingWarning(key=key, path_spec=spec, stage="t", code="c", reason="r"))
    with store.session() as s:
        assert s.scalar(select(ProcessingWarning.path_spec)) == spec
    store.dispose()


def test_migrations_have_one_head() -> None:
    from alembic.script import ScriptDirectory

    from lodestar.store.db import alembic_config

    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"migrations have several heads {heads}: add a merge revision"


def test_a_store_at_the_old_two_heads_upgrades(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import create_engine, text

    from lodestar.store.db import alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    cfg = alembic_config(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004_collab")
        command.upgrade(cfg, "0004_leads")
    engine.dispose()
    store = Store(url)
    store.migrate()
    with store.engine.connect() as conn:
        versions = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
    store.dispose()
    assert len(versions) == 1 and versions != {"0004_collab"}
