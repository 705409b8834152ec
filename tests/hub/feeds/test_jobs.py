"""The feed's scheduled job: configured by the settings, stored, listed, run by hand."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from hub.cli import app
from hub.feeds.jobs import IMILO_JOB_ID, IMILO_JOB_REF
from hub.models_base import utcnow
from hub.scheduler import RunningScheduler, list_jobs, start_scheduler
from hub.settings import Settings
from tests.hub.feeds.fake_feed import API_KEY, BASE, FakeFeed, event

runner = CliRunner()


def _sync(settings: Settings, engine: Engine) -> RunningScheduler:
    running = start_scheduler(settings, engine, paused=True)
    assert running is not None
    running.stop()
    return running


def test_the_poll_job_follows_the_settings(
    settings: Settings, feed_settings: Settings, engine: Engine
) -> None:
    unconfigured = _sync(settings, engine)
    assert IMILO_JOB_ID not in {job.id for job in list_jobs(engine)}
    assert IMILO_JOB_ID not in unconfigured.sync.added

    added = _sync(feed_settings, engine)
    assert IMILO_JOB_ID in added.sync.added
    stored = {job.id: job for job in list_jobs(engine)}[IMILO_JOB_ID]
    assert stored.func_ref == IMILO_JOB_REF
    assert stored.trigger == "interval[0:15:00]"
    assert stored.next_run_at is not None
    assert stored.next_run_at <= utcnow()  # a newly configured feed is polled at once

    kept = _sync(feed_settings, engine)
    assert IMILO_JOB_ID in kept.sync.kept
    assert {job.id: job for job in list_jobs(engine)}[IMILO_JOB_ID] == stored

    hourly = feed_settings.model_copy(update={"imilo_feed_interval_minutes": 60})
    updated = _sync(hourly, engine)
    assert IMILO_JOB_ID in updated.sync.updated
    assert {job.id: job for job in list_jobs(engine)}[IMILO_JOB_ID].trigger == "interval[1:00:00]"

    removed = _sync(settings, engine)
    assert IMILO_JOB_ID in removed.sync.removed
    assert IMILO_JOB_ID not in {job.id for job in list_jobs(engine)}


@pytest.fixture
def feed_env(app_env: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("HUB_IMILO_FEED_URL", BASE)
    monkeypatch.setenv("HUB_IMILO_FEED_API_KEY", API_KEY)
    monkeypatch.setenv("HUB_IMILO_FEED_PAGE_SIZE", "2")
    return app_env


def test_hub_jobs_list_shows_the_poll_job_and_run_now_polls(
    feed_env: Settings, feed_settings: Settings, engine: Engine, feed: FakeFeed
) -> None:
    _sync(feed_settings, engine)
    listed = runner.invoke(app, ["jobs", "list"])
    assert listed.exit_code == 0, listed.output
    line = next(ln for ln in listed.stdout.splitlines() if ln.startswith(IMILO_JOB_ID))
    assert line.endswith("interval[0:15:00]")
    assert "UTC" in line

    feed.events = [event(1), event(2), event(3)]
    ran = runner.invoke(app, ["jobs", "run-now", IMILO_JOB_ID])
    assert ran.exit_code == 0, ran.output
    assert "2 page(s), 3 event(s) read; 3 created" in ran.stdout
    assert f"Job {IMILO_JOB_ID} done." in ran.stdout
    assert feed.acked == ["evt-0001", "evt-0002", "evt-0003"]
