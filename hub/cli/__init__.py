"""The ``hub`` command line. Each domain adds its sub-command group here."""

from __future__ import annotations

import sys

import typer

import hub.auth.cli  # noqa: F401  (registers `hub keys rotate-signing`)
from hub.cli.base import CliError, app
from hub.cli.db import db_app
from hub.cli.jobs import feeds_app, jobs_app, scheduler_app
from hub.cli.schema import schema_app
from hub.cli.serve import serve  # noqa: F401  (registers the command)
from hub.crypto.cli import keys_app
from hub.directory.cli import directory_app
from hub.gdpr.cli import audit_app, gdpr_app, retention_app
from hub.indicators.cli import report  # noqa: F401  (registers `hub report`)
from hub.ingest.cli import connectors_app  # also registers `hub import`
from hub.organisations.cli import clients_app, organisations_app
from hub.persons.cli import persons_app
from hub.referrals.cli import referrals_app

app.add_typer(db_app, name="db")
app.add_typer(schema_app, name="schema")
app.add_typer(keys_app, name="keys")
app.add_typer(organisations_app, name="organisations")
app.add_typer(clients_app, name="clients")
app.add_typer(retention_app, name="retention")
app.add_typer(audit_app, name="audit")
app.add_typer(gdpr_app, name="gdpr")
app.add_typer(jobs_app, name="jobs")
app.add_typer(feeds_app, name="feeds")
app.add_typer(scheduler_app, name="scheduler")
app.add_typer(directory_app, name="directory")
app.add_typer(referrals_app, name="referrals")
app.add_typer(connectors_app, name="connectors")
app.add_typer(persons_app, name="persons")


def main() -> None:
    """Console entry point: a one-line error instead of a traceback, whatever happens."""
    try:
        app()
    except CliError as exc:
        typer.echo(f"hub: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("hub: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        typer.echo(f"hub: unexpected error ({type(exc).__name__}): {exc}", err=True)
        sys.exit(1)


__all__ = ["app", "main"]
