"""The shared contract every registered file connector must honour (built-in or plugin)."""

from __future__ import annotations

import io
import random
import string
import subprocess
import sys

import pytest

from connectors.base import Connector, FileRefusedError, HasReferenceSample, RowResult
from connectors.registry import LoadedConnector, load_connectors
from schemas.v1 import SourceRecord
from tests.connectors.files import RECEIVED_AT, csv_bytes, table_of, xlsx_bytes

ENTRIES = load_connectors()
FILE_CONNECTORS = [entry for entry in ENTRIES if entry.file_connector is not None]


def _connector(entry: LoadedConnector) -> Connector:
    connector = entry.file_connector
    assert connector is not None
    return connector


def _sample(connector: Connector) -> bytes:
    if not isinstance(connector, HasReferenceSample):
        pytest.skip(f"connector {connector.name} ships no reference sample")
    return connector.reference_sample()


def _read(connector: Connector, data: bytes, file_name: str = "export.csv") -> list[RowResult]:
    return list(connector.read(io.BytesIO(data), file_name=file_name, received_at=RECEIVED_AT))


def _records(results: list[RowResult]) -> list[SourceRecord]:
    return [r.record for r in results if r.record is not None]


def test_every_registered_connector_loads() -> None:
    broken = {entry.name: entry.error for entry in ENTRIES if not entry.ok}
    assert broken == {}
    assert len(FILE_CONNECTORS) >= 3


each_file_connector = pytest.mark.parametrize("entry", FILE_CONNECTORS, ids=lambda e: e.name)


@each_file_connector
def test_describes_itself(entry: LoadedConnector) -> None:
    connector = _connector(entry)
    assert connector.name == entry.name
    assert set(connector.formats) >= {"csv"}
    assert connector.description.strip()
    profile = connector.reference_profile
    assert profile.source == connector.name
    assert profile.required_columns, "a source needs at least its record identifier column"
    assert len(set(profile.column_names)) == len(profile.column_names)


@each_file_connector
def test_reference_sample_round_trips(entry: LoadedConnector) -> None:
    connector = _connector(entry)
    results = _read(connector, _sample(connector))
    assert results, "the sample must hold rows"
    assert [r.row for r in results] == list(range(1, len(results) + 1))
    for result in results:
        assert result.record is not None, result.errors
        assert result.errors == ()
        assert result.record.source == connector.name
        assert result.record.received_at == RECEIVED_AT
        # The record survives a JSON round trip through the contract.
        again = SourceRecord.model_validate_json(result.record.model_dump_json())
        assert again == result.record
    ids = [r.source_record_id for r in _records(results)]
    assert len(set(ids)) == len(ids)
    # Reading is deterministic.
    assert _records(_read(connector, _sample(connector))) == _records(results)


@each_file_connector
def test_sample_reads_the_same_in_every_supported_shape(entry: LoadedConnector) -> None:
    connector = _connector(entry)
    sample = _sample(connector)
    expected = _records(_read(connector, sample))
    header, rows = table_of(sample)
    shapes: dict[str, tuple[bytes, str]] = {
        "comma, LF": (csv_bytes(header, rows, delimiter=",", line_end="\n"), "a.csv"),
        "BOM": (b"\xef\xbb\xbf" + csv_bytes(header, rows), "b.csv"),
        "windows-1252": (csv_bytes(header, rows, encoding="cp1252"), "c.csv"),
        "tab": (csv_bytes(header, rows, delimiter="\t"), "d.txt"),
        "title line above the header": (b"Export du 02/04/2024\r\n" + csv_bytes(header, rows), "e"),
        "upper-case headers": (csv_bytes([h.upper() for h in header], rows), "f.csv"),
    }
    if "xlsx" in connector.formats:
        shapes["xlsx"] = (xlsx_bytes(header, rows), "g.xlsx")
    for shape, (data, name) in shapes.items():
        assert _records(_read(connector, data, name)) == expected, shape


def _bad_rows(header: list[str], row: list[str]) -> dict[str, list[str]]:
    width = len(header)
    return {
        "too many cells": [*row, "surplus"],
        "too few cells": row[: width - 1],
        "huge cell": [row[0], *(["x" * 5_000] * (width - 1))],
        "only the identifier": [row[0]] + [""] * (width - 1),
        "blank identifier": ["", *row[1:]],
        "formulas everywhere": [row[0]] + ['=HYPERLINK("http://x")'] * (width - 1),
        "control characters": [row[0]] + ["\x00\x07\x1b[31m" + c for c in row[1:]],
        "nonsense": [row[0]] + ["?!"] * (width - 1),
    }


