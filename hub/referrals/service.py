"""Referral lifecycle (FHIR Task transitions), reads, lists and deadlines.

Services take the session first and never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, select

from hub.auth.dependencies import Caller, ensure_owner, not_found
from hub.crypto import Crypto
from hub.errors import ConflictError, ForbiddenError, UnprocessableError
from hub.models_base import new_id, utcnow
from hub.persons.events import on_person_merged
from hub.referrals import cursors, outbox, release, repository, views
from hub.referrals.lifecycle import (
    REASON_REQUIRED,
    TRANSITIONS,
    Role,
    actor_for,
    allowed_targets,
)
from hub.referrals.models import Referral, ReferralEvent, SourceRecordRouting
from hub.referrals.phase import programme_phase
from hub.referrals.schemas import PhasePublic, ReferralPage, ReferralPublic, TransitionCreate
from hub.referrals.vocabulary import Outcome, Priority, ReferralSource, ReferralStatus


class IllegalTransitionError(ConflictError):
    code = "illegal-transition"
    title = "Illegal status transition"


class TransitionForbiddenError(ForbiddenError):
    code = "transition-forbidden"
    title = "Transition reserved to the other party"


# -- lifecycle ------------------------------------------------------------------------------


def _roles(caller: Caller, referral: Referral) -> set[Role]:
    roles: set[Role] = set()
    if caller.organisation_id is not None:
        if caller.organisation_id == referral.sender_organisation_id:
            roles.add(Role.SENDER)
        if caller.organisation_id == referral.recipient_organisation_id:
            roles.add(Role.RECEIVER)
    if caller.is_admin:
        roles |= {Role.SENDER, Role.RECEIVER}
    return roles


def get_for_caller(
    session: Session, caller: Caller, referral_id: uuid.UUID
) -> tuple[Referral, set[Role]]:
    """The referral and the caller's roles on it; 404 for anyone neither sender nor receiver
    (the very answer of a referral that does not exist)."""
    referral = repository.get(session, referral_id)
    if referral is None:
        raise not_found("referral", referral_id)
    ensure_owner(
        caller,
        referral.sender_organisation_id,
        referral.recipient_organisation_id,
        what="referral",
        object_id=referral_id,
    )
    return referral, _roles(caller, referral)


def transition(
    session: Session,
    crypto: Crypto,
    caller: Caller,
    referral_id: uuid.UUID,
    body: TransitionCreate,
    *,
    now: datetime | None = None,
) -> ReferralPublic:
    now = now or utcnow()
    referral, roles = get_for_caller(session, caller, referral_id)
    current = ReferralStatus(referral.status)
    target = body.status
    allowed = [status.value for status in allowed_targets(current, roles)]
    if target not in TRANSITIONS[current]:
        raise IllegalTransitionError(
            f"a referral in {current.value!r} cannot move to {target.value!r}",
            extra={"current_status": current.value, "allowed": allowed},
        )
    if actor_for(target) not in roles:
        who = "the sender" if actor_for(target) is Role.SENDER else "the receiving organisation"
        raise TransitionForbiddenError(
            f"only {who} may move a referral to {target.value!r}",
            extra={"current_status": current.value, "allowed": allowed},
        )
    if target in REASON_REQUIRED and body.reason is None:
        raise UnprocessableError(f"a reason is required to move a referral to {target.value!r}")
    if target is ReferralStatus.COMPLETED and body.outcome is None:
        raise UnprocessableError(
            "an outcome is required at completion: "
            + ", ".join(outcome.value for outcome in Outcome)
        )
    if target is not ReferralStatus.COMPLETED and body.outcome is not None:
        raise UnprocessableError("an outcome is given only at completion")
    event_id = new_id()
    session.add(
        ReferralEvent(
            id=event_id,
            referral_id=referral.id,
            from_status=current.value,
            to_status=target.value,
            reason=views.seal_reason(crypto, event_id, body.reason),
            outcome=body.outcome.value if body.outcome else None,
            actor_organisation_id=caller.organisation_id,
            actor_client_id=caller.client_id,
            occurred_at=now,
        )
    )
    referral.status = target.value
    referral.outcome = body.outcome.value if body.outcome else None
    referral.updated_at = now
    session.add(referral)
    session.flush()
    payload = {
        "referral_id": str(referral.id),
        "from_status": current.value,
        "status": target.value,
        "outcome": referral.outcome,
    }
    for party in {referral.sender_organisation_id, referral.recipient_organisation_id}:
        if party is not None and party != caller.organisation_id:
            outbox.enqueue(session, party, "referral.status_changed", payload, now=now)
    return view(session, crypto, caller, referral, roles, now=now)


# -- reads ----------------------------------------------------------------------------------


def view(
    session: Session,
    crypto: Crypto,
    caller: Caller,
    referral: Referral,
    roles: set[Role],
    *,
    now: datetime,
) -> ReferralPublic:
    """The referral as ``caller`` may see it. A receiver that is not also the sender gets the
    person's id, needs and the reasons only when the decision point allows (audited)."""
    released = True
    if Role.SENDER not in roles and referral.recipient_organisation_id is not None:
        decision = release.decide(
            session,
            referral,
            recipient_organisation_id=referral.recipient_organisation_id,
            fields=release.REFERRAL_FIELDS,
            actor=release.actor_of(caller),
            now=now,
        )
        released = decision.allowed
    return ReferralPublic(
        id=referral.id,
        person_id=referral.person_id if released else None,
        source=ReferralSource(referral.source),
        status=ReferralStatus(referral.status),
        outcome=Outcome(referral.outcome) if referral.outcome else None,
        priority=Priority(referral.priority),
        needs=list(referral.needs) if released else None,
        peer_code=referral.peer_code if released else None,
        sender_organisation_id=referral.sender_organisation_id,
        recipient_organisation_id=referral.recipient_organisation_id,
        routing=views.routing_view(session, referral),
        created_at=referral.created_at,
        updated_at=referral.updated_at,
        due_at=referral.due_at,
        overdue=views.is_overdue(referral, now),
        history=views.history_view(
            crypto, repository.history(session, referral.id), with_reasons=released
        ),
        allowed_transitions=allowed_targets(ReferralStatus(referral.status), roles),
    )


