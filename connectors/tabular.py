"""Reading CSV and XLSX exports into a header and a stream of rows, as the platforms make them.

CSV: ``;``, ``,``, tab or ``|`` separated (sniffed), UTF-8 with or without BOM, Windows-1252,
or UTF-16 with BOM (Excel's "Unicode text"); CRLF, LF or CR; quoted fields holding the
separator or line breaks. A UTF-8 file with a few Windows-1252 bytes (two exports pasted
together) is read, each stray byte as Windows-1252. XLSX: the first sheet whose first rows
hold the expected header (else the first sheet), read in streaming mode.

The header is looked for among the first non-blank rows (a title line above it is skipped).
Everything that makes a file unreadable is detected here, before any row is returned, and
raised as :class:`~connectors.base.FileRefusedError`.
"""

from __future__ import annotations

import codecs
import csv
import io
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import IO, BinaryIO, Final

from connectors.base import FileRefusedError

__all__ = ["HEADER_SEARCH_ROWS", "Table", "open_table"]

HEADER_SEARCH_ROWS: Final = 10
"""The header must be within this many non-blank rows from the top."""
_SNIFF_BYTES: Final = 256 * 1024
_DELIMITERS: Final = (";", ",", "\t", "|")
# A single CSV field may legitimately hold an address with line breaks; a field larger than
# this is garbage (an unterminated quote swallowing the file) and makes the file unreadable.
_CSV_FIELD_LIMIT: Final = 32 * 1024 * 1024

_FALLBACK_ERRORS: Final = "invisibles-cp1252-fallback"


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    # Stray bytes of a UTF-8 file read as Windows-1252 (Latin-1 for its five holes).
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    chunk = exc.object[exc.start : exc.end]
    return chunk.decode("cp1252", errors="replace").replace("\ufffd", ""), exc.end


codecs.register_error(_FALLBACK_ERRORS, _cp1252_fallback)

if csv.field_size_limit() < _CSV_FIELD_LIMIT:
    csv.field_size_limit(_CSV_FIELD_LIMIT)

HeaderProbe = Callable[[Sequence[str]], bool]


@dataclass
class Table:
    """A file opened as a table: its header and an iterator over its data rows.

    ``rows`` yields ``(row_number, cells)`` with 1-based data row numbers (header excluded;
    blank rows are yielded too, as lists of empty strings, so that numbers stay stable).
    Iterate it once; it closes what it opened when exhausted or closed.
    """

    format: str
    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]
    pads_short_rows: bool
    """XLSX rows stop at their last filled cell: short rows are normal there, not in a CSV."""


def open_table(
    stream: BinaryIO,
    *,
    file_name: str,
    formats: Sequence[str],
    is_header: HeaderProbe,
) -> Table:
    """Open ``stream`` as a CSV or XLSX table; raise FileRefusedError when it is not one.

    ``is_header`` tells whether a row is the expected header (used to skip title lines and to
    choose the sheet of a workbook).
    """
    seekable = _seekable(stream)
    try:
        table = _open(seekable, file_name, formats, is_header)
    except BaseException:
        if seekable is not stream:
            seekable.close()
        raise
    if seekable is not stream:
        table.rows = _closing(table.rows, seekable)
    return table


def _open(
    stream: BinaryIO, file_name: str, formats: Sequence[str], is_header: HeaderProbe
) -> Table:
    head = stream.read(_SNIFF_BYTES)
    stream.seek(0)
    if not head or not head.strip(b"\xef\xbb\xbf\xff\xfe \t\r\n\x00"):
        raise FileRefusedError("the file is empty")
    if head.startswith(b"PK\x03\x04"):
        if "xlsx" not in formats:
            raise FileRefusedError("XLSX files are not read by this connector")
        return _open_xlsx(stream, is_header)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefusedError(
            "legacy Excel (.xls) and other binary office files are not read: "
            "save the sheet as .xlsx or CSV"
        )
    if "csv" not in formats:
        raise FileRefusedError("CSV files are not read by this connector")
    return _open_csv(stream, head, file_name, is_header)


def _closing(
    rows: Iterator[tuple[int, list[str]]], owned: BinaryIO
) -> Iterator[tuple[int, list[str]]]:
    try:
        yield from rows
    finally:
        owned.close()


# ---------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------


