"""Polling the i-milo feed: read a page -> store it (commit) -> acknowledge -> move the cursor.

The order is the feed's guarantee of no loss:

1. a page is read at the stored cursor;
2. its rows are stored through the ingest pipeline in one transaction, **committed**;
3. its events are acknowledged (bounded retries);
4. only then the cursor moves to the page's ``next_cursor`` (second transaction, guarded by a
   version check so two polls never move it backwards).

A failure at any step stops the poll with the cursor where it was: the page is read again
at the next poll, stored again (idempotent: ``unchanged``) and acknowledged again (the feed's
acknowledgement is idempotent). The summary and the logs carry counts, statuses and ids,
never personal data.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from connectors.imilo_feed import FeedError, FeedPage, RetryPolicy
from connectors.imilo_feed import connector as imilo_connector
from hub import __version__
from hub.crypto import Crypto
from hub.db import unit_of_work
from hub.feeds import service
from hub.feeds.service import CursorMovedError
from hub.models_base import utcnow
from hub.scheduler import JobInterruptedError, ScheduledJob, job_context
from hub.settings import Settings

logger = logging.getLogger("hub.feeds")

IMILO_FEED = imilo_connector.name
IMILO_JOB_ID = "imilo-feed-poll"
IMILO_JOB_REF = "hub.feeds.jobs:poll_imilo_feed_job"


class FeedNotConfiguredError(Exception):
    """The feed's URL or API key is missing, or unsafe for the environment."""


@dataclass
class PollSummary:
    """What one poll did. ``error`` is None when it read everything it was allowed to."""

    feed: str
    started_at: datetime
    finished_at: datetime | None = None
    pages: int = 0
    events: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    acknowledged: int = 0
    import_ids: list[uuid.UUID] = field(default_factory=list)
    cursor_before: str | None = None
    cursor_after: str | None = None
    more_to_read: bool = False
    """The page limit per poll was reached while the feed had more: the next poll goes on."""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        data["started_at"] = self.started_at.isoformat()
        data["finished_at"] = self.finished_at.isoformat() if self.finished_at else None
        data["import_ids"] = [str(i) for i in self.import_ids]
        return data

    def __str__(self) -> str:
        lines = [
            f"Feed {self.feed}: {self.pages} page(s), {self.events} event(s) read; "
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.quarantined} quarantined; {self.acknowledged} acknowledged.",
        ]
        if self.cursor_after != self.cursor_before:
            lines.append("Cursor moved forward.")
        else:
            lines.append("Cursor unchanged.")
        if self.more_to_read:
            lines.append("More events are waiting: the next poll continues.")
        if self.error:
            lines.append(f"Stopped: {self.error}")
        return "\n".join(lines)


def feed_configured(settings: Settings) -> bool:
    return bool(settings.imilo_feed_url and settings.imilo_feed_api_key)


def scheduled_jobs(settings: Settings) -> list[ScheduledJob]:
    """The feed's poll job, when the feed is configured."""
    if not feed_configured(settings):
        return []
    return [
        ScheduledJob(
            id=IMILO_JOB_ID,
            func_ref=IMILO_JOB_REF,
            trigger=IntervalTrigger(minutes=settings.imilo_feed_interval_minutes, timezone=UTC),
            name="Poll the Mission Locale (i-milo) feed",
            # A newly configured feed is polled at once, not an interval later.
            first_run_now=True,
        )
    ]


def poll_imilo_feed_job() -> PollSummary:
    """The scheduled job (no arguments: everything comes from the process's job context)."""
    context = job_context()
    summary = poll_imilo_feed(
        context.settings, context.engine, context.crypto(), sleep=context.sleep
    )
    _log(summary)
    return summary


def _log(summary: PollSummary) -> None:
    # Counts, ids and our own error text only (``created`` would also clash with LogRecord).
    extra = {
        "feed": summary.feed,
        "pages": summary.pages,
        "events": summary.events,
        "records_created": summary.created,
        "records_updated": summary.updated,
        "records_unchanged": summary.unchanged,
        "quarantined": summary.quarantined,
        "acknowledged": summary.acknowledged,
        "more_to_read": summary.more_to_read,
        "import_ids": [str(i) for i in summary.import_ids],
        "error": summary.error,
    }
    if summary.ok:
        logger.info("feed polled", extra=extra)
    else:
        logger.warning("feed poll stopped", extra=extra)


def build_http_client(settings: Settings) -> httpx.Client:
    return httpx.Client(
        timeout=httpx.Timeout(
            settings.imilo_feed_read_timeout_seconds,
            connect=settings.imilo_feed_connect_timeout_seconds,
        ),
        headers={"User-Agent": f"invisibles-hub/{__version__}"},
        # Never follow a redirect: the API key would go along to wherever it points.
        follow_redirects=False,
    )


