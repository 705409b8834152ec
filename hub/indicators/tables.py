"""Tables as the indicators build them: rows, columns, the exact values and the additive
relations between them (what a reader of the published table knows), before suppression."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from hub.indicators.suppression import Line

TOTAL = "total"


@dataclass(frozen=True)
class Period:
    """Inclusive days."""

    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def months(self) -> list[str]:
        months = []
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            months.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months


@dataclass(frozen=True)
class Column:
    id: str
    label: str


@dataclass(frozen=True)
class Row:
    id: str
    label: str
    level: int = 0
    kind: str = "category"
    """``category``, ``subtotal`` or ``total``."""
    parent: str | None = TOTAL


@dataclass
class RawTable:
    id: str
    title: str
    unit: str
    columns: list[Column]
    rows: list[Row]
    values: dict[tuple[str, str], int]
    lines: list[Line]
    shared: dict[tuple[str, str], str] = field(default_factory=dict)
    """Cells that are also published elsewhere, by the name of that figure."""
    note: str | None = None
    aliases: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    """Displayed cells that are another cell under a second heading (the last month's
    cumulative count is the total)."""

    def cell(self, row: str, column: str) -> tuple[str, str]:
        """The key of the value displayed at ``row``, ``column``."""
        return self.aliases.get((row, column), (row, column))


def grid_table(
    *,
    id: str,
    title: str,
    unit: str,
    rows: Sequence[Row],
    columns: Sequence[Column],
    counts: Mapping[tuple[str, str], int],
    note: str | None = None,
) -> RawTable:
    """Rows x columns with a total column, a total row and the grand total."""
    cols = [*columns, Column(TOTAL, "Total")]
    all_rows = [*rows, Row(TOTAL, "Total", 0, "total", None)]
    values: dict[tuple[str, str], int] = {}
    for row in rows:
        for column in columns:
            values[(row.id, column.id)] = counts.get((row.id, column.id), 0)
        values[(row.id, TOTAL)] = sum(values[(row.id, c.id)] for c in columns)
    for column in cols:
        values[(TOTAL, column.id)] = sum(values[(row.id, column.id)] for row in rows)
    lines = [Line(tuple((row.id, c.id) for c in columns), (row.id, TOTAL)) for row in all_rows] + [
        Line(tuple((row.id, c.id) for row in rows), (TOTAL, c.id)) for c in cols
    ]
    ordered = {(r.id, c.id): values[(r.id, c.id)] for r in all_rows for c in cols}
    return RawTable(id, title, unit, cols, all_rows, ordered, lines, note=note)
