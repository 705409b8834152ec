"""The one decision point for releasing a young person's personal data.

Every release (matches feed, referral reads, exports) asks :func:`may_release` first. The
answer is computed from the database on every call (no cache), so a withdrawal, a
restriction or an erasure takes effect on the very next request. Every call is written to
the audit log, allowed or denied.

Order of the rules (the first that applies decides):

1. ``erased`` — the person was erased (Art. 17): nothing is left to release.
2. ``reimport_under_review`` — a record of an erased person came back in an import and the
   DPO has not decided yet.
3. ``restricted`` — an Art. 18 restriction is in force.
4. ``objection`` — an Art. 21 objection covers the purpose.
5. ``flow:<source>`` — allowed without consent: the person's data came through a flow whose
   lawful basis covers this purpose and kind of recipient (:mod:`consent.policy`).
6. ``consent`` — allowed: an active consent names the recipient organisation or its kind.
7. ``consent_withdrawn`` / ``consent_expired`` / ``consent_not_yet_valid`` / ``no_consent``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from consent import adapters, audit, repository
from consent.audit import Actor
from consent.policy import flow_basis
from consent.registry import consent_state
from consent.vocabulary import AuditAction, ConsentState, LawfulBasis, Purpose, RestrictionKind
from hub.models_base import utcnow
from hub.organisations import repository as organisations
from hub.organisations.models import OrganisationKind


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    lawful_basis: LawfulBasis | None
    consent_id: uuid.UUID | None = None


_SYSTEM = Actor(client_id="hub")

_DENY_BY_STATE = {
    ConsentState.WITHDRAWN: "consent_withdrawn",
    ConsentState.EXPIRED: "consent_expired",
    ConsentState.PENDING: "consent_not_yet_valid",
}


def may_release(
    session: Session,
    *,
    person_id: uuid.UUID,
    recipient_organisation_id: uuid.UUID | None,
    recipient_kind: OrganisationKind | str | None,
    purpose: Purpose | str,
    fields: Iterable[str],
    now: datetime | None = None,
    actor: Actor | None = None,
) -> Decision:
    """Whether ``fields`` of ``person_id`` may go to the recipient for ``purpose``; audited.

    ``recipient_kind`` is looked up from the organisation when only its id is given.
    ``actor`` is who asks (defaults to the hub itself)."""
    now = now or utcnow()
    field_names = sorted(set(fields))
    purpose = Purpose(purpose)
    kind = _recipient_kind(session, recipient_organisation_id, recipient_kind)
    decision = _decide(
        session,
        person_id=person_id,
        recipient_organisation_id=recipient_organisation_id,
        recipient_kind=kind,
        purpose=purpose,
        now=now,
    )
    audit.record(
        session,
        actor=actor or _SYSTEM,
        action=AuditAction.RELEASE,
        person_id=person_id,
        purpose=purpose.value,
        fields=field_names,
        recipient_organisation_id=recipient_organisation_id,
        recipient_kind=kind.value if kind else None,
        decision="allowed" if decision.allowed else "denied",
        reason=decision.reason,
        lawful_basis=decision.lawful_basis.value if decision.lawful_basis else None,
        reference=str(decision.consent_id) if decision.consent_id else None,
        now=now,
    )
    return decision


def _recipient_kind(
    session: Session,
    organisation_id: uuid.UUID | None,
    kind: OrganisationKind | str | None,
) -> OrganisationKind | None:
    if kind is not None:
        return OrganisationKind(kind)
    if organisation_id is None:
        return None
    organisation = organisations.get(session, organisation_id)
    return OrganisationKind(organisation.kind) if organisation else None


def _deny(reason: str) -> Decision:
    return Decision(allowed=False, reason=reason, lawful_basis=None)


def _decide(
    session: Session,
    *,
    person_id: uuid.UUID,
    recipient_organisation_id: uuid.UUID | None,
    recipient_kind: OrganisationKind | None,
    purpose: Purpose,
    now: datetime,
) -> Decision:
    if repository.tombstone_of_person(session, person_id) is not None:
        return _deny("erased")
    record_ids = adapters.person_record_ids(session, person_id)
    if repository.open_flags_touching(session, person_id, record_ids):
        return _deny("reimport_under_review")
    for restriction in repository.active_restrictions(session, person_id):
        if restriction.kind == RestrictionKind.RESTRICTION.value:
            return _deny("restricted")
        if restriction.purposes is None or purpose.value in restriction.purposes:
            return _deny("objection")

    rule = flow_basis(adapters.person_sources(session, person_id), recipient_kind, purpose)
    if rule is not None:
        return Decision(allowed=True, reason=f"flow:{rule.source}", lawful_basis=rule.lawful_basis)

    grants = repository.matching_grants(
        session,
        person_id,
        purpose=purpose.value,
        recipient_organisation_id=recipient_organisation_id,
        recipient_kind=recipient_kind.value if recipient_kind else None,
    )
    if not grants:
        return _deny("no_consent")
    events = repository.events_of_consents(session, [grant.id for grant in grants])
    latest_state = ConsentState.WITHDRAWN
    for grant in grants:
        state = consent_state(grant, events[grant.id], now)
        if state is ConsentState.ACTIVE:
            return Decision(
                allowed=True,
                reason="consent",
                lawful_basis=LawfulBasis(grant.lawful_basis),
                consent_id=grant.id,
            )
        latest_state = state
    return _deny(_DENY_BY_STATE.get(latest_state, "no_consent"))
