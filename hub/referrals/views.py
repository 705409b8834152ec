"""Building the API views of referrals (no query of their own but organisation names)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session

from hub.crypto import Crypto
from hub.directory import repository as directory
from hub.directory.models import DirectoryService
from hub.organisations import repository as organisations
from hub.referrals.models import Referral, ReferralEvent
from hub.referrals.schemas import (
    FiredRulePublic,
    HistoryEntry,
    RoutingPublic,
    ServiceRef,
)
from hub.referrals.vocabulary import (
    Outcome,
    Priority,
    ReferralStatus,
    RoutingState,
)

EVENT_TABLE = "referral_event"
REASON_COLUMN = "reason"


def service_ref(service: DirectoryService | None) -> ServiceRef | None:
    if service is None:
        return None
    return ServiceRef(
        id=service.id,
        external_id=service.external_id,
        name=service.name,
        response_delay_days=service.response_delay_days,
    )


def fired_rules(referral: Referral) -> list[FiredRulePublic]:
    return [FiredRulePublic(**rule) for rule in referral.routing.get("fired", [])]


def routing_view(session: Session, referral: Referral) -> RoutingPublic:
    routing: dict[str, Any] = referral.routing
    recipient = (
        organisations.get(session, referral.recipient_organisation_id)
        if referral.recipient_organisation_id
        else None
    )
    service = directory.get(session, referral.service_id) if referral.service_id else None
    return RoutingPublic(
        state=RoutingState(referral.routing_state),
        awaiting_consent=referral.routing_state == RoutingState.AWAITING_CONSENT.value,
        recipient_organisation_id=referral.recipient_organisation_id,
        recipient_organisation_name=recipient.name if recipient else None,
        service=service_ref(service),
        priority=Priority(referral.priority),
        rules=str(routing.get("rules", "")),
        rules_fired=fired_rules(referral),
        notes=list(routing.get("notes", [])),
        candidates=list(routing.get("candidates", [])),
    )


def seal_reason(crypto: Crypto, event_id: uuid.UUID, reason: str | None) -> bytes | None:
    if reason is None:
        return None
    return crypto.cipher.encrypt_text(
        reason, table=EVENT_TABLE, row_id=str(event_id), field=REASON_COLUMN
    )


def history_view(
    crypto: Crypto, events: Sequence[ReferralEvent], *, with_reasons: bool
) -> list[HistoryEntry]:
    entries = []
    for event in events:
        reason = None
        if with_reasons and event.reason is not None:
            reason = crypto.cipher.decrypt_text(
                event.reason, table=EVENT_TABLE, row_id=str(event.id), field=REASON_COLUMN
            )
        entries.append(
            HistoryEntry(
                from_status=ReferralStatus(event.from_status) if event.from_status else None,
                status=ReferralStatus(event.to_status),
                reason=reason,
                outcome=Outcome(event.outcome) if event.outcome else None,
                actor_organisation_id=event.actor_organisation_id,
                at=event.occurred_at,
            )
        )
    return entries


def is_overdue(referral: Referral, now: datetime) -> bool:
    return (
        referral.status == ReferralStatus.REQUESTED.value
        and referral.due_at is not None
        and referral.due_at <= now
    )
