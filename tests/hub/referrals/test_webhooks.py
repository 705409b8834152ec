"""Webhooks: registration, transactional queueing, Standard Webhooks signatures, backoff."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
import respx
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from hub.crypto import build_crypto
from hub.errors import UnprocessableError
from hub.models_base import utcnow
from hub.referrals import webhooks
from hub.settings import Settings
from tests.hub.referrals.helpers import Party, network, refer, referral_body

URL = "https://ml.example/hub-events"


def _register(client: TestClient, who: Party, **body: object) -> dict[str, object]:
    response = client.post("/v1/webhooks", json={"url": URL, **body}, headers=who.headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def _deliveries(client: TestClient, who: Party, endpoint_id: object) -> list[dict[str, object]]:
    response = client.get(f"/v1/webhooks/{endpoint_id}/deliveries", headers=who.headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_signed_delivery_retried_with_backoff_then_delivered(
    client: TestClient, session: Session, settings: Settings, engine: Engine
) -> None:
    net = network(client, session)
    endpoint = _register(client, net.mission_locale)
    secret = str(endpoint["secret"])
    assert secret.startswith("whsec_")
    listed = client.get("/v1/webhooks", headers=net.mission_locale.headers).json()
    assert [e["id"] for e in listed] == [endpoint["id"]]
    assert "secret" not in listed[0]

    created = refer(client, net.outreach, referral_body())
    [pending] = _deliveries(client, net.mission_locale, endpoint["id"])
    assert (pending["status"], pending["event_type"], pending["attempts"]) == (
        "pending",
        "referral.matched",
        0,
    )

    crypto = build_crypto(settings, engine)
    now = utcnow()
    with respx.mock(assert_all_called=True) as mock, httpx.Client() as http:
        route = mock.post(URL).mock(side_effect=[httpx.Response(503), httpx.Response(204)])
        first = webhooks.deliver_due(engine, crypto, http, now=now)
        assert (first.attempted, first.retrying) == (1, 1)
        # Not due again before the backoff has passed.
        assert (
            webhooks.deliver_due(engine, crypto, http, now=now + timedelta(seconds=10)).attempted
            == 0
        )
        second = webhooks.deliver_due(engine, crypto, http, now=now + timedelta(seconds=31))
        assert second.delivered == 1
        request = route.calls[-1].request

    headers = {k.lower(): v for k, v in request.headers.items()}
    assert webhooks.verify(secret, headers, request.content)
    assert not webhooks.verify(secret, headers, request.content + b" ")
    assert headers["webhook-id"] == pending["event_id"]
    body = json.loads(request.content)
    assert body["type"] == "referral.matched"
    assert body["data"]["referral_id"] == created["id"]
    assert "Inès" not in request.content.decode()
    [done] = _deliveries(client, net.mission_locale, endpoint["id"])
    assert (done["status"], done["attempts"], done["last_status_code"]) == ("delivered", 2, 204)


def test_gives_up_after_the_last_attempt(
    client: TestClient, session: Session, settings: Settings, engine: Engine
) -> None:
    net = network(client, session)
    endpoint = _register(client, net.mission_locale)
    refer(client, net.outreach, referral_body())
    crypto = build_crypto(settings, engine)
    when = utcnow()
    with respx.mock() as mock, httpx.Client() as http:
        mock.post(URL).mock(side_effect=httpx.ConnectError("refused"))
        for _ in range(webhooks.MAX_ATTEMPTS):
            webhooks.deliver_due(engine, crypto, http, now=when)
            when += webhooks.RETRY_MAX
        assert webhooks.deliver_due(engine, crypto, http, now=when).attempted == 0
    [failed] = _deliveries(client, net.mission_locale, endpoint["id"])
    assert failed["status"] == "failed"
    assert failed["attempts"] == webhooks.MAX_ATTEMPTS
    assert failed["last_error"] == "ConnectError"
    # The pull feed still has the event.
    events = client.get("/v1/events", headers=net.mission_locale.headers).json()["items"]
    assert [e["id"] for e in events] == [failed["event_id"]]


def test_event_type_filter_and_disabling(client: TestClient, session: Session) -> None:
    net = network(client, session)
    only_changes = _register(client, net.outreach, event_types=["referral.status_changed"])
    created = refer(client, net.outreach, referral_body())
    assert _deliveries(client, net.outreach, only_changes["id"]) == []
    client.post(
        f"/v1/referrals/{created['id']}/transitions",
        json={"status": "accepted"},
        headers=net.mission_locale.headers,
    )
    [queued] = _deliveries(client, net.outreach, only_changes["id"])
    assert queued["event_type"] == "referral.status_changed"
    gone = client.delete(f"/v1/webhooks/{only_changes['id']}", headers=net.outreach.headers)
    assert gone.status_code == 204
    [given_up] = _deliveries(client, net.outreach, only_changes["id"])
    assert given_up["status"] == "failed"
    assert client.get("/v1/webhooks", headers=net.outreach.headers).json()[0]["active"] is False


def test_endpoints_are_private_to_their_organisation(client: TestClient, session: Session) -> None:
    net = network(client, session)
    endpoint = _register(client, net.mission_locale)
    other = client.get(f"/v1/webhooks/{endpoint['id']}/deliveries", headers=net.stranger.headers)
    assert other.status_code == 404
    assert (
        client.delete(f"/v1/webhooks/{endpoint['id']}", headers=net.stranger.headers).status_code
        == 404
    )
    assert client.get("/v1/webhooks", headers=net.stranger.headers).json() == []


def test_urls_are_checked(
    client: TestClient, session: Session, settings: Settings, engine: Engine
) -> None:
    net = network(client, session)
    for url in ("ftp://x.example/", "not a url", "https://user:pw@x.example/"):
        response = client.post("/v1/webhooks", json={"url": url}, headers=net.outreach.headers)
        assert response.status_code == 422, url
    crypto = build_crypto(settings, engine)
    with pytest.raises(UnprocessableError, match="https"):
        webhooks.register(
            session,
            crypto,
            net.outreach.organisation_id,
            url="http://x.example/h",
            event_types=[],
            production=True,
        )


def test_backoff_doubles_up_to_the_cap() -> None:
    assert [webhooks.backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert webhooks.backoff(30) == webhooks.RETRY_MAX
