"""Crafting tokens and client assertions for the security tests."""

from __future__ import annotations

import base64
import json
import secrets
import time
from typing import Any

from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet
from sqlalchemy import Engine
from sqlmodel import Session

from hub.auth import repository
from hub.auth.keys import load_private_key
from hub.crypto import build_crypto
from hub.settings import Settings

ISSUER = "http://127.0.0.1:8000"
AUDIENCE = ISSUER + "/v1"
TOKEN_URL = ISSUER + "/oauth/token"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def decode_part(token: str, index: int) -> dict[str, Any]:
    part = token.split(".")[index]
    value: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return value


def bearer(headers: dict[str, str]) -> str:
    return headers["Authorization"].split(" ", 1)[1]


def hub_signing_key(settings: Settings, engine: Engine) -> ECKey:
    """The hub's current private signing key (a token must have been issued already)."""
    crypto = build_crypto(settings, engine)
    with Session(engine) as session:
        row = repository.current_signing_key(session)
        assert row is not None, "issue a token first"
        return load_private_key(row, crypto.cipher)


def resign(
    token: str,
    key: ECKey,
    *,
    claims: dict[str, Any] | None = None,
    header: dict[str, Any] | None = None,
    drop: tuple[str, ...] = (),
    alg: str = "ES256",
) -> str:
    """``token`` with claims/header changed, signed with ``key``."""
    payload = decode_part(token, 1) | (claims or {})
    for name in drop:
        payload.pop(name, None)
    merged = decode_part(token, 0) | (header or {}) | {"alg": alg}
    new_header = {name: value for name, value in merged.items() if value is not None}
    return jwt.encode(new_header, payload, key, algorithms=[alg], default_type=None)


def unsigned(token: str, **claims: Any) -> str:
    """``alg: none`` version of ``token``."""
    header = decode_part(token, 0) | {"alg": "none"}
    return f"{b64(header)}.{b64(decode_part(token, 1) | claims)}."


def client_keys() -> tuple[ECKey, dict[str, Any]]:
    """A client key pair: (private key, public JWKS to register)."""
    key = ECKey.generate_key("P-256", private=True, auto_kid=True)
    public = KeySet([key]).as_dict(private=False)
    return key, public


def assertion(
    key: ECKey, client_id: str, *, audience: str = TOKEN_URL, lifetime: int = 60, **claims: Any
) -> str:
    now = int(time.time())
    payload = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "iat": now,
        "exp": now + lifetime,
        "jti": secrets.token_urlsafe(16),
    } | claims
    return jwt.encode({"alg": "ES256", "kid": key.kid}, payload, key, algorithms=["ES256"])


def assertion_form(token: str, **extra: str) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": token,
    } | extra


def me(client: TestClient, token: str) -> Any:
    return client.get("/v1/organisations/me", headers={"Authorization": f"Bearer {token}"})


def create_key_client(
    engine: Engine, *, scopes: str = "referrals:read", kind: str = "partner"
) -> tuple[str, ECKey]:
    """A ``private_key_jwt`` client of a new organisation: (client_id, its private key)."""
    import uuid

    from hub.db import unit_of_work
    from hub.organisations import service
    from hub.organisations.models import OrganisationKind

    key, public = client_keys()
    with unit_of_work(engine) as session:
        organisation = service.create(
            session, name=f"Key org {uuid.uuid4().hex[:8]}", kind=OrganisationKind(kind)
        )
        issued = service.create_client(
            session, organisation_id=organisation.id, scopes=scopes, jwks=public
        )
        assert issued.client_secret is None
        return issued.client.client_id, key
