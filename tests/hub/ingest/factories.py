"""Small typed factories for ingest tests: source files (synthetic values) and results."""

from __future__ import annotations

from collections.abc import Sequence

from connectors.decrocheurs import COLUMNS as DECROCHEURS_COLUMNS
from tests.connectors.files import csv_bytes

HEADER = list(DECROCHEURS_COLUMNS)


def decrocheur(record_id: str, **values: str) -> list[str]:
    """A décrocheurs row (reference layout), identified by a name unless told otherwise."""
    cells = dict.fromkeys(HEADER, "")
    cells.update(
        ID_ELEVE_LISTE=record_id,
        NOM="MARTIN",
        PRENOM="Lucas",
        DATE_NAISSANCE="14/03/2006",
        COMMUNE="MULHOUSE",
        CODE_POSTAL="68100",
        CAMPAGNE="2024-03",
    )
    cells.update(values)
    return [cells[h] for h in HEADER]


def decrocheurs_file(rows: Sequence[Sequence[str]], **options: str) -> bytes:
    return csv_bytes(HEADER, rows, **options)  # type: ignore[arg-type]


def campaign(size: int, *, prefix: str = "L") -> list[list[str]]:
    return [
        decrocheur(
            f"{prefix}-{n}",
            NOM=f"NOM{n}",
            TEL_MOBILE=f"06 12 34 {n // 100 % 100:02d} {n % 100:02d}",
        )
        for n in range(size)
    ]
