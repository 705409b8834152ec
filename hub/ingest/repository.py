"""Queries of the ingest tables. Bulk paths use SQLAlchemy Core executemany on the session's
connection (same transaction), never the ORM unit of work: an import writes 100,000 rows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlmodel
from sqlalchemy import ColumnElement, String, Table, Uuid, any_, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeEngine
from sqlmodel import Session, col

from hub.ingest.models import ImportRun, QuarantinedRow, SourceRecordRow

RECORD: Table = SourceRecordRow.__table__  # type: ignore[attr-defined]
QUARANTINE: Table = QuarantinedRow.__table__  # type: ignore[attr-defined]

UPDATABLE_COLUMNS = (
    "schema_version",
    "person",
    "details",
    "fingerprint",
    "needs",
    "flags",
    "commune_insee",
    "sex",
    "birth_year",
    "lives_in_qpv",
    "known_to_mission_locale",
    "recorded_on",
    "received_at",
    "last_import_id",
    "updated_at",
)
"""What an update of a changed record rewrites (never its key, creation or person link)."""


def add_run(session: Session, run: ImportRun) -> ImportRun:
    session.add(run)
    session.flush()
    return run


def get_run(session: Session, import_id: uuid.UUID) -> ImportRun | None:
    return session.get(ImportRun, import_id)


def quarantined_rows(session: Session, import_id: uuid.UUID) -> Sequence[QuarantinedRow]:
    return session.exec(
        sqlmodel.select(QuarantinedRow)
        .where(col(QuarantinedRow.import_id) == import_id)
        .order_by(col(QuarantinedRow.row))
    ).all()


def existing_records(
    session: Session, source: str, source_record_ids: Sequence[str]
) -> dict[str, tuple[uuid.UUID, str]]:
    """``source_record_id -> (id, fingerprint)`` of the given keys that are already stored."""
    if not source_record_ids:
        return {}
    connection = session.connection()
    rows = connection.execute(
        select(RECORD.c.source_record_id, RECORD.c.id, RECORD.c.fingerprint).where(
            RECORD.c.source == source,
            _among(connection.dialect.name, RECORD.c.source_record_id, source_record_ids, String()),
        )
    )
    return {row[0]: (row[1], row[2]) for row in rows}


def _among(
    dialect: str, column: ColumnElement[Any], values: Sequence[Any], item_type: TypeEngine[Any]
) -> ColumnElement[bool]:
    """``column IN values``. On PostgreSQL, ``= ANY(array)`` with ONE array parameter: psycopg
    prepares repeated statements, and the generic plan of a 1,000-parameter IN list does not
    use the second column of the (source, source_record_id) index (a filter on every row of
    the source: quadratic imports)."""
    if dialect == "postgresql":
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(item_type)))
    return column.in_(list(values))


def insert_records(session: Session, values: list[dict[str, Any]]) -> None:
    if values:
        session.connection().execute(insert(RECORD), values)


def update_records(session: Session, values: list[dict[str, Any]]) -> None:
    """Rewrite changed records; each item holds ``record_id`` and :data:`UPDATABLE_COLUMNS`."""
    if not values:
        return
    statement = (
        update(RECORD)
        .where(RECORD.c.id == bindparam("record_id"))
        .values({name: bindparam(name) for name in UPDATABLE_COLUMNS})
    )
    session.connection().execute(statement, values)


def mark_seen(
    session: Session,
    record_ids: Sequence[uuid.UUID],
    *,
    import_id: uuid.UUID,
    received_at: datetime,
) -> None:
    """Unchanged records found again: they were last received by this import."""
    if record_ids:
        connection = session.connection()
        connection.execute(
            update(RECORD)
            .where(_among(connection.dialect.name, RECORD.c.id, record_ids, Uuid()))
            .values(last_import_id=import_id, received_at=received_at)
        )


def insert_quarantined(session: Session, values: list[dict[str, Any]]) -> None:
    if values:
        session.connection().execute(insert(QUARANTINE), values)
