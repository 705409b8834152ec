"""Erasure end to end: import a list, erase one young person, scan the raw database, import
the same list again and see the DPO flag instead of a silent comeback."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlmodel import Session, SQLModel

from consent.decisions import may_release
from consent.vocabulary import Purpose
from hub.crypto import Crypto, build_crypto
from hub.crypto.registry import encrypted_tables
from hub.settings import Settings
from tests.auth_helpers import issue_token
from tests.consent.people import person_of, record_of
from tests.hub.gdpr.test_consents_api import GRANT

HEADER = (
    "ID_ELEVE_LISTE;INE;NOM;PRENOM;SEXE;DATE_NAISSANCE;ADRESSE;CODE_POSTAL;COMMUNE;"
    "TEL_MOBILE;MAIL\n"
)
ERASED = "SIEI-9001;123456789ZZ;QUENTREC;Maëlys;F;14/03/2007;9 rue des Glycines;68100;MULHOUSE;06 71 82 93 04;maelys.quentrec@example.org\n"  # noqa: E501
KEPT = "SIEI-9002;;DURANDEAU;Kylian;M;02/11/2006;3 allée des Tilleuls;68200;MULHOUSE;07 61 22 33 45;kylian.d@example.net\n"  # noqa: E501
BAD = ";;QUENTREC;Maëlys;F;99/99/2007;;;MULHOUSE;;maelys.quentrec@example.org\n"
FILE = (HEADER + ERASED + KEPT + BAD).encode()

ERASED_VALUES = [
    "QUENTREC",
    "quentrec",
    "Maëlys",
    "123456789ZZ",
    "maelys.quentrec@example.org",
    "0671829304",
    "+33671829304",
    "Glycines",
    "SIEI-9001",
]
KEPT_VALUES = ["DURANDEAU", "kylian.d@example.net"]


def _import(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    response = client.post(
        "/v1/imports/decrocheurs",
        files={"file": ("psad-2025-03.csv", FILE, "text/csv")},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _raw_text(engine: Engine, crypto: Crypto) -> str:
    """Every value of every table, ciphertexts decrypted: what the database holds."""
    specs = {spec.table: spec for spec in encrypted_tables()}
    chunks: list[str] = []
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            spec = specs.get(table.name)
            for row in connection.execute(select(table)).mappings():
                for name, value in row.items():
                    if isinstance(value, bytes) and spec is not None and name in spec.columns:
                        value = crypto.cipher.decrypt(
                            value, table=table.name, row_id=str(row[spec.key_column]), field=name
                        ).decode()
                    chunks.append(str(value))
    return "\n".join(chunks)


def _release(session: Session, person_id: uuid.UUID, organisation_id: uuid.UUID) -> Any:
    decision = may_release(
        session,
        person_id=person_id,
        recipient_organisation_id=organisation_id,
        recipient_kind=None,
        purpose=Purpose.ORIENTATION,
        fields=["family_name", "emails"],
    )
    session.commit()
    return decision


def test_erasure_leaves_nothing_and_a_reimport_is_flagged(
    client: TestClient, session: Session, engine: Engine, settings: Settings
) -> None:
    crypto = build_crypto(settings, engine)
    dpo, _ = issue_token(client, session, kind="dpo", scopes="gdpr:admin")
    importer, _ = issue_token(client, session, kind="outreach", scopes="imports:write")
    partner_headers, partner = issue_token(client, session, kind="partner")

    summary = _import(client, importer)
    assert summary["created"] == 2
    assert summary["quarantined"] == 1
    erased = person_of(session, "SIEI-9001")
    kept = person_of(session, "SIEI-9002")
    assert erased != kept

    consent = client.post(
        f"/v1/persons/{erased}/consents",
        json={**GRANT, "recipient_kind": "partner"},
        headers=dpo,
    )
    assert consent.status_code == 201
    assert _release(session, erased, partner).allowed
    before = _raw_text(engine, crypto)
    assert all(value in before for value in ["QUENTREC", "maelys.quentrec@example.org"])

    # the access export shows the decrypted record
    access = client.post(
        "/v1/gdpr/requests", json={"person_id": str(erased), "kind": "access"}, headers=dpo
    ).json()
    export = client.get(f"/v1/gdpr/requests/{access['id']}/export", headers=dpo).json()
    assert export["source_records"][0]["person"]["family_name"] == "QUENTREC"
    assert export["sources"] == ["decrocheurs"]
    assert export["recipients"][0]["organisation_id"] == str(partner)

    request = client.post(
        "/v1/gdpr/requests",
        json={"person_id": str(erased), "kind": "erasure", "details": "Mme QUENTREC, par mail"},
        headers=dpo,
    ).json()
    done = client.post(
        f"/v1/gdpr/requests/{request['id']}/complete", json={"outcome": "done"}, headers=dpo
    )
    assert done.status_code == 200, done.text
    counts = done.json()["completion_summary"]["erased"]
    assert counts["source_records"] == 1
    assert counts["quarantined_rows"] == 1

    after = _raw_text(engine, crypto)
    leftovers = [value for value in ERASED_VALUES if value in after]
    assert leftovers == []
    assert all(value in after for value in KEPT_VALUES)
    assert not _release(session, erased, partner).allowed
    [notification] = client.get("/v1/gdpr/notifications", headers=partner_headers).json()
    assert notification["kind"] == "erasure"

    # the same list comes again: the record is back, flagged, and not released meanwhile
    again = _import(client, importer)
    assert again["created"] == 1
    flags = client.get("/v1/gdpr/flags", headers=dpo).json()
    assert len(flags) == 1
    flag = flags[0]
    assert flag["erased_person_id"] == str(erased)
    returned_record, _ = record_of(session, "SIEI-9001")
    assert flag["source_record_id"] == str(returned_record)
    comeback = person_of(session, "SIEI-9001")
    client.post(
        f"/v1/persons/{comeback}/consents",
        json={**GRANT, "recipient_kind": "partner"},
        headers=dpo,
    )
    decision = _release(session, comeback, partner)
    assert decision.reason == "reimport_under_review"

    resolved = client.post(
        f"/v1/gdpr/flags/{flag['id']}/resolve", json={"resolution": "erased"}, headers=dpo
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "resolved"
    assert client.get("/v1/gdpr/flags", headers=dpo).json() == []
    assert "QUENTREC" not in _raw_text(engine, crypto)

    # a third import is flagged again (the second erasure left its own tombstone)
    _import(client, importer)
    assert len(client.get("/v1/gdpr/flags", headers=dpo).json()) == 1
