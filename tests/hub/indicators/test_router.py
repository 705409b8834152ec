"""``GET /v1/indicators``: the published report over HTTP, scope ``indicators:read``."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from hub.indicators import service
from hub.indicators.schemas import IndicatorReport
from hub.settings import Settings
from tests.auth_helpers import issue_token
from tests.hub.indicators.population import NOW, PERIOD_END, PERIOD_START, seed


def test_the_report_of_a_period_is_served_to_a_client_with_the_scope(
    client: TestClient,
    session: Session,
    engine: Engine,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed(client, session, engine, settings, monkeypatch)
    headers, _ = issue_token(client, session, kind="partner", scopes="indicators:read")
    response = client.get(
        "/v1/indicators",
        params={"from": PERIOD_START.isoformat(), "to": PERIOD_END.isoformat()},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    served = IndicatorReport.model_validate(response.json())
    local = service.compute(session, settings, start=PERIOD_START, end=PERIOD_END, now=NOW)
    assert served.model_dump(exclude={"generated_at"}) == local.model_dump(exclude={"generated_at"})
    assert served.funnel.reperes == local.funnel.reperes
    assert isinstance(served.funnel.reperes, int)
    assert served.funnel.reperes > 50
    # Only aggregates: no person id, no name, nothing but counts and labels.
    body = response.text
    for young_field in ("person_id", "family_name", "given_names", "+336"):
        assert young_field not in body


def test_the_default_period_is_the_programme(client: TestClient, session: Session) -> None:
    headers, _ = issue_token(client, session, kind="partner", scopes="indicators:read")
    response = client.get("/v1/indicators", headers=headers)
    assert response.status_code == 200
    assert response.json()["period"]["start"] == "2019-11-01"
    assert response.json()["period"]["end"] == "2021-12-31"
    assert response.json()["programme"]["target"] == 2700


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"from": "2025-13-01"}, "from"),
        ({"to": "not-a-date"}, "to"),
    ],
)
def test_bad_dates_are_a_422_problem(
    client: TestClient, session: Session, params: dict[str, str], where: str
) -> None:
    headers, _ = issue_token(client, session, kind="partner", scopes="indicators:read")
    response = client.get("/v1/indicators", params=params, headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert where in response.text
    assert params[where] not in response.text  # the rejected value is not echoed


def test_from_after_to_is_a_422_problem(client: TestClient, session: Session) -> None:
    headers, _ = issue_token(client, session, kind="partner", scopes="indicators:read")
    response = client.get(
        "/v1/indicators", params={"from": "2025-06-01", "to": "2025-05-31"}, headers=headers
    )
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["type"].endswith("invalid-period")
    assert "'from' must be on or before 'to'" in problem["detail"]


def test_the_scope_is_required(client: TestClient, session: Session) -> None:
    assert client.get("/v1/indicators").status_code == 401
    headers, _ = issue_token(client, session, kind="partner", scopes="referrals:read")
    response = client.get("/v1/indicators", headers=headers)
    assert response.status_code == 403
    assert "indicators:read" in response.headers["www-authenticate"]


def test_an_ongoing_period_reads_statuses_now(client: TestClient, session: Session) -> None:
    headers, _ = issue_token(client, session, kind="partner", scopes="indicators:read")
    today = date.today()  # noqa: DTZ011 - a calendar day, as a client would send it
    response = client.get(
        "/v1/indicators",
        params={
            "from": today.replace(day=1).isoformat(),
            "to": today.replace(year=today.year + 1).isoformat(),
        },
        headers=headers,
    )
    assert response.status_code == 200
    assert any("Période en cours" in note for note in response.json()["notes"])