def read(
    session: Session,
    crypto: Crypto,
    caller: Caller,
    referral_id: uuid.UUID,
    *,
    now: datetime | None = None,
) -> ReferralPublic:
    referral, roles = get_for_caller(session, caller, referral_id)
    return view(session, crypto, caller, referral, roles, now=now or utcnow())


def list_referrals(
    session: Session,
    crypto: Crypto,
    caller: Caller,
    *,
    role: Role | None,
    statuses: Sequence[ReferralStatus] | None,
    overdue: bool,
    cursor: str | None,
    limit: int,
    now: datetime | None = None,
) -> ReferralPage:
    """Referrals the caller's organisation sent or received (``role`` narrows), oldest first."""
    now = now or utcnow()
    if caller.organisation_id is None and not caller.is_admin:
        raise ForbiddenError("referrals are listed for an organisation's client")
    after = cursors.decode(cursor) if cursor else None
    rows = repository.list_for_organisation(
        session,
        caller.organisation_id,
        sent=role in (None, Role.SENDER),
        received=role in (None, Role.RECEIVER),
        statuses=[s.value for s in statuses] if statuses else None,
        overdue_at=now if overdue else None,
        after=after,
        limit=limit,
    )
    items = [view(session, crypto, caller, row, _roles(caller, row), now=now) for row in rows]
    next_cursor = cursors.encode(rows[-1].created_at, rows[-1].id) if rows else cursor
    return ReferralPage(items=items, next_cursor=next_cursor)


# -- deadlines ------------------------------------------------------------------------------


def flag_overdue(session: Session, *, now: datetime | None = None, limit: int = 1000) -> int:
    """Flag referrals still ``requested`` past their service's response delay, once each, and
    notify both parties. Returns how many were flagged."""
    now = now or utcnow()
    flagged = 0
    for referral in repository.overdue_unflagged(session, now, limit=limit):
        referral.overdue_flagged_at = now
        session.add(referral)
        payload = {
            "referral_id": str(referral.id),
            "status": referral.status,
            "due_at": referral.due_at.isoformat() if referral.due_at else None,
        }
        for party in {referral.sender_organisation_id, referral.recipient_organisation_id}:
            if party is not None:
                outbox.enqueue(session, party, "referral.overdue", payload, now=now)
        flagged += 1
    session.flush()
    return flagged


# -- programme phase -----------------------------------------------------------------------


def phase_for(session: Session, caller: Caller, person_id: uuid.UUID) -> PhasePublic:
    """The person's programme phase, for an organisation that sent or received one of their
    referrals (anyone else: 404, as for a person that does not exist)."""
    if not caller.is_admin and (
        caller.organisation_id is None
        or not repository.is_party_for_person(session, caller.organisation_id, person_id)
    ):
        raise not_found("person", person_id)
    info = programme_phase(session, person_id)
    return PhasePublic(
        person_id=person_id, phase=info.phase.value, since=info.since, referral_id=info.referral_id
    )


# -- identity corrections ------------------------------------------------------------------


@on_person_merged
def reassign_person(session: Session, from_person_id: uuid.UUID, to_person_id: uuid.UUID) -> int:
    """Move the referrals of a person merged into another (identity resolution calls it on
    every merge, automatic or manual); the number of referrals moved."""
    moved = 0
    for referral in repository.referrals_of_person(session, from_person_id):
        referral.person_id = to_person_id
        session.add(referral)
        moved += 1
    for marker in session.exec(
        select(SourceRecordRouting).where(SourceRecordRouting.person_id == from_person_id)
    ).all():
        marker.person_id = to_person_id
        session.add(marker)
    session.flush()
    return moved
