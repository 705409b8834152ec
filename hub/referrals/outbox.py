"""The notifications outbox: events for organisations, written in the transaction of the
change they describe, read back as a pull feed (``GET /v1/events``).

Delivery is at least once with explicit acknowledgement (:mod:`hub.referrals.queue`):
readers dedupe by event id. Generic on purpose: the consent domain enqueues its Art. 19
notices and withdrawals here. Payloads never carry personal data (ids, statuses, codes
only): :func:`enqueue` refuses the keys of schema v1 identity fields as a guard.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from hub.models_base import utcnow
from hub.referrals import queue, webhooks
from hub.referrals.models import OutboxEvent

_PERSONAL_KEYS = frozenset(
    {
        "person",
        "family_name",
        "usage_name",
        "given_names",
        "birth_date",
        "phones",
        "emails",
        "address",
        "ine",
        "name",
        "email",
        "phone",
    }
)


class PersonalDataInPayloadError(ValueError):
    """An outbox payload carried a key that names personal data."""


def _check_payload(payload: Mapping[str, Any], path: str = "") -> None:
    for key, value in payload.items():
        if key in _PERSONAL_KEYS:
            raise PersonalDataInPayloadError(
                f"outbox payloads carry no personal data ({path}{key})"
            )
        if isinstance(value, Mapping):
            _check_payload(value, f"{path}{key}.")


def enqueue(
    session: Session,
    organisation_id: uuid.UUID,
    event_type: str,
    payload_without_personal_data: Mapping[str, Any],
    *,
    now: datetime | None = None,
) -> OutboxEvent:
    """Queue ``event_type`` for ``organisation_id`` in the caller's transaction."""
    _check_payload(payload_without_personal_data)
    now = now or utcnow()
    event = OutboxEvent(
        organisation_id=organisation_id,
        event_type=event_type,
        payload=dict(payload_without_personal_data),
        created_at=now,
        available_at=now,
    )
    session.add(event)
    session.flush()
    webhooks.queue_deliveries(session, event)
    session.flush()
    return event


def read(
    session: Session,
    organisation_id: uuid.UUID,
    *,
    cursor: str | None,
    limit: int,
    visibility: timedelta,
    now: datetime | None = None,
) -> tuple[list[OutboxEvent], str | None]:
    """Lease a page of ``organisation_id``'s events (see :mod:`hub.referrals.queue`)."""
    leased, next_cursor = queue.lease(
        session,
        OutboxEvent,
        organisation_id=organisation_id,
        cursor=cursor,
        limit=limit,
        visibility=visibility,
        now=now or utcnow(),
    )
    return [event for event, _ in leased], next_cursor


def acknowledge(
    session: Session,
    organisation_id: uuid.UUID,
    ids: Sequence[uuid.UUID],
    *,
    now: datetime | None = None,
) -> tuple[int, list[uuid.UUID]]:
    return queue.acknowledge(
        session, OutboxEvent, organisation_id=organisation_id, ids=ids, now=now or utcnow()
    )
