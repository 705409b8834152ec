"""Service functions other domains call."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlmodel import Session

from hub.referrals import service
from hub.referrals.phase import Phase, programme_phase
from tests.hub.referrals.helpers import move, network, refer, referral_body


def test_reassign_person_moves_the_referrals_of_a_merged_person(
    client: TestClient, session: Session
) -> None:
    net = network(client, session)
    first = refer(client, net.outreach, referral_body(given="Inès", phone="+33612345678"))
    second = refer(
        client,
        net.outreach,
        referral_body(age=22, given="Rayan", phone="+33687654321", family="KARA"),
    )
    move(client, net.mission_locale, second["id"], "accepted")
    keep, gone = uuid.UUID(first["person_id"]), uuid.UUID(second["person_id"])
    assert keep != gone
    assert programme_phase(session, keep).phase is Phase.REPERE
    assert service.reassign_person(session, gone, keep) == 1
    session.commit()
    assert programme_phase(session, keep).phase is Phase.MOBILISE
    seen = client.get(f"/v1/referrals/{second['id']}", headers=net.outreach.headers).json()
    assert seen["person_id"] == str(keep)


def test_a_manual_identity_merge_moves_the_referrals_with_it(
    client: TestClient, session: Session
) -> None:
    from hub.persons.service import merge_persons

    net = network(client, session)
    first = refer(client, net.outreach, referral_body(given="Inès", phone="+33612345678"))
    second = refer(
        client,
        net.outreach,
        referral_body(age=22, given="Rayan", phone="+33687654321", family="KARA"),
    )
    keep, gone = uuid.UUID(first["person_id"]), uuid.UUID(second["person_id"])
    merge_persons(session, keep, gone, actor="coordinator")
    session.commit()
    seen = client.get(f"/v1/referrals/{second['id']}", headers=net.outreach.headers).json()
    assert seen["person_id"] == str(keep)
