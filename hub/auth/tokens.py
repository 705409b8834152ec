"""Access tokens: JWTs per RFC 9068, signed by the hub, checked here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import ExpiredTokenError, JoseError
from joserfc.jwk import KeySet

from hub.auth.keys import LEEWAY_SECONDS, SIGNING_ALG

ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})


class TokenRejectedError(Exception):
    """The token is not one of ours, or not valid; ``reason`` is safe to show the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TokenExpiredError(TokenRejectedError):
    """Signed by us and well-formed, but past its ``exp``."""


@dataclass(frozen=True)
class AccessToken:
    """The verified claims of an access token."""

    jti: str
    client_id: str
    organisation_id: uuid.UUID
    scopes: frozenset[str]
    issued_at: datetime
    expires_at: datetime
    claims: dict[str, Any]


def unverified_kid(token: str) -> str | None:
    """The ``kid`` a token claims (before any verification), to pick the key."""
    try:
        header = jws.extract_compact(token.encode()).headers()
    except (JoseError, ValueError, UnicodeError):
        raise TokenRejectedError("the token is not a compact JWS") from None
    kid = header.get("kid")
    return kid if isinstance(kid, str) else None


def verify_access_token(
    token: str, keys: KeySet, *, issuer: str, audience: str, now: int | None = None
) -> AccessToken:
    """Verify signature (our keys, ES256 only: never ``none``), ``typ``, ``iss``, ``aud``,
    ``exp`` and the presence of every claim the hub relies on.

    Raises :class:`TokenExpiredError` for an expired token that is otherwise valid and
    :class:`TokenRejectedError` for anything else."""
    try:
        decoded = jwt.decode(token, keys, algorithms=[SIGNING_ALG])
    except (JoseError, ValueError, UnicodeError):
        raise TokenRejectedError("the token signature is not valid") from None
    typ = str(decoded.header.get("typ", "")).lower()
    if typ not in ACCESS_TOKEN_TYPES:
        raise TokenRejectedError("the token is not an access token (typ must be at+jwt)")
    registry = jwt.JWTClaimsRegistry(
        now=now,
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": audience},
        exp={"essential": True},
        iat={"essential": True},
        jti={"essential": True},
        sub={"essential": True},
        client_id={"essential": True},
        org={"essential": True},
        scope={"essential": True, "allow_blank": True},
    )
    claims = decoded.claims
    try:
        registry.validate(claims)
    except ExpiredTokenError:
        raise TokenExpiredError("the token has expired") from None
    except JoseError as exc:
        raise TokenRejectedError(f"the token is not valid ({exc.error})") from None
    try:
        organisation_id = uuid.UUID(str(claims["org"]))
        scope = claims["scope"]
        if not isinstance(scope, str) or not isinstance(claims["client_id"], str):
            raise TypeError
        if not isinstance(claims["jti"], str):
            raise TypeError
        issued_at = datetime.fromtimestamp(int(claims["iat"]), UTC)
        expires_at = datetime.fromtimestamp(int(claims["exp"]), UTC)
    except (TypeError, ValueError):
        raise TokenRejectedError("the token's claims are malformed") from None
    return AccessToken(
        jti=claims["jti"],
        client_id=claims["client_id"],
        organisation_id=organisation_id,
        scopes=frozenset(scope.split()),
        issued_at=issued_at,
        expires_at=expires_at,
        claims=dict(claims),
    )
