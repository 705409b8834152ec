"""Feed cursors and the storage of a page. Takes the session first and never commits: the
poll (hub/feeds/jobs.py) owns the transactions, because the feed protocol needs a commit
*before* each acknowledgement."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Session

from connectors.imilo_feed import FeedPage
from consent.vocabulary import Channel
from hub.crypto import Crypto
from hub.errors import ConflictError
from hub.feeds import repository
from hub.feeds.models import FeedCursor
from hub.ingest.service import ImportOutcome, run_import


class CursorMovedError(ConflictError):
    """Another poll moved the cursor meanwhile: this one stops (what both stored is the same,
    storage being idempotent)."""

    code = "feed-cursor-moved"
    title = "Feed cursor moved by another poll"


def get_or_create_cursor(session: Session, feed: str, *, now: datetime) -> FeedCursor:
    cursor = repository.get(session, feed)
    if cursor is None:
        cursor = repository.add(session, FeedCursor(feed=feed, updated_at=now))
    return cursor


def store_page(
    session: Session,
    crypto: Crypto,
    page: FeedPage,
    *,
    feed: str,
    actor: str,
    organisation_id: uuid.UUID | None,
) -> ImportOutcome:
    """Store a page's rows (records upserted by dossier, malformed events quarantined) as one
    import run named after the page's cursor."""
    return run_import(
        session,
        crypto,
        source=feed,
        rows=page.rows,
        file_name=f"{feed} page after cursor {page.cursor or '(start)'}"[:255],
        file_sha256=page.body_sha256,
        actor=actor,
        organisation_id=organisation_id,
        channel=Channel.JOB,
    )


def advance_cursor(
    session: Session,
    feed: str,
    *,
    from_version: int,
    cursor: str | None,
    events: int,
    now: datetime,
) -> None:
    if not repository.move(
        session, feed, from_version=from_version, cursor=cursor, events=events, now=now
    ):
        raise CursorMovedError(f"the cursor of feed {feed!r} was moved by another poll")


def record_poll(session: Session, feed: str, *, ok: bool, error: str | None, now: datetime) -> None:
    repository.record_poll(
        session, feed, ok=ok, error=None if error is None else error[:500], now=now
    )
