"""The only place where ``consent`` touches the other domains' tables.

Ingest (``source_record``, ``quarantined_row``, ``import_run``), identity resolution
(``person``, ``person_link``, matching keys) and routing (referrals) own their tables; the
consent package needs a few things from them: which records belong to a person, their
decrypted content (access), erasing them (Art. 17), rectifying them (Art. 16), and when a
person was last active (retention). Each need is one function below; nothing else in
``consent`` reads or writes those tables.

The tables are looked up by name in the shared SQLAlchemy metadata rather than imported, so
that ``consent`` does not depend on those packages' modules (a table that is not there holds
nothing, and the function answers accordingly).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, delete, select, update
from sqlmodel import Session, SQLModel

from hub.crypto import Crypto

# -- table access ---------------------------------------------------------------------------------


def _table(name: str) -> Table | None:
    return SQLModel.metadata.tables.get(name)


@dataclass(frozen=True)
class SourceKey:
    record_id: uuid.UUID
    source: str
    source_record_id: str
    person_id: uuid.UUID | None


@dataclass(frozen=True)
class RectifyResult:
    record_ids: list[uuid.UUID]
    fields: list[str]


@dataclass(frozen=True)
class PersonActivity:
    person_id: uuid.UUID
    birth_dates: list[date] = field(default_factory=list)
    last_activity_at: datetime | None = None


def person_exists(session: Session, person_id: uuid.UUID) -> bool:
    person = _table("person")
    if person is None:
        return False
    return session.execute(select(person.c.id).where(person.c.id == person_id)).first() is not None


def person_record_ids(session: Session, person_id: uuid.UUID) -> list[uuid.UUID]:
    link = _table("person_link")
    if link is None:
        return []
    rows = session.execute(
        select(link.c.source_record_id).where(link.c.person_id == person_id)
    ).all()
    return [row[0] for row in rows]


def person_of_record(session: Session, record_id: uuid.UUID) -> uuid.UUID | None:
    link = _table("person_link")
    if link is None:
        return None
    row = session.execute(
        select(link.c.person_id).where(link.c.source_record_id == record_id)
    ).first()
    return None if row is None else row[0]


def person_sources(session: Session, person_id: uuid.UUID) -> set[str]:
    """The connectors that brought this person's records (for flow-based lawful bases)."""
    record, ids = _table("source_record"), person_record_ids(session, person_id)
    if record is None or not ids:
        return set()
    rows = session.execute(select(record.c.source).where(record.c.id.in_(ids)).distinct()).all()
    return {row[0] for row in rows}


def source_keys_of_records(session: Session, record_ids: Sequence[uuid.UUID]) -> list[SourceKey]:
    record = _table("source_record")
    if record is None or not record_ids:
        return []
    rows = session.execute(
        select(record.c.id, record.c.source, record.c.source_record_id).where(
            record.c.id.in_(list(record_ids))
        )
    ).all()
    return [SourceKey(r[0], r[1], r[2], person_of_record(session, r[0])) for r in rows]


def source_keys_of_person(session: Session, person_id: uuid.UUID) -> list[tuple[str, str]]:
    keys = source_keys_of_records(session, person_record_ids(session, person_id))
    return [(k.source, k.source_record_id) for k in keys]


def organisation_imported(
    session: Session, organisation_id: uuid.UUID, person_id: uuid.UUID
) -> bool:
    """A source record of the person came through one of the organisation's import runs."""
    record, run = _table("source_record"), _table("import_run")
    ids = person_record_ids(session, person_id)
    if record is None or run is None or not ids:
        return False
    query = (
        select(record.c.id)
        .join(run, run.c.id == record.c.import_run_id)
        .where(record.c.id.in_(ids), run.c.organisation_id == organisation_id)
    )
    return session.execute(query.limit(1)).first() is not None


def organisation_referred(
    session: Session, organisation_id: uuid.UUID, person_id: uuid.UUID
) -> bool:
    """The organisation sent or received a referral of the person (routing)."""
    referral = _table("referral")
    if referral is None or "person_id" not in referral.c:
        return False
    parties = [
        referral.c[name] == organisation_id
        for name in ("sender_organisation_id", "recipient_organisation_id")
        if name in referral.c
    ]
    if not parties:
        return False
    from sqlalchemy import or_

    query = select(referral.c.id).where(referral.c.person_id == person_id, or_(*parties))
    return session.execute(query.limit(1)).first() is not None


# -- access (Art. 15) ---------------------------------------------------------------------------


def _decrypt_person(crypto: Crypto, record_id: uuid.UUID, blob: bytes | None) -> Any:
    if blob is None:
        return None
    return crypto.cipher.decrypt_json(
        blob, table="source_record", row_id=str(record_id), field="person"
    )


def held_records(session: Session, crypto: Crypto, person_id: uuid.UUID) -> list[dict[str, Any]]:
    """The person's source records, decrypted, as the access export shows them."""
    record, ids = _table("source_record"), person_record_ids(session, person_id)
    if record is None or not ids:
        return []
    rows = session.execute(select(record).where(record.c.id.in_(ids))).mappings().all()
    held = []
    for row in rows:
        entry: dict[str, Any] = {}
        for name, value in row.items():
            if isinstance(value, bytes):
                entry[name] = crypto.cipher.decrypt_json(
                    value, table="source_record", row_id=str(row["id"]), field=name
                )
            elif isinstance(value, uuid.UUID | datetime | date):
                entry[name] = str(value) if isinstance(value, uuid.UUID) else value.isoformat()
            else:
                entry[name] = value
        held.append(entry)
    return held


