"""Referral intake: ``POST /v1/referrals`` (idempotent), routing, consents, matches.

Services take the session first and never commit; the request (or job) owns the unit of
work, so a referral, its history, its match, its consents and its notifications are
written together or not at all.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from consent import registry as consents
from consent.audit import Actor
from consent.schemas import ConsentCreate
from consent.vocabulary import LawfulBasis
from hub.auth.dependencies import Caller
from hub.crypto import Crypto
from hub.directory import repository as directory
from hub.errors import ConflictError, ForbiddenError, UnprocessableError
from hub.models_base import new_id, utcnow
from hub.organisations import repository as organisations
from hub.referrals import facts, identity, outbox, release, repository, routing, views
from hub.referrals.context import RoutingContext
from hub.referrals.models import Referral, ReferralEvent, ReferralIdempotencyKey, ReferralMatch
from hub.referrals.schemas import (
    ConsentRecipient,
    ConsentRef,
    ReferralConsent,
    ReferralCreate,
    ReferralCreated,
)
from hub.referrals.vocabulary import ReferralSource, ReferralStatus, RoutingState
from schemas.v1.models import Person

IDEMPOTENCY_TTL = timedelta(hours=24)
"""How long an ``Idempotency-Key`` is remembered (the same key later starts a new request)."""


class IdempotencyKeyReusedError(UnprocessableError):
    code = "idempotency-key-reused"
    title = "Idempotency key reused with another request"


@dataclass(frozen=True)
class Stored:
    status_code: int
    body: dict[str, object]


def _digest(crypto: Crypto, body: ReferralCreate) -> str:
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return crypto.blind.index("referral-idempotency", canonical)


def _claim_key(
    session: Session, caller: Caller, key: str, digest: str, now: datetime
) -> Stored | ReferralIdempotencyKey:
    """The stored answer of an earlier request with ``key``, or the row claiming it now."""
    existing = repository.get_idempotency_key(session, caller.client_id, key)
    if existing is not None and existing.expires_at <= now:
        session.delete(existing)
        session.flush()
        existing = None
    if existing is None:
        claim = ReferralIdempotencyKey(
            client_id=caller.client_id,
            key=key,
            request_digest=digest,
            status_code=0,
            response={},
            created_at=now,
            expires_at=now + IDEMPOTENCY_TTL,
        )
        try:
            with session.begin_nested():
                session.add(claim)
        except IntegrityError:
            # Another request with this key committed in between: answer like a replay.
            existing = repository.get_idempotency_key(session, caller.client_id, key)
            if existing is None:
                raise ConflictError("a request with this Idempotency-Key is in progress") from None
        else:
            return claim
    if existing.request_digest != digest:
        raise IdempotencyKeyReusedError(
            "this Idempotency-Key was used for a different request; use a new key"
        )
    if existing.status_code == 0:
        raise ConflictError("a request with this Idempotency-Key is in progress")
    return Stored(existing.status_code, dict(existing.response))


def create(
    session: Session,
    crypto: Crypto,
    context: RoutingContext,
    caller: Caller,
    body: ReferralCreate,
    *,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Stored:
    """``POST /v1/referrals``: link the person, route, record consents, open the match."""
    now = now or utcnow()
    claim: ReferralIdempotencyKey | None = None
    if idempotency_key is not None:
        claimed = _claim_key(session, caller, idempotency_key, _digest(crypto, body), now)
        if isinstance(claimed, Stored):
            return claimed
        claim = claimed
    if caller.organisation_id is None:
        raise ForbiddenError("referrals are sent by an organisation's client")
    person = facts.with_commune(body.person)
    if not person.has_identity():
        raise UnprocessableError(
            "the person needs something that identifies them: a name, an INE, a phone or an e-mail"
        )
    referral_id = new_id()
    person_id = identity.link_person(
        session,
        crypto,
        person,
        referral_id=referral_id,
        needs=list(body.needs),
        organisation_id=caller.organisation_id,
        client_id=caller.client_id,
        now=now,
    )
    known = identity.known_facts(session, crypto, person_id)
    routing_person, notes = identity.complete(person, known)
    decision = decide_routing(
        session,
        context,
        person=routing_person,
        needs=list(body.needs),
        source=body.source,
        known_to_mission_locale=known.known_to_mission_locale,
        now=now,
    )
    decision.notes[:0] = notes
    referral = open_referral(
        session,
        crypto,
        context,
        person=person,
        person_id=person_id,
        needs=list(body.needs),
        source=body.source,
        peer_code=body.peer_code,
        sender_organisation_id=caller.organisation_id,
        sender_client_id=caller.client_id,
        source_record_id=None,
        known_to_mission_locale=known.known_to_mission_locale,
        now=now,
        referral_id=referral_id,
        decision=decision,
    )
    consent_refs = _record_consents(session, crypto, caller, referral, body.consent, now)
    open_match(session, referral, actor=release.actor_of(caller), now=now)
    created = ReferralCreated(
        id=referral.id,
        person_id=referral.person_id,
        status=ReferralStatus(referral.status),
        created_at=referral.created_at,
        due_at=referral.due_at,
        routing=views.routing_view(session, referral),
        consents=consent_refs,
    )
    stored = Stored(201, created.model_dump(mode="json"))
    if claim is not None:
        claim.status_code = stored.status_code
        claim.response = stored.body
        session.add(claim)
        session.flush()
    return stored


def decide_routing(
    session: Session,
    context: RoutingContext,
    *,
    person: Person,
    needs: list[str],
    source: ReferralSource,
    known_to_mission_locale: bool | None,
    now: datetime,
) -> routing.Decision:
    """Where the rules send this young person today, explained."""
    routing_facts = facts.facts_for(
        person,
        source=source.value,
        needs=needs,
        on=now.date(),
        context=context,
        known_to_mission_locale=known_to_mission_locale,
    )
    return routing.decide(context.rules, routing_facts, facts.candidates(session))


def open_referral(
    session: Session,
    crypto: Crypto,
    context: RoutingContext,
    *,
    person: Person,
    person_id: uuid.UUID,
    needs: list[str],
    source: ReferralSource,
    peer_code: str | None,
    sender_organisation_id: uuid.UUID | None,
    sender_client_id: str | None,
    source_record_id: uuid.UUID | None,
    known_to_mission_locale: bool | None,
    now: datetime,
    decision: routing.Decision | None = None,
    referral_id: uuid.UUID | None = None,
) -> Referral:
    """Route (unless ``decision`` is given) and store a referral in ``requested``; its match
    is opened separately (:func:`open_match`)."""
    if decision is None:
        decision = decide_routing(
            session,
            context,
            person=person,
            needs=needs,
            source=source,
            known_to_mission_locale=known_to_mission_locale,
            now=now,
        )
    if decision.held:
        state = RoutingState.HELD
    elif decision.routed:
        state = RoutingState.ROUTED  # until the release check says otherwise
    else:
        state = RoutingState.UNROUTED
    referral_id = referral_id or new_id()
    referral = Referral(
        id=referral_id,
        person_id=person_id,
        source=source.value,
        source_record_id=source_record_id,
        sender_organisation_id=sender_organisation_id,
        sender_client_id=sender_client_id,
        recipient_organisation_id=decision.organisation_id,
        service_id=decision.service_id,
        status=ReferralStatus.REQUESTED.value,
        routing_state=state.value,
        priority=decision.priority.value,
        needs=needs,
        peer_code=peer_code,
        person=release.seal_person(crypto, referral_id, person),
        routing=decision.as_dict(),
        created_at=now,
        updated_at=now,
    )
    session.add(referral)
    session.flush()
    session.add(
        ReferralEvent(
            referral_id=referral.id,
            from_status=None,
            to_status=ReferralStatus.REQUESTED.value,
            actor_organisation_id=sender_organisation_id,
            actor_client_id=sender_client_id,
            occurred_at=now,
        )
    )
    session.flush()
    return referral


def _record_consents(
    session: Session,
    crypto: Crypto,
    caller: Caller,
    referral: Referral,
    consent: ReferralConsent | None,
    now: datetime,
) -> list[ConsentRef]:
    """One consent per purpose and recipient in the registry; an identical consent already in
    force is reused, not duplicated."""
    if consent is None:
        return []
    recipients = list(consent.recipients or [])
    if not recipients and referral.recipient_organisation_id is not None:
        recipients = [ConsentRecipient(organisation_id=referral.recipient_organisation_id)]
    actor = release.actor_of(caller)
    refs: list[ConsentRef] = []
    for purpose in consent.purposes:
        for recipient in recipients:
            if recipient.organisation_id is not None and (
                organisations.get(session, recipient.organisation_id) is None
            ):
                raise UnprocessableError(
                    f"consent recipient {recipient.organisation_id} is not a known organisation"
                )
            data = ConsentCreate(
                purpose=purpose,
                recipient_organisation_id=recipient.organisation_id,
                recipient_kind=recipient.kind,
                notice_version=consent.notice_version,
                collection_method=consent.method,
                collected_by=consent.collected_by,
                given_at=now,
            )
            try:
                granted = consents.grant(
                    session, crypto, actor=actor, person_id=referral.person_id, data=data, now=now
                )
                consent_id = granted.id
            except ConflictError as exc:
                existing = exc.extra.get("consent_id")
                if existing is None:
                    raise
                consent_id = uuid.UUID(str(existing))
            refs.append(
                ConsentRef(
                    id=consent_id,
                    purpose=purpose,
                    recipient_organisation_id=recipient.organisation_id,
                    recipient_kind=recipient.kind,
                    lawful_basis=LawfulBasis.CONSENT,
                )
            )
    return refs


def open_match(
    session: Session, referral: Referral, *, actor: Actor | None, now: datetime
) -> ReferralMatch | None:
    """Put a routed referral in its recipient's feed, or make it wait for a lawful basis."""
    if referral.recipient_organisation_id is None:
        return None
    match = ReferralMatch(
        referral_id=referral.id,
        organisation_id=referral.recipient_organisation_id,
        awaiting_consent=True,
        available_at=now,
        created_at=now,
    )
    session.add(match)
    session.flush()
    reconsider(session, match, referral, actor=actor, now=now)
    if match.awaiting_consent:
        referral.routing_state = RoutingState.AWAITING_CONSENT.value
        session.add(referral)
        session.flush()
    return match


