"""``hub keys``: rotate, reencrypt, status, rotate-signing; ``hub serve`` without keys."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from hub.cli import app
from hub.settings import Settings
from tests.auth_helpers import create_client
from tests.hub.auth.forge import decode_part

runner = CliRunner()
GRANT = {"grant_type": "client_credentials"}


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result.stdout


def test_rotate_and_reencrypt_keep_encrypted_data_usable(
    app_env: Settings, client: TestClient, engine: Engine
) -> None:
    client_id, secret, _ = create_client(engine)

    def token() -> str:
        response = client.post("/oauth/token", data=GRANT, auth=(client_id, secret))
        assert response.status_code == 200, response.text
        value: str = response.json()["access_token"]
        return value

    before = token()  # creates the signing key, its private half under data key 1
    status = json.loads(_ok("keys", "status", "--json"))
    (first,) = status["data_keys"]
    assert "signing_key" in status["encrypted_tables"]

    assert "is current" in _ok("keys", "rotate")
    status = json.loads(_ok("keys", "status", "--json", "--scan"))
    current = next(k["kid"] for k in status["data_keys"] if k["current"])
    assert current != first["kid"]
    assert status["ciphertexts"]["signing_key"] == {first["kid"]: 1}

    report = json.loads(_ok("keys", "reencrypt", "--batch-size", "1", "--json"))
    assert report["current_key"] == current
    signing = next(t for t in report["tables"] if t["table"] == "signing_key")
    assert signing["rows_reencrypted"] == 1
    assert signing["values_unreadable"] == 0
    status = json.loads(_ok("keys", "status", "--json", "--scan"))
    assert status["ciphertexts"]["signing_key"] == {current: 1}
    assert "Re-encrypted 0 row(s)" in _ok("keys", "reencrypt")

    # The re-encrypted signing key still signs (a fresh process decrypts it) and verifies.
    client.app.state.auth = None  # type: ignore[attr-defined]
    after = token()
    for value in (before, after):
        me = client.get("/v1/organisations/me", headers={"Authorization": f"Bearer {value}"})
        assert me.status_code == 200


def test_rotate_signing_key(app_env: Settings, client: TestClient, engine: Engine) -> None:
    client_id, secret, _ = create_client(engine)
    before = client.post("/oauth/token", data=GRANT, auth=(client_id, secret)).json()
    output = _ok("keys", "rotate-signing")
    assert "New signing key" in output
    status = json.loads(_ok("keys", "status", "--json"))
    keys = {k["kid"]: k for k in status["signing_keys"]}
    old_kid = decode_part(before["access_token"], 0)["kid"]
    assert keys[old_kid]["current"] is False
    assert keys[old_kid]["published"] is True
    after = client.post("/oauth/token", data=GRANT, auth=(client_id, secret)).json()
    new_kid = decode_part(after["access_token"], 0)["kid"]
    assert keys[new_kid]["current"] is True
    for value in (before, after):
        headers = {"Authorization": f"Bearer {value['access_token']}"}
        assert client.get("/v1/organisations/me", headers=headers).status_code == 200
    human = _ok("keys", "status")
    assert "Token signing keys (2)" in human
    assert "CURRENT" in human


def test_serve_refuses_to_start_without_key_material(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv("HUB_ENVIRONMENT", "production")
    monkeypatch.setenv("HUB_DATABASE_URL", "postgresql://hub@db.invalid/hub")
    monkeypatch.setenv("HUB_PUBLIC_URL", "https://hub.example.org")
    monkeypatch.setenv("HUB_KEY_FILE", f"{tmp_path}/absent-keys.json")
    result = runner.invoke(app, ["serve"])
    assert result.exit_code != 0
    message = str(result.exception)
    assert message.startswith("cannot start: key file")
    assert "\n" not in message
