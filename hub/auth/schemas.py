"""Shapes of the authorisation server's documents (for the OpenAPI description)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class TokenResponse(BaseModel):
    """RFC 6749 section 5.1 access token response."""

    access_token: str = Field(description="A JWT (RFC 9068, `typ: at+jwt`) signed by the hub.")
    token_type: str = Field(description="Always `Bearer`.")
    expires_in: int = Field(description="Seconds until the token expires (at most 600).")
    scope: str = Field(description="The scopes granted, space-separated.")


class OAuthErrorResponse(BaseModel):
    """RFC 6749 section 5.2 error document (used on every /oauth/* error)."""

    error: str
    error_description: str | None = None


class JsonWebKeySet(BaseModel):
    """The hub's public signing keys (RFC 7517)."""

    keys: list[dict[str, Any]]


class IntrospectionResponse(BaseModel):
    """RFC 7662 section 2.2; only `active` when the token is not active."""

    active: bool
    token_type: str | None = None
    scope: str | None = None
    client_id: str | None = None
    sub: str | None = None
    aud: str | list[str] | None = None
    iss: str | None = None
    exp: int | None = None
    iat: int | None = None
    jti: str | None = None
    org: str | None = Field(default=None, description="Organisation the client acts for.")


class AuthorizationServerMetadata(BaseModel):
    """RFC 8414 authorisation server metadata."""

    issuer: str
    token_endpoint: str
    jwks_uri: str
    scopes_supported: list[str]
    response_types_supported: list[str] = Field(
        description="Empty: there is no authorisation endpoint (client credentials only)."
    )
    grant_types_supported: list[str]
    token_endpoint_auth_methods_supported: list[str]
    token_endpoint_auth_signing_alg_values_supported: list[str]
    revocation_endpoint: str
    revocation_endpoint_auth_methods_supported: list[str]
    revocation_endpoint_auth_signing_alg_values_supported: list[str]
    introspection_endpoint: str
    introspection_endpoint_auth_methods_supported: list[str]
    introspection_endpoint_auth_signing_alg_values_supported: list[str]
    service_documentation: str
