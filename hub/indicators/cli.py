"""``hub report``: the programme indicators as Markdown, CSV or JSON, with the chart."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from hub import migrations
from hub.cli.base import app, fail, load_settings
from hub.crypto import build_crypto
from hub.db import engine_from_settings, unit_of_work
from hub.errors import HubError
from hub.indicators import service
from hub.indicators.report import ReportFormat, render, write_report
from hub.indicators.schemas import Count

USAGE = 2
"""Exit status of unusable options (a bad date, a period that ends before it starts)."""


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} {value!r} is not a date (YYYY-MM-DD)", USAGE) from None


def _show(value: Count) -> str:
    return str(value)


@app.command("report")
def report(
    start: str | None = typer.Option(
        None, "--from", help="First day, YYYY-MM-DD (default: HUB_PROGRAMME_START)."
    ),
    end: str | None = typer.Option(
        None, "--to", help="Last day, YYYY-MM-DD (default: HUB_PROGRAMME_END)."
    ),
    fmt: ReportFormat | None = typer.Option(
        None,
        "--format",
        help="md, csv or json. Without --out: what is printed (default md). With --out: the "
        "one file written (default: all three).",
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Directory to write the report files and the chart into."
    ),
    chart_format: str = typer.Option("png", "--chart-format", help="png or svg."),
) -> None:
    """Programme indicators of a period (aggregates only, small counts suppressed)."""
    first, last = _day(start, "--from"), _day(end, "--to")
    if chart_format not in ("png", "svg"):
        raise fail("--chart-format must be png or svg", USAGE)
    settings = load_settings()
    engine = engine_from_settings(settings)
    try:
        if not migrations.is_up_to_date(engine):
            raise fail("the database schema is not up to date: run `hub db upgrade`")
        with unit_of_work(engine) as session:
            published = service.compute(session, settings, start=first, end=last)
    except HubError as exc:
        raise fail(exc.detail, USAGE) from None
    finally:
        engine.dispose()
    if out is None:
        typer.echo(render(published, fmt or ReportFormat.MD), nl=False)
        return
    formats = [fmt] if fmt else list(ReportFormat)
    try:
        written = write_report(
            published,
            out,
            formats,
            chart_format="svg" if chart_format == "svg" else "png",
        )
    except OSError as exc:
        raise fail(f"cannot write into {out}: {exc.strerror or exc}") from None
    funnel, progress = published.funnel, published.progress
    pct = progress.percent_of_target
    typer.echo(
        f"Indicators {published.period.start.isoformat()} → {published.period.end.isoformat()}: "
        f"repérés {_show(funnel.reperes)}, mobilisés {_show(funnel.mobilises)}, orientés vers "
        f"le droit commun {_show(funnel.orientes)}; "
        f"{'n/a' if pct is None else f'{pct:.1f}%'} of the {progress.target} target; "
        f"overdue referrals {_show(published.deadlines.overdue)}."
    )
    for path in [*written.reports, written.chart]:
        typer.echo(f"  wrote {path}")


@app.command("demo-activity")
def demo_activity(
    size: int = typer.Option(320, "--size", min=10, max=5000, help="Young people to replay."),
) -> None:
    """Replay about 300 days of synthetic programme activity (imports, referrals, answers,
    outcomes) into a non-production database, so that `hub report` has something to show.
    Idempotent: a second run adds nothing."""
    from hub.indicators.demo import describe, seed_demo_activity  # the demo pulls in Faker

    settings = load_settings()
    if settings.is_production:
        raise fail("demo activity is never seeded in production", USAGE)
    engine = engine_from_settings(settings)
    try:
        if not migrations.is_up_to_date(engine):
            raise fail("the database schema is not up to date: run `hub db upgrade`")
        crypto = build_crypto(settings, engine)
        with unit_of_work(engine) as session:
            summary = seed_demo_activity(session, crypto, settings, size=size)
    except HubError as exc:
        raise fail(exc.detail) from None
    finally:
        engine.dispose()
    for line in describe(summary):
        typer.echo(line)
