"""``hub organisations`` and ``hub clients``, driven as an operator would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from hub.cli import app
from hub.settings import Settings
from tests.hub.auth.forge import assertion, assertion_form, client_keys

runner = CliRunner()
GRANT = {"grant_type": "client_credentials"}


@pytest.fixture(autouse=True)
def _empty_tables_afterwards(engine: Engine) -> None:
    """The ``engine`` fixture empties every table after each test."""


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result.stdout


def _organisation(name: str = "Mission Locale de Mulhouse", kind: str = "mission_locale") -> str:
    created = json.loads(_ok("organisations", "create", "--name", name, "--kind", kind))
    organisation_id: str = created["id"]
    return organisation_id


def test_organisation_lifecycle(app_env: Settings) -> None:
    organisation_id = _organisation()
    listing = json.loads(_ok("organisations", "list", "--json"))
    assert [(o["id"], o["kind"], o["disabled"]) for o in listing] == [
        (organisation_id, "mission_locale", False)
    ]
    assert "1 organisation(s)." in _ok("organisations", "list")
    assert "Disabled" in _ok("organisations", "disable", organisation_id)
    assert json.loads(_ok("organisations", "list", "--json"))[0]["disabled"] is True


def test_organisation_mistakes_are_one_line_errors(app_env: Settings) -> None:
    _organisation("Doublon")
    for args in (
        ["organisations", "create", "--name", "Doublon", "--kind", "partner"],
        ["organisations", "create", "--name", "X", "--kind", "nightclub"],
        ["organisations", "disable", "00000000-0000-0000-0000-000000000000"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code != 0, args
        assert "Traceback" not in result.output
        assert str(result.exception).count("\n") == 0


def test_client_with_secret_gets_tokens_and_secret_is_stored_hashed(
    app_env: Settings, client: TestClient, engine: Engine
) -> None:
    organisation_id = _organisation()
    created = json.loads(
        _ok(
            "clients",
            "create",
            "--organisation",
            organisation_id,
            "--scopes",
            "matches:read referrals:read",
        )
    )
    assert set(created) == {"client_id", "client_secret"}
    client_id, secret = created["client_id"], created["client_secret"]
    response = client.post("/oauth/token", data=GRANT, auth=(client_id, secret))
    assert response.status_code == 200
    assert response.json()["scope"] == "referrals:read matches:read"
    with engine.connect() as connection:
        stored = connection.execute(
            text("SELECT secret_hash FROM api_client WHERE client_id = :c"), {"c": client_id}
        ).scalar_one()
    assert secret not in stored
    assert stored.startswith("scrypt$")
    listing = json.loads(_ok("clients", "list", "--json"))
    assert listing[0]["client_id"] == client_id
    assert listing[0]["token_endpoint_auth_method"] == "client_secret_basic"
    assert secret not in _ok("clients", "list") + json.dumps(listing)


def test_unknown_scope_is_refused(app_env: Settings) -> None:
    organisation_id = _organisation()
    result = runner.invoke(
        app,
        ["clients", "create", "--organisation", organisation_id, "--scopes", "matches:read root"],
    )
    assert result.exit_code != 0
    assert "unknown scope(s): root" in str(result.exception)


def test_secret_rotation_replaces_the_old_secret(app_env: Settings, client: TestClient) -> None:
    organisation_id = _organisation()
    created = json.loads(
        _ok("clients", "create", "--organisation", organisation_id, "--scopes", "matches:read")
    )
    rotated = json.loads(_ok("clients", "rotate-secret", created["client_id"]))
    assert rotated["client_id"] == created["client_id"]
    assert rotated["client_secret"] != created["client_secret"]
    old = client.post(
        "/oauth/token", data=GRANT, auth=(created["client_id"], created["client_secret"])
    )
    new = client.post(
        "/oauth/token", data=GRANT, auth=(rotated["client_id"], rotated["client_secret"])
    )
    assert old.status_code == 401
    assert new.status_code == 200


def test_disabled_client_gets_no_token(app_env: Settings, client: TestClient) -> None:
    organisation_id = _organisation()
    created = json.loads(
        _ok("clients", "create", "--organisation", organisation_id, "--scopes", "matches:read")
    )
    credentials = (created["client_id"], created["client_secret"])
    token = client.post("/oauth/token", data=GRANT, auth=credentials).json()["access_token"]
    assert "Disabled client" in _ok("clients", "disable", created["client_id"])
    assert client.post("/oauth/token", data=GRANT, auth=credentials).status_code == 401
    me = client.get("/v1/organisations/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401


def test_client_with_keys_has_no_secret_and_uses_private_key_jwt(
    app_env: Settings, client: TestClient, tmp_path: Path
) -> None:
    organisation_id = _organisation()
    key, public = client_keys()
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_text(json.dumps(public))
    created = json.loads(
        _ok(
            "clients",
            "create",
            "--organisation",
            organisation_id,
            "--scopes",
            "imports:write",
            "--jwks",
            str(jwks_file),
        )
    )
    assert set(created) == {"client_id"}
    response = client.post(
        "/oauth/token", data=assertion_form(assertion(key, created["client_id"]))
    )
    assert response.status_code == 200, response.text
    result = runner.invoke(app, ["clients", "rotate-secret", created["client_id"]])
    assert result.exit_code != 0
    assert "private_key_jwt" in str(result.exception)


def test_private_keys_and_bad_jwks_files_are_refused(app_env: Settings, tmp_path: Path) -> None:
    organisation_id = _organisation()
    key, _ = client_keys()
    cases = {
        "private.json": json.dumps({"keys": [dict(key.as_dict(private=True))]}),
        "symmetric.json": json.dumps({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}),
        "notjson.json": "{nope",
    }
    for name, content in cases.items():
        path = tmp_path / name
        path.write_text(content)
        result = runner.invoke(
            app,
            [
                "clients",
                "create",
                "--organisation",
                organisation_id,
                "--scopes",
                "matches:read",
                "--jwks",
                str(path),
            ],
        )
        assert result.exit_code != 0, name
        assert "Traceback" not in result.output
