"""``hub schema``: the shared contract as JSON Schema."""

from __future__ import annotations

from pathlib import Path

import typer

from schemas.v1 import SCHEMA_VERSION, export_json_schemas

schema_app = typer.Typer(help="The shared schema (v1) as JSON Schema.", no_args_is_help=True)


@schema_app.command("export")
def export(
    directory: Path = typer.Argument(..., help="Directory to write the JSON Schema files into."),
) -> None:
    """Write one JSON Schema file per top-level model of the shared schema v1."""
    written = export_json_schemas(directory)
    for path in written:
        typer.echo(f"wrote {path}")
    typer.echo(f"{len(written)} JSON Schema file(s) of schema v{SCHEMA_VERSION} in {directory}.")
