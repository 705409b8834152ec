"""The programme phase of a young person, derived from referral events (DOMAIN.md §1).

- ``repere`` (repérage): the hub knows them (an imported record or a referral);
- ``mobilise`` (mobilisation): an organisation took a referral in hand (accepted, in
  progress or on hold);
- ``oriente`` (orientation vers le droit commun): a referral completed with an entry into a
  mainstream service (PACEA, CEJ, training, employment, another partner).

A later event never moves a young person back: orientation, once reached, stays.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from hub.referrals.models import Referral, ReferralEvent
from hub.referrals.vocabulary import Outcome, ReferralStatus


class Phase(StrEnum):
    REPERE = "repere"
    MOBILISE = "mobilise"
    ORIENTE = "oriente"


MOBILISED = frozenset({ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS, ReferralStatus.ON_HOLD})
DROIT_COMMUN = frozenset(
    {Outcome.ENTREE_PACEA, Outcome.CEJ, Outcome.FORMATION, Outcome.EMPLOI, Outcome.AUTRE_PARTENAIRE}
)
_RANK = {Phase.REPERE: 0, Phase.MOBILISE: 1, Phase.ORIENTE: 2}


@dataclass(frozen=True)
class PhaseInfo:
    phase: Phase
    since: datetime | None
    """When the phase was reached (None: known only through imported records)."""
    referral_id: uuid.UUID | None
    """The referral whose event reached it."""


def programme_phase(session: Session, person_id: uuid.UUID) -> PhaseInfo:
    rows = session.exec(
        select(ReferralEvent, Referral.person_id)
        .join(Referral, col(Referral.id) == col(ReferralEvent.referral_id))
        .where(Referral.person_id == person_id)
        .order_by(col(ReferralEvent.occurred_at), col(ReferralEvent.id))
    ).all()
    best = PhaseInfo(Phase.REPERE, None, None)
    for event, _ in rows:
        status = ReferralStatus(event.to_status)
        if status is ReferralStatus.REQUESTED and best.since is None:
            best = PhaseInfo(Phase.REPERE, event.occurred_at, event.referral_id)
        reached = None
        if status in MOBILISED:
            reached = Phase.MOBILISE
        elif status is ReferralStatus.COMPLETED and event.outcome in {
            o.value for o in DROIT_COMMUN
        }:
            reached = Phase.ORIENTE
        if reached is not None and _RANK[reached] > _RANK[best.phase]:
            best = PhaseInfo(reached, event.occurred_at, event.referral_id)
    return best
