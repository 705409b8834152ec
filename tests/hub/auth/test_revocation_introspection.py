"""RFC 7009 revocation (effective at once) and RFC 7662 introspection."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.auth_helpers import create_client
from tests.hub.auth.forge import assertion, create_key_client, me

GRANT = {"grant_type": "client_credentials"}


def _token(client: TestClient, client_id: str, secret: str) -> str:
    response = client.post("/oauth/token", data=GRANT, auth=(client_id, secret))
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def test_revoked_token_is_refused_at_once(client: TestClient, engine: Engine) -> None:
    client_id, secret, _ = create_client(engine)
    token = _token(client, client_id, secret)
    other = _token(client, client_id, secret)
    assert me(client, token).status_code == 200
    response = client.post(
        "/oauth/revoke",
        data={"token": token, "token_type_hint": "access_token"},
        auth=(client_id, secret),
    )
    assert response.status_code == 200
    refused = me(client, token)
    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused.headers["www-authenticate"]
    assert "revoked" in refused.json()["detail"]
    # Only that token: the client's other tokens keep working.
    assert me(client, other).status_code == 200
    # Revoking twice, or a token that is not ours, is still 200 (RFC 7009 2.2).
    again = client.post("/oauth/revoke", data={"token": token}, auth=(client_id, secret))
    assert again.status_code == 200
    junk = client.post("/oauth/revoke", data={"token": "junk"}, auth=(client_id, secret))
    assert junk.status_code == 200


def test_a_client_cannot_revoke_another_clients_token(client: TestClient, engine: Engine) -> None:
    owner_id, owner_secret, _ = create_client(engine)
    thief_id, thief_secret, _ = create_client(engine)
    token = _token(client, owner_id, owner_secret)
    response = client.post("/oauth/revoke", data={"token": token}, auth=(thief_id, thief_secret))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert me(client, token).status_code == 200


def test_revocation_needs_client_authentication(client: TestClient, engine: Engine) -> None:
    client_id, secret, _ = create_client(engine)
    token = _token(client, client_id, secret)
    response = client.post("/oauth/revoke", data={"token": token})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert me(client, token).status_code == 200


def test_private_key_jwt_client_revokes_its_token(client: TestClient, engine: Engine) -> None:
    client_id, key = create_key_client(engine)
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    }
    token = client.post(
        "/oauth/token", data=form | {"client_assertion": assertion(key, client_id)}
    ).json()["access_token"]
    revoke_form = {k: v for k, v in form.items() if k != "grant_type"} | {
        "client_assertion": assertion(
            key, client_id, audience="http://127.0.0.1:8000/oauth/revoke"
        ),
        "token": token,
    }
    assert client.post("/oauth/revoke", data=revoke_form).status_code == 200
    assert me(client, token).status_code == 401


def test_introspection_of_an_active_token(client: TestClient, engine: Engine) -> None:
    client_id, secret, organisation_id = create_client(engine, scopes="matches:read")
    token = _token(client, client_id, secret)
    response = client.post("/oauth/introspect", data={"token": token}, auth=(client_id, secret))
    assert response.status_code == 200
    body = response.json()
    assert body["active"] is True
    assert body["client_id"] == body["sub"] == client_id
    assert body["scope"] == "matches:read"
    assert body["org"] == str(organisation_id)
    assert body["iss"] == "http://127.0.0.1:8000"
    assert body["aud"] == "http://127.0.0.1:8000/v1"
    assert body["token_type"] == "Bearer"
    assert body["exp"] > body["iat"]


def test_introspection_says_inactive_for_revoked_unknown_and_foreign_tokens(
    client: TestClient, engine: Engine
) -> None:
    client_id, secret, _ = create_client(engine)
    other_id, other_secret, _ = create_client(engine)
    admin_id, admin_secret, _ = create_client(engine, scopes="admin")
    token = _token(client, client_id, secret)

    def introspect(who: tuple[str, str], value: str) -> dict[str, object]:
        response = client.post("/oauth/introspect", data={"token": value}, auth=who)
        assert response.status_code == 200
        body: dict[str, object] = response.json()
        return body

    # Another ordinary client learns nothing; an operator (admin) client may introspect.
    assert introspect((other_id, other_secret), token) == {"active": False}
    assert introspect((admin_id, admin_secret), token)["active"] is True
    assert introspect((client_id, secret), "not-a-token") == {"active": False}
    client.post("/oauth/revoke", data={"token": token}, auth=(client_id, secret))
    assert introspect((client_id, secret), token) == {"active": False}


def test_introspection_needs_client_authentication(client: TestClient, engine: Engine) -> None:
    client_id, secret, _ = create_client(engine)
    token = _token(client, client_id, secret)
    response = client.post("/oauth/introspect", data={"token": token}, auth=(client_id, "wrong"))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
