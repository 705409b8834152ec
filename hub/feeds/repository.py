"""Queries on feed cursors."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from hub.feeds.models import FeedCursor


def get(session: Session, feed: str) -> FeedCursor | None:
    return session.get(FeedCursor, feed)


def list_all(session: Session) -> Sequence[FeedCursor]:
    return session.exec(select(FeedCursor).order_by(col(FeedCursor.feed))).all()


def add(session: Session, cursor: FeedCursor) -> FeedCursor:
    session.add(cursor)
    session.flush()
    return cursor


def move(
    session: Session,
    feed: str,
    *,
    from_version: int,
    cursor: str | None,
    events: int,
    now: datetime,
) -> bool:
    """Move the cursor if nobody moved it since ``from_version``; False otherwise."""
    result = session.execute(
        update(FeedCursor)
        .where(col(FeedCursor.feed) == feed, col(FeedCursor.version) == from_version)
        .values(
            cursor=cursor,
            version=FeedCursor.version + 1,
            events_consumed=FeedCursor.events_consumed + events,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    session.expire_all()
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def record_poll(session: Session, feed: str, *, ok: bool, error: str | None, now: datetime) -> None:
    session.execute(
        update(FeedCursor)
        .where(col(FeedCursor.feed) == feed)
        .values(last_poll_at=now, last_poll_ok=ok, last_error=error)
        .execution_options(synchronize_session=False)
    )
    session.expire_all()
