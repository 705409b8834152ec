"""The only place where ``consent`` touches the other domains' tables.

Ingest (``source_record``, ``quarantined_row``, ``import_run``), identity resolution
(``person`` and its matching keys) and routing (``referral`` ...) own their tables; the
consent package needs a few things from them: which records belong to a person, their
decrypted content (access), erasing them (Art. 17), rectifying them (Art. 16), and when a
person was last active (retention). Each need is one function below; nothing else in
``consent`` reads or writes those tables.

Tables are looked up by name in the shared SQLAlchemy metadata rather than imported, so that
``consent`` does not depend on those packages' modules; a table that is not there holds
nothing. Erasure is generic on purpose: it follows the foreign keys to ``source_record`` and
the encrypted-table registry (:mod:`hub.crypto.registry`), so a domain that adds a table of
personal data keyed by ``person_id`` (or referring to a source record) is covered without a
change here.
"""

from __future__ import annotations

import importlib
import json
import re
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Table, delete, func, or_, select, update
from sqlmodel import Session, SQLModel

from hub.crypto import Crypto
from hub.crypto.registry import EncryptedTable, encrypted_tables
from hub.errors import UnprocessableError
from schemas.v1 import Person

RECORDS = "source_record"
QUARANTINE = "quarantined_row"
IMPORTS = "import_run"
#: Tables the consent package erases itself (its own free text) or must keep (no personal data).
OWN_TABLES = frozenset(
    {"consent_event", "rights_request", "processing_restriction", "recipient_notification"}
)


def _table(name: str) -> Table | None:
    return SQLModel.metadata.tables.get(name)


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


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


@dataclass
class PersonActivity:
    person_id: uuid.UUID
    birth_dates: list[date] = field(default_factory=list)
    last_activity_at: datetime | None = None


# -- who holds what ---------------------------------------------------------------------------


def person_exists(session: Session, person_id: uuid.UUID) -> bool:
    """The hub holds something on the person: a person row or a source record."""
    person = _table("person")
    if (
        person is not None
        and session.execute(select(person.c.id).where(person.c.id == person_id)).first()
    ):
        return True
    return bool(person_record_ids(session, person_id))


def person_record_ids(session: Session, person_id: uuid.UUID) -> list[uuid.UUID]:
    """The person's source records (``source_record.person_id``, kept in step with
    identity resolution's ``person_link``; both are read in case one lags)."""
    record, link = _table(RECORDS), _table("person_link")
    ids: dict[uuid.UUID, None] = {}
    if record is not None:
        for row in session.execute(select(record.c.id).where(record.c.person_id == person_id)):
            ids[row[0]] = None
    if link is not None:
        query = select(link.c.source_record_id).where(link.c.person_id == person_id)
        for row in session.execute(query):
            ids[row[0]] = None
    return list(ids)


def person_of_record(session: Session, record_id: uuid.UUID) -> uuid.UUID | None:
    record = _table(RECORDS)
    if record is None:
        return None
    row = session.execute(select(record.c.person_id).where(record.c.id == record_id)).first()
    return None if row is None else row[0]


def person_sources(session: Session, person_id: uuid.UUID) -> set[str]:
    """The connectors that brought this person's records (for flow-based lawful bases)."""
    record = _table(RECORDS)
    if record is None:
        return set()
    rows = session.execute(
        select(record.c.source).where(record.c.person_id == person_id).distinct()
    ).all()
    return {row[0] for row in rows}


def source_keys_of_records(session: Session, record_ids: Sequence[uuid.UUID]) -> list[SourceKey]:
    record = _table(RECORDS)
    if record is None or not record_ids:
        return []
    rows = session.execute(
        select(record.c.id, record.c.source, record.c.source_record_id, record.c.person_id).where(
            record.c.id.in_(list(record_ids))
        )
    ).all()
    return [SourceKey(r[0], r[1], r[2], r[3]) for r in rows]


def source_keys_of_person(session: Session, person_id: uuid.UUID) -> list[tuple[str, str]]:
    keys = source_keys_of_records(session, person_record_ids(session, person_id))
    return [(k.source, k.source_record_id) for k in keys]


def organisation_imported(
    session: Session, organisation_id: uuid.UUID, person_id: uuid.UUID
) -> bool:
    """A source record of the person came through one of the organisation's import runs."""
    record, run = _table(RECORDS), _table(IMPORTS)
    if record is None or run is None:
        return False
    query = (
        select(record.c.id)
        .join(
            run,
            or_(run.c.id == record.c.first_import_id, run.c.id == record.c.last_import_id),
        )
        .where(record.c.person_id == person_id, run.c.organisation_id == organisation_id)
    )
    return session.execute(query.limit(1)).first() is not None


