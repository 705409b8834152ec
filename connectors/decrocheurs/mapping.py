"""Reference layout and pure mapping of a PSAD list (one row = one young person of a campaign)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from connectors.base import ColumnSpec, MappingProfile, RowResult
from connectors.mapping import MAX_LONG_TEXT, RowMapper
from connectors.normalise import DAY_FIRST_FORMATS, parse_period_start

NAME = "decrocheurs"

REFERENCE_PROFILE = MappingProfile(
    source=NAME,
    columns=(
        ColumnSpec("ID_ELEVE_LISTE", required=True, description="row id, stable in a campaign"),
        ColumnSpec("INE", identifying=True, description="national student id"),
        ColumnSpec("NOM", identifying=True, description="family name"),
        ColumnSpec("PRENOM", identifying=True, description="given name(s)"),
        ColumnSpec("SEXE", description="M / F"),
        ColumnSpec("DATE_NAISSANCE", description="JJ/MM/AAAA"),
        ColumnSpec("ADRESSE"),
        ColumnSpec("CODE_POSTAL"),
        ColumnSpec("COMMUNE"),
        ColumnSpec("TEL_MOBILE", identifying=True),
        ColumnSpec("MAIL", identifying=True),
        ColumnSpec("ETABLISSEMENT_ORIGINE"),
        ColumnSpec("DERNIERE_FORMATION"),
        ColumnSpec("DATE_SORTIE"),
        ColumnSpec("CONNU_ML", description="O / N: a Mission Locale already follows them"),
        ColumnSpec("CAMPAGNE"),
    ),
)
COLUMNS = REFERENCE_PROFILE.column_names


def map_row(
    values: Mapping[str, str | None],
    *,
    row: int,
    received_at: datetime,
    source: str = NAME,
) -> RowResult:
    """Map one PSAD row (cells keyed by reference column) to a record or a quarantine.

    ``PRENOM`` may hold every given name ("Marie Claire Anne"): they are split on spaces, the
    first one taken as the usual one. ``CAMPAGNE`` is kept as written; when it reads as a date
    or a month it also gives the record's date (else the age is taken on ``received_at``).
    """
    m = RowMapper(
        values, row=row, source=source, received_at=received_at, reference_columns=COLUMNS
    )
    record_id = m.identifier("ID_ELEVE_LISTE")
    campaign = m.line("CAMPAGNE")
    person: dict[str, object] = {
        "family_name": m.name("NOM"),
        "given_names": m.given_names("PRENOM", on_spaces=True),
        "sex": m.sex("SEXE"),
        "birth_date": m.birth_date("DATE_NAISSANCE", DAY_FIRST_FORMATS),
        "ine": m.ine("INE"),
        "phones": m.phones("TEL_MOBILE"),
        "emails": m.emails("MAIL"),
        "address": m.address(
            street=m.text("ADRESSE", max_length=MAX_LONG_TEXT),
            postal_code=m.postal_code("CODE_POSTAL"),
            town=m.line("COMMUNE"),
        ),
    }
    follow_up: dict[str, object] = {
        "known_to_mission_locale": m.yes_no("CONNU_ML"),
        "last_school": m.line("ETABLISSEMENT_ORIGINE"),
        "last_training": m.line("DERNIERE_FORMATION"),
        "left_school_on": m.date("DATE_SORTIE"),
        "campaign": campaign,
    }
    return m.result(
        record_id=record_id,
        person=person,
        follow_up=follow_up,
        recorded_on=parse_period_start(campaign),
    )
