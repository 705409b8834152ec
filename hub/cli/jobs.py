"""``hub jobs``, ``hub feeds`` and ``hub scheduler``: background jobs and pull feeds by hand."""

from __future__ import annotations

import getpass
import json
import signal
import sys
import threading
from datetime import datetime
from types import FrameType

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn

from hub.cli.base import CliError, load_settings
from hub.crypto import build_crypto
from hub.db import engine_from_settings
from hub.observability import configure_logging
from hub.scheduler import (
    RunningScheduler,
    SchedulerNotMigratedError,
    list_jobs,
    run_job_now,
    run_scheduler_process,
)

jobs_app = typer.Typer(help="Background jobs (APScheduler, stored in the database).")
feeds_app = typer.Typer(help="Pull feeds: poll an operator's event feed by hand, see where it is.")
scheduler_app = typer.Typer(help="The process that runs background jobs.")

FEED_NAMES = {"imilo": "imilo-feed", "imilo-feed": "imilo-feed"}


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "paused"


@jobs_app.command("list")
def list_command(
    as_json: bool = typer.Option(False, "--json", help="One JSON object on stdout."),
) -> None:
    """Show the stored jobs: id, next run and trigger."""
    settings = load_settings()
    engine = engine_from_settings(settings)
    try:
        jobs = list_jobs(engine)
    except Exception as exc:
        raise CliError(
            f"cannot read the job table ({type(exc).__name__}); run `hub db upgrade`"
        ) from None
    finally:
        engine.dispose()
    if as_json:
        payload = [
            {
                "id": job.id,
                "name": job.name,
                "next_run_at": job.next_run_at.isoformat() if job.next_run_at else None,
                "trigger": job.trigger,
                "function": job.func_ref,
            }
            for job in jobs
        ]
        typer.echo(json.dumps({"jobs": payload}))
        return
    if not jobs:
        typer.echo(
            "No job stored. Jobs are added by the scheduler from the settings when it starts "
            "(e.g. the i-milo feed poll once HUB_IMILO_FEED_URL is set)."
        )
        return
    width = max(len(job.id) for job in jobs)
    typer.echo(f"{'id':<{width}}  {'next run':<23}  trigger")
    for job in jobs:
        typer.echo(f"{job.id:<{width}}  {_when(job.next_run_at):<23}  {job.trigger}")
    typer.echo(f"{len(jobs)} job(s).")


@jobs_app.command("run-now")
def run_now(job_id: str = typer.Argument(..., help="Job id, as `hub jobs list` shows it.")) -> None:
    """Run a stored job once, now, in this process, and print what it did."""
    settings = load_settings()
    engine = engine_from_settings(settings)
    try:
        result = run_job_now(settings, engine, job_id)
    except KeyError:
        raise CliError(f"no job {job_id!r}; see `hub jobs list`") from None
    except SchedulerNotMigratedError as exc:
        raise CliError(str(exc)) from None
    finally:
        engine.dispose()
    if result is not None:
        typer.echo(str(result))
    if getattr(result, "ok", True) is False:
        raise typer.Exit(1)
    typer.echo(f"Job {job_id} done.")


@feeds_app.command("poll")
def poll(
    feed: str = typer.Argument(..., help="Feed to poll: `imilo`."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object on stdout."),
) -> None:
    """Poll a feed once now: store its new events, acknowledge them, move the cursor.

    Exit 0 when the poll read what it could, 1 when it stopped on an error (the cursor is
    then where it was)."""
    from hub.feeds.jobs import FeedNotConfiguredError, poll_imilo_feed

    if feed not in FEED_NAMES:
        raise CliError(f"unknown feed {feed!r}; known: imilo", exit_code=2)
    settings = load_settings()
    engine = engine_from_settings(settings)
    try:
        crypto = build_crypto(settings, engine)
        show_progress = not as_json and sys.stderr.isatty()
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            transient=True,
            disable=not show_progress,
        ) as progress:
            task = progress.add_task("polling the feed", total=None)
            summary = poll_imilo_feed(
                settings,
                engine,
                crypto,
                actor=_actor(),
                on_page=lambda s: progress.update(
                    task, description=f"{s.pages} page(s), {s.events} event(s)"
                ),
            )
    except FeedNotConfiguredError as exc:
        raise CliError(str(exc)) from None
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(summary.as_dict()))
    else:
        typer.echo(str(summary))
    if not summary.ok:
        if not as_json:
            typer.echo(f"hub: feed poll stopped: {summary.error}", err=True)
        raise typer.Exit(1)


@feeds_app.command("status")
def status() -> None:
    """Where each feed stands: cursor set or not, events consumed, last poll."""
    from hub.db import unit_of_work
    from hub.feeds import repository

    settings = load_settings()
    engine = engine_from_settings(settings)
    try:
        with unit_of_work(engine) as session:
            cursors = list(repository.list_all(session))
    finally:
        engine.dispose()
    if not cursors:
        typer.echo("No feed polled yet.")
        return
    for state in cursors:
        outcome = (
            "never polled"
            if state.last_poll_at is None
            else f"last poll {_when(state.last_poll_at)} "
            + ("ok" if state.last_poll_ok else f"FAILED: {state.last_error}")
        )
        position = "at a cursor" if state.cursor else "at the start"
        typer.echo(
            f"{state.feed}: {position}, {state.events_consumed} event(s) consumed, {outcome}"
        )


@scheduler_app.command("run")
def run(
    retry_lock_seconds: float = typer.Option(
        30.0, min=1.0, help="While another process runs the jobs, check this often (seconds)."
    ),
) -> None:
    """Run the background jobs until stopped (SIGTERM or Ctrl-C). One per deployment: a second
    one waits on stand-by and takes over when the first stops; before the migrations are
    applied it waits too."""
    settings = load_settings()
    configure_logging(settings.log_level)
    engine = engine_from_settings(settings)
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}

    def _started(running: RunningScheduler) -> None:
        jobs = running.scheduler.get_jobs()
        typer.echo(f"Scheduler running with {len(jobs)} job(s); stop with Ctrl-C or SIGTERM.")

    def _waiting(reason: str) -> None:
        typer.echo(f"Waiting: {reason}; checking again every {retry_lock_seconds:g} s.")

    try:
        run_scheduler_process(
            settings,
            engine,
            stop,
            retry_lock_seconds=retry_lock_seconds,
            on_waiting=_waiting,
            on_started=_started,
        )
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        engine.dispose()
    typer.echo("Scheduler stopped.")


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in some containers
        return "cli"
