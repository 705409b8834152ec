"""Releasing a referred young person's data: always through the consent decision point.

Every call of :func:`decide` is one call of :func:`consent.decisions.may_release`, which
audits it. Nothing here caches a decision: a withdrawal takes effect on the next read.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Session

from consent.audit import Actor
from consent.decisions import Decision, may_release
from consent.vocabulary import Purpose
from hub.auth.dependencies import Caller
from hub.crypto import Crypto
from hub.referrals.models import Referral
from schemas.v1.models import Person

PURPOSE = Purpose.ORIENTATION
"""Referrals and matches release data for orientation."""

PERSON_FIELDS = (
    "family_name",
    "usage_name",
    "given_names",
    "sex",
    "birth_date",
    "ine",
    "phones",
    "emails",
    "address",
    "lives_in_qpv",
)
"""Schema v1 person fields a recipient receives with a match (those the sender gave)."""

REFERRAL_FIELDS = ("person_id", "needs", "peer_code", "reasons")
"""Fields of a referral read withheld from a receiver without a lawful basis."""

TABLE = "referral"
PERSON_COLUMN = "person"


def actor_of(caller: Caller) -> Actor:
    return Actor(client_id=caller.client_id, organisation_id=caller.organisation_id)


def decide(
    session: Session,
    referral: Referral,
    *,
    recipient_organisation_id: uuid.UUID,
    fields: tuple[str, ...],
    actor: Actor | None,
    now: datetime,
) -> Decision:
    return may_release(
        session,
        person_id=referral.person_id,
        recipient_organisation_id=recipient_organisation_id,
        recipient_kind=None,
        purpose=PURPOSE,
        fields=fields,
        now=now,
        actor=actor,
    )


def seal_person(crypto: Crypto, referral_id: uuid.UUID, person: Person) -> bytes:
    return crypto.cipher.encrypt_json(
        person.model_dump(mode="json", exclude_defaults=True),
        table=TABLE,
        row_id=str(referral_id),
        field=PERSON_COLUMN,
    )


def open_person(crypto: Crypto, referral: Referral) -> Person:
    data = crypto.cipher.decrypt_json(
        referral.person, table=TABLE, row_id=str(referral.id), field=PERSON_COLUMN
    )
    return Person.model_validate(data)


def present_fields(person: Person) -> list[str]:
    """The released fields that hold a value."""
    return [name for name in PERSON_FIELDS if getattr(person, name) not in (None, [], "")]
