"""Request and response shapes of referrals, the matches feed and the events feed."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from consent.vocabulary import CollectionMethod, LawfulBasis, Purpose
from hub.organisations.models import OrganisationKind
from hub.referrals.vocabulary import (
    Outcome,
    Priority,
    ReferralSource,
    ReferralStatus,
    RoutingState,
)
from schemas.v1.models import Person, ThematiqueCode

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
PeerCode = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_-]{1,64}$")
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConsentRecipient(_Body):
    """One recipient of the young person's agreement: an organisation or a kind of them."""

    organisation_id: uuid.UUID | None = None
    kind: OrganisationKind | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.organisation_id is None) == (self.kind is None):
            raise ValueError("give exactly one of organisation_id and kind")
        return self


class ReferralConsent(_Body):
    """The young person's agreement collected with the referral; recorded in the consent
    registry, one consent per purpose and recipient."""

    purposes: list[Purpose] = Field(min_length=1, max_length=3)
    method: CollectionMethod = Field(description="How it was collected.")
    notice_version: ShortText = Field(description="Version of the information notice shown.")
    recipients: list[ConsentRecipient] | None = Field(
        default=None,
        max_length=10,
        description="Who may receive the data. Default: the organisation the hub routes the "
        "referral to (the young person agrees to *this* orientation).",
    )
    collected_by: ShortText | None = Field(
        default=None, description="Who collected it (worker's name or role); stored encrypted."
    )


class ReferralCreate(_Body):
    """A young person referred to the hub. A partial person is normal at repérage: a first
    name, a mobile and a commune are enough."""

    person: Person = Field(
        description="Shared schema v1 person. A town without `commune_insee` is resolved."
    )
    needs: list[ThematiqueCode] = Field(
        default_factory=list, max_length=20, description="data·inclusion thématiques."
    )
    source: ReferralSource
    peer_code: PeerCode | None = Field(
        default=None, description="Code of the peer ambassador who brought the young person."
    )
    consent: ReferralConsent | None = None


class ServiceRef(BaseModel):
    id: uuid.UUID
    external_id: str
    name: str
    response_delay_days: int


class FiredRulePublic(BaseModel):
    id: str
    action: str
    why: str
    facts: dict[str, Any]


class RoutingPublic(BaseModel):
    """Where routing sent the referral, and why."""

    state: RoutingState
    awaiting_consent: bool = Field(
        description="A recipient was chosen but no lawful basis allows releasing the young "
        "person's data to it yet: nothing is released until one does."
    )
    recipient_organisation_id: uuid.UUID | None
    recipient_organisation_name: str | None
    service: ServiceRef | None
    priority: Priority
    rules: str = Field(description="Rules file that decided (`name@sha256-prefix`).")
    rules_fired: list[FiredRulePublic]
    notes: list[str]
    candidates: list[dict[str, Any]] = Field(description="Services considered, best first.")


class ConsentRef(BaseModel):
    id: uuid.UUID
    purpose: Purpose
    recipient_organisation_id: uuid.UUID | None
    recipient_kind: OrganisationKind | None
    lawful_basis: LawfulBasis


class HistoryEntry(BaseModel):
    from_status: ReferralStatus | None
    status: ReferralStatus
    reason: str | None
    outcome: Outcome | None
    actor_organisation_id: uuid.UUID | None
    at: datetime


class ReferralCreated(BaseModel):
    id: uuid.UUID
    person_id: uuid.UUID
    status: ReferralStatus
    created_at: datetime
    due_at: datetime | None
    routing: RoutingPublic
    consents: list[ConsentRef] = Field(description="Consents recorded (or found) with it.")


