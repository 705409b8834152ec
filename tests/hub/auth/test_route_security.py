"""The security suite: every /v1 route of the app, found by enumeration (a new route is
covered automatically), refuses missing and bad tokens with 401, a token without the
route's scope with 403, and never serves an object it is not sure about."""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass

from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from joserfc.jwk import ECKey
from sqlalchemy import Engine

from hub.auth.scopes import ADMIN, SCOPES
from hub.settings import Settings
from tests.auth_helpers import create_client, issue_token
from tests.hub.auth.forge import bearer, hub_signing_key, resign, unsigned

PARAM = re.compile(r"{([^}:]+)(:[^}]*)?}")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    scopes: frozenset[str]

    def url(self) -> str:
        return PARAM.sub(lambda _: str(uuid.uuid4()), self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def protected_operations(client: TestClient) -> list[Operation]:
    """Every /v1 operation, with the scopes its OpenAPI security requirement lists."""
    document = client.get("/openapi.json").json()
    operations = []
    # Routes of included routers, with their prefixes (FastAPI nests them).
    for route in iter_route_contexts(client.app.routes):  # type: ignore[attr-defined]
        path = route.path_format
        if not isinstance(route.original_route, APIRoute) or not path or not path.startswith("/v1"):
            continue
        for method in sorted((route.methods or set()) - {"HEAD", "OPTIONS"}):
            described = document["paths"].get(path, {}).get(method.lower())
            assert described is not None, f"{method} {path} is hidden from the OpenAPI"
            security = described.get("security")
            assert security, f"{method} {path} declares no security: use require_scopes"
            scopes = frozenset(s for requirement in security for s in requirement.get("oauth2", []))
            operations.append(Operation(method, path, scopes))
    return operations


def test_the_suite_sees_the_routes(client: TestClient) -> None:
    paths = {op.path for op in protected_operations(client)}
    assert "/v1/organisations/me" in paths  # a route is found: the enumeration works


def _call(client: TestClient, op: Operation, token: str | None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.request(op.method, op.url(), headers=headers).status_code


def test_every_route_refuses_missing_and_bad_tokens(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    client_id, secret, _ = create_client(engine, scopes=" ".join(SCOPES))

    def token() -> str:
        response = client.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        )
        assert response.status_code == 200
        value: str = response.json()["access_token"]
        return value

    good = token()
    revoked = token()
    assert client.post(
        "/oauth/revoke", data={"token": revoked}, auth=(client_id, secret)
    ).is_success
    ours = hub_signing_key(settings, engine)
    now = int(time.time())
    foreign = ECKey.generate_key("P-256", private=True, auto_kid=True)
    bad = {
        "no token": None,
        "expired": resign(good, ours, claims={"iat": now - 900, "exp": now - 300}),
        "wrong signature": resign(good, foreign),
        "alg none": unsigned(good),
        "wrong audience": resign(good, ours, claims={"aud": "https://elsewhere.example/v1"}),
        "revoked": revoked,
    }
    failures = []
    for op in protected_operations(client):
        for case, value in bad.items():
            status = _call(client, op, value)
            if status != 401:
                failures.append(f"{op} with {case}: {status}")
    assert not failures, "\n".join(failures)


def test_every_route_refuses_a_token_without_its_scope(client: TestClient, engine: Engine) -> None:
    failures = []
    tokens: dict[frozenset[str], str] = {}
    for op in protected_operations(client):
        if not op.scopes:
            continue  # any valid token will do on this route
        others = frozenset(SCOPES) - op.scopes - {ADMIN}
        if not others:
            continue
        if op.scopes not in tokens:
            headers, _ = issue_token(client, engine, scopes=" ".join(sorted(others)))
            tokens[op.scopes] = bearer(headers)
        status = _call(client, op, tokens[op.scopes])
        if status != 403:
            failures.append(f"{op} without {sorted(op.scopes)}: {status}")
    assert not failures, "\n".join(failures)


def test_no_route_serves_an_unknown_object(client: TestClient, engine: Engine) -> None:
    """On a route addressing one object (``.../{something_id}``), with every scope but admin,
    an id that belongs to nobody is 404 (or 422 when a request body is required): never a
    success. An object of another organisation must answer exactly like that (see
    ``ensure_owner``); each domain tests that on its own objects."""
    headers, _ = issue_token(client, engine)
    failures = []
    for op in protected_operations(client):
        last = PARAM.fullmatch(op.path.rsplit("/", 1)[-1])
        if last is None or not last.group(1).endswith("_id"):
            continue
        status = _call(client, op, bearer(headers))
        if status not in (404, 422):
            failures.append(f"{op} on an unknown id: {status}")
    assert not failures, "\n".join(failures)
