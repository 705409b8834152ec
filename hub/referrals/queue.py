"""At-least-once pull feeds with explicit acknowledgement (matches feed, events feed).

An item is *visible* when it is unacknowledged and its ``available_at`` has come. Reading
returns visible items in ``(available_at, id)`` order and *leases* them: ``available_at``
moves to ``now + visibility``. An item acknowledged (``POST .../ack``) never comes back; one
not acknowledged before its lease ends comes back on a later read — so a client that
crashes between reading and processing loses nothing.

The cursor is a resume point: a read with a cursor returns the visible items after it, plus
any never-delivered item, whatever its position (an item written by a long transaction may
commit after a reader went past its position; it is still delivered). A client may also
ignore cursors altogether: leased items do not come back before their lease ends.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import Session, col, select

from hub.referrals import cursors


class Leasable(Protocol):
    id: uuid.UUID
    organisation_id: uuid.UUID
    available_at: datetime
    delivered_at: datetime | None
    delivery_count: int
    acked_at: datetime | None


T = TypeVar("T", bound=Leasable)


def lease(
    session: Session,
    model: type[T],
    *,
    organisation_id: uuid.UUID,
    cursor: str | None,
    limit: int,
    visibility: timedelta,
    now: datetime,
    where: Sequence[ColumnElement[bool]] = (),
) -> tuple[list[tuple[T, datetime]], str | None]:
    """Lease up to ``limit`` visible items of ``organisation_id`` and return them with their
    position before the lease, and the next cursor (the given one when nothing was read)."""
    m: Any = model
    query = select(model).where(
        col(m.organisation_id) == organisation_id,
        col(m.acked_at).is_(None),
        col(m.available_at) <= now,
        *where,
    )
    if cursor:
        position, last_id = cursors.decode(cursor)
        query = query.where(
            or_(
                col(m.delivery_count) == 0,
                col(m.available_at) > position,
                and_(col(m.available_at) == position, col(m.id) > last_id),
            )
        )
    query = (
        query.order_by(col(m.available_at), col(m.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    items = list(session.exec(query).all())
    leased: list[tuple[T, datetime]] = []
    for item in items:
        leased.append((item, item.available_at))
        item.delivered_at = now
        item.delivery_count += 1
        item.available_at = now + visibility
        session.add(item)
    session.flush()
    if not leased:
        return leased, cursor
    item, position = max(leased, key=lambda pair: (pair[1], pair[0].id))
    return leased, cursors.encode(position, item.id)


def acknowledge(
    session: Session,
    model: type[T],
    *,
    organisation_id: uuid.UUID,
    ids: Sequence[uuid.UUID],
    now: datetime,
) -> tuple[int, list[uuid.UUID]]:
    """Acknowledge ``ids``: how many were newly acknowledged, and the ids that are not the
    organisation's items (never said whether they exist)."""
    m: Any = model
    wanted = list(dict.fromkeys(ids))
    found = {
        item.id: item
        for item in session.exec(
            select(model).where(col(m.organisation_id) == organisation_id, col(m.id).in_(wanted))
        ).all()
    }
    acknowledged = 0
    for item in found.values():
        if item.acked_at is None:
            item.acked_at = now
            session.add(item)
            acknowledged += 1
    session.flush()
    return acknowledged, [item_id for item_id in wanted if item_id not in found]
