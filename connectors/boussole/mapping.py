"""Reference layout and pure mapping of a Boussole des jeunes contact request."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from connectors.base import ColumnSpec, MappingProfile, RowResult
from connectors.mapping import RowMapper
from connectors.normalise import DAY_FIRST_FORMATS

NAME = "boussole"

REFERENCE_PROFILE = MappingProfile(
    source=NAME,
    columns=(
        ColumnSpec("id_demande", required=True, description="request id"),
        ColumnSpec("date_demande", description="ISO date or JJ/MM/AAAA"),
        ColumnSpec("prenom", identifying=True, description="as typed"),
        ColumnSpec("nom", identifying=True, description="as typed"),
        ColumnSpec("date_de_naissance", description="as typed, many formats"),
        ColumnSpec("ville", description="free text"),
        ColumnSpec("telephone", identifying=True, description="as typed"),
        ColumnSpec("email", identifying=True, description="as typed"),
        ColumnSpec("offre"),
        ColumnSpec("code_insee"),
        ColumnSpec("besoin", description="need (theme)"),
        ColumnSpec("date_traitement"),
        ColumnSpec("commentaire"),
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
    """Map one contact request (cells keyed by reference column) to a record or a quarantine.

    Names are kept exactly as the young person typed them — swapped, or both in one field —
    and ``prenom`` is one given name (what they call themselves); identity resolution compares
    both orders. An e-mail typed in ``telephone`` (or a phone in ``email``) is moved where it
    belongs. ``code_insee`` wins over ``ville`` for the commune. ``besoin`` becomes
    data·inclusion categories where a word maps to one, and stays as typed in the attributes,
    with ``offre``, ``date_traitement`` and ``commentaire``.
    """
    m = RowMapper(
        values, row=row, source=source, received_at=received_at, reference_columns=COLUMNS
    )
    record_id = m.identifier("id_demande")
    recorded_on = m.date("date_demande", DAY_FIRST_FORMATS)
    phones, emails = m.contacts("telephone", "email")
    person: dict[str, object] = {
        "family_name": m.name("nom"),
        "given_names": m.given_names("prenom", on_spaces=False),
        "birth_date": m.birth_date("date_de_naissance", DAY_FIRST_FORMATS),
        "phones": phones,
        "emails": emails,
        "address": m.address(
            street=None, postal_code=None, town=m.line("ville"), insee_column="code_insee"
        ),
    }
    needs = m.needs("besoin")
    m.keep("offre", "date_traitement", "commentaire")
    return m.result(record_id=record_id, person=person, needs=needs, recorded_on=recorded_on)