def person_links(session: Session, person_id: uuid.UUID) -> list[dict[str, Any]]:
    link = _table("person_link")
    if link is None:
        return []
    rows = session.execute(select(link).where(link.c.person_id == person_id)).mappings().all()
    return [{k: _plain(v) for k, v in row.items()} for row in rows]


def referrals_of_person(
    session: Session, crypto: Crypto, person_id: uuid.UUID
) -> list[dict[str, Any]]:
    referral = _table("referral")
    if referral is None or "person_id" not in referral.c:
        return []
    rows = (
        session.execute(select(referral).where(referral.c.person_id == person_id)).mappings().all()
    )
    return [{k: _plain(v) for k, v in row.items() if not isinstance(v, bytes)} for row in rows]


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


# -- erasure (Art. 17) ----------------------------------------------------------------------------


def erase_person_data(session: Session, crypto: Crypto, person_id: uuid.UUID) -> dict[str, int]:
    """Delete the person's records, links, matching keys and quarantined rows; count them."""
    return erase_records(session, crypto, person_record_ids(session, person_id))


def erase_records(
    session: Session, crypto: Crypto, record_ids: Sequence[uuid.UUID]
) -> dict[str, int]:
    counts: dict[str, int] = {"source_records": 0, "links": 0}
    record, link = _table("source_record"), _table("person_link")
    if not record_ids:
        return counts
    if link is not None:
        counts["links"] = _rowcount(
            session.execute(delete(link).where(link.c.source_record_id.in_(list(record_ids))))
        )
    if record is not None:
        counts["source_records"] = _rowcount(
            session.execute(delete(record).where(record.c.id.in_(list(record_ids))))
        )
    return counts


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


# -- rectification (Art. 16) ----------------------------------------------------------------------


def check_rectification(changes: dict[str, Any]) -> None:
    """Raise UnprocessableError unless ``changes`` are valid schema v1 ``person`` fields."""
    from pydantic import ValidationError

    from hub.errors import UnprocessableError
    from schemas.v1 import Person

    unknown = sorted(set(changes) - set(Person.model_fields))
    if unknown:
        raise UnprocessableError(f"not fields of a person: {', '.join(unknown)}")
    try:
        Person.model_validate(changes)
    except ValidationError as exc:
        where = ", ".join(".".join(str(p) for p in err["loc"]) for err in exc.errors())
        raise UnprocessableError(f"invalid corrected values: {where}") from None


def rectify_person(
    session: Session, crypto: Crypto, person_id: uuid.UUID, changes: dict[str, Any]
) -> RectifyResult:
    """Apply the corrected values to every source record of the person."""
    from schemas.v1 import Person

    record, ids = _table("source_record"), person_record_ids(session, person_id)
    if record is None or not ids:
        return RectifyResult([], sorted(changes))
    rows = session.execute(select(record.c.id, record.c.person).where(record.c.id.in_(ids))).all()
    for record_id, blob in rows:
        current = _decrypt_person(crypto, record_id, blob) or {}
        updated = Person.model_validate({**current, **changes}).model_dump(mode="json")
        session.execute(
            update(record)
            .where(record.c.id == record_id)
            .values(
                person=crypto.cipher.encrypt_json(
                    updated, table="source_record", row_id=str(record_id), field="person"
                )
            )
        )
    return RectifyResult([r[0] for r in rows], sorted(changes))


# -- retention ------------------------------------------------------------------------------------


def person_activity(session: Session, crypto: Crypto) -> Iterator[PersonActivity]:
    """Every person with their birth dates (as the sources give them) and last activity."""
    record, link = _table("source_record"), _table("person_link")
    if record is None or link is None:
        return
    rows = session.execute(
        select(link.c.person_id, record.c.id, record.c.person, record.c.received_at)
        .join(record, record.c.id == link.c.source_record_id)
        .order_by(link.c.person_id)
    ).all()
    current: PersonActivity | None = None
    for person_id, record_id, blob, received_at in rows:
        if current is None or current.person_id != person_id:
            if current is not None:
                yield current
            current = PersonActivity(person_id=person_id)
        person = _decrypt_person(crypto, record_id, blob) or {}
        if person.get("birth_date"):
            current.birth_dates.append(date.fromisoformat(person["birth_date"]))
        if current.last_activity_at is None or received_at > current.last_activity_at:
            current = PersonActivity(person_id, current.birth_dates, received_at)
    if current is not None:
        yield current


def purge_quarantine(session: Session, cutoff: datetime, *, dry_run: bool) -> int:
    """Delete (or count) quarantined rows received before ``cutoff``."""
    row = _table("quarantined_row")
    if row is None:
        return 0
    when = row.c.created_at
    if dry_run:
        from sqlalchemy import func

        return int(session.execute(select(func.count()).where(when < cutoff)).scalar_one())
    return _rowcount(session.execute(delete(row).where(when < cutoff)))
