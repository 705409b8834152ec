"""Storage limitation (Art. 5(1)(e)) enforced per record, with a proof of every purge.

The rules and their defaults (settings ``HUB_RETENTION_*``, DOMAIN.md §6):

=====================  ===========================================================  =========
rule                   what is purged                                               default
=====================  ===========================================================  =========
person-age-limit       all personal data of a young person who reached the age      28 years
                       limit (Mission Locale limit 26 + 2 years, as for i-milo)
person-inactivity      all personal data of a young person with no activity         2 years
                       (record received, contact, consent) for that long
quarantine             quarantined import rows (raw, unreadable personal data)      90 days
consent-evidence       free text (who collected, evidence) of consents withdrawn    5 years
                       or expired that long ago; the event itself stays
audit-log              audit entries older than that (chain re-anchored)            3 years
rights-requests        closed rights requests and their notifications               3 years
erasure-tombstones     tombstones of erased persons (re-import flags stop)          5 years
=====================  ===========================================================  =========

A person's purge is an erasure without tombstone (:func:`consent.erasure.erase_person`): the
person did not object, and a later list naming them again is a new collection. Each rule of
a real run leaves a :class:`~consent.models.RetentionProof` row (rule, cutoff, count, date),
even when it purged nothing; a dry run changes nothing and leaves no proof.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Executable, delete, update
from sqlmodel import Session, col, select

from consent import adapters, audit, erasure, repository
from consent.audit import SYSTEM_JOB, Actor
from consent.models import (
    ConsentEvent,
    ErasedSourceKey,
    ErasureTombstone,
    ProcessingRestriction,
    RecipientNotification,
    ReimportFlag,
    RetentionProof,
    RightsRequest,
)
from consent.registry import consent_state
from consent.vocabulary import ConsentEventKind, ConsentState, RequestStatus
from hub.crypto import Crypto
from hub.models_base import new_id, utcnow
from hub.settings import Settings

logger = logging.getLogger("consent.retention")


@dataclass(frozen=True)
class RetentionPolicy:
    person_age_limit_years: int = 28
    person_inactivity_years: int = 2
    quarantine_days: int = 90
    consent_proof_years: int = 5
    audit_years: int = 3
    rights_request_years: int = 3
    tombstone_years: int = 5

    @classmethod
    def from_settings(cls, settings: Settings) -> RetentionPolicy:
        return cls(
            person_age_limit_years=settings.retention_person_age_limit_years,
            person_inactivity_years=settings.retention_person_inactivity_years,
            quarantine_days=settings.retention_quarantine_days,
            consent_proof_years=settings.retention_consent_proof_years,
            audit_years=settings.retention_audit_years,
            rights_request_years=settings.retention_rights_request_years,
            tombstone_years=settings.retention_tombstone_years,
        )


@dataclass(frozen=True)
class RuleOutcome:
    rule: str
    description: str
    cutoff: str
    purged: int
    details: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class RetentionReport:
    run_id: uuid.UUID
    ran_at: datetime
    dry_run: bool
    outcomes: list[RuleOutcome]

    @property
    def total(self) -> int:
        return sum(outcome.purged for outcome in self.outcomes)


def years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def run_retention(
    session: Session,
    crypto: Crypto,
    now: datetime | None = None,
    dry_run: bool = False,
    *,
    policy: RetentionPolicy | None = None,
    actor: Actor = SYSTEM_JOB,
) -> RetentionReport:
    """Apply every rule at ``now``; with ``dry_run`` only count. Never commits."""
    now = now or utcnow()
    policy = policy or RetentionPolicy()
    run = _Run(session, crypto, now, dry_run, actor, policy)
    outcomes = [
        *run.persons(),
        run.quarantine(),
        run.consent_evidence(),
        run.rights_requests(),
        run.tombstones(),
        run.audit_log(),  # last: the purges above are audited before old entries go
    ]
    report = RetentionReport(run_id=new_id(), ran_at=now, dry_run=dry_run, outcomes=outcomes)
    if not dry_run:
        for outcome in outcomes:
            session.add(
                RetentionProof(
                    run_id=report.run_id,
                    ran_at=now,
                    rule=outcome.rule,
                    cutoff=outcome.cutoff,
                    purged=outcome.purged,
                    details=outcome.details or None,
                )
            )
        session.flush()
    logger.info(
        "retention run",
        extra={"dry_run": dry_run, **{o.rule: o.purged for o in outcomes}},
    )
    return report


def proofs(session: Session, *, limit: int = 100) -> list[RetentionProof]:
    return list(
        session.exec(
            select(RetentionProof).order_by(col(RetentionProof.ran_at).desc()).limit(limit)
        ).all()
    )


@dataclass
class _Run:
    session: Session
    crypto: Crypto
    now: datetime
    dry_run: bool
    actor: Actor
    policy: RetentionPolicy

    def persons(self) -> list[RuleOutcome]:
        today = self.now.date()
        limit = self.policy.person_age_limit_years
        inactive_before = years_before(self.now, self.policy.person_inactivity_years)
        consent_activity = repository.last_consent_activity(self.session)
        too_old: list[uuid.UUID] = []
        inactive: list[uuid.UUID] = []
        for person in adapters.person_activity(self.session, self.crypto):
            if repository.tombstone_of_person(self.session, person.person_id) is not None:
                continue
            # The youngest birth date the sources give: never purge someone too early.
            birth = max(person.birth_dates) if person.birth_dates else None
            if birth is not None and age_on(birth, today) >= limit:
                too_old.append(person.person_id)
                continue
            last = max(
                (
                    moment
                    for moment in (
                        person.last_activity_at,
                        consent_activity.get(person.person_id),
                    )
                    if moment is not None
                ),
                default=None,
            )
            if last is not None and last < inactive_before:
                inactive.append(person.person_id)
        return [
            self._purge_persons(
                "person-age-limit",
                f"personal data of young people aged {limit} or more",
                f"born on or before {years_before(self.now, limit).date().isoformat()}",
                too_old,
            ),
            self._purge_persons(
                "person-inactivity",
                "personal data of young people with no activity "
                f"for {self.policy.person_inactivity_years} years",
                f"last activity before {inactive_before.isoformat()}",
                inactive,
            ),
        ]

    def _purge_persons(
        self, rule: str, description: str, cutoff: str, person_ids: list[uuid.UUID]
    ) -> RuleOutcome:
        details: dict[str, int] = {}
        if not self.dry_run:
            for person_id in person_ids:
                counts = erasure.erase_person(
                    self.session,
                    self.crypto,
                    actor=self.actor,
                    person_id=person_id,
                    now=self.now,
                    tombstone=False,
                )
                for name, count in counts.items():
                    details[name] = details.get(name, 0) + count
        return RuleOutcome(rule, description, cutoff, len(person_ids), details)

    def quarantine(self) -> RuleOutcome:
        cutoff = self.now - timedelta(days=self.policy.quarantine_days)
        count = adapters.purge_quarantine(self.session, cutoff, dry_run=self.dry_run)
        return RuleOutcome(
            "quarantine",
            f"quarantined import rows older than {self.policy.quarantine_days} days",
            f"quarantined before {cutoff.isoformat()}",
            count,
        )

    def consent_evidence(self) -> RuleOutcome:
        cutoff = years_before(self.now, self.policy.consent_proof_years)
        ended = self._consents_ended_before(cutoff)
        if self.dry_run:
            count = len(ended)
        else:
            count = erasure.redact_consent_free_text(self.session, consent_ids=ended, now=self.now)
        return RuleOutcome(
            "consent-evidence",
            "free text of consents withdrawn or expired "
            f"{self.policy.consent_proof_years} years ago",
            f"ended before {cutoff.isoformat()}",
            count,
        )

    def _consents_ended_before(self, cutoff: datetime) -> list[uuid.UUID]:
        """Consents whose free text is still there and that ended before ``cutoff``."""
        candidates = self.session.exec(
            select(ConsentEvent).where(
                col(ConsentEvent.redacted_at).is_(None),
                ConsentEvent.event == ConsentEventKind.GRANT.value,
            )
        ).all()
        events = repository.events_of_consents(self.session, [c.id for c in candidates])
        ended: list[uuid.UUID] = []
        for grant in candidates:
            history = events[grant.id]
            state = consent_state(grant, history, self.now)
            if state is ConsentState.WITHDRAWN:
                end = min(e.recorded_at for e in history if e.event != grant.event)
            elif state is ConsentState.EXPIRED and grant.valid_until is not None:
                end = grant.valid_until
            else:
                continue
            if end < cutoff:
                ended.append(grant.id)
        return ended

    def rights_requests(self) -> RuleOutcome:
        cutoff = years_before(self.now, self.policy.rights_request_years)
        closed = [
            r.id
            for r in self.session.exec(
                select(RightsRequest).where(
                    col(RightsRequest.status).in_(
                        [RequestStatus.COMPLETED.value, RequestStatus.REFUSED.value]
                    ),
                    col(RightsRequest.completed_at) < cutoff,
                )
            ).all()
        ]
        details: dict[str, int] = {}
        if closed and not self.dry_run:
            details["notifications"] = _delete(
                self.session,
                delete(RecipientNotification).where(
                    col(RecipientNotification.request_id).in_(closed)
                ),
            )
            self.session.execute(
                update(ProcessingRestriction)
                .where(col(ProcessingRestriction.request_id).in_(closed))
                .values(request_id=None)
            )
            self.session.execute(
                update(ErasureTombstone)
                .where(col(ErasureTombstone.request_id).in_(closed))
                .values(request_id=None)
            )
            _delete(self.session, delete(RightsRequest).where(col(RightsRequest.id).in_(closed)))
        return RuleOutcome(
            "rights-requests",
            f"rights requests closed {self.policy.rights_request_years} years ago",
            f"closed before {cutoff.isoformat()}",
            len(closed),
            details,
        )

    def tombstones(self) -> RuleOutcome:
        cutoff = years_before(self.now, self.policy.tombstone_years)
        old = list(
            self.session.exec(
                select(ErasureTombstone.id).where(col(ErasureTombstone.erased_at) < cutoff)
            ).all()
        )
        if old and not self.dry_run:
            _delete(
                self.session, delete(ReimportFlag).where(col(ReimportFlag.tombstone_id).in_(old))
            )
            _delete(
                self.session,
                delete(ErasedSourceKey).where(col(ErasedSourceKey.tombstone_id).in_(old)),
            )
            _delete(self.session, delete(ErasureTombstone).where(col(ErasureTombstone.id).in_(old)))
        return RuleOutcome(
            "erasure-tombstones",
            f"tombstones of persons erased {self.policy.tombstone_years} years ago",
            f"erased before {cutoff.isoformat()}",
            len(old),
        )

    def audit_log(self) -> RuleOutcome:
        cutoff = years_before(self.now, self.policy.audit_years)
        count = (
            audit.count_before(self.session, cutoff)
            if self.dry_run
            else audit.purge_before(self.session, cutoff)
        )
        return RuleOutcome(
            "audit-log",
            f"audit entries older than {self.policy.audit_years} years",
            f"recorded before {cutoff.isoformat()}",
            count,
        )


def _delete(session: Session, statement: Executable) -> int:
    result = session.execute(statement)
    return int(getattr(result, "rowcount", 0))
