"""Referral tables (persistence only): referrals, their history, the matches feed, the
idempotency keys of intake and the notifications outbox."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlmodel import Field, SQLModel

from hub.crypto.registry import EncryptedTable, register_encrypted
from hub.models_base import UTCDateTime, new_id, utcnow


class Referral(SQLModel, table=True):
    """A young person sent to an organisation: a FHIR Task of a closed-loop referral.

    ``person`` is the ciphertext of the schema v1 person as the sender gave it (or as the
    imported record held it): what the recipient receives when a lawful basis allows.
    ``routing`` is the explained decision (rules fired, facts read, services considered);
    it holds no identity.
    """

    __tablename__ = "referral"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    person_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("person.id"), nullable=False, index=True)
    )
    source: str = Field(sa_column=Column(String(32), nullable=False))
    source_record_id: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(ForeignKey("source_record.id", ondelete="SET NULL"), unique=True),
    )
    """The imported record the referral came from (None for referrals sent to the API)."""
    sender_organisation_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(ForeignKey("organisation.id"), index=True)
    )
    sender_client_id: str | None = Field(default=None, sa_column=Column(String(64)))
    recipient_organisation_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(ForeignKey("organisation.id"), index=True)
    )
    service_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(ForeignKey("directory_service.id"), index=True)
    )
    status: str = Field(sa_column=Column(String(16), nullable=False, index=True))
    routing_state: str = Field(sa_column=Column(String(20), nullable=False))
    priority: str = Field(sa_column=Column(String(8), nullable=False))
    outcome: str | None = Field(default=None, sa_column=Column(String(32)))
    needs: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    peer_code: str | None = Field(default=None, sa_column=Column(String(64), index=True))
    person: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    routing: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    due_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    overdue_flagged_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class ReferralEvent(SQLModel, table=True):
    """One step of a referral's history (creation included). Append-only."""

    __tablename__ = "referral_event"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    referral_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("referral.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    from_status: str | None = Field(default=None, sa_column=Column(String(16)))
    to_status: str = Field(sa_column=Column(String(16), nullable=False))
    reason: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    outcome: str | None = Field(default=None, sa_column=Column(String(32)))
    actor_organisation_id: uuid.UUID | None = Field(default=None, sa_column=Column(Uuid()))
    actor_client_id: str | None = Field(default=None, sa_column=Column(String(64)))
    occurred_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class ReferralMatch(SQLModel, table=True):
    """A referral as an item of its recipient's matches feed.

    The feed is ordered by ``available_at``: reading an item leases it (``available_at`` moves
    to the end of the visibility timeout), acknowledging it removes it for good; an item
    unacknowledged at the end of its lease comes back. While ``awaiting_consent`` the item
    is not in the feed at all.
    """

    __tablename__ = "referral_match"
    __table_args__ = (Index("ix_referral_match_feed", "organisation_id", "available_at"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    referral_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("referral.id", ondelete="CASCADE"), nullable=False, unique=True)
    )
    organisation_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("organisation.id"), nullable=False)
    )
    awaiting_consent: bool = Field(default=False)
    available_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    released_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    consent_checked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    delivered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    delivery_count: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    acked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class ReferralIdempotencyKey(SQLModel, table=True):
    """An ``Idempotency-Key`` of ``POST /v1/referrals``, per client, with the response given.

    ``request_digest`` is a keyed hash (blind index) of the body: the body itself carries
    personal data and is not kept here. The stored response has none.
    """

    __tablename__ = "referral_idempotency_key"
    __table_args__ = (UniqueConstraint("client_id", "key"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    client_id: str = Field(sa_column=Column(String(64), nullable=False))
    key: str = Field(sa_column=Column(String(200), nullable=False))
    request_digest: str = Field(sa_column=Column(String(64), nullable=False))
    status_code: int = Field(sa_column=Column(Integer, nullable=False))
    response: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


class OutboxEvent(SQLModel, table=True):
    """A notification to an organisation, written in the transaction of the change.

    ``payload`` never holds personal data: ids, statuses, codes. Organisations pull them
    (``GET /v1/events``, leased and acknowledged like the matches feed).
    """

    __tablename__ = "outbox_event"
    __table_args__ = (Index("ix_outbox_event_feed", "organisation_id", "available_at"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    organisation_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("organisation.id"), nullable=False)
    )
    event_type: str = Field(sa_column=Column(String(64), nullable=False))
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    available_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    delivered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    delivery_count: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    acked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class SourceRecordRouting(SQLModel, table=True):
    """What routing decided for an imported source record, so that each is considered once.

    ``outcome``: ``referred`` (a referral was opened: ``referral_id``), ``already_referred``
    (the person has an open routed referral), ``held`` or ``unrouted`` (``decision`` says
    why). No personal data: ids, codes and the explained decision.
    """

    __tablename__ = "source_record_routing"

    source_record_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("source_record.id", ondelete="CASCADE"), primary_key=True)
    )
    person_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("person.id"), nullable=False, index=True)
    )
    outcome: str = Field(sa_column=Column(String(20), nullable=False))
    referral_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(ForeignKey("referral.id", ondelete="SET NULL"))
    )
    decision: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    decided_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class WebhookEndpoint(SQLModel, table=True):
    """An organisation's HTTPS endpoint receiving its outbox events, signed with ``secret``
    (Standard Webhooks: HMAC-SHA256 over id, timestamp and body). The secret is stored
    encrypted; it is shown once, at registration."""

    __tablename__ = "webhook_endpoint"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    organisation_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("organisation.id"), nullable=False, index=True)
    )
    url: str = Field(sa_column=Column(String(500), nullable=False))
    secret: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    event_types: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    """Event types delivered; empty: all."""
    active: bool = Field(default=True)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    disabled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class WebhookDelivery(SQLModel, table=True):
    """One outbox event to deliver to one endpoint, with its delivery state."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("event_id", "endpoint_id"),
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    event_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("outbox_event.id", ondelete="CASCADE"), nullable=False)
    )
    endpoint_id: uuid.UUID = Field(
        sa_column=Column(
            ForeignKey("webhook_endpoint.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    status: str = Field(sa_column=Column(String(16), nullable=False))
    """``pending`` (to try at ``next_attempt_at``), ``delivered`` or ``failed`` (gave up)."""
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    next_attempt_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    last_attempt_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    last_status_code: int | None = Field(default=None, sa_column=Column(Integer))
    last_error: str | None = Field(default=None, sa_column=Column(String(200)))
    delivered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


register_encrypted(EncryptedTable(table="referral", key_column="id", columns=("person",)))
register_encrypted(EncryptedTable(table="referral_event", key_column="id", columns=("reason",)))
register_encrypted(EncryptedTable(table="webhook_endpoint", key_column="id", columns=("secret",)))
