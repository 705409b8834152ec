"""Persons and their links to source records.

Nothing here holds personal data in clear: the identity lives encrypted in
``source_record.person``; these tables hold ids, statuses, link evidence (levels and scores,
never values) and blind indexes (HMAC) of the normalised values used for matching.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Table,
    Uuid,
)
from sqlmodel import Field, SQLModel

from hub.ingest.models import SourceRecordRow
from hub.models_base import UTCDateTime, new_id, utcnow


class PersonStatus(StrEnum):
    ACTIVE = "active"
    """The person has records (or is a fresh person of a single record)."""
    MERGED = "merged"
    """Merged into ``merged_into_id`` (manually, or when new evidence joined two persons)."""
    RETIRED = "retired"
    """No record is linked any more (records moved, or erased)."""


class Person(SQLModel, table=True):
    """A young person as the hub knows them: the cluster of their source records."""

    __tablename__ = "person"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    status: PersonStatus = Field(
        default=PersonStatus.ACTIVE, sa_column=Column(String(16), nullable=False, index=True)
    )
    merged_into_id: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(Uuid(), ForeignKey("person.id", ondelete="SET NULL"), nullable=True),
    )
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class PersonLink(SQLModel, table=True):
    """Which person a source record belongs to, and why."""

    __tablename__ = "person_link"

    source_record_id: uuid.UUID = Field(
        sa_column=Column(
            Uuid(), ForeignKey("source_record.id", ondelete="CASCADE"), primary_key=True
        )
    )
    person_id: uuid.UUID = Field(
        sa_column=Column(
            Uuid(), ForeignKey("person.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    manual: bool = Field(default=False, sa_column=Column(Boolean(), nullable=False))
    """Set by a correction (merge, detach): automatic linking never moves it."""
    rules_version: str = Field(sa_column=Column(String(40), nullable=False))
    evidence: dict[str, Any] = Field(sa_column=Column(JSON(), nullable=False))
    """Rule, score, comparison levels, blocking key kinds, the record matched: no values."""
    linked_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class PersonMatchKey(SQLModel, table=True):
    """A blocking / deterministic key of a record, as a blind index (HMAC) only."""

    __tablename__ = "person_match_key"
    # On SQLite the clustered primary key is the only copy of the row (no rowid table).
    __table_args__ = (
        Index("ix_person_match_key_source_record_id", "source_record_id"),
        {"sqlite_with_rowid": False},
    )

    value: str = Field(sa_column=Column(String(64), primary_key=True))
    """``crypto.blind.index("person-match:<kind>", normalised value)``."""
    source_record_id: uuid.UUID = Field(
        sa_column=Column(
            Uuid(), ForeignKey("source_record.id", ondelete="CASCADE"), primary_key=True
        )
    )
    kind: str = Field(sa_column=Column(String(16), nullable=False))


class CorrectionKind(StrEnum):
    MERGE = "merge"
    DETACH = "detach"


class PersonCorrection(SQLModel, table=True):
    """A manual correction by the coordinator or the DPO (kept as history)."""

    __tablename__ = "person_correction"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    kind: CorrectionKind = Field(sa_column=Column(String(16), nullable=False))
    person_id: uuid.UUID = Field(
        sa_column=Column(Uuid(), ForeignKey("person.id", ondelete="CASCADE"), nullable=False)
    )
    """Merge: the person kept. Detach: the person the record left."""
    other_person_id: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(Uuid(), ForeignKey("person.id", ondelete="SET NULL"), nullable=True),
    )
    """Merge: the person merged into ``person_id``. Detach: the new person of the record."""
    source_record_id: uuid.UUID | None = Field(
        default=None,
        sa_column=Column(
            Uuid(), ForeignKey("source_record.id", ondelete="SET NULL"), nullable=True
        ),
    )
    actor: str = Field(sa_column=Column(String(200), nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class ConstraintKind(StrEnum):
    MUST_LINK = "must_link"
    CANNOT_LINK = "cannot_link"


class PersonConstraint(SQLModel, table=True):
    """What corrections impose on every later linking: two records are (or are not) the same
    person. ``record_a < record_b``."""

    __tablename__ = "person_constraint"
    __table_args__ = (
        Index("ix_person_constraint_record_a", "record_a"),
        Index("ix_person_constraint_record_b", "record_b"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    kind: ConstraintKind = Field(sa_column=Column(String(16), nullable=False))
    record_a: uuid.UUID = Field(
        sa_column=Column(Uuid(), ForeignKey("source_record.id", ondelete="CASCADE"), nullable=False)
    )
    record_b: uuid.UUID = Field(
        sa_column=Column(Uuid(), ForeignKey("source_record.id", ondelete="CASCADE"), nullable=False)
    )
    correction_id: uuid.UUID = Field(
        sa_column=Column(
            Uuid(), ForeignKey("person_correction.id", ondelete="CASCADE"), nullable=False
        )
    )
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


def _source_record_person_fk() -> None:
    # ``source_record.person_id`` belongs to ingest's table; the foreign key to ``person`` is
    # this domain's (migration 0004_persons). Declared here so the metadata matches it.
    table = SourceRecordRow.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    if not any(
        isinstance(c, ForeignKeyConstraint) and c.column_keys == ["person_id"]
        for c in table.constraints
    ):
        table.append_constraint(
            ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="SET NULL")
        )


_source_record_person_fk()

# Every process that loads the tables (API, CLI, jobs, tests) links imported records.
import hub.persons.hooks  # noqa: E402, F401
