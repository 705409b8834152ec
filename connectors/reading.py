"""The generic file connector: a table (CSV/XLSX), a mapping profile and a pure ``map_row``.

Each built-in file connector is a :class:`TabularConnector` configured with its reference
profile and its mapping function; third-party connectors may reuse it the same way.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from importlib import resources
from typing import BinaryIO, Protocol

from connectors.base import FileRefusedError, MappingProfile, ProfileError, RowError, RowResult
from connectors.normalise import MAX_CELL_CHARS, header_key, strip_controls
from connectors.tabular import Table, open_table

__all__ = ["ColumnMapping", "MapRow", "TabularConnector", "resolve_columns"]


class MapRow(Protocol):
    """The pure mapping function of a file connector."""

    def __call__(
        self, values: Mapping[str, str | None], *, row: int, received_at: datetime
    ) -> RowResult: ...


@dataclass(frozen=True)
class ColumnMapping:
    """Where each reference column sits in a given file."""

    width: int
    """Number of columns of the header."""
    headers: tuple[str, ...]
    """The file's headers (cleaned; blank or repeated ones named ``column N``)."""
    index: dict[str, int]
    """Reference column name -> cell index."""
    extras: tuple[tuple[int, str], ...]
    """Cells of columns the profile does not know, with the key they get in the attributes."""

    def header_of(self, column: str | None) -> str | None:
        """The file's header for a reference column (other names are returned unchanged)."""
        if column is None:
            return None
        index = self.index.get(column)
        return column if index is None else self.headers[index]


def _clean_headers(cells: Sequence[str]) -> list[str]:
    headers: list[str] = []
    for position, cell in enumerate(cells, start=1):
        text = " ".join(strip_controls(cell).split())[:200]
        if not text or text in headers:
            text = f"column {position}"
        headers.append(text)
    # Trailing blank headers ("a;b;c;") are not columns.
    while (
        headers and headers[-1] == f"column {len(headers)}" and not cells[len(headers) - 1].strip()
    ):
        headers.pop()
    return headers


def _header_positions(headers: Sequence[str]) -> dict[str, list[int]]:
    positions: dict[str, list[int]] = {}
    for index, header in enumerate(headers):
        positions.setdefault(header_key(header), []).append(index)
    return positions


def _find(profile: MappingProfile, positions: dict[str, list[int]], column: str) -> list[int]:
    for accepted in profile.column(column).accepted_headers:
        found = positions.get(header_key(accepted))
        if found:
            return found
    return []


def matches_layout(profile: MappingProfile, cells: Sequence[str]) -> bool:
    """True when ``cells`` hold every required column of ``profile`` (a header row)."""
    positions = _header_positions([strip_controls(c) for c in cells])
    return all(_find(profile, positions, column) for column in profile.required_columns)


def resolve_columns(profile: MappingProfile, header_cells: Sequence[str]) -> ColumnMapping:
    """Map ``profile``'s columns onto a file's header; refuse the file when it cannot be read
    with this profile (a required column missing or repeated, no identifying column)."""
    headers = _clean_headers(header_cells)
    positions = _header_positions(headers)
    index: dict[str, int] = {}
    missing: list[str] = []
    repeated: list[str] = []
    for spec in profile.columns:
        found = _find(profile, positions, spec.name)
        if len(found) > 1:
            repeated.append(headers[found[0]])
        elif found:
            index[spec.name] = found[0]
        elif spec.required:
            missing.append(spec.name)
    where = "" if profile.name == "reference" else f" (profile {profile.name})"
    if missing:
        expected = ", ".join(_expected(profile, name) for name in missing)
        raise FileRefusedError(
            f"missing required column{'s' if len(missing) > 1 else ''} {expected}{where}: "
            f"this is not a {profile.source} file in the expected layout"
        )
    if repeated:
        raise FileRefusedError(f"column {', '.join(map(repr, repeated))} appears more than once")
    identifying = profile.identifying_columns
    if identifying and not any(column in index for column in identifying):
        raise FileRefusedError(
            f"none of the identifying columns ({', '.join(identifying)}) is present{where}"
        )
    used = set(index.values())
    names = set(profile.column_names)
    extras = tuple(
        (i, header if header not in names else f"{header} (column {i + 1})")
        for i, header in enumerate(headers)
        if i not in used
    )
    return ColumnMapping(width=len(headers), headers=tuple(headers), index=index, extras=extras)


