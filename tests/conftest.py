"""Shared fixtures: every store test runs on SQLite and on a real PostgreSQL server.

PostgreSQL: the server on 127.0.0.1:5432 (trust auth), or LODESTAR_TEST_PG_URL. One
throwaway template database is migrated per run; each test gets a fresh copy of it
(``CREATE DATABASE … TEMPLATE``), dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from lodestar.config import Settings
from lodestar.store import Store
from lodestar.workspace import Workspace, open_workspace

PG_ADMIN_URL = os.environ.get(
    "LODESTAR_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite", "postgresql"]


def _admin() -> psycopg.Connection:
    try:
        return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:  # a clear message, not a skip: PG tests must run
        raise RuntimeError(
            f"PostgreSQL not reachable at {PG_ADMIN_URL} ({exc}); run scripts/ensure-postgres.sh"
        ) from exc


def _sa_url(dbname: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{dbname}"


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    name = f"lodestar_tmpl_{uuid.uuid4().hex[:10]}"
    with _admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    store = Store(_sa_url(name))
    store.migrate()
    store.dispose()
    yield name
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    template = request.getfixturevalue("pg_template")
    name = f"lodestar_test_{uuid.uuid4().hex[:12]}"
    with _admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield _sa_url(name)
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(db_url=db_url, workers=1)


@pytest.fixture
def ws(tmp_path: Path, settings: Settings) -> Iterator[Workspace]:
    workspace = open_workspace(tmp_path / "ws", settings=settings)
    yield workspace
    workspace.close()


# -- required external tools: a skip on a workstation, a failure in CI --------------------------


def requires_tool(name: str, *, available: bool, install: str) -> pytest.MarkDecorator:
    """Mark tests that need an external tool the project's setup installs.

    Where it is missing, a developer's run skips with the install hint; in CI (``CI`` set, as
    ``.ci/run`` does) the tests fail instead, so a broken setup can't pass as green skips.
    """
    return pytest.mark.requires_tool(name=name, available=available, install=install)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "requires_tool(name, available, install): needs an external tool"
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    for mark in item.iter_markers("requires_tool"):
        if mark.kwargs["available"]:
            continue
        message = f"{mark.kwargs['name']} is not installed ({mark.kwargs['install']})"
        if os.environ.get("CI"):
            pytest.fail(f"required tool missing in CI: {message}", pytrace=False)
        pytest.skip(message)
