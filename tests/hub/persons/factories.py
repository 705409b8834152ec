"""Small source files in the reference layouts, and helpers to import them."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from hub.crypto import Crypto
from hub.db import unit_of_work
from hub.ingest.models import SourceRecordRow
from hub.ingest.service import ImportOutcome, import_file
from hub.persons.models import PersonLink
from hub.synthetic import COLUMNS

DEFAULTS: dict[str, dict[str, str]] = {
    "decrocheurs": {"SEXE": "M", "CODE_POSTAL": "68100", "COMMUNE": "MULHOUSE", "CONNU_ML": "N",
                    "CAMPAGNE": "2025-03"},
    "boussole": {"date_demande": "2025-04-02", "ville": "Mulhouse"},
    "perdus-de-vue": {"Sexe": "M", "Commune": "Mulhouse", "Code postal": "68100",
                      "Date dernier contact": "2024-11-02"},
}  # fmt: skip


def source_file(source: str, rows: Sequence[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(COLUMNS[source])
    for row in rows:
        values = {**DEFAULTS[source], **row}
        writer.writerow([values.get(column, "") for column in COLUMNS[source]])
    return out.getvalue().encode()


def decrocheur(record_id: str, **cells: str) -> dict[str, str]:
    return {"ID_ELEVE_LISTE": record_id, **cells}


def demande(record_id: str, **cells: str) -> dict[str, str]:
    return {"id_demande": record_id, **cells}


def dossier(record_id: str, **cells: str) -> dict[str, str]:
    return {"Identifiant ML": record_id, **cells}


def import_rows(
    engine: Engine, crypto: Crypto, source: str, rows: Sequence[dict[str, str]]
) -> ImportOutcome:
    with unit_of_work(engine) as session:
        return import_file(
            session,
            crypto,
            source=source,
            stream=io.BytesIO(source_file(source, rows)),
            file_name=f"{source}.csv",
            actor="test",
            organisation_id=None,
        )


def persons_by_record(engine: Engine) -> dict[tuple[str, str], uuid.UUID]:
    """``(source, source_record_id) -> person id`` from the links."""
    with Session(engine) as session:
        rows = session.execute(
            select(
                SourceRecordRow.source, SourceRecordRow.source_record_id, PersonLink.person_id
            ).join(PersonLink, PersonLink.source_record_id == SourceRecordRow.id)  # type: ignore[arg-type]
        ).all()
    return {(source, record_id): person_id for source, record_id, person_id in rows}


def record_id(engine: Engine, source: str, source_record_id: str) -> uuid.UUID:
    with Session(engine) as session:
        found: uuid.UUID = session.execute(
            select(SourceRecordRow.id).where(
                col(SourceRecordRow.source) == source,
                col(SourceRecordRow.source_record_id) == source_record_id,
            )
        ).scalar_one()
    return found
