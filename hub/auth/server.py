"""The OAuth 2 authorisation server, built on Authlib's RFC implementations.

Authlib provides the protocol (client_credentials grant, client authentication, RFC 7009
revocation, RFC 7662 introspection, RFC 6749 error documents); this module binds it to the
hub: clients come from the database, access tokens are RFC 9068 JWTs signed with the hub's
key, client assertion ``jti`` values are remembered, revocations are stored.

A server object is built per request around the request's session (building it is cheap).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    ClientMixin,
    InvalidClientError,
    OAuth2Request,
    TokenMixin,
)
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet
from sqlmodel import Session
from starlette.responses import JSONResponse

from hub.auth import service
from hub.auth.client_keys import ASSERTION_ALGORITHMS, load_key_set
from hub.auth.client_secrets import verify_secret
from hub.auth.keys import SIGNING_ALG, SigningKeyStore
from hub.auth.scopes import ADMIN, SCOPES, format_scopes
from hub.auth.tokens import (
    AccessToken,
    TokenRejectedError,
    unverified_kid,
    verify_access_token,
)
from hub.auth.urls import OAuthUrls
from hub.organisations import repository as organisations
from hub.organisations.models import ApiClient, Organisation, auth_method

#: Clock skew accepted on client assertions.
ASSERTION_LEEWAY_SECONDS = 30
AUTH_METHODS = ["client_secret_basic", "private_key_jwt"]
GRANT_TYPES = ["client_credentials"]


@dataclass(frozen=True)
class ServerContext:
    """What one request's authorisation server works with."""

    session: Session
    urls: OAuthUrls
    keys: SigningKeyStore
    #: The current signing key (loaded before the request writes anything); None when the
    #: endpoint signs nothing (revocation, introspection).
    signing_key: ECKey | None
    token_lifetime_seconds: int
    assertion_max_lifetime_seconds: int
    #: Public URL of the endpoint being called (also accepted as a client assertion ``aud``).
    endpoint_url: str

    def find_token(self, token: str) -> AccessToken | None:
        """An unexpired access token signed by the hub, else None (RFC 7009/7662 treat
        invalid, expired and unknown tokens alike)."""
        try:
            keys = self.keys.verification_keys(unverified_kid(token))
            return verify_access_token(
                token, keys, issuer=self.urls.issuer, audience=self.urls.audience
            )
        except TokenRejectedError:
            return None


class HubOAuth2Request(OAuth2Request):  # type: ignore[misc]
    """An Authlib request built from the already-read form of a Starlette request."""

    def __init__(self, *, uri: str, headers: Mapping[str, str], form: dict[str, str]) -> None:
        super().__init__("POST", uri, headers=headers)
        self._form = form
        self.payload = BasicOAuth2Payload(form)

    @property
    def form(self) -> dict[str, str]:
        return self._form

    @property
    def args(self) -> dict[str, str]:
        return {}


class OAuthClient(ClientMixin):  # type: ignore[misc]
    """Authlib's view of an :class:`ApiClient` (the table stays persistence only)."""

    def __init__(self, row: ApiClient, organisation: Organisation) -> None:
        self.row = row
        self.organisation = organisation
        self.scopes = frozenset(row.scopes.split())

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in GRANT_TYPES

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == auth_method(self.row)

    def check_client_secret(self, client_secret: str) -> bool:
        return verify_secret(client_secret, self.row.secret_hash)

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """All the client's scopes when none is asked; None (-> ``invalid_scope``) when one
        asked for is not granted to the client."""
        if not scope:
            return format_scopes(self.scopes)
        wanted = set(scope.split())
        if ADMIN not in self.scopes and not wanted <= self.scopes:
            return None
        return format_scopes(wanted)


class StoredToken(TokenMixin):  # type: ignore[misc]
    """Authlib's view of a verified access token, for revocation and introspection."""

    def __init__(self, access: AccessToken, session: Session) -> None:
        self.access = access
        self._session = session

    def check_client(self, client: OAuthClient) -> bool:
        return self.access.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return format_scopes(self.access.scopes)

    def get_expires_in(self) -> int:
        return max(int(self.access.expires_at.timestamp() - time.time()), 0)

    def is_expired(self) -> bool:
        return self.access.expires_at <= datetime.now(UTC)

    def is_revoked(self) -> bool:
        try:
            service.check_live(self._session, self.access)
        except service.TokenNotLiveError:
            return True
        return False