def organisation_referred(
    session: Session, organisation_id: uuid.UUID, person_id: uuid.UUID
) -> bool:
    """The organisation sent or received a referral of the person (routing)."""
    referral = _table("referral")
    if referral is None:
        return False
    query = select(referral.c.id).where(
        referral.c.person_id == person_id,
        or_(
            referral.c.sender_organisation_id == organisation_id,
            referral.c.recipient_organisation_id == organisation_id,
        ),
    )
    return session.execute(query.limit(1)).first() is not None


# -- access (Art. 15) -----------------------------------------------------------------------------


def _decrypt_row(crypto: Crypto, spec: EncryptedTable, row: Any) -> dict[str, Any]:
    """A row as a plain dict, its encrypted columns decrypted (JSON, else text)."""
    out: dict[str, Any] = {}
    key = str(row[spec.key_column])
    for name, value in row.items():
        if name in spec.columns and isinstance(value, bytes):
            clear = crypto.cipher.decrypt(value, table=spec.table, row_id=key, field=name)
            try:
                out[name] = json.loads(clear)
            except ValueError:
                out[name] = clear.decode()
        elif isinstance(value, bytes):
            continue
        else:
            out[name] = _plain(value)
    return out


def _spec(name: str) -> EncryptedTable | None:
    return next((spec for spec in encrypted_tables() if spec.table == name), None)


def held_records(session: Session, crypto: Crypto, person_id: uuid.UUID) -> list[dict[str, Any]]:
    """The person's source records, decrypted, as the access export shows them."""
    record, spec = _table(RECORDS), _spec(RECORDS)
    if record is None or spec is None:
        return []
    rows = (
        session.execute(
            select(record).where(record.c.person_id == person_id).order_by(record.c.received_at)
        )
        .mappings()
        .all()
    )
    return [_decrypt_row(crypto, spec, row) for row in rows]


def person_links(session: Session, person_id: uuid.UUID) -> list[dict[str, Any]]:
    """Identity resolution's view of the person: which records it linked to them."""
    record = _table(RECORDS)
    links: list[dict[str, Any]] = []
    if record is not None:
        rows = session.execute(
            select(record.c.id, record.c.source, record.c.updated_at).where(
                record.c.person_id == person_id
            )
        ).all()
        links = [
            {"source_record": str(r[0]), "source": r[1], "linked_at": _plain(r[2])} for r in rows
        ]
    return links


def referrals_of_person(
    session: Session, crypto: Crypto, person_id: uuid.UUID
) -> list[dict[str, Any]]:
    referral, spec = _table("referral"), _spec("referral")
    if referral is None:
        return []
    rows = session.execute(select(referral).where(referral.c.person_id == person_id)).mappings()
    if spec is None:
        return [{k: _plain(v) for k, v in row.items() if not isinstance(v, bytes)} for row in rows]
    return [_decrypt_row(crypto, spec, row) for row in rows]


# -- erasure (Art. 17) ----------------------------------------------------------------------------


def erase_person_data(session: Session, crypto: Crypto, person_id: uuid.UUID) -> dict[str, int]:
    """Remove the person's personal data from every other domain; count what went, by kind.

    1. quarantined rows that name the person (read before their records go);
    2. their source records and every row referring to one (matching keys, links...);
    3. encrypted columns of any registered table keyed by ``person_id`` (referral payloads,
       webhook payloads...) and of the rows referring to those, blanked (NULL, or an empty
       JSON object where the column is NOT NULL);
    4. the person row's own encrypted columns, if it has any; the row is marked retired.
    """
    records = held_records(session, crypto, person_id)
    counts: dict[str, int] = {"quarantined_rows": _erase_quarantine(session, crypto, records)}
    counts.update(erase_records(session, crypto, person_record_ids(session, person_id)))
    counts.update(_blank_person_rows(session, crypto, person_id))
    _retire_person(session, person_id)
    return counts


def _retire_person(session: Session, person_id: uuid.UUID) -> None:
    """The person row stays (a bare id, referred to by history); its status says no record is
    linked any more (identity resolution's ``retired``)."""
    person = _table("person")
    if person is None or "status" not in person.c:
        return
    session.execute(update(person).where(person.c.id == person_id).values(status="retired"))


