"""The consent registry: append-only events, state derived from them."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from consent import registry
from consent.models import ConsentEvent
from consent.schemas import ConsentCreate, ConsentWithdraw
from consent.vocabulary import CollectionMethod, ConsentState, Purpose
from hub.crypto import Crypto
from hub.errors import ConflictError, UnprocessableError
from hub.organisations.models import OrganisationKind
from tests.consent.conftest import NOW, actor_for, organisation


def grant_body(**overrides: object) -> ConsentCreate:
    data: dict[str, object] = {
        "purpose": Purpose.ORIENTATION,
        "recipient_kind": OrganisationKind.PARTNER,
        "notice_version": "notice-2025-01",
        "collection_method": CollectionMethod.ORAL_OUTREACH,
        "collected_by": "Éducatrice de rue, équipe Nord",
        "evidence_reference": "Fiche de repérage n° 42",
    }
    data.update(overrides)
    return ConsentCreate.model_validate(data)


def test_grant_then_withdraw_keeps_both_events(session: Session, crypto: Crypto) -> None:
    outreach = organisation(session, OrganisationKind.OUTREACH)
    person_id = uuid.uuid4()
    granted = registry.grant(
        session,
        crypto,
        actor=actor_for(outreach),
        person_id=person_id,
        data=grant_body(),
        now=NOW,
    )
    assert granted.state is ConsentState.ACTIVE
    assert granted.history[0].evidence_reference == "Fiche de repérage n° 42"

    withdrawn = registry.withdraw(
        session,
        crypto,
        actor=actor_for(outreach),
        consent_id=granted.id,
        data=ConsentWithdraw(),
        now=NOW + timedelta(days=1),
    )
    assert withdrawn.state is ConsentState.WITHDRAWN
    assert withdrawn.withdrawn_at == NOW + timedelta(days=1)
    assert [e.event.value for e in withdrawn.history] == ["grant", "withdraw"]
    # history is never rewritten: the grant event is unchanged in the database
    events = session.exec(select(ConsentEvent).where(ConsentEvent.person_id == person_id)).all()
    assert len(events) == 2
    assert {e.consent_id for e in events} == {granted.id}


def test_free_text_is_stored_encrypted(session: Session, crypto: Crypto) -> None:
    granted = registry.grant(
        session, crypto, actor=actor_for(None), person_id=uuid.uuid4(), data=grant_body()
    )
    event = session.get(ConsentEvent, granted.id)
    assert event is not None
    assert event.evidence is not None
    assert "repérage".encode() not in event.evidence
    assert b"Fiche" not in event.evidence


def test_state_follows_validity_dates(session: Session, crypto: Crypto) -> None:
    person_id = uuid.uuid4()
    granted = registry.grant(
        session,
        crypto,
        actor=actor_for(None),
        person_id=person_id,
        data=grant_body(
            given_at=NOW, valid_from=NOW + timedelta(days=2), valid_until=NOW + timedelta(days=10)
        ),
        now=NOW,
    )
    assert granted.state is ConsentState.PENDING
    assert registry.get_view(session, crypto, granted.id, NOW + timedelta(days=3)).state is (
        ConsentState.ACTIVE
    )
    assert registry.get_view(session, crypto, granted.id, NOW + timedelta(days=10)).state is (
        ConsentState.EXPIRED
    )


def test_one_consent_in_force_per_purpose_and_recipient(session: Session, crypto: Crypto) -> None:
    person_id = uuid.uuid4()
    first = registry.grant(
        session, crypto, actor=actor_for(None), person_id=person_id, data=grant_body(), now=NOW
    )
    with pytest.raises(ConflictError) as caught:
        registry.grant(
            session, crypto, actor=actor_for(None), person_id=person_id, data=grant_body(), now=NOW
        )
    assert caught.value.extra["consent_id"] == str(first.id)
    # another purpose is another consent
    registry.grant(
        session,
        crypto,
        actor=actor_for(None),
        person_id=person_id,
        data=grant_body(purpose=Purpose.STATISTIQUES),
        now=NOW,
    )
    # after a withdrawal, a new grant is a new consent
    registry.withdraw(
        session,
        crypto,
        actor=actor_for(None),
        consent_id=first.id,
        data=ConsentWithdraw(),
        now=NOW,
    )
    again = registry.grant(
        session,
        crypto,
        actor=actor_for(None),
        person_id=person_id,
        data=grant_body(),
        now=NOW + timedelta(minutes=1),
    )
    assert again.id != first.id


def test_withdrawing_twice_is_a_conflict(session: Session, crypto: Crypto) -> None:
    granted = registry.grant(
        session, crypto, actor=actor_for(None), person_id=uuid.uuid4(), data=grant_body()
    )
    registry.withdraw(
        session, crypto, actor=actor_for(None), consent_id=granted.id, data=ConsentWithdraw()
    )
    with pytest.raises(ConflictError):
        registry.withdraw(
            session, crypto, actor=actor_for(None), consent_id=granted.id, data=ConsentWithdraw()
        )


def test_dates_in_the_future_are_refused(session: Session, crypto: Crypto) -> None:
    with pytest.raises(UnprocessableError):
        registry.grant(
            session,
            crypto,
            actor=actor_for(None),
            person_id=uuid.uuid4(),
            data=grant_body(given_at=NOW + timedelta(days=1)),
            now=NOW,
        )


def test_recipient_organisation_must_exist(session: Session, crypto: Crypto) -> None:
    with pytest.raises(UnprocessableError):
        registry.grant(
            session,
            crypto,
            actor=actor_for(None),
            person_id=uuid.uuid4(),
            data=grant_body(recipient_kind=None, recipient_organisation_id=uuid.uuid4()),
        )


def test_exactly_one_recipient() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        grant_body(recipient_kind=None)
    with pytest.raises(ValueError, match="exactly one"):
        grant_body(recipient_organisation_id=uuid.uuid4())
