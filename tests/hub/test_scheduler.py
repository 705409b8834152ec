"""The scheduler: persistent jobs, one process running them, the commands that show them."""

from __future__ import annotations

import json
import threading
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.interval import IntervalTrigger
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from hub import scheduler as scheduler_module
from hub.app import create_app
from hub.cli import app
from hub.db import create_db_engine
from hub.models_base import utcnow
from hub.scheduler import (
    JobContext,
    JobInterruptedError,
    ScheduledJob,
    SchedulerNotMigratedError,
    build_scheduler,
    job_context,
    list_jobs,
    run_scheduler_process,
    start_scheduler,
)
from hub.settings import Settings

runner = CliRunner()
RUNS: list[str] = []


def record_run(label: str = "ran") -> str:
    """A job function, referenced by name from the job table."""
    RUNS.append(label)
    return f"sample job says {label}"


def _add_sample_job(engine: Engine, job_id: str = "sample", minutes: int = 5) -> None:
    scheduler = build_scheduler(engine)
    scheduler.start(paused=True)
    try:
        scheduler.add_job(
            record_run, "interval", minutes=minutes, id=job_id, name="Sample", args=["hello"]
        )
    finally:
        scheduler.shutdown(wait=False)


def test_a_job_survives_a_new_scheduler(engine: Engine) -> None:
    _add_sample_job(engine)

    again = build_scheduler(engine)
    again.start(paused=True)
    try:
        jobs = {job.id: job for job in again.get_jobs()}
    finally:
        again.shutdown(wait=False)

    assert set(jobs) == {"sample"}
    assert jobs["sample"].func is record_run
    assert str(jobs["sample"].trigger) == "interval[0:05:00]"
    listed = list_jobs(engine)
    assert [job.id for job in listed] == ["sample"]
    assert listed[0].next_run_at is not None
    assert listed[0].next_run_at.tzinfo is not None


