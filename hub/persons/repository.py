"""Queries of the persons domain (persons, links, match keys, corrections).

Bulk paths (an import links tens of thousands of records) use Core statements in chunks;
``IN`` lists are chunked to stay far below every engine's parameter limit.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Table, Uuid, bindparam, delete, func, or_, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlmodel import Session, col

from hub.ingest.models import SourceRecordRow
from hub.models_base import utcnow
from hub.persons.models import (
    Person,
    PersonConstraint,
    PersonCorrection,
    PersonLink,
    PersonMatchKey,
    PersonStatus,
)

CHUNK = 2_000
WRITE_CHUNK = 5_000
SQLITE_CACHE_KIB = 65_536

T = TypeVar("T")


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _processor(column_type: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    process: Callable[[Any], Any] | None = column_type.dialect_impl(dialect).bind_processor(dialect)
    if process is None or not isinstance(column_type, Uuid):
        return process
    # The same record id (the same object) recurs on every key row of the record: convert it
    # once. Keyed by identity: hashing a UUID is slow, and the objects outlive the call.
    converted: dict[int, Any] = {}

    def cached(value: Any) -> Any:
        found = converted.get(id(value))
        if found is None:
            found = converted[id(value)] = process(value)
        return found

    return cached


def bulk_insert(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]] | Sequence[tuple[Any, ...]],
    columns: Sequence[str] | None = None,
) -> None:
    """Insert many rows fast, in the session's transaction: ``COPY`` on PostgreSQL (psycopg),
    the driver's ``executemany`` elsewhere. Values go through the columns' own bind
    processing (UUIDs, JSON, aware datetimes), as with a Core insert. Rows are dicts, or
    tuples in the order of ``columns``.

    A Core ``insert`` spends most of its time building parameters in Python; linking an
    import writes hundreds of thousands of key rows.
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name == "sqlite":
        # The default page cache (2 MB) thrashes on tables of a few hundred thousand rows.
        connection.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    first = rows[0]
    names = list(first) if isinstance(first, dict) else list(columns or ())
    tuples: Sequence[tuple[Any, ...]] = (
        [tuple(row[name] for name in names) for row in rows]  # type: ignore[call-overload]
        if isinstance(first, dict)
        else rows  # type: ignore[assignment]
    )
    processors = [_processor(table.c[name].type, dialect) for name in names]
    if any(processors):
        # Column by column: map() and zip() run in C, a generator per row would not.
        columns_data = [
            list(values) if process is None else list(map(process, values))
            for values, process in zip(zip(*tuples, strict=True), processors, strict=True)
        ]
        data: Sequence[tuple[Any, ...]] = list(zip(*columns_data, strict=True))
    else:
        data = tuples
    preparer = dialect.identifier_preparer
    target = preparer.format_table(table)
    column_list = ", ".join(preparer.quote(name) for name in names)
    dbapi_connection = connection.connection
    cursor = dbapi_connection.cursor()
    try:
        if dialect.name == "postgresql" and dialect.driver == "psycopg":
            with cursor.copy(f"COPY {target} ({column_list}) FROM STDIN") as copy:
                for values in data:
                    copy.write_row(values)
        else:
            marks = {"qmark": "?", "format": "%s", "numeric": ":{n}"}.get(dialect.paramstyle, "?")
            placeholders = ", ".join(marks.format(n=i + 1) for i in range(len(names)))
            statement = f"INSERT INTO {target} ({column_list}) VALUES ({placeholders})"  # noqa: S608 - identifiers quoted, values bound
            cursor.executemany(statement, data)
    finally:
        cursor.close()


_IDS: BindParameter[Any] = bindparam("ids", expanding=True)
"""An ``IN`` list bound at execution: compiled once, whatever its length."""

_records = SourceRecordRow.__table__  # type: ignore[attr-defined]
_links = PersonLink.__table__  # type: ignore[attr-defined]
_keys = PersonMatchKey.__table__  # type: ignore[attr-defined]
_persons = Person.__table__  # type: ignore[attr-defined]


# -- source records ----------------------------------------------------------------------


def person_blobs(
    session: Session, record_ids: Sequence[uuid.UUID]
) -> list[tuple[uuid.UUID, bytes]]:
    """``(id, encrypted person JSON)`` of these source records (missing ids are skipped)."""
    out: list[tuple[uuid.UUID, bytes]] = []
    statement = select(_records.c.id, _records.c.person).where(_records.c.id.in_(_IDS))
    for part in chunks(record_ids):
        out.extend((row[0], row[1]) for row in session.execute(statement, {"ids": part}).all())
    return out


def iter_all_person_blobs(
    session: Session, batch: int = 5_000
) -> Iterator[list[tuple[uuid.UUID, bytes]]]:
    """Every source record's encrypted person, in batches (full re-linking)."""
    result = session.execute(
        select(_records.c.id, _records.c.person)
        .order_by(_records.c.id)
        .execution_options(yield_per=batch)
    )
    for part in result.partitions(batch):
        yield [(row[0], row[1]) for row in part]


