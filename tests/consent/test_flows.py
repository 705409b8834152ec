"""Lawful bases of the data flows, and rectification of imported records."""

from __future__ import annotations

import uuid

from sqlmodel import Session, SQLModel, select

from consent import rights
from consent.decisions import Decision, may_release
from consent.schemas import RequestComplete, RightsRequestCreate
from consent.vocabulary import LawfulBasis, Purpose, RightsRequestKind
from hub.crypto import Crypto
from hub.organisations.models import OrganisationKind
from hub.settings import Settings
from tests.consent.conftest import actor_for, organisation
from tests.consent.people import import_psad, person_of, psad_row, record_of


def _ask(session: Session, person_id: uuid.UUID, org: uuid.UUID, purpose: Purpose) -> Decision:
    return may_release(
        session,
        person_id=person_id,
        recipient_organisation_id=org,
        recipient_kind=None,
        purpose=purpose,
        fields=["family_name"],
    )


def test_psad_lists_go_to_the_mission_locale_without_consent(
    session: Session, crypto: Crypto
) -> None:
    import_psad(session, crypto, [psad_row("SIEI-1", "MARCHAL", "01/02/2007")])
    person_id = person_of(session, "SIEI-1")
    mission_locale = organisation(session, OrganisationKind.MISSION_LOCALE)
    psad = organisation(session, OrganisationKind.PSAD)
    partner = organisation(session, OrganisationKind.PARTNER)

    to_ml = _ask(session, person_id, mission_locale, Purpose.ORIENTATION)
    assert to_ml.allowed
    assert to_ml.lawful_basis is LawfulBasis.LEGAL_OBLIGATION
    assert to_ml.reason == "flow:decrocheurs"
    to_psad = _ask(session, person_id, psad, Purpose.ACCOMPAGNEMENT)
    assert to_psad.lawful_basis is LawfulBasis.PUBLIC_TASK
    # a partner, or statistics, still need the young person's agreement
    assert _ask(session, person_id, partner, Purpose.ORIENTATION).reason == "no_consent"
    assert _ask(session, person_id, mission_locale, Purpose.STATISTIQUES).reason == "no_consent"


def test_rectification_rewrites_every_record_and_notifies(
    session: Session, crypto: Crypto, settings: Settings
) -> None:
    import_psad(
        session, crypto, [psad_row("SIEI-2", "FERRAND", "01/02/2007", email="vieux@example.org")]
    )
    person_id = person_of(session, "SIEI-2")
    mission_locale = organisation(session, OrganisationKind.MISSION_LOCALE)
    assert _ask(session, person_id, mission_locale, Purpose.ORIENTATION).allowed
    request = rights.create_request(
        session,
        crypto,
        actor=actor_for(None),
        data=RightsRequestCreate(
            person_id=person_id,
            kind=RightsRequestKind.RECTIFICATION,
            rectification={"emails": ["nouveau@example.org"], "family_name": "FERRAND-LOPEZ"},
        ),
    )
    done = rights.complete(
        session,
        crypto,
        actor=actor_for(None),
        request_id=request.id,
        data=RequestComplete(outcome="done"),
        settings=settings,
    )
    session.commit()
    assert done.completion_summary is not None
    assert done.completion_summary["records_rectified"] == 1
    assert done.completion_summary["fields"] == ["emails", "family_name"]
    assert done.completion_summary["recipients_notified"] == 1
    [notification] = done.notifications
    assert notification.recipient_organisation_id == mission_locale
    assert notification.fields == ["emails", "family_name"]

    record_id, _ = record_of(session, "SIEI-2")
    table = SQLModel.metadata.tables["source_record"]
    blob = session.execute(select(table.c.person).where(table.c.id == record_id)).scalar_one()
    person = crypto.cipher.decrypt_json(
        blob, table="source_record", row_id=str(record_id), field="person"
    )
    assert person["emails"] == ["nouveau@example.org"]
    assert person["family_name"] == "FERRAND-LOPEZ"
    assert person["given_names"] == ["Camille"]
