"""RFC 8414 metadata, the JWKS, and signing key rotation."""

from __future__ import annotations

from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from hub.auth.keys import rotate_signing_key
from hub.crypto import build_crypto
from hub.settings import Settings
from tests.auth_helpers import issue_token
from tests.hub.auth.forge import ISSUER, bearer, decode_part, me


def test_metadata_lists_the_endpoints_and_capabilities(client: TestClient) -> None:
    response = client.get("/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    metadata = response.json()
    assert metadata["issuer"] == ISSUER
    assert metadata["token_endpoint"] == ISSUER + "/oauth/token"
    assert metadata["jwks_uri"] == ISSUER + "/oauth/jwks"
    assert metadata["revocation_endpoint"] == ISSUER + "/oauth/revoke"
    assert metadata["introspection_endpoint"] == ISSUER + "/oauth/introspect"
    assert metadata["grant_types_supported"] == ["client_credentials"]
    assert set(metadata["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "private_key_jwt",
    }
    assert "ES256" in metadata["token_endpoint_auth_signing_alg_values_supported"]
    assert "none" not in metadata["token_endpoint_auth_signing_alg_values_supported"]
    assert "HS256" not in metadata["token_endpoint_auth_signing_alg_values_supported"]
    assert "admin" in metadata["scopes_supported"]
    assert "matches:read" in metadata["scopes_supported"]
    # Authlib's RFC 8414 validator agrees (response_types_supported is deliberately empty:
    # there is no authorisation endpoint).
    checked = AuthorizationServerMetadata(metadata | {"response_types_supported": ["none"]})
    checked.validate()


def test_jwks_publishes_public_keys_only(client: TestClient, engine: Engine) -> None:
    headers, _ = issue_token(client, engine)
    jwks = client.get("/oauth/jwks").json()
    assert len(jwks["keys"]) == 1
    key = jwks["keys"][0]
    assert key["kid"] == decode_part(bearer(headers), 0)["kid"]
    assert key["kty"] == "EC"
    assert key["alg"] == "ES256"
    assert key["use"] == "sig"
    assert "d" not in key


def test_signing_key_rotation_keeps_earlier_tokens_valid(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    before, _ = issue_token(client, engine)
    crypto = build_crypto(settings, engine)
    with Session(engine) as session:
        rotation = rotate_signing_key(
            session, crypto.cipher, token_lifetime_seconds=settings.access_token_lifetime_seconds
        )
        session.commit()
    after, _ = issue_token(client, engine)
    old_kid = decode_part(bearer(before), 0)["kid"]
    assert rotation.retired == [old_kid]
    assert decode_part(bearer(after), 0)["kid"] == rotation.new_kid != old_kid
    assert {k["kid"] for k in client.get("/oauth/jwks").json()["keys"]} == {
        old_kid,
        rotation.new_kid,
    }
    assert me(client, bearer(before)).status_code == 200
    assert me(client, bearer(after)).status_code == 200


def test_keys_retired_longer_than_a_token_lifetime_are_dropped(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    issue_token(client, engine)
    crypto = build_crypto(settings, engine)
    with Session(engine) as session:
        # Lifetime 0 still keeps a retired key for the 60 s margin...
        first = rotate_signing_key(session, crypto.cipher, token_lifetime_seconds=0)
        session.commit()
    with Session(engine) as session:
        # ...a negative lifetime stands for "that margin has passed" without waiting.
        second = rotate_signing_key(session, crypto.cipher, token_lifetime_seconds=-120)
        session.commit()
    assert second.deleted == 2  # the original key and the one `first` created
    assert first.new_kid in second.retired