def count_records(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(_records)).scalar_one())


def records_exist(session: Session, record_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    ids = list(record_ids)
    found: set[uuid.UUID] = set()
    for part in chunks(ids):
        found.update(
            session.execute(select(_records.c.id).where(_records.c.id.in_(part))).scalars()
        )
    return found


def sync_record_persons(session: Session, record_ids: Sequence[uuid.UUID]) -> None:
    """Copy each record's linked person into ``source_record.person_id`` (kept in step with
    ``person_link`` for the other domains' queries)."""
    linked = (
        select(_links.c.person_id)
        .where(_links.c.source_record_id == _records.c.id)
        .scalar_subquery()
    )
    statement = update(_records).where(_records.c.id.in_(_IDS)).values(person_id=linked)
    for part in chunks(record_ids, WRITE_CHUNK):
        session.connection().execute(statement, {"ids": part})


def sync_all_record_persons(session: Session) -> None:
    linked = (
        select(_links.c.person_id)
        .where(_links.c.source_record_id == _records.c.id)
        .scalar_subquery()
    )
    session.connection().execute(update(_records).values(person_id=linked))


def get_record(session: Session, record_id: uuid.UUID) -> SourceRecordRow | None:
    return session.get(SourceRecordRow, record_id)


# -- persons -------------------------------------------------------------------------------


def get(session: Session, person_id: uuid.UUID) -> Person | None:
    return session.get(Person, person_id)


def persons_by_id(session: Session, person_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Person]:
    ids = list(dict.fromkeys(person_ids))
    found: dict[uuid.UUID, Person] = {}
    for part in chunks(ids):
        for person in session.exec(select(Person).where(col(Person.id).in_(part))).scalars():  # type: ignore[call-overload]
            found[person.id] = person
    return found


def insert_persons(session: Session, person_ids: Sequence[uuid.UUID]) -> None:
    now = utcnow()
    rows = [
        {
            "id": pid,
            "status": PersonStatus.ACTIVE.value,
            "merged_into_id": None,
            "created_at": now,
            "updated_at": now,
        }
        for pid in person_ids
    ]
    bulk_insert(session, _persons, rows)


def set_status(
    session: Session,
    person_ids: Iterable[uuid.UUID],
    status: PersonStatus,
    *,
    merged_into: uuid.UUID | None = None,
) -> None:
    ids = list(person_ids)
    for part in chunks(ids):
        session.connection().execute(
            update(_persons)
            .where(_persons.c.id.in_(part))
            .values(status=status.value, merged_into_id=merged_into, updated_at=utcnow())
        )


def touch(session: Session, person_ids: Iterable[uuid.UUID]) -> None:
    ids = list(person_ids)
    for part in chunks(ids):
        session.connection().execute(
            update(_persons).where(_persons.c.id.in_(part)).values(updated_at=utcnow())
        )


def persons_without_links(session: Session, person_ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    ids = list(person_ids)
    empty: list[uuid.UUID] = []
    for part in chunks(ids):
        linked = set(
            session.execute(
                select(_links.c.person_id).where(_links.c.person_id.in_(part)).distinct()
            ).scalars()
        )
        empty.extend(pid for pid in part if pid not in linked)
    return empty


def active_person_ids_without_links(session: Session) -> list[uuid.UUID]:
    statement = select(_persons.c.id).where(
        _persons.c.status == PersonStatus.ACTIVE.value,
        ~select(_links.c.person_id).where(_links.c.person_id == _persons.c.id).exists(),
    )
    return list(session.execute(statement).scalars())


# -- links ---------------------------------------------------------------------------------


def links_for_records(
    session: Session, record_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, tuple[uuid.UUID, bool]]:
    """``record id -> (person id, manual)``."""
    ids = list(record_ids)
    out: dict[uuid.UUID, tuple[uuid.UUID, bool]] = {}
    statement = select(_links.c.source_record_id, _links.c.person_id, _links.c.manual).where(
        _links.c.source_record_id.in_(_IDS)
    )
    for part in chunks(ids):
        for rid, pid, manual in session.execute(statement, {"ids": part}).all():
            out[rid] = (pid, bool(manual))
    return out


def members_of_persons(
    session: Session, person_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    ids = list(dict.fromkeys(person_ids))
    out: dict[uuid.UUID, list[uuid.UUID]] = {}
    statement = (
        select(_links.c.person_id, _links.c.source_record_id)
        .where(_links.c.person_id.in_(_IDS))
        .order_by(_links.c.person_id, _links.c.source_record_id)
    )
    for part in chunks(ids):
        for pid, rid in session.execute(statement, {"ids": part}).all():
            out.setdefault(pid, []).append(rid)
    return out


def all_links(session: Session) -> dict[uuid.UUID, tuple[uuid.UUID, bool]]:
    rows = session.execute(select(_links.c.source_record_id, _links.c.person_id, _links.c.manual))
    return {rid: (pid, bool(manual)) for rid, pid, manual in rows}


def replace_links(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert links, replacing any existing link of the same records."""
    ids = [row["source_record_id"] for row in rows]
    statement = delete(_links).where(_links.c.source_record_id.in_(_IDS))
    for part in chunks(ids):
        session.connection().execute(statement, {"ids": part})
    bulk_insert(session, _links, rows)


def delete_all_links(session: Session) -> None:
    session.connection().execute(delete(_links))


def move_links(
    session: Session, from_person: uuid.UUID, to_person: uuid.UUID, *, manual: bool | None = None
) -> list[uuid.UUID]:
    """Re-point every link of ``from_person`` to ``to_person``; returns the records moved."""
    moved = list(
        session.execute(
            select(_links.c.source_record_id).where(_links.c.person_id == from_person)
        ).scalars()
    )
    values: dict[str, Any] = {"person_id": to_person, "linked_at": utcnow()}
    if manual is not None:
        values["manual"] = manual
    session.connection().execute(
        update(_links).where(_links.c.person_id == from_person).values(**values)
    )
    sync_record_persons(session, moved)
    return moved


def records_of_person(
    session: Session, person_id: uuid.UUID
) -> list[tuple[SourceRecordRow, PersonLink]]:
    statement = (
        select(SourceRecordRow, PersonLink)
        .join(PersonLink, col(PersonLink.source_record_id) == col(SourceRecordRow.id))
        .where(col(PersonLink.person_id) == person_id)
        .order_by(col(SourceRecordRow.source), col(SourceRecordRow.source_record_id))
    )
    return [(record, link) for record, link in session.execute(statement).all()]


def iter_export(
    session: Session, batch: int = 10_000
) -> Iterator[tuple[str, str, uuid.UUID | None]]:
    """``(source, source_record_id, person_id)`` for every source record."""
    statement = (
        select(_records.c.source, _records.c.source_record_id, _links.c.person_id)
        .select_from(_records.outerjoin(_links, _links.c.source_record_id == _records.c.id))
        .order_by(_records.c.source, _records.c.source_record_id)
        .execution_options(yield_per=batch)
    )
    for row in session.execute(statement):
        yield (row[0], row[1], row[2])


# -- match keys ----------------------------------------------------------------------------


def key_hits(session: Session, values: Sequence[str]) -> list[tuple[str, uuid.UUID]]:
    """``(value, record id)`` of the stored keys among ``values``."""
    out: list[tuple[str, uuid.UUID]] = []
    statement = select(_keys.c.value, _keys.c.source_record_id).where(_keys.c.value.in_(_IDS))
    for part in chunks(values, 5_000):
        out.extend((row[0], row[1]) for row in session.execute(statement, {"ids": part}).all())
    return out


def delete_keys(session: Session, record_ids: Sequence[uuid.UUID]) -> None:
    statement = delete(_keys).where(_keys.c.source_record_id.in_(_IDS))
    for part in chunks(record_ids):
        session.connection().execute(statement, {"ids": part})


def delete_all_keys(session: Session) -> None:
    session.connection().execute(delete(_keys))


def insert_keys(session: Session, rows: list[tuple[str, uuid.UUID, str]]) -> None:
    """Store ``(value, source_record_id, kind)`` rows."""
    # In key order: the primary key's B-tree is then filled page by page instead of at random.
    rows.sort()
    bulk_insert(session, _keys, rows, ("value", "source_record_id", "kind"))


# -- corrections ---------------------------------------------------------------------------


def add_correction(session: Session, correction: PersonCorrection) -> PersonCorrection:
    session.add(correction)
    session.flush()
    return correction


def constraints_touching(
    session: Session, record_ids: Iterable[uuid.UUID]
) -> list[PersonConstraint]:
    ids = list(record_ids)
    found: dict[uuid.UUID, PersonConstraint] = {}
    for part in chunks(ids, CHUNK // 2):
        condition: ColumnElement[bool] = or_(
            col(PersonConstraint.record_a).in_(part), col(PersonConstraint.record_b).in_(part)
        )
        for constraint in session.exec(select(PersonConstraint).where(condition)).scalars():  # type: ignore[call-overload]
            found[constraint.id] = constraint
    return list(found.values())


def all_constraints(session: Session) -> list[PersonConstraint]:
    return list(session.exec(select(PersonConstraint)).scalars())  # type: ignore[call-overload]


def add_constraints(session: Session, constraints: Sequence[PersonConstraint]) -> None:
    session.add_all(constraints)
    session.flush()


def delete_constraints(session: Session, constraint_ids: Iterable[uuid.UUID]) -> None:
    ids = list(constraint_ids)
    for part in chunks(ids):
        session.connection().execute(
            delete(PersonConstraint.__table__).where(PersonConstraint.__table__.c.id.in_(part))  # type: ignore[attr-defined]
        )


def constraint_pair(a: uuid.UUID, b: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    return (a, b) if str(a) < str(b) else (b, a)
