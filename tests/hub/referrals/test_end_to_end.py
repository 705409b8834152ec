"""The issue's "done when", through the HTTP API only."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from hub.app import create_app
from hub.settings import Settings
from tests.hub.referrals.helpers import move, network, refer, referral_body


@pytest.fixture
def quick_client(settings: Settings, engine: Engine) -> Iterator[TestClient]:
    """The app with a one-second visibility timeout on the feeds."""
    fast = settings.model_copy(update={"matches_visibility_timeout_seconds": 1})
    with TestClient(create_app(fast, engine=engine)) as test_client:
        yield test_client


def test_outreach_to_mission_locale_closed_loop(quick_client: TestClient, session: Session) -> None:
    client = quick_client
    net = network(client, session)

    # An outreach worker refers a 19-year-old met in Mulhouse, who agrees to be oriented.
    created = refer(client, net.outreach, referral_body(age=19))
    assert created["status"] == "requested"
    routing = created["routing"]
    assert routing["recipient_organisation_id"] == str(net.mission_locale.organisation_id)
    assert routing["state"] == "routed"
    assert routing["awaiting_consent"] is False
    assert [rule["id"] for rule in routing["rules_fired"]] == ["mission-locale-16-25"]
    assert routing["service"]["external_id"] == "t--ml"
    assert created["due_at"] is not None
    [consent] = created["consents"]
    assert consent["recipient_organisation_id"] == str(net.mission_locale.organisation_id)
    referral_id = created["id"]

    # The Mission Locale finds the young person in its matches feed, with their contact.
    page = client.get("/v1/matches", headers=net.mission_locale.headers).json()
    [item] = page["items"]
    assert item["referral_id"] == referral_id
    assert item["release"] == {"allowed": True, "reason": "consent", "lawful_basis": "consent"}
    assert item["person"]["given_names"] == ["Inès"]
    assert item["person"]["phones"] == ["+33612345678"]
    assert item["person"]["address"]["commune_insee"] == "68224"
    assert "phones" in item["released_fields"]

    # It accepts, starts and completes the referral with an entry into PACEA.
    move(client, net.mission_locale, referral_id, "accepted")
    move(client, net.mission_locale, referral_id, "in-progress")
    done = move(client, net.mission_locale, referral_id, "completed", outcome="entree_pacea")
    assert done["allowed_transitions"] == []

    # The outreach team reads the outcome.
    seen = client.get(f"/v1/referrals/{referral_id}", headers=net.outreach.headers).json()
    assert seen["status"] == "completed"
    assert seen["outcome"] == "entree_pacea"
    assert [step["status"] for step in seen["history"]] == [
        "requested",
        "accepted",
        "in-progress",
        "completed",
    ]

    # A third organisation cannot even tell the referral exists.
    hidden = client.get(f"/v1/referrals/{referral_id}", headers=net.stranger.headers)
    assert hidden.status_code == 404
    missing = client.get(
        "/v1/referrals/00000000-0000-4000-8000-000000000000", headers=net.stranger.headers
    )
    assert hidden.json()["type"] == missing.json()["type"]

    # The young person withdraws their consent; the match was not acknowledged, so it comes
    # back after the visibility timeout -- without any personal data.
    withdrawn = client.post(
        f"/v1/consents/{consent['id']}/withdraw", json={}, headers=net.outreach.headers
    )
    assert withdrawn.status_code == 200, withdrawn.text
    time.sleep(1.1)
    again = client.get("/v1/matches", headers=net.mission_locale.headers).json()
    [item] = again["items"]
    assert item["delivery_count"] == 2
    assert item["release"]["allowed"] is False
    assert item["release"]["reason"] == "consent_withdrawn"
    assert item["person"] is None
    assert item["person_id"] is None
    assert item["needs"] is None
    assert item["released_fields"] == []
    receiver_view = client.get(
        f"/v1/referrals/{referral_id}", headers=net.mission_locale.headers
    ).json()
    assert receiver_view["person_id"] is None
    assert receiver_view["needs"] is None
    assert receiver_view["status"] == "completed"