@each_file_connector
def test_bad_rows_become_results_never_exceptions(entry: LoadedConnector) -> None:
    connector = _connector(entry)
    header, rows = table_of(_sample(connector))
    bad = _bad_rows(header, rows[0])
    data = csv_bytes(header, [rows[0], *bad.values()])
    results = _read(connector, data)
    assert len(results) == 1 + len(bad)
    assert results[0].record is not None
    for result, (case, _) in zip(results[1:], bad.items(), strict=True):
        assert isinstance(result, RowResult), case
        assert result.record is not None or result.errors, case
        assert all(e.row == result.row for e in result.errors), case
        assert result.raw, case
    by_case = dict(zip(bad, results[1:], strict=True))
    for case in (
        "too many cells",
        "too few cells",
        "huge cell",
        "only the identifier",
        "formulas everywhere",
        "nonsense",
    ):
        assert by_case[case].record is None, case
        assert by_case[case].errors, case
    assert by_case["blank identifier"].record is None


@each_file_connector
def test_fuzzed_rows_never_raise(entry: LoadedConnector) -> None:
    connector = _connector(entry)
    header, _rows = table_of(_sample(connector))
    rng = random.Random(20240402)
    alphabet = string.printable + "éèàçœÆ\u00a0\u202f\u200b'’-+=@\"; ,/."
    fuzzed = [
        [f"id-{n}"] + ["".join(rng.choices(alphabet, k=rng.randint(0, 30))) for _ in header[1:]]
        for n in range(300)
    ]
    results = _read(connector, csv_bytes(header, fuzzed))
    assert len(results) <= 300
    for result in results:
        assert result.record is not None or result.errors


def _refused_files(connector: Connector, sample: bytes) -> dict[str, bytes]:
    header, rows = table_of(sample)
    files = {
        "empty": b"",
        "blank": b"  \r\n\r\n",
        "binary": bytes(range(256)) * 8,
        "legacy xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
        "broken xlsx": b"PK\x03\x04" + b"garbage" * 100,
        "one column": b"just some text\nwithout any separator\n",
        "unrelated table": csv_bytes(["a", "b", "c"], [["1", "2", "3"]]),
    }
    for column in connector.reference_profile.required_columns:
        keep = [i for i, h in enumerate(header) if h != column]
        files[f"no {column}"] = csv_bytes(
            [header[i] for i in keep], [[r[i] for i in keep] for r in rows]
        )
    return files


@each_file_connector
def test_refused_files_raise_file_refused_before_any_row(entry: LoadedConnector) -> None:
    connector = _connector(entry)
    for case, data in _refused_files(connector, _sample(connector)).items():
        with pytest.raises(FileRefusedError) as refused:
            # Raised by the call itself, not on iteration.
            connector.read(io.BytesIO(data), file_name="f.csv", received_at=RECEIVED_AT)
        message = str(refused.value)
        assert message, case
        assert "\n" not in message, case


@each_file_connector
def test_other_sources_files_are_refused(entry: LoadedConnector) -> None:
    connector = _connector(entry)
    for other in FILE_CONNECTORS:
        other_connector = _connector(other)
        if other_connector.name == connector.name or not isinstance(
            other_connector, HasReferenceSample
        ):
            continue
        if set(other_connector.reference_profile.required_columns) >= set(
            connector.reference_profile.required_columns
        ):
            continue
        with pytest.raises(FileRefusedError, match="missing required column"):
            _read(connector, other_connector.reference_sample())


@each_file_connector
def test_connector_module_does_not_import_the_hub(entry: LoadedConnector) -> None:
    connector = _connector(entry)
    module = type(connector).__module__ if entry.origin != "builtin" else None
    target = module or f"connectors.{connector.name.replace('-', '_')}"
    code = (
        "import sys, importlib\n"
        f"importlib.import_module({target!r})\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('hub', 'consent', "
        "'sqlalchemy', 'sqlmodel', 'fastapi'))\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
