"""Closed vocabularies of referrals (FHIR Task codes as profiled for closed-loop referrals)."""

from __future__ import annotations

from enum import StrEnum


class ReferralSource(StrEnum):
    """Who brought the young person to the hub."""

    OUTREACH = "outreach"
    PEER = "peer"
    PARTNER = "partner"
    PSAD = "psad"
    BOUSSOLE = "boussole"
    MISSION_LOCALE = "mission_locale"


class ReferralStatus(StrEnum):
    """FHIR Task.status subset of the Gravity Project closed-loop referral profile."""

    REQUESTED = "requested"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    IN_PROGRESS = "in-progress"
    ON_HOLD = "on-hold"
    COMPLETED = "completed"
    FAILED = "failed"


class Outcome(StrEnum):
    """What the young person entered when the referral completed."""

    ENTREE_PACEA = "entree_pacea"
    CEJ = "cej"
    FORMATION = "formation"
    EMPLOI = "emploi"
    AUTRE_PARTENAIRE = "autre_partenaire"
    OTHER = "other"


class Priority(StrEnum):
    """FHIR Task.priority: QPV and rural residents are ``urgent`` (served first)."""

    ROUTINE = "routine"
    URGENT = "urgent"


class RoutingState(StrEnum):
    """Where routing left the referral."""

    ROUTED = "routed"
    """A recipient was chosen and may receive the young person's data."""
    AWAITING_CONSENT = "awaiting_consent"
    """A recipient was chosen but no lawful basis allows releasing the data to it yet."""
    HELD = "held"
    """A rule kept the referral with the coordinator (e.g. out of the programme's public)."""
    UNROUTED = "unrouted"
    """No rule or no service could take the referral."""