def _expected(profile: MappingProfile, column: str) -> str:
    spec = profile.column(column)
    if spec.headers and spec.headers != (column,):
        return f"{column} (header {' or '.join(map(repr, spec.headers))})"
    return column


@dataclass(frozen=True)
class TabularConnector:
    """A file connector reading CSV/XLSX through a mapping profile and a pure ``map_row``."""

    name: str
    description: str
    reference_profile: MappingProfile
    map_row: MapRow = field(repr=False)
    formats: tuple[str, ...] = ("csv", "xlsx")
    sample: tuple[str, str] | None = None
    """(package, file name) of a synthetic sample in the reference layout."""

    def reference_sample(self) -> bytes:
        if self.sample is None:
            raise LookupError(f"connector {self.name} ships no sample")
        package, file_name = self.sample
        return resources.files(package).joinpath(file_name).read_bytes()

    def read(
        self,
        stream: BinaryIO,
        *,
        file_name: str,
        received_at: datetime,
        profile: MappingProfile | None = None,
    ) -> Iterator[RowResult]:
        """See :class:`connectors.base.Connector`. Refusals are raised by this call itself."""
        if received_at.tzinfo is None:
            raise ValueError("received_at must be an aware datetime")
        chosen = profile or self.reference_profile
        if chosen.source != self.name:
            raise ProfileError(f"profile {chosen.name} is for {chosen.source}, not {self.name}")
        table = open_table(
            stream,
            file_name=file_name,
            formats=self.formats,
            is_header=lambda cells: matches_layout(chosen, cells),
        )
        mapping = resolve_columns(chosen, table.headers)
        return self._results(table, mapping, received_at)

    def _results(
        self, table: Table, mapping: ColumnMapping, received_at: datetime
    ) -> Iterator[RowResult]:
        width = mapping.width
        for number, cells in table.rows:
            if not any(cell.strip() for cell in cells):
                continue
            raw = _raw(mapping, cells)
            if len(cells) > width:
                if any(cell.strip() for cell in cells[width:]):
                    yield _wrong_width(number, len(cells), width, raw)
                    continue
                cells = cells[:width]
            elif len(cells) < width:
                if not table.pads_short_rows:
                    yield _wrong_width(number, len(cells), width, raw)
                    continue
                cells = cells + [""] * (width - len(cells))
            values: dict[str, str | None] = {
                column: cells[index] for column, index in mapping.index.items()
            }
            for index, key in mapping.extras:
                values[key] = cells[index]
            yield _in_file_terms(
                self.map_row(values, row=number, received_at=received_at), mapping, raw
            )


def _raw(mapping: ColumnMapping, cells: Sequence[str]) -> dict[str, str]:
    raw: dict[str, str] = {}
    for position, cell in enumerate(cells):
        key = mapping.headers[position] if position < mapping.width else f"column {position + 1}"
        if len(cell) > MAX_CELL_CHARS:
            cell = cell[:MAX_CELL_CHARS] + f"… [cut: {len(cell):,} characters]"
        raw[key] = cell
    return raw


def _wrong_width(row: int, found: int, expected: int, raw: dict[str, str]) -> RowResult:
    reason = f"{found} cells where the header has {expected} columns"
    return RowResult(row=row, record=None, errors=(RowError(row, None, reason),), raw=raw)


def _in_file_terms(result: RowResult, mapping: ColumnMapping, raw: dict[str, str]) -> RowResult:
    errors = tuple(RowError(e.row, mapping.header_of(e.column), e.reason) for e in result.errors)
    return replace(result, errors=errors, raw=raw)
