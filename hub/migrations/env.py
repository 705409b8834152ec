"""Alembic environment: runs online against ``sqlalchemy.url`` with the hub's metadata."""

from __future__ import annotations

from alembic import context
from sqlalchemy import pool

from hub.db import create_db_engine
from hub.models import metadata

config = context.config


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is not configured"
    connectable = create_db_engine(url, poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    connectable.dispose()


run_migrations_online()
