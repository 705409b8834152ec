"""HTTP endpoints of the authorisation server: token, JWKS, revocation, introspection and
the RFC 8414 metadata. Errors here are RFC 6749 JSON documents (``{"error": ...}``), the
standard OAuth clients expect; the rest of the hub answers problem+json."""

from __future__ import annotations

import base64
import binascii
import json
import logging
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qsl, unquote

from authlib.oauth2.rfc6749 import InsecureTransportError
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from hub.auth.client_keys import ASSERTION_ALGORITHMS
from hub.auth.runtime import AuthRuntime, get_auth_runtime
from hub.auth.schemas import (
    AuthorizationServerMetadata,
    IntrospectionResponse,
    JsonWebKeySet,
    OAuthErrorResponse,
    TokenResponse,
)
from hub.auth.scopes import SCOPES
from hub.auth.server import (
    AUTH_METHODS,
    GRANT_TYPES,
    HubAuthorizationServer,
    HubOAuth2Request,
    ServerContext,
)
from hub.auth.urls import (
    INTROSPECTION_PATH,
    JWKS_PATH,
    METADATA_PATH,
    REVOCATION_PATH,
    TOKEN_PATH,
)
from hub.dependencies import CryptoDep, SessionDep

logger = logging.getLogger("hub.auth")

router = APIRouter(tags=["oauth"])

_MAX_FORM_BYTES = 64 * 1024
_MAX_FIELDS = 32
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_FORM = "application/x-www-form-urlencoded"


def oauth_error(
    status: int, error: str, description: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """An RFC 6749 section 5.2 error document."""
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers=_NO_STORE | (headers or {}),
    )


@dataclass(frozen=True)
class OAuthForm:
    """The request's form parameters, or why they cannot be read."""

    fields: dict[str, str]
    problem: str | None = None


