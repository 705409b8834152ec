"""The matches feed: referrals addressed to an organisation, at least once, acknowledged.

Semantics (see :mod:`hub.referrals.queue`): a read leases its items for the visibility
timeout; an item acknowledged never comes back; one not acknowledged comes back after the
timeout. A match waiting for a lawful basis is not in the feed: each read first asks the
decision point again for the caller's waiting matches whose person has had a consent event
since the last check, and releases those now allowed. Each delivered item asks the decision
point again (audited): after a withdrawal, an item comes back without any personal data.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from consent.models import ConsentEvent
from hub.auth.dependencies import Caller
from hub.crypto import Crypto
from hub.directory import repository as directory
from hub.errors import ForbiddenError
from hub.models_base import utcnow
from hub.referrals import intake, queue, release, repository, views
from hub.referrals.context import RoutingContext
from hub.referrals.models import Referral, ReferralMatch
from hub.referrals.schemas import (
    AckResult,
    MatchItem,
    MatchPage,
    ReleaseDecision,
)
from hub.referrals.vocabulary import Priority, ReferralStatus

RECONSIDER_BATCH = 200


def _organisation(caller: Caller) -> uuid.UUID:
    if caller.organisation_id is None:
        raise ForbiddenError("the matches feed belongs to an organisation's client")
    return caller.organisation_id


def _consent_changed(
    session: Session, waiting: Sequence[tuple[ReferralMatch, Referral]]
) -> set[uuid.UUID]:
    """Persons of ``waiting`` with a consent event recorded since their match's last check."""
    if not waiting:
        return set()
    oldest = min(
        (m.consent_checked_at for m, _ in waiting if m.consent_checked_at is not None),
        default=None,
    )
    query = select(ConsentEvent.person_id, ConsentEvent.recorded_at).where(
        col(ConsentEvent.person_id).in_({r.person_id for _, r in waiting})
    )
    if oldest is not None:
        query = query.where(col(ConsentEvent.recorded_at) > oldest)
    latest: dict[uuid.UUID, datetime] = {}
    for person_id, recorded_at in session.exec(query).all():
        if person_id not in latest or recorded_at > latest[person_id]:
            latest[person_id] = recorded_at
    return {
        r.person_id
        for m, r in waiting
        if r.person_id in latest
        and (m.consent_checked_at is None or latest[r.person_id] > m.consent_checked_at)
    }


def _release_waiting(
    session: Session, caller: Caller, organisation_id: uuid.UUID, now: datetime
) -> None:
    waiting = repository.awaiting_matches(session, organisation_id, limit=RECONSIDER_BATCH)
    changed = _consent_changed(session, waiting)
    for match, referral in waiting:
        if referral.person_id in changed:
            intake.reconsider(session, match, referral, actor=release.actor_of(caller), now=now)


def _item(
    session: Session,
    crypto: Crypto,
    caller: Caller,
    match: ReferralMatch,
    referral: Referral,
    now: datetime,
) -> MatchItem:
    decision = release.decide(
        session,
        referral,
        recipient_organisation_id=match.organisation_id,
        fields=release.PERSON_FIELDS,
        actor=release.actor_of(caller),
        now=now,
    )
    person = release.open_person(crypto, referral) if decision.allowed else None
    service_row = directory.get(session, referral.service_id) if referral.service_id else None
    return MatchItem(
        id=match.id,
        referral_id=referral.id,
        status=ReferralStatus(referral.status),
        priority=Priority(referral.priority),
        service=views.service_ref(service_row),
        rules_fired=views.fired_rules(referral),
        created_at=referral.created_at,
        due_at=referral.due_at,
        overdue=views.is_overdue(referral, now),
        delivery_count=match.delivery_count,
        release=ReleaseDecision(
            allowed=decision.allowed, reason=decision.reason, lawful_basis=decision.lawful_basis
        ),
        person_id=referral.person_id if decision.allowed else None,
        person=person,
        needs=list(referral.needs) if decision.allowed else None,
        peer_code=referral.peer_code if decision.allowed else None,
        released_fields=release.present_fields(person) if person is not None else [],
    )


def read(
    session: Session,
    crypto: Crypto,
    context: RoutingContext,
    caller: Caller,
    *,
    cursor: str | None,
    limit: int,
    now: datetime | None = None,
) -> MatchPage:
    now = now or utcnow()
    organisation_id = _organisation(caller)
    _release_waiting(session, caller, organisation_id, now)
    leased, next_cursor = queue.lease(
        session,
        ReferralMatch,
        organisation_id=organisation_id,
        cursor=cursor,
        limit=limit,
        visibility=context.visibility,
        now=now,
        where=[col(ReferralMatch.awaiting_consent).is_(False)],
    )
    referrals = repository.referrals_by_ids(session, [m.referral_id for m, _ in leased])
    items = [
        _item(session, crypto, caller, match, referrals[match.referral_id], now)
        for match, _ in leased
    ]
    return MatchPage(
        items=items,
        next_cursor=next_cursor,
        visibility_timeout_seconds=int(context.visibility.total_seconds()),
    )


def acknowledge(
    session: Session, caller: Caller, ids: Sequence[uuid.UUID], *, now: datetime | None = None
) -> AckResult:
    acknowledged, unknown = queue.acknowledge(
        session,
        ReferralMatch,
        organisation_id=_organisation(caller),
        ids=ids,
        now=now or utcnow(),
    )
    return AckResult(acknowledged=acknowledged, unknown=unknown)
