"""``hub persons export|merge|detach|relink``."""

from __future__ import annotations

import csv
import getpass
import json
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from enum import StrEnum

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy import Engine

from consent.audit import Actor
from consent.vocabulary import Channel
from hub import migrations
from hub.cli.base import fail, load_settings
from hub.crypto import Crypto, build_crypto
from hub.db import engine_from_settings, unit_of_work
from hub.errors import HubError
from hub.persons import service

persons_app = typer.Typer(
    help="Identity resolution: which source records are the same young person.",
    no_args_is_help=True,
)


class ExportFormat(StrEnum):
    CSV = "csv"


def _actor(name: str | None) -> Actor:
    if name is None:
        try:
            name = f"cli:{getpass.getuser()}"
        except (KeyError, OSError):
            name = "cli"
    return Actor(client_id=name, channel=Channel.CLI)


@contextmanager
def _hub(*, with_crypto: bool = True) -> Iterator[tuple[Engine, Crypto | None]]:
    settings = load_settings()
    engine = engine_from_settings(settings)
    try:
        if not migrations.is_up_to_date(engine):
            raise fail("the database schema is not up to date: run `hub db upgrade`")
        crypto = build_crypto(settings, engine) if with_crypto else None
        yield engine, crypto
    finally:
        engine.dispose()


def _uuid(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise fail(f"{what} {value!r} is not a valid id") from None


@persons_app.command("export")
def export_command(
    fmt: ExportFormat = typer.Option(ExportFormat.CSV, "--format", help="Output format."),
) -> None:
    """Write ``source,source_record_id,person_id``, one line per source record, on stdout."""
    records = 0
    persons: set[uuid.UUID] = set()
    with _hub(with_crypto=False) as (engine, _crypto), unit_of_work(engine) as session:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(("source", "source_record_id", "person_id"))
        for source, record_id, person_id in service.export_links(session):
            writer.writerow((source, record_id, "" if person_id is None else str(person_id)))
            records += 1
            if person_id is not None:
                persons.add(person_id)
    sys.stdout.flush()
    typer.echo(f"hub: exported {records} source records of {len(persons)} persons", err=True)


@persons_app.command("merge")
def merge_command(
    person_id: str = typer.Argument(..., help="The person kept."),
    other_person_id: str = typer.Argument(..., help="The person merged into it."),
    actor: str | None = typer.Option(None, "--actor", help="Who decides. Default: cli:<user>."),
) -> None:
    """Merge OTHER_PERSON_ID into PERSON_ID; later imports and re-linking keep them together."""
    keep, other = _uuid(person_id, "person"), _uuid(other_person_id, "person")
    try:
        with _hub(with_crypto=False) as (engine, _crypto), unit_of_work(engine) as session:
            kept = service.merge_persons(session, keep, other, actor=_actor(actor))
            kept_id = kept.id
    except HubError as exc:
        raise fail(exc.detail) from None
    typer.echo(f"merged person {other} into {kept_id}")


@persons_app.command("detach")
def detach_command(
    person_id: str = typer.Argument(..., help="The person the record belongs to."),
    source_record_id: str = typer.Argument(..., help="The hub's id of the source record."),
    actor: str | None = typer.Option(None, "--actor", help="Who decides. Default: cli:<user>."),
) -> None:
    """Move one record into a new person of its own; it is never linked back to the others."""
    person, record = _uuid(person_id, "person"), _uuid(source_record_id, "source record")
    try:
        with _hub(with_crypto=False) as (engine, _crypto), unit_of_work(engine) as session:
            fresh = service.detach_record(session, person, record, actor=_actor(actor))
            fresh_id = fresh.id
    except HubError as exc:
        raise fail(exc.detail) from None
    typer.echo(f"detached record {record} from person {person} into new person {fresh_id}")


@persons_app.command("relink")
def relink_command(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Re-run linking over every record, honouring manual corrections (ids stay stable)."""
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=as_json or not sys.stderr.isatty(),
        transient=True,
    )
    tasks: dict[str, TaskID] = {}

    def report(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = progress.add_task(stage.capitalize(), total=max(total, 1))
        progress.update(tasks[stage], completed=done, total=max(total, 1))

    try:
        with _hub() as (engine, crypto), progress, unit_of_work(engine) as session:
            assert crypto is not None
            outcome = service.relink_all(session, crypto, progress=report)
    except HubError as exc:
        raise fail(exc.detail) from None
    summary = asdict(outcome)
    summary.pop("stats", None)
    if as_json:
        typer.echo(json.dumps(summary))
        return
    typer.echo(
        f"relinked {outcome.records} records in {outcome.seconds:.1f} s: "
        f"{outcome.linked_to_existing} kept their person, {outcome.new_persons} new persons, "
        f"{outcome.merged_persons} persons merged, {outcome.retired_persons} retired"
    )
