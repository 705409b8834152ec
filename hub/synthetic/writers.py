"""Writing synthetic sources as the files the platforms export (CSV or XLSX)."""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from hub.synthetic.rows import BOUSSOLE, COLUMNS, DECROCHEURS, PERDUS_DE_VUE, SourceRow

if TYPE_CHECKING:
    from hub.synthetic import Population

FileFormat = Literal["csv", "xlsx"]


# What each platform's CSV export looks like by default: RIO exports French-Excel CSV with a
# BOM, the Boussole back office plain UTF-8 with commas, i-milo Windows-1252 with semicolons.
CSV_DIALECTS: dict[str, tuple[str, str, str]] = {
    DECROCHEURS: (";", "utf-8-sig", "\r\n"),
    BOUSSOLE: (",", "utf-8", "\n"),
    PERDUS_DE_VUE: (";", "cp1252", "\r\n"),
}

_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_XLSX_MAX_CELL = 32_767


def _encodable(text: str, encoding: str) -> str:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        # A Windows-1252 export loses what it cannot encode: the letter stays, the accent goes.
        out = []
        for char in text:
            try:
                char.encode(encoding)
                out.append(char)
            except UnicodeEncodeError:
                base = unicodedata.normalize("NFKD", char)[:1]
                out.append(base if base.isascii() else "?")
        return "".join(out)
    return text


def write_source_file(
    population: Population,
    source: str,
    path: Path,
    fmt: FileFormat = "csv",
    *,
    delimiter: str | None = None,
    encoding: str | None = None,
    rows: Sequence[SourceRow] | None = None,
) -> int:
    """Write ``population``'s rows of ``source`` (or ``rows``, e.g. from
    :func:`~hub.synthetic.later_rows`) to ``path`` in the source's reference layout.

    CSV uses the platform's usual dialect (see :data:`CSV_DIALECTS`) unless ``delimiter`` or
    ``encoding`` say otherwise. Returns the number of data rows written.
    """
    if source not in COLUMNS:
        raise ValueError(f"unknown source {source!r}; expected one of {sorted(COLUMNS)}")
    if rows is None:
        rows = population.rows[source]
    header = COLUMNS[source]
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        default_delimiter, default_encoding, newline = CSV_DIALECTS[source]
        encoding = encoding or default_encoding
        with path.open("w", encoding=encoding, newline="") as handle:
            writer = csv.writer(
                handle, delimiter=delimiter or default_delimiter, lineterminator=newline
            )
            writer.writerow(header)
            if encoding.replace("-", "").lower() in {"cp1252", "windows1252", "latin1"}:
                writer.writerows([_encodable(c, encoding) for c in row.cells] for row in rows)
            else:
                writer.writerows(row.cells for row in rows)
        return len(rows)
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title="Export")
        sheet.append(list(header))
        for row in rows:
            sheet.append(
                [_XLSX_ILLEGAL.sub("", cell)[:_XLSX_MAX_CELL] or None for cell in row.cells]
            )
        workbook.save(path)
        return len(rows)
    raise ValueError(f"unknown format {fmt!r}; expected 'csv' or 'xlsx'")


def write_ground_truth(population: Population, path: Path) -> int:
    """Write ``source,source_record_id,person_id`` for every row (the true person)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("source", "source_record_id", "person_id"))
        for source, rows in population.rows.items():
            for row in rows:
                writer.writerow((source, row.source_record_id, row.person_id))
                count += 1
    return count
