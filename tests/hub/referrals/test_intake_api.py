"""POST /v1/referrals: routing through the API, idempotency, consent, validation."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from hub.referrals.models import Referral, ReferralMatch
from tests.hub.referrals.helpers import network, party, refer, referral_body


def _count(session: Session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(Referral)).one()


def test_partial_person_is_enough_and_the_town_is_resolved(
    client: TestClient, session: Session
) -> None:
    net = network(client, session)
    body = {
        "person": {
            "given_names": ["Yanis"],
            "phones": ["+33698765432"],
            "address": {"town": "MULHOUSE CEDEX"},
        },
        "needs": [],
        "source": "peer",
        "peer_code": "AMB-042",
    }
    created = refer(client, net.outreach, body)
    assert created["routing"]["rules_fired"][0]["id"] == "age-unknown"
    assert created["routing"]["recipient_organisation_id"] == str(
        net.mission_locale.organisation_id
    )
    assert created["routing"]["notes"] == []  # commune resolved: zones were checked
    # No consent and no other lawful basis: the match waits, nothing is released.
    assert created["routing"]["awaiting_consent"] is True
    assert created["routing"]["state"] == "awaiting_consent"
    assert created["due_at"] is None
    seen = client.get(f"/v1/referrals/{created['id']}", headers=net.outreach.headers).json()
    assert seen["peer_code"] == "AMB-042"
    assert seen["source"] == "peer"


def test_a_person_without_anything_identifying_is_refused(
    client: TestClient, session: Session
) -> None:
    net = network(client, session)
    body = referral_body()
    body["person"] = {"address": {"town": "Mulhouse"}, "birth_date": "2005-01-01"}
    response = client.post("/v1/referrals", json=body, headers=net.outreach.headers)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


def test_invalid_bodies_are_problems_without_echoing_values(
    client: TestClient, session: Session
) -> None:
    net = network(client, session)
    for body in (
        {**referral_body(), "needs": ["not-a-need"]},
        {**referral_body(), "source": "somewhere"},
        {**referral_body(), "unexpected": True},
        {**referral_body(), "peer_code": "has spaces and +"},
    ):
        response = client.post("/v1/referrals", json=body, headers=net.outreach.headers)
        assert response.status_code == 422, body
        assert "Inès" not in response.text


def test_scopes_are_enforced(client: TestClient, session: Session) -> None:
    reader = party(client, session, "outreach", scopes="referrals:read")
    response = client.post("/v1/referrals", json=referral_body(), headers=reader.headers)
    assert response.status_code == 403
    assert client.post("/v1/referrals", json=referral_body()).status_code == 401
    assert client.get("/v1/matches", headers=reader.headers).status_code == 403


def test_same_idempotency_key_and_body_give_the_same_answer_once(
    client: TestClient, session: Session
) -> None:
    net = network(client, session)
    body = referral_body()
    first = client.post(
        "/v1/referrals", json=body, headers={**net.outreach.headers, "Idempotency-Key": "abc-1"}
    )
    again = client.post(
        "/v1/referrals", json=body, headers={**net.outreach.headers, "Idempotency-Key": "abc-1"}
    )
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert _count(session) == 1
    other = client.post(
        "/v1/referrals",
        json=referral_body(given="Léa"),
        headers={**net.outreach.headers, "Idempotency-Key": "abc-1"},
    )
    assert other.status_code == 422
    assert other.json()["type"].endswith("/idempotency-key-reused")
    assert _count(session) == 1
    # Without a key, or with a new one, it is a new referral.
    refer(client, net.outreach, body)
    refer(client, net.outreach, body, **{"Idempotency-Key": "abc-2"})
    assert _count(session) == 3


def test_idempotency_keys_are_per_client(client: TestClient, session: Session) -> None:
    net = network(client, session)
    body = referral_body()
    refer(client, net.outreach, body, **{"Idempotency-Key": "shared"})
    refer(client, net.partner, body, **{"Idempotency-Key": "shared"})
    assert _count(session) == 2


def test_26_year_old_goes_to_the_partner_answering_the_need(
    client: TestClient, session: Session
) -> None:
    net = network(client, session)
    created = refer(
        client,
        net.outreach,
        referral_body(age=27, needs=["logement-hebergement--louer-un-logement"]),
    )
    routing = created["routing"]
    assert routing["recipient_organisation_id"] == str(net.partner.organisation_id)
    assert routing["service"]["external_id"] == "t--logement"
    assert routing["rules_fired"][0]["id"] == "partners-26-29"


def test_26_29_without_a_partner_for_the_need_go_to_france_travail(
    client: TestClient, session: Session
) -> None:
    net = network(client, session)
    created = refer(
        client, net.outreach, referral_body(age=29, needs=["mobilite--preparer-un-permis"])
    )
    assert created["routing"]["recipient_organisation_id"] == str(
        net.france_travail.organisation_id
    )
    assert any("fallback" in note for note in created["routing"]["notes"])


def test_qpv_residents_are_urgent(client: TestClient, session: Session) -> None:
    net = network(client, session)
    created = refer(client, net.outreach, referral_body(qpv=True))
    assert created["routing"]["priority"] == "urgent"
    assert [r["id"] for r in created["routing"]["rules_fired"]] == [
        "qpv-first",
        "mission-locale-16-25",
    ]
    items = client.get("/v1/matches", headers=net.mission_locale.headers).json()["items"]
    assert items[0]["priority"] == "urgent"


def test_out_of_public_is_held_and_opens_no_match(client: TestClient, session: Session) -> None:
    net = network(client, session)
    created = refer(client, net.outreach, referral_body(age=31))
    assert created["routing"]["state"] == "held"
    assert created["routing"]["recipient_organisation_id"] is None
    assert created["routing"]["rules_fired"][0]["id"] == "out-of-public"
    assert created["consents"] == []  # no recipient: nothing to agree to
    session.expire_all()
    assert session.exec(select(func.count()).select_from(ReferralMatch)).one() == 0


def test_without_any_service_the_referral_is_unrouted(client: TestClient, session: Session) -> None:
    outreach = party(client, session, "outreach")
    created = refer(client, outreach, referral_body())
    assert created["routing"]["state"] == "unrouted"
    assert any("no service" in note for note in created["routing"]["notes"])


def test_explicit_consent_recipients_are_recorded(client: TestClient, session: Session) -> None:
    net = network(client, session)
    body = referral_body()
    body["consent"]["recipients"] = [
        {"kind": "mission_locale"},
        {"organisation_id": str(net.partner.organisation_id)},
    ]
    created = refer(client, net.outreach, body)
    recipients = {
        (c["recipient_kind"], c["recipient_organisation_id"]) for c in created["consents"]
    }
    assert recipients == {("mission_locale", None), (None, str(net.partner.organisation_id))}
    assert created["routing"]["awaiting_consent"] is False


def test_a_second_referral_reuses_the_consent_in_force(
    client: TestClient, session: Session
) -> None:
    net = network(client, session)
    body = referral_body()
    body["consent"]["recipients"] = [{"kind": "mission_locale"}]
    first = refer(client, net.outreach, body)
    # Granting the same consent again through the consent API is refused: it is in force.
    person_id = first["person_id"]
    response = client.post(
        f"/v1/persons/{person_id}/consents",
        json={
            "purpose": "orientation",
            "recipient_kind": "mission_locale",
            "notice_version": "2025-01",
            "collection_method": "oral_outreach",
        },
        headers=net.outreach.headers,
    )
    assert response.status_code == 409
    assert response.json()["consent_id"] == first["consents"][0]["id"]


def test_unknown_consent_recipient_is_refused(client: TestClient, session: Session) -> None:
    net = network(client, session)
    body = referral_body()
    body["consent"]["recipients"] = [{"organisation_id": "00000000-0000-4000-8000-000000000000"}]
    response = client.post("/v1/referrals", json=body, headers=net.outreach.headers)
    assert response.status_code == 422
    assert _count(session) == 0


def test_the_same_young_person_referred_twice_is_one_person(
    client: TestClient, session: Session
) -> None:
    net = network(client, session)
    first = refer(client, net.outreach, referral_body(age=None))
    second = refer(client, net.outreach, referral_body(age=None, needs=["sante"]))
    assert second["person_id"] == first["person_id"]
    # The consent already in force for the Mission Locale is reused, not duplicated.
    assert [c["id"] for c in second["consents"]] == [c["id"] for c in first["consents"]]


def test_siblings_sharing_the_household_phone_stay_two_persons(
    client: TestClient, session: Session
) -> None:
    net = network(client, session)
    sister = refer(client, net.outreach, referral_body(age=19, given="Inès", family="KARA"))
    brother = refer(client, net.outreach, referral_body(age=21, given="Rayan", family="KARA"))
    assert sister["person_id"] != brother["person_id"]
