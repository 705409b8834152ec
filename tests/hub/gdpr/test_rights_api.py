"""Rights requests end to end through the API (every type), with Art. 19 notifications."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from consent.decisions import may_release
from consent.vocabulary import Purpose
from hub.models_base import utcnow
from tests.auth_helpers import issue_token
from tests.hub.gdpr.test_consents_api import GRANT


def _setup(client: TestClient, session: Session) -> tuple[dict[str, str], uuid.UUID, str]:
    headers, _ = issue_token(client, session, kind="dpo", scopes="gdpr:admin")
    person_id = uuid.uuid4()
    consent = client.post(
        f"/v1/persons/{person_id}/consents",
        json={**GRANT, "recipient_kind": "partner"},
        headers=headers,
    )
    assert consent.status_code == 201, consent.text
    return headers, person_id, consent.json()["id"]


def _request(
    client: TestClient, headers: dict[str, str], person_id: uuid.UUID, kind: str, **extra: Any
) -> dict[str, Any]:
    response = client.post(
        "/v1/gdpr/requests",
        json={"person_id": str(person_id), "kind": kind, **extra},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _release_to(session: Session, person_id: uuid.UUID, organisation_id: uuid.UUID) -> bool:
    decision = may_release(
        session,
        person_id=person_id,
        recipient_organisation_id=organisation_id,
        recipient_kind=None,
        purpose=Purpose.ORIENTATION,
        fields=["family_name", "phones"],
    )
    session.commit()
    return decision.allowed


def test_access_request_due_date_extension_and_export(client: TestClient, session: Session) -> None:
    headers, person_id, consent_id = _setup(client, session)
    today = utcnow().date()
    request = _request(client, headers, person_id, "access", details="Demande reçue par courrier")
    assert request["status"] == "received"
    assert request["received_on"] == today.isoformat()
    assert date.fromisoformat(request["due_on"]) > today
    assert request["overdue"] is False

    extended = client.post(
        f"/v1/gdpr/requests/{request['id']}/extend",
        json={"months": 2, "reason": "Demandes multiples et complexes"},
        headers=headers,
    )
    assert extended.status_code == 200, extended.text
    assert extended.json()["extended_months"] == 2
    assert extended.json()["status"] == "extended"
    assert extended.json()["due_on"] > request["due_on"]
    too_much = client.post(
        f"/v1/gdpr/requests/{request['id']}/extend",
        json={"months": 1, "reason": "encore"},
        headers=headers,
    )
    assert too_much.status_code == 422

    export = client.get(f"/v1/gdpr/requests/{request['id']}/export", headers=headers)
    assert export.status_code == 200
    data = export.json()
    assert data["person_id"] == str(person_id)
    assert [c["id"] for c in data["consents"]] == [consent_id]
    assert data["consents"][0]["history"][0]["collected_by"] == "Camille, équipe de rue"
    actions = {entry["action"] for entry in data["access_log"]}
    assert actions == {"write"}  # the grant, the request, the extension
    assert data["rights_requests"][0]["details"] == "Demande reçue par courrier"

    done = client.post(
        f"/v1/gdpr/requests/{request['id']}/complete", json={"outcome": "done"}, headers=headers
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed"
    assert done.json()["completion_summary"]["export_sections"]["consents"] == 1
    again = client.post(
        f"/v1/gdpr/requests/{request['id']}/complete", json={"outcome": "done"}, headers=headers
    )
    assert again.status_code == 409

    # the export itself is in the log of who accessed the data
    later = client.get(f"/v1/gdpr/requests/{request['id']}/export", headers=headers).json()
    assert "export" in {entry["action"] for entry in later["access_log"]}


def test_restriction_applies_at_once_and_recipients_are_notified(
    client: TestClient, session: Session
) -> None:
    headers, person_id, _ = _setup(client, session)
    partner_headers, partner_id = issue_token(client, session, kind="partner")
    other_headers, _ = issue_token(client, session, kind="partner")
    assert _release_to(session, person_id, partner_id)

    request = _request(client, headers, person_id, "restriction")
    assert not _release_to(session, person_id, partner_id)
    done = client.post(
        f"/v1/gdpr/requests/{request['id']}/complete", json={"outcome": "done"}, headers=headers
    )
    assert done.status_code == 200, done.text
    assert done.json()["completion_summary"]["recipients_notified"] == 1

    feed = client.get("/v1/gdpr/notifications", headers=partner_headers)
    assert feed.status_code == 200
    [notification] = feed.json()
    assert notification["kind"] == "restriction"
    assert notification["person_id"] == str(person_id)
    assert client.get("/v1/gdpr/notifications", headers=other_headers).json() == []
    assert (
        client.post(
            f"/v1/gdpr/notifications/{notification['id']}/ack", headers=other_headers
        ).status_code
        == 404
    )
    ack = client.post(f"/v1/gdpr/notifications/{notification['id']}/ack", headers=partner_headers)
    assert ack.status_code == 200
    assert ack.json()["acknowledged_at"] is not None
    assert client.get("/v1/gdpr/notifications", headers=partner_headers).json() == []
    tracked = client.get(f"/v1/gdpr/requests/{request['id']}", headers=headers).json()
    assert tracked["notifications"][0]["acknowledged_at"] is not None

    # still restricted after completion, until the DPO lifts it
    assert not _release_to(session, person_id, partner_id)
    [restriction] = client.get(f"/v1/gdpr/persons/{person_id}/restrictions", headers=headers).json()
    lifted = client.post(
        f"/v1/gdpr/restrictions/{restriction['id']}/lift",
        json={"reason": "Exactitude vérifiée, la personne a été prévenue"},
        headers=headers,
    )
    assert lifted.status_code == 200
    assert _release_to(session, person_id, partner_id)


def test_objection_to_a_purpose_and_its_refusal(client: TestClient, session: Session) -> None:
    headers, person_id, _ = _setup(client, session)
    _, partner_id = issue_token(client, session, kind="partner")
    request = _request(client, headers, person_id, "objection", purposes=["orientation"])
    assert not _release_to(session, person_id, partner_id)
    refused_without_note = client.post(
        f"/v1/gdpr/requests/{request['id']}/complete",
        json={"outcome": "refused"},
        headers=headers,
    )
    assert refused_without_note.status_code == 422
    refused = client.post(
        f"/v1/gdpr/requests/{request['id']}/complete",
        json={"outcome": "refused", "note": "Motifs impérieux : obligation de formation"},
        headers=headers,
    )
    assert refused.status_code == 200
    assert refused.json()["status"] == "refused"
    assert _release_to(session, person_id, partner_id)


def test_erasure_request_end_to_end(client: TestClient, session: Session) -> None:
    headers, person_id, consent_id = _setup(client, session)
    partner_headers, partner_id = issue_token(client, session, kind="partner")
    assert _release_to(session, person_id, partner_id)
    request = _request(client, headers, person_id, "erasure", details="Par téléphone")
    done = client.post(
        f"/v1/gdpr/requests/{request['id']}/complete", json={"outcome": "done"}, headers=headers
    )
    assert done.status_code == 200, done.text
    summary = done.json()["completion_summary"]
    assert summary["erased"]["consent_events_redacted"] == 1
    assert summary["recipients_notified"] == 1
    assert done.json()["details"] is None

    consents = client.get(f"/v1/persons/{person_id}/consents", headers=headers).json()
    assert consents[0]["id"] == consent_id
    assert consents[0]["history"][0]["redacted"] is True
    assert consents[0]["history"][0]["collected_by"] is None
    assert not _release_to(session, person_id, partner_id)
    assert (
        client.post(f"/v1/persons/{person_id}/consents", json=GRANT, headers=headers).status_code
        == 409
    )
    assert (
        client.post(
            "/v1/gdpr/requests",
            json={"person_id": str(person_id), "kind": "access"},
            headers=headers,
        ).status_code
        == 409
    )
    [notification] = client.get("/v1/gdpr/notifications", headers=partner_headers).json()
    assert notification["kind"] == "erasure"
    # pushed through the organisation's event feed as well, without personal data
    [event] = client.get("/v1/events", headers=partner_headers).json()["items"]
    assert event["event_type"] == "gdpr.notification"
    assert event["payload"]["notification_id"] == notification["id"]
    assert event["payload"]["kind"] == "erasure"
    assert event["payload"]["person_id"] == str(person_id)


def test_rectification_request_validates_the_corrected_values(
    client: TestClient, session: Session
) -> None:
    headers, person_id, _ = _setup(client, session)
    bad = client.post(
        "/v1/gdpr/requests",
        json={
            "person_id": str(person_id),
            "kind": "rectification",
            "rectification": {"emails": ["pas-une-adresse"]},
        },
        headers=headers,
    )
    assert bad.status_code == 422
    unknown = client.post(
        "/v1/gdpr/requests",
        json={
            "person_id": str(person_id),
            "kind": "rectification",
            "rectification": {"shoe_size": 42},
        },
        headers=headers,
    )
    assert unknown.status_code == 422
    request = _request(
        client,
        headers,
        person_id,
        "rectification",
        rectification={"emails": ["nouvelle.adresse@example.org"]},
    )
    done = client.post(
        f"/v1/gdpr/requests/{request['id']}/complete", json={"outcome": "done"}, headers=headers
    )
    assert done.status_code == 200, done.text
    assert done.json()["completion_summary"]["fields"] == ["emails"]


def test_unknown_person_and_overdue_listing(client: TestClient, session: Session) -> None:
    headers, person_id, _ = _setup(client, session)
    missing = client.post(
        "/v1/gdpr/requests",
        json={"person_id": str(uuid.uuid4()), "kind": "access"},
        headers=headers,
    )
    assert missing.status_code == 404
    old = (utcnow() - timedelta(days=45)).date().isoformat()
    late = _request(client, headers, person_id, "access", received_on=old)
    assert late["overdue"] is True
    _request(client, headers, person_id, "access")
    overdue = client.get("/v1/gdpr/requests?overdue=true", headers=headers).json()
    assert [r["id"] for r in overdue] == [late["id"]]
    # past the first month, the deadline can no longer be extended
    response = client.post(
        f"/v1/gdpr/requests/{late['id']}/extend",
        json={"months": 1, "reason": "trop tard"},
        headers=headers,
    )
    assert response.status_code == 422


def test_only_the_dpo_handles_requests(client: TestClient, session: Session) -> None:
    partner_headers, _ = issue_token(client, session, kind="partner", scopes="consents:write")
    assert client.get("/v1/gdpr/requests", headers=partner_headers).status_code == 403
    assert client.get("/v1/gdpr/flags", headers=partner_headers).status_code == 403
