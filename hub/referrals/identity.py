"""Linking a referred young person to the person store (identity resolution).

INTERIM until ``hub.persons`` lands: every referral gets a new person id. Replaced by
``hub.persons.service.resolve_person`` / person creation.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session

from hub.crypto import Crypto
from hub.models_base import new_id
from schemas.v1.models import Person


def link_person(session: Session, crypto: Crypto, person: Person) -> tuple[uuid.UUID, bool]:
    """The id of the person ``person`` describes, and whether it was created for it."""
    del session, crypto, person
    return new_id(), True


def known_to_mission_locale(session: Session, person_id: uuid.UUID) -> bool | None:
    """Whether a source record of the person says a Mission Locale follows them (CONNU_ML, a
    perdus-de-vue extract); None when nothing says so."""
    del session, person_id
    return None
