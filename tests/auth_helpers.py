"""Getting a real access token in tests: ``issue_token``.

Use it wherever a route is protected by ``require_scopes``::

    from tests.auth_helpers import issue_token

    def test_something(client, session):
        headers, organisation_id = issue_token(client, session, scopes="imports:write")
        response = client.post("/v1/...", headers=headers, ...)

It goes through the real flow: an organisation and a client are created with the service
layer (and committed), then ``POST /oauth/token`` is called with HTTP Basic
(``client_secret_basic``). Each call creates a new organisation, so two calls give two
organisations (handy for "another organisation's object is 404" tests).
"""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from hub.db import unit_of_work
from hub.organisations import service as organisations
from hub.organisations.models import OrganisationKind

#: Every scope except ``admin`` (an ``admin`` token sees every organisation's objects, which
#: would hide object-level authorisation bugs). Ask for ``scopes="admin"`` explicitly.
ALL_BUT_ADMIN = (
    "imports:write referrals:write referrals:read matches:read consents:write gdpr:admin "
    "indicators:read"
)


def create_client(
    session_or_engine: Session | Engine,
    *,
    kind: str = "partner",
    scopes: str = ALL_BUT_ADMIN,
    name: str | None = None,
) -> tuple[str, str, uuid.UUID]:
    """Create (and commit) an organisation and a secret-based client:
    ``(client_id, client_secret, organisation_id)``."""

    def create(session: Session) -> tuple[str, str, uuid.UUID]:
        organisation = organisations.create(
            session,
            name=name or f"Test organisation {uuid.uuid4().hex[:8]}",
            kind=OrganisationKind(kind),
        )
        issued = organisations.create_client(
            session, organisation_id=organisation.id, scopes=scopes
        )
        assert issued.client_secret is not None
        return issued.client.client_id, issued.client_secret, organisation.id

    if isinstance(session_or_engine, Session):
        created = create(session_or_engine)
        session_or_engine.commit()
        return created
    with unit_of_work(session_or_engine) as session:
        return create(session)


def issue_token(
    client: TestClient,
    session_or_engine: Session | Engine,
    *,
    kind: str = "partner",
    scopes: str = ALL_BUT_ADMIN,
) -> tuple[dict[str, str], uuid.UUID]:
    """A real access token for a new organisation of ``kind`` holding ``scopes``.

    :param client: the test client of the app under test (the ``client`` fixture).
    :param session_or_engine: the ``session`` or ``engine`` fixture; a session is COMMITTED
        (the token endpoint reads the client from another connection).
    :param kind: organisation kind: ``mission_locale``, ``partner``, ``outreach``, ``psad``,
        ``dpo``.
    :param scopes: space-separated scopes from the closed list (default: all but ``admin``).
    :returns: ``({"Authorization": "Bearer ..."}, organisation_id)``.
    """
    client_id, secret, organisation_id = create_client(session_or_engine, kind=kind, scopes=scopes)
    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}, organisation_id
