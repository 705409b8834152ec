"""The connector contract: what a connector is, what it yields, how it refuses a file.

A connector reads one source's export and *emits* results; it never persists anything and
never imports the hub, the ORM or settings (import-linter checks it). For every data row it
yields a :class:`RowResult`:

- ``record`` set: the row became a validated :class:`schemas.v1.SourceRecord`; ``errors``
  lists field problems that did not make the row unusable (an unreadable birth date...);
- ``record`` None: the row is *quarantined*; ``errors`` says why (row, column, reason).

A file that cannot be read at all raises :class:`FileRefusedError` — from ``read`` itself,
before any row is yielded, for everything that can be known from the file's start (empty,
not a table, not this source's layout, a required column missing).

Row numbers: **1-based data rows**, the header excluded. Row 1 is the first record after the
header; blank rows count (so numbers stay stable) but yield nothing. A CSV record holding a
quoted line break is still one row.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Protocol, runtime_checkable

from connectors.profile import ColumnSpec, MappingProfile, ProfileError
from schemas.v1 import SourceRecord

__all__ = [
    "ColumnSpec",
    "Connector",
    "FileRefusedError",
    "HasReferenceSample",
    "MappingProfile",
    "ProfileError",
    "RowError",
    "RowResult",
    "SourceConnector",
]


@dataclass(frozen=True)
class RowError:
    """A problem on one row: ``row`` is the 1-based data row (header excluded), ``column`` the
    column's header as written in the file (None when it concerns the whole row), ``reason`` a
    short English sentence that never quotes the cell's value (values are personal data)."""

    row: int
    column: str | None
    reason: str


@dataclass(frozen=True)
class RowResult:
    """What a connector made of one data row."""

    row: int
    """1-based data row number (header excluded)."""
    record: SourceRecord | None
    """The validated record; None when the row is quarantined."""
    errors: tuple[RowError, ...]
    """Field errors on a kept row, or the reason(s) of the quarantine."""
    raw: dict[str, str]
    """The row as read, keyed by column (for the quarantine store)."""

    @property
    def quarantined(self) -> bool:
        return self.record is None


class FileRefusedError(Exception):
    """The file is refused as a whole; ``str(exc)`` is a one-line reason for the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(" ".join(reason.split()))


@runtime_checkable
class SourceConnector(Protocol):
    """What every connector, file or pull, tells the registry about itself."""

    # Read-only properties, so that frozen dataclasses and plain attributes both qualify.
    @property
    def name(self) -> str:
        """Source name (slug), also the ``source`` of its records: ``decrocheurs``."""
        ...

    @property
    def formats(self) -> tuple[str, ...]:
        """What it reads: file formats (``"csv"``, ``"xlsx"``) or ``"feed"`` (pull connectors)."""
        ...

    @property
    def description(self) -> str:
        """One line for ``hub connectors list``."""
        ...


@runtime_checkable
class Connector(SourceConnector, Protocol):
    """A file connector: reads one export of its source, yields one result per data row."""

    @property
    def reference_profile(self) -> MappingProfile:
        """The source's reference column layout (FORMATS.md); a deployment may pass another."""
        ...

    def read(
        self,
        stream: BinaryIO,
        *,
        file_name: str,
        received_at: datetime,
        profile: MappingProfile | None = None,
    ) -> Iterator[RowResult]:
        """Read ``stream`` (the file's bytes; seekable) and yield a result per data row.

        Raises :class:`FileRefusedError` before yielding anything when the file is refused;
        a result is yielded for every other row, never an exception for a bad row.
        ``received_at`` (aware UTC) stamps the records; ``profile`` replaces the reference
        column mapping.
        """
        ...


@runtime_checkable
class HasReferenceSample(Protocol):
    """Optional: a connector that ships a small synthetic sample of its reference layout,
    used by the shared contract test suite."""

    def reference_sample(self) -> bytes:
        """A CSV file in the reference layout whose every row reads without any error."""
        ...


ValueMap = Mapping[str, str | None]
"""Cells of one row keyed by reference column name (extra columns by their header)."""
