"""Reference geography of the programme: Haut-Rhin communes, m2A, QPV and rurality.

Pure Python (stdlib, rapidfuzz). The communes list is package data; the QPV and rurality
files are deployment data with PROVISIONAL defaults shipped in ``data/`` (see README.md):
the hub passes its own paths to :func:`load_qpv`, :func:`load_rurality` and
:meth:`CommuneResolver.from_csv`.

Decide "lives in m2A" with :func:`in_m2a` on the INSEE code, never on a postal code.
"""

from __future__ import annotations

from schemas.territory._data import DataPath, DataStatus, TerritoryDataError
from schemas.territory.communes import (
    M2A_EPCI_SIREN,
    Commune,
    CommuneResolver,
    MatchMethod,
    Resolution,
)
from schemas.territory.normalise import ParsedTown, normalise_postal_code, parse_town
from schemas.territory.qpv import QpvLink, QpvTable, load_qpv
from schemas.territory.rurality import DensityClass, RuralityEntry, RuralityTable, load_rurality

__all__ = [
    "M2A_EPCI_SIREN",
    "Commune",
    "CommuneResolver",
    "DataPath",
    "DataStatus",
    "DensityClass",
    "MatchMethod",
    "ParsedTown",
    "QpvLink",
    "QpvTable",
    "Resolution",
    "RuralityEntry",
    "RuralityTable",
    "TerritoryDataError",
    "default_resolver",
    "in_m2a",
    "is_rural",
    "load_qpv",
    "load_rurality",
    "normalise_postal_code",
    "parse_town",
    "resolve_commune",
]


def default_resolver() -> CommuneResolver:
    """The resolver over the communes list shipped with the package (built once)."""
    return CommuneResolver.default()


def resolve_commune(town: str | None, postal_code: str | None = None) -> Resolution | None:
    """Resolve a free-text town (and postal code) with the default resolver."""
    return CommuneResolver.default().resolve(town, postal_code)


def in_m2a(insee: str) -> bool:
    """True when this INSEE code is an m2A commune today; a former commune follows its successor."""
    return CommuneResolver.default().in_m2a(insee)


def is_rural(
    insee: str,
    rurality: RuralityTable | None = None,
    resolver: CommuneResolver | None = None,
) -> bool | None:
    """True when the commune is "peu dense" or "très peu dense" (classes 3, 4); None if unknown.

    ``rurality`` defaults to the PROVISIONAL shipped grid: pass the deployment's table.
    A former commune's code is first mapped to its current commune (through ``resolver``,
    default: the shipped communes list), since the grid lists current communes.
    """
    table = rurality if rurality is not None else load_rurality()
    answer = table.is_rural(insee)
    if answer is not None:
        return answer
    current = (resolver or CommuneResolver.default()).current(insee)
    if current is None or current.insee == insee.strip():
        return None
    return table.is_rural(current.insee)
