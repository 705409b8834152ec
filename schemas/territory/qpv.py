"""Quartiers prioritaires de la politique de la ville (QPV): deployment data.

QPV membership is a matter of address (a perimeter), not of commune. What this table can
say is which communes a QPV *touches*; it never says that a person lives in a QPV.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from schemas.territory._data import (
    DataPath,
    DataStatus,
    is_insee_code,
    parse_status,
    read_rows,
)

QPV_FILE = "qpv.csv"
_REQUIRED_COLUMNS = ("qpv_code", "qpv_name", "insee")


@dataclass(frozen=True)
class QpvLink:
    """One row of the QPV file: this QPV touches this commune."""

    qpv_code: str | None
    """Official code (e.g. ``QP068...``); None where the data does not have it."""
    qpv_name: str
    insee: str
    status: DataStatus


@dataclass(frozen=True)
class QpvTable:
    """The QPV file as loaded."""

    links: tuple[QpvLink, ...]

    @property
    def provisional(self) -> bool:
        """True when any row is not official (e.g. the default shipped with the hub)."""
        return any(link.status is not DataStatus.OFFICIAL for link in self.links)

    def names(self) -> tuple[str, ...]:
        """The QPV names, each once, in file order."""
        return tuple(dict.fromkeys(link.qpv_name for link in self.links))

    def by_commune(self, insee: str, *, include_uncertain: bool = False) -> tuple[QpvLink, ...]:
        """The QPVs touching this commune (``uncertain`` links only when asked)."""
        code = insee.strip()
        return tuple(
            link
            for link in self.links
            if link.insee == code and (include_uncertain or link.status is not DataStatus.UNCERTAIN)
        )

    def touches_qpv(self, insee: str, *, include_uncertain: bool = False) -> bool:
        """True when at least one QPV touches this commune (NOT: the person lives in a QPV)."""
        return bool(self.by_commune(insee, include_uncertain=include_uncertain))


def load_qpv(path: DataPath | None = None) -> QpvTable:
    """Load the QPV file at ``path`` (deployment data), or the PROVISIONAL package default.

    Rows without a ``status`` cell are taken as official. Raises
    :class:`~schemas.territory.TerritoryDataError` on an unreadable or malformed file.
    """
    if path is None:
        return _default_qpv()
    return _load(path)


def _load(path: DataPath | None) -> QpvTable:
    links: list[QpvLink] = []
    for row in read_rows(path, QPV_FILE, _REQUIRED_COLUMNS):
        name = row.get("qpv_name")
        if not name:
            raise row.error("qpv_name is empty")
        insee = row.get("insee")
        if not is_insee_code(insee):
            raise row.error(f"insee {insee!r} is not an INSEE commune code")
        links.append(
            QpvLink(
                qpv_code=row.get("qpv_code") or None,
                qpv_name=name,
                insee=insee,
                status=parse_status(row, default=DataStatus.OFFICIAL),
            )
        )
    return QpvTable(tuple(links))


@functools.cache
def _default_qpv() -> QpvTable:
    return _load(None)
