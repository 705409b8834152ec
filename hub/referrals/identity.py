"""Linking a referred young person to the person store (identity resolution).

A referral names an existing person when identity resolution recognises them
(:func:`hub.persons.service.resolve_person`: a first name and a mobile may be enough).
Otherwise the referral's person is stored like any imported record — a ``source_record`` of
source ``referrals`` keyed by the referral id, through the ingest pipeline (encrypted, with
its matching keys) — and linked, which creates the person: later imports of the same young
person then meet them.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from connectors.base import RowResult
from hub.crypto import Crypto
from hub.ingest.models import SourceRecordRow
from hub.ingest.service import run_import
from hub.persons.service import create_person_for_record, resolve_person
from schemas.v1.models import Address, Person, SourceRecord

REFERRAL_SOURCE = "referrals"
"""Source name of the records stored for referrals sent to the API (never routed again)."""

MISSION_LOCALE_EXTRACTS = frozenset({"perdus-de-vue", "imilo-feed"})
"""Sources listing young people registered at the Mission Locale (perdus de vue)."""


def link_person(
    session: Session,
    crypto: Crypto,
    person: Person,
    *,
    referral_id: uuid.UUID,
    needs: list[str],
    organisation_id: uuid.UUID | None,
    client_id: str,
    now: datetime,
) -> uuid.UUID:
    """The id of the person ``person`` describes: found, or created from a stored record."""
    found = resolve_person(session, crypto, person)
    if found is not None:
        return found
    record = SourceRecord(
        source=REFERRAL_SOURCE,
        source_record_id=str(referral_id),
        received_at=now,
        recorded_on=now.date(),
        person=person,
        needs=needs,
    )
    outcome = run_import(
        session,
        crypto,
        source=REFERRAL_SOURCE,
        rows=[RowResult(row=1, record=record, errors=(), raw={})],
        file_name="POST /v1/referrals",
        file_sha256=hashlib.sha256(referral_id.bytes).hexdigest(),
        actor=client_id,
        organisation_id=organisation_id,
    )
    [record_id] = outcome.changed_record_ids
    return create_person_for_record(session, crypto, record_id)


@dataclass(frozen=True)
class KnownFacts:
    """What the person's stored records say, for routing a referral that does not say it."""

    birth_date: date | None = None
    commune_insee: str | None = None
    lives_in_qpv: bool | None = None
    known_to_mission_locale: bool | None = None


def known_facts(session: Session, crypto: Crypto, person_id: uuid.UUID) -> KnownFacts:
    """The most frequent birth date of the person's records, their latest commune, whether
    any says QPV or Mission Locale follow-up. Decrypts only the records of this person."""
    rows = session.exec(
        select(SourceRecordRow)
        .where(SourceRecordRow.person_id == person_id)
        .order_by(col(SourceRecordRow.received_at).desc())
    ).all()
    if not rows:
        return KnownFacts()
    births: Counter[str] = Counter()
    for row in rows:
        data = crypto.cipher.decrypt_json(
            row.person, table="source_record", row_id=str(row.id), field="person"
        )
        if isinstance(data, dict) and data.get("birth_date"):
            births[str(data["birth_date"])] += 1
    birth = date.fromisoformat(births.most_common(1)[0][0]) if births else None
    return KnownFacts(
        birth_date=birth,
        commune_insee=next((r.commune_insee for r in rows if r.commune_insee), None),
        lives_in_qpv=True if any(r.lives_in_qpv for r in rows) else None,
        known_to_mission_locale=(
            True
            if any(r.known_to_mission_locale or r.source in MISSION_LOCALE_EXTRACTS for r in rows)
            else None
        ),
    )


def complete(person: Person, known: KnownFacts) -> tuple[Person, list[str]]:
    """``person`` with the birth date, commune and QPV residence it lacks taken from the
    person's records (for routing only), and notes saying what was taken."""
    update: dict[str, object] = {}
    notes: list[str] = []
    if person.birth_date is None and known.birth_date is not None:
        update["birth_date"] = known.birth_date
        notes.append("age taken from the young person's other records")
    address = person.address
    if (address is None or address.commune_insee is None) and known.commune_insee:
        base = address.model_dump() if address is not None else {}
        update["address"] = Address(**{**base, "commune_insee": known.commune_insee})
        notes.append("commune taken from the young person's other records")
    if person.lives_in_qpv is None and known.lives_in_qpv:
        update["lives_in_qpv"] = True
        notes.append("QPV residence taken from the young person's other records")
    return (person.model_copy(update=update) if update else person), notes
