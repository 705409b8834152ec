"""Consent and data-protection tables (persistence only).

Person ids are plain uuid columns without a foreign key to ``person``: the consent registry
and the audit log must outlive an erased person (they hold no personal data in clear), and
the person store belongs to the identity-resolution domain.

Append-only tables: ``consent_event`` and ``audit_event`` are only ever inserted into. Two
documented exceptions: erasure (and the consent-proof retention rule) blank the *encrypted
free text* of consent events (``collected_by``, ``evidence``) and set ``redacted_at``; the
audit-log retention rule deletes the oldest entries and moves the chain anchor.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Uuid,
)
from sqlmodel import Field, SQLModel

from hub.crypto.registry import EncryptedTable, register_encrypted
from hub.models_base import UTCDateTime, new_id, utcnow


def _when(nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def _text(length: int, nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_column=Column(String(length), nullable=nullable, index=index))


def _secret() -> Any:
    return Field(default=None, sa_column=Column(LargeBinary(), nullable=True))


def _json(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(JSON(), nullable=nullable))


class ConsentEvent(SQLModel, table=True):
    """One grant or withdrawal. A consent is its grant event (``consent_id == id``) plus the
    withdrawal events that point at it; its state is derived, never stored."""

    __tablename__ = "consent_event"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    consent_id: uuid.UUID = Field(index=True)
    event: str = _text(16)
    person_id: uuid.UUID = Field(index=True)
    purpose: str = _text(32)
    recipient_organisation_id: uuid.UUID | None = Field(default=None, index=True)
    recipient_kind: str | None = _text(32, nullable=True)
    lawful_basis: str = _text(32)
    notice_version: str = _text(64)
    collection_method: str = _text(32)
    collected_by_organisation_id: uuid.UUID | None = Field(default=None, index=True)
    collected_by: bytes | None = _secret()
    evidence: bytes | None = _secret()
    valid_from: datetime = _when()
    valid_until: datetime | None = _when(nullable=True)
    occurred_at: datetime = _when()
    recorded_at: datetime = _when()
    recorded_by_client_id: str = _text(200)
    redacted_at: datetime | None = _when(nullable=True)


class AuditEvent(SQLModel, table=True):
    """An append-only, hash-chained entry: who did what to whose data, never the data."""

    __tablename__ = "audit_event"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    seq: int = Field(sa_column=Column(BigInteger(), nullable=False, unique=True))
    occurred_at: datetime = _when(index=True)
    channel: str = _text(16)
    actor_client_id: str = _text(200)
    actor_organisation_id: uuid.UUID | None = Field(default=None)
    action: str = _text(32)
    person_id: uuid.UUID | None = Field(default=None, index=True)
    purpose: str | None = _text(32, nullable=True)
    fields: list[str] | None = _json()
    recipient_organisation_id: uuid.UUID | None = Field(default=None, index=True)
    recipient_kind: str | None = _text(32, nullable=True)
    decision: str | None = _text(16, nullable=True)
    reason: str | None = _text(64, nullable=True)
    lawful_basis: str | None = _text(32, nullable=True)
    reference: str | None = _text(64, nullable=True)
    prev_hash: str = _text(64)
    hash: str = _text(64)


class AuditChainHead(SQLModel, table=True):
    """The chain's single head row: the last entry, and where the retained chain starts.

    Appending updates this row first, so concurrent appends queue on its row lock."""

    __tablename__ = "audit_chain_head"

    id: int = Field(sa_column=Column(Integer(), primary_key=True, autoincrement=False))
    last_seq: int = Field(sa_column=Column(BigInteger(), nullable=False))
    last_hash: str = _text(64)
    anchor_seq: int = Field(sa_column=Column(BigInteger(), nullable=False))
    """Sequence number of the first retained entry."""
    anchor_hash: str = _text(64)
    """``prev_hash`` the first retained entry must carry."""


class RightsRequest(SQLModel, table=True):
    __tablename__ = "rights_request"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    person_id: uuid.UUID = Field(index=True)
    kind: str = _text(32)
    status: str = _text(16, index=True)
    received_on: date = Field(sa_column=Column(Date(), nullable=False))
    due_on: date = Field(sa_column=Column(Date(), nullable=False, index=True))
    extended_months: int = Field(default=0)
    extension_reason: bytes | None = _secret()
    details: bytes | None = _secret()
    rectification: bytes | None = _secret()
    purposes: list[str] | None = _json()
    created_at: datetime = _when()
    created_by_client_id: str = _text(200)
    completed_at: datetime | None = _when(nullable=True)
    completed_by_client_id: str | None = _text(200, nullable=True)
    completion_note: bytes | None = _secret()
    completion_summary: dict[str, Any] | None = _json()


class ProcessingRestriction(SQLModel, table=True):
    """A person's data must not be released (Art. 18 restriction or Art. 21 objection)."""

    __tablename__ = "processing_restriction"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    person_id: uuid.UUID = Field(index=True)
    kind: str = _text(16)
    purposes: list[str] | None = _json()
    """Purposes covered; null means every purpose."""
    request_id: uuid.UUID | None = Field(default=None, foreign_key="rights_request.id")
    started_at: datetime = _when()
    lifted_at: datetime | None = _when(nullable=True)
    lift_reason: bytes | None = _secret()


