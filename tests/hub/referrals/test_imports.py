"""Records imported from the platforms enter the same routing (services, HTTP to check)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from connectors.base import RowResult
from hub.crypto import Crypto, build_crypto
from hub.ingest.hooks import register_post_import, unregister_post_import
from hub.ingest.service import run_import
from hub.referrals import imports
from hub.referrals.context import RoutingContext
from hub.referrals.models import Referral, SourceRecordRouting
from hub.settings import Settings
from schemas.v1.models import FollowUp, Person, SourceRecord
from tests.hub.referrals.helpers import Network, born_years_ago, network, refer, referral_body

MULHOUSE = "68224"


@pytest.fixture(autouse=True)
def _routing_hook_last() -> None:
    """Routing runs after identity resolution's hook, as its imports arrange in production;
    a test elsewhere that re-registers a hook may have changed the order: restore it."""
    unregister_post_import(imports.route_after_import)
    register_post_import(imports.route_after_import)


@pytest.fixture
def job_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Imports too big for the post-import hook: the routing job does the work."""
    monkeypatch.setattr(imports, "INLINE_LIMIT", 0)


def _record(
    source: str, key: str, *, age: int, given: str, phone: str, **extra: Any
) -> SourceRecord:
    person = Person(
        given_names=[given],
        family_name=extra.pop("family", "MARTIN"),
        birth_date=date.fromisoformat(born_years_ago(age)),
        phones=[phone],
        address={"commune_insee": MULHOUSE, "town": "Mulhouse"},  # type: ignore[arg-type]
    )
    return SourceRecord(
        source=source,
        source_record_id=key,
        received_at="2025-03-01T08:00:00Z",  # type: ignore[arg-type]
        person=person,
        **extra,
    )


def _import(
    session: Session,
    crypto: Crypto,
    source: str,
    records: list[SourceRecord],
    organisation_id: uuid.UUID,
) -> list[uuid.UUID]:
    outcome = run_import(
        session,
        crypto,
        source=source,
        rows=[RowResult(row=i + 1, record=r, errors=(), raw={}) for i, r in enumerate(records)],
        file_name=f"{source}.csv",
        file_sha256=uuid.uuid4().hex * 2,
        actor="tests",
        organisation_id=organisation_id,
    )
    return list(outcome.changed_record_ids)


def _setup(
    client: TestClient, session: Session, settings: Settings, engine: Engine
) -> tuple[Network, Crypto, RoutingContext]:
    return (
        network(client, session),
        build_crypto(settings, engine),
        RoutingContext.from_settings(settings),
    )


@pytest.mark.usefixtures("job_only")
def test_psad_list_goes_to_the_mission_locale_under_the_legal_obligation(
    client: TestClient, session: Session, settings: Settings, engine: Engine
) -> None:
    net, crypto, context = _setup(client, session, settings, engine)
    ids = _import(
        session,
        crypto,
        "decrocheurs",
        [
            _record(
                "decrocheurs",
                "E1",
                age=17,
                given="Sofiane",
                phone="+33611111111",
                follow_up=FollowUp(known_to_mission_locale=False),
            ),
            _record("decrocheurs", "E2", age=35, given="Karim", phone="+33622222222"),
        ],
        net.partner.organisation_id,  # the organisation that uploaded the list
    )
    summary = imports.route_pending(session, crypto, context)
    assert (summary.considered, summary.referred, summary.held, summary.awaiting_consent) == (
        2,
        1,
        1,
        0,
    )
    session.commit()

    referral = session.exec(select(Referral).where(Referral.source_record_id == ids[0])).one()
    assert referral.source == "psad"
    assert referral.recipient_organisation_id == net.mission_locale.organisation_id
    assert referral.sender_organisation_id == net.partner.organisation_id
    assert [rule["id"] for rule in referral.routing["fired"]] == ["obligation-de-formation"]
    held = session.get(SourceRecordRouting, ids[1])
    assert held is not None
    assert held.outcome == "held"
    assert held.decision["fired"][0]["id"] == "out-of-public"

    [item] = client.get("/v1/matches", headers=net.mission_locale.headers).json()["items"]
    assert item["release"]["lawful_basis"] == "legal_obligation"
    assert item["person"]["given_names"] == ["Sofiane"]
    # The uploader follows the outcome like any sender.
    seen = client.get(f"/v1/referrals/{referral.id}", headers=net.partner.headers)
    assert seen.status_code == 200

    assert imports.route_pending(session, crypto, context).considered == 0  # once each