def poll_imilo_feed(
    settings: Settings,
    engine: Engine,
    crypto: Crypto,
    *,
    http: httpx.Client | None = None,
    sleep: Callable[[float], object] = time.sleep,
    clock: Callable[[], datetime] = utcnow,
    actor: str = "scheduler",
    organisation_id: uuid.UUID | None = None,
    on_page: Callable[[PollSummary], None] | None = None,
) -> PollSummary:
    """Poll the feed once: up to ``imilo_feed_max_pages`` pages, each stored, acknowledged,
    then the cursor moved. Never raises for an upstream failure: the summary says it."""
    url, api_key = settings.imilo_feed_url, settings.imilo_feed_api_key
    if not url or api_key is None:
        raise FeedNotConfiguredError("HUB_IMILO_FEED_URL and HUB_IMILO_FEED_API_KEY must be set")
    if settings.is_production and not url.startswith("https://"):
        raise FeedNotConfiguredError("HUB_IMILO_FEED_URL must be an https:// URL in production")

    summary = PollSummary(feed=IMILO_FEED, started_at=clock())
    own_http = http is None
    http_client = http if http is not None else build_http_client(settings)
    client = imilo_connector.client(
        http_client,
        url,
        api_key.get_secret_value(),
        page_size=settings.imilo_feed_page_size,
        retry=RetryPolicy(
            max_attempts=settings.imilo_feed_max_attempts,
            backoff_seconds=settings.imilo_feed_backoff_seconds,
            max_backoff_seconds=settings.imilo_feed_max_backoff_seconds,
        ),
        sleep=sleep,
        clock=clock,
    )
    try:
        with unit_of_work(engine) as session:
            state = service.get_or_create_cursor(session, IMILO_FEED, now=clock())
            cursor, version = state.cursor, state.version
        summary.cursor_before = summary.cursor_after = cursor

        for _ in range(settings.imilo_feed_max_pages):
            page = client.fetch_page(cursor, received_at=clock())
            summary.pages += 1
            summary.events += page.events
            if page.events:
                _store(engine, crypto, page, summary, actor, organisation_id)
                if page.ack_ids:
                    try:
                        ack = client.acknowledge(page.ack_ids)
                    except FeedError as exc:
                        raise _AckFailedError(exc, len(page.ack_ids)) from exc
                    summary.acknowledged += ack.acknowledged + ack.unknown
            next_cursor = page.next_cursor or cursor
            if page.events or next_cursor != cursor:
                with unit_of_work(engine) as session:
                    service.advance_cursor(
                        session,
                        IMILO_FEED,
                        from_version=version,
                        cursor=next_cursor,
                        events=page.events,
                        now=clock(),
                    )
                cursor, version = next_cursor, version + 1
                summary.cursor_after = cursor
            if on_page is not None:
                on_page(summary)
            if not page.has_more:
                break
        else:
            summary.more_to_read = True
    except _AckFailedError as exc:
        summary.error = (
            f"{exc.cause}; {exc.count} stored event(s) were not acknowledged: the next poll "
            "reads them again (storage is idempotent) and acknowledges them"
        )
    except FeedError as exc:
        summary.error = str(exc)
    except JobInterruptedError:
        summary.error = "interrupted: the hub is stopping"
    except CursorMovedError as exc:
        summary.error = exc.detail
    except Exception as exc:
        # Database or mapping failure: nothing of the page is committed, nothing acknowledged.
        # Only the exception type is reported: its text may quote stored values.
        summary.error = f"unexpected {type(exc).__name__} while storing; nothing acknowledged"
        logger.error("feed poll failed", extra={"feed": IMILO_FEED, "error": type(exc).__name__})
    finally:
        if own_http:
            http_client.close()
    summary.finished_at = clock()
    _record(engine, summary, clock())
    return summary


class _AckFailedError(Exception):
    def __init__(self, cause: FeedError, count: int) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.count = count


def _store(
    engine: Engine,
    crypto: Crypto,
    page: FeedPage,
    summary: PollSummary,
    actor: str,
    organisation_id: uuid.UUID | None,
) -> None:
    with unit_of_work(engine) as session:
        outcome = service.store_page(
            session,
            crypto,
            page,
            feed=IMILO_FEED,
            actor=actor,
            organisation_id=organisation_id,
        )
    result = outcome.summary
    summary.created += result.created
    summary.updated += result.updated
    summary.unchanged += result.unchanged
    summary.quarantined += result.quarantined
    summary.import_ids.append(result.import_id)


def _record(engine: Engine, summary: PollSummary, now: datetime) -> None:
    try:
        with unit_of_work(engine) as session:
            service.record_poll(session, IMILO_FEED, ok=summary.ok, error=summary.error, now=now)
    except Exception as exc:  # the poll's outcome stands even if its bookkeeping fails
        logger.error("could not record the poll", extra={"error": type(exc).__name__})
