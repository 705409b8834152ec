"""Typed factories for referral tests: organisations with tokens, a directory, referrals.

Everything is synthetic (Faker-free on purpose: fixed values make failures readable).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from hub.directory import service as directory
from hub.organisations import repository as organisations
from tests.auth_helpers import issue_token
from tests.hub.directory.helpers import service_json


@dataclass(frozen=True)
class Party:
    headers: dict[str, str]
    organisation_id: uuid.UUID
    name: str


def party(client: TestClient, session: Session, kind: str, scopes: str | None = None) -> Party:
    default = "referrals:write referrals:read matches:read consents:write"
    headers, organisation_id = issue_token(client, session, kind=kind, scopes=scopes or default)
    organisation = organisations.get(session, organisation_id)
    assert organisation is not None
    return Party(headers, organisation_id, organisation.name)


@dataclass(frozen=True)
class Network:
    outreach: Party
    mission_locale: Party
    partner: Party
    france_travail: Party
    stranger: Party


def network(client: TestClient, session: Session) -> Network:
    """An outreach team, the Mission Locale, a housing partner, France Travail and a third
    organisation with no part in anything; the directory lists their services."""
    net = Network(
        outreach=party(client, session, "outreach"),
        mission_locale=party(client, session, "mission_locale"),
        partner=party(client, session, "partner"),
        france_travail=party(client, session, "partner"),
        stranger=party(client, session, "partner"),
    )
    items = [
        service_json(
            "t--ml",
            organisation=net.mission_locale.name,
            kind="mission_locale",
            reseaux=["mission-locale"],
            thematiques=["se-former--trouver-sa-formation"],
            delay=14,
        ),
        service_json(
            "t--logement",
            organisation=net.partner.name,
            thematiques=["logement-hebergement--louer-un-logement"],
            delay=10,
            capacity=5,
        ),
        service_json(
            "t--france-travail",
            organisation=net.france_travail.name,
            reseaux=["france-travail"],
            publics=["tous-publics"],
            zone=["68"],
        ),
    ]
    directory.import_services(session, directory.parse_services(items))
    session.commit()
    return net


def born_years_ago(years: int, *, days: int = 40) -> str:
    today = date.today()  # noqa: DTZ011 - a calendar date
    try:
        anniversary = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        anniversary = today.replace(year=today.year - years, day=28)
    return (anniversary - timedelta(days=days)).isoformat()


def person(
    *,
    age: int | None = 19,
    given: str = "Inès",
    phone: str = "+33612345678",
    town: str | None = "Mulhouse",
    qpv: bool | None = None,
    family: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"given_names": [given], "phones": [phone]}
    if age is not None:
        body["birth_date"] = born_years_ago(age)
    if town is not None:
        body["address"] = {"town": town}
    if qpv is not None:
        body["lives_in_qpv"] = qpv
    if family is not None:
        body["family_name"] = family
    return body


def referral_body(
    *,
    age: int | None = 19,
    needs: list[str] | None = None,
    consent: bool = True,
    source: str = "outreach",
    **person_fields: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "person": person(age=age, **person_fields),
        "needs": needs if needs is not None else ["se-former--trouver-sa-formation"],
        "source": source,
    }
    if consent:
        body["consent"] = {
            "purposes": ["orientation"],
            "method": "oral_outreach",
            "notice_version": "2025-01",
        }
    return body


def refer(
    client: TestClient, sender: Party, body: dict[str, Any], **headers: str
) -> dict[str, Any]:
    response = client.post("/v1/referrals", json=body, headers={**sender.headers, **headers})
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def move(
    client: TestClient, who: Party, referral_id: str, status: str, **extra: str
) -> dict[str, Any]:
    response = client.post(
        f"/v1/referrals/{referral_id}/transitions",
        json={"status": status, **extra},
        headers=who.headers,
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result
