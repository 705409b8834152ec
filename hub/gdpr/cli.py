"""``hub retention``, ``hub audit`` and ``hub gdpr``: data protection from the command line."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import typer

from consent import audit
from consent.audit import Actor
from consent.register import build_register, render_markdown
from consent.retention import RetentionPolicy, RetentionReport, run_retention
from consent.vocabulary import Channel
from hub.cli.base import CliError, load_settings
from hub.crypto import build_crypto
from hub.db import engine_from_settings, unit_of_work
from hub.models_base import utcnow

retention_app = typer.Typer(help="Storage limitation: purge what the retention rules say.")
audit_app = typer.Typer(help="The audit log of personal-data access (hash-chained).")
gdpr_app = typer.Typer(help="Data protection: record of processing activities.")


def _parse_at(value: str | None) -> datetime:
    if value is None:
        return utcnow()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CliError(f"--at: not an ISO date or datetime: {value!r}") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _print_report(report: RetentionReport) -> None:
    verb = "would purge" if report.dry_run else "purged"
    width = max(len(o.rule) for o in report.outcomes)
    for outcome in report.outcomes:
        typer.echo(
            f"{outcome.rule:<{width}}  {verb} {outcome.purged:>6}  "
            f"{outcome.description} ({outcome.cutoff})"
        )
    if report.dry_run:
        typer.echo(f"Dry run: {report.total} item(s) would be purged; nothing was changed.")
    else:
        typer.echo(
            f"Retention run {report.run_id}: {report.total} item(s) purged; proof recorded "
            f"for {len(report.outcomes)} rule(s)."
        )


@retention_app.command("run")
def run(
    dry_run: bool = typer.Option(False, "--dry-run", help="Only say what would be purged."),
    at: str | None = typer.Option(
        None, "--at", help="Apply the rules as of this ISO date/datetime (UTC); default: now."
    ),
    as_json: bool = typer.Option(False, "--json", help="One JSON object on stdout."),
) -> None:
    """Apply every retention rule now (what the daily job does), or simulate it."""
    settings = load_settings()
    now = _parse_at(at)
    engine = engine_from_settings(settings)
    try:
        crypto = build_crypto(settings, engine)
        actor = Actor(client_id="hub-cli", channel=Channel.CLI)
        with unit_of_work(engine) as session:
            report = run_retention(
                session,
                crypto,
                now,
                dry_run=dry_run,
                policy=RetentionPolicy.from_settings(settings),
                actor=actor,
            )
    finally:
        engine.dispose()
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "run_id": str(report.run_id),
                    "ran_at": report.ran_at.isoformat(),
                    "dry_run": report.dry_run,
                    "total": report.total,
                    "rules": [
                        {
                            "rule": o.rule,
                            "description": o.description,
                            "cutoff": o.cutoff,
                            "purged": o.purged,
                            "details": o.details,
                        }
                        for o in report.outcomes
                    ],
                }
            )
        )
        return
    _print_report(report)


@retention_app.command("rules")
def rules() -> None:
    """Show the retention rules in force (from HUB_RETENTION_* settings)."""
    settings = load_settings()
    for entry in build_register(settings).retention:
        typer.echo(f"{entry.category}: {entry.duration}")


@audit_app.command("verify")
def verify(
    as_json: bool = typer.Option(False, "--json", help="One JSON object on stdout."),
) -> None:
    """Check the hash chain; exit 1 naming the first bad entry when one was changed or removed."""
    settings = load_settings()
    engine = engine_from_settings(settings)
    try:
        with unit_of_work(engine) as session:
            report = audit.verify_chain(session)
    finally:
        engine.dispose()
    first = report.first_break
    if as_json:
        typer.echo(json.dumps(report.as_dict()))
    elif first is None:
        typer.echo(
            f"Audit log intact: {report.checked} entr{'y' if report.checked == 1 else 'ies'} "
            f"verified; head hash {report.head_hash}."
        )
    if first is not None:
        if not as_json:
            entry = f" (id {first.entry_id})" if first.entry_id else ""
            typer.echo(
                f"hub: audit log BROKEN at entry #{first.seq}{entry}: {first.problem}. "
                f"{report.checked} entries before it verified.",
                err=True,
            )
        raise typer.Exit(1)


@gdpr_app.command("register")
def register(
    output_format: str = typer.Option("md", "--format", help="json or md."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write to this file."),
) -> None:
    """Print the record of processing activities (Art. 30) generated from the code."""
    if output_format not in ("json", "md"):
        raise CliError("--format must be json or md")
    settings = load_settings()
    document = build_register(settings)
    text = (
        document.model_dump_json(indent=2) + "\n"
        if output_format == "json"
        else render_markdown(document)
    )
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    typer.echo(f"Record of processing written to {output} ({output_format}).")