def reconsider(
    session: Session,
    match: ReferralMatch,
    referral: Referral,
    *,
    actor: Actor | None,
    now: datetime,
) -> bool:
    """Ask the decision point again for a waiting match; release it when allowed."""
    decision = release.decide(
        session,
        referral,
        recipient_organisation_id=match.organisation_id,
        fields=release.PERSON_FIELDS,
        actor=actor,
        now=now,
    )
    match.consent_checked_at = now
    if decision.allowed:
        match.awaiting_consent = False
        match.released_at = now
        match.available_at = now
        referral.routing_state = RoutingState.ROUTED.value
        if referral.service_id is not None and referral.status == ReferralStatus.REQUESTED.value:
            service = directory.get(session, referral.service_id)
            if service is not None:
                referral.due_at = now + timedelta(days=service.response_delay_days)
        referral.updated_at = now
        session.add(referral)
        outbox.enqueue(
            session,
            match.organisation_id,
            "referral.matched",
            {
                "referral_id": str(referral.id),
                "match_id": str(match.id),
                "priority": referral.priority,
                "service_id": str(referral.service_id) if referral.service_id else None,
            },
            now=now,
        )
    session.add(match)
    session.flush()
    return decision.allowed


def reconsider_person(
    session: Session, person_id: uuid.UUID, *, now: datetime | None = None
) -> int:
    """Re-evaluate the waiting matches of ``person_id`` (after a consent grant or a new source
    record gave a lawful basis); the number released. For the consent domain and imports."""
    now = now or utcnow()
    released = 0
    for match, referral in repository.awaiting_matches_of_persons(session, [person_id]):
        released += reconsider(session, match, referral, actor=None, now=now)
    return released
