"""Webhooks: outbox events pushed to the organisations' endpoints, signed, retried.

- An organisation registers an endpoint (``POST /v1/webhooks``); the secret is shown once.
- :func:`hub.referrals.outbox.enqueue` queues one delivery per matching active endpoint, in
  the transaction of the change (transactional outbox).
- The ``webhooks-deliver`` job posts due deliveries, signed the Standard Webhooks way:
  ``webhook-id`` (the event id), ``webhook-timestamp`` (Unix seconds) and
  ``webhook-signature: v1,<base64 HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>``.
  A 2xx answer delivers; anything else is retried with exponential backoff
  (``RETRY_BASE`` doubled each time, at most ``RETRY_MAX``), ``MAX_ATTEMPTS`` times, then the
  delivery is ``failed``. The pull feed (``GET /v1/events``) stays the reference: a failed
  delivery is still there.
- Delivery states are visible: ``GET /v1/webhooks/{id}/deliveries``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from hub.crypto import Crypto
from hub.db import unit_of_work
from hub.errors import UnprocessableError
from hub.models_base import utcnow
from hub.referrals.models import OutboxEvent, WebhookDelivery, WebhookEndpoint

SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks prefix, not a secret
TABLE = "webhook_endpoint"
MAX_ATTEMPTS = 10
RETRY_BASE = timedelta(seconds=30)
RETRY_MAX = timedelta(hours=6)
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
USER_AGENT = "invisibles-hub-webhooks/1"


class Status:
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


# -- signing ----------------------------------------------------------------------------------


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value for ``body`` (Standard Webhooks, v1)."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """What a receiver does (shown here for partners and tests)."""
    expected = sign(secret, headers["webhook-id"], int(headers["webhook-timestamp"]), body)
    offered = headers.get("webhook-signature", "").split()
    return any(hmac.compare_digest(expected, candidate) for candidate in offered)


# -- endpoints -------------------------------------------------------------------------------


def _check_url(url: str, *, production: bool) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UnprocessableError("the webhook URL must be an absolute http(s) URL")
    if production and parts.scheme != "https":
        raise UnprocessableError("webhook URLs must use https")
    if parts.username or parts.password:
        raise UnprocessableError("the webhook URL must not carry credentials")
    return url


def register(
    session: Session,
    crypto: Crypto,
    organisation_id: uuid.UUID,
    *,
    url: str,
    event_types: Sequence[str],
    production: bool,
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint of ``organisation_id`` and its secret (returned once, stored encrypted)."""
    endpoint_id = uuid.uuid4()
    secret = new_secret()
    endpoint = WebhookEndpoint(
        id=endpoint_id,
        organisation_id=organisation_id,
        url=_check_url(url, production=production),
        secret=crypto.cipher.encrypt(
            secret.encode(), table=TABLE, row_id=str(endpoint_id), field="secret"
        ),
        event_types=sorted(set(event_types)),
    )
    session.add(endpoint)
    session.flush()
    return endpoint, secret


def endpoints_of(session: Session, organisation_id: uuid.UUID) -> Sequence[WebhookEndpoint]:
    return session.exec(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.organisation_id == organisation_id)
        .order_by(col(WebhookEndpoint.created_at), col(WebhookEndpoint.id))
    ).all()


def get_own(
    session: Session, organisation_id: uuid.UUID, endpoint_id: uuid.UUID
) -> WebhookEndpoint | None:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    return (
        endpoint if endpoint is not None and endpoint.organisation_id == organisation_id else None
    )


def disable(session: Session, endpoint: WebhookEndpoint) -> None:
    """Stop delivering to the endpoint; its pending deliveries are given up."""
    now = utcnow()
    endpoint.active = False
    endpoint.disabled_at = now
    session.add(endpoint)
    for delivery in session.exec(
        select(WebhookDelivery).where(
            WebhookDelivery.endpoint_id == endpoint.id,
            WebhookDelivery.status == Status.PENDING,
        )
    ).all():
        delivery.status = Status.FAILED
        delivery.last_error = "endpoint disabled"
        delivery.next_attempt_at = None
        session.add(delivery)
    session.flush()


