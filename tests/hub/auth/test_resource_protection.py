"""require_scopes: Bearer JWTs checked on every protected route; 401 / 403 / 404."""

from __future__ import annotations

import base64
import json
import time
import uuid

import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey
from sqlalchemy import Engine

from hub.auth.dependencies import Caller, ensure_owner
from hub.db import unit_of_work
from hub.errors import NotFoundError
from hub.organisations import service
from hub.settings import Settings
from tests.auth_helpers import create_client, issue_token
from tests.hub.auth.forge import bearer, decode_part, hub_signing_key, me, resign, unsigned

PROBLEM = "application/problem+json"


def test_no_token_is_401_with_a_bare_bearer_challenge(client: TestClient) -> None:
    for headers in ({}, {"Authorization": "Basic dXNlcjpwYXNz"}):
        response = client.get("/v1/organisations/me", headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM
        challenge = response.headers["www-authenticate"]
        assert challenge.startswith("Bearer ")
        assert "error=" not in challenge  # RFC 6750 3.1: no error code without credentials


def test_valid_token_identifies_the_caller(client: TestClient, engine: Engine) -> None:
    headers, organisation_id = issue_token(client, engine, kind="mission_locale")
    response = client.get("/v1/organisations/me", headers=headers)
    assert response.status_code == 200
    assert response.json()["id"] == str(organisation_id)
    assert response.json()["kind"] == "mission_locale"


@pytest.mark.parametrize(
    "variant",
    [
        "garbage",
        "expired",
        "foreign signature",
        "foreign signature, our kid",
        "alg none",
        "hmac with our public key",
        "wrong audience",
        "wrong issuer",
        "wrong typ",
        "no typ",
        "no org",
        "tampered scope",
    ],
)
def test_invalid_tokens_are_401_invalid_token(
    client: TestClient, engine: Engine, settings: Settings, variant: str
) -> None:
    headers, _ = issue_token(client, engine, scopes="referrals:read")
    token = bearer(headers)
    ours = hub_signing_key(settings, engine)
    foreign = ECKey.generate_key("P-256", private=True, auto_kid=True)
    now = int(time.time())
    forged = {
        "garbage": "not.a.jwt",
        "expired": resign(token, ours, claims={"iat": now - 900, "exp": now - 300}),
        "foreign signature": resign(token, foreign, header={"kid": foreign.kid}),
        "foreign signature, our kid": resign(token, foreign),
        "alg none": unsigned(token),
        "wrong audience": resign(token, ours, claims={"aud": "https://other.example/v1"}),
        "wrong issuer": resign(token, ours, claims={"iss": "https://other.example"}),
        "wrong typ": resign(token, ours, header={"typ": "JWT"}),
        "no typ": resign(token, ours, header={"typ": None}),
        "no org": resign(token, ours, drop=("org",)),
        "tampered scope": token.split(".")[0]
        + "."
        + base64.urlsafe_b64encode(json.dumps(decode_part(token, 1) | {"scope": "admin"}).encode())
        .rstrip(b"=")
        .decode()
        + "."
        + token.split(".")[2],
    }
    if variant == "hmac with our public key":
        public = client.get("/oauth/jwks").json()["keys"][0]
        secret = OctKey.import_key(json.dumps(public, sort_keys=True).encode())
        forged[variant] = jwt.encode(
            decode_part(token, 0) | {"alg": "HS256"},
            decode_part(token, 1),
            secret,
            algorithms=["HS256"],
        )
    response = me(client, forged[variant])
    assert response.status_code == 401, variant
    assert response.headers["content-type"] == PROBLEM
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    # The untouched token still works: the refusals are about the forgeries.
    assert me(client, token).status_code == 200


def test_missing_scope_is_403_insufficient_scope(client: TestClient, engine: Engine) -> None:
    headers, _ = issue_token(client, engine, scopes="referrals:read")
    response = client.get("/v1/organisations", headers=headers)
    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM
    challenge = response.headers["www-authenticate"]
    assert 'error="insufficient_scope"' in challenge
    assert 'scope="admin"' in challenge
    assert response.json()["required_scopes"] == ["admin"]


def test_admin_scope_grants_everything(client: TestClient, engine: Engine) -> None:
    headers, _ = issue_token(client, engine, scopes="admin")
    _, other = issue_token(client, engine)
    assert client.get("/v1/organisations", headers=headers).status_code == 200
    assert client.get(f"/v1/organisations/{other}", headers=headers).status_code == 200


def test_another_organisations_object_is_404_like_a_missing_one(
    client: TestClient, engine: Engine
) -> None:
    headers, mine = issue_token(client, engine)
    _, theirs = issue_token(client, engine)
    assert client.get(f"/v1/organisations/{mine}", headers=headers).status_code == 200
    foreign = client.get(f"/v1/organisations/{theirs}", headers=headers)
    missing_id = uuid.uuid4()
    missing = client.get(f"/v1/organisations/{missing_id}", headers=headers)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["detail"].replace(str(theirs), "ID") == missing.json()["detail"].replace(
        str(missing_id), "ID"
    )


def test_ensure_owner_accepts_any_listed_organisation() -> None:
    sender, recipient, stranger = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    caller = Caller(client_id="c", organisation_id=recipient, scopes=frozenset({"referrals:read"}))
    ensure_owner(caller, sender, recipient)
    with pytest.raises(NotFoundError):
        ensure_owner(caller, sender, stranger)
    admin = Caller(client_id="a", organisation_id=stranger, scopes=frozenset({"admin"}))
    ensure_owner(admin, sender)


def test_disabling_a_client_or_organisation_refuses_its_tokens_at_once(
    client: TestClient, engine: Engine
) -> None:
    client_id, secret, _ = create_client(engine)
    token = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    ).json()["access_token"]
    other_headers, other_org = issue_token(client, engine)
    assert me(client, token).status_code == 200
    assert client.get("/v1/organisations/me", headers=other_headers).status_code == 200
    with unit_of_work(engine) as session:
        service.disable_client(session, client_id)
        service.disable(session, other_org)
    assert me(client, token).status_code == 401
    assert client.get("/v1/organisations/me", headers=other_headers).status_code == 401


def test_openapi_describes_the_oauth2_client_credentials_scheme(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    scheme = document["components"]["securitySchemes"]["oauth2"]
    flow = scheme["flows"]["clientCredentials"]
    assert flow["tokenUrl"] == "/oauth/token"
    assert set(flow["scopes"]) == {
        "imports:write",
        "referrals:write",
        "referrals:read",
        "matches:read",
        "consents:write",
        "gdpr:admin",
        "indicators:read",
        "admin",
    }
    assert document["paths"]["/v1/organisations"]["get"]["security"] == [{"oauth2": ["admin"]}]
