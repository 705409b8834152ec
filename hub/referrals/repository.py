"""Queries on referrals, their history, matches and idempotency keys."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from hub.referrals.lifecycle import OPEN
from hub.referrals.models import Referral, ReferralEvent, ReferralIdempotencyKey, ReferralMatch


def get(session: Session, referral_id: uuid.UUID) -> Referral | None:
    return session.get(Referral, referral_id)


def history(session: Session, referral_id: uuid.UUID) -> Sequence[ReferralEvent]:
    return session.exec(
        select(ReferralEvent)
        .where(ReferralEvent.referral_id == referral_id)
        .order_by(col(ReferralEvent.occurred_at), col(ReferralEvent.id))
    ).all()


def match_of(session: Session, referral_id: uuid.UUID) -> ReferralMatch | None:
    return session.exec(
        select(ReferralMatch).where(ReferralMatch.referral_id == referral_id)
    ).first()


def by_source_record(session: Session, source_record_id: uuid.UUID) -> Referral | None:
    return session.exec(
        select(Referral).where(Referral.source_record_id == source_record_id)
    ).first()


def referred_source_records(
    session: Session, source_record_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    if not source_record_ids:
        return set()
    rows = session.exec(
        select(Referral.source_record_id).where(
            col(Referral.source_record_id).in_(list(source_record_ids))
        )
    ).all()
    return {row for row in rows if row is not None}


def persons_with_open_referrals(
    session: Session, person_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    if not person_ids:
        return set()
    rows = session.exec(
        select(Referral.person_id).where(
            col(Referral.person_id).in_(list(person_ids)),
            col(Referral.status).in_([s.value for s in OPEN]),
            col(Referral.recipient_organisation_id).is_not(None),
        )
    ).all()
    return set(rows)


def open_counts_by_service(session: Session) -> dict[uuid.UUID, int]:
    rows = session.exec(
        select(Referral.service_id, func.count())
        .where(
            col(Referral.service_id).is_not(None), col(Referral.status).in_([s.value for s in OPEN])
        )
        .group_by(col(Referral.service_id))
    ).all()
    return {service_id: count for service_id, count in rows if service_id is not None}


def referrals_of_person(session: Session, person_id: uuid.UUID) -> Sequence[Referral]:
    return session.exec(
        select(Referral)
        .where(Referral.person_id == person_id)
        .order_by(col(Referral.created_at), col(Referral.id))
    ).all()


def person_ids_referred_by(session: Session, organisation_id: uuid.UUID) -> set[uuid.UUID]:
    rows = session.exec(
        select(Referral.person_id).where(Referral.sender_organisation_id == organisation_id)
    ).all()
    return set(rows)


def is_party_for_person(session: Session, organisation_id: uuid.UUID, person_id: uuid.UUID) -> bool:
    """The organisation sent or received a referral of the person."""
    return (
        session.exec(
            select(Referral.id).where(
                Referral.person_id == person_id,
                (col(Referral.sender_organisation_id) == organisation_id)
                | (col(Referral.recipient_organisation_id) == organisation_id),
            )
        ).first()
        is not None
    )


def awaiting_matches(
    session: Session, organisation_id: uuid.UUID, *, limit: int
) -> Sequence[tuple[ReferralMatch, Referral]]:
    return session.exec(
        select(ReferralMatch, Referral)
        .join(Referral, col(Referral.id) == col(ReferralMatch.referral_id))
        .where(
            ReferralMatch.organisation_id == organisation_id,
            col(ReferralMatch.awaiting_consent).is_(True),
            col(ReferralMatch.acked_at).is_(None),
        )
        .order_by(col(ReferralMatch.created_at), col(ReferralMatch.id))
        .limit(limit)
    ).all()


def awaiting_matches_of_persons(
    session: Session, person_ids: Sequence[uuid.UUID]
) -> Sequence[tuple[ReferralMatch, Referral]]:
    if not person_ids:
        return []
    return session.exec(
        select(ReferralMatch, Referral)
        .join(Referral, col(Referral.id) == col(ReferralMatch.referral_id))
        .where(
            col(Referral.person_id).in_(list(person_ids)),
            col(ReferralMatch.awaiting_consent).is_(True),
        )
    ).all()


def referrals_by_ids(
    session: Session, referral_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Referral]:
    if not referral_ids:
        return {}
    rows = session.exec(select(Referral).where(col(Referral.id).in_(list(referral_ids)))).all()
    return {row.id: row for row in rows}


def list_for_organisation(
    session: Session,
    organisation_id: uuid.UUID | None,
    *,
    sent: bool,
    received: bool,
    statuses: Sequence[str] | None,
    overdue_at: datetime | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> Sequence[Referral]:
    """Referrals the organisation sent and/or received (every one when ``organisation_id`` is
    None: operators), oldest first, after the ``(created_at, id)`` position ``after``."""
    query = select(Referral)
    if organisation_id is not None:
        sides = []
        if sent:
            sides.append(col(Referral.sender_organisation_id) == organisation_id)
        if received:
            sides.append(col(Referral.recipient_organisation_id) == organisation_id)
        if len(sides) == 2:
            query = query.where(sides[0] | sides[1])
        elif sides:
            query = query.where(sides[0])
    if statuses:
        query = query.where(col(Referral.status).in_(list(statuses)))
    if overdue_at is not None:
        query = query.where(
            Referral.status == "requested",
            col(Referral.due_at).is_not(None),
            col(Referral.due_at) <= overdue_at,
        )
    if after is not None:
        when, last_id = after
        query = query.where(
            (col(Referral.created_at) > when)
            | ((col(Referral.created_at) == when) & (col(Referral.id) > last_id))
        )
    return session.exec(
        query.order_by(col(Referral.created_at), col(Referral.id)).limit(limit)
    ).all()


def overdue_unflagged(session: Session, now: datetime, *, limit: int) -> Sequence[Referral]:
    return session.exec(
        select(Referral)
        .where(
            Referral.status == "requested",
            col(Referral.due_at).is_not(None),
            col(Referral.due_at) <= now,
            col(Referral.overdue_flagged_at).is_(None),
        )
        .order_by(col(Referral.due_at), col(Referral.id))
        .limit(limit)
    ).all()


def get_idempotency_key(
    session: Session, client_id: str, key: str
) -> ReferralIdempotencyKey | None:
    return session.exec(
        select(ReferralIdempotencyKey).where(
            ReferralIdempotencyKey.client_id == client_id, ReferralIdempotencyKey.key == key
        )
    ).first()
