"""Column mapping profiles: which header of a file holds which reference column.

Each file connector has a *reference profile* (its FORMATS.md layout). A deployment whose
exports drift declares another mapping without code, in a TOML file (see
``connectors/README.md``)::

    source = "decrocheurs"
    name = "rio-2025"

    [columns]
    ID_ELEVE_LISTE = "Identifiant élève"
    PRENOM = ["Prénoms", "Prénom usuel"]

A column listed in ``[columns]`` is looked for under the given header(s) *instead of* its
reference name; unlisted columns keep their reference name. Headers are compared with
:func:`connectors.normalise.header_key` (case, accents, surrounding spaces, ``_``/space).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["ColumnSpec", "MappingProfile", "ProfileError", "load_profile", "parse_profile"]


class ProfileError(ValueError):
    """A mapping profile file is unreadable or inconsistent; the message is one line."""


@dataclass(frozen=True)
class ColumnSpec:
    """A reference column of a source."""

    name: str
    """Reference name (FORMATS.md), the key of the values given to ``map_row``."""
    headers: tuple[str, ...] = ()
    """Headers accepted for it in a file; empty means the reference name itself."""
    required: bool = False
    """A file without this column is refused."""
    identifying: bool = False
    """Can identify a person (name, INE, phone, e-mail): a file needs at least one of them."""
    description: str = ""

    @property
    def accepted_headers(self) -> tuple[str, ...]:
        return self.headers or (self.name,)


@dataclass(frozen=True)
class MappingProfile:
    """The column layout a connector expects, as a reference or as declared by a deployment."""

    source: str
    columns: tuple[ColumnSpec, ...]
    name: str = "reference"
    """``reference`` for the built-in layout, else the profile's own name (shown in messages)."""
    file: str | None = field(default=None, compare=False)
    """The profile file it came from, if any."""

    def column(self, name: str) -> ColumnSpec:
        for spec in self.columns:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.columns if spec.required)

    @property
    def identifying_columns(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.columns if spec.identifying)

    def with_headers(
        self, headers: Mapping[str, Sequence[str]], *, name: str, file: str | None = None
    ) -> MappingProfile:
        """This profile with other accepted headers for some columns (a deployment's mapping)."""
        unknown = sorted(set(headers) - set(self.column_names))
        if unknown:
            raise ProfileError(
                f"unknown column(s) {', '.join(unknown)} for source {self.source}; "
                f"its columns are {', '.join(self.column_names)}"
            )
        columns = tuple(
            replace(spec, headers=tuple(headers[spec.name])) if spec.name in headers else spec
            for spec in self.columns
        )
        return replace(self, columns=columns, name=name, file=file)


def parse_profile(
    text: str, reference: MappingProfile, *, file: str | None = None
) -> MappingProfile:
    """The profile declared by TOML ``text``, on top of ``reference`` (the connector's layout).

    Raises :class:`ProfileError` for bad TOML, a ``source`` other than the connector's, an
    unknown column or an empty header.
    """
    where = file or "profile"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{where}: not valid TOML ({exc})") from exc
    unknown_keys = sorted(set(data) - {"source", "name", "columns"})
    if unknown_keys:
        raise ProfileError(f"{where}: unknown key(s) {', '.join(unknown_keys)}")
    source = data.get("source", reference.source)
    if source != reference.source:
        raise ProfileError(
            f"{where}: this profile is for source {source!r}, not {reference.source!r}"
        )
    name = data.get("name", os.path.splitext(os.path.basename(file))[0] if file else "custom")
    if not isinstance(name, str) or not name.strip():
        raise ProfileError(f"{where}: 'name' must be a non-empty string")
    columns = data.get("columns", {})
    if not isinstance(columns, dict):
        raise ProfileError(f"{where}: [columns] must be a table of column = header(s)")
    headers = {column: _headers(where, column, value) for column, value in columns.items()}
    try:
        return reference.with_headers(headers, name=name.strip(), file=file)
    except ProfileError as exc:
        raise ProfileError(f"{where}: {exc}") from exc


def load_profile(path: str | os.PathLike[str], reference: MappingProfile) -> MappingProfile:
    """Read a TOML profile file; see :func:`parse_profile`."""
    file = os.fspath(path)
    try:
        with open(file, "rb") as handle:
            raw = handle.read()
        text = raw.decode("utf-8-sig")
    except OSError as exc:
        raise ProfileError(f"{file}: cannot read the profile ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise ProfileError(f"{file}: a profile must be UTF-8 text") from exc
    return parse_profile(text, reference, file=file)


def _headers(where: str, column: str, value: Any) -> tuple[str, ...]:
    values = [value] if isinstance(value, str) else value
    if (
        not isinstance(values, list)
        or not values
        or not all(isinstance(v, str) and v.strip() for v in values)
    ):
        raise ProfileError(
            f"{where}: column {column} must map to a header or a list of headers (non-empty)"
        )
    return tuple(v.strip() for v in values)
