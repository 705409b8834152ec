"""The right of access (Art. 15): everything the hub holds on a person, in one document.

Decrypted source records, identity links, referrals, consents with their history, rights
requests, restrictions, and the audit trail of who accessed or received the data, plus the
Art. 15(1) information (purposes, recipients, retention, rights, sources).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session

from consent import adapters, audit, registry, repository
from consent.receipts import retention_text, rights_text
from consent.vocabulary import PURPOSE_LABELS
from hub.crypto import Crypto
from hub.organisations import repository as organisations
from hub.settings import Settings

SECTIONS = (
    "source_records",
    "links",
    "referrals",
    "consents",
    "rights_requests",
    "restrictions",
    "recipients",
    "access_log",
)


def export_person(
    session: Session, crypto: Crypto, settings: Settings, person_id: uuid.UUID, now: datetime
) -> dict[str, Any]:
    # Local import: rights imports this module.
    from consent import rights

    log = audit.entries_for_person(session, person_id)
    recipients = audit.recipients_of_person(session, person_id)
    names = {org.id: org.name for org in organisations.list_all(session)}
    records = adapters.held_records(session, crypto, person_id)
    return {
        "person_id": str(person_id),
        "generated_at": now.isoformat(),
        "controller": settings.gdpr_controller_name,
        "dpo_contact": settings.gdpr_dpo_contact,
        "purposes": {p.value: label for p, label in PURPOSE_LABELS.items()},
        "retention": retention_text(settings),
        "rights": rights_text(settings),
        "sources": sorted({r["source"] for r in records}),
        "source_records": records,
        "links": adapters.person_links(session, person_id),
        "referrals": adapters.referrals_of_person(session, crypto, person_id),
        "consents": [
            c.model_dump(mode="json")
            for c in registry.consents_of_person(session, crypto, person_id, now)
        ],
        "rights_requests": [
            r.model_dump(mode="json")
            for r in rights.list_requests(session, crypto, person_id=person_id, now=now)
        ],
        "restrictions": [
            rights.restriction_view(r).model_dump(mode="json")
            for r in repository.active_restrictions(session, person_id)
        ],
        "recipients": [
            {"organisation_id": str(org_id), "name": names.get(org_id)} for org_id in recipients
        ],
        "access_log": [
            {
                "occurred_at": e.occurred_at.isoformat(),
                "action": e.action,
                "channel": e.channel,
                "client_id": e.actor_client_id,
                "organisation_id": str(e.actor_organisation_id)
                if e.actor_organisation_id
                else None,
                "organisation": names.get(e.actor_organisation_id)
                if e.actor_organisation_id
                else None,
                "recipient_organisation_id": str(e.recipient_organisation_id)
                if e.recipient_organisation_id
                else None,
                "purpose": e.purpose,
                "fields": e.fields or [],
                "decision": e.decision,
                "reason": e.reason,
            }
            for e in log
        ],
    }


def section_counts(export: dict[str, Any]) -> dict[str, int]:
    return {name: len(export[name]) for name in SECTIONS}
