"""The consent registry: append-only grant and withdrawal events; state derived, never stored.

A consent *is* its grant event (``consent_id == id``); withdrawing appends a ``withdraw``
event pointing at it. At most one consent per person × purpose × recipient is in force or
pending at a time, so "the" consent of a recipient is unambiguous; after a withdrawal or
expiry a new grant starts a new consent with a new id.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from consent import adapters, audit, repository
from consent.audit import Actor
from consent.models import ConsentEvent
from consent.schemas import ConsentCreate, ConsentEventPublic, ConsentPublic, ConsentWithdraw
from consent.vocabulary import (
    AuditAction,
    CollectionMethod,
    ConsentEventKind,
    ConsentState,
    LawfulBasis,
    Purpose,
)
from hub.crypto import Crypto
from hub.errors import ConflictError, NotFoundError, UnprocessableError
from hub.models_base import new_id, utcnow
from hub.organisations import repository as organisations
from hub.organisations.models import OrganisationKind

TABLE = "consent_event"
WITHDRAWN_EVENT = "consent.withdrawn"
CONSENT_FIELDS = ("consents",)


def consent_state(
    grant: ConsentEvent, events: Sequence[ConsentEvent], now: datetime
) -> ConsentState:
    """A withdrawal ends the consent as soon as it is recorded, whatever date it carries."""
    if any(event.event == ConsentEventKind.WITHDRAW.value for event in events):
        return ConsentState.WITHDRAWN
    if now < grant.valid_from:
        return ConsentState.PENDING
    if grant.valid_until is not None and now >= grant.valid_until:
        return ConsentState.EXPIRED
    return ConsentState.ACTIVE


def _not_future(when: datetime | None, now: datetime, what: str) -> datetime:
    if when is None:
        return now
    if when > now:
        raise UnprocessableError(f"{what} is in the future")
    return when


def grant(
    session: Session,
    crypto: Crypto,
    *,
    actor: Actor,
    person_id: uuid.UUID,
    data: ConsentCreate,
    now: datetime | None = None,
) -> ConsentPublic:
    now = now or utcnow()
    given_at = _not_future(data.given_at, now, "given_at")
    valid_from = data.valid_from or given_at
    if data.valid_until is not None and data.valid_until <= valid_from:
        raise UnprocessableError("valid_until must be after valid_from")
    if repository.tombstone_of_person(session, person_id) is not None:
        raise ConflictError("this person was erased; no consent can be recorded for them")
    if data.recipient_organisation_id is not None and (
        organisations.get(session, data.recipient_organisation_id) is None
    ):
        raise UnprocessableError("recipient_organisation_id is not a known organisation")
    recipient_kind = data.recipient_kind.value if data.recipient_kind else None
    same_target = repository.matching_grants(
        session,
        person_id,
        purpose=data.purpose.value,
        recipient_organisation_id=data.recipient_organisation_id,
        recipient_kind=None if data.recipient_organisation_id else recipient_kind,
    )
    if same_target:
        events = repository.events_of_consents(session, [g.id for g in same_target])
        for existing in same_target:
            if consent_state(existing, events[existing.id], now) in (
                ConsentState.ACTIVE,
                ConsentState.PENDING,
            ):
                raise ConflictError(
                    "a consent for this purpose and recipient is already in force",
                    extra={"consent_id": str(existing.id)},
                )
    event_id = new_id()
    event = ConsentEvent(
        id=event_id,
        consent_id=event_id,
        event=ConsentEventKind.GRANT.value,
        person_id=person_id,
        purpose=data.purpose.value,
        recipient_organisation_id=data.recipient_organisation_id,
        recipient_kind=recipient_kind,
        lawful_basis=data.lawful_basis.value,
        notice_version=data.notice_version,
        collection_method=data.collection_method.value,
        collected_by_organisation_id=actor.organisation_id,
        valid_from=valid_from,
        valid_until=data.valid_until,
        occurred_at=given_at,
        recorded_at=now,
        recorded_by_client_id=actor.client_id,
    )
    _seal(crypto, event, data.collected_by, data.evidence_reference)
    session.add(event)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=AuditAction.WRITE,
        person_id=person_id,
        purpose=data.purpose.value,
        fields=CONSENT_FIELDS,
        reference=str(event.id),
        now=now,
    )
    return _view(crypto, event, [event], now)


def withdraw(
    session: Session,
    crypto: Crypto,
    *,
    actor: Actor,
    consent_id: uuid.UUID,
    data: ConsentWithdraw,
    now: datetime | None = None,
) -> ConsentPublic:
    now = now or utcnow()
    consent = get_grant_or_raise(session, consent_id)
    events = repository.events_of_consents(session, [consent_id])[consent_id]
    if consent_state(consent, events, now) is ConsentState.WITHDRAWN:
        raise ConflictError("this consent was already withdrawn")
    withdrawn_at = _not_future(data.withdrawn_at, now, "withdrawn_at")
    event = ConsentEvent(
        id=new_id(),
        consent_id=consent.id,
        event=ConsentEventKind.WITHDRAW.value,
        person_id=consent.person_id,
        purpose=consent.purpose,
        recipient_organisation_id=consent.recipient_organisation_id,
        recipient_kind=consent.recipient_kind,
        lawful_basis=consent.lawful_basis,
        notice_version=consent.notice_version,
        collection_method=data.collection_method.value,
        collected_by_organisation_id=actor.organisation_id,
        valid_from=withdrawn_at,
        occurred_at=withdrawn_at,
        recorded_at=now,
        recorded_by_client_id=actor.client_id,
    )
    _seal(crypto, event, data.collected_by, data.evidence_reference)
    session.add(event)
    session.flush()
    _tell_recipients(session, consent, now)
    audit.record(
        session,
        actor=actor,
        action=AuditAction.WRITE,
        person_id=consent.person_id,
        purpose=consent.purpose,
        fields=CONSENT_FIELDS,
        reference=str(consent.id),
        now=now,
    )
    return _view(crypto, consent, [*events, event], now)


def _tell_recipients(session: Session, consent: ConsentEvent, now: datetime) -> None:
    """Organisations that received the person's data under this consent learn of the
    withdrawal (``consent.withdrawn`` in their event feed)."""
    recipients = audit.recipients_of_person(
        session,
        consent.person_id,
        purpose=consent.purpose,
        organisation_id=consent.recipient_organisation_id,
        recipient_kind=None if consent.recipient_organisation_id else consent.recipient_kind,
    )
    for organisation_id in recipients:
        adapters.notify_organisation(
            session,
            organisation_id,
            WITHDRAWN_EVENT,
            {
                "consent_id": str(consent.id),
                "person_id": str(consent.person_id),
                "purpose": consent.purpose,
            },
            now=now,
        )


def list_for_person(
    session: Session,
    crypto: Crypto,
    *,
    actor: Actor,
    person_id: uuid.UUID,
    now: datetime | None = None,
) -> list[ConsentPublic]:
    now = now or utcnow()
    views = consents_of_person(session, crypto, person_id, now)
    audit.record(
        session,
        actor=actor,
        action=AuditAction.READ,
        person_id=person_id,
        fields=CONSENT_FIELDS,
        now=now,
    )
    return views


def consents_of_person(
    session: Session, crypto: Crypto, person_id: uuid.UUID, now: datetime
) -> list[ConsentPublic]:
    """Every consent of the person with its history (no audit entry: callers audit)."""
    grants = repository.grants_of_person(session, person_id)
    events = repository.events_of_consents(session, [g.id for g in grants])
    return [_view(crypto, g, events[g.id], now) for g in grants]


def get_grant_or_raise(session: Session, consent_id: uuid.UUID) -> ConsentEvent:
    consent = repository.get_grant(session, consent_id)
    if consent is None:
        raise NotFoundError(f"no consent {consent_id}")
    return consent


def get_view(
    session: Session, crypto: Crypto, consent_id: uuid.UUID, now: datetime
) -> ConsentPublic:
    consent = get_grant_or_raise(session, consent_id)
    events = repository.events_of_consents(session, [consent_id])[consent_id]
    return _view(crypto, consent, events, now)


def recipient_label(session: Session, consent: ConsentPublic) -> str:
    if consent.recipient_organisation_id is not None:
        organisation = organisations.get(session, consent.recipient_organisation_id)
        if organisation is not None:
            return organisation.name
        return "une organisation du réseau INVISIBLES"
    assert consent.recipient_kind is not None
    return KIND_LABELS[consent.recipient_kind]


KIND_LABELS: dict[OrganisationKind, str] = {
    OrganisationKind.MISSION_LOCALE: "la Mission Locale",
    OrganisationKind.PARTNER: "les structures partenaires du programme INVISIBLES",
    OrganisationKind.OUTREACH: "les équipes de rue (repérage)",
    OrganisationKind.PSAD: "la plateforme de suivi et d'appui aux décrocheurs (PSAD)",
    OrganisationKind.DPO: "le délégué à la protection des données",
}


# -- encryption of free text and views ------------------------------------------------------------


def _seal(
    crypto: Crypto, event: ConsentEvent, collected_by: str | None, evidence: str | None
) -> None:
    row = str(event.id)
    event.collected_by = crypto.cipher.encrypt_text(
        collected_by, table=TABLE, row_id=row, field="collected_by"
    )
    event.evidence = crypto.cipher.encrypt_text(evidence, table=TABLE, row_id=row, field="evidence")


def _event_view(crypto: Crypto, event: ConsentEvent) -> ConsentEventPublic:
    row = str(event.id)
    return ConsentEventPublic(
        id=event.id,
        event=ConsentEventKind(event.event),
        occurred_at=event.occurred_at,
        recorded_at=event.recorded_at,
        collection_method=CollectionMethod(event.collection_method),
        collected_by_organisation_id=event.collected_by_organisation_id,
        collected_by=crypto.cipher.decrypt_text(
            event.collected_by, table=TABLE, row_id=row, field="collected_by"
        ),
        evidence_reference=crypto.cipher.decrypt_text(
            event.evidence, table=TABLE, row_id=row, field="evidence"
        ),
        recorded_by_client_id=event.recorded_by_client_id,
        redacted=event.redacted_at is not None,
    )


def _view(
    crypto: Crypto, grant: ConsentEvent, events: Sequence[ConsentEvent], now: datetime
) -> ConsentPublic:
    withdrawals = [e for e in events if e.event == ConsentEventKind.WITHDRAW.value]
    return ConsentPublic(
        id=grant.id,
        person_id=grant.person_id,
        purpose=Purpose(grant.purpose),
        recipient_organisation_id=grant.recipient_organisation_id,
        recipient_kind=OrganisationKind(grant.recipient_kind) if grant.recipient_kind else None,
        lawful_basis=LawfulBasis(grant.lawful_basis),
        notice_version=grant.notice_version,
        state=consent_state(grant, events, now),
        given_at=grant.occurred_at,
        valid_from=grant.valid_from,
        valid_until=grant.valid_until,
        withdrawn_at=withdrawals[0].occurred_at if withdrawals else None,
        history=[_event_view(crypto, e) for e in events],
    )
