"""Import runs, stored source records and quarantined rows.

Personal data (the person, the follow-up details and attributes, a quarantined row as read)
is stored only encrypted (``hub.crypto``, bound to table/row/column). The clear columns of
``source_record`` are non-identifying facts used for routing and indicators.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlmodel import Field, SQLModel

import hub.organisations.models  # noqa: F401  (import_run.organisation_id refers to its table)
from hub.crypto.registry import EncryptedTable, register_encrypted
from hub.models_base import UTCDateTime, new_id, utcnow


class ImportStatus(StrEnum):
    COMPLETED = "completed"
    """Every row was stored or quarantined (the only state other sessions can see: a run is
    written in the import's own transaction)."""
    RUNNING = "running"
    """Inside the import's transaction only."""


class ImportRun(SQLModel, table=True):
    """One file (or feed page) imported for one source."""

    __tablename__ = "import_run"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    source: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    file_name: str = Field(sa_column=Column(String(255), nullable=False))
    file_sha256: str = Field(sa_column=Column(String(64), nullable=False))
    actor: str = Field(sa_column=Column(String(200), nullable=False))
    """Who ran it: the API client id, or the CLI's ``--actor``."""
    organisation_id: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(Uuid(), ForeignKey("organisation.id"), nullable=True, index=True),
    )
    started_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    status: str = Field(
        default=ImportStatus.RUNNING.value, sa_column=Column(String(16), nullable=False)
    )
    rows: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    created: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    updated: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    unchanged: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    quarantined: int = Field(default=0, sa_column=Column(Integer, nullable=False))


class SourceRecordRow(SQLModel, table=True):
    """A source record as stored: keyed by ``(source, source_record_id)``."""

    __tablename__ = "source_record"
    __table_args__ = (UniqueConstraint("source", "source_record_id"),)

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    source: str = Field(sa_column=Column(String(64), nullable=False))
    source_record_id: str = Field(sa_column=Column(String(128), nullable=False))
    schema_version: str = Field(sa_column=Column(String(16), nullable=False))
    person: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    """ENCRYPTED JSON: the ``schemas.v1.Person``."""
    details: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    """ENCRYPTED JSON: ``{"follow_up", "attributes", "recorded_on"}``."""
    fingerprint: str = Field(sa_column=Column(String(64), nullable=False))
    """Blind index (keyed HMAC) of the canonical record without ``received_at``: equal
    fingerprints mean an unchanged record; it reveals nothing without the hub's key."""
    needs: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    flags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    commune_insee: str | None = Field(default=None, sa_column=Column(String(5), index=True))
    sex: str | None = Field(default=None, sa_column=Column(String(1)))
    birth_year: int | None = Field(default=None, sa_column=Column(SmallInteger))
    lives_in_qpv: bool | None = Field(default=None, sa_column=Column(Boolean))
    known_to_mission_locale: bool | None = Field(default=None, sa_column=Column(Boolean))
    recorded_on: date | None = Field(default=None, sa_column=Column(Date))
    received_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    """When the hub last received the record (the last import that contained it)."""
    first_import_id: uuid.UUID = Field(
        sa_column=Column(Uuid(), ForeignKey("import_run.id"), nullable=False, index=True)
    )
    last_import_id: uuid.UUID = Field(
        sa_column=Column(Uuid(), ForeignKey("import_run.id"), nullable=False, index=True)
    )
    """The last import whose file contained the record (changed or not)."""
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    """When the content last changed (created or updated)."""
    person_id: uuid.UUID | None = Field(default=None, sa_column=Column(Uuid(), index=True))
    """The resolved person (identity resolution sets it; its migration adds the foreign key)."""


class QuarantinedRow(SQLModel, table=True):
    """A row that could not be used, kept (encrypted) with its reason for review."""

    __tablename__ = "quarantined_row"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    import_id: uuid.UUID = Field(
        sa_column=Column(
            Uuid(), ForeignKey("import_run.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    row: int = Field(sa_column=Column(Integer, nullable=False))
    column: str | None = Field(default=None, sa_column=Column(String(200)))
    reason: str = Field(sa_column=Column(String(1000), nullable=False))
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    """ENCRYPTED JSON: the row as read, ``{header: cell}``."""
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True)
    )


register_encrypted(
    EncryptedTable(table="source_record", key_column="id", columns=("person", "details"))
)
register_encrypted(EncryptedTable(table="quarantined_row", key_column="id", columns=("raw",)))
