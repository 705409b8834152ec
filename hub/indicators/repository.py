"""Queries of the indicators: the clear, non-identifying columns only (never a ciphertext).

Everything is read in one pass per table, streamed in batches: the programme's size (a few
thousand young people, at most a few hundred thousand records) fits in memory as facts.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlmodel import Session

from hub.indicators.population import (
    REFERRAL_RECORD_SOURCE,
    EventFact,
    PersonRow,
    RecordFact,
    ReferralFact,
)
from hub.ingest.models import SourceRecordRow
from hub.organisations.models import Organisation
from hub.persons.models import Person
from hub.referrals.models import Referral, ReferralEvent

BATCH = 5_000

_records = SourceRecordRow.__table__  # type: ignore[attr-defined]
_persons = Person.__table__  # type: ignore[attr-defined]
_referrals = Referral.__table__  # type: ignore[attr-defined]
_events = ReferralEvent.__table__  # type: ignore[attr-defined]
_organisations = Organisation.__table__  # type: ignore[attr-defined]


def persons(session: Session) -> Iterator[PersonRow]:
    result = session.execute(
        select(_persons.c.id, _persons.c.status, _persons.c.merged_into_id)
    ).yield_per(BATCH)
    for row in result:
        yield PersonRow(id=row.id, status=str(row.status), merged_into_id=row.merged_into_id)


def records(session: Session, *, until: date) -> Iterator[RecordFact]:
    """Linked source records that may have been received by ``until`` or recorded on/before it
    (the exact day test is :attr:`RecordFact.day`)."""
    result = session.execute(
        select(
            _records.c.person_id,
            _records.c.source,
            _records.c.created_at,
            _records.c.recorded_on,
            _records.c.commune_insee,
            _records.c.sex,
            _records.c.birth_year,
            _records.c.lives_in_qpv,
            # Only a referral's own record needs its key (the referral id); other sources'
            # record ids are not read.
            case(
                (_records.c.source == REFERRAL_RECORD_SOURCE, _records.c.source_record_id),
                else_=None,
            ).label("referral_key"),
        ).where(_records.c.person_id.is_not(None))
    ).yield_per(BATCH)
    for row in result:
        fact = RecordFact(
            person_id=row.person_id,
            source=row.source,
            created_at=row.created_at,
            recorded_on=row.recorded_on,
            commune_insee=row.commune_insee,
            sex=row.sex,
            birth_year=row.birth_year,
            lives_in_qpv=row.lives_in_qpv,
            referral_id=_uuid_or_none(row.referral_key),
        )
        if fact.day <= until:
            yield fact


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def unlinked_record_count(session: Session) -> int:
    """Source records identity resolution has not linked to a person (yet)."""
    return int(
        session.execute(
            select(func.count()).select_from(_records).where(_records.c.person_id.is_(None))
        ).scalar_one()
    )


def _events_by_referral(session: Session) -> dict[uuid.UUID, list[EventFact]]:
    events: dict[uuid.UUID, list[EventFact]] = defaultdict(list)
    result = session.execute(
        select(_events.c.referral_id, _events.c.to_status, _events.c.outcome, _events.c.occurred_at)
    ).yield_per(BATCH)
    for row in result:
        events[row.referral_id].append(
            EventFact(to_status=row.to_status, outcome=row.outcome, occurred_at=row.occurred_at)
        )
    return events


def _routing_fact(routing: Any, name: str) -> Any:
    if not isinstance(routing, dict):
        return None
    facts = routing.get("facts")
    return facts.get(name) if isinstance(facts, dict) else None


def referrals(session: Session) -> list[ReferralFact]:
    """Every referral with its history and the routing facts stored with it (age, commune,
    QPV: the decision's facts, no identity)."""
    events = _events_by_referral(session)
    out: list[ReferralFact] = []
    result = session.execute(
        select(
            _referrals.c.id,
            _referrals.c.person_id,
            _referrals.c.source,
            _referrals.c.created_at,
            _referrals.c.status,
            _referrals.c.recipient_organisation_id,
            _referrals.c.outcome,
            _referrals.c.peer_code,
            _referrals.c.due_at,
            _referrals.c.routing,
        )
    ).yield_per(BATCH)
    for row in result:
        age = _routing_fact(row.routing, "age")
        commune = _routing_fact(row.routing, "commune_insee")
        qpv = _routing_fact(row.routing, "lives_in_qpv")
        sex = _routing_fact(row.routing, "sex")
        out.append(
            ReferralFact(
                id=row.id,
                person_id=row.person_id,
                source=row.source,
                created_at=row.created_at,
                status=row.status,
                recipient_organisation_id=row.recipient_organisation_id,
                outcome=row.outcome,
                peer_code=row.peer_code,
                due_at=row.due_at,
                age=age if isinstance(age, int) else None,
                commune_insee=commune if isinstance(commune, str) else None,
                lives_in_qpv=qpv if isinstance(qpv, bool) else None,
                sex=sex if isinstance(sex, str) else None,
                events=tuple(events.get(row.id, ())),
            )
        )
    return out


def organisation_names(session: Session) -> dict[uuid.UUID, str]:
    return {
        row.id: row.name
        for row in session.execute(select(_organisations.c.id, _organisations.c.name))
    }
