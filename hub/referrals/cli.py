"""``hub referrals``: check routing rules, flag overdue referrals."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import typer

from hub.cli.base import CliError, load_settings
from hub.crypto import build_crypto
from hub.db import engine_from_settings, unit_of_work
from hub.referrals import imports, service
from hub.referrals.context import RoutingContext
from hub.referrals.rules import RoutingRulesError, load_rules

referrals_app = typer.Typer(help="Routing rules and referrals.", no_args_is_help=True)
rules_app = typer.Typer(help="The routing rules file.", no_args_is_help=True)
referrals_app.add_typer(rules_app, name="rules")


@rules_app.command("check")
def check_rules(
    file: Path | None = typer.Argument(
        None, help="Rules file to check; default: HUB_ROUTING_RULES_FILE, else the shipped one."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the rules as JSON."),
) -> None:
    """Validate a routing rules file and list its rules in the order they are tried."""
    path = file or load_settings().routing_rules_file
    try:
        rules = load_rules(path)
    except RoutingRulesError as exc:
        raise CliError(str(exc)) from exc
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "file": str(path) if path else "(shipped default)",
                    "rules": rules.label,
                    "rule_ids": [rule.id for rule in rules.rules],
                }
            )
        )
        return
    typer.echo(
        f"{path or 'shipped default rules'}: valid ({rules.label}), {len(rules.rules)} rules:"
    )
    for rule in rules.rules:
        typer.echo(f"  {rule.id:<28} {rule.action.value:<10} {rule.why}")


@referrals_app.command("flag-overdue")
def flag_overdue() -> None:
    """Flag referrals still requested past their service's response delay (also a daily job)."""
    settings = load_settings()
    engine = engine_from_settings(settings)
    try:
        with unit_of_work(engine) as session:
            flagged = service.flag_overdue(session)
    finally:
        engine.dispose()
    typer.echo(f"{flagged} referral(s) newly flagged overdue; both parties notified.")


@referrals_app.command("route-pending")
def route_pending(
    batch: int = typer.Option(500, min=1, max=10_000, help="Records per transaction."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Route the imported records not yet considered (what the 5-minute job does)."""
    settings = load_settings()
    try:
        context = RoutingContext.from_settings(settings)
    except RoutingRulesError as exc:
        raise CliError(str(exc)) from exc
    engine = engine_from_settings(settings)
    crypto = build_crypto(settings, engine)
    total = imports.RoutingSummary()
    try:
        while True:
            with unit_of_work(engine) as session:
                summary = imports.route_pending(session, crypto, context, limit=batch)
            total.add(summary)
            if summary.considered < batch:
                break
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(asdict(total)))
        return
    typer.echo(
        f"{total.considered} record(s) considered: {total.referred} referred "
        f"({total.awaiting_consent} awaiting consent), {total.already_referred} already "
        f"referred, {total.held} held, {total.unrouted} unrouted; {total.released} waiting "
        "match(es) released."
    )
