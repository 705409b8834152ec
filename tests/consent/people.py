"""Young people in the database the way the hub gets them: an import of a PSAD list."""

from __future__ import annotations

import io
import uuid
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlmodel import Session, SQLModel

from hub.crypto import Crypto
from hub.ingest import service as ingest
from hub.models_base import utcnow

PSAD_HEADER = (
    "ID_ELEVE_LISTE;INE;NOM;PRENOM;SEXE;DATE_NAISSANCE;ADRESSE;CODE_POSTAL;COMMUNE;"
    "TEL_MOBILE;MAIL\n"
)


def psad_row(
    record_id: str, family_name: str, birth_date: str, *, email: str = "", phone: str = ""
) -> str:
    return (
        f"{record_id};;{family_name};Camille;F;{birth_date};1 rue Haute;68100;MULHOUSE;"
        f"{phone};{email}\n"
    )


def import_psad(
    session: Session,
    crypto: Crypto,
    rows: list[str],
    *,
    received_at: datetime | None = None,
    organisation_id: uuid.UUID | None = None,
) -> None:
    data = (PSAD_HEADER + "".join(rows)).encode()
    ingest.import_file(
        session,
        crypto,
        source="decrocheurs",
        stream=io.BytesIO(data),
        file_name="psad.csv",
        actor="test",
        organisation_id=organisation_id,
        received_at=received_at,
    )
    session.commit()


def record_of(session: Session, source_record_id: str) -> tuple[uuid.UUID, uuid.UUID | None]:
    table = SQLModel.metadata.tables["source_record"]
    row = session.execute(
        select(table.c.id, table.c.person_id).where(table.c.source_record_id == source_record_id)
    ).one()
    return row[0], row[1]


def person_of(session: Session, source_record_id: str) -> uuid.UUID:
    """The person identity resolution linked the record to (linked here when it did not)."""
    record_id, person_id = record_of(session, source_record_id)
    if person_id is not None:
        return person_id
    person_id = uuid.uuid4()
    person = SQLModel.metadata.tables.get("person")
    if person is not None:
        now = utcnow()
        session.execute(
            insert(person).values(id=person_id, status="active", created_at=now, updated_at=now)
        )
    records = SQLModel.metadata.tables["source_record"]
    session.execute(update(records).where(records.c.id == record_id).values(person_id=person_id))
    session.commit()
    return person_id
