"""``/v1/persons``: reading a person with evidence, merge and detach corrections."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from hub.crypto import Crypto, build_crypto
from hub.settings import Settings
from tests.auth_helpers import issue_token
from tests.hub.persons.factories import (
    decrocheur,
    demande,
    import_rows,
    persons_by_record,
    record_id,
)


@pytest.fixture
def crypto(settings: Settings, engine: Engine) -> Crypto:
    return build_crypto(settings, engine)


@pytest.fixture
def admin(client: TestClient, engine: Engine) -> dict[str, str]:
    headers, _organisation = issue_token(client, engine, kind="dpo", scopes="gdpr:admin")
    return headers


def _jade(engine: Engine, crypto: Crypto) -> uuid.UUID:
    import_rows(
        engine,
        crypto,
        "decrocheurs",
        [decrocheur("L-1", NOM="WEBER", PRENOM="Jade", SEXE="F", DATE_NAISSANCE="09/09/2005",
                    INE="123456789AB")],
    )  # fmt: skip
    import_rows(
        engine,
        crypto,
        "boussole",
        [demande("B-1", prenom="jade", nom="Weber", date_de_naissance="2005-09-09")],
    )
    return persons_by_record(engine)[("decrocheurs", "L-1")]


def test_get_person_shows_records_and_link_evidence(
    client: TestClient, engine: Engine, crypto: Crypto, admin: dict[str, str]
) -> None:
    person_id = _jade(engine, crypto)
    response = client.get(f"/v1/persons/{person_id}", headers=admin)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == str(person_id)
    assert body["status"] == "active"
    assert body["merged_into_id"] is None
    by_source = {r["source"]: r for r in body["records"]}
    assert set(by_source) == {"decrocheurs", "boussole"}
    assert by_source["decrocheurs"]["person"]["ine"] == "123456789AB"
    assert by_source["boussole"]["source_record_id"] == "B-1"
    evidence = by_source["boussole"]["link"]["evidence"]
    assert evidence["rule"] == "score"
    assert evidence["rules_version"] == by_source["boussole"]["link"]["rules_version"]
    assert evidence["matched_with"] == by_source["decrocheurs"]["id"]
    assert evidence["comparison"]["given_name"] == 1.0
    assert by_source["boussole"]["link"]["manual"] is False


def test_persons_need_the_gdpr_admin_scope(
    client: TestClient, engine: Engine, crypto: Crypto
) -> None:
    person_id = _jade(engine, crypto)
    assert client.get(f"/v1/persons/{person_id}").status_code == 401
    partner, _ = issue_token(client, engine, scopes="referrals:read matches:read")
    response = client.get(f"/v1/persons/{person_id}", headers=partner)
    assert response.status_code == 403
    response = client.post(
        f"/v1/persons/{person_id}/merge",
        headers=partner,
        json={"other_person_id": str(uuid.uuid4())},
    )
    assert response.status_code == 403


def test_unknown_person_is_a_problem_404(client: TestClient, admin: dict[str, str]) -> None:
    response = client.get(f"/v1/persons/{uuid.uuid4()}", headers=admin)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_detach_then_merge_back(
    client: TestClient, engine: Engine, crypto: Crypto, admin: dict[str, str]
) -> None:
    person_id = _jade(engine, crypto)
    boussole = record_id(engine, "boussole", "B-1")
    response = client.post(
        f"/v1/persons/{person_id}/detach", headers=admin, json={"source_record_id": str(boussole)}
    )
    assert response.status_code == 201, response.text
    fresh = response.json()
    assert fresh["id"] != str(person_id)
    assert [r["id"] for r in fresh["records"]] == [str(boussole)]
    assert fresh["records"][0]["link"]["manual"] is True
    assert fresh["records"][0]["link"]["evidence"]["rule"] == "correction:detach"

    again = client.post(
        f"/v1/persons/{person_id}/detach", headers=admin, json={"source_record_id": str(boussole)}
    )
    assert again.status_code == 404

    response = client.post(
        f"/v1/persons/{person_id}/merge", headers=admin, json={"other_person_id": fresh["id"]}
    )
    assert response.status_code == 200, response.text
    assert len(response.json()["records"]) == 2
    merged = client.get(f"/v1/persons/{fresh['id']}", headers=admin).json()
    assert merged["status"] == "merged"
    assert merged["merged_into_id"] == str(person_id)
    assert merged["records"] == []

    conflict = client.post(
        f"/v1/persons/{fresh['id']}/merge", headers=admin, json={"other_person_id": str(person_id)}
    )
    assert conflict.status_code == 409


def test_bodies_are_validated(
    client: TestClient, engine: Engine, crypto: Crypto, admin: dict[str, str]
) -> None:
    person_id = _jade(engine, crypto)
    response = client.post(f"/v1/persons/{person_id}/merge", headers=admin, json={"other": "x"})
    assert response.status_code == 422


def test_reads_and_corrections_are_audited(
    client: TestClient, engine: Engine, crypto: Crypto, admin: dict[str, str]
) -> None:
    from sqlmodel import Session

    from consent.audit import entries_for_person, verify_chain

    person_id = _jade(engine, crypto)
    assert client.get(f"/v1/persons/{person_id}", headers=admin).status_code == 200
    boussole = record_id(engine, "boussole", "B-1")
    detached = client.post(
        f"/v1/persons/{person_id}/detach", headers=admin, json={"source_record_id": str(boussole)}
    ).json()
    with Session(engine) as session:
        entries = entries_for_person(session, person_id)
        fresh_entries = entries_for_person(session, uuid.UUID(detached["id"]))
        assert verify_chain(session).ok
    actions = [(e.action, e.reason) for e in entries]
    assert ("read", "identity resolution: person view") in actions
    assert ("write", "identity correction: detach") in actions
    read = next(e for e in entries if e.action == "read")
    assert "family_name" in read.fields
    assert "Weber" not in repr(read.fields)
    assert any(e.action == "write" for e in fresh_entries)
