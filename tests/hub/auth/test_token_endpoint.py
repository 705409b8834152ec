"""POST /oauth/token: client_credentials with client_secret_basic and private_key_jwt."""

from __future__ import annotations

import base64
import json
import time
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.auth_helpers import create_client, issue_token

TOKEN = "/oauth/token"
ISSUER = "http://127.0.0.1:8000"


def _claims(access_token: str) -> tuple[dict[str, object], dict[str, object]]:
    header, payload, _ = access_token.split(".")

    def part(text: str) -> dict[str, object]:
        decoded: dict[str, object] = json.loads(
            base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        )
        return decoded

    return part(header), part(payload)


def test_client_secret_basic_gets_an_rfc9068_access_token(
    client: TestClient, engine: Engine
) -> None:
    client_id, secret, organisation_id = create_client(engine, scopes="referrals:read matches:read")
    response = client.post(
        TOKEN, data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert 0 < body["expires_in"] <= 600
    assert body["scope"] == "referrals:read matches:read"
    header, claims = _claims(body["access_token"])
    assert header["typ"] == "at+jwt"
    assert header["alg"] == "ES256"
    assert header["kid"]
    assert claims["iss"] == ISSUER
    assert claims["aud"] == ISSUER + "/v1"
    assert claims["sub"] == claims["client_id"] == client_id
    assert claims["org"] == str(organisation_id)
    assert claims["scope"] == "referrals:read matches:read"
    assert claims["jti"]
    assert isinstance(claims["exp"], int) and isinstance(claims["iat"], int)
    assert 0 < claims["exp"] - claims["iat"] <= 600
    assert abs(claims["iat"] - time.time()) < 60


def test_issue_token_helper_returns_headers_and_organisation(
    client: TestClient, engine: Engine
) -> None:
    headers, organisation_id = issue_token(client, engine, kind="outreach", scopes="admin")
    assert headers["Authorization"].startswith("Bearer ")
    assert isinstance(organisation_id, uuid.UUID)