def deliveries_of(
    session: Session, endpoint_id: uuid.UUID, *, limit: int
) -> Sequence[tuple[WebhookDelivery, OutboxEvent]]:
    return session.exec(
        select(WebhookDelivery, OutboxEvent)
        .join(OutboxEvent, col(OutboxEvent.id) == col(WebhookDelivery.event_id))
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .order_by(col(WebhookDelivery.created_at).desc(), col(WebhookDelivery.id))
        .limit(limit)
    ).all()


def queue_deliveries(session: Session, event: OutboxEvent) -> int:
    """Called by :func:`hub.referrals.outbox.enqueue`, in the same transaction."""
    endpoints = session.exec(
        select(WebhookEndpoint).where(
            WebhookEndpoint.organisation_id == event.organisation_id,
            col(WebhookEndpoint.active).is_(True),
        )
    ).all()
    queued = 0
    for endpoint in endpoints:
        if endpoint.event_types and event.event_type not in endpoint.event_types:
            continue
        session.add(
            WebhookDelivery(
                event_id=event.id,
                endpoint_id=endpoint.id,
                status=Status.PENDING,
                next_attempt_at=event.created_at,
                created_at=event.created_at,
            )
        )
        queued += 1
    return queued


# -- delivery --------------------------------------------------------------------------------


def body_of(event: OutboxEvent) -> bytes:
    return json.dumps(
        {
            "id": str(event.id),
            "type": event.event_type,
            "timestamp": event.created_at.isoformat(),
            "data": event.payload,
        },
        separators=(",", ":"),
        sort_keys=True,
    ).encode()


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after ``attempts`` failed ones: 30 s, 1 min, 2 min... 6 h."""
    delay: timedelta = RETRY_BASE * (2 ** max(attempts - 1, 0))
    return min(delay, RETRY_MAX)


@dataclass
class DeliverySummary:
    attempted: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


@dataclass(frozen=True)
class _Due:
    delivery_id: uuid.UUID
    event_id: uuid.UUID
    url: str
    secret: str
    body: bytes


def _due(session: Session, crypto: Crypto, now: datetime, limit: int) -> list[_Due]:
    rows = session.exec(
        select(WebhookDelivery, WebhookEndpoint, OutboxEvent)
        .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookDelivery.endpoint_id))
        .join(OutboxEvent, col(OutboxEvent.id) == col(WebhookDelivery.event_id))
        .where(
            WebhookDelivery.status == Status.PENDING,
            col(WebhookDelivery.next_attempt_at) <= now,
            col(WebhookEndpoint.active).is_(True),
        )
        .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id))
        .limit(limit)
    ).all()
    return [
        _Due(
            delivery.id,
            event.id,
            endpoint.url,
            crypto.cipher.decrypt(
                endpoint.secret, table=TABLE, row_id=str(endpoint.id), field="secret"
            ).decode(),
            body_of(event),
        )
        for delivery, endpoint, event in rows
    ]


def _post(client: httpx.Client, due: _Due, now: datetime) -> tuple[int | None, str | None]:
    timestamp = int(now.timestamp())
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": str(due.event_id),
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(due.secret, str(due.event_id), timestamp, due.body),
    }
    try:
        response = client.post(due.url, content=due.body, headers=headers)
    except httpx.HTTPError as exc:
        return None, type(exc).__name__
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}"


def deliver_due(
    engine: Engine,
    crypto: Crypto,
    client: httpx.Client,
    *,
    now: datetime | None = None,
    limit: int = 100,
) -> DeliverySummary:
    """Post the due deliveries; HTTP happens outside any transaction, each outcome is
    recorded in a short one of its own."""
    now = now or utcnow()
    with unit_of_work(engine) as session:
        due = _due(session, crypto, now, limit)
    summary = DeliverySummary()
    for item in due:
        status_code, error = _post(client, item, now)
        summary.attempted += 1
        with unit_of_work(engine) as session:
            delivery = session.get(WebhookDelivery, item.delivery_id)
            if delivery is None or delivery.status != Status.PENDING:
                continue
            delivery.attempts += 1
            delivery.last_attempt_at = now
            delivery.last_status_code = status_code
            delivery.last_error = error
            if error is None:
                delivery.status = Status.DELIVERED
                delivery.delivered_at = now
                delivery.next_attempt_at = None
                summary.delivered += 1
            elif delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = Status.FAILED
                delivery.next_attempt_at = None
                summary.failed += 1
            else:
                delivery.next_attempt_at = now + backoff(delivery.attempts)
                summary.retrying += 1
            session.add(delivery)
    return summary
