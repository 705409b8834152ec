"""Small typed factories of source files (synthetic values only)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import openpyxl

RECEIVED_AT = datetime(2024, 4, 2, 9, 30, tzinfo=UTC)


def csv_bytes(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    delimiter: str = ";",
    encoding: str = "utf-8",
    line_end: str = "\r\n",
) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=line_end)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def table_of(data: bytes) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV written by :func:`csv_bytes` or a shipped sample."""
    text = data.decode("utf-8-sig")
    delimiter = (
        ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    )
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return records[0], records[1:]


def row_dict(columns: Sequence[str], **values: str) -> dict[str, str]:
    """Every reference column, empty unless given (keys with ``_`` for spaces are accepted)."""
    row = dict.fromkeys(columns, "")
    for key, value in values.items():
        row[key] = value
    return row


def as_values(mapping: Mapping[str, str]) -> dict[str, str | None]:
    return dict(mapping)
