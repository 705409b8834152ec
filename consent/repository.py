"""Queries of the consent package (services never build queries themselves)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import Session, col, select

from consent.models import (
    ConsentEvent,
    ErasedSourceKey,
    ErasureTombstone,
    ProcessingRestriction,
    RecipientNotification,
    ReimportFlag,
    RightsRequest,
)
from consent.vocabulary import ConsentEventKind, FlagStatus

# -- consent events -----------------------------------------------------------------------------


def get_grant(session: Session, consent_id: uuid.UUID) -> ConsentEvent | None:
    event = session.get(ConsentEvent, consent_id)
    if event is None or event.event != ConsentEventKind.GRANT.value:
        return None
    return event


def events_of_consents(
    session: Session, consent_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ConsentEvent]]:
    """Every event of each consent, oldest first (grant first)."""
    grouped: dict[uuid.UUID, list[ConsentEvent]] = {cid: [] for cid in consent_ids}
    if not consent_ids:
        return grouped
    rows = session.exec(
        select(ConsentEvent)
        .where(col(ConsentEvent.consent_id).in_(list(consent_ids)))
        .order_by(col(ConsentEvent.recorded_at), col(ConsentEvent.event))
    ).all()
    for row in rows:
        grouped[row.consent_id].append(row)
    return grouped


def grants_of_person(
    session: Session, person_id: uuid.UUID, *, purpose: str | None = None
) -> Sequence[ConsentEvent]:
    query = select(ConsentEvent).where(
        ConsentEvent.person_id == person_id, ConsentEvent.event == ConsentEventKind.GRANT.value
    )
    if purpose is not None:
        query = query.where(ConsentEvent.purpose == purpose)
    return session.exec(query.order_by(col(ConsentEvent.recorded_at))).all()


def matching_grants(
    session: Session,
    person_id: uuid.UUID,
    *,
    purpose: str,
    recipient_organisation_id: uuid.UUID | None,
    recipient_kind: str | None,
) -> Sequence[ConsentEvent]:
    """Grants for ``purpose`` naming this organisation or this kind of organisation."""
    targets: list[ColumnElement[bool]] = []
    if recipient_organisation_id is not None:
        targets.append(col(ConsentEvent.recipient_organisation_id) == recipient_organisation_id)
    if recipient_kind is not None:
        targets.append(
            and_(
                col(ConsentEvent.recipient_kind) == recipient_kind,
                col(ConsentEvent.recipient_organisation_id).is_(None),
            )
        )
    if not targets:
        return []
    return session.exec(
        select(ConsentEvent)
        .where(
            ConsentEvent.person_id == person_id,
            ConsentEvent.event == ConsentEventKind.GRANT.value,
            ConsentEvent.purpose == purpose,
            or_(*targets),
        )
        .order_by(col(ConsentEvent.recorded_at))
    ).all()


def events_of_person(session: Session, person_id: uuid.UUID) -> Sequence[ConsentEvent]:
    return session.exec(
        select(ConsentEvent)
        .where(ConsentEvent.person_id == person_id)
        .order_by(col(ConsentEvent.recorded_at))
    ).all()


def organisation_collected_for(
    session: Session, organisation_id: uuid.UUID, person_id: uuid.UUID
) -> bool:
    return (
        session.exec(
            select(ConsentEvent.id).where(
                ConsentEvent.person_id == person_id,
                ConsentEvent.collected_by_organisation_id == organisation_id,
            )
        ).first()
        is not None
    )


def last_consent_activity(session: Session) -> dict[uuid.UUID, datetime]:
    """Per person, when their consent registry last changed."""
    rows = session.exec(
        select(ConsentEvent.person_id, func.max(ConsentEvent.recorded_at)).group_by(
            col(ConsentEvent.person_id)
        )
    ).all()
    return {person_id: when for person_id, when in rows if when is not None}


# -- restrictions, tombstones, flags ----------------------------------------------------------


def active_restrictions(session: Session, person_id: uuid.UUID) -> Sequence[ProcessingRestriction]:
    return session.exec(
        select(ProcessingRestriction)
        .where(
            ProcessingRestriction.person_id == person_id,
            col(ProcessingRestriction.lifted_at).is_(None),
        )
        .order_by(col(ProcessingRestriction.started_at))
    ).all()


def restrictions_of_request(
    session: Session, request_id: uuid.UUID
) -> Sequence[ProcessingRestriction]:
    return session.exec(
        select(ProcessingRestriction).where(ProcessingRestriction.request_id == request_id)
    ).all()


def tombstone_of_person(session: Session, person_id: uuid.UUID) -> ErasureTombstone | None:
    return session.exec(
        select(ErasureTombstone).where(ErasureTombstone.person_id == person_id)
    ).first()


def tombstones_by_key(session: Session, keys: Sequence[str]) -> dict[str, uuid.UUID]:
    if not keys:
        return {}
    rows = session.exec(
        select(ErasedSourceKey.key, ErasedSourceKey.tombstone_id).where(
            col(ErasedSourceKey.key).in_(list(keys))
        )
    ).all()
    return dict(rows)


def open_flags_touching(
    session: Session, person_id: uuid.UUID, record_ids: Sequence[uuid.UUID]
) -> Sequence[ReimportFlag]:
    condition: ColumnElement[bool] = col(ReimportFlag.person_id) == person_id
    if record_ids:
        condition = or_(condition, col(ReimportFlag.source_record_id).in_(list(record_ids)))
    return session.exec(
        select(ReimportFlag).where(ReimportFlag.status == FlagStatus.OPEN.value, condition)
    ).all()


def flagged_record_ids(session: Session, record_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    if not record_ids:
        return set()
    rows = session.exec(
        select(ReimportFlag.source_record_id).where(
            col(ReimportFlag.source_record_id).in_(list(record_ids))
        )
    ).all()
    return set(rows)


def list_flags(session: Session, *, status: str | None) -> Sequence[ReimportFlag]:
    query = select(ReimportFlag)
    if status is not None:
        query = query.where(ReimportFlag.status == status)
    return session.exec(query.order_by(col(ReimportFlag.detected_at))).all()


# -- rights requests and notifications --------------------------------------------------------


def list_requests(
    session: Session,
    *,
    statuses: Sequence[str] | None = None,
    due_before: datetime | None = None,
    person_id: uuid.UUID | None = None,
) -> Sequence[RightsRequest]:
    query = select(RightsRequest)
    if statuses:
        query = query.where(col(RightsRequest.status).in_(list(statuses)))
    if due_before is not None:
        query = query.where(col(RightsRequest.due_on) < due_before.date())
    if person_id is not None:
        query = query.where(RightsRequest.person_id == person_id)
    return session.exec(
        query.order_by(col(RightsRequest.due_on), col(RightsRequest.created_at))
    ).all()


def notifications_for(
    session: Session, organisation_id: uuid.UUID, *, include_acknowledged: bool
) -> Sequence[RecipientNotification]:
    query = select(RecipientNotification).where(
        RecipientNotification.recipient_organisation_id == organisation_id
    )
    if not include_acknowledged:
        query = query.where(col(RecipientNotification.acknowledged_at).is_(None))
    return session.exec(query.order_by(col(RecipientNotification.created_at))).all()


def notifications_of_request(
    session: Session, request_id: uuid.UUID
) -> Sequence[RecipientNotification]:
    return session.exec(
        select(RecipientNotification)
        .where(RecipientNotification.request_id == request_id)
        .order_by(col(RecipientNotification.created_at))
    ).all()
