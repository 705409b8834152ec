"""Reading awkward but valid files, and refusing unreadable ones (through a real connector)."""

from __future__ import annotations

import io
import unicodedata
from datetime import date, datetime

import openpyxl
import pytest

from connectors.base import FileRefusedError, RowResult
from connectors.decrocheurs import COLUMNS, connector
from tests.connectors.files import RECEIVED_AT, csv_bytes, xlsx_bytes

HEADER = list(COLUMNS)


def _row(**values: str) -> list[str]:
    cells = dict.fromkeys(HEADER, "")
    cells.update(values)
    return [cells[h] for h in HEADER]


ROWS = [
    _row(
        ID_ELEVE_LISTE="A1",
        NOM="MÜLLER",
        PRENOM="Zoé",
        SEXE="F",
        DATE_NAISSANCE="01/02/2006",
        ADRESSE="12 rue des Fleurs;\nBâtiment B",
        CODE_POSTAL="68100",
        COMMUNE="MULHOUSE",
        TEL_MOBILE="06 12 34 56 78",
    ),
    _row(ID_ELEVE_LISTE="A2", NOM="FRANÇOIS", PRENOM="Jérôme, Noël", COMMUNE="Illzach"),
]


def _read(data: bytes, file_name: str = "list.csv") -> list[RowResult]:
    return list(connector.read(io.BytesIO(data), file_name=file_name, received_at=RECEIVED_AT))


def _names(results: list[RowResult]) -> list[tuple[str | None, list[str]]]:
    return [
        (r.record.person.family_name, r.record.person.given_names)
        for r in results
        if r.record is not None
    ]


EXPECTED = [("MÜLLER", ["Zoé"]), ("FRANÇOIS", ["Jérôme", "Noël"])]


@pytest.mark.parametrize(
    ("delimiter", "encoding", "line_end", "bom"),
    [
        (";", "utf-8", "\r\n", False),
        (";", "utf-8", "\n", True),
        (",", "utf-8", "\r\n", False),
        (",", "cp1252", "\r\n", False),
        (";", "cp1252", "\n", False),
        ("\t", "utf-16", "\r\n", False),
        (";", "utf-8", "\r", False),
    ],
)
def test_csv_variants_read_fully(delimiter: str, encoding: str, line_end: str, bom: bool) -> None:
    data = csv_bytes(HEADER, ROWS, delimiter=delimiter, encoding=encoding, line_end=line_end)
    if bom:
        data = b"\xef\xbb\xbf" + data
    results = _read(data)
    assert _names(results) == EXPECTED
    street = results[0].record.person.address.street  # type: ignore[union-attr]
    assert street == "12 rue des Fleurs;\nBâtiment B"
    assert all(r.errors == () for r in results)


def test_nfd_accents_and_non_breaking_spaces_are_normalised() -> None:
    rows = [
        _row(
            ID_ELEVE_LISTE="\u00a0A1\u00a0",
            NOM=unicodedata.normalize("NFD", "MÜLLER\u00a0"),
            PRENOM=unicodedata.normalize("NFD", "Zoé"),
        ),
    ]
    headers = [unicodedata.normalize("NFD", f" {h.lower()}\u00a0") for h in HEADER]
    results = _read(csv_bytes(headers, rows))
    record = results[0].record
    assert record is not None
    assert record.source_record_id == "A1"
    assert record.person.family_name == "MÜLLER"
    assert record.person.given_names == ["Zoé"]


def test_mixed_utf8_with_stray_windows_1252_bytes() -> None:
    data = (
        csv_bytes(HEADER, ROWS)
        + csv_bytes(HEADER, [_row(ID_ELEVE_LISTE="A3", NOM="LEFÈVRE")], encoding="cp1252").split(
            b"\r\n", 1
        )[1]
    )
    results = _read(data)
    assert [r.record.person.family_name for r in results if r.record] == [
        "MÜLLER",
        "FRANÇOIS",
        "LEFÈVRE",
    ]


def test_xlsx_with_typed_cells() -> None:
    excel_datetime = datetime(2006, 2, 1)  # noqa: DTZ001 - spreadsheets hold naive values
    rows: list[list[object]] = [
        [
            "A1", None, "MÜLLER", "Zoé", "F", excel_datetime, None, 68100, "MULHOUSE",
            612345678, None, None, None, date(2023, 6, 30), "O", None,
        ],
        ["A2", None, "KLEIN", "Tom", "M", "01/03/2007", None, "68200", "Mulhouse", "0612345679"],
    ]  # fmt: skip
    results = _read(xlsx_bytes(HEADER, rows), "list.xlsx")
    first, second = (r.record for r in results)
    assert first is not None
    assert second is not None
    assert first.person.birth_date == date(2006, 2, 1)
    assert first.person.phones == ["+33612345678"]
    assert first.person.address is not None
    assert first.person.address.postal_code == "68100"
    assert first.follow_up.left_school_on == date(2023, 6, 30)
    assert first.follow_up.known_to_mission_locale is True
    assert second.person.birth_date == date(2007, 3, 1)
    assert all(r.errors == () for r in results)


