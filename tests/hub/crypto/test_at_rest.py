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


def test_raw_database_holds_no_personal_data_in_clear_after_an_import(
    client: TestClient, engine: Engine
) -> None:
    from tests.auth_helpers import issue_token
    from tests.connectors.files import csv_bytes
    from tests.hub.ingest.factories import HEADER, decrocheur

    personal = {
        "NOM": "XYZZYVANIER",
        "PRENOM": "Quentinette",
        "MAIL": "quentinette.xyzzy@example.org",
        "TEL_MOBILE": "06 71 82 93 04",
        "INE": "0123456789X",
        "ADRESSE": "17 rue des Zinnias Bleues",
    }
    # No record identifier: quarantined, its raw row kept (encrypted) for the operators.
    quarantined = {
        "NOM": "QUARANTINOVSKI",
        "PRENOM": "Zebulonne",
        "MAIL": "zebulonne.quarantaine@example.org",
        "INE": "9876543210Q",
        "ADRESSE": "3 impasse des Quarantaines",
    }
    rows = [decrocheur("AR-1", **personal), decrocheur("", **quarantined)]
    headers, _ = issue_token(client, engine, kind="psad", scopes="imports:write")
    response = client.post(
        "/v1/imports/decrocheurs",
        headers=headers,
        files={"file": ("liste.csv", csv_bytes(HEADER, rows), "text/csv")},
    )
    assert response.status_code == 201, response.text
    summary = response.json()
    assert (summary["created"], summary["quarantined"]) == (1, 1)
    needles = [
        *personal.values(),
        "0671829304",
        "+33671829304",
        "33671829304",
        "Zinnias",
        *quarantined.values(),
    ]
    assert leaks(raw_dump(engine), *needles) == []
    # The dump would show them: the import's own bookkeeping is there in clear.
    assert leaks(raw_dump(engine), "liste.csv") == ["liste.csv"]
