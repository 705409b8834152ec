"""GET /v1/services through HTTP."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from hub.directory import service
from tests.auth_helpers import issue_token
from tests.hub.directory.helpers import service_json


def _seed(session: Session) -> None:
    items = [
        service_json(
            "t--ml",
            organisation="ML api",
            kind="mission_locale",
            reseaux=["mission-locale"],
            thematiques=["se-former--trouver-sa-formation"],
        ),
        service_json(
            "t--mob",
            organisation="Mobilité api",
            zone=["68"],
            publics=["tous-publics"],
            thematiques=["mobilite--preparer-un-permis"],
            capacity=4,
            delay=7,
        ),
        service_json(
            "t--colmar",
            organisation="Colmar api",
            zone=["68066"],
            thematiques=["mobilite--preparer-un-permis"],
        ),
    ]
    service.import_services(session, service.parse_services(items))
    session.commit()


def test_any_valid_token_may_search_the_directory(client: TestClient, session: Session) -> None:
    _seed(session)
    assert client.get("/v1/services").status_code == 401
    headers, _ = issue_token(client, session, kind="outreach", scopes="referrals:read")
    page = client.get("/v1/services", headers=headers).json()
    assert page["total"] == 3
    assert [s["external_id"] for s in page["items"]] == ["t--colmar", "t--ml", "t--mob"]
    mobility = client.get(
        "/v1/services", params={"thematique": "mobilite", "commune": "68224"}, headers=headers
    ).json()
    assert [s["external_id"] for s in mobility["items"]] == ["t--mob"]
    [mob] = mobility["items"]
    assert mob["capacity"] == 4
    assert mob["response_delay_days"] == 7
    assert mob["organisation_name"] == "Mobilité api"
    ml = client.get("/v1/services", params={"reseau": "mission-locale"}, headers=headers).json()
    assert [s["external_id"] for s in ml["items"]] == ["t--ml"]
    paged = client.get("/v1/services", params={"limit": 1, "offset": 1}, headers=headers).json()
    assert paged["total"] == 3
    assert len(paged["items"]) == 1


def test_bad_filters_are_problems(client: TestClient, session: Session) -> None:
    headers, _ = issue_token(client, session, kind="outreach", scopes="referrals:read")
    for params in (
        {"thematique": "nope"},
        {"public": "martiens"},
        {"commune": "Mulhouse"},
        {"limit": 0},
    ):
        response = client.get("/v1/services", params=params, headers=headers)
        assert response.status_code == 422, params
        assert response.headers["content-type"].startswith("application/problem+json")