def test_xlsx_sheet_with_the_header_is_chosen() -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(["Notes"])
    data_sheet = workbook.create_sheet("Liste")
    data_sheet.append(["Liste des jeunes — campagne de mars"])
    data_sheet.append(HEADER)
    data_sheet.append(ROWS[1])
    buffer = io.BytesIO()
    workbook.save(buffer)
    results = _read(buffer.getvalue(), "list.xlsx")
    assert _names(results) == [EXPECTED[1]]
    assert results[0].row == 1


def test_trailing_separators_and_blank_lines_are_not_errors() -> None:
    data = csv_bytes([*HEADER, ""], [[*ROWS[0], ""], [""] * (len(HEADER) + 1), [*ROWS[1], ""]])
    data += b"\r\n\r\n;;;;\r\n"
    results = _read(data)
    assert _names(results) == EXPECTED
    assert [r.row for r in results] == [1, 3]


def test_extra_columns_go_to_attributes() -> None:
    data = csv_bytes([*HEADER, "Référent PSAD", "Observations"], [[*ROWS[1], "Mme X", "à revoir"]])
    record = _read(data)[0].record
    assert record is not None
    assert record.attributes == {"Référent PSAD": "Mme X", "Observations": "à revoir"}


def test_columns_in_another_order_with_missing_optional_ones() -> None:
    header = ["NOM", "ID_ELEVE_LISTE", "PRENOM"]
    results = _read(csv_bytes(header, [["KLEIN", "Z9", "Tom"]]))
    record = results[0].record
    assert record is not None
    assert (record.source_record_id, record.person.family_name) == ("Z9", "KLEIN")


def test_field_errors_name_the_files_header() -> None:
    header = ["id_eleve_liste", "nom", "date naissance"]
    results = _read(csv_bytes(header, [["Z9", "KLEIN", "32/13/2006"]]))
    assert results[0].record is not None
    assert [(e.column, e.row) for e in results[0].errors] == [("date naissance", 1)]


def test_wrong_cell_count_quarantines_only_that_row() -> None:
    rows = [ROWS[0], ROWS[1][:5], [*ROWS[1], "extra"]]
    results = _read(csv_bytes(HEADER, rows))
    assert [r.record is not None for r in results] == [True, False, False]
    assert results[1].errors[0].reason == f"5 cells where the header has {len(HEADER)} columns"
    assert results[2].raw[f"column {len(HEADER) + 1}"] == "extra"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"\xef\xbb\xbf\r\n", "empty"),
        (b"%PDF-1.4\n\x00\x01\x02\x03binary", "binary"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "legacy Excel"),
        (b"PK\x03\x04not really a zip", "XLSX file is unreadable"),
        (b"one column only\nstill one\n", "no column separator"),
        (csv_bytes(["id_demande", "nom"], [["1", "x"]]), "missing required column ID_ELEVE_LISTE"),
        (csv_bytes(["ID_ELEVE_LISTE", "SEXE"], [["1", "M"]]), "none of the identifying columns"),
        (csv_bytes(["ID_ELEVE_LISTE", "NOM", "nom"], [["1", "A", "B"]]), "more than once"),
    ],
)
def test_unreadable_files_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(FileRefusedError, match=reason):
        connector.read(io.BytesIO(data), file_name="x.csv", received_at=RECEIVED_AT)


def test_an_unterminated_quote_swallows_the_rest_into_one_quarantined_row() -> None:
    results = _read(b'ID_ELEVE_LISTE;NOM\nA0;KLEIN\n"A1;KLEIN\nA2;MEYER\n')
    assert [r.record is not None for r in results] == [True, False]


def test_non_seekable_streams_are_read() -> None:
    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            chunk = self._data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    stream = io.BufferedReader(Pipe(csv_bytes(HEADER, ROWS)))
    results = list(connector.read(stream, file_name="pipe", received_at=RECEIVED_AT))
    assert _names(results) == EXPECTED


def test_the_callers_stream_stays_open() -> None:
    stream = io.BytesIO(csv_bytes(HEADER, ROWS))
    iterator = connector.read(stream, file_name="x.csv", received_at=RECEIVED_AT)
    next(iterator)
    del iterator
    assert not stream.closed


def test_naive_received_at_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        connector.read(
            io.BytesIO(csv_bytes(HEADER, ROWS)),
            file_name="x.csv",
            received_at=datetime(2024, 1, 1),  # noqa: DTZ001 - the point of the test
        )