class ErasureTombstone(SQLModel, table=True):
    """What remains of an erased person: ids, dates and counts, never personal data."""

    __tablename__ = "erasure_tombstone"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    person_id: uuid.UUID = Field(sa_column=Column(Uuid(), nullable=False, unique=True))
    request_id: uuid.UUID | None = Field(default=None, foreign_key="rights_request.id")
    erased_at: datetime = _when()
    counts: dict[str, int] | None = _json()


class ErasedSourceKey(SQLModel, table=True):
    """Blind index of an erased ``(source, source_record_id)``: recognises a re-import."""

    __tablename__ = "erased_source_key"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tombstone_id: uuid.UUID = Field(
        sa_column=Column(
            Uuid(), ForeignKey("erasure_tombstone.id", ondelete="CASCADE"), nullable=False
        )
    )
    key: str = _text(64, index=True)


class ReimportFlag(SQLModel, table=True):
    """An imported record matched an erased person's source key: the DPO decides."""

    __tablename__ = "reimport_flag"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    tombstone_id: uuid.UUID = Field(
        sa_column=Column(
            Uuid(), ForeignKey("erasure_tombstone.id", ondelete="CASCADE"), nullable=False
        )
    )
    source_record_id: uuid.UUID = Field(index=True)
    person_id: uuid.UUID | None = Field(default=None, index=True)
    detected_at: datetime = _when()
    status: str = _text(16, index=True)
    resolved_at: datetime | None = _when(nullable=True)
    resolved_by_client_id: str | None = _text(200, nullable=True)
    resolution: str | None = _text(32, nullable=True)


class RecipientNotification(SQLModel, table=True):
    """Art. 19: a recipient of a person's data is told of a rectification, erasure or
    restriction, and acknowledges it."""

    __tablename__ = "recipient_notification"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    request_id: uuid.UUID = Field(foreign_key="rights_request.id", index=True)
    person_id: uuid.UUID = Field()
    recipient_organisation_id: uuid.UUID = Field(index=True)
    kind: str = _text(32)
    fields: list[str] | None = _json()
    created_at: datetime = _when()
    acknowledged_at: datetime | None = _when(nullable=True)
    acknowledged_by_client_id: str | None = _text(200, nullable=True)


class RetentionProof(SQLModel, table=True):
    """What one retention rule purged in one run: rule, cutoff, count, date."""

    __tablename__ = "retention_proof"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    run_id: uuid.UUID = Field(index=True)
    ran_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    rule: str = _text(64)
    cutoff: str = _text(200)
    purged: int = Field(default=0)
    details: dict[str, int] | None = _json()


register_encrypted(
    EncryptedTable(table="consent_event", key_column="id", columns=("collected_by", "evidence"))
)
register_encrypted(
    EncryptedTable(
        table="rights_request",
        key_column="id",
        columns=("extension_reason", "details", "rectification", "completion_note"),
    )
)
register_encrypted(
    EncryptedTable(table="processing_restriction", key_column="id", columns=("lift_reason",))
)
