"""``hub serve``: migrate, optionally seed demo data, serve the API."""

from __future__ import annotations

import typer
import uvicorn

from hub import migrations
from hub.app import create_app
from hub.cli.base import CliError, app, load_settings
from hub.crypto import MissingKeyMaterialError, build_crypto, load_key_material
from hub.db import engine_from_settings, unit_of_work
from hub.observability import configure_logging
from hub.settings import Settings


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="TCP port."),
    demo: bool = typer.Option(
        False, "--demo", help="Seed demo organisations and synthetic young people (idempotent)."
    ),
    workers: int = typer.Option(1, min=1, help="Worker processes (production: 2-4 per core)."),
    migrate: bool = typer.Option(True, help="Apply pending migrations before serving."),
) -> None:
    """Migrate the database, then serve the API (docs at /docs)."""
    settings = load_settings()
    try:
        load_key_material(settings)  # production never generates keys: refuse to start
    except MissingKeyMaterialError as exc:
        raise CliError(f"cannot start: {exc}") from None
    if demo and settings.is_production:
        raise typer.BadParameter("--demo is refused in production mode")
    if migrate:
        migrations.upgrade(settings.sqlalchemy_url)
        typer.echo("Database schema is up to date.")
    if demo:
        _seed_demo(settings, host, port)
    configure_logging(settings.log_level)
    typer.echo(f"Serving on http://{host}:{port} (docs at /docs); JSON logs follow on stderr.")
    # log_config=None keeps uvicorn from replacing the JSON logging; its access log is off
    # because RequestContextMiddleware writes one without query strings.
    if workers > 1:
        uvicorn.run(
            "hub.app:create_served_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=None,
            access_log=False,
            # A worker imports the whole app before it answers the supervisor's health check;
            # on a busy 2-core host that can exceed uvicorn's 5 s default.
            timeout_worker_healthcheck=30,
        )
    else:
        uvicorn.run(create_app(settings), host=host, port=port, log_config=None, access_log=False)


def _seed_demo(settings: Settings, host: str, port: int) -> None:
    """Organisations, API clients and services, then ~300 days of synthetic young people
    going through the programme; both idempotent."""
    # Faker and the demo's domain imports are only paid for with --demo.
    from hub.demo import print_try_it, seed_demo
    from hub.indicators.demo import describe, seed_demo_activity

    engine = engine_from_settings(settings)
    try:
        with unit_of_work(engine) as session:
            summary = seed_demo(session, settings)
        crypto = build_crypto(settings, engine)
        typer.echo("Seeding synthetic young people (imports, referrals, outcomes)...")
        with unit_of_work(engine) as session:
            activity = seed_demo_activity(session, crypto, settings)
    finally:
        engine.dispose()
    print_try_it(summary, settings, host, port)
    for line in describe(activity):
        typer.echo(line)
