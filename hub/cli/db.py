"""``hub db``: schema migrations."""

from __future__ import annotations

import typer

from hub import migrations
from hub.cli.base import load_settings
from hub.db import engine_from_settings

db_app = typer.Typer(help="Database schema migrations (Alembic).", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade(
    revision: str = typer.Argument("heads", help="Target revision; default: every head."),
) -> None:
    """Migrate the database (HUB_DATABASE_URL, or the embedded SQLite file) to REVISION."""
    settings = load_settings()
    engine = engine_from_settings(settings)
    before = migrations.current_revisions(engine)
    migrations.upgrade(settings.sqlalchemy_url, revision)
    after = migrations.current_revisions(engine)
    engine.dispose()
    if before == after:
        typer.echo(f"Database already at {', '.join(sorted(after)) or 'base'}; nothing to do.")
    else:
        typer.echo(
            f"Database migrated from {', '.join(sorted(before)) or 'empty'} "
            f"to {', '.join(sorted(after))}."
        )


@db_app.command("downgrade")
def downgrade(
    revision: str = typer.Argument(..., help="Target revision, e.g. 'base' or a revision id."),
) -> None:
    """Revert the schema to REVISION (destroys the data of the reverted tables)."""
    settings = load_settings()
    migrations.downgrade(settings.sqlalchemy_url, revision)
    typer.echo(f"Database downgraded to {revision}.")


@db_app.command("current")
def current() -> None:
    """Show the database's revision(s) and whether it is up to date."""
    settings = load_settings()
    engine = engine_from_settings(settings)
    revisions = migrations.current_revisions(engine)
    state = "up to date" if migrations.is_up_to_date(engine) else "NOT up to date"
    engine.dispose()
    typer.echo(f"{', '.join(sorted(revisions)) or 'empty'} ({state})")
