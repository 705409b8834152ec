"""The one decision point: every rule, and every call audited."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, select

from consent import registry, rights
from consent.decisions import Decision, may_release
from consent.models import AuditEvent, ErasureTombstone, ProcessingRestriction
from consent.schemas import ConsentWithdraw
from consent.vocabulary import LawfulBasis, Purpose, RestrictionKind
from hub.crypto import Crypto
from hub.organisations.models import OrganisationKind
from tests.consent.conftest import NOW, actor_for, organisation
from tests.consent.test_registry import grant_body

FIELDS = ["person.family_name", "person.phones"]


def _ask(session: Session, person_id: uuid.UUID, org: uuid.UUID, **kw: Any) -> Decision:
    args: dict[str, Any] = {
        "person_id": person_id,
        "recipient_organisation_id": org,
        "recipient_kind": None,
        "purpose": Purpose.ORIENTATION,
        "fields": FIELDS,
        "now": NOW,
    }
    args.update(kw)
    return may_release(session, **args)


def test_no_consent_denies(session: Session) -> None:
    partner = organisation(session, OrganisationKind.PARTNER)
    decision = _ask(session, uuid.uuid4(), partner)
    assert decision == Decision(False, "no_consent", None)


def test_consent_for_the_kind_allows_any_organisation_of_that_kind(
    session: Session, crypto: Crypto
) -> None:
    partner = organisation(session, OrganisationKind.PARTNER)
    mission_locale = organisation(session, OrganisationKind.MISSION_LOCALE)
    person_id = uuid.uuid4()
    granted = registry.grant(
        session, crypto, actor=actor_for(None), person_id=person_id, data=grant_body(), now=NOW
    )
    allowed = may_release(
        session,
        person_id=person_id,
        recipient_organisation_id=partner,
        recipient_kind=None,
        purpose=Purpose.ORIENTATION,
        fields=FIELDS,
        now=NOW,
    )
    assert allowed.allowed
    assert allowed.reason == "consent"
    assert allowed.lawful_basis is LawfulBasis.CONSENT
    assert allowed.consent_id == granted.id
    other_kind = may_release(
        session,
        person_id=person_id,
        recipient_organisation_id=mission_locale,
        recipient_kind=None,
        purpose=Purpose.ORIENTATION,
        fields=FIELDS,
        now=NOW,
    )
    assert not other_kind.allowed
    other_purpose = may_release(
        session,
        person_id=person_id,
        recipient_organisation_id=partner,
        recipient_kind=None,
        purpose=Purpose.STATISTIQUES,
        fields=FIELDS,
        now=NOW,
    )
    assert not other_purpose.allowed


def test_consent_for_one_organisation_does_not_cover_its_peers(
    session: Session, crypto: Crypto
) -> None:
    chosen = organisation(session, OrganisationKind.PARTNER)
    peer = organisation(session, OrganisationKind.PARTNER)
    person_id = uuid.uuid4()
    registry.grant(
        session,
        crypto,
        actor=actor_for(None),
        person_id=person_id,
        data=grant_body(recipient_kind=None, recipient_organisation_id=chosen),
        now=NOW,
    )
    assert _ask(session, person_id, chosen).allowed
    assert not _ask(session, person_id, peer).allowed


def test_withdrawal_stops_the_very_next_release(session: Session, crypto: Crypto) -> None:
    partner = organisation(session, OrganisationKind.PARTNER)
    person_id = uuid.uuid4()
    granted = registry.grant(
        session, crypto, actor=actor_for(None), person_id=person_id, data=grant_body(), now=NOW
    )
    session.commit()
    assert _ask(session, person_id, partner).allowed
    registry.withdraw(
        session,
        crypto,
        actor=actor_for(None),
        consent_id=granted.id,
        data=ConsentWithdraw(),
        now=NOW,
    )
    session.commit()
    decision = _ask(session, person_id, partner, now=NOW + timedelta(seconds=1))
    assert not decision.allowed
    assert decision.reason == "consent_withdrawn"


def test_expired_and_not_yet_valid_consents_deny_with_their_reason(
    session: Session, crypto: Crypto
) -> None:
    partner = organisation(session, OrganisationKind.PARTNER)
    person_id = uuid.uuid4()
    registry.grant(
        session,
        crypto,
        actor=actor_for(None),
        person_id=person_id,
        data=grant_body(valid_from=NOW + timedelta(days=1), valid_until=NOW + timedelta(days=5)),
        now=NOW,
    )
    assert _ask(session, person_id, partner).reason == "consent_not_yet_valid"
    later = NOW + timedelta(days=6)
    assert _ask(session, person_id, partner, now=later).reason == "consent_expired"


def test_restriction_and_objection_deny_even_with_consent(session: Session, crypto: Crypto) -> None:
    partner = organisation(session, OrganisationKind.PARTNER)
    person_id = uuid.uuid4()
    registry.grant(
        session, crypto, actor=actor_for(None), person_id=person_id, data=grant_body(), now=NOW
    )
    objection = ProcessingRestriction(
        person_id=person_id,
        kind=RestrictionKind.OBJECTION.value,
        purposes=[Purpose.STATISTIQUES.value],
        started_at=NOW,
    )
    session.add(objection)
    session.flush()
    # an objection to statistics leaves orientation alone
    assert _ask(session, person_id, partner).allowed
    assert _ask(session, person_id, partner, purpose=Purpose.STATISTIQUES).reason == "objection"
    session.add(
        ProcessingRestriction(
            person_id=person_id, kind=RestrictionKind.RESTRICTION.value, started_at=NOW
        )
    )
    session.flush()
    assert _ask(session, person_id, partner).reason == "restricted"


def test_lifted_restriction_no_longer_denies(session: Session, crypto: Crypto) -> None:
    partner = organisation(session, OrganisationKind.PARTNER)
    person_id = uuid.uuid4()
    registry.grant(
        session, crypto, actor=actor_for(None), person_id=person_id, data=grant_body(), now=NOW
    )
    restriction = ProcessingRestriction(
        person_id=person_id, kind=RestrictionKind.RESTRICTION.value, started_at=NOW
    )
    session.add(restriction)
    session.flush()
    assert not _ask(session, person_id, partner).allowed
    rights.lift_restriction(
        session,
        crypto,
        actor=actor_for(None),
        restriction_id=restriction.id,
        reason="the person was told; accuracy verified",
        now=NOW,
    )
    assert _ask(session, person_id, partner).allowed


def test_erased_person_is_denied(session: Session) -> None:
    partner = organisation(session, OrganisationKind.PARTNER)
    person_id = uuid.uuid4()
    session.add(ErasureTombstone(person_id=person_id, erased_at=NOW, counts={}))
    session.flush()
    assert _ask(session, person_id, partner).reason == "erased"


def test_every_decision_is_audited_without_personal_data(session: Session, crypto: Crypto) -> None:
    partner = organisation(session, OrganisationKind.PARTNER)
    person_id = uuid.uuid4()
    _ask(session, person_id, partner)
    registry.grant(
        session, crypto, actor=actor_for(None), person_id=person_id, data=grant_body(), now=NOW
    )
    may_release(
        session,
        person_id=person_id,
        recipient_organisation_id=partner,
        recipient_kind=None,
        purpose="orientation",
        fields=FIELDS,
        now=NOW,
        actor=actor_for(partner, client_id="partner-app"),
    )
    entries = session.exec(
        select(AuditEvent)
        .where(AuditEvent.person_id == person_id, AuditEvent.action == "release")
        .order_by(col(AuditEvent.seq))
    ).all()
    assert [(e.decision, e.reason) for e in entries] == [
        ("denied", "no_consent"),
        ("allowed", "consent"),
    ]
    last = entries[-1]
    assert last.recipient_organisation_id == partner
    assert last.recipient_kind == "partner"
    assert last.fields == sorted(FIELDS)
    assert last.purpose == "orientation"
    assert last.actor_client_id == "partner-app"
    assert last.lawful_basis == "consent"
