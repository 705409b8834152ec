"""``hub directory``: load the partner directory."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from hub.cli.base import CliError, load_settings
from hub.db import engine_from_settings, unit_of_work
from hub.directory import service

directory_app = typer.Typer(
    help="The partner directory (data·inclusion services).", no_args_is_help=True
)


@directory_app.command("import")
def import_file(
    file: Path = typer.Argument(
        ..., help="JSON list of data·inclusion v1 services (hub extensions under 'hub')."
    ),
    organisation: str | None = typer.Option(
        None, help="Receiving organisation for the services that do not name one."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Create or update the services of FILE. An invalid file is refused as a whole."""
    settings = load_settings()
    try:
        entries = service.read_services_file(file)
    except service.InvalidDirectoryFileError as exc:
        for problem in exc.problems:
            typer.echo(f"  {problem}", err=True)
        raise CliError(
            f"{file}: refused, nothing imported ({len(exc.problems)} problem(s))"
        ) from exc
    engine = engine_from_settings(settings)
    try:
        with unit_of_work(engine) as session:
            summary = service.import_services(session, entries, default_organisation=organisation)
    except service.InvalidDirectoryFileError as exc:
        raise CliError(f"{file}: refused, nothing imported: {exc.detail}") from exc
    finally:
        engine.dispose()
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "file": str(file),
                    "services": summary.total,
                    "created": summary.created,
                    "updated": summary.updated,
                    "unchanged": summary.unchanged,
                    "organisations_created": summary.organisations_created,
                }
            )
        )
        return
    typer.echo(
        f"{file.name}: {summary.total} service(s): {summary.created} created, "
        f"{summary.updated} updated, {summary.unchanged} unchanged."
    )
    if summary.organisations_created:
        typer.echo(f"Organisations created: {', '.join(summary.organisations_created)}.")