def test_hub_jobs_list_shows_id_next_run_and_trigger(engine: Engine, app_env: Settings) -> None:
    empty = runner.invoke(app, ["jobs", "list"])
    assert empty.exit_code == 0, empty.output
    assert "No job stored" in empty.stdout

    _add_sample_job(engine)
    result = runner.invoke(app, ["jobs", "list"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["id", "next", "run", "trigger"]
    assert lines[1].startswith("sample ")
    assert "UTC" in lines[1]
    assert lines[1].endswith("interval[0:05:00]")
    assert lines[-1] == "1 job(s)."

    as_json = runner.invoke(app, ["jobs", "list", "--json"])
    payload = json.loads(as_json.stdout)
    assert payload["jobs"][0]["id"] == "sample"
    assert payload["jobs"][0]["trigger"] == "interval[0:05:00]"
    assert payload["jobs"][0]["function"] == "tests.hub.test_scheduler:record_run"


def test_hub_jobs_run_now_runs_the_stored_job_here(engine: Engine, app_env: Settings) -> None:
    _add_sample_job(engine)
    RUNS.clear()
    result = runner.invoke(app, ["jobs", "run-now", "sample"])
    assert result.exit_code == 0, result.output
    assert RUNS == ["hello"]
    assert "sample job says hello" in result.stdout
    assert "Job sample done." in result.stdout

    unknown = runner.invoke(app, ["jobs", "run-now", "nope"])
    assert unknown.exit_code == 1
    assert "no job 'nope'" in str(unknown.exception)


def test_the_job_store_never_creates_its_table(tmp_path: Path) -> None:
    bare = create_db_engine(f"sqlite:///{tmp_path / 'bare.sqlite3'}")
    scheduler = build_scheduler(bare)
    with pytest.raises(SchedulerNotMigratedError, match="hub db upgrade"):
        scheduler.start(paused=True)
    bare.dispose()


def test_only_one_process_runs_the_jobs_of_a_database(settings: Settings, engine: Engine) -> None:
    first = start_scheduler(settings, engine, paused=True)
    assert first is not None
    try:
        # A second process (here: a second engine on the same database) finds the lock taken.
        other_engine = create_db_engine(settings.sqlalchemy_url)
        try:
            assert start_scheduler(settings, other_engine, paused=True) is None
        finally:
            other_engine.dispose()
        assert first.scheduler.running
        assert job_context().engine is engine
    finally:
        first.stop()
    assert not first.scheduler.running

    again = start_scheduler(settings, engine, paused=True)
    assert again is not None
    again.stop()


def test_serve_starts_the_scheduler_only_when_enabled(settings: Settings, engine: Engine) -> None:
    with TestClient(create_app(settings, engine=engine)) as client:
        assert client.app.state.scheduler is None  # type: ignore[attr-defined]

    enabled = settings.model_copy(update={"scheduler_enabled": True})
    with TestClient(create_app(enabled, engine=engine)) as client:
        running = client.app.state.scheduler  # type: ignore[attr-defined]
        assert running is not None
        assert running.scheduler.running
        assert client.get("/healthz").status_code == 200
    assert not running.scheduler.running
    # The lock went with it: another process may now run the jobs.
    after = start_scheduler(settings, engine, paused=True)
    assert after is not None
    after.stop()


def test_scheduler_process_waits_for_the_lock_then_stops_on_signal(
    settings: Settings, engine: Engine
) -> None:
    holder = start_scheduler(settings, engine, paused=True)
    assert holder is not None
    stop = threading.Event()
    events: list[str] = []

    def on_waiting(reason: str) -> None:
        events.append(reason)
        holder.stop()  # the active process ends: the stand-by one takes over

    def on_started(_running: object) -> None:
        events.append("started")
        stop.set()

    assert run_scheduler_process(
        settings,
        engine,
        stop,
        retry_lock_seconds=0.01,
        on_waiting=on_waiting,
        on_started=on_started,
    )
    assert events == ["another process runs the jobs of this database", "started"]


def test_a_stopping_scheduler_interrupts_a_job_waiting_to_retry(
    settings: Settings, engine: Engine
) -> None:
    context = JobContext(settings=settings, engine=engine)
    context.sleep(0)  # not stopping: returns
    context.stopping.set()
    with pytest.raises(JobInterruptedError):
        context.sleep(30)


def test_scheduler_process_waits_for_the_migrations(tmp_path: Path, settings: Settings) -> None:
    bare = create_db_engine(f"sqlite:///{tmp_path / 'bare.sqlite3'}")
    stop = threading.Event()
    reasons: list[str] = []

    def on_waiting(reason: str) -> None:
        reasons.append(reason)
        stop.set()

    assert not run_scheduler_process(
        settings, bare, stop, retry_lock_seconds=0.01, on_waiting=on_waiting
    )
    assert reasons == ["table 'apscheduler_jobs' is missing; run `hub db upgrade` first"]
    bare.dispose()


def test_sync_follows_the_triggers_and_leaves_foreign_jobs(
    settings: Settings, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add_sample_job(engine, job_id="foreign")  # not a hub.* function: sync leaves it alone
    specs = [
        ScheduledJob(
            id="every-5",
            func_ref="tests.hub.test_scheduler:record_run",
            trigger=IntervalTrigger(minutes=5, timezone=UTC),
            name="Every five minutes",
        ),
        ScheduledJob(
            id="at-once",
            func_ref="tests.hub.test_scheduler:record_run",
            trigger=IntervalTrigger(hours=1, timezone=UTC),
            name="Hourly, first run at once",
            first_run_now=True,
        ),
    ]
    monkeypatch.setattr(scheduler_module, "configured_jobs", lambda _settings: specs)
    before = utcnow()
    running = start_scheduler(settings, engine, paused=True)
    assert running is not None
    running.stop()

    assert set(running.sync.added) == {"every-5", "at-once"}
    jobs = {job.id: job for job in list_jobs(engine)}
    assert set(jobs) == {"foreign", "every-5", "at-once"}
    every_5, at_once = jobs["every-5"].next_run_at, jobs["at-once"].next_run_at
    assert every_5 is not None
    assert at_once is not None
    assert timedelta(minutes=4) < every_5 - before <= timedelta(minutes=5, seconds=5)
    assert at_once - before < timedelta(seconds=5)