class ClientCredentials(ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS


class PrivateKeyJWT(JWTBearerClientAssertion):  # type: ignore[misc]
    """``private_key_jwt`` (RFC 7523 section 2.2, OpenID Connect Core section 9)."""

    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self, context: ServerContext) -> None:
        super().__init__(validate_jti=True, leeway=ASSERTION_LEEWAY_SECONDS)
        self.context = context

    def get_audiences(self) -> list[str]:
        urls = self.context.urls
        return list(dict.fromkeys([urls.token_endpoint, urls.issuer, self.context.endpoint_url]))

    def resolve_client_public_key(self, client: OAuthClient) -> KeySet:
        if client.row.jwks is None:
            raise InvalidClientError(description="The client has no registered keys.")
        return load_key_set(client.row.jwks)

    def process_assertion_claims(self, assertion: str, resolve_key: Any) -> dict[str, Any]:
        try:
            token = jwt.decode(assertion, resolve_key, algorithms=ASSERTION_ALGORITHMS)
        except JoseError as exc:
            raise InvalidClientError(
                description=f"The client assertion is not valid ({exc.error})."
            ) from exc
        self.verify_claims(token.claims)
        return token.claims

    def verify_claims(self, claims: dict[str, Any]) -> None:
        exp, jti = claims.get("exp"), claims.get("jti")
        if isinstance(exp, int | float) and not isinstance(exp, bool):
            longest = self.context.assertion_max_lifetime_seconds + ASSERTION_LEEWAY_SECONDS
            if exp - time.time() > longest:
                raise InvalidClientError(
                    description="The client assertion lives too long (exp at most "
                    f"{self.context.assertion_max_lifetime_seconds} seconds ahead)."
                )
        if jti is not None and (not isinstance(jti, str) or not 0 < len(jti) <= 255):
            raise InvalidClientError(description="The jti claim must be a string of 1-255 chars.")
        super().verify_claims(claims)

    def validate_jti(self, claims: dict[str, Any], jti: str) -> bool:
        until = datetime.fromtimestamp(int(claims["exp"]) + ASSERTION_LEEWAY_SECONDS, UTC)
        return service.record_assertion(
            self.context.session, client_id=str(claims["sub"]), jti=jti, expires_at=until
        )


class AccessTokenGenerator(JWTBearerTokenGenerator):  # type: ignore[misc]
    """RFC 9068 access tokens: ``typ: at+jwt``, signed ES256 with ``kid``."""

    def __init__(self, context: ServerContext) -> None:
        super().__init__(
            issuer=context.urls.issuer,
            alg=SIGNING_ALG,
            expires_generator=context.token_lifetime_seconds,
        )
        self.context = context

    def access_token_generator(
        self, client: OAuthClient, grant_type: str, user: Any, scope: str
    ) -> str:
        key = self.context.signing_key
        assert key is not None, "the token endpoint loads the signing key first"
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.context.urls.audience,
            "sub": client.get_client_id(),
            "client_id": client.get_client_id(),
            "org": str(client.organisation.id),
            "scope": scope,
            "jti": secrets.token_urlsafe(18),
            "iat": now,
            "exp": now + self.context.token_lifetime_seconds,
        }
        header = {"alg": SIGNING_ALG, "typ": "at+jwt", "kid": key.kid}
        return jwt.encode(header, claims, key, algorithms=[SIGNING_ALG])


class Revocation(RevocationEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = AUTH_METHODS

    def __init__(self, context: ServerContext) -> None:
        super().__init__()
        self.context = context

    def query_token(self, token_string: str, token_type_hint: str | None) -> StoredToken | None:
        access = self.context.find_token(token_string)
        return StoredToken(access, self.context.session) if access is not None else None

    def revoke_token(self, token: StoredToken, request: HubOAuth2Request) -> None:
        service.revoke(self.context.session, token.access)


class Introspection(IntrospectionEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = AUTH_METHODS

    def __init__(self, context: ServerContext) -> None:
        super().__init__()
        self.context = context

    def query_token(self, token_string: str, token_type_hint: str | None) -> StoredToken | None:
        access = self.context.find_token(token_string)
        return StoredToken(access, self.context.session) if access is not None else None

    def check_permission(
        self, token: StoredToken, client: OAuthClient, request: HubOAuth2Request
    ) -> bool:
        # A client introspects its own tokens; an operator client (admin) any token.
        return token.check_client(client) or ADMIN in client.scopes

    def introspect_token(self, token: StoredToken) -> dict[str, Any]:
        live = service.check_live(self.context.session, token.access)
        claims = token.access.claims
        return {
            "active": True,
            "token_type": "Bearer",
            "scope": format_scopes(live.scopes),
            "client_id": token.access.client_id,
            "sub": claims["sub"],
            "aud": claims["aud"],
            "iss": claims["iss"],
            "exp": claims["exp"],
            "iat": claims["iat"],
            "jti": token.access.jti,
            "org": str(token.access.organisation_id),
        }


class HubAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, context: ServerContext) -> None:
        super().__init__(scopes_supported=list(SCOPES))
        self.context = context
        self.register_grant(ClientCredentials)
        self.register_client_auth_method("private_key_jwt", PrivateKeyJWT(context))
        self.register_token_generator("default", AccessTokenGenerator(context))
        self.register_endpoint(Revocation(context))
        self.register_endpoint(Introspection(context))

    def query_client(self, client_id: str) -> OAuthClient | None:
        if not isinstance(client_id, str) or len(client_id) > 64:
            return None
        found = organisations.get_client_with_organisation(self.context.session, client_id)
        if found is None:
            return None
        row, organisation = found
        if row.disabled or organisation.disabled:
            return None  # "client does not exist": no hint about the reason
        return OAuthClient(row, organisation)

    def save_token(self, token: dict[str, Any], request: HubOAuth2Request) -> None:
        # Access tokens are self-contained JWTs: nothing to store; revocation stores the jti.
        return None

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    def create_oauth2_request(self, request: HubOAuth2Request) -> HubOAuth2Request:
        return request

    def handle_response(
        self, status: int, body: Any, headers: list[tuple[str, str]]
    ) -> JSONResponse:
        kept = {k: v for k, v in headers if k.lower() != "content-type"}
        return JSONResponse(body, status_code=status, headers=kept)
