"""Communal density grid (INSEE, 4 levels): deployment data deciding who lives in a rural area."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from types import MappingProxyType

from schemas.territory._data import (
    DataPath,
    DataStatus,
    is_insee_code,
    parse_status,
    read_rows,
)

RURALITY_FILE = "rurality.csv"
_REQUIRED_COLUMNS = ("insee", "density_class")


class DensityClass(IntEnum):
    """The 4-level communal density grid of INSEE."""

    DENSE = 1
    INTERMEDIATE = 2
    PEU_DENSE = 3
    TRES_PEU_DENSE = 4

    @property
    def is_rural(self) -> bool:
        """INSEE's definition since 2021: "peu dense" and "très peu dense" communes are rural."""
        return self >= DensityClass.PEU_DENSE


@dataclass(frozen=True)
class RuralityEntry:
    """One row of the rurality file."""

    insee: str
    density_class: DensityClass
    status: DataStatus


@dataclass(frozen=True)
class RuralityTable:
    """The rurality file as loaded, by INSEE code."""

    entries: Mapping[str, RuralityEntry]

    @property
    def provisional(self) -> bool:
        """True when any row is not official (e.g. the default shipped with the hub)."""
        return any(entry.status is not DataStatus.OFFICIAL for entry in self.entries.values())

    def get(self, insee: str) -> RuralityEntry | None:
        """The row for this INSEE code, None when the file does not list it."""
        return self.entries.get(insee.strip())

    def density_class(self, insee: str) -> DensityClass | None:
        """The commune's density class, None when unknown."""
        entry = self.get(insee)
        return None if entry is None else entry.density_class

    def is_rural(self, insee: str) -> bool | None:
        """True for classes 3 and 4, False for 1 and 2, None when the commune is not listed.

        Codes are looked up as given: map a former commune to its current one first.
        """
        entry = self.get(insee)
        return None if entry is None else entry.density_class.is_rural


def load_rurality(path: DataPath | None = None) -> RuralityTable:
    """Load the rurality file at ``path`` (deployment data), or the PROVISIONAL package default.

    Rows without a ``status`` cell are taken as official. Raises
    :class:`~schemas.territory.TerritoryDataError` on an unreadable or malformed file.
    """
    if path is None:
        return _default_rurality()
    return _load(path)


def _load(path: DataPath | None) -> RuralityTable:
    entries: dict[str, RuralityEntry] = {}
    for row in read_rows(path, RURALITY_FILE, _REQUIRED_COLUMNS):
        insee = row.get("insee")
        if not is_insee_code(insee):
            raise row.error(f"insee {insee!r} is not an INSEE commune code")
        if insee in entries:
            raise row.error(f"commune {insee} is listed twice")
        raw_class = row.get("density_class")
        try:
            density = DensityClass(int(raw_class))
        except ValueError:
            raise row.error(f"density_class {raw_class!r} is not 1, 2, 3 or 4") from None
        entries[insee] = RuralityEntry(
            insee, density, parse_status(row, default=DataStatus.OFFICIAL)
        )
    return RuralityTable(MappingProxyType(entries))


@functools.cache
def _default_rurality() -> RuralityTable:
    return _load(None)