class ReferralPublic(BaseModel):
    """A referral as its sender or its receiver sees it."""

    id: uuid.UUID
    person_id: uuid.UUID | None = Field(
        description="Withheld (null) from the receiver when no lawful basis allows release."
    )
    source: ReferralSource
    status: ReferralStatus
    outcome: Outcome | None
    priority: Priority
    needs: list[str] | None
    peer_code: str | None
    sender_organisation_id: uuid.UUID | None
    recipient_organisation_id: uuid.UUID | None
    routing: RoutingPublic
    created_at: datetime
    updated_at: datetime
    due_at: datetime | None
    overdue: bool = Field(description="Still `requested` after the service's response delay.")
    history: list[HistoryEntry]
    allowed_transitions: list[ReferralStatus] = Field(
        description="Statuses the calling organisation may move the referral to now."
    )


class ReferralPage(BaseModel):
    items: list[ReferralPublic]
    next_cursor: str | None


class TransitionCreate(_Body):
    status: ReferralStatus
    reason: Reason | None = Field(
        default=None,
        description="Required on rejected, cancelled, on-hold and failed. Keep it factual; it "
        "is stored encrypted and shown to the sender and the receiver.",
    )
    outcome: Outcome | None = Field(default=None, description="Required on completed, only there.")


class ReleaseDecision(BaseModel):
    allowed: bool
    reason: str
    lawful_basis: LawfulBasis | None


class MatchItem(BaseModel):
    """A referral addressed to the caller. Personal fields are present only when the consent
    decision point allows their release at the time of this read."""

    id: uuid.UUID = Field(description="Acknowledge this id with POST /v1/matches/ack.")
    referral_id: uuid.UUID
    status: ReferralStatus
    priority: Priority
    service: ServiceRef | None
    rules_fired: list[FiredRulePublic]
    created_at: datetime
    due_at: datetime | None
    overdue: bool
    delivery_count: int = Field(description="How many times this item was delivered (>1: again).")
    release: ReleaseDecision
    person_id: uuid.UUID | None
    person: Person | None
    needs: list[str] | None
    peer_code: str | None
    released_fields: list[str]


class MatchPage(BaseModel):
    items: list[MatchItem]
    next_cursor: str | None = Field(
        description="Pass it back as `cursor` to continue; unchanged when nothing was read."
    )
    visibility_timeout_seconds: int = Field(
        description="Items not acknowledged within this delay are delivered again."
    )


class AckRequest(_Body):
    ids: list[uuid.UUID] = Field(min_length=1, max_length=500)


class AckResult(BaseModel):
    acknowledged: int = Field(description="Items newly acknowledged (repeats count zero).")
    unknown: list[uuid.UUID] = Field(description="Ids that are not items of the caller's feed.")


class EventItem(BaseModel):
    id: uuid.UUID
    event_type: str
    payload: dict[str, Any]
    created_at: datetime
    delivery_count: int


class EventPage(BaseModel):
    items: list[EventItem]
    next_cursor: str | None
    visibility_timeout_seconds: int


class PhasePublic(BaseModel):
    """Where the young person stands in the programme: ``repere`` (identified), ``mobilise``
    (an organisation took them in hand), ``oriente`` (entered a mainstream service)."""

    person_id: uuid.UUID
    phase: str
    since: datetime | None
    referral_id: uuid.UUID | None


EventType = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_.-]{1,64}$")]


class WebhookCreate(_Body):
    url: Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=500)] = (
        Field(description="HTTPS URL receiving the organisation's events (POST, JSON).")
    )
    event_types: list[EventType] = Field(
        default_factory=list,
        max_length=50,
        description="Event types to deliver (`referral.matched`, `referral.status_changed`, "
        "`referral.overdue`, consent notices...); empty: all.",
    )


class WebhookPublic(BaseModel):
    id: uuid.UUID
    url: str
    event_types: list[str]
    active: bool
    created_at: datetime


class WebhookCreated(WebhookPublic):
    secret: str = Field(
        description="Signing secret (`whsec_...`), shown only now: verify `webhook-signature` "
        "(HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<body>`)."
    )


class DeliveryPublic(BaseModel):
    id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    status: str = Field(description="`pending`, `delivered` or `failed` (gave up).")
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
