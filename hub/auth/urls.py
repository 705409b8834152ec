"""Where the authorisation server lives, derived from ``HUB_PUBLIC_URL``."""

from __future__ import annotations

from dataclasses import dataclass

from hub.settings import Settings

TOKEN_PATH = "/oauth/token"  # noqa: S105  (a path, not a password)
JWKS_PATH = "/oauth/jwks"
REVOCATION_PATH = "/oauth/revoke"
INTROSPECTION_PATH = "/oauth/introspect"
METADATA_PATH = "/.well-known/oauth-authorization-server"
API_PREFIX = "/v1"


@dataclass(frozen=True)
class OAuthUrls:
    issuer: str
    token_endpoint: str
    jwks_uri: str
    revocation_endpoint: str
    introspection_endpoint: str
    #: ``aud`` of the access tokens: the hub's API as a resource server.
    audience: str

    @classmethod
    def of(cls, settings: Settings) -> OAuthUrls:
        base = settings.public_url.rstrip("/")
        return cls(
            issuer=base,
            token_endpoint=base + TOKEN_PATH,
            jwks_uri=base + JWKS_PATH,
            revocation_endpoint=base + REVOCATION_PATH,
            introspection_endpoint=base + INTROSPECTION_PATH,
            audience=base + API_PREFIX,
        )
