"""Resource protection: who is calling and with which scopes.

Routers depend on :func:`require_scopes`; they never parse tokens themselves::

    caller: Annotated[Caller, Depends(require_scopes("referrals:read"))]

The token must be a Bearer access token issued by this hub (RFC 9068 JWT: signature with
the hub's published keys, ``typ: at+jwt``, ``iss``, ``aud``, ``exp``), not revoked, of a
client and an organisation that are not disabled. ``admin`` grants every scope and sees
every organisation's objects.

- no token (or not a Bearer one): 401, ``WWW-Authenticate: Bearer realm="invisibles-hub"``;
- a token that is not valid: 401, ``... error="invalid_token"``;
- a missing scope: 403, ``... error="insufficient_scope", scope="..."``;
- another organisation's object (:func:`ensure_owner`): 404, as if it did not exist.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request, Security
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.security import OAuth2
from sqlmodel import Session

from hub.auth import service
from hub.auth.runtime import get_auth_runtime
from hub.auth.scopes import ADMIN, SCOPES, format_scopes
from hub.auth.tokens import TokenRejectedError, unverified_kid, verify_access_token
from hub.auth.urls import TOKEN_PATH
from hub.errors import ForbiddenError, NotFoundError, UnauthorizedError

REALM = "invisibles-hub"

#: The OpenAPI security scheme (``/docs`` offers "Authorize" with the client credentials
#: flow). It only reads the header; checking is done below.
oauth2_scheme = OAuth2(
    flows=OAuthFlows(
        clientCredentials=OAuthFlowClientCredentials(tokenUrl=TOKEN_PATH, scopes=SCOPES)
    ),
    scheme_name="oauth2",
    description="OAuth 2 client credentials: get a token at `/oauth/token` (HTTP Basic with "
    "your client id and secret, or a `private_key_jwt` assertion), send it as "
    "`Authorization: Bearer <token>`.",
    auto_error=False,
)


class InvalidTokenError(UnauthorizedError):
    code = "invalid-token"
    title = "Invalid access token"


class InsufficientScopeError(ForbiddenError):
    code = "insufficient-scope"
    title = "Insufficient scope"


@dataclass(frozen=True)
class Caller:
    """The authenticated client of a request and the organisation it acts for."""

    client_id: str
    organisation_id: uuid.UUID | None
    scopes: frozenset[str]

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.scopes

    def has(self, scope: str) -> bool:
        return scope in self.scopes or self.is_admin


def _challenge(**params: str) -> str:
    parts = [f'realm="{REALM}"'] + [f'{key}="{value}"' for key, value in params.items()]
    return "Bearer " + ", ".join(parts)


def _missing() -> UnauthorizedError:
    return UnauthorizedError(
        "this endpoint needs a Bearer access token (see /.well-known/oauth-authorization-server)",
        headers={"WWW-Authenticate": _challenge()},
    )


def _invalid(reason: str) -> InvalidTokenError:
    description = reason.replace('"', "'")
    return InvalidTokenError(
        reason,
        headers={
            "WWW-Authenticate": _challenge(error="invalid_token", error_description=description)
        },
    )


def _bearer_token(authorization: str | None) -> str:
    scheme, _, credentials = (authorization or "").partition(" ")
    if scheme.lower() != "bearer":
        raise _missing()
    credentials = credentials.strip()
    if not credentials:
        raise _invalid("the Bearer token is empty")
    return credentials


def authenticate(request: Request, authorization: str | None) -> Caller:
    """The caller behind ``authorization`` (the raw header), or a 401 error."""
    token = _bearer_token(authorization)
    runtime = get_auth_runtime(request)
    try:
        keys = runtime.keys.verification_keys(unverified_kid(token))
        access = verify_access_token(
            token, keys, issuer=runtime.urls.issuer, audience=runtime.urls.audience
        )
    except TokenRejectedError as exc:
        raise _invalid(exc.reason) from None
    # A session of its own: a short read, independent of the endpoint's unit of work.
    with Session(runtime.engine) as session:
        try:
            live = service.check_live(session, access)
        except service.TokenNotLiveError as exc:
            raise _invalid(exc.reason) from None
    return Caller(
        client_id=access.client_id, organisation_id=access.organisation_id, scopes=live.scopes
    )


def require_scopes(*scopes: str) -> Callable[..., Caller]:
    """A dependency returning the :class:`Caller` once its token grants every scope in
    ``scopes`` (none: any valid token). ``admin`` grants them all."""
    required = frozenset(scopes)
    unknown = sorted(required - SCOPES.keys())
    if unknown:
        raise ValueError(f"require_scopes: unknown scope(s) {unknown}")
    listed = format_scopes(required)

    # A default value, not Annotated: the annotation is a string (PEP 563) and could not see
    # the local ``listed``.
    def dependency(
        request: Request,
        authorization: str | None = Security(oauth2_scheme, scopes=listed.split()),
    ) -> Caller:
        caller = authenticate(request, authorization)
        if caller.is_admin or required <= caller.scopes:
            return caller
        raise InsufficientScopeError(
            f"this endpoint needs the scope(s): {listed}",
            headers={"WWW-Authenticate": _challenge(error="insufficient_scope", scope=listed)},
            extra={"required_scopes": listed.split()},
        )

    dependency.__name__ = "require_" + ("_".join(sorted(required)) or "token")
    return dependency


def caller_with(*scopes: str) -> Any:
    """``Depends`` shortcut: ``caller: Annotated[Caller, caller_with("imports:write")]``."""
    return Depends(require_scopes(*scopes))


def not_found(what: str, object_id: object | None = None) -> NotFoundError:
    """The 404 for a missing object; :func:`ensure_owner` raises the very same one, so that a
    caller cannot tell another organisation's object from one that does not exist."""
    return NotFoundError(f"no {what} {object_id}" if object_id is not None else f"no such {what}")


def ensure_owner(
    caller: Caller,
    *organisation_ids: uuid.UUID | None,
    what: str = "resource",
    object_id: object | None = None,
) -> None:
    """Object-level authorisation: pass when the caller's organisation is one of
    ``organisation_ids`` (e.g. the sender and the recipient of a referral) or the caller is
    ``admin``; otherwise raise ``not_found(what, object_id)``, exactly the error of an object
    that does not exist (raise that same ``not_found`` when the object is missing)."""
    if caller.is_admin:
        return
    if caller.organisation_id is not None and caller.organisation_id in organisation_ids:
        return
    raise not_found(what, object_id)
