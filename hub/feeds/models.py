"""Where each pull feed stands."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Integer, String
from sqlmodel import Field, SQLModel

from hub.models_base import UTCDateTime, utcnow


class FeedCursor(SQLModel, table=True):
    """The position of the hub in one feed. Every event before ``cursor`` is stored and
    acknowledged; the cursor moves only after both (see hub/feeds/jobs.py)."""

    __tablename__ = "feed_cursor"

    feed: str = Field(sa_column=Column(String(64), primary_key=True))
    cursor: str | None = Field(default=None, sa_column=Column(String(512)))
    """Opaque position given by the feed (``next_cursor``); ``None``: from the beginning."""
    version: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    """Bumped at each move: a poller moves the cursor only from the version it read."""
    events_consumed: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    last_poll_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    last_poll_ok: bool | None = Field(default=None)
    last_error: str | None = Field(default=None, sa_column=Column(String(500)))
    """Summary of the last failure: statuses and counts, never personal data."""
