"""POST /v1/referrals/{id}/transitions and GET /v1/referrals: who may do what, with reasons."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.hub.referrals.helpers import Network, move, network, refer, referral_body


def _referral(client: TestClient, session: Session) -> tuple[Network, str]:
    net = network(client, session)
    return net, refer(client, net.outreach, referral_body())["id"]


def _post(client: TestClient, net_party_headers: dict[str, str], referral_id: str, **body: str):  # type: ignore[no-untyped-def]
    return client.post(
        f"/v1/referrals/{referral_id}/transitions", json=body, headers=net_party_headers
    )


def test_illegal_transition_is_409_with_the_allowed_ones(
    client: TestClient, session: Session
) -> None:
    net, referral_id = _referral(client, session)
    response = _post(
        client, net.mission_locale.headers, referral_id, status="completed", outcome="cej"
    )
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"].endswith("/illegal-transition")
    assert problem["current_status"] == "requested"
    assert problem["allowed"] == ["accepted", "rejected"]


def test_only_the_receiver_moves_forward_and_only_the_sender_cancels(
    client: TestClient, session: Session
) -> None:
    net, referral_id = _referral(client, session)
    by_sender = _post(client, net.outreach.headers, referral_id, status="accepted")
    assert by_sender.status_code == 403
    assert by_sender.json()["allowed"] == ["cancelled"]
    by_receiver = _post(
        client, net.mission_locale.headers, referral_id, status="cancelled", reason="no"
    )
    assert by_receiver.status_code == 403
    assert by_receiver.json()["allowed"] == ["accepted", "rejected"]
    by_stranger = _post(client, net.stranger.headers, referral_id, status="accepted")
    assert by_stranger.status_code == 404


def test_reasons_are_required_on_reject_cancel_hold_and_fail(
    client: TestClient, session: Session
) -> None:
    net, referral_id = _referral(client, session)
    assert (
        _post(client, net.mission_locale.headers, referral_id, status="rejected").status_code == 422
    )
    assert _post(client, net.outreach.headers, referral_id, status="cancelled").status_code == 422
    move(client, net.mission_locale, referral_id, "accepted")
    assert (
        _post(client, net.mission_locale.headers, referral_id, status="on-hold").status_code == 422
    )
    assert (
        _post(client, net.mission_locale.headers, referral_id, status="failed").status_code == 422
    )
    held = move(
        client, net.mission_locale, referral_id, "on-hold", reason="Hospitalisé deux semaines"
    )
    assert held["history"][-1]["reason"] == "Hospitalisé deux semaines"
    resumed = move(client, net.mission_locale, referral_id, "in-progress")
    assert resumed["status"] == "in-progress"
    move(client, net.mission_locale, referral_id, "on-hold", reason="Déménagement en cours")
    failed = move(client, net.mission_locale, referral_id, "failed", reason="Plus de nouvelles")
    assert failed["status"] == "failed"
    assert failed["outcome"] is None


def test_outcome_only_and_always_at_completion(client: TestClient, session: Session) -> None:
    net, referral_id = _referral(client, session)
    assert (
        _post(
            client, net.mission_locale.headers, referral_id, status="accepted", outcome="cej"
        ).status_code
        == 422
    )
    move(client, net.mission_locale, referral_id, "accepted")
    assert (
        _post(client, net.mission_locale.headers, referral_id, status="completed").status_code
        == 422
    )
    assert (
        _post(
            client, net.mission_locale.headers, referral_id, status="completed", outcome="loterie"
        ).status_code
        == 422
    )
    done = move(client, net.mission_locale, referral_id, "completed", outcome="formation")
    assert done["outcome"] == "formation"
    again = _post(client, net.mission_locale.headers, referral_id, status="in-progress")
    assert again.status_code == 409
    assert again.json()["allowed"] == []


def test_sender_cancels_with_a_reason_and_the_receiver_is_told(
    client: TestClient, session: Session
) -> None:
    net, referral_id = _referral(client, session)
    cancelled = move(
        client, net.outreach, referral_id, "cancelled", reason="Le jeune a trouvé un emploi"
    )
    assert cancelled["status"] == "cancelled"
    events = client.get("/v1/events", headers=net.mission_locale.headers).json()["items"]
    changes = [e for e in events if e["event_type"] == "referral.status_changed"]
    assert changes[0]["payload"] == {
        "referral_id": referral_id,
        "from_status": "requested",
        "status": "cancelled",
        "outcome": None,
    }


def test_the_sender_hears_of_every_step_without_personal_data(
    client: TestClient, session: Session
) -> None:
    net, referral_id = _referral(client, session)
    move(client, net.mission_locale, referral_id, "accepted")
    move(client, net.mission_locale, referral_id, "completed", outcome="cej")
    events = client.get("/v1/events", headers=net.outreach.headers).json()["items"]
    assert [(e["event_type"], e["payload"]["status"]) for e in events] == [
        ("referral.status_changed", "accepted"),
        ("referral.status_changed", "completed"),
    ]
    assert "Inès" not in str(events)
    assert "+33612345678" not in str(events)


def test_get_shows_status_history_and_allowed_transitions_per_party(
    client: TestClient, session: Session
) -> None:
    net, referral_id = _referral(client, session)
    move(client, net.mission_locale, referral_id, "accepted")
    as_sender = client.get(f"/v1/referrals/{referral_id}", headers=net.outreach.headers).json()
    as_receiver = client.get(
        f"/v1/referrals/{referral_id}", headers=net.mission_locale.headers
    ).json()
    assert as_sender["allowed_transitions"] == ["cancelled"]
    assert as_receiver["allowed_transitions"] == ["in-progress", "on-hold", "completed", "failed"]
    assert [h["status"] for h in as_sender["history"]] == ["requested", "accepted"]
    assert as_sender["history"][1]["actor_organisation_id"] == str(
        net.mission_locale.organisation_id
    )
    assert as_receiver["person_id"] == as_sender["person_id"]
    assert as_receiver["needs"] == ["se-former--trouver-sa-formation"]


def test_list_by_role_and_status(client: TestClient, session: Session) -> None:
    net = network(client, session)
    first = refer(client, net.outreach, referral_body())["id"]
    second = refer(client, net.outreach, referral_body(given="Léa"))["id"]
    move(client, net.mission_locale, second, "accepted")
    sent = client.get("/v1/referrals?role=sender", headers=net.outreach.headers).json()
    assert [r["id"] for r in sent["items"]] == [first, second]
    assert (
        client.get("/v1/referrals?role=receiver", headers=net.outreach.headers).json()["items"]
        == []
    )
    accepted = client.get(
        "/v1/referrals?status=accepted", headers=net.mission_locale.headers
    ).json()
    assert [r["id"] for r in accepted["items"]] == [second]
    page = client.get("/v1/referrals?limit=1", headers=net.mission_locale.headers).json()
    assert [r["id"] for r in page["items"]] == [first]
    rest = client.get(
        f"/v1/referrals?limit=1&cursor={page['next_cursor']}", headers=net.mission_locale.headers
    ).json()
    assert [r["id"] for r in rest["items"]] == [second]
    assert client.get("/v1/referrals", headers=net.stranger.headers).json()["items"] == []
    assert (
        client.get("/v1/referrals?cursor=garbage", headers=net.outreach.headers).status_code == 422
    )


def test_programme_phase_follows_the_referral_events(client: TestClient, session: Session) -> None:
    net, referral_id = _referral(client, session)
    person_id = client.get(f"/v1/referrals/{referral_id}", headers=net.outreach.headers).json()[
        "person_id"
    ]

    def phase(headers: dict[str, str]) -> dict[str, object]:
        response = client.get(f"/v1/persons/{person_id}/phase", headers=headers)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    assert phase(net.outreach.headers)["phase"] == "repere"
    move(client, net.mission_locale, referral_id, "accepted")
    assert phase(net.mission_locale.headers)["phase"] == "mobilise"
    move(client, net.mission_locale, referral_id, "completed", outcome="entree_pacea")
    reached = phase(net.outreach.headers)
    assert reached["phase"] == "oriente"
    assert reached["referral_id"] == referral_id
    assert (
        client.get(f"/v1/persons/{person_id}/phase", headers=net.stranger.headers).status_code
        == 404
    )


def test_completion_outside_the_droit_commun_is_not_orientation(
    client: TestClient, session: Session
) -> None:
    net, referral_id = _referral(client, session)
    move(client, net.mission_locale, referral_id, "accepted")
    move(client, net.mission_locale, referral_id, "completed", outcome="other")
    person_id = client.get(f"/v1/referrals/{referral_id}", headers=net.outreach.headers).json()[
        "person_id"
    ]
    body = client.get(f"/v1/persons/{person_id}/phase", headers=net.outreach.headers).json()
    assert body["phase"] == "mobilise"
