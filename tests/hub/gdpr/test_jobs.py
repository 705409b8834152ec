"""The daily retention job is registered with the scheduler and runs in its job context."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, func, select

from consent.models import RetentionProof
from hub.gdpr.jobs import RETENTION_JOB_ID, retention_job, scheduled_jobs
from hub.scheduler import JobContext, set_job_context
from hub.settings import Settings


def test_retention_runs_daily_at_the_configured_hour(settings: Settings) -> None:
    [job] = scheduled_jobs(settings.model_copy(update={"retention_job_hour": 4}))
    assert job.id == RETENTION_JOB_ID
    assert job.func_ref == "hub.gdpr.jobs:retention_job"
    assert "hour='4'" in str(job.trigger)
    assert "minute='0'" in str(job.trigger)


def test_the_job_purges_and_leaves_proof(
    settings: Settings, engine: Engine, session: Session
) -> None:
    set_job_context(JobContext(settings=settings, engine=engine))
    try:
        report = retention_job()
    finally:
        set_job_context(None)
    assert not report.dry_run
    proofs = session.exec(select(func.count()).select_from(RetentionProof)).one()
    assert proofs == len(report.outcomes)
