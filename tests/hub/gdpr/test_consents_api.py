"""The consent endpoints, with real access tokens."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from consent import registry
from consent.audit import Actor
from consent.schemas import ConsentCreate
from tests.auth_helpers import issue_token

GRANT: dict[str, Any] = {
    "purpose": "orientation",
    "recipient_kind": "mission_locale",
    "notice_version": "notice-2025-01",
    "collection_method": "oral_outreach",
    "collected_by": "Camille, équipe de rue",
    "evidence_reference": "Carnet de maraude, page 12",
}


def dpo(client: TestClient, session: Session) -> dict[str, str]:
    headers, _ = issue_token(client, session, kind="dpo", scopes="gdpr:admin")
    return headers


def test_grant_list_withdraw_in_one_call_each(client: TestClient, session: Session) -> None:
    headers = dpo(client, session)
    person_id = uuid.uuid4()

    created = client.post(f"/v1/persons/{person_id}/consents", json=GRANT, headers=headers)
    assert created.status_code == 201, created.text
    consent_id = created.json()["id"]
    assert created.json()["state"] == "active"

    listed = client.get(f"/v1/persons/{person_id}/consents", headers=headers)
    assert listed.status_code == 200
    [consent] = listed.json()
    assert consent["id"] == consent_id
    assert consent["history"][0]["evidence_reference"] == "Carnet de maraude, page 12"

    withdrawn = client.post(f"/v1/consents/{consent_id}/withdraw", headers=headers)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["state"] == "withdrawn"

    after = client.get(f"/v1/persons/{person_id}/consents", headers=headers).json()
    assert [e["event"] for e in after[0]["history"]] == ["grant", "withdraw"]
    assert after[0]["state"] == "withdrawn"


def test_withdraw_accepts_how_and_when(client: TestClient, session: Session) -> None:
    headers = dpo(client, session)
    consent_id = client.post(
        f"/v1/persons/{uuid.uuid4()}/consents", json=GRANT, headers=headers
    ).json()["id"]
    response = client.post(
        f"/v1/consents/{consent_id}/withdraw",
        json={"collection_method": "signed_form", "evidence_reference": "Courrier du 3 mars"},
        headers=headers,
    )
    assert response.status_code == 200
    event = response.json()["history"][-1]
    assert event["collection_method"] == "signed_form"
    assert event["evidence_reference"] == "Courrier du 3 mars"


def test_invalid_consent_is_a_problem_document(client: TestClient, session: Session) -> None:
    headers = dpo(client, session)
    response = client.post(
        f"/v1/persons/{uuid.uuid4()}/consents",
        json={**GRANT, "recipient_organisation_id": str(uuid.uuid4())},
        headers=headers,
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


def test_an_organisation_reaches_only_the_persons_it_referred(
    client: TestClient, session: Session
) -> None:
    partner_headers, partner_id = issue_token(
        client, session, kind="outreach", scopes="consents:write"
    )
    stranger = uuid.uuid4()
    assert (
        client.post(f"/v1/persons/{stranger}/consents", json=GRANT, headers=partner_headers)
    ).status_code == 404
    assert client.get(f"/v1/persons/{stranger}/consents", headers=partner_headers).status_code == (
        404
    )

    # a person whose consent this organisation collected is one it met
    met = uuid.uuid4()
    granted = registry.grant(
        session,
        _crypto(client),
        actor=Actor(client_id="outreach-app", organisation_id=partner_id),
        person_id=met,
        data=ConsentCreate.model_validate(GRANT),
    )
    session.commit()
    assert client.get(f"/v1/persons/{met}/consents", headers=partner_headers).status_code == 200
    withdrawn = client.post(f"/v1/consents/{granted.id}/withdraw", headers=partner_headers)
    assert withdrawn.status_code == 200

    # another organisation with the same scope cannot see or withdraw it
    other_headers, _ = issue_token(client, session, kind="partner", scopes="consents:write")
    assert client.get(f"/v1/persons/{met}/consents", headers=other_headers).status_code == 404
    assert (
        client.post(f"/v1/consents/{granted.id}/withdraw", headers=other_headers).status_code == 404
    )


def test_scopes_are_required(client: TestClient, session: Session) -> None:
    headers, _ = issue_token(client, session, kind="partner", scopes="indicators:read")
    person = uuid.uuid4()
    assert client.get(f"/v1/persons/{person}/consents", headers=headers).status_code == 403
    assert client.get(f"/v1/persons/{person}/consents").status_code == 401


def test_receipt_in_json_and_html(client: TestClient, session: Session) -> None:
    headers = dpo(client, session)
    consent_id = client.post(
        f"/v1/persons/{uuid.uuid4()}/consents", json=GRANT, headers=headers
    ).json()["id"]

    receipt = client.get(f"/v1/consents/{consent_id}/receipt", headers=headers)
    assert receipt.status_code == 200
    body = receipt.json()
    assert body["receipt_id"] == consent_id
    assert body["destinataires"] == ["la Mission Locale"]
    assert body["base_legale"]["code"] == "consent"
    assert "retirer" in body["comment_retirer"]
    assert "dpo@" in body["contact_dpo"]
    assert "ans" in body["duree_de_conservation"]
    # the receipt carries no free text of the record (who collected it, evidence)
    assert "Camille" not in receipt.text
    assert "Carnet" not in receipt.text

    for url in (
        f"/v1/consents/{consent_id}/receipt?format=html",
        f"/v1/consents/{consent_id}/receipt.html",
    ):
        page = client.get(url, headers=headers)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert '<html lang="fr">' in page.text
        assert "Comment retirer votre accord" in page.text
        assert "Responsable du traitement" in page.text
        assert "Camille" not in page.text


def _crypto(client: TestClient) -> Any:
    from hub.crypto import build_crypto

    app: Any = client.app
    return build_crypto(app.state.settings, app.state.engine)


def test_recipients_of_the_data_learn_of_a_withdrawal(client: TestClient, session: Session) -> None:
    from consent.decisions import may_release

    headers = dpo(client, session)
    ml_headers, mission_locale = issue_token(client, session, kind="mission_locale")
    other_headers, _ = issue_token(client, session, kind="mission_locale")
    person_id = uuid.uuid4()
    consent_id = client.post(
        f"/v1/persons/{person_id}/consents", json=GRANT, headers=headers
    ).json()["id"]
    released = may_release(
        session,
        person_id=person_id,
        recipient_organisation_id=mission_locale,
        recipient_kind=None,
        purpose="orientation",
        fields=["family_name"],
    )
    session.commit()
    assert released.allowed
    client.post(f"/v1/consents/{consent_id}/withdraw", headers=headers)
    [event] = client.get("/v1/events", headers=ml_headers).json()["items"]
    assert event["event_type"] == "consent.withdrawn"
    assert event["payload"] == {
        "consent_id": consent_id,
        "person_id": str(person_id),
        "purpose": "orientation",
    }
    # the other Mission Locale never received the data: nothing to tell it
    assert client.get("/v1/events", headers=other_headers).json()["items"] == []


def test_the_organisation_that_imported_a_person_records_their_consent(
    client: TestClient, session: Session
) -> None:
    from tests.consent.people import import_psad, person_of, psad_row

    headers, outreach = issue_token(client, session, kind="outreach", scopes="consents:write")
    other_headers, _ = issue_token(client, session, kind="outreach", scopes="consents:write")
    import_psad(
        session,
        _crypto(client),
        [psad_row("SIEI-77", "LEROUX", "05/05/2006")],
        organisation_id=outreach,
    )
    person_id = person_of(session, "SIEI-77")
    created = client.post(f"/v1/persons/{person_id}/consents", json=GRANT, headers=headers)
    assert created.status_code == 201, created.text
    history = created.json()["history"][0]
    assert history["collected_by_organisation_id"] == str(outreach)
    assert (
        client.post(f"/v1/persons/{person_id}/consents", json=GRANT, headers=other_headers)
    ).status_code == 404
