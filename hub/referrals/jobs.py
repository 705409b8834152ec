"""Scheduled jobs of routing (registered in :func:`hub.scheduler.configured_jobs`)."""

from __future__ import annotations

import logging
from dataclasses import asdict

import httpx
from apscheduler.triggers.interval import IntervalTrigger

from hub.db import unit_of_work
from hub.referrals import imports, service, webhooks
from hub.referrals.context import RoutingContext
from hub.scheduler import ScheduledJob, job_context
from hub.settings import Settings

logger = logging.getLogger("hub.referrals")

ROUTE_PENDING_JOB_ID = "referrals-route-pending"
ROUTE_PENDING_JOB_REF = "hub.referrals.jobs:route_pending_job"
OVERDUE_JOB_ID = "referrals-flag-overdue"
OVERDUE_JOB_REF = "hub.referrals.jobs:flag_overdue_job"
WEBHOOKS_JOB_ID = "webhooks-deliver"
WEBHOOKS_JOB_REF = "hub.referrals.jobs:deliver_webhooks_job"

BATCH = 500
MAX_BATCHES = 200
"""One run routes at most BATCH x MAX_BATCHES records; the next run goes on."""


def scheduled_jobs(settings: Settings) -> list[ScheduledJob]:
    del settings
    return [
        ScheduledJob(
            id=ROUTE_PENDING_JOB_ID,
            func_ref=ROUTE_PENDING_JOB_REF,
            trigger=IntervalTrigger(minutes=5),
            name="Routing: route imported records not yet considered (every 5 minutes)",
        ),
        ScheduledJob(
            id=OVERDUE_JOB_ID,
            func_ref=OVERDUE_JOB_REF,
            trigger=IntervalTrigger(hours=1),
            name="Referrals: flag those past their service's response delay (hourly)",
        ),
        ScheduledJob(
            id=WEBHOOKS_JOB_ID,
            func_ref=WEBHOOKS_JOB_REF,
            trigger=IntervalTrigger(minutes=1),
            name="Webhooks: post due deliveries, signed, with backoff (every minute)",
        ),
    ]


def route_pending_job() -> imports.RoutingSummary:
    """Route pending records batch by batch, each batch in its own unit of work."""
    context = job_context()
    crypto = context.crypto()
    routing_context = RoutingContext.from_settings(context.settings)
    total = imports.RoutingSummary()
    for _ in range(MAX_BATCHES):
        with unit_of_work(context.engine) as session:
            summary = imports.route_pending(session, crypto, routing_context, limit=BATCH)
        total.add(summary)
        if summary.considered < BATCH or context.stopping.is_set():
            break
    logger.info("routing job done", extra=asdict(total))
    return total


def flag_overdue_job() -> int:
    context = job_context()
    with unit_of_work(context.engine) as session:
        flagged = service.flag_overdue(session)
    logger.info("overdue referrals flagged", extra={"flagged": flagged})
    return flagged


def deliver_webhooks_job() -> webhooks.DeliverySummary:
    context = job_context()
    total = webhooks.DeliverySummary()
    with httpx.Client(timeout=webhooks.TIMEOUT, follow_redirects=False) as client:
        while not context.stopping.is_set():
            summary = webhooks.deliver_due(context.engine, context.crypto(), client)
            for key, value in asdict(summary).items():
                setattr(total, key, getattr(total, key) + value)
            if summary.attempted < 100:
                break
    logger.info("webhook deliveries", extra=asdict(total))
    return total
