"""Reading the territory data files (package defaults or deployment-provided paths)."""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import TextIO

DataPath = str | os.PathLike[str]
"""A deployment-provided file path (what the hub passes from its settings)."""

_INSEE_RE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")


class TerritoryDataError(ValueError):
    """A territory data file is unreadable or incoherent (message names the file and line)."""


class DataStatus(StrEnum):
    """How far a row of deployment data can be trusted."""

    OFFICIAL = "official"
    """Taken from the official source (INSEE grid, ANCT QPV list...)."""
    PROVISIONAL = "provisional"
    """A stand-in shipped with the hub until the deployment provides official data."""
    UNCERTAIN = "uncertain"
    """Provisional and not even sure (e.g. a QPV that may or may not reach a commune)."""


@dataclass(frozen=True)
class DataRow:
    """One data row of a territory CSV, with lower-cased column names and stripped values."""

    source: str
    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        """The stripped value of ``column``; empty when the column is absent or the cell empty."""
        return self.values.get(column, "")

    def error(self, message: str) -> TerritoryDataError:
        """An error pointing at this row."""
        return TerritoryDataError(f"{self.source}, line {self.line}: {message}")


def is_insee_code(value: str) -> bool:
    """True for a well-formed commune code (5 digits, or 2A/2B + 3 digits for Corsica)."""
    return bool(_INSEE_RE.match(value))


def read_rows(path: DataPath | None, default_name: str, required: tuple[str, ...]) -> list[DataRow]:
    """Read a territory CSV: ``path`` if given, else the package default ``data/<default_name>``.

    UTF-8 with or without BOM, CRLF or LF, ``,`` separated, lines starting with ``#``
    (before or after the header) are comments. Column names are matched case-insensitively.
    Raises :class:`TerritoryDataError` when the file cannot be read or lacks a column.
    """
    if path is None:
        source = f"schemas.territory:data/{default_name}"
        resource = resources.files("schemas.territory").joinpath("data", default_name)
        # Traversable.open() takes no newline argument, which the csv module needs.
        text = resource.read_bytes().decode("utf-8-sig")
        return _parse(io.StringIO(text, newline=""), source, required)
    source = os.fspath(path)
    try:
        with open(source, encoding="utf-8-sig", newline="") as handle:
            return _parse(handle, source, required)
    except (OSError, UnicodeDecodeError) as exc:
        raise TerritoryDataError(f"{source}: cannot read the file ({exc})") from exc


def _parse(handle: TextIO, source: str, required: tuple[str, ...]) -> list[DataRow]:
    # The csv module does not know comment lines, so they are filtered out before it sees
    # them; the physical line number of each line handed over is kept for error messages.
    line_numbers: list[int] = []

    def data_lines() -> Iterator[str]:
        for number, line in enumerate(handle, start=1):
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            line_numbers.append(number)
            yield line

    reader = csv.reader(data_lines())
    header = next(reader, None)
    if header is None:
        raise TerritoryDataError(f"{source}: the file has no header line")
    columns = [name.strip().lower() for name in header]
    missing = [name for name in required if name not in columns]
    if missing:
        raise TerritoryDataError(f"{source}: missing required column(s) {', '.join(missing)}")
    rows: list[DataRow] = []
    for cells in reader:
        line = line_numbers[-1]
        if len(cells) > len(columns):
            raise TerritoryDataError(
                f"{source}, line {line}: {len(cells)} cells for {len(columns)} columns"
            )
        values = {name: cell.strip() for name, cell in zip(columns, cells, strict=False)}
        rows.append(DataRow(source, line, values))
    return rows


def parse_status(row: DataRow, *, default: DataStatus) -> DataStatus:
    """The row's ``status`` cell, ``default`` when absent or empty."""
    raw = row.get("status").lower()
    if not raw:
        return default
    try:
        return DataStatus(raw)
    except ValueError:
        allowed = ", ".join(status.value for status in DataStatus)
        raise row.error(f"status {raw!r} is not one of {allowed}") from None
