"""Building blocks of the pure ``map_row`` functions: one :class:`RowMapper` per row.

The mapper cleans every cell once, keeps track of flags, field errors and the raw text of
dropped values, and finally builds a validated :class:`schemas.v1.SourceRecord` — or a
quarantine result. It never raises for bad data.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence

from pydantic import ValidationError

from connectors.base import RowError, RowResult, ValueMap
from connectors.normalise import (
    DAY_FIRST_FORMATS,
    MAX_CELL_CHARS,
    age_on,
    is_formula,
    map_needs,
    neutralise_formula,
    normalise_email,
    normalise_ine,
    parse_date,
    parse_dispositif,
    parse_sex,
    parse_yes_no,
    split_given_names,
    split_phones,
    strip_controls,
)
from schemas.territory import CommuneResolver, normalise_postal_code
from schemas.v1 import Dispositif, Person, RecordFlag, Sex, SourceRecord

__all__ = ["MAX_PUBLIC_AGE", "MIN_PUBLIC_AGE", "RowMapper"]

MIN_PUBLIC_AGE = 16
MAX_PUBLIC_AGE = 29
"""The programme's public: 16 to 29 years old (inclusive) on the record's date."""

MAX_TEXT = 200
"""Longest name, town or school kept (the contract's ``Text``)."""
MAX_LONG_TEXT = 4000
MAX_ID = 128
MAX_LIST = 5
MAX_GIVEN_NAMES = 10


@functools.cache
def _thematique_codes() -> frozenset[str]:
    from data_inclusion.schema.v1 import Categorie, Thematique

    return frozenset([c.value for c in Categorie] + [t.value for t in Thematique])


class RowMapper:
    """Cleans one row's cells and accumulates what the mapping finds.

    ``values`` are keyed by reference column name; keys that are not reference columns
    (``reference_columns``) are extra columns and go to the record's attributes.
    """

    def __init__(
        self,
        values: ValueMap,
        *,
        row: int,
        source: str,
        received_at: dt.datetime,
        reference_columns: Iterable[str],
    ) -> None:
        self.row = row
        self.source = source
        self.received_at = received_at
        self.errors: list[RowError] = []
        self.fatal: list[RowError] = []
        self.flags: list[RecordFlag] = []
        self.attributes: dict[str, str] = {}
        self.raw = {key: "" if value is None else value for key, value in values.items()}
        self._cells: dict[str, str] = {}
        self._formulas: set[str] = set()
        reference = frozenset(reference_columns)
        for key, value in self.raw.items():
            if len(value) > MAX_CELL_CHARS:
                self.fatal.append(
                    RowError(row, key, f"cell longer than {MAX_CELL_CHARS:,} characters")
                )
                continue
            text = strip_controls(value)
            if text and is_formula(text):
                text = neutralise_formula(text)
                self._formulas.add(key)
                self.flag(RecordFlag.FORMULA_NEUTRALISED)
                self.errors.append(RowError(row, key, "spreadsheet formula neutralised"))
            self._cells[key] = text
            if key not in reference and text:
                self.attributes[key] = text

    # -- bookkeeping -----------------------------------------------------------------------

    def flag(self, flag: RecordFlag) -> None:
        if flag not in self.flags:
            self.flags.append(flag)

    def error(self, column: str | None, reason: str) -> None:
        self.errors.append(RowError(self.row, column, reason))

    def keep(self, *columns: str) -> None:
        """Keep the cells as written in the attributes (values the contract has no field for,
        or the mapping had to drop)."""
        for column in columns:
            text = self._cells.get(column)
            if text:
                self.attributes[column] = text

    # -- typed readers -----------------------------------------------------------------------

    def cell(self, column: str) -> str | None:
        """The cleaned cell, None when absent or empty."""
        return self._cells.get(column) or None

    def is_formula(self, column: str) -> bool:
        return column in self._formulas

    def text(self, column: str, *, max_length: int = MAX_TEXT) -> str | None:
        """A text field as written; too long a value is dropped (kept in the attributes)."""
        value = self.cell(column)
        if value is None:
            return None
        if len(value) > max_length:
            self.error(column, f"longer than {max_length} characters; kept in attributes")
            self.keep(column)
            return None
        return value

    def line(self, column: str, *, max_length: int = MAX_TEXT) -> str | None:
        """Like :meth:`text`, with line breaks made spaces (names, towns)."""
        value = self.text(column, max_length=max_length)
        return None if value is None else " ".join(value.split())

    def name(self, column: str) -> str | None:
        """A name as written. A cell without any letter, or a neutralised formula, is no name:
        it is dropped (kept in the attributes) and cannot identify anybody."""
        value = self.line(column)
        if value is None:
            return None
        if self.is_formula(column) or not _has_letter(value):
            if not self.is_formula(column):
                self.error(column, "not a name (no letter); kept in attributes")
            self.keep(column)
            return None
        return value

    def given_names(self, column: str, *, on_spaces: bool) -> list[str]:
        value = self.line(column, max_length=MAX_CELL_CHARS)
        if value is None:
            return []
        if self.is_formula(column):
            self.keep(column)
            return []
        names = split_given_names(value, on_spaces=on_spaces)
        kept = [n for n in names if len(n) <= MAX_TEXT and _has_letter(n)][:MAX_GIVEN_NAMES]
        if len(kept) != len(names):
            self.error(
                column, "given names too long, too many or without letters; kept in attributes"
            )
            self.keep(column)
        return kept

    def identifier(self, column: str) -> str | None:
        """The record's identifier; missing or impossible makes the row unusable."""
        value = self.cell(column)
        if value is None:
            self.fatal.append(RowError(self.row, column, "missing record identifier"))
            return None
        value = " ".join(value.split())
        if len(value) > MAX_ID or self.is_formula(column):
            self.fatal.append(RowError(self.row, column, "impossible record identifier"))
            return None
        return value

    def date(self, column: str, formats: Sequence[str] = DAY_FIRST_FORMATS) -> dt.date | None:
        value = self.cell(column)
        if value is None:
            return None
        parsed = parse_date(value, formats)
        if parsed is None or parsed.year < 1900 or parsed.year > 2100:
            self.error(column, "date unreadable; kept in attributes")
            self.keep(column)
            return None
        return parsed

    def birth_date(self, column: str, formats: Sequence[str] = DAY_FIRST_FORMATS) -> dt.date | None:
        value = self.cell(column)
        if value is None:
            return None
        parsed = parse_date(value, formats)
        if parsed is None:
            reason = "birth date unreadable; kept in attributes"
        elif parsed.year < 1900 or parsed > self.received_at.date():
            reason = "birth date impossible; kept in attributes"
        else:
            return parsed
        self.error(column, reason)
        self.flag(RecordFlag.BIRTH_DATE_UNREADABLE)
        self.keep(column)
        return None

    def sex(self, column: str) -> Sex | None:
        value = self.cell(column)
        if value is None:
            return None
        sex = parse_sex(value)
        if sex is None:
            self.error(column, "unknown sex value (expected M or F); kept in attributes")
            self.keep(column)
        return sex

    def ine(self, column: str) -> str | None:
        value = self.cell(column)
        if value is None:
            return None
        ine = normalise_ine(value)
        if ine is None:
            self.error(column, "INE does not have a valid shape; kept in attributes")
            self.flag(RecordFlag.INE_INVALID)
            self.keep(column)
        return ine

    def phones(self, column: str) -> list[str]:
        value = self.cell(column)
        if value is None:
            return []
        phones = [] if self.is_formula(column) else split_phones(value)
        if not phones:
            self.error(column, "not a valid phone number; kept in attributes")
            self.flag(RecordFlag.PHONE_INVALID)
            self.keep(column)
        return phones[:MAX_LIST]

    def emails(self, column: str) -> list[str]:
        value = self.cell(column)
        if value is None:
            return []
        email = None if self.is_formula(column) else normalise_email(value)
        if email is None:
            self.error(column, "not a valid e-mail address; kept in attributes")
            self.flag(RecordFlag.EMAIL_INVALID)
            self.keep(column)
            return []
        return [email]

    def contacts(self, phone_column: str, email_column: str) -> tuple[list[str], list[str]]:
        """Phones and e-mails typed freely: an e-mail typed in the phone field, or a phone in
        the e-mail field, is taken where it belongs rather than dropped."""
        phone_text, email_text = self.cell(phone_column), self.cell(email_column)
        phones: list[str] = []
        emails: list[str] = []
        moved_email = normalise_email(phone_text) if phone_text and "@" in phone_text else None
        if moved_email is not None:
            emails.append(moved_email)
        else:
            phones.extend(self.phones(phone_column))
        moved_phones = split_phones(email_text) if email_text and "@" not in email_text else []
        if moved_phones:
            phones.extend(moved_phones)
        else:
            emails.extend(self.emails(email_column))
        return list(dict.fromkeys(phones))[:MAX_LIST], list(dict.fromkeys(emails))[:MAX_LIST]

    def postal_code(self, column: str) -> str | None:
        value = self.cell(column)
        if value is None:
            return None
        code = normalise_postal_code(value)
        if code is None:
            self.error(column, "not a postal code; kept in attributes")
            self.keep(column)
        return code

    def yes_no(self, column: str) -> bool | None:
        value = self.cell(column)
        if value is None:
            return None
        answer = parse_yes_no(value)
        if answer is None:
            self.error(column, "expected O or N; kept in attributes")
            self.keep(column)
        return answer

    def dispositif(self, column: str) -> Dispositif | None:
        value = self.cell(column)
        if value is None:
            return None
        dispositif = parse_dispositif(value)
        if dispositif is None:
            self.error(column, "unknown dispositif (expected PACEA, GJ or CEJ); kept in attributes")
            self.keep(column)
        return dispositif

    def needs(self, column: str) -> list[str]:
        """data·inclusion codes for a need; the text itself always stays in the attributes."""
        value = self.cell(column)
        if value is None:
            return []
        self.keep(column)
        return map_needs(value, _thematique_codes())

    # -- territory ---------------------------------------------------------------------------

    def address(
        self,
        *,
        street: str | None,
        postal_code: str | None,
        town: str | None,
        insee_column: str | None = None,
    ) -> dict[str, str | None] | None:
        """The address (validated with the person), its commune resolved to a current INSEE
        code, with territory flags."""
        resolver = CommuneResolver.default()
        insee: str | None = None
        if insee_column is not None and self.cell(insee_column) is not None:
            insee = self._insee_code(insee_column, resolver)
        if insee is None and (town or postal_code):
            resolution = resolver.resolve(town, postal_code)
            insee = None if resolution is None else resolution.insee
            if insee is None:
                self.flag(RecordFlag.COMMUNE_UNRESOLVED)
                # m2A lies in the Haut-Rhin: a postal code of another département is outside.
                if postal_code is not None and not postal_code.startswith("68"):
                    self.flag(RecordFlag.OUTSIDE_M2A)
        if insee is not None and not resolver.in_m2a(insee):
            self.flag(RecordFlag.OUTSIDE_M2A)
        if street is None and postal_code is None and town is None and insee is None:
            return None
        return {"street": street, "postal_code": postal_code, "town": town, "commune_insee": insee}

    def _insee_code(self, column: str, resolver: CommuneResolver) -> str | None:
        value = (self.cell(column) or "").replace(" ", "").upper()
        if len(value) == 4 and value.isdigit():
            value = "0" + value  # a spreadsheet ate the leading zero
        commune = resolver.current(value)
        if commune is not None:
            return commune.insee
        if len(value) == 5 and (value.isdigit() or value[:2] in ("2A", "2B")):
            return value  # a well-formed code outside the Haut-Rhin list: kept, flagged outside
        self.error(column, "not an INSEE commune code; kept in attributes")
        self.keep(column)
        return None

    # -- the record ----------------------------------------------------------------------------

    def result(
        self,
        *,
        record_id: str | None,
        person: dict[str, object],
        follow_up: dict[str, object] | None = None,
        needs: list[str] | None = None,
        recorded_on: dt.date | None = None,
    ) -> RowResult:
        """The row's result: a validated record, or a quarantine with every fatal reason."""
        if not self.fatal and record_id is not None:
            try:
                built = Person.model_validate(person)
            except ValidationError as exc:
                self.fatal.append(RowError(self.row, _location(exc), "invalid value"))
            else:
                if not built.has_identity():
                    self.fatal.append(
                        RowError(
                            self.row, None, "nothing identifies a person (name, INE, phone, e-mail)"
                        )
                    )
                else:
                    return self._record(record_id, built, follow_up or {}, needs or [], recorded_on)
        return self.quarantine()

    def quarantine(self) -> RowResult:
        reasons = tuple(self.fatal) or (RowError(self.row, None, "row unusable"),)
        return RowResult(row=self.row, record=None, errors=reasons, raw=self.raw)

    def _record(
        self,
        record_id: str,
        person: Person,
        follow_up: dict[str, object],
        needs: list[str],
        recorded_on: dt.date | None,
    ) -> RowResult:
        if person.birth_date is not None:
            age = age_on(person.birth_date, recorded_on or self.received_at.date())
            if not MIN_PUBLIC_AGE <= age <= MAX_PUBLIC_AGE:
                self.flag(RecordFlag.OUT_OF_PUBLIC_AGE)
        try:
            # One validation for the record and its follow-up; the person is already valid.
            record = SourceRecord.model_validate(
                {
                    "source": self.source,
                    "source_record_id": record_id,
                    "received_at": self.received_at,
                    "recorded_on": recorded_on,
                    "person": person,
                    "needs": needs,
                    "follow_up": follow_up,
                    "flags": self.flags,
                    "attributes": self.attributes,
                }
            )
        except ValidationError as exc:
            self.fatal.append(RowError(self.row, _location(exc), "invalid value"))
            return self.quarantine()
        return RowResult(row=self.row, record=record, errors=tuple(self.errors), raw=self.raw)


def _has_letter(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def _location(exc: ValidationError) -> str | None:
    errors = exc.errors()
    if not errors:
        return None
    return ".".join(str(part) for part in errors[0]["loc"]) or None
