"""``hub import SOURCE FILE`` and ``hub connectors list|show``."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from connectors.base import MappingProfile, ProfileError, RowResult
from connectors.profile import load_profile
from connectors.registry import ConnectorLookupError, get_connector, load_connectors
from consent.vocabulary import Channel
from hub import migrations
from hub.cli.base import app, fail, load_settings
from hub.crypto import build_crypto
from hub.db import engine_from_settings, unit_of_work
from hub.errors import HubError
from hub.ingest.schemas import ImportSummary
from hub.ingest.service import ImportRefusedError, import_file

connectors_app = typer.Typer(
    help="The connectors reading the platforms' exports and feeds.", no_args_is_help=True
)

REFUSED = 2
"""Exit status of a refused file or unusable arguments (nothing was written)."""
SHOWN_ERRORS = 20


def _default_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@app.command("import")
def import_command(
    source: str = typer.Argument(..., help="Source name: see `hub connectors list`."),
    file: Path = typer.Argument(..., help="The export to import: CSV or XLSX."),
    profile: Path | None = typer.Option(
        None,
        "--profile",
        help="TOML column mapping for an export that drifts from the "
        "reference layout (see connectors/README.md).",
        show_default=False,
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print exactly one JSON object (the summary) on stdout."
    ),
    actor: str | None = typer.Option(
        None,
        "--actor",
        help="Who runs the import (recorded on the run). Default: cli:<user>.",
        show_default=False,
    ),
) -> None:
    """Import one export of SOURCE: records are created or updated, unusable rows quarantined.

    Exit status: 0 when the file was processed (even with quarantined rows); 2, with a
    one-line reason and nothing written, when it is refused (empty, unreadable, not a table,
    another layout, a required column missing).
    """
    try:
        connector = get_connector(source)
    except ConnectorLookupError as exc:
        raise fail(str(exc), REFUSED) from None
    mapping = _profile(profile, connector.reference_profile)
    settings = load_settings()
    try:
        stream: BinaryIO = file.open("rb")
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc.strerror or exc}", REFUSED) from None
    with stream:
        engine = engine_from_settings(settings)
        try:
            if not migrations.is_up_to_date(engine):
                raise fail("the database schema is not up to date: run `hub db upgrade`")
            crypto = build_crypto(settings, engine)
            progress = _progress(enabled=not as_json and sys.stderr.isatty())
            with progress, unit_of_work(engine) as session:
                task = progress.add_task(f"Importing {file.name}", total=_size(file))

                def observe(rows: Iterator[RowResult]) -> Iterator[RowResult]:
                    count = 0
                    for row in rows:
                        count += 1
                        if count % 500 == 0:
                            progress.update(task, completed=stream.tell(), rows=count)
                        yield row
                    progress.update(task, completed=_size(file), rows=count)

                outcome = import_file(
                    session,
                    crypto,
                    source=connector.name,
                    stream=stream,
                    file_name=file.name,
                    actor=actor or _default_actor(),
                    organisation_id=None,
                    profile=mapping,
                    observe=observe,
                    channel=Channel.CLI,
                )
        except ImportRefusedError as exc:
            raise fail(f"file refused: {exc.detail}", REFUSED) from None
        except HubError as exc:
            raise fail(exc.detail) from None
        finally:
            engine.dispose()
    if as_json:
        typer.echo(outcome.summary.model_dump_json())
    else:
        _print_summary(outcome.summary, file.name)


def _profile(path: Path | None, reference: MappingProfile) -> MappingProfile | None:
    if path is None:
        return None
    try:
        return load_profile(path, reference)
    except ProfileError as exc:
        raise fail(f"profile refused: {exc}", REFUSED) from None


def _size(file: Path) -> int:
    try:
        return max(file.stat().st_size, 1)
    except OSError:
        return 1


def _progress(*, enabled: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rows]} rows", justify="right"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=not enabled,
        transient=True,
    )


def _print_summary(summary: ImportSummary, file_name: str) -> None:
    typer.echo(
        f"Imported {file_name!r} as {summary.source} (import {summary.import_id}): "
        f"{summary.rows:,} rows."
    )
    for label, value in (
        ("created", summary.created),
        ("updated", summary.updated),
        ("unchanged", summary.unchanged),
        ("quarantined", summary.quarantined),
    ):
        typer.echo(f"  {label:<12}{value:>10,}")
    if not summary.errors:
        return
    shown = summary.errors[:SHOWN_ERRORS]
    more = len(summary.errors) - len(shown)
    typer.echo(f"Row errors: {len(summary.errors):,}" + (f" (first {len(shown)})" if more else ""))
    for error in shown:
        typer.echo(f"  row {error.row:<7} {error.column or '(row)'}: {error.reason}")
    if more:
        typer.echo(
            f"  ... {more:,} more: use --json, or GET /v1/imports/{summary.import_id} for the "
            "quarantined rows."
        )


@connectors_app.command("list")
def list_connectors(
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array on stdout."),
) -> None:
    """List every connector, built-in and third-party, with any load error.

    Exit status 1 when a connector failed to load (it is listed with its error)."""
    entries = load_connectors()
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "name": e.name,
                        "origin": e.origin,
                        "formats": list(e.connector.formats) if e.connector else [],
                        "description": e.connector.description if e.connector else None,
                        "error": e.error,
                    }
                    for e in entries
                ],
                ensure_ascii=False,
            )
        )
    else:
        width = max([len(e.name) for e in entries] + [4])
        origin_width = max([len(e.origin) for e in entries] + [6])
        typer.echo(f"{'NAME':<{width}}  {'ORIGIN':<{origin_width}}  {'FORMATS':<9}  DESCRIPTION")
        for entry in entries:
            formats = ",".join(entry.connector.formats) if entry.connector else "-"
            text = (
                entry.connector.description
                if entry.connector is not None and entry.ok
                else f"FAILED TO LOAD: {entry.error}"
            )
            typer.echo(
                f"{entry.name:<{width}}  {entry.origin:<{origin_width}}  {formats:<9}  {text}"
            )
        broken = sum(1 for e in entries if not e.ok)
        typer.echo(
            f"{len(entries)} connector(s)" + (f", {broken} failed to load." if broken else ".")
        )
    if any(not e.ok for e in entries):
        raise typer.Exit(1)


@connectors_app.command("show")
def show_connector(name: str = typer.Argument(..., help="Connector name.")) -> None:
    """Show a file connector's reference columns (what a --profile may remap)."""
    try:
        connector = get_connector(name)
    except ConnectorLookupError as exc:
        raise fail(str(exc), REFUSED) from None
    profile = connector.reference_profile
    typer.echo(f"{connector.name}: {connector.description}")
    typer.echo(f"formats: {', '.join(connector.formats)}")
    typer.echo("reference columns (* required, ° identifying: a file needs one of them):")
    for spec in profile.columns:
        mark = "*" if spec.required else ("°" if spec.identifying else " ")
        note = f"  {spec.description}" if spec.description else ""
        typer.echo(f"  {mark} {spec.name}{note}")