@pytest.mark.usefixtures("job_only")
def test_boussole_request_without_consent_waits(
    client: TestClient, session: Session, settings: Settings, engine: Engine
) -> None:
    net, crypto, context = _setup(client, session, settings, engine)
    _import(
        session,
        crypto,
        "boussole",
        [
            _record(
                "boussole",
                "B1",
                age=27,
                given="Léa",
                phone="+33633333333",
                needs=["logement-hebergement--louer-un-logement"],
            )
        ],
        net.outreach.organisation_id,
    )
    summary = imports.route_pending(session, crypto, context)
    assert (summary.referred, summary.awaiting_consent) == (1, 1)
    session.commit()
    referral = session.exec(select(Referral)).one()
    assert referral.source == "boussole"
    assert referral.recipient_organisation_id == net.partner.organisation_id
    assert referral.routing_state == "awaiting_consent"
    assert client.get("/v1/matches", headers=net.partner.headers).json()["items"] == []


@pytest.mark.usefixtures("job_only")
def test_a_young_person_already_referred_is_not_referred_again(
    client: TestClient, session: Session, settings: Settings, engine: Engine
) -> None:
    net, crypto, context = _setup(client, session, settings, engine)
    first = _record(
        "decrocheurs", "C1", age=18, given="Noah", phone="+33644444444", family="BERNARD"
    )
    _import(session, crypto, "decrocheurs", [first], net.partner.organisation_id)
    assert imports.route_pending(session, crypto, context).referred == 1
    # The next campaign lists the same young person under a new row identifier.
    again = _record(
        "decrocheurs", "C2", age=18, given="Noah", phone="+33644444444", family="BERNARD"
    )
    _import(session, crypto, "decrocheurs", [again], net.partner.organisation_id)
    summary = imports.route_pending(session, crypto, context)
    assert (summary.considered, summary.already_referred, summary.referred) == (1, 1, 0)


def test_outreach_referral_of_a_lost_contact_goes_back_to_the_mission_locale(
    client: TestClient, session: Session, settings: Settings, engine: Engine
) -> None:
    net, crypto, _ = _setup(client, session, settings, engine)
    _import(
        session,
        crypto,
        "perdus-de-vue",
        [
            _record(
                "perdus-de-vue",
                "ML-77",
                age=23,
                given="Inès",
                phone="+33612345678",
                family="DURAND",
            )
        ],
        net.mission_locale.organisation_id,
    )
    session.commit()
    # An outreach worker meets her: first name and mobile only; she needs housing.
    body = referral_body(age=None, needs=["logement-hebergement--louer-un-logement"])
    created = refer(client, net.outreach, body)
    routing = created["routing"]
    assert routing["rules_fired"][0]["id"] == "back-to-mission-locale"
    assert routing["rules_fired"][0]["facts"] == {"known_to_mission_locale": True, "age": 23}
    assert "age taken from the young person's other records" in routing["notes"]
    assert routing["recipient_organisation_id"] == str(net.mission_locale.organisation_id)
    record_person = session.exec(select(Referral.person_id)).all()
    assert uuid.UUID(created["person_id"]) in set(record_person)


@pytest.mark.usefixtures("job_only")
def test_a_new_record_gives_a_waiting_match_its_lawful_basis(
    client: TestClient, session: Session, settings: Settings, engine: Engine
) -> None:
    net, crypto, context = _setup(client, session, settings, engine)
    created = refer(
        client,
        net.outreach,
        referral_body(age=17, consent=False, given="Sofiane", phone="+33611111111"),
    )
    assert created["routing"]["awaiting_consent"] is True
    _import(
        session,
        crypto,
        "decrocheurs",
        [_record("decrocheurs", "E9", age=17, given="Sofiane", phone="+33611111111")],
        net.partner.organisation_id,
    )
    summary = imports.route_pending(session, crypto, context)
    assert summary.released == 1
    assert summary.already_referred == 1
    session.commit()
    [item] = client.get("/v1/matches", headers=net.mission_locale.headers).json()["items"]
    assert item["referral_id"] == created["id"]
    assert item["release"]["lawful_basis"] == "legal_obligation"


def test_small_imports_are_routed_by_the_post_import_hook(
    client: TestClient, session: Session, settings: Settings, engine: Engine
) -> None:
    net, crypto, context = _setup(client, session, settings, engine)
    [record_id] = _import(
        session,
        crypto,
        "decrocheurs",
        [_record("decrocheurs", "H1", age=19, given="Yanis", phone="+33655555555")],
        net.partner.organisation_id,
    )
    referral = session.exec(select(Referral)).one()
    assert referral.source_record_id == record_id
    assert referral.recipient_organisation_id == net.mission_locale.organisation_id
    assert imports.route_pending(session, crypto, context).considered == 0


def test_routing_never_fails_an_import(
    client: TestClient,
    session: Session,
    settings: Settings,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    net, crypto, context = _setup(client, session, settings, engine)

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(imports, "route_records", broken)
    ids = _import(
        session,
        crypto,
        "decrocheurs",
        [_record("decrocheurs", "H2", age=20, given="Lina", phone="+33666666666")],
        net.partner.organisation_id,
    )
    assert imports.pending_record_ids(session, limit=10) == ids
    monkeypatch.undo()
    assert imports.route_pending(session, crypto, context).referred == 1
