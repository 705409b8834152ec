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
    person_id: uuid.UUID = Field(sa_column=Column(Uuid(), nullable=False, index=True))
    source: str = Field(sa_column=Column(String(32), nullable=False))
    source_record_id: uuid.UUID | None = Field(default=None, sa_column=Column(Uuid(), unique=True))
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


register_encrypted(EncryptedTable(table="referral", key_column="id", columns=("person",)))
register_encrypted(EncryptedTable(table="referral_event", key_column="id", columns=("reason",)))