async def read_oauth_form(request: Request) -> OAuthForm:
    """Read an ``application/x-www-form-urlencoded`` body (bounded) and refuse repeated
    parameters (RFC 6749 section 3.2)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != _FORM:
        return OAuthForm({}, f"send the parameters as {_FORM}")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > _MAX_FORM_BYTES:
            return OAuthForm({}, "the request body is too large")
    try:
        pairs = parse_qsl(body.decode(), keep_blank_values=True, max_num_fields=_MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        return OAuthForm({}, "the request body is not a valid form")
    fields: dict[str, str] = {}
    for key, value in pairs:
        if key in fields:
            return OAuthForm({}, f"the parameter {key} is repeated")
        fields[key] = value
    return OAuthForm(fields)


OAuthFormDep = Annotated[OAuthForm, Depends(read_oauth_form)]


def _basic_client_id(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return unquote(decoded.partition(":")[0]) or None


def _assertion_subject(assertion: str) -> str | None:
    """The unverified ``sub`` of a client assertion (only to count attempts per client)."""
    try:
        payload = assertion.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error):
        return None
    sub = claims.get("sub") if isinstance(claims, dict) else None
    return sub if isinstance(sub, str) else None


def _claimed_client_id(request: Request, form: OAuthForm) -> str | None:
    claimed = _basic_client_id(request) or form.fields.get("client_id")
    if claimed is None and "client_assertion" in form.fields:
        claimed = _assertion_subject(form.fields["client_assertion"])
    return claimed[:64] if claimed else None


def _screen(runtime: AuthRuntime, request: Request, form: OAuthForm) -> JSONResponse | None:
    """Rate limits and request shape, before any credential is looked at."""
    address = request.client.host if request.client else None
    client_id = _claimed_client_id(request, form)
    wait = runtime.limiter.check(client_id=client_id, address=address)
    if wait:
        logger.warning(
            "token endpoint rate limit reached",
            extra={"client_id": client_id, "path": request.url.path},
        )
        return oauth_error(
            429,
            "slow_down",
            f"Too many requests; retry in {wait} seconds.",
            headers={"Retry-After": str(wait)},
        )
    if form.problem is not None:
        return oauth_error(400, "invalid_request", form.problem.capitalize() + ".")
    uses_basic = _basic_client_id(request) is not None
    uses_assertion = "client_assertion" in form.fields
    if uses_basic and uses_assertion:
        return oauth_error(
            400, "invalid_request", "Use one client authentication method per request."
        )
    if "client_secret" in form.fields:
        return oauth_error(
            400,
            "invalid_request",
            "client_secret_post is not supported: send the secret with HTTP Basic.",
        )
    return None


def _respond(
    runtime: AuthRuntime,
    request: Request,
    form: OAuthForm,
    context: ServerContext,
    endpoint: str | None,
) -> Response:
    server = HubAuthorizationServer(context)
    try:
        oauth_request = HubOAuth2Request(
            uri=context.endpoint_url, headers=request.headers, form=form.fields
        )
    except InsecureTransportError:
        logger.error("HUB_PUBLIC_URL is neither https nor loopback: OAuth refused")
        return oauth_error(
            400, "insecure_transport", "The hub's public URL must use https (HUB_PUBLIC_URL)."
        )
    if endpoint is None:
        response: Response = server.create_token_response(oauth_request)
    else:
        response = server.create_endpoint_response(endpoint, oauth_request)
    if response.status_code >= 400:
        logger.info(
            "oauth request refused",
            extra={
                "path": request.url.path,
                "status": response.status_code,
                "client_id": _claimed_client_id(request, form),
            },
        )
    return response


def _form_body(*required: str, optional: tuple[str, ...] = ()) -> dict[str, Any]:
    properties = {name: {"type": "string"} for name in (*required, *optional)}
    return {
        "requestBody": {
            "required": True,
            "content": {
                _FORM: {
                    "schema": {
                        "type": "object",
                        "properties": properties,
                        "required": list(required),
                    }
                }
            },
        }
    }


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": OAuthErrorResponse, "description": "RFC 6749 error (`invalid_request`...)."},
    401: {"model": OAuthErrorResponse, "description": "`invalid_client` (HTTP Basic failed)."},
    429: {"model": OAuthErrorResponse, "description": "`slow_down`, with `Retry-After`."},
}


@router.post(
    TOKEN_PATH,
    summary="Obtain an access token (client credentials)",
    description="RFC 6749 `client_credentials` grant. Authenticate with HTTP Basic "
    "(`client_secret_basic`) or with a signed assertion (`private_key_jwt`, RFC 7523: "
    "`client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`). "
    "`scope` is optional (default: every scope of the client).",
    response_model=TokenResponse,
    responses=_ERRORS,
    openapi_extra=_form_body(
        "grant_type", optional=("scope", "client_assertion_type", "client_assertion")
    ),
)
def token(request: Request, form: OAuthFormDep, session: SessionDep, crypto: CryptoDep) -> Response:
    runtime = get_auth_runtime(request)
    refused = _screen(runtime, request, form)
    if refused is not None:
        return refused
    settings = runtime.settings
    context = ServerContext(
        session=session,
        urls=runtime.urls,
        keys=runtime.keys,
        signing_key=runtime.keys.signing_key(crypto),
        token_lifetime_seconds=settings.access_token_lifetime_seconds,
        assertion_max_lifetime_seconds=settings.client_assertion_max_lifetime_seconds,
        endpoint_url=runtime.urls.token_endpoint,
    )
    return _respond(runtime, request, form, context, None)


def _endpoint_context(runtime: AuthRuntime, session: Any, endpoint_url: str) -> ServerContext:
    settings = runtime.settings
    return ServerContext(
        session=session,
        urls=runtime.urls,
        keys=runtime.keys,
        signing_key=None,
        token_lifetime_seconds=settings.access_token_lifetime_seconds,
        assertion_max_lifetime_seconds=settings.client_assertion_max_lifetime_seconds,
        endpoint_url=endpoint_url,
    )


@router.post(
    REVOCATION_PATH,
    summary="Revoke an access token (RFC 7009)",
    description="The client that obtained the token revokes it; it is refused at once "
    "everywhere. Answers 200 also for unknown or expired tokens.",
    responses=_ERRORS,
    openapi_extra=_form_body("token", optional=("token_type_hint",)),
)
def revoke(request: Request, form: OAuthFormDep, session: SessionDep) -> Response:
    runtime = get_auth_runtime(request)
    refused = _screen(runtime, request, form)
    if refused is not None:
        return refused
    context = _endpoint_context(runtime, session, runtime.urls.revocation_endpoint)
    return _respond(runtime, request, form, context, "revocation")


@router.post(
    INTROSPECTION_PATH,
    summary="Introspect an access token (RFC 7662)",
    description="For an authenticated client: its own tokens (an `admin` client: any token). "
    "`active` is false for unknown, expired, revoked tokens and those of disabled clients.",
    response_model=IntrospectionResponse,
    response_model_exclude_none=True,
    responses=_ERRORS,
    openapi_extra=_form_body("token", optional=("token_type_hint",)),
)
def introspect(request: Request, form: OAuthFormDep, session: SessionDep) -> Response:
    runtime = get_auth_runtime(request)
    refused = _screen(runtime, request, form)
    if refused is not None:
        return refused
    context = _endpoint_context(runtime, session, runtime.urls.introspection_endpoint)
    return _respond(runtime, request, form, context, "introspection")


@router.get(
    JWKS_PATH,
    summary="The hub's public signing keys",
    description="Verify access tokens with these keys (select by `kid`). A retired key stays "
    "listed until the last token it signed has expired.",
    response_model=JsonWebKeySet,
)
def jwks(request: Request, response: Response) -> JsonWebKeySet:
    response.headers["Cache-Control"] = "public, max-age=60"
    return JsonWebKeySet(keys=get_auth_runtime(request).keys.jwks()["keys"])


@router.get(
    METADATA_PATH,
    summary="Authorisation server metadata (RFC 8414)",
    response_model=AuthorizationServerMetadata,
)
def metadata(request: Request) -> AuthorizationServerMetadata:
    urls = get_auth_runtime(request).urls
    return AuthorizationServerMetadata(
        issuer=urls.issuer,
        token_endpoint=urls.token_endpoint,
        jwks_uri=urls.jwks_uri,
        scopes_supported=list(SCOPES),
        response_types_supported=[],
        grant_types_supported=GRANT_TYPES,
        token_endpoint_auth_methods_supported=AUTH_METHODS,
        token_endpoint_auth_signing_alg_values_supported=ASSERTION_ALGORITHMS,
        revocation_endpoint=urls.revocation_endpoint,
        revocation_endpoint_auth_methods_supported=AUTH_METHODS,
        revocation_endpoint_auth_signing_alg_values_supported=ASSERTION_ALGORITHMS,
        introspection_endpoint=urls.introspection_endpoint,
        introspection_endpoint_auth_methods_supported=AUTH_METHODS,
        introspection_endpoint_auth_signing_alg_values_supported=ASSERTION_ALGORITHMS,
        service_documentation=urls.issuer + "/docs",
    )