def erase_records(
    session: Session, crypto: Crypto, record_ids: Sequence[uuid.UUID]
) -> dict[str, int]:
    """Delete source records and, first, every row that refers to them."""
    record = _table(RECORDS)
    counts: dict[str, int] = {"source_records": 0}
    if record is None or not record_ids:
        return counts
    ids = list(record_ids)
    for table, column, ondelete in _referring(record):
        condition = table.c[column].in_(ids)
        if ondelete is None:  # the database would refuse: delete the referring rows first
            removed = _rowcount(session.execute(delete(table).where(condition)))
        else:  # CASCADE / SET NULL: the database does it; count for the record
            removed = int(
                session.execute(
                    select(func.count()).select_from(table).where(condition)
                ).scalar_one()
            )
        if removed:
            counts[table.name] = counts.get(table.name, 0) + removed
    counts["source_records"] = _rowcount(
        session.execute(delete(record).where(record.c.id.in_(ids)))
    )
    return counts


def _referring(target: Table) -> Iterator[tuple[Table, str, str | None]]:
    """Tables with a foreign key to ``target``: (table, column, ``ondelete`` rule)."""
    for table in reversed(SQLModel.metadata.sorted_tables):
        if table.name in OWN_TABLES:
            continue
        for fk in table.foreign_keys:
            if fk.column.table is target and fk.parent.table is table:
                yield table, fk.parent.name, (fk.ondelete or "").upper() or None


def _blank_person_rows(session: Session, crypto: Crypto, person_id: uuid.UUID) -> dict[str, int]:
    counts: dict[str, int] = {}
    for spec in encrypted_tables():
        table = _table(spec.table)
        if table is None or spec.table in OWN_TABLES or spec.table in (RECORDS, QUARANTINE):
            continue
        if spec.table == "person" and spec.key_column == "id":
            condition = table.c.id == person_id
        elif "person_id" in table.c:
            condition = table.c.person_id == person_id
        else:
            continue
        keys = [r[0] for r in session.execute(select(table.c[spec.key_column]).where(condition))]
        if not keys:
            continue
        counts[spec.table] = _blank(session, crypto, table, spec, keys)
        # rows of other encrypted tables hanging off the blanked ones (e.g. referral events)
        for child, column, _ondelete in _referring(table):
            child_spec = _spec(child.name)
            if child_spec is None:
                continue
            child_keys = [
                r[0]
                for r in session.execute(
                    select(child.c[child_spec.key_column]).where(child.c[column].in_(keys))
                )
            ]
            if child_keys:
                counts[child.name] = counts.get(child.name, 0) + _blank(
                    session, crypto, child, child_spec, child_keys
                )
    return counts


def _blank(
    session: Session, crypto: Crypto, table: Table, spec: EncryptedTable, keys: list[Any]
) -> int:
    nullable = [name for name in spec.columns if table.c[name].nullable]
    required = [name for name in spec.columns if not table.c[name].nullable]
    key_column = table.c[spec.key_column]
    if nullable:
        session.execute(update(table).where(key_column.in_(keys)).values(dict.fromkeys(nullable)))
    for key in keys if required else ():
        values = {
            name: crypto.cipher.encrypt_json({}, table=spec.table, row_id=str(key), field=name)
            for name in required
        }
        session.execute(update(table).where(key_column == key).values(values))
    return len(keys)


_DIGITS = re.compile(r"\D+")


def _identifiers(records: Iterable[dict[str, Any]]) -> set[str]:
    """Strong identifiers of the person, normalised as :func:`_cell_tokens` normalises cells."""
    found: set[str] = set()
    for record in records:
        found.add(f"{record['source']}\x1f{record['source_record_id'].strip().lower()}")
        person = record.get("person") or {}
        if person.get("ine"):
            found.add(str(person["ine"]).strip().lower())
        for email in person.get("emails") or []:
            found.add(str(email).strip().lower())
        for phone in person.get("phones") or []:
            found.add(_national_digits(str(phone)))
    return {value for value in found if value}


def _national_digits(phone: str) -> str:
    digits = _DIGITS.sub("", phone)
    if digits.startswith("0033"):
        digits = "0" + digits[4:]
    elif digits.startswith("33") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if len(digits) >= 9 else ""


def _cell_tokens(source: str, raw: Any) -> set[str]:
    cells = raw.values() if isinstance(raw, dict) else raw if isinstance(raw, list) else [raw]
    tokens: set[str] = set()
    for cell in cells:
        if cell is None or isinstance(cell, dict | list):
            continue
        text = str(cell).strip().lower()
        tokens.update({text, f"{source}\x1f{text}", _national_digits(text)})
    return tokens


