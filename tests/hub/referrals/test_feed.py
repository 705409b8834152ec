"""The matches feed and the events feed: leased, acknowledged, per organisation, consent-gated."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from hub.app import create_app
from hub.referrals import outbox
from hub.settings import Settings
from tests.hub.referrals.helpers import network, refer, referral_body


@pytest.fixture
def quick_client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    fast = settings.model_copy(update={"matches_visibility_timeout_seconds": 1})
    with TestClient(create_app(fast, engine=engine)) as test_client:
        yield test_client


def _matches(client: TestClient, headers: dict[str, str], **params: object) -> dict:  # type: ignore[type-arg]
    response = client.get("/v1/matches", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_acknowledged_items_never_come_back_others_do(
    quick_client: TestClient, session: Session
) -> None:
    client = quick_client
    net = network(client, session)
    first = refer(client, net.outreach, referral_body(given="Inès"))["id"]
    second = refer(client, net.outreach, referral_body(given="Léa"))["id"]
    page = _matches(client, net.mission_locale.headers)
    assert [i["referral_id"] for i in page["items"]] == [first, second]
    assert page["visibility_timeout_seconds"] == 1
    # Leased: an immediate second read gets nothing.
    assert _matches(client, net.mission_locale.headers)["items"] == []
    ack = client.post(
        "/v1/matches/ack",
        json={"ids": [page["items"][0]["id"]]},
        headers=net.mission_locale.headers,
    )
    assert ack.json() == {"acknowledged": 1, "unknown": []}
    time.sleep(1.1)
    again = _matches(client, net.mission_locale.headers, cursor=page["next_cursor"])
    assert [i["referral_id"] for i in again["items"]] == [second]
    assert again["items"][0]["delivery_count"] == 2
    # Acknowledging twice is harmless.
    repeat = client.post(
        "/v1/matches/ack",
        json={"ids": [page["items"][0]["id"]]},
        headers=net.mission_locale.headers,
    )
    assert repeat.json() == {"acknowledged": 0, "unknown": []}


def test_cursor_pages_through_the_backlog(client: TestClient, session: Session) -> None:
    net = network(client, session)
    ids = [
        refer(client, net.outreach, referral_body(given=name))["id"]
        for name in ("Inès", "Léa", "Noah")
    ]
    page = _matches(client, net.mission_locale.headers, limit=2)
    assert [i["referral_id"] for i in page["items"]] == ids[:2]
    rest = _matches(client, net.mission_locale.headers, limit=2, cursor=page["next_cursor"])
    assert [i["referral_id"] for i in rest["items"]] == ids[2:]
    empty = _matches(client, net.mission_locale.headers, cursor=rest["next_cursor"])
    assert empty["items"] == []
    assert empty["next_cursor"] == rest["next_cursor"]
    bad = client.get(
        "/v1/matches", params={"cursor": "not-a-cursor"}, headers=net.mission_locale.headers
    )
    assert bad.status_code == 422


def test_an_organisation_sees_and_acks_only_its_own_matches(
    client: TestClient, session: Session
) -> None:
    net = network(client, session)
    refer(client, net.outreach, referral_body())
    refer(
        client,
        net.outreach,
        referral_body(age=27, needs=["logement-hebergement--louer-un-logement"]),
    )
    assert _matches(client, net.stranger.headers)["items"] == []
    [ml_item] = _matches(client, net.mission_locale.headers)["items"]
    [partner_item] = _matches(client, net.partner.headers)["items"]
    assert ml_item["id"] != partner_item["id"]
    stolen = client.post(
        "/v1/matches/ack", json={"ids": [ml_item["id"]]}, headers=net.partner.headers
    )
    assert stolen.json() == {"acknowledged": 0, "unknown": [ml_item["id"]]}


def test_a_match_awaiting_consent_is_released_after_a_grant(
    client: TestClient, session: Session
) -> None:
    net = network(client, session)
    created = refer(client, net.outreach, referral_body(consent=False))
    assert created["routing"]["awaiting_consent"] is True
    assert _matches(client, net.mission_locale.headers)["items"] == []
    receiver_view = client.get(
        f"/v1/referrals/{created['id']}", headers=net.mission_locale.headers
    ).json()
    assert receiver_view["person_id"] is None
    grant = client.post(
        f"/v1/persons/{created['person_id']}/consents",
        json={
            "purpose": "orientation",
            "recipient_organisation_id": str(net.mission_locale.organisation_id),
            "notice_version": "2025-01",
            "collection_method": "signed_form",
        },
        headers=net.outreach.headers,
    )
    assert grant.status_code == 201, grant.text
    [item] = _matches(client, net.mission_locale.headers)["items"]
    assert item["referral_id"] == created["id"]
    assert item["person"]["given_names"] == ["Inès"]
    seen = client.get(f"/v1/referrals/{created['id']}", headers=net.outreach.headers).json()
    assert seen["routing"]["state"] == "routed"
    assert seen["due_at"] is not None
    events = client.get("/v1/events", headers=net.mission_locale.headers).json()["items"]
    assert [e["event_type"] for e in events] == ["referral.matched"]


def test_consent_for_another_recipient_does_not_release(
    client: TestClient, session: Session
) -> None:
    net = network(client, session)
    body = referral_body()
    body["consent"]["recipients"] = [{"organisation_id": str(net.partner.organisation_id)}]
    created = refer(client, net.outreach, body)
    assert created["routing"]["recipient_organisation_id"] == str(
        net.mission_locale.organisation_id
    )
    assert created["routing"]["awaiting_consent"] is True
    assert _matches(client, net.mission_locale.headers)["items"] == []


def test_events_feed_is_leased_and_acknowledged(quick_client: TestClient, session: Session) -> None:
    client = quick_client
    net = network(client, session)
    refer(client, net.outreach, referral_body())
    [event] = client.get("/v1/events", headers=net.mission_locale.headers).json()["items"]
    assert event["event_type"] == "referral.matched"
    assert set(event["payload"]) == {"referral_id", "match_id", "priority", "service_id"}
    assert client.get("/v1/events", headers=net.mission_locale.headers).json()["items"] == []
    time.sleep(1.1)
    [again] = client.get("/v1/events", headers=net.mission_locale.headers).json()["items"]
    assert again["id"] == event["id"]
    assert again["delivery_count"] == 2
    ack = client.post(
        "/v1/events/ack", json={"ids": [event["id"]]}, headers=net.mission_locale.headers
    )
    assert ack.json()["acknowledged"] == 1
    time.sleep(1.1)
    assert client.get("/v1/events", headers=net.mission_locale.headers).json()["items"] == []
    assert client.get("/v1/events", headers=net.stranger.headers).json()["items"] == []


def test_outbox_refuses_personal_data_in_payloads(session: Session) -> None:
    organisation_id = uuid.uuid4()
    with pytest.raises(outbox.PersonalDataInPayloadError):
        outbox.enqueue(
            session, organisation_id, "x", {"referral_id": "1", "person": {"given_names": ["A"]}}
        )
    with pytest.raises(outbox.PersonalDataInPayloadError):
        outbox.enqueue(session, organisation_id, "x", {"detail": {"phones": ["+33600000000"]}})
