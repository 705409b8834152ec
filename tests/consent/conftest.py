"""Fixtures of the consent tests: keys, organisations, a fixed clock."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from consent.audit import Actor
from hub.crypto import Crypto, build_crypto
from hub.organisations import service as organisations
from hub.organisations.models import OrganisationKind
from hub.settings import Settings

NOW = datetime(2025, 3, 14, 10, 0, tzinfo=UTC)


@pytest.fixture
def crypto(settings: Settings, engine: Engine) -> Crypto:
    return build_crypto(settings, engine)


def organisation(session: Session, kind: OrganisationKind, name: str | None = None) -> uuid.UUID:
    created = organisations.create(
        session, name=name or f"{kind.value} {uuid.uuid4().hex[:6]}", kind=kind
    )
    return created.id


def actor_for(organisation_id: uuid.UUID | None, client_id: str = "test-client") -> Actor:
    return Actor(client_id=client_id, organisation_id=organisation_id)
