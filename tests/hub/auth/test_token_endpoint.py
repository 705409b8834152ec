"""POST /oauth/token: client_credentials with client_secret_basic and private_key_jwt."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import ECKey
from sqlalchemy import Engine

from hub.app import create_app
from hub.db import unit_of_work
from hub.organisations import service
from hub.settings import Settings
from tests.auth_helpers import create_client, issue_token
from tests.hub.auth.forge import (
    AUDIENCE,
    ISSUER,
    TOKEN_URL,
    assertion,
    assertion_form,
    create_key_client,
    decode_part,
)

TOKEN = "/oauth/token"
GRANT = {"grant_type": "client_credentials"}


def test_client_secret_basic_gets_an_rfc9068_access_token(
    client: TestClient, engine: Engine
) -> None:
    client_id, secret, organisation_id = create_client(engine, scopes="referrals:read matches:read")
    response = client.post(TOKEN, data=GRANT, auth=(client_id, secret))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert 0 < body["expires_in"] <= 600
    assert body["scope"] == "referrals:read matches:read"
    header, claims = decode_part(body["access_token"], 0), decode_part(body["access_token"], 1)
    assert header["typ"] == "at+jwt"
    assert header["alg"] == "ES256"
    assert header["kid"]
    assert claims["iss"] == ISSUER
    assert claims["aud"] == AUDIENCE
    assert claims["sub"] == claims["client_id"] == client_id
    assert claims["org"] == str(organisation_id)
    assert claims["scope"] == "referrals:read matches:read"
    assert claims["jti"]
    assert isinstance(claims["exp"], int)
    assert isinstance(claims["iat"], int)
    assert 0 < claims["exp"] - claims["iat"] <= 600
    assert abs(claims["iat"] - time.time()) < 60


def test_every_token_has_its_own_jti(client: TestClient, engine: Engine) -> None:
    client_id, secret, _ = create_client(engine)
    tokens = [client.post(TOKEN, data=GRANT, auth=(client_id, secret)).json() for _ in range(3)]
    assert len({decode_part(t["access_token"], 1)["jti"] for t in tokens}) == 3


def test_issue_token_helper_returns_headers_and_organisation(
    client: TestClient, engine: Engine
) -> None:
    headers, organisation_id = issue_token(client, engine, kind="outreach", scopes="admin")
    assert headers["Authorization"].startswith("Bearer ")
    assert isinstance(organisation_id, uuid.UUID)
    assert client.get("/v1/organisations/me", headers=headers).json()["kind"] == "outreach"


def test_scope_may_be_narrowed_but_not_widened(client: TestClient, engine: Engine) -> None:
    client_id, secret, _ = create_client(engine, scopes="referrals:read matches:read")
    narrowed = client.post(TOKEN, data=GRANT | {"scope": "matches:read"}, auth=(client_id, secret))
    assert narrowed.status_code == 200
    assert narrowed.json()["scope"] == "matches:read"
    for scope in ("referrals:write", "matches:read admin", "no-such-scope"):
        widened = client.post(TOKEN, data=GRANT | {"scope": scope}, auth=(client_id, secret))
        assert widened.status_code == 400, scope
        assert widened.json()["error"] == "invalid_scope"


@pytest.mark.parametrize(
    "credentials",
    [("right-id", "wrong-secret"), ("hub-unknown", "whatever")],
    ids=["wrong secret", "unknown client"],
)
def test_bad_credentials_are_invalid_client_401(
    client: TestClient, engine: Engine, credentials: tuple[str, str]
) -> None:
    client_id, _, _ = create_client(engine)
    user = client_id if credentials[0] == "right-id" else credentials[0]
    response = client.post(TOKEN, data=GRANT, auth=(user, credentials[1]))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic")
    assert "access_token" not in response.text


def test_no_credentials_is_invalid_client(client: TestClient) -> None:
    response = client.post(TOKEN, data=GRANT)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_disabled_client_and_organisation_get_no_token(client: TestClient, engine: Engine) -> None:
    client_id, secret, _ = create_client(engine)
    other_id, other_secret, other_org = create_client(engine)
    with unit_of_work(engine) as session:
        service.disable_client(session, client_id)
        service.disable(session, other_org)
    for user, password in ((client_id, secret), (other_id, other_secret)):
        response = client.post(TOKEN, data=GRANT, auth=(user, password))
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    ("data", "content_type", "error"),
    [
        ({"grant_type": "password"}, None, "unsupported_grant_type"),
        ({"scope": "matches:read"}, None, "unsupported_grant_type"),
        ({}, None, "invalid_request"),
        ("grant_type=client_credentials&grant_type=client_credentials", None, "invalid_request"),
        ('{"grant_type": "client_credentials"}', "application/json", "invalid_request"),
    ],
    ids=["password grant", "no grant", "empty body", "repeated parameter", "json body"],
)
def test_malformed_requests_get_rfc6749_errors(
    client: TestClient,
    engine: Engine,
    data: dict[str, str] | str,
    content_type: str | None,
    error: str,
) -> None:
    client_id, secret, _ = create_client(engine)
    headers = {"Content-Type": content_type or "application/x-www-form-urlencoded"}
    if isinstance(data, dict):
        response = client.post(TOKEN, data=data, auth=(client_id, secret))
    else:
        response = client.post(TOKEN, content=data, headers=headers, auth=(client_id, secret))
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"] == error


def test_client_secret_post_is_refused(client: TestClient, engine: Engine) -> None:
    client_id, secret, _ = create_client(engine)
    response = client.post(TOKEN, data=GRANT | {"client_id": client_id, "client_secret": secret})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


# -- private_key_jwt ----------------------------------------------------------------------------


def test_private_key_jwt_gets_a_token(client: TestClient, engine: Engine) -> None:
    client_id, key = create_key_client(engine, scopes="matches:read")
    response = client.post(TOKEN, data=assertion_form(assertion(key, client_id)))
    assert response.status_code == 200, response.text
    claims = decode_part(response.json()["access_token"], 1)
    assert claims["client_id"] == client_id
    assert claims["scope"] == "matches:read"


def test_issuer_is_also_accepted_as_assertion_audience(client: TestClient, engine: Engine) -> None:
    client_id, key = create_key_client(engine)
    response = client.post(TOKEN, data=assertion_form(assertion(key, client_id, audience=ISSUER)))
    assert response.status_code == 200, response.text


def test_replayed_assertion_is_refused(client: TestClient, engine: Engine) -> None:
    client_id, key = create_key_client(engine)
    signed = assertion(key, client_id)
    assert client.post(TOKEN, data=assertion_form(signed)).status_code == 200
    replay = client.post(TOKEN, data=assertion_form(signed))
    assert replay.status_code in (400, 401)
    assert replay.json()["error"] == "invalid_client"
    # Same jti in a freshly signed assertion: refused too.
    jti = decode_part(signed, 1)["jti"]
    again = client.post(TOKEN, data=assertion_form(assertion(key, client_id, jti=jti)))
    assert again.json()["error"] == "invalid_client"


def _foreign_key() -> ECKey:
    return ECKey.generate_key("P-256", private=True, auto_kid=True)


@pytest.mark.parametrize(
    "variant",
    [
        "wrong audience",
        "expired",
        "lives too long",
        "issuer differs from subject",
        "signed by another key",
        "alg none",
        "no jti",
    ],
)
def test_bad_assertions_are_refused(client: TestClient, engine: Engine, variant: str) -> None:
    client_id, key = create_key_client(engine)
    if variant == "wrong audience":
        token = assertion(key, client_id, audience="https://elsewhere.example/oauth/token")
    elif variant == "expired":
        token = assertion(key, client_id, lifetime=-120, iat=int(time.time()) - 300)
    elif variant == "lives too long":
        token = assertion(key, client_id, lifetime=3600)
    elif variant == "issuer differs from subject":
        token = assertion(key, client_id, iss="someone-else")
    elif variant == "signed by another key":
        foreign = _foreign_key()
        token = jwt.encode(
            {"alg": "ES256", "kid": key.kid},
            decode_part(assertion(key, client_id), 1),
            foreign,
            algorithms=["ES256"],
        )
    elif variant == "alg none":
        from tests.hub.auth.forge import unsigned

        token = unsigned(assertion(key, client_id))
    else:
        token = jwt.encode(
            {"alg": "ES256", "kid": key.kid},
            {k: v for k, v in decode_part(assertion(key, client_id), 1).items() if k != "jti"},
            key,
            algorithms=["ES256"],
        )
    response = client.post(TOKEN, data=assertion_form(token))
    assert response.status_code in (400, 401), variant
    assert response.json()["error"] == "invalid_client", variant


def test_each_client_uses_its_own_method(client: TestClient, engine: Engine) -> None:
    key_client, key = create_key_client(engine)
    secret_client, secret, _ = create_client(engine)
    # A key client has no secret to present; a secret client cannot sign assertions.
    response = client.post(TOKEN, data=GRANT, auth=(key_client, "guess"))
    assert response.json()["error"] == "invalid_client"
    response = client.post(TOKEN, data=assertion_form(assertion(key, secret_client)))
    assert response.json()["error"] == "invalid_client"
    both = client.post(
        TOKEN, data=assertion_form(assertion(key, key_client)), auth=(secret_client, secret)
    )
    assert both.status_code == 400
    assert both.json()["error"] == "invalid_request"


# -- rate limits ----------------------------------------------------------------------------------


@pytest.fixture
def limited_client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    strict = settings.model_copy(
        update={"token_rate_limit_per_client": 3, "token_rate_limit_per_address": 5}
    )
    with TestClient(create_app(strict, engine=engine)) as test_client:
        yield test_client


def test_token_endpoint_is_rate_limited_per_client(
    limited_client: TestClient, engine: Engine
) -> None:
    client_id, _, _ = create_client(engine)
    statuses = [
        limited_client.post(TOKEN, data=GRANT, auth=(client_id, "guess")).status_code
        for _ in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    refused = limited_client.post(TOKEN, data=GRANT, auth=(client_id, "guess"))
    assert refused.status_code == 429
    assert refused.json()["error"] == "slow_down"
    assert 1 <= int(refused.headers["retry-after"]) <= 60


def test_token_endpoint_is_rate_limited_per_address(
    limited_client: TestClient, engine: Engine
) -> None:
    statuses = [
        limited_client.post(TOKEN, data=GRANT, auth=(f"hub-guess-{n}", "x")).status_code
        for n in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    # The limit also covers revocation and introspection (they authenticate clients too).
    assert limited_client.post("/oauth/introspect", data={"token": "x"}).status_code == 429


def test_token_url_is_the_public_url(client: TestClient) -> None:
    metadata = client.get("/.well-known/oauth-authorization-server").json()
    assert metadata["token_endpoint"] == TOKEN_URL