def _erase_quarantine(session: Session, crypto: Crypto, records: list[dict[str, Any]]) -> int:
    """Delete quarantined rows naming the person: same source record id in the same source, or
    the same INE, e-mail or phone in any cell."""
    row, run = _table(QUARANTINE), _table(IMPORTS)
    identifiers = _identifiers(records)
    if row is None or run is None or not identifiers:
        return 0
    candidates = session.execute(
        select(row.c.id, row.c.raw, run.c.source).join(run, run.c.id == row.c.import_id)
    ).all()
    doomed = []
    for row_id, blob, source in candidates:
        raw = crypto.cipher.decrypt_json(blob, table=QUARANTINE, row_id=str(row_id), field="raw")
        if _cell_tokens(source, raw) & identifiers:
            doomed.append(row_id)
    if not doomed:
        return 0
    return _rowcount(session.execute(delete(row).where(row.c.id.in_(doomed))))


# -- rectification (Art. 16) ----------------------------------------------------------------------


def check_rectification(changes: dict[str, Any]) -> None:
    """Raise UnprocessableError unless ``changes`` are valid schema v1 ``person`` fields."""
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
    """Apply the corrected values to every source record of the person, then let the
    post-import hooks (identity resolution's matching keys...) see the changed records."""
    record = _table(RECORDS)
    if record is None:
        return RectifyResult([], sorted(changes))
    rows = session.execute(
        select(record.c.id, record.c.person).where(record.c.person_id == person_id)
    ).all()
    for record_id, blob in rows:
        row_id = str(record_id)
        current = crypto.cipher.decrypt_json(blob, table=RECORDS, row_id=row_id, field="person")
        updated = Person.model_validate({**current, **changes}).model_dump(
            mode="json", exclude_defaults=True
        )
        session.execute(
            update(record)
            .where(record.c.id == record_id)
            .values(
                person=crypto.cipher.encrypt_json(
                    updated, table=RECORDS, row_id=row_id, field="person"
                )
            )
        )
    changed = [r[0] for r in rows]
    if changed:
        _run_post_import_hooks(session, crypto, changed)
    return RectifyResult(changed, sorted(changes))


def _run_post_import_hooks(session: Session, crypto: Crypto, record_ids: list[uuid.UUID]) -> None:
    # Looked up by name like the tables: consent does not import the ingest package.
    try:
        hooks = importlib.import_module("hub.ingest.hooks")
    except ModuleNotFoundError:
        return
    hooks.run_post_import_hooks(session, crypto, record_ids)


# -- notifications to organisations ---------------------------------------------------------------


def notify_organisation(
    session: Session,
    organisation_id: uuid.UUID,
    event_type: str,
    payload_without_personal_data: dict[str, Any],
    *,
    now: datetime,
) -> bool:
    """Queue an event in the organisation's outbox (routing's ``GET /v1/events`` feed);
    False when the hub has no outbox. Payloads hold ids and codes only."""
    try:
        outbox = importlib.import_module("hub.referrals.outbox")
    except ModuleNotFoundError:
        return False
    outbox.enqueue(session, organisation_id, event_type, payload_without_personal_data, now=now)
    return True


# -- retention ------------------------------------------------------------------------------------


def person_activity(session: Session, crypto: Crypto) -> Iterator[PersonActivity]:
    """Every person with source records: birth dates as the sources give them, and the last
    activity (record received, or last contact date in the follow-up)."""
    record = _table(RECORDS)
    if record is None:
        return
    rows = session.execute(
        select(
            record.c.person_id, record.c.id, record.c.person, record.c.details, record.c.received_at
        )
        .where(record.c.person_id.is_not(None))
        .order_by(record.c.person_id)
    )
    current: PersonActivity | None = None
    for person_id, record_id, person_blob, details_blob, received_at in rows:
        if current is None or current.person_id != person_id:
            if current is not None:
                yield current
            current = PersonActivity(person_id=person_id)
        row_id = str(record_id)
        person = crypto.cipher.decrypt_json(
            person_blob, table=RECORDS, row_id=row_id, field="person"
        )
        details = crypto.cipher.decrypt_json(
            details_blob, table=RECORDS, row_id=row_id, field="details"
        )
        if person.get("birth_date"):
            current.birth_dates.append(date.fromisoformat(person["birth_date"]))
        moments = [received_at]
        last_contact = ((details or {}).get("follow_up") or {}).get("last_contact_on")
        if last_contact:
            moments.append(datetime.combine(date.fromisoformat(last_contact), time(), UTC))
        latest = max(moments)
        if current.last_activity_at is None or latest > current.last_activity_at:
            current.last_activity_at = latest
    if current is not None:
        yield current


def purge_quarantine(session: Session, cutoff: datetime, *, dry_run: bool) -> int:
    """Delete (or count) quarantined rows kept since before ``cutoff``."""
    row = _table(QUARANTINE)
    if row is None:
        return 0
    condition = row.c.created_at < cutoff
    if dry_run:
        return int(
            session.execute(select(func.count()).select_from(row).where(condition)).scalar_one()
        )
    return _rowcount(session.execute(delete(row).where(condition)))
