"""Migrations: the round trip works and the models do not drift from them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from hub import migrations
from hub.db import create_db_engine
from hub.models import metadata
from tests.conftest import fresh_database_url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from fresh_database_url(request.param, tmp_path)


def _tables(url: str) -> set[str]:
    engine = create_db_engine(url)
    names = set(inspect(engine).get_table_names())
    engine.dispose()
    return names


def test_upgrade_downgrade_upgrade_round_trip(empty_database_url: str) -> None:
    migrations.upgrade(empty_database_url)
    upgraded = _tables(empty_database_url)
    assert {t.name for t in metadata.sorted_tables} <= upgraded

    migrations.downgrade(empty_database_url, "base")
    assert _tables(empty_database_url) <= {"alembic_version"}

    migrations.upgrade(empty_database_url)
    assert _tables(empty_database_url) == upgraded


def test_models_and_migrations_do_not_drift(empty_database_url: str) -> None:
    migrations.upgrade(empty_database_url)
    engine = create_db_engine(empty_database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    engine.dispose()
    assert diff == [], f"models differ from migrations; write a migration: {diff}"


def test_database_is_up_to_date_after_upgrade(empty_database_url: str) -> None:
    migrations.upgrade(empty_database_url)
    engine = create_db_engine(empty_database_url)
    assert migrations.is_up_to_date(engine)
    engine.dispose()
