"""Reading persons (views, export) and finding them for other domains (routing)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from sqlmodel import Session

from consent import audit
from consent.audit import Actor
from consent.vocabulary import AuditAction
from hub.crypto import Crypto
from hub.errors import NotFoundError
from hub.persons import repository
from hub.persons.matching import MAX_BLOCK_SIZE, compare, features_from_person
from hub.persons.matching.compare import PARTIAL
from hub.persons.schemas import LinkOut, PersonOut, PersonRecordOut
from hub.persons.service.linking import _decrypt, _Hasher, link_records
from schemas import v1

# -- reading -----------------------------------------------------------------------------------


def get_person_or_raise(
    session: Session, crypto: Crypto, person_id: uuid.UUID, *, reader: Actor | None = None
) -> PersonOut:
    """A person with its source records (decrypted) and the evidence of each link. A
    ``reader`` is written to the audit log (the fields read, never their values)."""
    person = repository.get(session, person_id)
    if person is None:
        raise NotFoundError(f"person {person_id} not found")
    records: list[PersonRecordOut] = []
    for record, link_row in repository.records_of_person(session, person.id):
        data = crypto.cipher.decrypt_json(
            record.person, table="source_record", row_id=str(record.id), field="person"
        )
        records.append(
            PersonRecordOut(
                id=record.id,
                source=record.source,
                source_record_id=record.source_record_id,
                recorded_on=record.recorded_on,
                received_at=record.received_at,
                person=v1.Person.model_validate(data),
                link=LinkOut(
                    manual=link_row.manual,
                    rules_version=link_row.rules_version,
                    linked_at=link_row.linked_at,
                    evidence=link_row.evidence,
                ),
            )
        )
    if reader is not None and records:
        audit.record(
            session,
            actor=reader,
            action=AuditAction.READ,
            person_id=person.id,
            fields=sorted({name for r in records for name in r.person.model_fields_set}),
            reason="identity resolution: person view",
        )
    return PersonOut(
        id=person.id,
        status=person.status,
        merged_into_id=person.merged_into_id,
        created_at=person.created_at,
        updated_at=person.updated_at,
        records=records,
    )


def export_links(session: Session) -> Iterator[tuple[str, str, uuid.UUID | None]]:
    """``(source, source_record_id, person_id)`` for every source record."""
    return repository.iter_export(session)


# -- for other domains -------------------------------------------------------------------------


def _confident(pair_rule: str, result: Any) -> bool:
    if pair_rule != "no-match":
        return True
    # A partial description (first name + phone or e-mail, no birth date) is enough to find
    # a person when nothing contradicts it.
    return bool(
        not result.veto
        and result.given is not None
        and result.given >= PARTIAL
        and (result.phone or result.email)
        and result.birth != "different"
        and (result.family is None or result.family >= 0.8)
    )


def resolve_person(session: Session, crypto: Crypto, person: v1.Person) -> uuid.UUID | None:
    """The existing person matching ``person`` (possibly partial, e.g. a first name, a mobile
    and a commune), or None when no person matches confidently or several do."""
    query = features_from_person("query", person)
    hasher = _Hasher(crypto)
    values = {value: kind for kind, value in hasher.keys(query)}
    holders: dict[str, list[uuid.UUID]] = {}
    for value, rid in repository.key_hits(session, list(values)):
        holders.setdefault(value, []).append(rid)
    candidates = {
        rid
        for value, rids in holders.items()
        if len(rids) <= MAX_BLOCK_SIZE.get(values[value], 50)
        for rid in rids
    }
    if not candidates:
        return None
    links = repository.links_for_records(session, candidates)
    features = _decrypt(crypto, repository.person_blobs(session, list(candidates)))
    matched: set[uuid.UUID] = set()
    conflicting: set[uuid.UUID] = set()
    for rid, record in features.items():
        if rid not in links:
            continue
        result = compare(query, record)
        pid = links[rid][0]
        if result.is_conflict:
            conflicting.add(pid)
        elif _confident(result.rule, result):
            matched.add(pid)
    matched -= conflicting
    return next(iter(matched)) if len(matched) == 1 else None


def create_person_for_record(
    session: Session, crypto: Crypto, source_record_id: uuid.UUID
) -> uuid.UUID:
    """Link one stored source record as an import would, and return its person: an existing
    person when the record matches one, else a new person."""
    link_records(session, crypto, [source_record_id])
    links = repository.links_for_records(session, [source_record_id])
    if source_record_id not in links:
        raise NotFoundError(f"source record {source_record_id} not found")
    return links[source_record_id][0]
