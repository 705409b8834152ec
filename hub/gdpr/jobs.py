"""The daily retention job (registered in :func:`hub.scheduler.configured_jobs`)."""

from __future__ import annotations

from datetime import UTC

from apscheduler.triggers.cron import CronTrigger

from consent.retention import RetentionPolicy, RetentionReport, run_retention
from hub.db import unit_of_work
from hub.models_base import utcnow
from hub.scheduler import ScheduledJob, job_context
from hub.settings import Settings

RETENTION_JOB_ID = "gdpr-retention"
RETENTION_JOB_REF = "hub.gdpr.jobs:retention_job"


def scheduled_jobs(settings: Settings) -> list[ScheduledJob]:
    return [
        ScheduledJob(
            id=RETENTION_JOB_ID,
            func_ref=RETENTION_JOB_REF,
            trigger=CronTrigger(hour=settings.retention_job_hour, minute=0, timezone=UTC),
            name="Retention: purge what the rules say, with proof (daily)",
        )
    ]


def retention_job() -> RetentionReport:
    """The scheduled job: one unit of work, committed with its proof entries."""
    context = job_context()
    crypto = context.crypto()
    with unit_of_work(context.engine) as session:
        return run_retention(
            session,
            crypto,
            utcnow(),
            dry_run=False,
            policy=RetentionPolicy.from_settings(context.settings),
        )
