"""Reference layout and pure mapping of an i-milo lost-contact extract (one row = one dossier).

:func:`map_row` is also what the ``imilo-feed`` pull connector applies to feed events: keep
its signature and the meaning of the reference column names stable.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from connectors.base import ColumnSpec, MappingProfile, RowResult
from connectors.mapping import RowMapper
from connectors.normalise import ISO_FIRST_FORMATS

NAME = "perdus-de-vue"

REFERENCE_PROFILE = MappingProfile(
    source=NAME,
    columns=(
        ColumnSpec("Identifiant ML", required=True, description="i-milo dossier id"),
        ColumnSpec("Nom", identifying=True, description="birth name"),
        ColumnSpec("Nom d'usage", identifying=True, description="usage name"),
        ColumnSpec("Prénom", identifying=True),
        ColumnSpec("Sexe", description="M / F"),
        ColumnSpec("Date de naissance", description="AAAA-MM-JJ"),
        ColumnSpec("Commune"),
        ColumnSpec("Code postal"),
        ColumnSpec("Téléphone", identifying=True),
        ColumnSpec("Courriel", identifying=True),
        ColumnSpec("INE", identifying=True),
        ColumnSpec("Date dernier contact", description="AAAA-MM-JJ"),
        ColumnSpec("Conseiller référent"),
        ColumnSpec("Dispositif", description="PACEA, GJ, CEJ or empty"),
        ColumnSpec("Situation"),
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
    """Map one i-milo dossier (cells keyed by reference column) to a record or a quarantine.

    Every dossier is known to the Mission Locale (``known_to_mission_locale`` is true).
    Dates are read ISO first (i-milo's format), French forms accepted. ``Conseiller référent``
    and ``Situation`` stay in the attributes. ``source`` lets the feed connector stamp its
    own name on the records it maps with this function.
    """
    m = RowMapper(
        values, row=row, source=source, received_at=received_at, reference_columns=COLUMNS
    )
    record_id = m.identifier("Identifiant ML")
    person: dict[str, object] = {
        "family_name": m.name("Nom"),
        "usage_name": m.name("Nom d'usage"),
        "given_names": m.given_names("Prénom", on_spaces=False),
        "sex": m.sex("Sexe"),
        "birth_date": m.birth_date("Date de naissance", ISO_FIRST_FORMATS),
        "ine": m.ine("INE"),
        "phones": m.phones("Téléphone"),
        "emails": m.emails("Courriel"),
        "address": m.address(
            street=None, postal_code=m.postal_code("Code postal"), town=m.line("Commune")
        ),
    }
    follow_up: dict[str, object] = {
        "known_to_mission_locale": True,
        "dispositif": m.dispositif("Dispositif"),
        "last_contact_on": m.date("Date dernier contact", ISO_FIRST_FORMATS),
    }
    m.keep("Conseiller référent", "Situation")
    return m.result(record_id=record_id, person=person, follow_up=follow_up)