def _open_csv(stream: BinaryIO, head: bytes, file_name: str, is_header: HeaderProbe) -> Table:
    encoding, errors = _detect_encoding(head)
    sample = head.decode(encoding, errors="replace" if encoding.startswith("utf-16") else errors)
    if _looks_binary(sample):
        raise FileRefusedError(f"{_display(file_name)} is not a table (binary content)")
    delimiter = _sniff_delimiter(sample, truncated=len(head) == _SNIFF_BYTES)
    if delimiter is None:
        raise FileRefusedError(
            f"{_display(file_name)} is not a table: no column separator (';' or ',') found"
        )
    # The wrapper closes its buffer when collected: give it a proxy, the caller owns the stream.
    text = io.TextIOWrapper(
        io.BufferedReader(_Borrowed(stream)), encoding=encoding, errors=errors, newline=""
    )
    reader = csv.reader(_without_nul(text), delimiter=delimiter, strict=False)
    try:
        header, pending = _find_header(reader, is_header)
    except csv.Error as exc:
        raise FileRefusedError(f"the file is not readable as CSV ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise FileRefusedError(f"the file is not readable as {encoding} text") from exc
    if header is None:
        raise FileRefusedError("the file has no header row")

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            number = 0
            for cells in pending:
                number += 1
                yield number, cells
            for cells in reader:
                number += 1
                yield number, cells
        except csv.Error as exc:
            raise FileRefusedError(
                f"the file is not readable as CSV after data row {number} ({exc})"
            ) from exc
        except UnicodeDecodeError as exc:
            raise FileRefusedError(f"the file is not readable as {encoding} text") from exc

    return Table(format="csv", headers=header, rows=rows(), pads_short_rows=False)


def _detect_encoding(head: bytes) -> tuple[str, str]:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", "strict"
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", _FALLBACK_ERRORS
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    # final=False: the sample may end in the middle of a multi-byte character.
    text = decoder.decode(head, final=False)
    invalid = text.count("\ufffd")
    if not invalid:
        return "utf-8-sig", _FALLBACK_ERRORS
    # Windows-1252 accents are invalid UTF-8; genuine UTF-8 accents decode. A file holding
    # more of the latter is UTF-8 with stray bytes (read by the fallback), else Windows-1252.
    valid = sum(1 for ch in text if ch > "\x7f") - invalid
    return ("utf-8-sig" if valid > invalid else "cp1252"), _FALLBACK_ERRORS


def _looks_binary(sample: str) -> bool:
    if "\x00" in sample[:4096]:
        return True
    window = sample[:4096]
    controls = sum(1 for ch in window if ch < " " and ch not in "\t\r\n")
    return controls > max(8, len(window) // 20)


def _sniff_delimiter(sample: str, *, truncated: bool) -> str | None:
    """The delimiter giving the most rows with the same number (> 1) of cells."""
    best: tuple[int, int, int] | None = None
    chosen: str | None = None
    for rank, delimiter in enumerate(_DELIMITERS):
        try:
            records = list(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter))
        except csv.Error:
            continue
        if truncated and records:
            records = records[:-1]
        lengths = [len(r) for r in records[:200] if any(cell.strip() for cell in r)]
        if not lengths:
            continue
        counts: dict[int, int] = {}
        for length in lengths:
            counts[length] = counts.get(length, 0) + 1
        width, frequency = max(counts.items(), key=lambda item: (item[1], item[0]))
        if width <= 1:
            continue
        score = (frequency, width, -rank)
        if best is None or score > best:
            best, chosen = score, delimiter
    return chosen


def _without_nul(lines: IO[str]) -> Iterator[str]:
    for line in lines:
        yield line.replace("\x00", "") if "\x00" in line else line


def _find_header(
    reader: Iterator[list[str]], is_header: HeaderProbe
) -> tuple[list[str] | None, list[list[str]]]:
    """The header row, and rows read past it while searching (data rows to give back)."""
    seen: list[list[str]] = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        seen.append(cells)
        if is_header(cells):
            return cells, []
        if len(seen) >= HEADER_SEARCH_ROWS:
            break
    if not seen:
        return None, []
    # No row looks like the header: take the first one, the layout check names what is missing.
    return seen[0], seen[1:]


# ---------------------------------------------------------------------------------------------
# XLSX
# ---------------------------------------------------------------------------------------------


def _open_xlsx(stream: BinaryIO, is_header: HeaderProbe) -> Table:
    import openpyxl  # imported late: most files are CSV

    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises a dozen kinds for a broken file
        raise FileRefusedError(f"the XLSX file is unreadable ({type(exc).__name__})") from exc
    try:
        chosen = None
        for sheet in workbook.worksheets:
            header = _xlsx_header(sheet, is_header)
            if header is not None:
                chosen = sheet
                break
        if chosen is None:
            if not workbook.worksheets:
                raise FileRefusedError("the XLSX file has no sheet")
            chosen = workbook.worksheets[0]
        chosen.reset_dimensions()  # exporters often write a wrong <dimension>
        rows = (
            [_cell_text(value) for value in values] for values in chosen.iter_rows(values_only=True)
        )
        header, pending = _find_header(rows, is_header)
    except FileRefusedError:
        workbook.close()
        raise
    except Exception as exc:
        workbook.close()
        raise FileRefusedError(f"the XLSX file is unreadable ({type(exc).__name__})") from exc
    if header is None:
        workbook.close()
        raise FileRefusedError("the XLSX file's first sheet is empty")

    def data_rows() -> Iterator[tuple[int, list[str]]]:
        try:
            number = 0
            for cells in pending:
                number += 1
                yield number, cells
            for cells in rows:
                number += 1
                yield number, cells
        except Exception as exc:
            raise FileRefusedError(
                f"the XLSX file is unreadable after data row {number} ({type(exc).__name__})"
            ) from exc
        finally:
            workbook.close()

    return Table(format="xlsx", headers=header, rows=data_rows(), pads_short_rows=True)


def _xlsx_header(sheet: object, is_header: HeaderProbe) -> list[str] | None:
    seen = 0
    for values in sheet.iter_rows(values_only=True, max_row=HEADER_SEARCH_ROWS * 3):  # type: ignore[attr-defined]
        cells = [_cell_text(value) for value in values]
        if not any(cell.strip() for cell in cells):
            continue
        if is_header(cells):
            return cells
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            break
    return None


def _cell_text(value: object) -> str:
    """A spreadsheet value as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


# ---------------------------------------------------------------------------------------------


class _Borrowed(io.RawIOBase):
    """A read-only view of a stream that does not close it."""

    def __init__(self, stream: BinaryIO) -> None:
        super().__init__()
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _seekable(stream: BinaryIO) -> BinaryIO:
    try:
        if stream.seekable():
            return stream
    except (AttributeError, ValueError):
        pass
    spool: BinaryIO = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # type: ignore[assignment]  # noqa: SIM115
    shutil.copyfileobj(stream, spool)
    spool.seek(0)
    return spool


def _display(file_name: str) -> str:
    return repr(file_name.rsplit("/", 1)[-1][:80]) if file_name else "the file"
