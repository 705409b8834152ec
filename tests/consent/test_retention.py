"""Retention purges exactly what the rules say, with a proof; a dry run changes nothing."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlmodel import Session, col, func, select

from consent import audit, registry, retention, rights
from consent.audit import Actor
from consent.models import (
    AuditEvent,
    ConsentEvent,
    ErasedSourceKey,
    ErasureTombstone,
    RetentionProof,
    RightsRequest,
)
from consent.retention import RetentionPolicy, age_on, run_retention, years_before
from consent.schemas import ConsentWithdraw, RequestComplete, RightsRequestCreate
from consent.vocabulary import AuditAction, RightsRequestKind
from hub.crypto import Crypto
from hub.settings import Settings
from tests.consent.conftest import NOW, actor_for
from tests.consent.test_registry import grant_body

POLICY = RetentionPolicy()


def _count(session: Session, model: type, *where: object) -> int:
    return int(session.exec(select(func.count()).select_from(model).where(*where)).one())  # type: ignore[arg-type]


def _old_and_new_consents(session: Session, crypto: Crypto) -> tuple[uuid.UUID, uuid.UUID]:
    old_time = NOW - timedelta(days=6 * 365)
    old = registry.grant(
        session,
        crypto,
        actor=actor_for(None),
        person_id=uuid.uuid4(),
        data=grant_body(),
        now=old_time,
    )
    registry.withdraw(
        session,
        crypto,
        actor=actor_for(None),
        consent_id=old.id,
        data=ConsentWithdraw(evidence_reference="Appel du jeune"),
        now=old_time + timedelta(days=1),
    )
    recent = registry.grant(
        session,
        crypto,
        actor=actor_for(None),
        person_id=uuid.uuid4(),
        data=grant_body(),
        now=NOW - timedelta(days=30),
    )
    registry.withdraw(
        session,
        crypto,
        actor=actor_for(None),
        consent_id=recent.id,
        data=ConsentWithdraw(),
        now=NOW - timedelta(days=29),
    )
    session.commit()
    return old.id, recent.id


def _outcome(report: retention.RetentionReport, rule: str) -> retention.RuleOutcome:
    return next(o for o in report.outcomes if o.rule == rule)


def test_dry_run_counts_and_changes_nothing(session: Session, crypto: Crypto) -> None:
    _old_and_new_consents(session, crypto)
    before = _count(session, AuditEvent)
    report = run_retention(session, crypto, NOW, dry_run=True, policy=POLICY)
    session.commit()
    assert report.dry_run
    assert _outcome(report, "consent-evidence").purged == 1
    assert _count(session, RetentionProof) == 0
    assert _count(session, ConsentEvent, col(ConsentEvent.redacted_at).is_not(None)) == 0
    assert _count(session, AuditEvent) == before


def test_run_redacts_old_consent_evidence_only_and_leaves_proof(
    session: Session, crypto: Crypto
) -> None:
    old, recent = _old_and_new_consents(session, crypto)
    report = run_retention(session, crypto, NOW, policy=POLICY)
    session.commit()
    assert _outcome(report, "consent-evidence").purged == 2  # grant and withdrawal events
    redacted = session.exec(
        select(ConsentEvent).where(col(ConsentEvent.redacted_at).is_not(None))
    ).all()
    assert {e.consent_id for e in redacted} == {old}
    assert all(e.evidence is None and e.collected_by is None for e in redacted)
    # the history itself is kept
    assert _count(session, ConsentEvent, ConsentEvent.consent_id == old) == 2
    kept = registry.get_view(session, crypto, recent, NOW)
    assert kept.history[0].evidence_reference == "Fiche de repérage n° 42"

    proofs = session.exec(
        select(RetentionProof).where(RetentionProof.run_id == report.run_id)
    ).all()
    assert {p.rule for p in proofs} == {o.rule for o in report.outcomes}
    proof = next(p for p in proofs if p.rule == "consent-evidence")
    assert proof.purged == 2
    assert proof.ran_at == NOW
    assert "ended before" in proof.cutoff

    # a second run finds nothing more to do
    again = run_retention(session, crypto, NOW, policy=POLICY)
    assert _outcome(again, "consent-evidence").purged == 0


def test_active_consents_keep_their_evidence_however_old(session: Session, crypto: Crypto) -> None:
    registry.grant(
        session,
        crypto,
        actor=actor_for(None),
        person_id=uuid.uuid4(),
        data=grant_body(),
        now=NOW - timedelta(days=9 * 365),
    )
    report = run_retention(session, crypto, NOW, policy=POLICY)
    assert _outcome(report, "consent-evidence").purged == 0


def test_old_audit_entries_are_purged_and_the_chain_still_verifies(
    session: Session, crypto: Crypto
) -> None:
    actor = Actor(client_id="x")
    for days in (4 * 365, 4 * 365 - 1, 10):
        audit.record(
            session,
            actor=actor,
            action=AuditAction.READ,
            person_id=uuid.uuid4(),
            now=NOW - timedelta(days=days),
        )
    session.commit()
    dry = run_retention(session, crypto, NOW, dry_run=True, policy=POLICY)
    assert _outcome(dry, "audit-log").purged == 2
    report = run_retention(session, crypto, NOW, policy=POLICY)
    session.commit()
    assert _outcome(report, "audit-log").purged == 2
    assert _count(session, AuditEvent) == 1
    assert audit.verify_chain(session).ok


def test_closed_rights_requests_and_old_tombstones_go(
    session: Session, crypto: Crypto, settings: Settings
) -> None:
    person_id = uuid.uuid4()
    registry.grant(
        session,
        crypto,
        actor=actor_for(None),
        person_id=person_id,
        data=grant_body(),
        now=NOW - timedelta(days=5 * 365),
    )
    long_ago = NOW - timedelta(days=4 * 365)
    request = rights.create_request(
        session,
        crypto,
        actor=actor_for(None),
        data=RightsRequestCreate(
            person_id=person_id, kind=RightsRequestKind.ERASURE, received_on=long_ago.date()
        ),
        now=long_ago,
    )
    rights.complete(
        session,
        crypto,
        actor=actor_for(None),
        request_id=request.id,
        data=RequestComplete(outcome="done"),
        settings=settings,
        now=long_ago,
    )
    open_request_person = uuid.uuid4()
    registry.grant(
        session,
        crypto,
        actor=actor_for(None),
        person_id=open_request_person,
        data=grant_body(),
        now=long_ago,
    )
    rights.create_request(
        session,
        crypto,
        actor=actor_for(None),
        data=RightsRequestCreate(
            person_id=open_request_person,
            kind=RightsRequestKind.ACCESS,
            received_on=long_ago.date(),
        ),
        now=long_ago,
    )
    stone = session.exec(select(ErasureTombstone)).one()
    stone.erased_at = NOW - timedelta(days=6 * 365)
    session.add(ErasedSourceKey(tombstone_id=stone.id, key="k"))
    session.commit()

    report = run_retention(session, crypto, NOW, policy=POLICY)
    session.commit()
    assert _outcome(report, "rights-requests").purged == 1
    assert _outcome(report, "erasure-tombstones").purged == 1
    # the open request stays, however old
    assert [r.person_id for r in session.exec(select(RightsRequest)).all()] == [open_request_person]
    assert _count(session, ErasureTombstone) == 0
    assert _count(session, ErasedSourceKey) == 0


def test_policy_comes_from_settings() -> None:
    settings = Settings(retention_audit_years=7, retention_quarantine_days=30)
    policy = RetentionPolicy.from_settings(settings)
    assert policy.audit_years == 7
    assert policy.quarantine_days == 30
    assert policy.person_age_limit_years == 28


def test_calendar_helpers() -> None:
    assert age_on(date(2000, 3, 15), date(2028, 3, 14)) == 27
    assert age_on(date(2000, 3, 15), date(2028, 3, 15)) == 28
    leap = NOW.replace(year=2024, month=2, day=29)
    assert years_before(leap, 1).date() == date(2023, 2, 28)
