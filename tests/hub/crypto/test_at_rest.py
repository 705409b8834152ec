"""What the database file holds: no client secret, no private signing key in clear."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from hub.auth import repository
from hub.auth.keys import load_private_key
from hub.crypto import build_crypto
from hub.settings import Settings
from tests.auth_helpers import create_client
from tests.hub.crypto.raw_dump import leaks, raw_dump


def test_raw_database_holds_no_secret_nor_private_key(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    client_id, secret, _ = create_client(engine, name="Association Logement Jeunes")
    response = client.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    assert response.status_code == 200
    crypto = build_crypto(settings, engine)
    with Session(engine) as session:
        row = repository.current_signing_key(session)
        assert row is not None
        private = load_private_key(row, crypto.cipher).as_dict(private=True)
    dump = raw_dump(engine)
    # The dump is real: public things are found in it...
    public = [client_id, "Association Logement Jeunes", json.loads(row.public_jwk)["x"]]
    assert leaks(dump, *public) == public
    # ...secrets are not.
    assert leaks(dump, secret, str(private["d"])) == []
