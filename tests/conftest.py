"""Test fixtures: a migrated database per engine, every test starting from empty tables.

The suite always runs on SQLite. Tests that use the ``database_url`` fixture (directly or
through ``engine``, ``session``, ``settings``, ``client``) run a second time on PostgreSQL
when ``HUB_TEST_DATABASE_URL`` is set, and are reported as skipped, with the reason, when it
is not. PostgreSQL tests use a schema of their own, so a developer's data is never touched.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session

from hub import migrations
from hub.app import create_app
from hub.db import create_db_engine
from hub.models import metadata
from hub.settings import Settings, normalise_database_url

PG_ENV = "HUB_TEST_DATABASE_URL"


def with_search_path(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


def create_pg_schema(base_url: str, schema: str) -> None:
    engine = create_db_engine(base_url)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()


def drop_pg_schema(base_url: str, schema: str) -> None:
    engine = create_db_engine(base_url)
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def fresh_database_url(backend: str, tmp_dir: Path) -> Iterator[str]:
    """An empty database on ``backend``; removed afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_dir / f'hub-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL run disabled: set {PG_ENV} (see README, 'Tests')")
    base = normalise_database_url(base)
    schema = f"hub_test_{uuid.uuid4().hex[:10]}"
    create_pg_schema(base, schema)
    try:
        yield with_search_path(base, schema)
    finally:
        drop_pg_schema(base, schema)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """URL of a database migrated to head, shared by the session's tests on that backend."""
    generator = fresh_database_url(request.param, tmp_path_factory.mktemp("db"))
    url = next(generator)
    migrations.upgrade(url)
    yield url
    generator.close()


@pytest.fixture(scope="session")
def _session_engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


def _empty_all_tables(engine: Engine) -> None:
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{name}"' for name in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                connection.execute(text(f'DELETE FROM "{name}"'))


@pytest.fixture
def engine(_session_engine: Engine) -> Iterator[Engine]:
    """The migrated engine; every table is emptied after the test, whatever it committed."""
    yield _session_engine
    _empty_all_tables(_session_engine)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as db_session:
        yield db_session


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, data_dir=tmp_path / "data", scheduler_enabled=False)


@pytest.fixture
def app_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The test settings exported as HUB_* variables, for CLI commands."""
    monkeypatch.setenv("HUB_DATABASE_URL", settings.sqlalchemy_url)
    monkeypatch.setenv("HUB_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("HUB_SCHEDULER_ENABLED", "false")
    return settings


@pytest.fixture
def client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(settings, engine=engine)) as test_client:
        yield test_client


@pytest.fixture(autouse=True, scope="session")
def _isolated_environment() -> Iterator[None]:
    """A developer's own HUB_* variables must not leak into the tests."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("HUB_") and k != PG_ENV}
    for key in saved:
        del os.environ[key]
    yield
    os.environ.update(saved)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line per skip reason (the PostgreSQL variants would otherwise list hundreds)."""
    reasons: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    for reason, count in sorted(reasons.items()):
        terminalreporter.write_line(f"SKIPPED {count} test(s): {reason}", yellow=True)
