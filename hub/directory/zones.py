"""Eligibility zones: does a service's ``zone_eligibilite`` cover a person's commune?

data·inclusion zones list INSEE codes of communes (5 characters), EPCIs (9-digit SIREN),
départements (2 or 3 characters) or countries (``99100``, or the literal ``france``). A
person's commune is known by its INSEE code; the reference communes list gives its EPCI
and a former (merged) commune answers for its successor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from schemas.territory import CommuneResolver

FRANCE_CODES = frozenset({"france", "99100"})


@dataclass(frozen=True)
class Place:
    """What territory facts are known about a commune."""

    insee: str
    current_insee: str
    epci_siren: str | None
    departement: str


def departement_of(insee: str) -> str:
    """Département code of an INSEE commune code (``971``-``976`` overseas, ``2A``/``2B``)."""
    code = insee.strip().upper()
    return code[:3] if code.startswith("97") else code[:2]


def place_of(insee: str, resolver: CommuneResolver | None = None) -> Place:
    """The territory facts of ``insee``; the EPCI is known for communes of the reference list."""
    code = insee.strip().upper()
    commune = (resolver or CommuneResolver.default()).current(code)
    if commune is None:
        return Place(code, code, None, departement_of(code))
    return Place(code, commune.insee, commune.epci_siren, departement_of(commune.insee))


def zone_covers(zone: Sequence[str] | None, place: Place | None) -> bool:
    """True when ``zone`` covers ``place``.

    A service that declares no zone is taken as covering everywhere (data·inclusion leaves the
    field empty for national or unqualified services); a person whose commune is unknown is
    covered only by such services and national ones.
    """
    if not zone:
        return True
    codes = {code.strip().upper() if code != "france" else code for code in zone}
    if codes & FRANCE_CODES:
        return True
    if place is None:
        return False
    if place.insee in codes or place.current_insee in codes:
        return True
    if place.epci_siren is not None and place.epci_siren in codes:
        return True
    return place.departement in codes
